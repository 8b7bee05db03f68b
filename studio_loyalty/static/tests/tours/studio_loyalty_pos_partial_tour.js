import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// "Cleo Headshot" holds a 25.00 reward expiring in 30 days and a 50.00 one
// without expiry (75.00); a "Mini Print" is 20.60 (no tax).
// test_pos_partial_tour.py checks what the server spent and kept.

function sellMiniPrints(quantity) {
    return [
        ProductScreen.addOrderline("Mini Print", quantity),
        ProductScreen.clickPartnerButton(),
        ProductScreen.clickCustomer("Cleo Headshot"),
    ].flat();
}

function openRewards(available) {
    return [
        ProductScreen.clickPayButton(),
        {
            content: `the Studio Rewards button shows ${available} available`,
            trigger: `.studio-rewards-button:contains("Studio Rewards") .studio-rewards-available:contains("${available}")`,
        },
        { content: "open the studio rewards", trigger: ".studio-rewards-button", run: "click" },
    ].flat();
}

function check(content, trigger) {
    return { content, trigger };
}

function redeemAndPay(amount) {
    return [
        {
            content: "redeem",
            trigger: ".modal .studio-rewards-confirm:not([disabled])",
            run: "click",
        },
        check(
            `one Loyalty Rewards line of ${amount}`,
            `.paymentline:contains("Loyalty Rewards"):contains("${amount}")`
        ),
        PaymentScreen.remainingIs("0.00"),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
    ].flat();
}

registry.category("web_tour.tours").add("studio_loyalty_pos_partial_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            sellMiniPrints("1"),
            check(
                "picking the client tells their balance",
                '.o_notification:contains("Cleo Headshot has"):contains("75.00 in studio rewards")'
            ),
            openRewards("75.00"),
            check("the amount due on top", ".modal .studio-rewards-due:contains('20.60')"),
            {
                content: "tick the 25.00 reward",
                trigger: `.modal .studio-reward-line:has(.studio-reward-amount:contains("25.00"))`,
                run: "click",
            },
            check("it pays part of itself", ".modal .studio-reward-partial:contains('20.60')"),
            check("the rewards pay what is due", ".modal .studio-rewards-pays:contains('20.60')"),
            check(
                "the popup says what stays with the client",
                ".modal .studio-rewards-rest:contains('4.40'):contains('stays with Cleo Headshot')"
            ),
            check("nothing is refused", ".modal:not(:has(.studio-rewards-error))"),
            redeemAndPay("20.60"),
            check("the receipt names the part paid", ".studio-receipt-reward:contains('20.60')"),
            check("54.40 still available", ".studio-receipt-remaining:contains('54.40')"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("studio_loyalty_pos_use_up_to_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            sellMiniPrints("2"),
            openRewards("75.00"),
            check("41.20 due", ".modal .studio-rewards-due:contains('41.20')"),
            {
                content: "use up to the amount due",
                trigger: ".modal .studio-rewards-use-up",
                run: "click",
            },
            check("both rewards ticked", ".modal .studio-reward-line.active:eq(1)"),
            check("75.00 selected", ".modal .studio-rewards-total:contains('75.00')"),
            check("the rewards pay what is due", ".modal .studio-rewards-pays:contains('41.20')"),
            check(
                "the 50.00 reward, spent last, pays the rest",
                ".modal .studio-reward-line:has(.studio-reward-amount:contains('50.00')) .studio-reward-partial:contains('16.20')"
            ),
            check("33.80 stays", ".modal .studio-rewards-rest:contains('33.80')"),
            redeemAndPay("41.20"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
