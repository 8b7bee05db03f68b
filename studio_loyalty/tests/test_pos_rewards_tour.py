from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosRewardsTour(TestPointOfSaleHttpCommon):
    """A cashier redeems a client's rewards on the payment screen, in headless Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create({"name": "Ada Portrait"})
        cls.env["product.template"].create(
            {"name": "Portrait Print", "available_in_pos": True, "list_price": 100.0, "taxes_id": False}
        )
        # Spent soonest expiry first: the 500.00, the 25.00, then the two without expiry.
        today = fields.Date.context_today(cls.env.user)
        expiries = (False, False, today + timedelta(days=10), today + timedelta(days=5))
        cls.rewards = (
            cls.env["studio.loyalty.reward"]
            .sudo()
            .create(
                [
                    {"partner_id": cls.client.id, "amount": amount, "expiration_date": expiry}
                    for amount, expiry in zip((20.0, 30.0, 25.0, 500.0), expiries, strict=True)
                ]
            )
        )

    def test_redeem_rewards_at_the_till(self):
        """One reward, then two on one ticket, the rest in cash; a reward that would pay nothing is refused."""
        self.assertTrue(self.main_pos_config.payment_method_ids.filtered("is_studio_loyalty"))
        self.start_pos_tour("studio_loyalty_pos_rewards_tour")
        orders = self.env["pos.order"].search([("partner_id", "=", self.client.id)], order="id")
        self.assertEqual(len(orders), 2)
        self.assertEqual(orders.mapped("state"), ["paid", "paid"])
        twenty, thirty, twenty_five, big = self.rewards
        self.assertEqual(twenty.pos_order_id, orders[0])
        self.assertEqual((thirty | twenty_five).pos_order_id, orders[1])
        self.assertEqual((twenty | thirty | twenty_five).mapped("state"), ["redeemed"] * 3)
        self.assertEqual(big.state, "available")
        currency = orders.currency_id
        for order, rewards_paid, cash in ((orders[0], 20.0, 80.0), (orders[1], 55.0, 45.0)):
            by_method = {p.payment_method_id.is_studio_loyalty: p.amount for p in order.payment_ids}
            self.assertEqual(currency.compare_amounts(by_method[True], rewards_paid), 0)
            self.assertEqual(currency.compare_amounts(by_method[False], cash), 0)

    def test_refund_gives_reward_back(self):
        """Refunding a ticket paid with a reward gives the reward back and pays out only the cash part."""
        self.start_pos_tour("studio_loyalty_pos_refund_tour")
        twenty = self.rewards[0]
        refund = self.env["pos.order"].search([("partner_id", "=", self.client.id), ("amount_total", "<", 0)])
        self.assertEqual(len(refund), 1)
        self.assertEqual(twenty.state, "available")
        self.assertEqual(twenty.refund_pos_order_id, refund)
        cash = refund.payment_ids.filtered(lambda p: not p.payment_method_id.is_studio_loyalty)
        self.assertEqual(refund.currency_id.compare_amounts(sum(cash.mapped("amount")), -80.0), 0)
