from odoo.tests import tagged
from odoo.tools import float_compare

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosTour(TestPointOfSaleHttpCommon):
    """The Point of Sale still sells to a client with studio_loyalty installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create({"name": "Ada Portrait"})
        cls.print_product = cls.env["product.template"].create(
            {
                "name": "Portrait Print",
                "available_in_pos": True,
                "list_price": 42.5,
                "taxes_id": False,
            }
        )

    def test_sell_to_client_at_pos(self):
        """A cashier sells a product to a client, pays by bank and the order is saved paid."""
        self.start_pos_tour("studio_loyalty_pos_sale_tour")
        order = self.env["pos.order"].search([("partner_id", "=", self.client.id)])
        self.assertEqual(len(order), 1, "The tour must leave one order for the client.")
        self.assertIn(order.state, ("paid", "done"))
        self.assertEqual(order.lines.product_id.product_tmpl_id, self.print_product)
        self.assertEqual(
            float_compare(
                order.amount_total,
                self.print_product.list_price,
                precision_rounding=order.currency_id.rounding,
            ),
            0,
        )
