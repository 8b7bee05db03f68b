import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { formatCurrency } from "@point_of_sale/app/models/utils/currency";

/**
 * Rewards in the order the server spends them (``_spending_order``): made
 * from points first, then soonest expiry, those without expiry last, then
 * the oldest.
 */
export function studioSpendingOrder(rewards) {
    const key = (reward) => [
        reward.origin === "points" ? 0 : 1,
        reward.expiration_date ? 0 : 1,
        reward.expiration_date ? reward.expiration_date.valueOf() : 0,
        reward.id,
    ];
    return [...rewards].sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        const index = ka.findIndex((value, i) => value !== kb[i]);
        return index < 0 ? 0 : ka[index] - kb[index];
    });
}

/**
 * A client's studio rewards on an order: one Loyalty Rewards line names the
 * rewards and the points it spends and pays at most what is due. The rules
 * are the server's (``studio.loyalty.redemption._redeem``): the till only
 * proposes, the server spends them when the order syncs.
 */
patch(PosOrder.prototype, {
    /** The shop's Loyalty Rewards payment method, if it offers one. */
    get studioLoyaltyMethod() {
        return this.config.payment_method_ids.find((method) => method.is_studio_loyalty);
    },

    /** The line paying with rewards (a refund's negative share line is not one). */
    get studioRedemptionLine() {
        return this.payment_ids.find(
            (line) => line.payment_method_id.is_studio_loyalty && line.amount > 0
        );
    },

    /** What this order pays with rewards and points. */
    get studioRedeemedAmount() {
        return this.studioRedemptionLine?.amount || 0;
    },

    /** What rewards may pay: what is left to pay, and what the rewards line pays now (it is replaced). */
    get studioRewardsDue() {
        return this.currency.round(this.remainingDue + this.studioRedeemedAmount);
    },

    /** The cashier can pay with rewards: a client, the method, and something to pay (an exchange too). */
    get studioCanRedeem() {
        return Boolean(
            this.studioLoyaltyMethod &&
                this.getPartner() &&
                !this.finalized &&
                this.currency.isPositive(this.studioRewardsDue)
        );
    },

    /**
     * What a Loyalty Rewards line naming ``rewards`` and ``pointsAmount`` of
     * points pays when ``due`` is left: points first, then the rewards in the
     * server's spending order, the last one paying only part of itself when
     * it is larger than what is left; its rest stays with the client. A
     * reward that would pay nothing is refused, as the server refuses it.
     *
     * @returns {{ amount: number, total: number, uses: { reward: Object, amount: number }[],
     *             rest: { reward: Object, amount: number } | null, error: string }}
     */
    studioRedemptionPlan(rewards, pointsAmount = 0, due = this.studioRewardsDue) {
        const currency = this.currency;
        const ordered = studioSpendingOrder(rewards);
        const total = currency.round(
            ordered.reduce((sum, reward) => sum + reward.amount, pointsAmount || 0)
        );
        const amount = currency.round(Math.min(total, due));
        const plan = { amount, total, uses: [], rest: null, error: "" };
        const last = ordered.at(-1);
        if (last && currency.comp(total - last.amount, amount) >= 0) {
            plan.error = _t(
                "Reward %(reward)s is not needed: the rewards expiring before it already pay %(amount)s.",
                { reward: last.name, amount: formatCurrency(amount, currency) }
            );
            return plan;
        }
        let left = currency.round(amount - (pointsAmount || 0));
        for (const reward of ordered) {
            const pays = currency.round(Math.min(reward.amount, left));
            plan.uses.push({ reward, amount: pays });
            left = currency.round(left - pays);
            if (currency.comp(pays, reward.amount) < 0) {
                plan.rest = { reward, amount: currency.round(reward.amount - pays) };
            }
        }
        return plan;
    },

    /**
     * "Use up to the amount due": the soonest expiring value first. The
     * rewards to tick in the server's spending order until they cover
     * ``due``; the points (the server's figures) pay what they leave, when
     * that reaches the minimum. Returns ``{ rewards, pointsAmount }``.
     */
    studioUseUpTo(rewards, points = false, due = this.studioRewardsDue) {
        const currency = this.currency;
        const picked = [];
        let covered = 0;
        for (const reward of studioSpendingOrder(rewards)) {
            if (currency.comp(covered, due) >= 0) {
                break;
            }
            picked.push(reward);
            covered = currency.round(covered + reward.amount);
        }
        const left = currency.round(due - covered);
        const pointsAmount = currency.isPositive(left) ? this.studioPointsMax(points, left) : 0;
        return {
            rewards: picked,
            pointsAmount: pointsAmount >= (points?.min_redemption || 0) ? pointsAmount : 0,
        };
    },

    /** The most ``points`` (the server's figures) may pay: their worth, the due, less than the ticket, whole points. */
    studioPointsMax(points, due = this.studioRewardsDue) {
        if (!points || points.reason) {
            return 0;
        }
        const { value, point_value: pointValue } = points;
        const cap = Math.min(value, due, this.totalDue - pointValue);
        return cap > 0 ? this.currency.round(Math.floor(cap / pointValue + 1e-6) * pointValue) : 0;
    },

    /** Why paying ``amount`` with ``points`` would be refused, or "". */
    studioPointsError(points, amount, due = this.studioRewardsDue) {
        const currency = this.currency;
        if (amount === 0 || !points) {
            return "";
        }
        const format = (value) => formatCurrency(value, currency);
        const { value, point_value: pointValue, min_redemption: minimum } = points;
        if (!(amount > 0)) {
            return _t("Enter a positive amount to pay with points.");
        }
        if (currency.comp(amount, minimum) < 0) {
            return _t("At least %s must be paid with points at a time.", format(minimum));
        }
        if (currency.comp(amount, this.totalDue) >= 0) {
            return _t("The ticket total must be more than what is redeemed (%(total)s).", {
                total: format(this.totalDue),
            });
        }
        if (currency.comp(amount, value) > 0) {
            return _t("The redeemable points are worth %s.", format(value));
        }
        if (currency.comp(amount, due) > 0) {
            return _t("Points can pay at most the amount due (%s).", format(due));
        }
        if (!currency.isZero(Math.round(amount / pointValue) * pointValue - amount)) {
            return _t(
                "Points are worth %s each: enter an amount that is a whole number of points.",
                format(pointValue)
            );
        }
        return "";
    },

    /**
     * Pay with ``rewards`` and ``pointsAmount`` of points: one Loyalty
     * Rewards line, left unselected, replacing the one the order had.
     * ``offered`` are all the rewards the client could use: the receipt
     * names what stays available. Returns ``{ status, data }`` as
     * ``addPaymentline`` does (the line, or why it was refused).
     */
    studioRedeem(rewards, pointsAmount = 0, offered = rewards) {
        const plan = this.studioRedemptionPlan(rewards, pointsAmount);
        if (plan.error) {
            return { status: false, data: plan.error };
        }
        if (!this.currency.isPositive(plan.amount)) {
            return { status: false, data: _t("Select at least one reward to redeem.") };
        }
        if (this.studioRedemptionLine) {
            this.removePaymentline(this.studioRedemptionLine);
        }
        const result = this.addPaymentline(this.studioLoyaltyMethod);
        if (!result.status) {
            return result;
        }
        const line = result.data;
        line.update({
            studio_reward_ids: [["link", ...rewards]],
            studio_points_amount: pointsAmount || 0,
        });
        line.setAmount(plan.amount);
        // Left unselected: neither the numpad nor a tip may change what the rewards pay.
        this.selectPaymentline(undefined);
        const chosen = new Set(rewards.map((reward) => reward.id));
        const left = offered.filter((reward) => !chosen.has(reward.id));
        this.uiState.studioRemainingRewards = {
            count: left.length + (plan.rest ? 1 : 0),
            amount: this.currency.round(
                left.reduce((sum, reward) => sum + reward.amount, plan.rest?.amount || 0)
            ),
        };
        return result;
    },

    /** What each reward of the rewards lines pays, for the receipt (the last one may pay part). */
    get studioRewardsPaid() {
        return this.payment_ids
            .filter((line) => line.payment_method_id.is_studio_loyalty && line.amount > 0)
            .flatMap(
                (line) =>
                    this.studioRedemptionPlan(
                        line.studio_reward_ids,
                        line.studio_points_amount || 0,
                        line.amount
                    ).uses
            );
    },
});
