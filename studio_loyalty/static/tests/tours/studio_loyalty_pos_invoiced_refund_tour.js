import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import {
    printPaidWithReward,
    refundFirstOrder,
} from "@studio_loyalty/../tests/tours/utils/studio_rewards_util";
import { registry } from "@web/core/registry";

// Validating an invoiced order makes its invoice (or credit note) first: on a
// busy machine that takes longer than a step's default 10 seconds.
const receiptAfterInvoicing = () =>
    ReceiptScreen.isShown().map((step) => ({ ...step, timeout: 30000 }));

// "Ada Portrait" pays an invoiced 100.00 print with her 20.00 reward and
// 80.00 cash, then returns it: as Odoo does for an invoiced order, the refund
// is invoiced too (a credit note); it pays 80.00 back in cash and the 20.00
// comes back as loyalty rewards. test_pos_refund_tour.py checks the books.
registry.category("web_tour.tours").add("studio_loyalty_pos_invoiced_refund_tour", {
    steps: () =>
        [
            printPaidWithReward(),
            PaymentScreen.clickInvoiceButton(),
            PaymentScreen.clickValidate(),
            receiptAfterInvoicing(),
            ReceiptScreen.clickNextOrder(),

            refundFirstOrder(),
            PaymentScreen.isInvoiceButtonChecked(),
            {
                content: "the loyalty share comes back as a locked Loyalty Rewards line",
                trigger:
                    ".paymentline:contains('Loyalty Rewards'):contains('-20.00') .studio-refund-share-lock",
            },
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            receiptAfterInvoicing(),
            ReceiptScreen.paymentLineContains("Cash", "-80.00"),
            {
                content: "the refund receipt shows what came back as rewards",
                trigger: ".studio-receipt-returned:contains('20.00')",
            },
        ].flat(),
});
