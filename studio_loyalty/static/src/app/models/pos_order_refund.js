import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";

/**
 * Refunds of orders paid with rewards: the share of what they refund comes
 * back as loyalty value, as one negative Loyalty Rewards line. An exchange
 * ticket is a refund that also sells new items: it reads and syncs as a sale
 * with returned lines (its new items priced as sold), its share is that of
 * the refunded lines, and its new items may be paid with other rewards.
 */
patch(PosOrder.prototype, {
    /** The order this one refunds lines of. */
    get studioRefundedOrder() {
        return this.lines.find((line) => line.refunded_orderline_id)?.refunded_orderline_id
            ?.order_id;
    },

    /**
     * What the refunded lines take back, taxes included, read from the lines
     * they refund: computed as the server does (pos.order._studio_refunded_total).
     */
    get studioRefundedTotal() {
        const total = this.lines.reduce((sum, line) => {
            const origin = line.refunded_orderline_id;
            if (!origin?.qty) {
                return sum;
            }
            const sign = origin.order_id.is_refund ? -1 : 1;
            return sum - (sign * origin.price_subtotal_incl * line.qty) / origin.qty;
        }, 0);
        return this.currency.round(total);
    },

    /** A refund that also sells new items. */
    get studioIsExchange() {
        return (
            Boolean(this.studioRefundedOrder) &&
            this.lines.some((line) => !line.refunded_orderline_id && line.qty > 0)
        );
    },

    get studioShareLines() {
        return this.payment_ids.filter((line) => line.studioIsRefundShare);
    },

    /**
     * Make the refunded share one negative line of ``method`` worth ``share``:
     * added, corrected or removed. Returns whether the lines changed.
     */
    studioSetRefundShare(share, method) {
        const lines = this.studioShareLines;
        const none = this.currency.isZero(share);
        if (
            none
                ? !lines.length
                : lines.length === 1 && this.currency.isZero(lines[0].amount + share)
        ) {
            return false;
        }
        for (const line of none ? lines : lines.slice(1)) {
            this.removePaymentline(line);
        }
        if (none) {
            return true;
        }
        let line = lines[0];
        if (!line) {
            const result = this.addPaymentline(method);
            if (!result.status) {
                return false;
            }
            line = result.data;
        }
        line.setAmount(-share);
        // Left unselected: the numpad types into the next payment, not into the share.
        this.selectPaymentline(undefined);
        return true;
    },

    get isRefund() {
        return !this.studioIsExchange && super.isRefund;
    },

    /**
     * In a shop that takes loyalty rewards, a refund not to be invoiced may
     * sell new items too: an exchange ticket. Other shops keep Odoo's rule.
     */
    isSaleDisallowed(values, options) {
        const takesRewards = this.config.payment_method_ids.some((pm) => pm.is_studio_loyalty);
        return (
            super.isSaleDisallowed(...arguments) &&
            (!takesRewards || this.isToInvoice() || !this.studioRefundedOrder)
        );
    },

    serializeForORM(opts = {}) {
        const data = super.serializeForORM(...arguments);
        if (this.studioIsExchange) {
            data.is_refund = false;
        }
        return data;
    },
});
