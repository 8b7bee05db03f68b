from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosPartialTour(TestPointOfSaleHttpCommon):
    """A reward larger than what is left to pay pays part of it at the till, in headless Chromium.

    Cleo holds a 25.00 reward expiring in 30 days and a 50.00 one without
    expiry; a Mini Print is 20.60, without tax.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create({"name": "Cleo Headshot"})
        cls.env["product.template"].create(
            {"name": "Mini Print", "available_in_pos": True, "list_price": 20.6, "taxes_id": False}
        )
        cls.expiry = fields.Date.context_today(cls.env.user) + timedelta(days=30)
        Reward = cls.env["studio.loyalty.reward"].sudo()
        cls.sooner = Reward.create({"partner_id": cls.client.id, "amount": 25.0, "expiration_date": cls.expiry})
        cls.later = Reward.create({"partner_id": cls.client.id, "amount": 50.0})

    def assertAmount(self, value, expected):
        self.assertTrue(self.env.company.currency_id.is_zero(value - expected), f"{value} != {expected}")

    def _order(self):
        order = self.env["pos.order"].search([("partner_id", "=", self.client.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        return order

    def _rest_of(self, reward):
        return self.env["studio.loyalty.reward"].search([("split_from_id", "=", reward.id)])

    def test_partial_use_at_the_till(self):
        """The 25.00 reward pays a 20.60 ticket: one line of 20.60, the 4.40 left stays, same expiry."""
        self.start_pos_tour("studio_loyalty_pos_partial_tour")
        order = self._order()
        loyalty = order.payment_ids.filtered("payment_method_id.is_studio_loyalty")
        self.assertEqual(loyalty.studio_reward_ids, self.sooner)
        self.assertAmount(loyalty.amount, 20.6)
        self.assertAmount(order.amount_paid, 20.6)
        self.assertEqual((self.sooner.state, self.sooner.pos_order_id), ("redeemed", order))
        self.assertAmount(self.sooner.amount, 20.6)
        rest = self._rest_of(self.sooner)
        self.assertEqual((rest.state, rest.expiration_date), ("available", self.expiry))
        self.assertAmount(rest.amount, 4.4)
        self.assertEqual(self.later.state, "available")

    def test_use_up_to_the_amount_due(self):
        """Use up to the amount due ticks the 25.00 then the 50.00: it pays 16.20 of the 50.00, 33.80 stays."""
        self.start_pos_tour("studio_loyalty_pos_use_up_to_tour")
        order = self._order()
        loyalty = order.payment_ids.filtered("payment_method_id.is_studio_loyalty")
        self.assertEqual(loyalty.studio_reward_ids, self.sooner | self.later)
        self.assertAmount(loyalty.amount, 41.2)
        self.assertEqual((self.sooner | self.later).mapped("state"), ["redeemed", "redeemed"])
        self.assertAmount(self.sooner.amount, 25.0)
        self.assertAmount(self.later.amount, 16.2)
        self.assertFalse(self._rest_of(self.sooner))
        rest = self._rest_of(self.later)
        self.assertEqual((rest.state, rest.expiration_date), ("available", False))
        self.assertAmount(rest.amount, 33.8)
