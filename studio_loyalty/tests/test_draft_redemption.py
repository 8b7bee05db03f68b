from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestDraftRedemption(StudioLoyaltyCommon):
    """Rewards chosen on a new invoice are held for it and spent through the service when it is confirmed."""

    def assertAmount(self, value, expected):
        self.assertTrue(self.currency.is_zero(value - expected), f"{value} != {expected}")

    def _hold(self, invoice, rewards):
        """Choose ``rewards`` in the redeem dialog of the draft ``invoice``."""
        action = invoice.action_studio_redeem_rewards()
        wizard = self.env["studio.loyalty.redeem"].with_context(**action["context"]).create({})
        self.assertIn(rewards, wizard.available_reward_ids)
        wizard.reward_ids = [Command.set(rewards.ids)]
        self.assertTrue(wizard.is_draft)
        return wizard, wizard.action_redeem()

    def test_held_on_the_draft_spent_when_confirmed(self):
        """Held rewards stay available until the invoice is confirmed, then pay it."""
        invoice = self._invoice(self.client, 100.0, post=False)
        reward = self._reward(self.client, 40.0)
        wizard, _action = self._hold(invoice, reward)
        self.assertAmount(wizard.amount_residual, 115.0)
        self.assertEqual(invoice.studio_held_reward_ids, reward)
        self.assertEqual(reward.state, "available")
        self.assertAmount(invoice.studio_reward_amount, 40.0)

        invoice.action_post()

        self.assertEqual((reward.state, reward.move_id), ("redeemed", invoice))
        self.assertFalse(invoice.studio_held_reward_ids)
        self.assertAmount(invoice.amount_residual, 75.0)
        self.assertAmount(invoice.studio_reward_amount, 40.0)

    def test_held_reward_larger_than_the_invoice_keeps_the_rest(self):
        """A held reward worth more than the invoice pays it in full at confirmation; the rest stays."""
        invoice = self._invoice(self.client, 100.0, post=False)
        reward = self._reward(self.client, 150.0, expiration_date=self._days(20))
        self._hold(invoice, reward)
        self.assertAmount(invoice.studio_reward_amount, 115.0)
        invoice.action_post()
        self.assertEqual(invoice.payment_state, "paid")
        rest = self.env["studio.loyalty.reward"].search([("split_from_id", "=", reward.id)])
        self.assertAmount(rest.amount, 35.0)
        self.assertEqual(rest.expiration_date, self._days(20))

    def test_spent_elsewhere_meanwhile_refuses_confirmation(self):
        """A held reward redeemed on another invoice first: confirming says which and how to recover."""
        draft = self._invoice(self.client, 100.0, post=False)
        reward = self._reward(self.client, 30.0)
        self._hold(draft, reward)
        other = self._invoice(self.client, 50.0)
        self._redeem(other, reward)

        with self.assertRaises(UserError) as caught, self.cr.savepoint():
            draft.action_post()
        message = str(caught.exception)
        self.assertIn(f"already been redeemed on {other.name}", message)
        self.assertIn("Remove that reward from its Loyalty Rewards tab", message)
        self.assertEqual(draft.state, "draft")
        self.assertEqual(reward.move_id, other)

        reward.with_context(studio_move_id=draft.id).action_studio_release()
        self.assertFalse(draft.studio_held_reward_ids)
        draft.action_post()
        self.assertAmount(draft.amount_residual, 115.0)

    def test_deleting_the_draft_releases_its_rewards(self):
        """A deleted draft holds nothing: its rewards can be chosen on another invoice at once."""
        draft = self._invoice(self.client, 100.0, post=False)
        reward = self._reward(self.client, 30.0)
        self._hold(draft, reward)
        draft.unlink()
        self.env.cr.execute("SELECT count(*) FROM studio_loyalty_reward_held_rel WHERE reward_id = %s", [reward.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        invoice = self._invoice(self.client, 10.0, post=False)
        self._hold(invoice, reward)
        self.assertEqual(reward.state, "available")

    def test_totals_read_once(self):
        """What rewards paid is one "Loyalty Rewards" amount: not repeated as "Paid on" lines; printed too."""
        invoice = self._invoice(self.client, 100.0)
        self._redeem(invoice, self._reward(self.client, 40.0))
        self._register_payment(invoice, amount=20.0)
        content = invoice.invoice_payments_widget["content"]
        self.assertEqual(len(content), 1, "only the bank payment is listed as paid")
        self.assertAmount(content[0]["amount"], 20.0)
        self.assertAmount(invoice.studio_reward_amount, 40.0)

        html = self.env["ir.actions.report"]._render_qweb_html("account.report_invoice", invoice.ids)[0].decode()
        self.assertIn("Loyalty Rewards", html)
        self.assertIn("studio_loyalty_rewards_row", html)

        only_rewards = self._invoice(self.client, 10.0)
        self._redeem(only_rewards, self._reward(self.client, 11.5))
        self.assertEqual(only_rewards.payment_state, "paid")
        self.assertFalse(only_rewards.invoice_payments_widget)
