import { _t } from "@web/core/l10n/translation";
import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { parseFloat } from "@web/views/fields/parsers";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";

/**
 * The client's redeemable rewards, soonest expiry first, and their points: the
 * cashier ticks rewards and enters an amount of points (the most allowed by
 * default), sees the total, and cannot confirm what the server would refuse.
 * Resolves with ``{ rewards, pointsAmount }``.
 */
export class RewardsPopup extends Component {
    static template = "studio_loyalty.RewardsPopup";
    static components = { Dialog };
    static props = {
        rewards: Array,
        points: { type: [Object, Boolean], optional: true },
        amountDue: Number,
        ticketTotal: Number,
        getPayload: Function,
        close: Function,
    };

    setup() {
        this.pos = usePos();
        // Left empty when even the most allowed is under the minimum: rewards alone can still be redeemed.
        const most = this.pointsMax;
        this.state = useState({
            selectedIds: [],
            pointsAmount: most && most >= this.props.points.min_redemption ? most : "",
        });
    }

    /** Points can be used now (the server's reason otherwise is shown). */
    get pointsUsable() {
        return Boolean(this.props.points && !this.props.points.reason);
    }

    /** The most the points may pay: what they are worth, less than the ticket total, whole points. */
    get pointsMax() {
        if (!this.pointsUsable) {
            return 0;
        }
        const { value, point_value: pointValue } = this.props.points;
        const cap = Math.min(value, this.props.amountDue, this.props.ticketTotal - pointValue);
        return cap > 0 ? this.pos.currency.round(Math.floor(cap / pointValue + 1e-6) * pointValue) : 0;
    }

    /** The amount entered, in the user's number format; 0 when empty, NaN when it is not a number. */
    get pointsAmount() {
        if (!this.pointsUsable || !String(this.state.pointsAmount).trim()) {
            return 0;
        }
        try {
            return this.pos.currency.round(parseFloat(String(this.state.pointsAmount)));
        } catch {
            return NaN;
        }
    }

    /** Why the amount of points entered would be refused, or "". */
    get pointsError() {
        const amount = this.pointsAmount;
        const currency = this.pos.currency;
        if (amount === 0) {
            return "";
        }
        const { value, point_value: pointValue, min_redemption: minimum } = this.props.points;
        if (!(amount > 0)) {
            return _t("Enter a positive amount to pay with points.");
        }
        if (currency.comp(amount, minimum) < 0) {
            return _t("At least %s must be paid with points at a time.", this.format(minimum));
        }
        if (currency.comp(amount, this.props.ticketTotal) >= 0) {
            return _t("The ticket total must be more than what is redeemed (%(total)s).", {
                total: this.format(this.props.ticketTotal),
            });
        }
        if (currency.comp(amount, value) > 0) {
            return _t("The redeemable points are worth %s.", this.format(value));
        }
        if (!currency.isZero(currency.round(Math.round(amount / pointValue) * pointValue) - amount)) {
            return _t(
                "Points are worth %s each: enter an amount that is a whole number of points.",
                this.format(pointValue)
            );
        }
        return "";
    }

    isSelected(reward) {
        return this.state.selectedIds.includes(reward.id);
    }

    toggle(reward) {
        const ids = this.state.selectedIds;
        this.state.selectedIds = this.isSelected(reward)
            ? ids.filter((id) => id !== reward.id)
            : [...ids, reward.id];
    }

    get selected() {
        return this.props.rewards.filter((reward) => this.isSelected(reward));
    }

    get total() {
        const currency = this.pos.currency;
        const rewards = this.selected.reduce((sum, reward) => sum + reward.amount, 0);
        return currency.round(rewards + (this.pointsAmount || 0));
    }

    get error() {
        if (this.pointsError) {
            return this.pointsError;
        }
        if (this.pos.currency.comp(this.total, this.props.amountDue) > 0) {
            return _t("The rewards selected (%(total)s) are more than the amount due (%(due)s).", {
                total: this.format(this.total),
                due: this.format(this.props.amountDue),
            });
        }
        return "";
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount);
    }

    get canConfirm() {
        return Boolean((this.selected.length || this.pointsAmount > 0) && !this.error);
    }

    confirm() {
        if (!this.canConfirm) {
            return;
        }
        this.props.getPayload({ rewards: this.selected, pointsAmount: this.pointsAmount });
        this.props.close();
    }
}
