import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ConnectionLostError } from "@web/core/network/rpc";
import OrderPaymentValidation from "@point_of_sale/app/utils/order_payment_validation";

/**
 * Before a refund is validated, its loyalty share is read again from the
 * server and its Loyalty Rewards line put right: missing (added offline,
 * reloaded), or changed by another refund of the same order meanwhile. The
 * cashier checks the other payments and validates again.
 */
patch(OrderPaymentValidation.prototype, {
    async isOrderValid(isForceValidate) {
        if (this.order.studioRefundedOrder && !this.pos.data.network.offline) {
            let settled;
            try {
                settled = await this.pos.studioSettleRefundShare(this.order);
            } catch (error) {
                if (!(error instanceof ConnectionLostError)) {
                    throw error;
                }
            }
            if (settled?.changed) {
                this.pos.dialog.add(AlertDialog, {
                    title: _t("Loyalty Rewards"),
                    body: settled.share
                        ? _t(
                              "%s of what this refund takes back was paid with loyalty rewards: it comes back as " +
                                  "rewards, not as cash. The Loyalty Rewards line was put back; check the other " +
                                  "payments and validate again.",
                              this.pos.env.utils.formatCurrency(settled.share)
                          )
                        : _t(
                              "Nothing this refund takes back was paid with loyalty rewards: its Loyalty Rewards " +
                                  "line was removed. Check the other payments and validate again."
                          ),
                });
                return false;
            }
        }
        return super.isOrderValid(...arguments);
    },
});
