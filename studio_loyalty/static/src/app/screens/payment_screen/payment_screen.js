import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { useEffect } from "@odoo/owl";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ConnectionLostError } from "@web/core/network/rpc";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { RewardsPopup } from "@studio_loyalty/app/components/popups/rewards_popup/rewards_popup";

/**
 * The "Studio Rewards" button: the client's available amount, read when the
 * screen opens; the popup picks rewards and points, the order (see
 * models/pos_order.js) turns them into one Loyalty Rewards line. The server
 * spends them when the order syncs.
 */
patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        this.studioLoyaltyMethod = this.currentOrder.studioLoyaltyMethod;
        // Rewards are chosen with the button, never as a plain payment method.
        this.payment_methods_from_config = this.payment_methods_from_config.filter(
            (pm) => !pm.is_studio_loyalty
        );
        useEffect(
            (partnerId) => {
                this.studioRefreshBalance(partnerId);
            },
            () => [this.currentOrder.getPartner()?.id]
        );
    },

    get studioRewardsOffline() {
        return this.pos.studioRewardsOffline;
    },

    async studioRefreshBalance(partnerId) {
        if (!partnerId || !this.studioLoyaltyMethod || this.studioRewardsOffline) {
            return;
        }
        try {
            await this.pos.studioFetchBalance(this.currentOrder.getPartner());
        } catch {
            // Offline since: the button says the rewards need the server.
        }
    },

    /** What the client can still pay with, or null until it was read. */
    get studioAvailable() {
        return this.pos.studioAvailable(this.currentOrder);
    },

    /** Shown while something is due for a client with rewards or points, and offline to say it needs the server. */
    get studioRewardsShown() {
        const order = this.currentOrder;
        if (!order.studioCanRedeem) {
            return false;
        }
        const balance = this.pos.studioBalances[order.getPartner().id];
        return Boolean(
            this.studioRewardsOffline ||
                order.studioRedemptionLine ||
                balance?.total > 0 ||
                balance?.has_points
        );
    },

    studioAlertOffline() {
        this.dialog.add(AlertDialog, {
            title: _t("Offline"),
            body: _t(
                "Redeeming studio rewards needs the server. Try again when the till is back online."
            ),
        });
    },

    async studioOpenRewards() {
        const order = this.currentOrder;
        if (this.studioRewardsOffline) {
            this.studioAlertOffline();
            return;
        }
        let rewards, points;
        try {
            ({ rewards, points } = await this.pos.studioFetchRewards(order));
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this.studioAlertOffline();
                return;
            }
            throw error;
        }
        if (!rewards.length && !(points?.redeemable > 0 || points?.pending > 0)) {
            this.dialog.add(AlertDialog, {
                title: _t("Studio Rewards"),
                body: _t("%s has no studio rewards to redeem.", order.getPartner().name),
            });
            return;
        }
        const payload = await makeAwaitable(this.dialog, RewardsPopup, { order, rewards, points });
        if (!payload) {
            return;
        }
        const result = order.studioRedeem(payload.rewards, payload.pointsAmount, rewards);
        if (!result.status) {
            this.dialog.add(AlertDialog, { title: _t("Error"), body: result.data });
            return;
        }
        this.numberBuffer.reset();
    },

    updateSelectedPaymentline(amount = false) {
        // A loyalty line is worth exactly its rewards: the numpad leaves it alone.
        if (this.selectedPaymentLine?.payment_method_id.is_studio_loyalty) {
            this.numberBuffer.reset();
            return;
        }
        return super.updateSelectedPaymentline(...arguments);
    },
});
