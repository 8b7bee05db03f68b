import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import OrderPaymentValidation from "@point_of_sale/app/utils/order_payment_validation";

/**
 * An order paid with rewards is finalised only once the server has accepted
 * them: offline, it would be queued paid and a later refusal would go unseen.
 */
patch(OrderPaymentValidation.prototype, {
    async isOrderValid(isForceValidate) {
        const isLoyalty = (line) => line.payment_method_id?.is_studio_loyalty;
        const original = this.order.lines.find((line) => line.refunded_orderline_id)
            ?.refunded_orderline_id?.order_id;
        const usesRewards =
            this.order.payment_ids.some(isLoyalty) ||
            Boolean(original?.payment_ids?.some(isLoyalty));
        if (usesRewards && this.pos.data.network.offline) {
            this.pos.dialog.add(AlertDialog, {
                title: _t("Offline"),
                body: _t(
                    "This order is paid with loyalty rewards, which the server must accept first. " +
                        "Validate it again when the till is back online, or remove the Loyalty Rewards line."
                ),
            });
            return false;
        }
        return super.isOrderValid(...arguments);
    },
});
