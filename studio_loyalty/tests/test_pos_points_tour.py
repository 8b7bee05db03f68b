from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosPointsTour(TestPointOfSaleHttpCommon):
    """A cashier pays part of a ticket with points, in headless Chromium.

    Retail earns 10 points per currency unit, a point is worth 0.01, at
    least 5.00 a time. Ada earned 3,000 points (30.00) on a paid invoice,
    now redeemable; Ben's 1,000 points of a paid invoice are still pending.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.main_pos_config.company_id
        program = cls.env["studio.loyalty.points.program"]._for_company(company)
        program.write({"enabled": True, "min_redemption": 5, "point_value": 0.01})
        program.rule_ids.filtered(lambda r: r.action == "retail").write({"is_active": True, "points": 10})
        cls.client = cls.env["res.partner"].create({"name": "Ada Portrait"})
        cls.pending_client = cls.env["res.partner"].create({"name": "Ben Wedding"})
        cls.print_product = cls.env["product.template"].create(
            {"name": "Portrait Print", "available_in_pos": True, "list_price": 100.0, "taxes_id": False}
        )
        cls._paid_invoice(cls.client, 300.0)
        cls._paid_invoice(cls.pending_client, 100.0)
        Points = cls.env["studio.loyalty.points"]
        Points._mature(company, cls.client, now=fields.Datetime.now() + timedelta(hours=25))
        balances = Points._balances(cls.client | cls.pending_client, company)
        assert balances[cls.client.id]["redeemable"] == 3000, balances
        assert balances[cls.pending_client.id]["pending"] == 1000, balances

    @classmethod
    def _paid_invoice(cls, client, untaxed):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": client.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.print_product.product_variant_id.id,
                            "price_unit": untaxed,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {}
        )._create_payments()

    def test_redeem_points_at_the_till(self):
        """Refused at the ticket total and below the minimum, 12.50 of points accepted; the receipt shows them."""
        self.start_pos_tour("studio_loyalty_pos_points_tour")
        order = self.env["pos.order"].search([("partner_id", "=", self.client.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        reward = order.studio_reward_ids
        self.assertEqual((reward.origin, reward.points, reward.state), ("points", 1250, "redeemed"))
        loyalty = order.payment_ids.filtered("payment_method_id.is_studio_loyalty")
        self.assertEqual((loyalty.amount, loyalty.studio_points_amount), (12.5, 12.5))
        balance = self.env["studio.loyalty.points"]._balances(self.client, order.company_id)[self.client.id]
        self.assertEqual((balance["redeemable"], balance["pending"]), (1750, 1000))
        other = self.env["pos.order"].search([("partner_id", "=", self.pending_client.id)])
        self.assertFalse(other.studio_reward_ids)
