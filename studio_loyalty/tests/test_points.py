from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged

from .common import PosRewardsCase
from .test_ledger import LedgerCase
from .test_referral import ReferralCommon

NOW = datetime(2026, 9, 1, 15, 0)
DAY = timedelta(hours=24)


class PointsCase(LedgerCase):
    """A points program: services 2 points per unit, retail 1, packages 3; per action 100/50/40/30."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Points = cls.env["studio.loyalty.points"]
        cls.program = cls.env["studio.loyalty.points.program"]._for_company(cls.env.company)
        cls.program.write({"enabled": True, "start_date": date(2026, 1, 1)})
        rates = {
            "service": 2,
            "retail": 1,
            "package": 3,
            "referral": 100,
            "online": 50,
            "prebooked": 40,
            "reservation": 30,
        }
        for rule in cls.program.rule_ids:
            rule.write({"is_active": True, "points": rates[rule.action]})
        cls.haircut = cls.env["product.product"].create({"name": "Haircut", "type": "service", "list_price": 100.0})
        cls.shampoo = cls.env["product.product"].create({"name": "Shampoo", "type": "consu", "list_price": 20.0})
        cls.package = cls.env["product.product"].create(
            {"name": "Five Haircuts", "type": "service", "list_price": 400.0, "studio_points_class": "package"}
        )

    def _sale(self, partner, lines, post=True, invoice_date=None):
        """An invoice of ``(product, price, discount %)`` lines plus 15% tax."""
        return self._create_invoice(
            partner_id=partner.id,
            invoice_date=invoice_date or fields.Date.today(),
            invoice_line_ids=[
                Command.create(
                    {
                        "product_id": product.id,
                        "price_unit": price,
                        "discount": discount,
                        "tax_ids": [Command.set(self.tax15.ids)],
                    }
                )
                for product, price, discount in lines
            ],
            post=post,
        )

    def _balance(self, client=None):
        client = client or self.client
        return self.Points._balances(client, self.env.company).get(client.id) or self.Points._empty_balance()

    def assertPoints(self, pending, redeemable, client=None, lifetime=None):
        balance = self._balance(client)
        self.assertEqual((balance["pending"], balance["redeemable"]), (pending, redeemable))
        if lifetime is not None:
            self.assertEqual(balance["lifetime"], lifetime)

    def _mature_all(self, after=DAY):
        return self.Points._mature(now=fields.Datetime.now() + after)

    def _earn_redeemable(self, untaxed):
        """A paid service invoice of ``untaxed`` (2 points per unit), its points made redeemable."""
        invoice = self._sale(self.client, [(self.haircut, untaxed, 0.0)])
        self._register_payment(invoice)
        self._mature_all()
        return invoice

    def _spend(self, invoice, amount):
        wizard = self.env["studio.loyalty.redeem"].create({"move_id": invoice.id, "points_amount": amount})
        return wizard.action_redeem()


@tagged("post_install", "-at_install")
class TestPointsEarning(PointsCase):
    def test_per_unit_by_class_after_discounts_when_paid(self):
        """Untaxed amount after discounts, per line by the product's class, once the invoice is paid."""
        invoice = self._sale(self.client, [(self.haircut, 100.0, 10.0), (self.shampoo, 50.0, 0.0)])
        self.assertPoints(0, 0)  # posted, not paid: nothing yet
        self._register_payment(invoice)
        self.assertPoints(180 + 50, 0, lifetime=230)
        lines = self.env["studio.loyalty.move"].search([("is_points", "=", True), ("partner_id", "=", self.client.id)])
        self.assertEqual(
            sorted((line.source_key, line.pending_points, line.points_base) for line in lines),
            [(f"move:{invoice.id}:retail", 50, 50.0), (f"move:{invoice.id}:service", 180, 90.0)],
        )
        # Booked expense → liability at 0.01 a point: 2.30.
        self.assertAmount(sum(lines.mapped("amount")), 2.30)
        self.assertTrue(all(lines.entry_id.mapped(lambda entry: entry.state == "posted")))
        self.assertBooksTie(self.today)

    def test_package_earns_on_its_sale_not_on_services_used(self):
        """A package earns 3 per unit on its sale; a haircut used from it is sold at no charge and earns nothing."""
        self.assertEqual(self.package.studio_points_class, "package")
        self._register_payment(self._sale(self.client, [(self.package, 400.0, 0.0)]))
        self.assertPoints(1200, 0)
        used = self._sale(self.client, [(self.haircut, 100.0, 100.0), (self.shampoo, 10.0, 0.0)])
        self._register_payment(used)
        self.assertPoints(1200 + 10, 0)

    def test_product_class_defaults(self):
        self.assertEqual(self.haircut.studio_points_class, "service")
        self.assertEqual(self.shampoo.studio_points_class, "retail")
        category = self.env["product.category"].create({"name": "Memberships", "studio_points_class": "package"})
        child = self.env["product.category"].create({"name": "Gold", "parent_id": category.id})
        member = self.env["product.product"].create(
            {"name": "Gold Membership", "type": "service", "categ_id": child.id}
        )
        self.assertEqual(member.studio_points_class, "package")

    def test_pending_period_boundary(self):
        """Redeemable exactly 24 hours after earning, not at 23 h 59."""
        with freeze_time(NOW):
            self._register_payment(self._sale(self.client, [(self.haircut, 100.0, 0.0)]))
            earned_at = fields.Datetime.now()
        self.assertPoints(200, 0)
        self.assertFalse(self.Points._mature(now=earned_at + timedelta(hours=23, minutes=59)))
        self.assertPoints(200, 0)
        matured = self.Points._mature(now=earned_at + DAY)
        self.assertEqual(matured.mapped("kind"), ["mature"])
        self.assertPoints(0, 200, lifetime=200)
        self.assertFalse(self.Points._mature(now=earned_at + 2 * DAY), "made redeemable once")

    def test_replayed_events_earn_once(self):
        invoice = self._sale(self.client, [(self.haircut, 100.0, 0.0)])
        self._register_payment(invoice)
        for _replay in range(3):
            invoice._invoice_paid_hook()
            self.Points._earn(self.env.company, self.client)
        self.assertPoints(200, 0, lifetime=200)
        self.assertEqual(
            self.env["studio.loyalty.move"].search_count([("source_key", "like", f"move:{invoice.id}:")]), 1
        )

    def test_billing_user_without_loyalty_group_pays_and_the_client_earns(self):
        """Paying an invoice as an invoicing user with no loyalty group: no access error, the points are earned."""
        billing = new_test_user(
            self.env,
            "sl_points_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.env.company.id,
        )
        invoice = self._sale(self.client, [(self.haircut, 50.0, 0.0)]).with_user(billing)
        invoice.invalidate_recordset()
        self._register_payment(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertPoints(100, 0)

    def test_earning_off_earns_nothing_new(self):
        self.program.enabled = False
        self._register_payment(self._sale(self.client, [(self.haircut, 100.0, 0.0)]))
        self.assertPoints(0, 0)

    def test_sales_before_the_start_date_earn_nothing(self):
        self.program.start_date = fields.Date.today() + timedelta(days=1)
        self._register_payment(self._sale(self.client, [(self.haircut, 100.0, 0.0)]))
        self.assertPoints(0, 0)

    def test_per_action_sessions_and_reservation(self):
        """Online and prebooked sessions earn once completed and paid on their day; a reservation once paid later."""
        Event = self.env["calendar.event"]
        booked, completed = (
            self.env.ref("studio_loyalty.studio_session_status_booked"),
            self.env.ref("studio_loyalty.studio_session_status_completed"),
        )
        today = fields.Datetime.now().replace(hour=15, minute=0, second=0, microsecond=0)
        online = Event.create(
            {
                "name": "Online booking",
                "studio_client_id": self.client.id,
                "studio_session_status_id": booked.id,
                "studio_booking_channel": "online",
                "start": today,
                "stop": today + timedelta(hours=1),
            }
        )
        # Booked today, while the client is at the online session, for next week: prebooked.
        prebooked = Event.create(
            {
                "name": "Next visit",
                "studio_client_id": self.client.id,
                "studio_session_status_id": booked.id,
                "start": today + timedelta(days=7),
                "stop": today + timedelta(days=7, hours=1),
            }
        )
        online.studio_session_status_id = completed
        self.assertPoints(0, 0)  # completed, not paid yet
        self._register_payment(self._sale(self.client, [(self.haircut, 10.0, 0.0)]))
        self.assertPoints(50 + 20, 0)
        with freeze_time(today + timedelta(days=7)):
            prebooked.studio_session_status_id = completed
            self.assertPoints(50 + 20, 0)  # completed, nothing paid that day
            self._register_payment(self._sale(self.client, [(self.shampoo, 5.0, 0.0)]))
            self.assertPoints(50 + 20 + 40 + 5, 0)
            keys = self.env["studio.loyalty.move"].search([("session_id", "!=", False)]).mapped("source_key")
            self.assertEqual(sorted(keys), sorted([f"session:{online.id}:online", f"session:{prebooked.id}:prebooked"]))
        # A reservation: invoiced on day 1, paid in full on a later day.
        reservation = self._sale(self.client, [(self.shampoo, 30.0, 0.0)], invoice_date=self.today - timedelta(days=3))
        self._register_payment(reservation, payment_date=self.today)
        self.assertEqual(
            self.env["studio.loyalty.move"]
            .search([("source_key", "=", f"reservation:move:{reservation.id}")])
            .mapped("pending_points"),
            [30],
        )

    def test_settings_refuse_bad_input(self):
        with self.assertRaises(ValidationError):
            self.program.point_value = -0.01
        with self.assertRaises(ValidationError):
            self.program.point_value = 0.015  # not a whole number of cents
        with self.assertRaises(ValidationError):
            self.program.min_redemption = -1
        with self.assertRaises(ValidationError):
            self.program.rule_ids[:1].points = -5
        self.program.invalidate_recordset()
        self.assertAmount(self.program.point_value, 0.01)
        self.assertEqual(self.program.min_redemption, 5)


@tagged("post_install", "-at_install")
class TestPointsSpending(PointsCase):
    def test_spend_on_invoice_at_least_the_minimum(self):
        self._earn_redeemable(500.0)  # 1000 points, 10.00
        invoice = self._invoice(self.client, 100.0)  # 115.00
        with self.assertRaisesRegex(UserError, "At least"):
            self._spend(invoice, 4.0)
        self._spend(invoice, 6.0)
        self.assertPoints(0, 400)
        self.assertAmount(invoice.amount_residual, 109.0)
        reward = invoice.studio_reward_ids
        self.assertEqual((reward.origin, reward.points, reward.state), ("points", 600, "redeemed"))
        with self.assertRaisesRegex(UserError, "400 redeemable points"):
            self._spend(invoice, 5.0)
        self.assertPoints(0, 400)
        self.assertBooksTie(self.today)

    def test_amount_must_be_whole_points(self):
        self._earn_redeemable(500.0)
        self.program.point_value = 0.05
        invoice = self._invoice(self.client, 100.0)
        with self.assertRaisesRegex(UserError, "whole number of points"):
            self._spend(invoice, 5.01)
        self._spend(invoice, 5.05)
        self.assertPoints(0, 1000 - 101)

    def test_pause_and_pending(self):
        invoice = self._sale(self.client, [(self.haircut, 500.0, 0.0)])
        self._register_payment(invoice)
        target = self._invoice(self.client, 100.0)
        with self.assertRaisesRegex(UserError, "pending until"):
            self._spend(target, 5.0)
        self._mature_all()
        self.program.min_redemption = 0
        with self.assertRaisesRegex(UserError, "paused"):
            self._spend(target, 5.0)
        reason = self.env["studio.loyalty.redemption"]._points_reason(self.program, self._balance())
        self.assertIn("paused", reason)
        self.assertPoints(0, 1000)

    def test_ticket_total_must_be_more_than_redeemed(self):
        self._earn_redeemable(1000.0)  # 2000 points, 20.00
        invoice = self._invoice(self.client, 10.0)  # 11.50
        with self.assertRaisesRegex(UserError, "must be more than what is redeemed"):
            self._spend(invoice, 11.5)
        self._spend(invoice, 11.49)
        self.assertAmount(invoice.amount_residual, 0.01)
        self.assertPoints(0, 2000 - 1149)

    def test_given_back_as_points(self):
        """Resetting the invoice gives the points back, not a dollar reward."""
        self._earn_redeemable(500.0)
        invoice = self._invoice(self.client, 100.0)
        self._spend(invoice, 8.0)
        self.assertPoints(0, 200)
        reward = invoice.studio_reward_ids
        invoice.button_draft()
        self.assertPoints(0, 1000)
        self.assertEqual(reward.state, "cancelled")
        self.assertAmount(reward.balance, 0.0)
        self.assertBooksTie(self.today)

    def test_clawback_by_credit_note_after_points_were_spent(self):
        """A credit note takes back what its part earned; spent already, the balance goes negative and blocks."""
        sale = self._earn_redeemable(100.0)  # 200 points
        self._earn_redeemable(250.0)  # 500 more
        self._spend(self._invoice(self.client, 100.0), 7.0)  # 700 points spent
        self.assertPoints(0, 0)
        credit_note = self._create_invoice(
            move_type="out_refund",
            partner_id=self.client.id,
            reversed_entry_id=sale.id,
            invoice_line_ids=[
                Command.create(
                    {"product_id": self.haircut.id, "price_unit": 40.0, "tax_ids": [Command.set(self.tax15.ids)]}
                )
            ],
            post=True,
        )
        self._register_payment(credit_note)  # 46.00 paid back to the client
        clawback = self.env["studio.loyalty.move"].search([("kind", "=", "clawback")])
        self.assertEqual((clawback.points, clawback.pending_points), (-80, 0))
        self.assertTrue(clawback.note)
        self.assertPoints(0, -80)
        self.assertIn("negative", self.env["studio.loyalty.redemption"]._points_reason(self.program, self._balance()))
        with self.assertRaisesRegex(UserError, "redeemable points"):
            self._spend(self._invoice(self.client, 100.0), 5.0)
        self.assertBooksTie(self.today)

    def test_clawback_while_pending_takes_pending(self):
        invoice = self._sale(self.client, [(self.haircut, 100.0, 0.0)])
        self._register_payment(invoice)
        invoice.button_draft()  # no longer a paid sale
        self.assertPoints(0, 0, lifetime=0)

    def test_merge_adds_balances_and_earns_nothing_twice(self):
        twin = self.env["res.partner"].create({"name": "Ada P."})
        self._earn_redeemable(100.0)  # 200 redeemable
        self._register_payment(self._sale(twin, [(self.shampoo, 30.0, 0.0)]))  # 30 pending
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.client | twin).ids, self.client, extra_checks=False
        )
        self.assertPoints(30, 200, lifetime=230)
        self.assertFalse(self.Points._earn(self.env.company, self.client))
        self.assertPoints(30, 200, lifetime=230)
        self.assertBooksTie(self.today)

    def test_point_value_change_revalues_on_the_ledger(self):
        self._earn_redeemable(100.0)  # 200 points, 2.00
        self.program.point_value = 0.02
        figures = self._outstanding(self.today)
        self.assertEqual(figures["points"], 200)
        self.assertAmount(figures["points_value"], 4.0)
        self.assertBooksTie(self.today)

    def test_outstanding_ties_with_points_and_rewards(self):
        self._reward(self.client, 25.0)
        self._earn_redeemable(300.0)  # 600 points
        self._register_payment(self._sale(self.other_client, [(self.shampoo, 80.0, 0.0)]))  # 80 pending
        figures = self._outstanding(self.today)
        self.assertAmount(figures["rewards_total"], 25.0)
        self.assertEqual(figures["points"], 680)
        self.assertAmount(figures["points_value"], 6.80)
        self.assertAmount(figures["total"], 31.80)
        self.assertBooksTie(self.today)
        report = self.env["studio.loyalty.report"].create({"report_type": "outstanding", "as_of": self.today})
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "studio_loyalty.studio_loyalty_report_document", report.ids
        )
        self.assertIn("680", html.decode())
        self.assertIn("points", html.decode())


@tagged("post_install", "-at_install")
class TestPointsPos(PointsCase, PosRewardsCase):
    def test_pos_sale_earns_and_refund_claws_back(self):
        order = self._pos_sale(self.client)  # one print, 100.00 untaxed, retail 1 per unit
        self.assertEqual(self.print_product.studio_points_class, "retail")
        self.assertPoints(100, 0)
        self._pos_sale(self.client, quantity=-1.0, refund_of=order)
        self.assertPoints(0, 0, lifetime=0)
        self.assertBooksTie(self.today)


@tagged("post_install", "-at_install")
class TestPointsReferral(ReferralCommon):
    """A qualifying referral earns the referring client the Client Referral points, once per referral."""

    def test_referral_points_once_per_referral(self):
        program = self.env["studio.loyalty.points.program"]._for_company(self.env.company)
        program.enabled = True
        program.rule_ids.filtered(lambda rule: rule.action == "referral").write({"is_active": True, "points": 100})
        self._program(
            require_session_status=True,
            session_status_id=self.completed.id,
            per_session=True,
            limit_sessions=True,
            session_limit=2,
        )
        cleo = self._refer()
        sessions = [self._session(cleo) for _i in range(2)]
        Points = self.env["studio.loyalty.points"]
        self.assertFalse(Points._balances(self.referrer, self.env.company))
        for session in sessions:
            session.studio_session_status_id = self.completed
        self.assertEqual(len(self._rewards()), 2)  # two grants, one per session
        balance = Points._balances(self.referrer, self.env.company)[self.referrer.id]
        self.assertEqual((balance["pending"], balance["lifetime"]), (100, 100))
        line = self.env["studio.loyalty.move"].search([("kind", "=", "earn"), ("partner_id", "=", self.referrer.id)])
        self.assertEqual(line.referral_id, self._referral(cleo))
