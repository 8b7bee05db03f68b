from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import float_compare

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestInvoiceRedemption(StudioLoyaltyCommon):
    def assertAmount(self, value, expected):
        self.assertEqual(
            float_compare(value, expected, precision_rounding=self.currency.rounding),
            0,
            f"{value} != {expected}",
        )

    def _invoice_paid_with_reward(self):
        """A posted 115.00 invoice of which a 30.00 reward has paid 30.00."""
        invoice = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, 30.0)
        self._redeem(invoice, reward)
        return invoice, reward

    def _partner_balance(self, account):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", account.id),
                ("parent_state", "=", "posted"),
                ("move_id.partner_id", "=", self.client.id),
            ]
        )
        return sum(lines.mapped("balance"))

    def test_full_redemption_pays_invoice(self):
        """Rewards covering the amount due pay the invoice; taxes and revenue are untouched."""
        invoice = self._invoice(self.client, 100.0)
        rewards = self._reward(self.client, 50.0) | self._reward(self.client, 65.0)
        self.assertEqual(invoice.studio_redeemable_count, 2)
        self.assertAmount(invoice.studio_redeemable_amount, 115.0)

        self._redeem(invoice, rewards)

        self.assertEqual(rewards.mapped("state"), ["redeemed", "redeemed"])
        self.assertEqual(rewards.move_id, invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertAmount(invoice.amount_residual, 0.0)
        self.assertAmount(invoice.amount_tax, 15.0)
        self.assertAmount(invoice.amount_untaxed, 100.0)
        self.assertAmount(invoice.studio_reward_amount, 115.0)
        self.assertEqual(invoice.studio_redeemable_count, 0)

        journal = self.env.company.loyalty_journal_id
        self.assertEqual(journal.code, "LOYR")
        entries = rewards.payment_move_id
        self.assertEqual(len(entries), 2)
        self.assertEqual(entries.journal_id, journal)
        self.assertEqual(set(entries.mapped("state")), {"posted"})
        loyalty_lines = entries.line_ids.filtered(lambda line: line.account_id == journal.default_account_id)
        self.assertAmount(sum(loyalty_lines.mapped("debit")), 115.0)
        self.assertNotEqual(journal.default_account_id.account_type, "income")
        receivable = invoice.line_ids.account_id.filtered(lambda account: account.account_type == "asset_receivable")
        self.assertAmount(self._partner_balance(receivable), 0.0)
        revenue = self.company_data["default_account_revenue"]
        self.assertFalse(entries.line_ids.filtered(lambda line: line.account_id == revenue))

    def test_partial_redemption_lowers_amount_due(self):
        """A reward smaller than the total leaves the rest due."""
        invoice = self._invoice(self.client, 100.0)
        self._redeem(invoice, self._reward(self.client, 40.0))
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAmount(invoice.amount_residual, 75.0)
        self.assertAmount(invoice.studio_reward_amount, 40.0)

    def test_more_than_amount_due_keeps_the_rest(self):
        """Rewards worth more than the amount due pay it; what is left of the last stays with the client."""
        invoice = self._invoice(self.client, 100.0)
        rewards = self._reward(self.client, 100.0) | self._reward(self.client, 20.0)
        self._redeem(invoice, rewards)
        self.assertEqual(rewards.mapped("state"), ["redeemed", "redeemed"])
        self.assertAmount(invoice.amount_residual, 0.0)
        self.assertEqual(rewards.mapped("amount"), [100.0, 15.0])
        rest = self.env["studio.loyalty.reward"].search([("split_from_id", "in", rewards.ids)])
        self.assertEqual((rest.split_from_id, rest.amount, rest.state), (rewards[1], 5.0, "available"))

    def test_unusable_rewards_refused(self):
        """Expired, cancelled, already redeemed or another client's rewards are refused."""
        invoice = self._invoice(self.client, 100.0)
        expired = self._reward(self.client, 5.0, issue_date=self._days(-5), expiration_date=self._days(-1))
        cancelled = self._reward(self.client, 5.0)
        cancelled.action_cancel()
        foreign = self._reward(self.other_client, 5.0)
        used = self._reward(self.client, 5.0)
        self._redeem(self._invoice(self.client, 10.0), used)
        cases = [
            (expired, f"Reward {expired.name} has expired."),
            (cancelled, f"Reward {cancelled.name} is cancelled."),
            (foreign, f"Reward {foreign.name} belongs to Ben Wedding, not to Ada Portrait."),
            (used, f"Reward {used.name} has already been redeemed on {used.move_id.name}."),
        ]
        for reward, message in cases:
            with self.subTest(message=message), self.assertRaises(UserError) as caught:
                self.client.env["account.move"].browse(invoice.id)._studio_redeem_rewards(reward)
            self.assertEqual(str(caught.exception), message)
        self.assertAmount(invoice.amount_residual, 115.0)

    def test_draft_invoice_refused(self):
        """Rewards are redeemed on posted customer invoices only."""
        invoice = self._invoice(self.client, 100.0, post=False)
        with self.assertRaisesRegex(UserError, "spent on confirmed ones only"):
            invoice._studio_redeem_rewards(self._reward(self.client, 5.0))

    def assertReversed(self, entry):
        """``entry`` stays posted and a posted reversal cancels it out."""
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.reversal_move_ids.mapped("state"), ["posted"])
        self.assertAmount(sum((entry.line_ids | entry.reversal_move_ids.line_ids).mapped("balance")), 0.0)
        self.assertTrue(all(line.reconciled for line in entry.line_ids if line.account_id.reconcile))

    def test_reset_to_draft_gives_rewards_back(self):
        """Resetting the invoice to draft makes its rewards available and reverses their payments."""
        invoice, reward = self._invoice_paid_with_reward()
        entry = reward.payment_move_id
        invoice.button_draft()
        self.assertEqual(reward.state, "available")
        self.assertFalse(reward.move_id)
        self.assertReversed(entry)
        invoice.action_post()
        self.assertAmount(invoice.amount_residual, 115.0)
        self.assertAmount(self._partner_balance(self.env.company.loyalty_journal_id.default_account_id), 0.0)

    def test_cancel_gives_rewards_back(self):
        """Cancelling the invoice makes its rewards available and reverses their payments."""
        invoice, reward = self._invoice_paid_with_reward()
        entry = reward.payment_move_id
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(reward.state, "available")
        self.assertReversed(entry)
        self.assertFalse(reward.move_id)

    def test_payment_entry_is_reversed_not_reset(self):
        """An accountant reversing a reward's payment entry gives the reward back; resetting it is refused."""
        invoice = self._invoice(self.client, 100.0)
        kept, reversed_ = self._reward(self.client, 10.0), self._reward(self.client, 20.0)
        self._redeem(invoice, kept | reversed_)
        self.assertAmount(invoice.amount_residual, 85.0)
        for action in ("button_draft", "button_cancel"):
            with self.subTest(action=action), self.assertRaisesRegex(UserError, "books loyalty value"):
                getattr(kept.payment_move_id, action)()
        self.assertEqual(kept.payment_move_id.state, "posted")
        entry = reversed_.payment_move_id
        reversal = entry._reverse_moves(cancel=True)
        self.assertEqual((kept.state, reversed_.state), ("redeemed", "available"))
        self.assertAmount(invoice.amount_residual, 105.0)
        self.assertAmount(self._partner_balance(self.env.company.loyalty_journal_id.default_account_id), 10.0)
        # The reversal itself is a loyalty booking: resetting it would make the payment count again.
        with self.assertRaisesRegex(UserError, "books loyalty value"):
            reversal.button_draft()

    def test_payment_entry_reversed_after_journal_change(self):
        """A payment entry booked before the Loyalty Rewards journal was changed still gives its reward back."""
        invoice, reward = self._invoice_paid_with_reward()
        self.env.company.loyalty_journal_id = self.company_data["default_journal_misc"]
        reward.payment_move_id._reverse_moves(cancel=True)
        self.assertEqual(reward.state, "available")
        self.assertAmount(invoice.amount_residual, 115.0)

    def test_reversal_gives_rewards_back(self):
        """Reversing the invoice makes the reward available again and the books balance."""
        invoice, reward = self._invoice_paid_with_reward()
        entry = reward.payment_move_id
        credit_note = invoice._reverse_moves(cancel=True)
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(reward.state, "available")
        self.assertReversed(entry)
        receivable = invoice.line_ids.account_id.filtered(lambda account: account.account_type == "asset_receivable")
        self.assertAmount(self._partner_balance(receivable), 0.0)
        self.assertAmount(self._partner_balance(self.env.company.loyalty_journal_id.default_account_id), 0.0)

    def test_credit_note_wizard_gives_rewards_back(self):
        """A credit note made with the Reverse wizard gives the rewards back too."""
        invoice, reward = self._invoice_paid_with_reward()
        credit_note = self._reverse_invoice(invoice, post=True)
        self.assertEqual(reward.state, "available")
        self.assertAmount(credit_note.amount_total, 115.0)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertAmount(invoice.amount_residual, 0.0)

    def test_remove_redemption(self):
        """Staff can remove a redemption: the reward is available and the amount due is back."""
        invoice = self._invoice(self.client, 100.0)
        kept, removed = self._reward(self.client, 10.0), self._reward(self.client, 20.0)
        self._redeem(invoice, kept | removed)
        removed.action_undo_redemption()
        self.assertEqual((kept.state, removed.state), ("redeemed", "available"))
        self.assertAmount(invoice.amount_residual, 105.0)
        self.assertAmount(invoice.studio_reward_amount, 10.0)

    def test_unreconcile_in_payment_widget_removes_redemption(self):
        """Removing the reward's payment in the invoice's payment widget gives the reward back."""
        invoice = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, 25.0)
        self._redeem(invoice, reward)
        partial = invoice.line_ids.matched_credit_ids
        self.assertEqual(len(partial), 1)
        invoice.js_remove_outstanding_partial(partial.id)
        self.assertEqual(reward.state, "available")
        self.assertAmount(invoice.amount_residual, 115.0)

    def test_wizard_offers_only_redeemable_rewards(self):
        """The redeem dialog lists the client's redeemable rewards only."""
        invoice = self._invoice(self.client, 100.0)
        good = self._reward(self.client, 5.0)
        self._reward(self.client, 5.0, issue_date=self._days(-5), expiration_date=self._days(-1))
        self._reward(self.other_client, 5.0)
        wizard = self.env["studio.loyalty.redeem"].create({"move_id": invoice.id})
        self.assertEqual(wizard.available_reward_ids, good)
