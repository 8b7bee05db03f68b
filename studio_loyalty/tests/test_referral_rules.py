from datetime import time, timedelta

from lxml import etree

from odoo import fields
from odoo.tests import freeze_time, tagged
from odoo.tools import format_date

from .test_referral import ReferralCommon


class ReferralRulesCommon(ReferralCommon):
    def _client_created_at(self, name, moment):
        """A client whose record was created at ``moment`` (UTC), not referred yet."""
        client = self.env["res.partner"].create({"name": name, "email": f"{name.split()[0].lower()}@example.com"})
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET create_date = %s WHERE id = %s", [moment, client.id])
        client.invalidate_recordset(["create_date"])
        return client

    def _refer_existing(self, client, referrer=None):
        client.studio_referred_by_id = referrer or self.referrer
        return self._referral(client)


@tagged("post_install", "-at_install")
class TestInitialOrder(ReferralRulesCommon):
    """The initial order is the referred client's first qualifying paid sale."""

    def setUp(self):
        super().setUp()
        self._program(require_order=True, require_order_minimum=True, order_minimum=100.0)

    def test_first_order_below_minimum_fails_for_good(self):
        """99.99 first, 120.00 next: the initial order missed the minimum, nothing is earned."""
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual((referral.state, referral.order_requirement), ("pending", "waiting"))
        self._paid_invoice(cleo, 99.99)
        self.assertEqual((referral.state, referral.order_requirement), ("expired", "failed"))
        self.assertIn(self.currency.format(99.99), referral.reason)
        self.assertIn(self.currency.format(100.0), referral.reason)
        self.assertIn(format_date(self.env, self.today), referral.reason)
        self._paid_invoice(cleo, 120.0)
        self.env["studio.referral"]._cron_evaluate()
        self.assertEqual((referral.state, referral.order_requirement), ("expired", "failed"))
        self.assertFalse(self._rewards())
        self.assertFalse(referral.grant_ids)

    def test_first_order_at_minimum_is_met(self):
        """100.00 untaxed exactly at a minimum of 100: met, the reward is earned."""
        cleo = self._refer()
        self._paid_invoice(cleo, 100.0)
        referral = self._referral(cleo)
        self.assertEqual((referral.state, referral.order_requirement), ("done", "met"))
        self.assertEqual(len(self._rewards()), 1)

    def test_order_paid_before_the_referral_is_the_first_order(self):
        """Referred By saved after the client's first purchase: that purchase is still their initial order."""
        low, high = self.env["res.partner"].create([{"name": "Low Lou"}, {"name": "High Hana"}])
        self._paid_invoice(low, 50.0)
        self._paid_invoice(high, 150.0)
        self.assertEqual(self._refer_existing(low).order_requirement, "failed")
        self.assertEqual(self._refer_existing(high).order_requirement, "met")
        self.assertEqual(len(self._rewards()), 1)

    def test_unpaid_invoice_is_no_order_yet(self):
        """Only a qualifying (paid) sale is an order: a first invoice left unpaid does not fail the referral."""
        cleo = self._refer()
        self._invoice(cleo, 20.0)
        self._paid_invoice(cleo, 110.0)
        self.assertEqual(self._referral(cleo).order_requirement, "met")


@tagged("post_install", "-at_install")
class TestCreatedWithinClock(ReferralRulesCommon):
    """ "Created within N days of the email": after the clock started, by the end of day N."""

    def setUp(self):
        super().setUp()
        self._program(require_created_within=True, created_within_days=30)
        self.clock = self.referrer.studio_referral_email_date

    def test_created_one_second_before_the_clock_is_not_in_time(self):
        client = self._client_created_at("Early Eve", self.clock - timedelta(seconds=1))
        referral = self._refer_existing(client)
        self.assertEqual(referral.clock_start, self.clock)
        self.assertEqual((referral.state, referral.created_requirement), ("expired", "failed"))
        self.assertIn("before the clock started", referral.reason)
        self.assertFalse(self._rewards())

    def test_created_at_the_clock_start_is_in_time(self):
        client = self._client_created_at("Prompt Pia", self.clock)
        self.assertEqual(self._refer_existing(client).created_requirement, "met")

    def test_created_a_day_or_a_year_before_the_clock_is_not_in_time(self):
        for days in (1, 400):
            client = self._client_created_at(f"Old{days} Client", self.clock - timedelta(days=days))
            with self.subTest(days=days):
                self.assertEqual(self._refer_existing(client).created_requirement, "failed")

    def test_day_n_in_time_day_n_plus_one_not(self):
        """Clock at noon on day 0: 23:59 on day 30 is in time, 00:01 on day 31 is not (company time)."""
        start = self.local_today - timedelta(days=40)
        self._set_clock(start)
        on_day_n = self._client_created_at("Day Thirty", self._utc(start + timedelta(days=30), time(23, 59)))
        day_after = self._client_created_at("Day Thirtyone", self._utc(start + timedelta(days=31), time(0, 1)))
        self.assertEqual(self._refer_existing(on_day_n).created_requirement, "met")
        late = self._refer_existing(day_after)
        self.assertEqual((late.state, late.created_requirement), ("expired", "failed"))
        self.assertIn(format_date(self.env, start + timedelta(days=30)), late.reason)


@tagged("post_install", "-at_install")
class TestClockStart(ReferralRulesCommon):
    """The clock starts at the program email, or, if none was sent, at the program's assignment."""

    def test_assigning_records_the_moment_and_restarts_the_clock(self):
        now = fields.Datetime.now()
        self.assertGreaterEqual(self.referrer.studio_referral_assign_date, now - timedelta(minutes=10))
        created = self.env["res.partner"].create(
            {"name": "New Referrer", "studio_referral_program_id": self.program.id}
        )
        self.assertGreaterEqual(created.studio_referral_assign_date, now)
        self.referrer.studio_referral_assign_date = now - timedelta(days=9)
        self.referrer.studio_referral_program_id = self.program
        self.assertGreaterEqual(self.referrer.studio_referral_assign_date, now)
        self.assertFalse(self.referrer.studio_referral_email_date, "the next email starts the clock again")
        self.referrer.studio_referral_program_id = False
        self.assertFalse(self.referrer.studio_referral_assign_date)

    def test_without_email_the_clock_starts_at_the_assignment(self):
        """Not at the referral: a client referred 40 days after the assignment is late for 30 days."""
        self._program(require_created_within=True, created_within_days=30)
        self.other_client.studio_referral_program_id = self.program
        assigned = fields.Datetime.now() - timedelta(days=40)
        self.other_client.studio_referral_assign_date = assigned
        late = self._referral(self._refer(referrer=self.other_client))
        self.assertEqual(late.clock_start, assigned)
        self.assertNotEqual(late.clock_start, late.referral_date)
        self.assertEqual((late.state, late.created_requirement), ("expired", "failed"))
        self.other_client.studio_referral_assign_date = fields.Datetime.now() - timedelta(days=10)
        in_time = self._referral(self._refer("Dina Family", referrer=self.other_client))
        self.assertEqual((in_time.state, in_time.created_requirement), ("done", "met"))

    def test_email_sent_starts_the_clock(self):
        self.referrer.studio_referral_assign_date = fields.Datetime.now() - timedelta(days=90)
        referral = self._referral(self._refer())
        self.assertEqual(referral.clock_start, self.referrer.studio_referral_email_date)

    def test_referral_before_any_program_starts_at_its_assignment(self):
        cleo = self._refer(referrer=self.other_client)
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "no_program")
        self.assertFalse(referral.clock_start)
        self.other_client.studio_referral_program_id = self.program
        self.assertEqual(referral.clock_start, self.other_client.studio_referral_assign_date)


@tagged("post_install", "-at_install")
class TestReferralStatusWords(ReferralRulesCommon):
    def test_success_is_earned(self):
        """One word for success, the seed's: a referral is Earned; nothing says Completed."""
        Referral = self.env["studio.referral"]
        labels = dict(Referral._fields["state"]._description_selection(self.env))
        self.assertEqual(labels["done"], "Earned")
        self.assertEqual(labels["pending"], "Waiting")
        for field in ("state", "created_requirement", "session_requirement", "order_requirement"):
            words = dict(Referral._fields[field]._description_selection(self.env)).values()
            self.assertNotIn("Completed", " ".join(words), field)
        arch = Referral.get_view(self.env.ref("studio_loyalty.studio_referral_view_search").id, "search")["arch"]
        filters = {node.get("name"): node.get("string") for node in etree.fromstring(arch).iter("filter")}
        self.assertEqual(filters["earned"], "Earned")

    def test_clock_ran_out_leaves_nothing_waiting(self):
        """Created too late: the session and the order are not left Waiting, they failed with it."""
        self._program(require_created_within=True, created_within_days=30, require_session=True, require_order=True)
        self._set_clock(self.local_today - timedelta(days=40))
        referral = self._referral(self._refer())
        self.assertEqual(referral.state, "expired")
        self.assertEqual(
            (referral.created_requirement, referral.session_requirement, referral.order_requirement),
            ("failed", "failed", "failed"),
        )

    def test_session_clock_running_out_fails_the_waiting_order(self):
        self._program(require_session_within=True, require_session=True, session_within_days=10, require_order=True)
        self._set_clock(self.local_today - timedelta(days=10))
        referral = self._referral(self._refer())
        self.assertEqual((referral.session_requirement, referral.order_requirement), ("waiting", "waiting"))
        with freeze_time(fields.Datetime.now() + timedelta(days=1)):
            self.env["studio.referral"]._cron_evaluate()
        self.assertEqual(referral.state, "expired")
        self.assertEqual((referral.session_requirement, referral.order_requirement), ("failed", "failed"))

    def test_dates_in_status_follow_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self._program(require_session_within=True, require_session=True, session_within_days=10)
        start = self.local_today - timedelta(days=30)
        self._set_clock(start)
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        cleo = (
            self.env["res.partner"]
            .with_env(french)
            .create({"name": "Cleo Newborn", "studio_referred_by_id": self.referrer.id})
        )
        reason = self._referral(cleo).reason
        self.assertIn(format_date(french, start + timedelta(days=10)), reason)


@tagged("post_install", "-at_install")
class TestCheckNow(ReferralRulesCommon):
    def test_check_now_says_nothing_changed(self):
        self._program(require_session=True)
        referral = self._referral(self._refer())
        action = referral.action_evaluate()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["title"], "Nothing changed")
        self.assertIn("Waiting", action["params"]["message"])
        self.assertIn("a session", action["params"]["message"])

    def test_check_now_names_what_changed(self):
        self._program(require_session_within=True, require_session=True, session_within_days=10)
        self._set_clock(self.local_today - timedelta(days=10))
        referral = self._referral(self._refer())
        with freeze_time(fields.Datetime.now() + timedelta(days=1)):
            action = referral.action_evaluate()
        self.assertEqual(referral.state, "expired")
        params = action["params"]
        self.assertEqual(params["title"], "Referral checked")
        self.assertIn("Waiting → Requirement Failed", params["message"])
        self.assertIn("Session: Waiting → Failed", params["message"])
        self.assertEqual(params["next"]["tag"], "soft_reload")

    def test_check_now_counts_new_grants(self):
        """A session booked while evaluation was not triggered: Check Now grants it and says so."""
        self._program(require_session=True)
        cleo = self._refer()
        referral = self._referral(cleo)
        # A session moved to Cleo outside the ORM (by an import, say): no event evaluated her referral.
        session = self._session(self.other_client)
        self.env.flush_all()
        self.env.cr.execute("UPDATE calendar_event SET studio_client_id = %s WHERE id = %s", [cleo.id, session.id])
        self.env.invalidate_all()
        self.assertEqual(referral.state, "pending")
        action = referral.action_evaluate()
        self.assertEqual(referral.state, "done")
        self.assertEqual(len(self._rewards()), 1)
        self.assertIn("Waiting → Earned", action["params"]["message"])
        self.assertIn("1 new grant", action["params"]["message"])
