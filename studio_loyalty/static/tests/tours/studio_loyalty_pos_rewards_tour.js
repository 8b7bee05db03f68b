import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as OfflineUtil from "@point_of_sale/../tests/generic_helpers/offline_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// "Ada Portrait" holds rewards of 20.00, 30.00 (no expiry), 25.00 (expiring
// in 10 days) and 500.00 (in 5 days): 575.00; offline the till refuses to
// offer them; each ticket is one "Portrait Print" of 100.00 (no tax).
// test_pos_rewards_tour.py checks what the server saved.

function openRewards(available) {
    return [
        {
            content: `the Studio Rewards button shows ${available} available`,
            trigger: `.studio-rewards-button:contains("Studio Rewards") .studio-rewards-available:contains("${available}")`,
        },
        { content: "open the rewards", trigger: ".studio-rewards-button", run: "click" },
        { content: "the popup lists them", trigger: ".modal .studio-reward-line" },
    ];
}

function tick(amount) {
    return {
        content: `tick the reward of ${amount}`,
        trigger: `.modal .studio-reward-line:has(.studio-reward-amount:contains("${amount}"))`,
        run: "click",
    };
}

function redeem(total) {
    return [
        {
            content: `selected ${total}`,
            trigger: `.modal .studio-rewards-total:contains("${total}")`,
        },
        {
            content: "redeem",
            trigger: ".modal .studio-rewards-confirm:not([disabled])",
            run: "click",
        },
        {
            content: `a Loyalty Rewards line of ${total}, left unselected`,
            trigger: `.paymentline:not(.selected):contains("Loyalty Rewards"):contains("${total}")`,
        },
    ].flat();
}

function sellOnePrint() {
    return [
        ProductScreen.addOrderline("Portrait Print", "1"),
        ProductScreen.clickPartnerButton(),
        ProductScreen.clickCustomer("Ada Portrait"),
        ProductScreen.clickPayButton(),
    ].flat();
}

function payRestInCashAndCheckReceipt(rest, redeemed, remaining) {
    return [
        PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
        PaymentScreen.clickValidate(),
        ReceiptScreen.isShown(),
        ReceiptScreen.paymentLineContains("Cash", rest),
        ...redeemed.map((amount) => ({
            content: `the receipt lists the reward of ${amount}`,
            trigger: `.studio-loyalty-receipt .studio-receipt-reward:contains("${amount}")`,
        })),
        {
            content: `the receipt shows ${remaining} still available`,
            trigger: `.studio-loyalty-receipt .studio-receipt-remaining:contains("${remaining}")`,
        },
        ReceiptScreen.clickNextOrder(),
    ].flat();
}

registry.category("web_tour.tours").add("studio_loyalty_pos_rewards_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),

            // Offline, rewards cannot be redeemed: the till says it needs the server.
            sellOnePrint(),
            {
                content: "the client has 575.00 of rewards",
                trigger: `.studio-rewards-button .studio-rewards-available:contains("575.00")`,
            },
            OfflineUtil.setOfflineMode(),
            { content: "try the rewards offline", trigger: ".studio-rewards-button", run: "click" },
            {
                content: "the till says it needs the server",
                trigger: ".modal:contains('needs the server')",
            },
            Dialog.confirm(),
            OfflineUtil.setOnlineMode(),

            // One reward, after a refused selection: the 500.00 expiring first
            // pays the whole ticket, so the 20.00 would pay nothing.
            openRewards("575.00"),
            tick("500.00"),
            tick("20.00"),
            {
                content: "a reward that would pay nothing is refused, with the reason",
                trigger: ".modal .studio-rewards-error:contains('is not needed')",
            },
            { trigger: ".modal .studio-rewards-confirm[disabled]" },
            tick("500.00"),
            redeem("20.00"),
            PaymentScreen.remainingIs("80.00"),
            payRestInCashAndCheckReceipt("80.00", ["20.00"], "555.00"),

            // Two rewards on one ticket.
            sellOnePrint(),
            openRewards("555.00"),
            tick("30.00"),
            tick("25.00"),
            redeem("55.00"),
            PaymentScreen.remainingIs("45.00"),
            payRestInCashAndCheckReceipt("45.00", ["30.00", "25.00"], "500.00"),
        ].flat(),
});
