import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/services/pos_store";

patch(PosStore.prototype, {
    /**
     * Put ``order``'s refunded loyalty share on it as the server computes it
     * (earlier refunds of the same order may have taken part of it). Returns
     * ``{ share, changed }``; needs the server.
     */
    async studioSettleRefundShare(order) {
        const original = order.studioRefundedOrder;
        const method = this.config.payment_method_ids.find((pm) => pm.is_studio_loyalty);
        if (!original?.id || !method) {
            return { share: 0, changed: false };
        }
        const share = await this.data.call("pos.order", "studio_pos_refund_share", [
            original.id,
            order.studioRefundedTotal,
        ]);
        return { share, changed: order.studioSetRefundShare(share, method) };
    },
});
