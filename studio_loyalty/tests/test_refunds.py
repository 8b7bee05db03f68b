from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestRefunds(StudioLoyaltyCommon):
    """Credit notes and reversals of invoices paid with rewards: loyalty value comes back as loyalty value."""

    def _paid_invoice(self, reward_amount=30.0):
        """A posted 115.00 invoice paid with a reward of ``reward_amount`` and the rest by bank."""
        invoice = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, reward_amount)
        self._redeem(invoice, reward)
        self._register_payment(invoice, amount=invoice.amount_residual)
        self.assertEqual(invoice.payment_state, "paid")
        return invoice, reward

    def _client_rewards(self, **domain):
        return self.env["studio.loyalty.reward"].search(
            [("partner_id", "=", self.client.id), *[(key, "=", value) for key, value in domain.items()]]
        )

    def test_draft_credit_note_gives_nothing_back(self):
        """A draft credit note leaves the reward redeemed; posting it gives the reward back."""
        invoice, reward = self._paid_invoice()
        credit_note = self._reverse_invoice(invoice)
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(reward.state, "redeemed")
        self.assertEqual(self._loyalty_balance(), 30.0)
        credit_note.action_post()
        self.assertEqual(reward.state, "available")
        self.assertEqual(self._loyalty_balance(), 0.0)
        # The client gets back in cash only what they paid in cash.
        self.assertEqual(self.currency.compare_amounts(credit_note.amount_residual, 85.0), 0)

    def test_partial_credit_note_returns_new_reward(self):
        """Refunding half of an invoice paid 30 in rewards gives a new 15.00 reward and 42.50 of cash credit."""
        invoice, reward = self._paid_invoice()
        credit_note = self._credit_note(invoice, 50.0)
        self.assertFalse(self._client_rewards(refund_move_id=credit_note.id))
        credit_note.action_post()

        returned = self._client_rewards(refund_move_id=credit_note.id)
        self.assertEqual(len(returned), 1)
        self.assertEqual((returned.state, returned.origin), ("available", "refund"))
        self.assertEqual(self.currency.compare_amounts(returned.amount, 15.0), 0)
        self.assertEqual(reward.state, "redeemed")
        self.assertEqual(self.currency.compare_amounts(credit_note.amount_residual, 42.5), 0)
        self.assertEqual(self._loyalty_balance(), 15.0)
        self.assertEqual(returned.return_move_id.state, "posted")

        # Resetting the credit note takes that share back: the reward is cancelled, its booking reversed.
        credit_note.button_draft()
        self.assertEqual(returned.state, "cancelled")
        self.assertEqual(self._loyalty_balance(), 30.0)
        with self.assertRaisesRegex(UserError, "no longer posted"):
            returned.action_reopen()

    def test_reversing_return_entry_takes_share_back(self):
        """Reversing the booking of a refunded share by hand cancels its reward: the share is owed again."""
        invoice, _reward = self._paid_invoice()
        credit_note = self._credit_note(invoice, 50.0)
        credit_note.action_post()
        returned = self._client_rewards(refund_move_id=credit_note.id)
        with self.assertRaisesRegex(UserError, "books loyalty value"):
            returned.return_move_id.button_cancel()
        returned.return_move_id._reverse_moves(cancel=True)
        self.assertEqual(returned.state, "cancelled")
        self.assertEqual(self._loyalty_balance(), 30.0)

    def test_spent_refund_reward_keeps_credit_note(self):
        """A credit note whose returned reward was spent cannot be reset."""
        invoice, _reward = self._paid_invoice()
        credit_note = self._credit_note(invoice, 50.0)
        credit_note.action_post()
        returned = self._client_rewards(refund_move_id=credit_note.id)
        self._redeem(self._invoice(self.client, 100.0), returned)
        with self.assertRaisesRegex(UserError, "can no longer be taken back"):
            credit_note.button_draft()
        self.assertEqual(credit_note.state, "posted")

    def test_partial_then_whole_never_returns_more_than_spent(self):
        """Two credit notes of an invoice return at most the 30.00 the rewards paid."""
        invoice, reward = self._paid_invoice()
        first = self._credit_note(invoice, 50.0)
        first.action_post()
        second = self._credit_note(invoice, 100.0)
        second.action_post()
        returned = self._client_rewards(origin="refund")
        self.assertEqual(self.currency.round(sum(returned.mapped("amount"))), 30.0)
        self.assertEqual(reward.state, "redeemed")
        self.assertEqual(self._loyalty_balance(), 0.0)
        with self.assertRaisesRegex(UserError, "already given back by credit note"):
            invoice.button_draft()

    def test_credit_note_lowering_amount_due_returns_nothing(self):
        """A credit note on an invoice still partly due lowers the amount due; no reward comes back."""
        invoice = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, 30.0)
        self._redeem(invoice, reward)
        credit_note = self._credit_note(invoice, 50.0)
        credit_note.action_post()
        self.assertFalse(self._client_rewards(origin="refund"))
        self.assertEqual(self.currency.compare_amounts(invoice.amount_residual, 27.5), 0)

    def test_reversal_after_lock_date_like_bank_payment(self):
        """An invoice paid with a reward before the lock date reverses as one paid by bank does."""
        with freeze_time(self._days(-20)):
            by_bank = self._invoice(self.client, 100.0)
            self._register_payment(by_bank)
            by_reward = self._invoice(self.client, 100.0)
            reward = self._reward(self.client, 115.0)
            self._redeem(by_reward, reward)
        entry = reward.payment_move_id
        self.env.company.fiscalyear_lock_date = self._days(-10)

        reversal_date = {"date": self.today, "invoice_date": self.today}
        bank_note = by_bank._reverse_moves([dict(reversal_date)], cancel=True)
        reward_note = by_reward._reverse_moves([dict(reversal_date)], cancel=True)

        self.assertEqual((bank_note.state, reward_note.state), ("posted", "posted"))
        self.assertEqual((by_bank.payment_state, by_reward.payment_state), ("reversed", "reversed"))
        self.assertEqual(reward.state, "available")
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.reversal_move_ids.mapped("state"), ["posted"])
        self.assertEqual(entry.reversal_move_ids.date, self.today)
        self.assertEqual(self._loyalty_balance(), 0.0)
