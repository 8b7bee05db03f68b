from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestBackendTours(HttpCase):
    """Back-office flows in headless Chromium, as staff click them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.env.company.currency_id
        cls.status = cls.env["studio.client.status"].create({"name": "Tour Loyal", "loyalty_enabled": True})
        cls.client = cls.env["res.partner"].create({"name": "Tour Client", "client_status_id": cls.status.id})
        cls.staff = new_test_user(
            cls.env,
            login="tour_staff",
            groups="account.group_account_invoice,studio_loyalty.studio_loyalty_group_manager",
        )

    def _paid_invoice(self, partner, untaxed):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [Command.create({"name": "Session", "price_unit": untaxed, "tax_ids": []})],
            }
        )
        invoice.action_post()
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()
        return invoice

    def test_draft_invoice_redeemed_when_confirmed(self):
        """A reward chosen on a draft invoice in the browser is spent when the invoice is confirmed."""
        reward = self.env["studio.loyalty.reward"].create({"partner_id": self.client.id, "amount": 40.0})
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.client.id,
                "invoice_line_ids": [Command.create({"name": "Session", "price_unit": 115.0, "tax_ids": []})],
            }
        )
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{draft.id}",
            "studio_loyalty_draft_invoice_tour",
            login="tour_staff",
        )
        self.assertEqual(draft.state, "posted")
        self.assertEqual((reward.state, reward.move_id), ("redeemed", draft))
        self.assertEqual(self.currency.compare_amounts(draft.amount_residual, 75.0), 0)
        self.assertFalse(draft.studio_held_reward_ids)

    def test_run_totals_follow_the_selection(self):
        """Unticking a client in a loaded run changes its totals in the form at once; saving keeps it."""
        self.env.company.loyalty_start_date = "2020-01-01"
        other = self.env["res.partner"].create({"name": "Tour Other", "client_status_id": self.status.id})
        self._paid_invoice(self.client, 200.0)
        self._paid_invoice(other, 100.0)
        run = self.env["studio.loyalty.run"].create({"threshold": 100.0, "reward_amount": 10.0})
        run.action_load()
        # The list shows the biggest reward first: the client's 20.00, then the other's 10.00.
        first = run.line_ids.filtered(lambda line: line.partner_id == self.client)
        self.assertEqual(len(run.line_ids), 2)
        self.start_tour(
            f"/odoo/action-studio_loyalty.studio_loyalty_run_action/{run.id}",
            "studio_loyalty_run_totals_tour",
            login="tour_staff",
        )
        self.assertFalse(first.selected)
        self.assertEqual(run.client_count, 1)

    def test_loyalty_user_opens_redeemed_on(self):
        """A Loyalty User without accounting rights opens a redeemed reward and reads the invoice it paid."""
        new_test_user(
            self.env, login="tour_front_desk", groups="base.group_user,studio_loyalty.studio_loyalty_group_user"
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.client.id,
                "invoice_line_ids": [Command.create({"name": "Session", "price_unit": 115.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        reward = self.env["studio.loyalty.reward"].create({"partner_id": self.client.id, "amount": 40.0})
        invoice._studio_redeem_rewards(reward)
        self.start_tour(
            "/odoo/action-studio_loyalty.studio_loyalty_reward_action",
            "studio_loyalty_redeemed_on_tour",
            login="tour_front_desk",
        )
