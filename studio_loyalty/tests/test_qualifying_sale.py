from datetime import datetime, time, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .common import StudioLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestQualifyingSale(StudioLoyaltyPosCommon):
    """The one definition of a qualifying paid sale, read straight from ``studio.loyalty.sale``."""

    def _sales(self, clients=None, since=None):
        """The rows of the service for ``clients`` (default: the client): ``(partner, ref, date, amount)``."""
        clients = self.client if clients is None else clients
        self.env.flush_all()
        query = self.env["studio.loyalty.sale"]._query(
            self.env.company, SQL("SELECT unnest(%s::int[]) AS id", clients.ids), since=since
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, sale_ref, sale_date, amount FROM (%s) AS sale ORDER BY sale_ref, amount DESC", query
            )
        )
        return [(partner_id, ref, date, float(amount)) for partner_id, ref, date, amount in rows]

    def _paid_invoice(self, client, untaxed, invoice_date=None):
        """A posted invoice of ``untaxed`` plus tax, dated ``invoice_date`` (default today), paid in full."""
        invoice = self._invoice(client, untaxed, post=False)
        invoice.invoice_date = invoice_date or self.today
        invoice.action_post()
        self._register_payment(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        return invoice

    def test_paid_invoice_is_one_sale(self):
        """A paid invoice is one sale of its untaxed amount, on its invoice date."""
        invoice = self._paid_invoice(self.client, 100.0, self._days(-3))
        self.assertEqual(self._sales(), [(self.client.id, f"move:{invoice.id}", self._days(-3), 100.0)])

    def test_unpaid_invoice_is_no_sale(self):
        """An invoice not paid in full is no sale yet."""
        self._invoice(self.client, 100.0)
        partial = self._invoice(self.client, 200.0)
        self._register_payment(partial, amount=50.0)
        self.assertEqual(self._sales(), [])

    def test_partial_credit_note_belongs_to_its_invoice(self):
        """A partial credit note on a paid invoice is a negative row of the invoice's sale and date."""
        invoice = self._paid_invoice(self.client, 100.0, self._days(-10))
        credit_note = self._reverse_invoice(invoice, is_modify=False)
        credit_note.invoice_line_ids.price_unit = 40.0
        credit_note.action_post()
        self.assertEqual(credit_note.invoice_date, self.today)
        ref = f"move:{invoice.id}"
        self.assertEqual(
            self._sales(),
            [(self.client.id, ref, self._days(-10), 100.0), (self.client.id, ref, self._days(-10), -40.0)],
        )

    def test_contact_sales_are_the_clients(self):
        """A sale to a contact of the client is the client's (its commercial partner)."""
        contact = self.env["res.partner"].create({"name": "Ada's Assistant", "parent_id": self.client.id})
        invoice = self._paid_invoice(contact, 100.0)
        self.assertEqual(self._sales(), [(self.client.id, f"move:{invoice.id}", self.today, 100.0)])

    def test_paid_pos_order_is_one_sale(self):
        """A paid POS order is one sale of its untaxed amount, on its order date."""
        order = self._pos_sale(self.client, 2.0)
        self.assertEqual(self._sales(), [(self.client.id, f"pos:{order.id}", order.date_order.date(), 200.0)])

    def test_pos_refund_belongs_to_its_order(self):
        """A POS refund is a negative row of the order it refunds, on that order's date."""
        order = self._pos_sale(self.client, 2.0)
        order.date_order = datetime.combine(self._days(-10), time(12, 0))
        refund = self._pos_sale(self.client, -1.0, refund_of=order)
        self.assertEqual(refund.refunded_order_id, order)
        ref = f"pos:{order.id}"
        self.assertEqual(
            self._sales(),
            [(self.client.id, ref, self._days(-10), 200.0), (self.client.id, ref, self._days(-10), -100.0)],
        )

    def test_pos_order_dated_in_company_time_zone(self):
        """A POS order's date is its day in the company's time zone, not the user's."""
        self.env.user.tz = "Asia/Tokyo"
        order = self._pos_sale(self.client, 1.0)
        order.date_order = datetime.combine(self.today, time(1, 30))  # the evening before in New York
        self.env.company.partner_id.tz = False
        self.assertEqual(self._sales()[0][2], self.today, "a company without a time zone counts in UTC")
        self.env.company.partner_id.tz = "America/New_York"
        self.assertEqual(self._sales()[0][2], self.today - timedelta(days=1))

    def test_invoiced_pos_order_counts_once(self):
        """A POS order that was invoiced is one sale, through the order."""
        order = self._pos_sale(self.client, 1.0, invoiced=True)
        self.assertTrue(order.account_move)
        self.assertEqual(self._sales(), [(self.client.id, f"pos:{order.id}", order.date_order.date(), 100.0)])

    def test_since_leaves_older_sales_out(self):
        """Sales dated before ``since`` are left out, with the refunds of them made later."""
        old_invoice = self._paid_invoice(self.client, 300.0, self._days(-10))
        credit_note = self._reverse_invoice(old_invoice, is_modify=False)
        credit_note.invoice_line_ids.price_unit = 80.0
        credit_note.action_post()
        old_order = self._pos_sale(self.client, 1.0)
        old_order.date_order = datetime.combine(self._days(-10), time(12, 0))
        self._pos_sale(self.client, -1.0, refund_of=old_order)
        invoice = self._paid_invoice(self.client, 100.0)
        self.assertEqual(len(self._sales()), 5)
        self.assertEqual(self._sales(since=self._days(-5)), [(self.client.id, f"move:{invoice.id}", self.today, 100.0)])

    def test_client_outside_clients_has_no_sales(self):
        """Only the clients asked for have rows, whatever their status."""
        invoice = self._paid_invoice(self.other_client, 100.0)
        order = self._pos_sale(self.other_client, 1.0)
        self.assertEqual(self._sales(), [])
        self.assertEqual(
            [row[:2] for row in self._sales(self.other_client)],
            [(self.other_client.id, f"move:{invoice.id}"), (self.other_client.id, f"pos:{order.id}")],
        )
