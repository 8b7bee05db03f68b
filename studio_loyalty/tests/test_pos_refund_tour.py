from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosRefundTour(TestPointOfSaleHttpCommon):
    """Exchange tickets and refunds of invoiced orders paid with rewards, in headless Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create({"name": "Ada Portrait"})
        cls.env["product.template"].create(
            [
                {"name": "Portrait Print", "available_in_pos": True, "list_price": 100.0, "taxes_id": False},
                {"name": "Photo Frame", "available_in_pos": True, "list_price": 150.0, "taxes_id": False},
            ]
        )
        cls.twenty, cls.thirty = (
            cls.env["studio.loyalty.reward"]
            .sudo()
            .create([{"partner_id": cls.client.id, "amount": amount} for amount in (20.0, 30.0, 25.0, 500.0)])[:2]
        )

    def _orders(self):
        return self.env["pos.order"].search([("partner_id", "=", self.client.id)], order="id")

    def _amounts(self, order):
        """``(loyalty, other)``: what the order's Loyalty Rewards lines and its other lines paid, each summed."""
        payments = order.payment_ids.filtered(lambda p: not p.is_change)
        loyalty = payments.filtered(lambda p: p.payment_method_id.is_studio_loyalty)
        return (
            order.currency_id.round(sum(loyalty.mapped("amount"))),
            order.currency_id.round(sum((payments - loyalty).mapped("amount"))),
        )

    def test_exchange_ticket(self):
        """A print paid with a reward exchanged for a frame: its share comes back, another reward pays the frame."""
        self.start_pos_tour("studio_loyalty_pos_exchange_tour")
        sale, exchange = self._orders()
        self.assertEqual(exchange.refunded_order_id, sale)
        self.assertEqual(exchange.state, "paid")
        self.assertEqual(exchange.currency_id.compare_amounts(exchange.amount_total, 50.0), 0)
        self.assertEqual(exchange.currency_id.compare_amounts(exchange._studio_refunded_total(), 100.0), 0)
        self.assertEqual((self.twenty.state, self.twenty.refund_pos_order_id), ("available", exchange))
        self.assertEqual((self.thirty.state, self.thirty.pos_order_id), ("redeemed", exchange))
        self.assertEqual(self._amounts(exchange), (10.0, 40.0))
        self.assertEqual(
            sorted(exchange.payment_ids.filtered(lambda p: p.payment_method_id.is_studio_loyalty).mapped("amount")),
            [-20.0, 30.0],
        )

    def test_invoiced_order_refund(self):
        """An invoiced ticket paid with a reward, refunded at the till: a credit note, 80.00 cash, the reward back."""
        self.start_pos_tour("studio_loyalty_pos_invoiced_refund_tour")
        sale, refund = self._orders()
        invoice, credit_note = sale.account_move, refund.account_move
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual((credit_note.move_type, credit_note.reversed_entry_id), ("out_refund", invoice))
        self.assertTrue(credit_note.currency_id.is_zero(credit_note.amount_residual))
        self.assertEqual((self.twenty.state, self.twenty.refund_pos_order_id), ("available", refund))
        self.assertEqual(self._amounts(refund), (-20.0, -80.0))
        company = self.main_pos_config.company_id
        liability = company._studio_loyalty_accounts()[0]
        entries = self.env["account.move"].search(
            [("studio_loyalty_entry", "=", True), ("partner_id", "=", self.client.id)]
        )
        self.assertIn(self.twenty.return_move_id, entries)
        booked = entries.line_ids.filtered(lambda line: line.account_id == liability)
        self.assertEqual(sorted(booked.mapped("balance")), [-20.0, 20.0])
        receivable = self.client.property_account_receivable_id
        client_lines = self.env["account.move.line"].search(
            [("account_id", "=", receivable.id), ("partner_id", "=", self.client.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(company.currency_id.round(sum(client_lines.mapped("balance"))), 0.0)
        self.assertTrue(all(line.reconciled for line in client_lines))
