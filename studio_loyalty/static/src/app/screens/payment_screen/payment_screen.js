import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { useEffect, useState } from "@odoo/owl";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ConnectionLostError } from "@web/core/network/rpc";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { RewardsPopup } from "@studio_loyalty/app/components/popups/rewards_popup/rewards_popup";

/**
 * The "Rewards" button: the client's redeemable rewards and points, read from
 * the server when the screen opens and again when the popup opens, paid as one
 * line of the Loyalty Rewards method. The server spends them when the order syncs.
 */
patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        this.studioLoyaltyMethod = this.pos.config.payment_method_ids.find((pm) => pm.is_studio_loyalty);
        // Rewards are chosen with the button, never as a plain payment method.
        this.payment_methods_from_config = this.payment_methods_from_config.filter(
            (pm) => !pm.is_studio_loyalty
        );
        this.studioRewards = useState({ count: 0, points: false });
        useEffect(
            (partnerId) => {
                this.studioCountRewards(partnerId);
            },
            () => [this.currentOrder.getPartner()?.id]
        );
    },

    get studioRewardsOffline() {
        return this.pos.data.network.offline;
    },

    /** Shown for a client with rewards or points, and offline to say it needs the server. */
    get studioRewardsShown() {
        const points = this.studioRewards.points;
        return Boolean(
            this.studioLoyaltyMethod &&
                this.currentOrder.getPartner() &&
                !this.isRefundOrder &&
                (this.studioRewards.count > 0 ||
                    points?.redeemable > 0 ||
                    points?.pending > 0 ||
                    this.studioRewardsOffline)
        );
    },

    /** Points already paid on this order's loyalty lines: the server spends them once per order. */
    get studioPointsUsed() {
        return this.paymentLines.some(
            (line) => line.payment_method_id.is_studio_loyalty && line.studio_points_amount > 0
        );
    },

    /** Rewards already on this order's loyalty lines: not offered twice. */
    get studioUsedRewardIds() {
        return new Set(
            this.paymentLines
                .filter((line) => line.payment_method_id.is_studio_loyalty)
                .flatMap((line) => line.studio_reward_ids.map((reward) => reward.id))
        );
    },

    /** One call: the client's rewards (as POS records) and points (or false). */
    async studioFetchRewards() {
        const partner = this.currentOrder.getPartner();
        const result = await this.pos.data.call(
            "studio.loyalty.reward",
            "studio_pos_redeemable",
            [partner.id, this.pos.config.id],
            {},
            false
        );
        const loaded = this.pos.models.connectNewData({
            "studio.loyalty.reward": result["studio.loyalty.reward"],
        });
        const used = this.studioUsedRewardIds;
        return {
            rewards: loaded["studio.loyalty.reward"].filter((reward) => !used.has(reward.id)),
            points: result.points,
        };
    },

    async studioCountRewards(partnerId) {
        this.studioRewards.count = 0;
        this.studioRewards.points = false;
        if (!partnerId || !this.studioLoyaltyMethod || this.studioRewardsOffline) {
            return;
        }
        try {
            const { rewards, points } = await this.studioFetchRewards();
            this.studioRewards.count = rewards.length;
            this.studioRewards.points = points;
        } catch {
            this.studioRewards.count = 0;
        }
    },

    studioAlertOffline() {
        this.dialog.add(AlertDialog, {
            title: _t("Offline"),
            body: _t("Redeeming loyalty rewards needs the server. Try again when the till is back online."),
        });
    },

    async studioOpenRewards() {
        if (this.studioRewardsOffline) {
            this.studioAlertOffline();
            return;
        }
        let rewards, points;
        try {
            ({ rewards, points } = await this.studioFetchRewards());
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this.studioAlertOffline();
                return;
            }
            throw error;
        }
        this.studioRewards.count = rewards.length;
        this.studioRewards.points = points;
        if (this.studioPointsUsed) {
            points = false;
        }
        if (!rewards.length && !(points?.redeemable > 0 || points?.pending > 0)) {
            this.dialog.add(AlertDialog, {
                title: _t("Loyalty Rewards"),
                body: _t("%s has no rewards to redeem.", this.currentOrder.getPartner().name),
            });
            return;
        }
        const payload = await makeAwaitable(this.dialog, RewardsPopup, {
            rewards,
            points,
            amountDue: this.currentOrder.remainingDue,
            ticketTotal: this.currentOrder.totalDue,
        });
        if (!payload) {
            return;
        }
        const { rewards: selected, pointsAmount } = payload;
        const result = this.currentOrder.addPaymentline(this.studioLoyaltyMethod);
        if (!result.status) {
            this.dialog.add(AlertDialog, { title: _t("Error"), body: result.data });
            return;
        }
        const chosen = new Set(selected.map((reward) => reward.id));
        const left = rewards.filter((reward) => !chosen.has(reward.id));
        this.currentOrder.uiState.studioRemainingRewards = {
            count: left.length,
            amount: this.pos.currency.round(left.reduce((sum, reward) => sum + reward.amount, 0)),
        };
        const line = result.data;
        line.update({ studio_reward_ids: [["link", ...selected]], studio_points_amount: pointsAmount });
        line.setAmount(
            this.pos.currency.round(selected.reduce((sum, reward) => sum + reward.amount, 0) + pointsAmount)
        );
        // Left unselected: neither the numpad nor a tip may change what the rewards pay.
        this.currentOrder.selectPaymentline(undefined);
        this.numberBuffer.reset();
        this.studioRewards.count -= selected.length;
    },

    updateSelectedPaymentline(amount = false) {
        // A loyalty line is worth exactly its rewards: the numpad leaves it alone.
        if (this.selectedPaymentLine?.payment_method_id.is_studio_loyalty) {
            this.numberBuffer.reset();
            return;
        }
        return super.updateSelectedPaymentline(...arguments);
    },

    deletePaymentLine(uuid) {
        const line = this.paymentLines.find((paymentLine) => paymentLine.uuid === uuid);
        const freed = line?.payment_method_id.is_studio_loyalty ? line.studio_reward_ids.length : 0;
        const result = super.deletePaymentLine(...arguments);
        this.studioRewards.count += freed;
        return result;
    },
});
