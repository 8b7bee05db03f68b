import { _t } from "@web/core/l10n/translation";
import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";

/**
 * The client's redeemable rewards, soonest expiry first: the cashier ticks
 * some, sees their total, and cannot confirm more than the amount still due.
 * Resolves with the chosen reward records.
 */
export class RewardsPopup extends Component {
    static template = "studio_loyalty.RewardsPopup";
    static components = { Dialog };
    static props = {
        rewards: Array,
        amountDue: Number,
        getPayload: Function,
        close: Function,
    };

    setup() {
        this.pos = usePos();
        this.state = useState({ selectedIds: [] });
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
        return currency.round(this.selected.reduce((sum, reward) => sum + reward.amount, 0));
    }

    get error() {
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

    confirm() {
        if (!this.selected.length || this.error) {
            return;
        }
        this.props.getPayload(this.selected);
        this.props.close();
    }
}
