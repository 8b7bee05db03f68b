import { patch } from "@web/core/utils/patch";
import { PosPayment } from "@point_of_sale/app/models/pos_payment";

patch(PosPayment.prototype, {
    /**
     * A negative Loyalty Rewards line: the share of a refund that was paid
     * with rewards, given back as rewards. Only refunds have one, set from the
     * server; the cashier can neither remove it nor change it.
     */
    get studioIsRefundShare() {
        return Boolean(this.payment_method_id?.is_studio_loyalty && this.amount < 0);
    },
});
