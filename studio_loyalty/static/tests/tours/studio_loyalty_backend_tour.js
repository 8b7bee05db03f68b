import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// Staff choose a client's reward on a new (draft) invoice; it is spent when
// the invoice is confirmed. test_backend_tours.py opens the draft and checks
// the reward and the amount due afterwards.
registry.category("web_tour.tours").add("studio_loyalty_draft_invoice_tour", {
    steps: () => [
        {
            content: "the draft says the client has rewards, and offers to redeem them",
            trigger:
                "div[name='studio_loyalty_indicator'] button[name='action_studio_redeem_rewards']",
            run: "click",
        },
        {
            content: "the dialog says the rewards are spent when the invoice is confirmed",
            trigger: ".modal:contains('redeemed when the invoice is confirmed')",
        },
        {
            content: "tick the client's reward",
            trigger: ".modal div[name='reward_ids'] input[type='checkbox']",
            run: "click",
        },
        {
            content: "the dialog shows what it will pay",
            trigger: ".modal div[name='amount']:contains('40.00')",
        },
        {
            content: "redeem",
            trigger: ".modal button[name='action_redeem']",
            run: "click",
        },
        {
            content: "the totals show the Loyalty Rewards the draft will be paid with",
            trigger: "body:not(:has(.modal)) div[name='studio_reward_amount']:contains('40.00')",
        },
        {
            content: "open the Loyalty Rewards tab",
            trigger: ".o_notebook_headers a:contains('Loyalty Rewards')",
            run: "click",
        },
        {
            content: "the reward is held for this draft",
            trigger: "div[name='studio_held_reward_ids'] .o_data_row:contains('40.00')",
        },
        {
            content: "confirm the invoice",
            trigger: ".o_form_statusbar button[name='action_post']",
            run: "click",
        },
        {
            content: "posted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
        {
            content: "the redeemed reward is listed on the invoice",
            trigger: "div[name='studio_reward_ids'] .o_data_row:contains('40.00')",
        },
        {
            content: "back to the invoice lines and totals",
            trigger: ".o_notebook_headers a:contains('Invoice Lines')",
            run: "click",
        },
        {
            content: "the totals name the Loyalty Rewards once",
            trigger: "div[name='studio_reward_amount']:contains('40.00')",
        },
        {
            content: "the reward paid it: 75.00 of 115.00 is left to pay",
            trigger: "div[name='amount_residual']:contains('75.00')",
        },
        {
            content: "and the same money is not listed again as 'Paid on'",
            trigger: ".o_form_view:not(:has(.o_payment_label))",
        },
    ],
});

// Unticking a client in a loaded processing run updates its totals at once,
// before anything is saved.
registry.category("web_tour.tours").add("studio_loyalty_run_totals_tour", {
    steps: () => [
        {
            content: "the loaded run counts both clients",
            trigger: "div[name='client_count']:contains('2')",
        },
        {
            content: "and 30.00 to award",
            trigger: "div[name='planned_amount']:contains('30.00')",
        },
        {
            content: "untick the first client",
            trigger: "div[name='line_ids'] .o_data_row:first div[name='selected'] input",
            run: "click",
        },
        {
            content: "the totals follow at once: one client",
            trigger: "div[name='client_count']:contains('1')",
        },
        {
            content: "and only the other client's amount",
            trigger: "div[name='planned_amount']:not(:contains('30.00'))",
        },
        {
            content: "nothing saved yet",
            trigger: ".o_form_status_indicator .o_form_button_save",
        },
        ...stepUtils.saveForm(),
    ],
});

// A front-desk Loyalty User, without accounting rights, opens a redeemed
// reward from the Rewards list: she sees the invoice it paid (number, date,
// amount) and no access error.
registry.category("web_tour.tours").add("studio_loyalty_redeemed_on_tour", {
    steps: () => [
        {
            content: "show every reward, not only the available ones",
            trigger: ".o_searchview_facet:contains('Available') .o_facet_remove",
            run: "click",
        },
        {
            content: "the list says where the reward was redeemed",
            trigger: ".o_data_row:contains('Tour Client') td[name='redeemed_on']:contains('INV/')",
        },
        {
            content: "open the redeemed reward",
            trigger: ".o_data_row:contains('Tour Client') td[name='redeemed_on']:contains('INV/')",
            run: "click",
        },
        {
            content: "the reward shows the invoice's number",
            trigger: ".o_form_view div[name='redeemed_on']:contains('INV/')",
        },
        {
            content: "its total",
            trigger: ".o_form_view div[name='redeemed_on_amount']:contains('115.00')",
        },
        {
            content: "and no access error, nor a button that would raise one",
            trigger:
                "body:not(:has(.o_error_dialog)):not(:has(.o_form_view button[name='action_open']))",
        },
    ],
});
