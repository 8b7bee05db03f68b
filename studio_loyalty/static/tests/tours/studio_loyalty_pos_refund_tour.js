/* global posmodel */
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import {
    printPaidWithReward,
    refundFirstOrder,
} from "@studio_loyalty/../tests/tours/utils/studio_rewards_util";
import { registry } from "@web/core/registry";

// "Ada Portrait" pays a 100.00 print with her 20.00 reward and 80.00 cash,
// then returns it: the refund pays 80.00 back in cash and gives the 20.00
// back as loyalty rewards on a line the cashier can neither delete nor change.
// test_pos_rewards_tour.py checks the reward.
registry.category("web_tour.tours").add("studio_loyalty_pos_refund_tour", {
    steps: () =>
        [
            printPaidWithReward(),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),

            refundFirstOrder(),
            {
                content: "the loyalty share comes back as a Loyalty Rewards line, not as cash",
                trigger: ".paymentline:contains('Loyalty Rewards'):contains('-20.00')",
            },
            {
                content: "the share line has a lock, no delete button",
                trigger:
                    ".paymentline:contains('Loyalty Rewards'):has(.studio-refund-share-lock):not(:has(.delete-button))",
            },
            PaymentScreen.clickPaymentline("Loyalty Rewards", "-20.00"),
            PaymentScreen.clickNumpad("⌫ ⌫"),
            PaymentScreen.clickNumpad("5"),
            {
                content: "neither the numpad nor backspace changes or removes it",
                trigger: ".paymentline:contains('Loyalty Rewards'):contains('-20.00')",
            },
            PaymentScreen.remainingIs("80.00"),
            {
                content: "the share line goes missing (as when the refund was opened offline)",
                trigger: ".paymentline:contains('Loyalty Rewards')",
                run: () => {
                    const order = posmodel.getOrder();
                    order.removePaymentline(order.studioShareLines[0]);
                },
            },
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            {
                content: "validating puts the share line back and says what to do",
                trigger: ".modal:contains('The Loyalty Rewards line was put back')",
            },
            Dialog.confirm("Ok"),
            {
                content: "the share line is back",
                trigger: ".paymentline:contains('Loyalty Rewards'):contains('-20.00')",
            },
            PaymentScreen.clickPaymentlineDelButton("Cash", "-100.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.paymentLineContains("Cash", "-80.00"),
            {
                content: "the refund receipt shows what came back as rewards",
                trigger: ".studio-receipt-returned:contains('20.00')",
            },
        ].flat(),
});
