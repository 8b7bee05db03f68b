import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// "Ada Portrait" has 3,000 redeemable points (30.00), "Ben Wedding" 1,000
// pending; at least 5.00 a time; each ticket is one "Portrait Print" of
// 100.00 (no tax), earning 1,000 points. test_pos_points_tour.py checks the server.

function sellOnePrintTo(client) {
    return [
        ProductScreen.addOrderline("Portrait Print", "1"),
        ProductScreen.clickPartnerButton(),
        ProductScreen.clickCustomer(client),
        ProductScreen.clickPayButton(),
    ].flat();
}

function enterPoints(amount) {
    return {
        content: `enter ${amount} of points`,
        trigger: ".modal .studio-points-amount",
        run: `edit ${amount}`,
    };
}

function refused(message) {
    return [
        {
            content: `refused: ${message}`,
            trigger: `.modal .studio-rewards-error:contains('${message}')`,
        },
        { content: "redeem is disabled", trigger: ".modal .studio-rewards-confirm[disabled]" },
    ];
}

function receiptLine(cls, text) {
    return {
        content: `the receipt shows ${cls} ${text}`,
        trigger: `.studio-points-receipt .${cls}:contains("${text}")`,
    };
}

registry.category("web_tour.tours").add("studio_loyalty_pos_points_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),

            // Points still pending: the popup says until when, and offers no amount.
            sellOnePrintTo("Ben Wedding"),
            { content: "open the rewards", trigger: ".studio-rewards-button", run: "click" },
            {
                content: "pending until a time",
                trigger: ".modal .studio-points-reason:contains('pending until')",
            },
            { content: "no amount to enter", trigger: ".modal:not(:has(.studio-points-amount))" },
            Dialog.cancel(),
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptLine("studio-receipt-points-earned", "1000"),
            receiptLine("studio-receipt-points-pending", "2000"),
            ReceiptScreen.clickNextOrder(),

            // Redeemable points: the most allowed by default, refused at the
            // ticket total and below the minimum.
            sellOnePrintTo("Ada Portrait"),
            { content: "open the rewards", trigger: ".studio-rewards-button", run: "click" },
            { content: "3000 points", trigger: ".modal .studio-points-balance:contains('3000')" },
            { content: "worth 30.00", trigger: ".modal .studio-points-value:contains('30.00')" },
            {
                content: "the most allowed",
                trigger: ".modal .studio-rewards-total:contains('30.00')",
            },
            enterPoints("100"),
            refused("The ticket total must be more than what is redeemed"),
            enterPoints("4"),
            refused("At least"),
            enterPoints("12.50"),
            {
                content: "12.50 selected",
                trigger: ".modal .studio-rewards-total:contains('12.50')",
            },
            {
                content: "redeem",
                trigger: ".modal .studio-rewards-confirm:not([disabled])",
                run: "click",
            },
            {
                content: "a Loyalty Rewards line of 12.50",
                trigger: `.paymentline:contains("Loyalty Rewards"):contains("12.50")`,
            },
            PaymentScreen.remainingIs("87.50"),
            PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptLine("studio-receipt-points-used", "1250"),
            receiptLine("studio-receipt-points-used", "12.50"),
            receiptLine("studio-receipt-points-earned", "1000"),
            receiptLine("studio-receipt-points-pending", "1000"),
            receiptLine("studio-receipt-points-redeemable", "1750"),
            {
                content: "no rewards block for points alone",
                trigger: ".pos-receipt:not(:has(.studio-loyalty-receipt))",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
