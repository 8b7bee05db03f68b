from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import PosRewardsCase


@tagged("post_install", "-at_install")
class TestPosRedemption(PosRewardsCase):
    """Orders paid partly with rewards: spent at sync through the one service, booked on the loyalty account."""

    def test_payment_method_is_not_cash(self):
        """The Loyalty Rewards method has a type of its own: neither cash, bank nor a customer account."""
        self.assertEqual(self.loyalty_pm.type, "studio_loyalty")
        self.assertFalse(self.loyalty_pm.is_cash_count)
        self.assertIn("is_studio_loyalty", self.loyalty_pm._load_pos_data_fields(self.config))

    def test_new_shop_keeps_its_customer_account(self):
        """Odoo's shop set-up still makes a Customer Account: it does not take the Loyalty Rewards method for one."""
        _journal, method_ids = self.env["pos.config"]._create_journal_and_payment_methods()
        methods = self.env["pos.payment.method"].browse(method_ids)
        self.assertNotIn(self.loyalty_pm, methods)
        self.assertTrue(methods.filtered(lambda m: m.type == "pay_later"))

    def test_order_spends_rewards_at_sync(self):
        """Syncing a ticket paid with two rewards spends both on the order."""
        rewards = self._reward(self.client, 20.0) | self._reward(self.client, 10.0)
        order = self._sync(self._order_data(rewards))
        self.assertEqual(order.state, "paid")
        self.assertEqual(rewards.mapped("state"), ["redeemed", "redeemed"])
        self.assertEqual(rewards.pos_order_id, order)
        self.assertEqual(order.studio_reward_ids, rewards)

    def test_invoiced_after_closing_books_loyalty_once(self):
        """An order paid with a reward and invoiced after its session closed books the loyalty account once."""
        reward = self._reward(self.client, 30.0)
        order = self._sync(self._order_data(reward))
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self._loyalty_balance(), 30.0)
        order.action_pos_order_invoice()
        self.assertEqual(order.account_move.payment_state, "paid")
        self.assertEqual(self._loyalty_balance(), 30.0)
        pos_receivable = self.env.company.account_default_pos_receivable_account_id
        lines = self.env["account.move.line"].search(
            [("account_id", "=", pos_receivable.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(self.currency.round(sum(lines.mapped("balance"))), 0.0)

    def test_invoiced_after_closing_leaves_no_open_receivable(self):
        """Rewards and cash on an order invoiced after closing leave no open receivable item, as cash alone does."""
        rewards = self._reward(self.client, 10.0) | self._reward(self.client, 15.0)
        mixed_data = self.create_ui_order_data(
            [{"product": self.print_product, "quantity": 1}],
            customer=self.client,
            payments=[(self.loyalty_pm, 25.0), (self.cash_pm1, 90.0)],
        )
        for _command, _id, payment in mixed_data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["studio_reward_ids"] = [Command.set(rewards.ids)]
        mixed = self._sync(mixed_data)
        cash = self._sync(
            self.create_ui_order_data(
                [{"product": self.print_product, "quantity": 1}],
                customer=self.client,
                payments=[(self.cash_pm1, 115.0)],
            )
        )
        self.assertEqual(mixed.payment_ids.mapped("amount"), [25.0, 90.0])
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        for order in (cash, mixed):
            order.action_pos_order_invoice()
        pos_receivable = self.env.company.account_default_pos_receivable_account_id
        client_receivable = self.client.property_account_receivable_id
        for order in (cash, mixed):
            with self.subTest(order=order.name):
                invoice = order.account_move
                self.assertEqual(invoice.payment_state, "paid")
                self.assertEqual(self.currency.compare_amounts(invoice.amount_residual, 0.0), 0)
                entries = (
                    self.env["account.move"].search([("reversed_pos_order_id", "=", order.id)])
                    | order.payment_ids.account_move_id
                    | order.sudo().studio_reward_ids.payment_move_id
                    | invoice
                )
                open_items = entries.line_ids.filtered(
                    lambda line: (
                        line.account_id in (pos_receivable | client_receivable)
                        and not self.currency.is_zero(line.amount_residual)
                    )
                )
                self.assertFalse(open_items, open_items.mapped(lambda line: (line.account_id.code, line.balance)))
        self.assertEqual(rewards.mapped("state"), ["redeemed", "redeemed"])
        self.assertEqual(rewards.move_id, mixed.account_move)
        entries = rewards.mapped("payment_move_id")
        self.assertEqual(len(entries), 2)
        invoice_receivable = mixed.account_move.line_ids.filtered(lambda line: line.account_id == client_receivable)
        self.assertLessEqual(entries, invoice_receivable.matched_credit_ids.credit_move_id.move_id)
        for reward in rewards:
            loyalty_line = reward.payment_move_id.line_ids.filtered(lambda line: line.account_id == pos_receivable)
            self.assertEqual(self.currency.compare_amounts(loyalty_line.balance, reward.amount), 0)
            self.assertTrue(loyalty_line.reconciled)
        self.assertEqual(self._loyalty_balance(), 25.0)

    def test_back_office_shows_pos_redemptions(self):
        """A redeemed reward opens its POS order, the order lists it, the client counts it as redeemed."""
        reward = self._reward(self.client, 20.0)
        order = self._sync(self._order_data(reward))
        action = reward.action_open()
        self.assertEqual((action["res_model"], action["res_id"]), ("pos.order", order.id))
        self.client.invalidate_recordset()
        self.assertEqual(self.client.studio_reward_redeemed_amount, 20.0)
        arch = order.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="studio_reward_ids"', arch)

    def test_closing_control_does_not_count_rewards(self):
        """The closing control lists the loyalty part for information, never as cash to count."""
        reward = self._reward(self.client, 20.0)
        self._sync(self._order_data(reward))
        data = self.pos_session.get_closing_control_data()
        loyalty = [pm for pm in data["non_cash_payment_methods"] if pm["id"] == self.loyalty_pm.id]
        self.assertEqual(len(loyalty), 1)
        self.assertEqual(loyalty[0]["type"], "studio_loyalty")
        self.assertEqual(self.currency.compare_amounts(loyalty[0]["amount"], 20.0), 0)
        self.assertNotEqual(
            data["default_cash_details"]["id"] if data.get("default_cash_details") else None, self.loyalty_pm.id
        )

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
        """A loyalty payment worth more than the rewards it names is refused."""
        reward = self._reward(self.client, 20.0)
        data = self._order_data(reward)
        for _command, _id, payment in data["payment_ids"]:
            payment["amount"] += 5.0 if payment["payment_method_id"] == self.loyalty_pm.id else -5.0
        with self.assertRaisesRegex(UserError, "cannot pay"):
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


@tagged("post_install", "-at_install")
class TestPosRefunds(PosRewardsCase):
    """Refunds of orders paid with rewards give the loyalty share back as rewards, never as cash."""

    def _paid_order(self, quantity=2, reward_amount=30.0):
        """``quantity`` prints (115.00 each) paid with one reward and the rest by bank."""
        reward = self._reward(self.client, reward_amount)
        total = self.currency.round(115.0 * quantity)
        data = self.create_ui_order_data(
            [{"product": self.print_product, "quantity": quantity}],
            customer=self.client,
            payments=[(self.loyalty_pm, reward_amount), (self.bank_pm1, total - reward_amount)],
        )
        self._name_rewards(data, reward)
        return self._sync(data), reward

    def _name_rewards(self, data, rewards):
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["studio_reward_ids"] = [Command.set(rewards.ids)]

    def test_full_refund_gives_same_rewards_back(self):
        """Refunding the whole order makes its reward available again; only the bank part is paid out."""
        order, reward = self._paid_order(quantity=1)
        self.assertEqual(self.env["pos.order"].studio_pos_refund_share(order.id, 115.0), 30.0)
        refund = self._sync(self._refund_data(order, 1, 30.0))
        self.assertEqual(reward.state, "available")
        self.assertEqual(reward.refund_pos_order_id, refund)
        self.assertFalse(reward.pos_order_id)
        self.assertEqual(refund.studio_refund_reward_ids, reward)

    def test_partial_refund_returns_new_reward(self):
        """Refunding one of two prints gives a new reward of half the rewards paid, linked to the refund."""
        order, reward = self._paid_order(quantity=2)
        self.assertEqual(self.env["pos.order"].studio_pos_refund_share(order.id, 115.0), 15.0)
        refund = self._sync(self._refund_data(order, 1, 15.0))
        returned = refund.studio_refund_reward_ids
        self.assertEqual(len(returned), 1)
        self.assertEqual((returned.state, returned.origin, returned.partner_id), ("available", "refund", self.client))
        self.assertEqual(self.currency.compare_amounts(returned.amount, 15.0), 0)
        self.assertEqual(reward.state, "redeemed")
        # The second print's refund takes the rest, never more than was paid with rewards.
        self.assertEqual(self.env["pos.order"].studio_pos_refund_share(order.id, 115.0), 15.0)

    def test_refund_as_cash_refused(self):
        """A refund paying the loyalty share out in cash is refused and nothing is saved."""
        order, reward = self._paid_order(quantity=1)
        data = self._refund_data(order, 1, 0.0)
        with self.assertRaisesRegex(UserError, "comes back as rewards, not as cash"), self.cr.savepoint():
            self._sync(data)
        self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
        self.assertEqual(reward.state, "redeemed")

    def test_refund_synced_twice_gives_once(self):
        """A refund synced twice gives its share back once."""
        order, _reward = self._paid_order(quantity=2)
        data = self._refund_data(order, 1, 15.0)
        self._sync(data)
        self._sync(data)
        self.assertEqual(self.env["studio.loyalty.reward"].search_count([("origin", "=", "refund")]), 1)

    def test_closing_credits_loyalty_account_for_refund(self):
        """After a sale and its full refund, the loyalty account nets to zero and cash paid out only the bank part."""
        order, _reward = self._paid_order(quantity=1)
        self._sync(self._refund_data(order, 1, 30.0))
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._loyalty_balance(), 0.0)

    def test_invoiced_refund_books_share_against_credit_note(self):
        """An invoiced refund pays only the cash part out: its loyalty share is booked back against the credit note."""
        order, reward = self._paid_order(quantity=1)
        data = self._refund_data(order, 1, 30.0)
        data["to_invoice"] = True
        refund = self._sync(data)
        credit_note = refund.account_move
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(reward.state, "available")
        self.assertTrue(self.currency.is_zero(credit_note.amount_residual))
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self._loyalty_balance(), 0.0)

    def test_refunds_in_thirds_return_exactly_what_was_paid(self):
        """Three refunds of a third each give back exactly the 10.00 paid with rewards, not a cent less."""
        order, _reward = self._paid_order(quantity=3, reward_amount=10.0)
        shares = []
        for _i in range(3):
            share = self.env["pos.order"].studio_pos_refund_share(order.id, 115.0)
            shares.append(share)
            self._sync(self._refund_data(order, 1, share))
        self.assertEqual(shares, [3.33, 3.33, 3.34])
        returned = self.env["studio.loyalty.reward"].search([("origin", "=", "refund")])
        self.assertEqual(self.currency.round(sum(returned.mapped("amount"))), 10.0)
