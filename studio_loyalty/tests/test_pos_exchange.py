from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import PosRewardsCase


@tagged("post_install", "-at_install")
class TestPosExchange(PosRewardsCase):
    """Exchange tickets: a refund of an earlier order plus new items, in one order.

    The refunded lines' loyalty share comes back as loyalty value, computed
    from what they refund, not from the ticket's net total; the new items
    may be paid with other rewards, up to what is left to pay in money.
    A print is 115.00 with tax, a frame 230.00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.frame = cls.create_product("Frame", cls.categ_basic, 200.0, tax_ids=cls.tax15.ids)

    def _exchange_data(self, order, refunded, payments, frames=1):
        """A ticket refunding ``refunded`` prints of ``order`` and selling ``frames`` frames.

        ``payments``: ``(method, amount, rewards)`` triples; ``rewards`` name
        what a Loyalty Rewards line spends (a recordset, possibly empty).
        """
        lines = [{"product": self.print_product, "quantity": -refunded, "refunded_orderline_id": order.lines[0].id}]
        if frames:
            lines.append({"product": self.frame, "quantity": frames})
        # As the till sends it: a sale with returned lines, not a refund document.
        data = self.create_ui_order_data(
            lines,
            {"is_refund": not frames},
            customer=self.client,
            payments=[(method, amount) for method, amount, _rewards in payments],
        )
        for (_command, _id, payment), (_method, _amount, rewards) in zip(data["payment_ids"], payments, strict=True):
            if rewards:
                payment["studio_reward_ids"] = [Command.set(rewards.ids)]
        return data

    def _sale(self, rewards, quantity=1):
        return self._sync(self._order_data(rewards, quantity=quantity))

    def test_exchange_gives_the_share_back_and_takes_the_new_items(self):
        """A print paid with a 30.00 reward exchanged for a frame: the same reward comes back, the bank pays 145.00."""
        reward = self._reward(self.client, 30.0)
        order = self._sale(reward)
        none = self.env["studio.loyalty.reward"]
        exchange = self._sync(
            self._exchange_data(order, 1, [(self.loyalty_pm, -30.0, none), (self.bank_pm1, 145.0, none)])
        )
        self.assertEqual(exchange.state, "paid")
        self.assertEqual(self.currency.compare_amounts(exchange.amount_total, 115.0), 0)
        self.assertEqual(reward.state, "available")
        self.assertEqual(reward.refund_pos_order_id, exchange)
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self.pos_session.state, "closed")
        self.assertEqual(self._loyalty_balance(), 0.0)

    def test_new_items_paid_with_rewards_of_an_order_not_paid_with_rewards(self):
        """An exchange of an order paid by bank takes a reward for its new items (never "a line of 0.00")."""
        order = self._pos_sale(self.client)
        reward = self._reward(self.client, 50.0)
        none = self.env["studio.loyalty.reward"]
        exchange = self._sync(
            self._exchange_data(order, 1, [(self.loyalty_pm, 50.0, reward), (self.bank_pm1, 65.0, none)])
        )
        self.assertEqual(exchange.state, "paid")
        self.assertEqual((reward.state, reward.pos_order_id), ("redeemed", exchange))
        self.assertFalse(exchange.studio_refund_reward_ids)

    def test_share_back_and_other_rewards_on_one_ticket(self):
        """The refunded print's 30.00 comes back while a 50.00 reward pays part of the frame."""
        returned = self._reward(self.client, 30.0)
        order = self._sale(returned)
        spent = self._reward(self.client, 50.0)
        none = self.env["studio.loyalty.reward"]
        exchange = self._sync(
            self._exchange_data(
                order,
                1,
                [(self.loyalty_pm, -30.0, none), (self.loyalty_pm, 50.0, spent), (self.bank_pm1, 95.0, none)],
            )
        )
        self.assertEqual((returned.state, returned.refund_pos_order_id), ("available", exchange))
        self.assertEqual((spent.state, spent.pos_order_id), ("redeemed", exchange))
        self.pos_session.action_pos_session_validate()
        self.assertEqual(self._loyalty_balance(), 50.0)

    def test_share_is_that_of_the_refunded_lines_not_of_the_net_total(self):
        """Of two prints paid with 30.00 of rewards, exchanging one gives 15.00 back, refunding the other 15.00."""
        order = self._sale(self._reward(self.client, 30.0), quantity=2)
        Order = self.env["pos.order"]
        self.assertEqual(Order.studio_pos_refund_share(order.id, 115.0), 15.0)
        none = self.env["studio.loyalty.reward"]
        exchange = self._sync(
            self._exchange_data(order, 1, [(self.loyalty_pm, -15.0, none), (self.bank_pm1, 130.0, none)])
        )
        returned = exchange.studio_refund_reward_ids
        self.assertEqual((returned.origin, returned.state), ("refund", "available"))
        self.assertEqual(self.currency.compare_amounts(returned.amount, 15.0), 0)
        # The exchange took back one print (115.00), though its own total is +115.00: the rest is 15.00.
        self.assertEqual(Order.studio_pos_refund_share(order.id, 115.0), 15.0)
        refund = self._sync(self._refund_data(order, 1, 15.0))
        self.assertEqual(self.currency.compare_amounts(refund.studio_refund_reward_ids.amount, 15.0), 0)
        self.assertEqual(Order.studio_pos_refund_share(order.id, 115.0), 0.0)

    def test_share_paid_out_as_cash_refused(self):
        """An exchange whose refunded share is paid into the frame as money is refused, and names the line it needs."""
        reward = self._reward(self.client, 30.0)
        order = self._sale(reward)
        data = self._exchange_data(order, 1, [(self.bank_pm1, 115.0, self.env["studio.loyalty.reward"])])
        with self.assertRaisesRegex(UserError, r"needs a Loyalty Rewards line of [^,]*30\.00, not [^.]*0\.00"):
            self._sync(data)
        self.assertEqual(reward.state, "redeemed")

    def test_rewards_pay_no_more_than_is_left_in_money(self):
        """Rewards pay at most the ticket's total plus the share that came back (145.00), never cash out."""
        order = self._sale(self._reward(self.client, 30.0))
        big = self._reward(self.client, 200.0)
        none = self.env["studio.loyalty.reward"]
        data = self._exchange_data(
            order, 1, [(self.loyalty_pm, -30.0, none), (self.loyalty_pm, 160.0, big), (self.bank_pm1, -15.0, none)]
        )
        with self.assertRaisesRegex(UserError, r"only \$\s145\.00 is due"), self.cr.savepoint():
            self._sync(data)
        self.assertEqual(big.state, "available")
        exchange = self._sync(
            self._exchange_data(order, 1, [(self.loyalty_pm, -30.0, none), (self.loyalty_pm, 145.0, big)])
        )
        self.assertEqual(exchange.state, "paid")
        self.assertEqual(self.currency.compare_amounts(big.amount, 145.0), 0)
        rest = self.env["studio.loyalty.reward"].search([("split_from_id", "=", big.id)])
        self.assertEqual(self.currency.compare_amounts(rest.amount, 55.0), 0)

    def test_no_share_line_on_an_order_not_paid_with_rewards(self):
        """A negative Loyalty Rewards line on the refund of an order paid by bank is refused with what to do."""
        order = self._pos_sale(self.client)
        data = self._refund_data(order, 1, 0.0)
        data["payment_ids"][0][2]["amount"] = -100.0
        data["payment_ids"].append(
            (0, 0, {"amount": -15.0, "name": data["date_order"], "payment_method_id": self.loyalty_pm.id})
        )
        with self.assertRaisesRegex(UserError, "Nothing this refund takes back was paid with loyalty rewards"):
            self._sync(data)

    def test_share_read_from_the_sale_however_the_refund_signs_its_lines(self):
        """The till signs a refund's line amounts the other way round: the share is read from the sale's lines."""
        order = self._sale(self._reward(self.client, 30.0), quantity=2)
        data = self._refund_data(order, 1, 15.0)
        for _command, _id, line in data["lines"]:
            line["price_subtotal"], line["price_subtotal_incl"] = -line["price_subtotal"], -line["price_subtotal_incl"]
        refund = self._sync(data)
        self.assertEqual(self.currency.compare_amounts(refund.studio_refund_reward_ids.amount, 15.0), 0)
