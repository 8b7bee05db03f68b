import { _t } from "@web/core/l10n/translation";
import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { formatDate } from "@web/core/l10n/dates";
import { parseFloat } from "@web/views/fields/parsers";
import { studioSpendingOrder } from "@studio_loyalty/app/models/pos_order";

/**
 * The client's studio rewards, soonest expiry first, and their points: the
 * cashier ticks rewards (or lets "Use up to the amount due" tick them) and
 * enters an amount of points; the popup shows what the line will pay and
 * what stays with the client, and cannot confirm what the server would
 * refuse. The rules are the order's (models/pos_order.js). Resolves with
 * ``{ rewards, pointsAmount }``.
 */
export class RewardsPopup extends Component {
    static template = "studio_loyalty.RewardsPopup";
    static components = { Dialog };
    static props = {
        order: Object,
        rewards: Array,
        points: { type: [Object, Boolean], optional: true },
        getPayload: Function,
        close: Function,
    };

    setup() {
        const line = this.props.order.studioRedemptionLine;
        // Reopened on an order paying with rewards: its line's choice, to change.
        const selectedIds = line ? line.studio_reward_ids.map((reward) => reward.id) : [];
        // A client with points alone: the most allowed by default, left empty
        // when even that is under the minimum. With rewards, none: points are
        // spent first, and would leave a reward ticked next with nothing to pay.
        const most = this.props.rewards.length ? 0 : this.pointsMax;
        const points = line
            ? line.studio_points_amount
            : most && most >= this.props.points.min_redemption
            ? most
            : 0;
        this.state = useState({ selectedIds, pointsAmount: this.editable(points) });
    }

    get order() {
        return this.props.order;
    }

    get rewards() {
        return studioSpendingOrder(this.props.rewards);
    }

    /** Points can be used now (the server's reason otherwise is shown). */
    get pointsUsable() {
        return Boolean(this.props.points && !this.props.points.reason);
    }

    get pointsMax() {
        return this.order.studioPointsMax(this.props.points);
    }

    /** The amount entered, in the user's number format; 0 when empty, NaN when it is not a number. */
    get pointsAmount() {
        if (!this.pointsUsable || !String(this.state.pointsAmount).trim()) {
            return 0;
        }
        try {
            return this.order.currency.round(parseFloat(String(this.state.pointsAmount)));
        } catch {
            return NaN;
        }
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

    useUpToDue() {
        const { rewards, pointsAmount } = this.order.studioUseUpTo(
            this.props.rewards,
            this.pointsUsable && this.props.points
        );
        this.state.selectedIds = rewards.map((reward) => reward.id);
        this.state.pointsAmount = this.editable(pointsAmount);
    }

    get selected() {
        return this.props.rewards.filter((reward) => this.isSelected(reward));
    }

    get due() {
        return this.order.studioRewardsDue;
    }

    get plan() {
        return this.order.studioRedemptionPlan(this.selected, this.pointsAmount || 0);
    }

    /** What ``reward`` pays in the plan, when ticked. */
    paid(reward) {
        return this.plan.uses.find((use) => use.reward.id === reward.id)?.amount;
    }

    /** What stays with the client of the reward paying only part, or "". */
    get restMessage() {
        const rest = this.plan.rest;
        if (!rest || this.error) {
            return "";
        }
        const values = {
            amount: this.format(rest.amount),
            reward: rest.reward.name,
            client: this.order.getPartner().name,
        };
        return rest.reward.expiration_date
            ? _t("%(amount)s of %(reward)s stays with %(client)s, expiring %(date)s.", {
                  ...values,
                  date: formatDate(rest.reward.expiration_date),
              })
            : _t("%(amount)s of %(reward)s stays with %(client)s.", values);
    }

    /** A date as the user's language writes it, like the rest of Odoo. */
    formatDate(date) {
        return formatDate(date);
    }

    get error() {
        return (
            this.order.studioPointsError(this.props.points, this.pointsAmount) || this.plan.error
        );
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount);
    }

    /** An amount as the cashier types it (the user's number format, no symbol); "" for none. */
    editable(amount) {
        return amount ? this.env.utils.formatCurrency(amount, false) : "";
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
