import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { onMounted } from "@odoo/owl";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";

/**
 * Refunds and exchange tickets on the payment screen: the refunded loyalty
 * share is put on as a Loyalty Rewards line the cashier cannot remove. An
 * exchange's new items may be paid with rewards as a sale's: the Studio
 * Rewards button is offered while the order leaves something to pay
 * (pos.order ``studioCanRedeem``), without points (the store's fetch).
 */
patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        onMounted(() => this.studioAddRefundShare());
    },

    /** A refund of an order paid with rewards pays their share back as loyalty value, never as cash. */
    async studioAddRefundShare() {
        const order = this.currentOrder;
        if (
            !order.studioRefundedOrder ||
            order.studioShareLines.length ||
            this.pos.data.network.offline
        ) {
            return;
        }
        await this.pos.studioSettleRefundShare(order);
        this.numberBuffer.reset();
    },

    deletePaymentLine(uuid) {
        const line = this.paymentLines.find((paymentLine) => paymentLine.uuid === uuid);
        if (line?.studioIsRefundShare) {
            this.dialog.add(AlertDialog, {
                title: _t("Loyalty Rewards"),
                body: _t(
                    "This line gives the part of the refund that was paid with loyalty rewards back as rewards: " +
                        "it stays on the refund. Pay the rest with the other payment methods."
                ),
            });
            return;
        }
        return super.deletePaymentLine(...arguments);
    },

    async toggleIsToInvoice() {
        if (this.currentOrder.studioIsExchange && !this.currentOrder.isToInvoice()) {
            this.dialog.add(AlertDialog, {
                title: _t("Exchange"),
                body: _t(
                    "An exchange ticket cannot be invoiced. Remove the new items and validate the refund " +
                        "(invoiced, it makes a credit note), then sell them on a new ticket."
                ),
            });
            return;
        }
        return super.toggleIsToInvoice(...arguments);
    },
});
