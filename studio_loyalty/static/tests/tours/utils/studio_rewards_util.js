import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/pos/tours/utils/ticket_screen_util";

/** Open the Studio Rewards popup, tick the reward worth ``amount`` and redeem it. */
export function redeemReward(amount) {
    return [
        { content: "open the rewards", trigger: ".studio-rewards-button", run: "click" },
        {
            content: `tick the ${amount} reward`,
            trigger: `.modal .studio-reward-line:has(.studio-reward-amount:contains("${amount}"))`,
            run: "click",
        },
        {
            content: "redeem",
            trigger: ".modal .studio-rewards-confirm:not([disabled])",
            run: "click",
        },
    ];
}

/**
 * Open the register and put one "Portrait Print" for "Ada Portrait" on the
 * payment screen, her 20.00 reward paying part of it and cash the rest.
 */
export function printPaidWithReward() {
    return [
        Chrome.startPoS(),
        Dialog.confirm("Open Register"),
        ProductScreen.addOrderline("Portrait Print", "1"),
        ProductScreen.clickPartnerButton(),
        ProductScreen.clickCustomer("Ada Portrait"),
        ProductScreen.clickPayButton(),
        redeemReward("20.00"),
        PaymentScreen.clickPaymentMethod("Cash", true, { remaining: "0.00" }),
    ].flat();
}

/** Refund the whole first order of the session and reach its payment screen. */
export function refundFirstOrder() {
    return [
        ...ProductScreen.clickRefund(),
        TicketScreen.selectOrder("001"),
        ProductScreen.clickNumpad("1"),
        TicketScreen.confirmRefund(),
        PaymentScreen.isShown(),
    ].flat();
}
