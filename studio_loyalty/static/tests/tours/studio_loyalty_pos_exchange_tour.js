import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import {
    printPaidWithReward,
    refundFirstOrder,
} from "@studio_loyalty/../tests/tours/utils/studio_rewards_util";
import { registry } from "@web/core/registry";

// "Ada Portrait" pays a 100.00 print with her 20.00 reward and 80.00 cash,
// then exchanges it for a 150.00 frame on one ticket: the print's 20.00 comes
// back as loyalty rewards, her 30.00 reward pays part of the frame and cash
// the last 40.00. The closing shows the rewards as not counted.
// test_pos_refund_tour.py checks the rewards and the orders.
registry.category("web_tour.tours").add("studio_loyalty_pos_exchange_tour", {
    steps: () =>
        [
            printPaidWithReward(),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),

            refundFirstOrder(),
            {
                content: "the print's loyalty share comes back as a Loyalty Rewards line",
                trigger: ".paymentline:contains('Loyalty Rewards'):contains('-20.00')",
            },
            PaymentScreen.clickBackToProductScreen(),
            ProductScreen.clickDisplayedProduct("Photo Frame"),
            ProductScreen.totalAmountIs("50.00"),
            ProductScreen.clickPayButton(),
            {
                content: "the share line is still there, once",
                trigger: ".paymentline:contains('Loyalty Rewards'):contains('-20.00')",
                run: () => {
                    const lines = document.querySelectorAll(".paymentline .payment-infos");
                    const loyalty = [...lines].filter((line) =>
                        line.textContent.includes("Loyalty Rewards")
                    );
                    if (loyalty.length !== 1) {
                        throw new Error(`expected one Loyalty Rewards line, got ${loyalty.length}`);
                    }
                },
            },
            PaymentScreen.remainingIs("70.00"),
            {
                content: "the frame may be paid with rewards",
                trigger: ".studio-rewards-button",
                run: "click",
            },
            {
                content: "tick the 30.00 reward",
                trigger: `.modal .studio-reward-line:has(.studio-reward-amount:contains("30.00"))`,
                run: "click",
            },
            {
                content: "redeem",
                trigger: ".modal .studio-rewards-confirm:not([disabled])",
                run: "click",
            },
            PaymentScreen.remainingIs("40.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows what came back as rewards",
                trigger: ".studio-receipt-returned:contains('20.00')",
            },
            {
                content: "and the reward that paid the frame",
                trigger: ".studio-receipt-reward:contains('30.00')",
            },
            ReceiptScreen.clickNextOrder(),

            Chrome.clickMenuOption("Close Register"),
            {
                content:
                    "the closing lists the rewards (20.00 + 30.00 paid, 20.00 given back) as not counted",
                trigger: `.close-pos-popup .payment-methods-overview > div:has(.studio-loyalty-not-counted):contains("Loyalty Rewards"):contains("30.00")`,
                run: () => {
                    const block = document.querySelector(
                        ".close-pos-popup .payment-methods-overview > div:has(.studio-loyalty-not-counted)"
                    );
                    if (
                        block.textContent.includes("Counted") ||
                        block.textContent.includes("Difference")
                    ) {
                        throw new Error("the Loyalty Rewards line asks to be counted");
                    }
                },
            },
        ].flat(),
});
