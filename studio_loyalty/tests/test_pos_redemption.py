from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import StudioLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestPosRedemption(StudioLoyaltyPosCommon):
    """Orders paid partly with rewards: spent at sync through the one service, booked on the loyalty account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyalty_pm = cls.env["pos.payment.method"].sudo()._studio_loyalty_method(cls.env.company)
        cls.basic_config.payment_method_ids |= cls.loyalty_pm

    def _order_data(self, rewards, bank=None, client=None, invoiced=False):
        """A ticket of one print (115.00) for ``client``, paid with ``rewards`` and the rest by bank."""
        client = client or self.client
        paid_with_rewards = self.currency.round(sum(rewards.mapped("amount")))
        bank = self.currency.round(115.0 - paid_with_rewards) if bank is None else bank
        payments = [(self.loyalty_pm, paid_with_rewards)] + ([(self.bank_pm1, bank)] if bank else [])
        data = self.create_ui_order_data(
            [{"product": self.print_product, "quantity": 1}], customer=client, is_invoiced=invoiced, payments=payments
        )
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["studio_reward_ids"] = [Command.set(rewards.ids)]
        return data

    def _sync(self, data):
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse([order["id"] for order in result["pos.order"]])

    def _loyalty_balance(self):
        account = self.env.company._get_loyalty_journal().default_account_id
        lines = self.env["account.move.line"].search([("account_id", "=", account.id), ("parent_state", "=", "posted")])
        return self.currency.round(sum(lines.mapped("balance")))

    def test_payment_method_is_not_cash(self):
        """The Loyalty Rewards method has a type of its own: neither cash, bank nor a customer account."""
        self.assertEqual(self.loyalty_pm.type, "studio_loyalty")
        self.assertFalse(self.loyalty_pm.is_cash_count)
        self.assertIn("is_studio_loyalty", self.loyalty_pm._load_pos_data_fields(self.config))

    def test_order_spends_rewards_at_sync(self):
        """Syncing a ticket paid with two rewards spends both on the order."""
        rewards = self._reward(self.client, 20.0) | self._reward(self.client, 10.0)
        order = self._sync(self._order_data(rewards))
        self.assertEqual(order.state, "paid")
        self.assertEqual(rewards.mapped("state"), ["redeemed", "redeemed"])
        self.assertEqual(rewards.pos_order_id, order)
        self.assertEqual(order.studio_reward_ids, rewards)

    def test_unusable_reward_refused_nothing_saved(self):
        """An expired, spent or other client's reward refuses the order, and nothing is saved."""
        expired = self._reward(self.client, 10.0, issue_date=self._days(-5), expiration_date=self._days(-1))
        foreign = self._reward(self.other_client, 10.0)
        spent = self._reward(self.client, 10.0)
        self._sync(self._order_data(spent))
        for reward, message in (
            (expired, "has expired"),
            (foreign, "belongs to Ben Wedding"),
            (spent, "already been redeemed"),
        ):
            data = self._order_data(reward)
            with self.subTest(message=message), self.assertRaisesRegex(UserError, message), self.cr.savepoint():
                self._sync(data)
            self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
        self.assertEqual((expired.state, foreign.state), ("available", "available"))

    def test_payment_must_match_rewards(self):
        """A loyalty payment naming no reward, or not their total, is refused."""
        reward = self._reward(self.client, 20.0)
        data = self._order_data(reward)
        for _command, _id, payment in data["payment_ids"]:
            payment["amount"] += 5.0 if payment["payment_method_id"] == self.loyalty_pm.id else -5.0
        with self.assertRaisesRegex(UserError, "must be the total of the rewards"):
            self._sync(data)
        self.assertEqual(reward.state, "available")

    def test_resync_spends_nothing_twice(self):
        """The same order synced twice spends its reward once and makes one order."""
        reward = self._reward(self.client, 20.0)
        data = self._order_data(reward)
        first = self._sync(data)
        second = self._sync(data)
        self.assertEqual(first, second)
        self.assertEqual(self.env["pos.order"].search_count([("uuid", "=", data["uuid"])]), 1)
        self.assertEqual(reward.pos_order_id, first)

    def test_session_closing_books_loyalty_account(self):
        """Closing debits the loyalty account with the rewards; bank takes the rest; taxes are unchanged."""
        reward = self._reward(self.client, 30.0)
        self._sync(self._order_data(reward))
        session = self.pos_session
        session.action_pos_session_validate()
        self.assertEqual(session.state, "closed")
        lines = session.move_id.line_ids
        loyalty_account = self.env.company.loyalty_journal_id.default_account_id
        self.assertEqual(
            self.currency.round(sum(lines.filtered(lambda line: line.account_id == loyalty_account).mapped("debit"))),
            30.0,
        )
        tax_lines = lines.filtered("tax_line_id")
        self.assertEqual(self.currency.round(sum(tax_lines.mapped("credit"))), 15.0)
        sales = lines.filtered(lambda line: line.account_id.account_type == "income" and not line.tax_line_id)
        self.assertEqual(self.currency.round(sum(sales.mapped("credit"))), 100.0)
        self.assertEqual(
            self.currency.round(sum(lines.mapped("debit"))), self.currency.round(sum(lines.mapped("credit")))
        )
        bank_payments = self.env["account.payment"].search([("pos_session_id", "=", session.id)])
        self.assertEqual(self.currency.round(sum(bank_payments.mapped("amount"))), 85.0)
        self.assertEqual(self._loyalty_balance(), 30.0)

    def test_invoiced_order_books_through_loyalty_journal(self):
        """An invoiced order's reward pays its invoice through the Loyalty Rewards journal, reconciled."""
        reward = self._reward(self.client, 30.0)
        order = self._sync(self._order_data(reward, invoiced=True))
        invoice = order.account_move
        self.assertTrue(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(reward.move_id, invoice)
        self.assertEqual(reward.payment_move_id.journal_id, self.env.company.loyalty_journal_id)
        self.assertEqual(self._loyalty_balance(), 30.0)
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._loyalty_balance(), 30.0)
