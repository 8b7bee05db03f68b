import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// A cashier sells one "Portrait Print" (42.50, no tax) to "Ada Portrait",
// pays it by bank and gets the receipt. test_pos_tour.py checks the order.
registry.category("web_tour.tours").add("studio_loyalty_pos_sale_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Portrait Print", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Ada Portrait"),
            ProductScreen.customerIsSelected("Ada Portrait"),
            ProductScreen.totalAmountIs("42.50"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank", true, { remaining: "0.00" }),
            PaymentScreen.validateButtonIsHighlighted(true),
            PaymentScreen.clickValidate(),
            ReceiptScreen.receiptIsThere(),
            ReceiptScreen.totalAmountContains("42.50"),
        ].flat(),
});
