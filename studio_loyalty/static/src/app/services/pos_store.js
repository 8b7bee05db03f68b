import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/services/pos_store";

/**
 * A client's studio rewards, read from the server for that client only:
 * the balance when the cashier picks them, the rewards themselves when the
 * cashier opens the Studio Rewards popup. A till never holds every client's
 * rewards; the server checks them again when the order syncs.
 */
patch(PosStore.prototype, {
    async setup() {
        // By client id, as studio_pos_balance returns it: { total, rewards, count, points_value, has_points }.
        this.studioBalances = {};
        await super.setup(...arguments);
    },

    get studioRewardsOffline() {
        return this.data.network.offline;
    },

    /** The client's balance (rewards and usable points), read from the server and kept by client. */
    async studioFetchBalance(partner) {
        const balance = await this.data.call(
            "studio.loyalty.reward",
            "studio_pos_balance",
            [partner.id, this.config.id],
            {},
            false
        );
        this.studioBalances[partner.id] = balance;
        return balance;
    },

    /** What the order's client can still pay with: their balance less what the order uses; null until read. */
    studioAvailable(order) {
        const balance = this.studioBalances[order.getPartner()?.id];
        return balance ? order.currency.round(balance.total - order.studioRedeemedAmount) : null;
    },

    /**
     * The order client's redeemable rewards (as POS records) and points (or
     * false), in one call. Points are never spent on a refund: an exchange
     * ticket offers rewards only.
     */
    async studioFetchRewards(order) {
        const partner = order.getPartner();
        const result = await this.data.call(
            "studio.loyalty.reward",
            "studio_pos_redeemable",
            [partner.id, this.config.id],
            {},
            false
        );
        const loaded = this.models.connectNewData({
            "studio.loyalty.reward": result["studio.loyalty.reward"],
        });
        return {
            rewards: loaded["studio.loyalty.reward"],
            points: order.studioRefundedOrder ? false : result.points,
        };
    },

    /** Picking a client says what they have in studio rewards, read for that client alone. */
    async selectPartner() {
        const order = this.getOrder();
        const before = order?.getPartner()?.id;
        const result = await super.selectPartner(...arguments);
        const partner = order?.getPartner();
        if (
            partner &&
            partner.id !== before &&
            order.studioLoyaltyMethod &&
            !this.studioRewardsOffline
        ) {
            await this.studioNotifyBalance(partner);
        }
        return result;
    },

    async studioNotifyBalance(partner) {
        let balance;
        try {
            balance = await this.studioFetchBalance(partner);
        } catch {
            return; // The till lost the server: the balance shows again on the payment screen.
        }
        if (balance && balance.total > 0) {
            this.notification.add(
                _t("%(client)s has %(amount)s in studio rewards.", {
                    client: partner.name,
                    amount: this.env.utils.formatCurrency(balance.total),
                }),
                { type: "info" }
            );
        }
    },
});
