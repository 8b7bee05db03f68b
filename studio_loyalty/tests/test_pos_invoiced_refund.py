from odoo.tests import tagged

from .common import PosRewardsCase


@tagged("post_install", "-at_install")
class TestPosInvoicedRefund(PosRewardsCase):
    """Refunds at the till of orders invoiced and paid partly with rewards, as Odoo refunds invoiced orders.

    The refund is invoiced too: its credit note reverses the invoice, the
    cash part is paid out and the rewards' share comes back as loyalty value,
    booked from the credit note's receivable back to the Loyalty Rewards
    Liability account. A print is 115.00 with tax.
    """

    def _invoiced_sale(self, reward, quantity=1):
        order = self._sync(self._order_data(reward, quantity=quantity, invoiced=True))
        self.assertEqual(order.account_move.payment_state, "paid")
        return order

    def _invoiced_refund(self, order, quantity, share):
        data = self._refund_data(order, quantity, share)
        data["to_invoice"] = True
        refund = self._sync(data)
        self.assertEqual(refund.state, "done")
        return refund

    def _assert_settled(self, *documents):
        """Every receivable line of these invoices, credit notes and their payments is matched."""
        receivable = self.client.property_account_receivable_id
        lines = self.env["account.move.line"].search(
            [("account_id", "=", receivable.id), ("partner_id", "=", self.client.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(self.currency.round(sum(lines.mapped("balance"))), 0.0)
        open_lines = lines.filtered(lambda line: not self.currency.is_zero(line.amount_residual))
        self.assertFalse(open_lines, open_lines.mapped(lambda line: (line.move_id.name, line.amount_residual)))
        for document in documents:
            self.assertTrue(self.currency.is_zero(document.amount_residual), document.name)

    def test_whole_refund_gives_the_same_reward_back(self):
        """A whole invoiced ticket refunded: a credit note, 85.00 paid out, the 30.00 reward available again."""
        reward = self._reward(self.client, 30.0)
        order = self._invoiced_sale(reward)
        invoice = order.account_move
        self.assertEqual(self._loyalty_balance(), 30.0)
        refund = self._invoiced_refund(order, 1, 30.0)
        credit_note = refund.account_move
        self.assertEqual((credit_note.move_type, credit_note.reversed_entry_id), ("out_refund", invoice))
        self.assertEqual((reward.state, reward.refund_pos_order_id), ("available", refund))
        self.assertFalse(reward.move_id)
        self.assertEqual(reward.return_move_id.journal_id, self.env.company.loyalty_journal_id)
        self._assert_settled(invoice, credit_note)
        self.assertEqual(self._loyalty_balance(), 0.0)
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._loyalty_balance(), 0.0)
        given_back = self.env["studio.loyalty.move"].search([("reward_id", "=", reward.id), ("kind", "=", "give_back")])
        self.assertEqual((given_back.pos_order_id, given_back.entry_id), (refund, reward.return_move_id))

    def test_partial_refund_issues_the_share_once(self):
        """Refunding one of two invoiced prints gives one 15.00 reward back, not a second through the credit note."""
        reward = self._reward(self.client, 30.0)
        order = self._invoiced_sale(reward, quantity=2)
        refund = self._invoiced_refund(order, 1, 15.0)
        returned = self.env["studio.loyalty.reward"].search([("origin", "=", "refund")])
        self.assertEqual(returned, refund.studio_refund_reward_ids)
        self.assertEqual(self.currency.compare_amounts(returned.amount, 15.0), 0)
        self.assertEqual(returned.return_move_id.journal_id, self.env.company.loyalty_journal_id)
        self.assertEqual(reward.state, "redeemed")
        self._assert_settled(order.account_move, refund.account_move)
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self._loyalty_balance(), 15.0)
        self.assertEqual(self.env["pos.order"].studio_pos_refund_share(order.id, 115.0), 15.0)

    def test_refund_in_a_later_session_of_an_order_invoiced_after_closing(self):
        """An order invoiced after its session closed and refunded in the next session leaves both accounts at zero."""
        reward = self._reward(self.client, 30.0)
        order = self._sync(self._order_data(reward))
        self.pos_session.action_pos_session_validate()
        order.action_pos_order_invoice()
        self.open_new_session()
        refund = self._invoiced_refund(order, 1, 30.0)
        self.assertEqual((reward.state, reward.refund_pos_order_id), ("available", refund))
        self._assert_settled(order.account_move, refund.account_move)
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._loyalty_balance(), 0.0)
        pos_receivable = self.env.company.account_default_pos_receivable_account_id
        lines = self.env["account.move.line"].search(
            [("account_id", "=", pos_receivable.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(self.currency.round(sum(lines.mapped("balance"))), 0.0)

    def test_refund_left_uninvoiced_books_the_share_at_closing(self):
        """A refund left uninvoiced gives the reward back too; the closing books its share, the invoice stays paid."""
        reward = self._reward(self.client, 30.0)
        order = self._invoiced_sale(reward)
        refund = self._sync(self._refund_data(order, 1, 30.0))
        self.assertFalse(refund.account_move)
        self.assertEqual(reward.state, "available")
        self.assertEqual(order.account_move.payment_state, "paid")
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._loyalty_balance(), 0.0)
