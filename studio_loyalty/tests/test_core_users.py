from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import StudioLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestCoreUsers(StudioLoyaltyPosCommon):
    """People who never touch loyalty keep every flow they had, with their real groups and no sudo.

    The test database has purchase, sale and hr_expense installed beside the
    addon (scripts/test), as a studio's working database would.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def user(login, groups):
            return new_test_user(cls.env, login, groups=groups, company_id=cls.env.company.id)

        cls.auditor = user("sl_auditor", "base.group_user,account.group_account_readonly")
        cls.billing = user("sl_billing_only", "base.group_user,account.group_account_invoice")
        cls.purchaser = user("sl_purchaser", "base.group_user,purchase.group_purchase_user")
        cls.salesman = user("sl_salesman", "base.group_user,sales_team.group_sale_salesman")
        cls.approver = user("sl_approver", "base.group_user,hr_expense.group_hr_expense_team_approver")
        cls.cashier = user("sl_cashier", "base.group_user,point_of_sale.group_pos_user")
        cls.invoicing_cashier = user(
            "sl_invoicing_cashier", "base.group_user,point_of_sale.group_pos_user,account.group_account_invoice"
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Lens Supplier"})

    def setUp(self):
        super().setUp()
        # A customer invoice partly paid with a reward: the records users trip over.
        self.invoice = self._invoice(self.client, 100.0)
        self.invoice.invoice_user_id = self.salesman
        self.reward = self._reward(self.client, 30.0)
        self._redeem(self.invoice, self.reward)
        self.bill = self._create_invoice(
            move_type="in_invoice",
            partner_id=self.vendor.id,
            invoice_line_ids=[Command.create({"name": "Lenses", "price_unit": 400.0})],
            post=True,
        )

    def test_auditor_opens_invoices_and_bills(self):
        """A read-only accountant opens customer invoices paid with rewards, vendor bills and clients."""
        values = self._open(self.auditor, self.invoice)
        self.assertEqual(values["amount_residual"], 85.0)
        self.assertEqual(values["studio_reward_amount"], 30.0)
        self._open(self.auditor, self.bill)
        self._open(self.auditor, self.invoice, "list")
        self._open(self.auditor, self.client)

    def test_billing_user_resets_and_cancels_vendor_bill(self):
        """A billing user without a loyalty group opens, resets and cancels a vendor bill."""
        bill = self.bill.with_user(self.billing)
        self._open(self.billing, self.bill)
        bill.button_draft()
        self.assertEqual(self.bill.state, "draft")
        bill.action_post()
        bill.button_cancel()
        self.assertEqual(self.bill.state, "cancel")

    def test_purchase_user_resets_vendor_bill(self):
        """A purchase user (purchase's accounting rights) opens and resets a posted vendor bill."""
        self._open(self.purchaser, self.bill)
        self.bill.with_user(self.purchaser).button_draft()
        self.assertEqual(self.bill.state, "draft")
        self.assertNotIn("studio_reward_ids", self.env["account.move"].with_user(self.purchaser).fields_get())

    def test_billing_user_resetting_invoice_gives_reward_back(self):
        """A billing user without a loyalty group resets and cancels an invoice paid with a reward."""
        self.invoice.with_user(self.billing).button_draft()
        self.assertEqual(self.invoice.state, "draft")
        self.assertEqual(self.reward.state, "available")
        self.invoice.with_user(self.billing).button_cancel()
        self.assertEqual(self.invoice.state, "cancel")

    def test_salesman_and_expense_approver_open_invoices(self):
        """Salespeople and expense approvers open the invoices and bills they can read, and clients."""
        self._open(self.salesman, self.invoice)
        self._open(self.salesman, self.client)
        # Approvers read the moves of expenses: make the bill one.
        employee = self.env["hr.employee"].sudo().create({"name": "Studio Assistant"})
        self.env["hr.expense"].sudo().create(
            {
                "name": "Lenses",
                "employee_id": employee.id,
                "total_amount_currency": 400.0,
                "account_move_id": self.bill.id,
            }
        )
        self._open(self.approver, self.bill)
        self._open(self.approver, self.bill, "list")

    def test_cashier_opens_pos_orders_and_invoices(self):
        """A cashier opens POS orders; one who also invoices opens the invoices and the client's rewards."""
        order = self._pos_sale(self.client)
        self._open(self.cashier, order)
        self._open(self.cashier, order, "list")
        self._open(self.invoicing_cashier, order)
        partner = self._open(self.invoicing_cashier, self.client)
        self.assertEqual(partner["studio_reward_redeemed_amount"], 30.0)
        values = self._open(self.invoicing_cashier, self.invoice)
        self.assertEqual(values["studio_redeemable_count"], 0)

    def test_salesman_creates_and_edits_clients_and_meetings(self):
        """A salesperson without a loyalty group creates and edits a customer and books a meeting, as before."""
        salesman = new_test_user(
            self.env,
            "sl_contact_salesman",
            groups="base.group_user,sales_team.group_sale_salesman,base.group_partner_manager",
            company_id=self.env.company.id,
        )
        Partner = self.env["res.partner"].with_user(salesman)
        customer = Partner.create({"name": "Walk-in Customer", "email": "walkin@example.com"})
        customer.write({"phone": "+1 555 0100", "name": "Walk-in Customer Ltd"})
        values = self._open(salesman, customer)
        self.assertNotIn("studio_referred_by_id", values)
        self.assertEqual(values["name"], "Walk-in Customer Ltd")
        meeting = (
            self.env["calendar.event"]
            .with_user(salesman)
            .create(
                {
                    "name": "Quote review",
                    "start": "2026-12-01 10:00:00",
                    "stop": "2026-12-01 11:00:00",
                    "partner_ids": [Command.link(customer.id)],
                }
            )
        )
        meeting.write({"name": "Quote review (moved)", "start": "2026-12-02 10:00:00", "stop": "2026-12-02 11:00:00"})
        weekly = (
            self.env["calendar.event"]
            .with_user(salesman)
            .create(
                {
                    "name": "Weekly pipeline review",
                    "start": "2026-12-03 09:00:00",
                    "stop": "2026-12-03 09:30:00",
                    "recurrency": True,
                    "rrule_type": "weekly",
                    "thu": True,
                    "count": 3,
                    "end_type": "count",
                }
            )
        )
        self.assertEqual(len(weekly.recurrence_id.calendar_event_ids), 3)
        self._open(salesman, meeting)
        self.assertFalse(self.env["studio.referral"].search([("referred_id", "=", customer.id)]))

    def test_billing_user_paying_referred_clients_invoice_grants_the_referral(self):
        """Registering a payment is a referral event; a billing user without a loyalty group does it as before."""
        program = self.env["studio.referral.program"].create(
            {"name": "First Order", "require_order": True, "give_reward": True, "reward_amount": 10.0}
        )
        self.client.studio_referral_program_id = program
        newcomer = self.env["res.partner"].create({"name": "Newcomer", "studio_referred_by_id": self.client.id})
        invoice = self._invoice(newcomer, 60.0)
        invoice.invoice_user_id = self.billing
        self._register_payment(invoice.with_user(self.billing))
        self.assertEqual(invoice.payment_state, "paid")
        referral = newcomer.studio_referred_referral_ids
        self.assertEqual(referral.state, "done")
        self.assertEqual(referral.grant_ids.reward_id.partner_id, self.client)
