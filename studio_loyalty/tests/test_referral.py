from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytz
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import float_compare, html2plaintext, mute_logger

from odoo.addons.studio_loyalty.models.studio_loyalty_guard import transition

from .common import StudioLoyaltyCommon, StudioLoyaltyPosCommon

TZ = "America/New_York"


class ReferralCommon(StudioLoyaltyCommon):
    """A referral program, a referring client who received its email, and helpers.

    The company works in New York time, so a day boundary in the company's
    time zone is not one in UTC.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = TZ
        cls.env.company.email = "studio@example.com"
        cls.booked = cls.env.ref("studio_loyalty.studio_session_status_booked")
        cls.confirmed = cls.env.ref("studio_loyalty.studio_session_status_confirmed")
        cls.completed = cls.env.ref("studio_loyalty.studio_session_status_completed")
        cls.cancelled = cls.env.ref("studio_loyalty.studio_session_status_cancelled")
        cls.coupon_program = cls._coupon_program("Referral Welcome Coupon")
        cls.program = cls.env["studio.referral.program"].create(
            {"name": "Refer a Friend", "give_reward": True, "reward_amount": 10.0}
        )
        cls.referrer = cls.client
        cls.referrer.write({"studio_referral_program_id": cls.program.id, "email": "ada@example.com"})
        cls.local_today = cls._local_now().date()
        cls._set_clock(cls.local_today - timedelta(days=2))

    @classmethod
    def _local_now(cls):
        return pytz.utc.localize(fields.Datetime.now()).astimezone(pytz.timezone(TZ))

    @classmethod
    def _utc(cls, local_date, at=time(12, 0)):
        """A UTC datetime (as Odoo stores it) of ``local_date`` at ``at`` in the company's time zone."""
        local = pytz.timezone(TZ).localize(datetime.combine(local_date, at))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @classmethod
    def _set_clock(cls, local_date, at=time(12, 0), referrer=None):
        (referrer or cls.referrer).studio_referral_email_date = cls._utc(local_date, at)

    def _program(self, **values):
        self.program.write(values)
        return self.program

    def _refer(self, name="Cleo Newborn", referrer=None, **values):
        return self.env["res.partner"].create(
            {
                "name": name,
                "email": f"{name.split()[0].lower()}@example.com",
                **values,
                "studio_referred_by_id": (referrer or self.referrer).id,
            }
        )

    def _referral(self, client):
        return client.studio_referred_referral_ids

    def _session(self, client, status=None, booked_on=None):
        start = fields.Datetime.now() + timedelta(days=3)
        return self.env["calendar.event"].create(
            {
                "name": f"Session: {client.name}",
                "start": start,
                "stop": start + timedelta(hours=1),
                "studio_client_id": client.id,
                "studio_session_status_id": (status or self.booked).id,
                **({"studio_booked_on": booked_on} if booked_on else {}),
            }
        )

    def _paid_invoice(self, client, untaxed):
        invoice = self._invoice(client, untaxed)
        self._register_payment(invoice)
        return invoice

    def _rewards(self, partner=None):
        return self.env["studio.loyalty.reward"].search(
            [("partner_id", "=", (partner or self.referrer).id), ("origin", "=", "referral")]
        )

    def assertAmount(self, value, expected):
        self.assertEqual(float_compare(value, expected, precision_rounding=self.currency.rounding), 0, f"{value}")

    def _refusal(self, model, values):
        """The message a user reads when creating ``values`` is refused (nothing is saved)."""
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                model.create(values)
                self.env.flush_all()
        except ValidationError as error:
            return str(error)
        except IntegrityError as error:
            # What Odoo's RPC layer shows for a database constraint.
            return model._sql_error_to_message(error)
        self.fail(f"{values} was accepted")

    @contextmanager
    def assertRefused(self, exception, pattern):
        """Odoo's assertRaises (its savepoint undoes the attempt), and the message the user reads."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertRegex(str(catcher.exception), pattern)


@tagged("post_install", "-at_install")
class TestReferralSettings(ReferralCommon):
    def test_no_requirement_rewards_at_once(self):
        """With every requirement unticked, saving Referred By earns the reward."""
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual(referral.referrer_id, self.referrer)
        self.assertEqual(referral.program_id, self.program)
        self.assertEqual(referral.state, "done")
        reward = self._rewards()
        self.assertEqual(len(reward), 1)
        self.assertAmount(reward.amount, 10.0)
        self.assertEqual(reward.origin, "referral")
        self.assertEqual(reward.referral_id, referral)
        self.assertFalse(reward.expiration_date)
        self.assertEqual(referral.grant_ids.reward_id, reward)
        self.assertEqual(self.referrer.studio_referral_count, 1)
        self.assertAmount(self.referrer.studio_referral_reward_amount, 10.0)

    def test_reward_expires_days_after_creation(self):
        self._program(reward_expires=True, reward_expiration_days=60)
        self._refer()
        reward = self._rewards()
        self.assertEqual(reward.expiration_date, reward.issue_date + timedelta(days=60))

    def test_without_reward_nothing_for_referrer(self):
        self._program(give_reward=False, give_promo=True, promo_program_id=self.coupon_program.id)
        cleo = self._refer()
        self.assertFalse(self._rewards())
        self.assertEqual(self._referral(cleo).grant_ids.promo_program_id, self.coupon_program)

    def test_session_must_be_booked(self):
        self._program(require_session=True)
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "pending")
        self.assertEqual(referral.session_requirement, "waiting")
        self.assertIn("session", referral.reason)
        self.assertFalse(self._rewards())
        self._session(cleo)
        self.assertEqual(referral.state, "done")
        self.assertEqual(referral.session_requirement, "met")
        self.assertEqual(len(self._rewards()), 1)

    def test_recurring_sessions_are_sessions_of_the_client(self):
        """A session booked on three days in a row gives three sessions, each granting under a per-session program."""
        self._program(per_session=True)
        cleo = self._refer()
        start = fields.Datetime.now() + timedelta(days=3)
        self.env["calendar.event"].create(
            {
                "name": "Mini sessions",
                "start": start,
                "stop": start + timedelta(hours=1),
                "studio_client_id": cleo.id,
                "recurrency": True,
                "rrule_type": "daily",
                "count": 3,
                "end_type": "count",
            }
        )
        self.assertEqual(cleo.studio_session_count, 3)
        self.assertEqual(len(self._rewards()), 3)

    def test_cancelled_session_does_not_count(self):
        self._program(require_session=True)
        cleo = self._refer()
        self._session(cleo, status=self.cancelled)
        self.assertEqual(self._referral(cleo).state, "pending")
        self.assertFalse(self._rewards())

    def test_session_must_reach_status(self):
        """A session moved on to Completed reaches the required status; a later one reached it too."""
        self._program(require_session=True, require_session_status=True, session_status_id=self.confirmed.id)
        cleo = self._refer()
        session = self._session(cleo)
        self.assertEqual(self._referral(cleo).state, "pending")
        session.studio_session_status_id = self.completed
        self.assertEqual(self._referral(cleo).state, "done")
        self.assertEqual(len(self._rewards()), 1)

    def test_initial_order_must_be_recorded(self):
        self._program(require_order=True)
        cleo = self._refer()
        invoice = self._invoice(cleo, 40.0)
        self.assertEqual(self._referral(cleo).state, "pending", "an unpaid invoice is no order yet")
        self._register_payment(invoice)
        self.assertEqual(self._referral(cleo).state, "done")
        self.assertEqual(self._referral(cleo).order_requirement, "met")

    def test_initial_order_minimum_untaxed_net_of_refunds(self):
        """At least 100 untaxed: a first order of 90 + tax is not enough; 120 refunded down to 80 is not either."""
        self._program(require_order=True, require_order_minimum=True, order_minimum=100.0)
        cleo = self._refer()
        self._paid_invoice(cleo, 90.0)  # 103.50 with tax
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "expired")
        self.assertEqual(referral.order_requirement, "failed")
        self._paid_invoice(cleo, 120.0)
        self.assertEqual(referral.state, "expired", "the initial order is the first one")
        self.assertFalse(self._rewards())

        dina = self._refer("Dina Family")
        invoice = self._invoice(dina, 120.0, post=False)
        invoice.action_post()
        refund = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        refund.invoice_line_ids.price_unit = 40.0
        refund.action_post()
        (invoice | refund).line_ids.filtered(lambda line: line.account_type == "asset_receivable").reconcile()
        self._register_payment(invoice)
        self.env["studio.referral"].search([("referred_id", "=", dina.id)])._evaluate()
        self.assertEqual(self._referral(dina).state, "expired", "120 - 40 = 80 is below 100")
        self.assertEqual(self._referral(dina).order_requirement, "failed")

    def test_minimum_zero_needs_an_order(self):
        self._program(require_order=True, require_order_minimum=True, order_minimum=0.0)
        cleo = self._refer()
        self.assertEqual(self._referral(cleo).state, "pending")
        self._paid_invoice(cleo, 5.0)
        self.assertEqual(self._referral(cleo).state, "done")

    def test_promotional_item_with_unique_coupon(self):
        self._program(give_promo=True, promo_program_id=self.coupon_program.id, promo_coupon=True)
        cleo, dina = self._refer(), self._refer("Dina Family")
        coupons = self._referral(cleo).grant_ids.coupon_id | self._referral(dina).grant_ids.coupon_id
        self.assertEqual(len(coupons), 2)
        self.assertEqual(coupons.partner_id, cleo | dina)
        self.assertEqual(coupons.program_id, self.coupon_program)
        self.assertEqual(len(set(coupons.mapped("code"))), 2)
        self.assertTrue(all(code.startswith("REF-") and len(code) == 16 for code in coupons.mapped("code")))
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            coupons[1].sudo().code = coupons[0].code
            coupons.flush_recordset()

    def test_promotional_item_without_coupon(self):
        promotion = self.coupon_program.sudo().copy({"name": "Welcome Promotion", "program_type": "promotion"})
        self._program(give_promo=True, promo_program_id=promotion.id)
        cleo = self._refer()
        grant = self._referral(cleo).grant_ids
        self.assertEqual(grant.promo_program_id, promotion)
        self.assertFalse(grant.coupon_id)
        self.assertFalse(self.env["loyalty.card"].search([("partner_id", "=", cleo.id)]))

    def test_per_session_with_limit(self):
        """Each completed session grants, for the first two sessions only."""
        self._program(
            require_session_status=True,
            session_status_id=self.completed.id,
            per_session=True,
            limit_sessions=True,
            session_limit=2,
            give_promo=True,
            promo_program_id=self.coupon_program.id,
            promo_coupon=True,
        )
        cleo = self._refer()
        referral = self._referral(cleo)
        sessions = [self._session(cleo) for _i in range(3)]
        self.assertFalse(self._rewards())
        sessions[0].studio_session_status_id = self.completed
        self.assertEqual(referral.state, "earned")
        self.assertEqual(len(self._rewards()), 1)
        for session in sessions[1:]:
            session.studio_session_status_id = self.completed
        self.assertEqual(referral.state, "done")
        self.assertEqual(len(self._rewards()), 2)
        self.assertEqual(referral.grant_ids.session_id, sessions[0] | sessions[1])
        self.assertEqual(len(referral.grant_ids.coupon_id), 2)

    def test_per_session_without_limit(self):
        self._program(per_session=True)
        cleo = self._refer()
        self.assertEqual(self._referral(cleo).state, "pending", "per session: nothing before a session")
        self._session(cleo)
        self._session(cleo)
        self._session(cleo, status=self.cancelled)
        self.assertEqual(len(self._rewards()), 2)
        self.assertEqual(self._referral(cleo).state, "earned")

    def test_total_rewards_limit_stops_rewards_and_promotional_items(self):
        self._program(
            limit_rewards=True,
            reward_limit=2,
            give_promo=True,
            promo_program_id=self.coupon_program.id,
            promo_coupon=True,
        )
        cleo, dina, emil = self._refer(), self._refer("Dina Family"), self._refer("Emil Senior")
        self.assertEqual(len(self._rewards()), 2)
        referral = self._referral(emil)
        self.assertEqual(referral.state, "limit")
        self.assertIn("limit of 2", referral.reason)
        self.assertFalse(referral.grant_ids)
        self.assertFalse(self.env["loyalty.card"].search([("partner_id", "=", emil.id)]))
        self.assertEqual(len((self._referral(cleo) | self._referral(dina)).grant_ids.coupon_id), 2)

    def test_realistic_session_within_30_days_completed_and_order_of_100(self):
        self._program(
            require_session_within=True,
            require_session=True,
            session_within_days=30,
            require_session_status=True,
            session_status_id=self.completed.id,
            require_order_minimum=True,
            require_order=True,
            order_minimum=100.0,
            give_promo=True,
            promo_program_id=self.coupon_program.id,
            promo_coupon=True,
        )
        cleo = self._refer()
        referral = self._referral(cleo)
        session = self._session(cleo)
        session.studio_session_status_id = self.completed
        self.assertEqual(referral.state, "pending")
        self.assertEqual(referral.session_requirement, "met")
        self.assertEqual(referral.order_requirement, "waiting")
        self._paid_invoice(cleo, 100.0)
        self.assertEqual(referral.state, "done")
        self.assertEqual(len(self._rewards()), 1)
        self.assertEqual(len(referral.grant_ids.coupon_id), 1)

    def test_no_program_earns_nothing(self):
        self.other_client.email = "ben@example.com"
        cleo = self._refer(referrer=self.other_client)
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "no_program")
        self.assertIn("not assigned", referral.reason)
        self.assertFalse(referral.grant_ids)

    def test_referral_joins_the_program_assigned_later(self):
        """Referred By saved before the referring client had a program: assigning one evaluates the referral."""
        cleo = self._refer(referrer=self.other_client)
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "no_program")
        self.other_client.studio_referral_program_id = self.program
        self.assertEqual(referral.program_id, self.program)
        self.assertEqual(referral.state, "done")
        self.assertEqual(len(self._rewards(self.other_client)), 1)

    def test_program_of_another_company(self):
        """A program of company B counts company B's sales only, and company A's users do not see its referrals."""
        other = self.setup_other_company()["company"]
        program_b = self.env["studio.referral.program"].create(
            {
                "name": "Refer in B",
                "company_id": other.id,
                "require_order": True,
                "give_reward": True,
                "reward_amount": 5.0,
            }
        )
        referrer_b = self.env["res.partner"].create({"name": "Referrer B", "studio_referral_program_id": program_b.id})
        cleo = self._refer(referrer=referrer_b)
        referral = self._referral(cleo)
        self.assertEqual(referral.company_id, other)
        self._paid_invoice(cleo, 100.0)  # a sale of company A
        self.assertEqual(referral.state, "pending")
        self.assertFalse(self._rewards(referrer_b))
        user_a = new_test_user(
            self.env,
            "sl_company_a",
            groups="base.group_user,studio_loyalty.studio_loyalty_group_manager",
            company_id=self.env.company.id,
        )
        Referral = self.env["studio.referral"].with_user(user_a)
        self.assertFalse(Referral.search([("id", "=", referral.id)]))
        self.assertFalse(self.env["studio.referral.program"].with_user(user_a).search([("id", "=", program_b.id)]))

    def test_inactive_program_still_honours_recorded_referrals(self):
        """Archiving hides the program; referrals already recorded under it keep their terms."""
        self._program(require_session=True)
        cleo = self._refer()
        self.program.active = False
        self._session(cleo)
        self.assertEqual(self._referral(cleo).state, "done")


@tagged("post_install", "-at_install")
class TestReferralClocks(ReferralCommon):
    """ "Within N days" ends at midnight of day N in the company's time zone."""

    def test_created_on_day_n_counts(self):
        self._program(require_created_within=True, created_within_days=30)
        # 00:30 in New York on day -30 is 05:30 UTC the same day.
        self._set_clock(self.local_today - timedelta(days=30), time(0, 30))
        cleo = self._refer()
        self.assertEqual(self._referral(cleo).created_requirement, "met")
        self.assertEqual(self._referral(cleo).state, "done")

    def test_created_on_day_n_plus_one_runs_out(self):
        """23:30 in New York on day -31 is already day -30 in UTC: the company's day counts."""
        self._program(require_created_within=True, created_within_days=30)
        self._set_clock(self.local_today - timedelta(days=31), time(23, 30))
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "expired")
        self.assertEqual(referral.created_requirement, "failed")
        self.assertIn("after", referral.reason)
        self.assertFalse(self._rewards())
        self._session(cleo)
        self.assertEqual(referral.state, "expired", "an expired referral stays expired")

    def test_session_booked_on_day_n_counts(self):
        """Sessions booked before Referred By is saved: 23:30 on day 10 counts, 00:30 on day 11 does not."""
        self._program(require_session_within=True, require_session=True, session_within_days=10)
        clock = self.local_today - timedelta(days=20)
        self._set_clock(clock)
        late, in_time = self.env["res.partner"].create([{"name": "Late Lou"}, {"name": "Prompt Pia"}])
        self._session(late, booked_on=self._utc(clock + timedelta(days=11), time(0, 30)))
        self._session(in_time, booked_on=self._utc(clock + timedelta(days=10), time(23, 30)))
        (late | in_time).studio_referred_by_id = self.referrer
        self.assertEqual(self._referral(late).state, "expired", "day 11 is too late")
        self.assertEqual(self._referral(in_time).state, "done", "23:30 on day 10 (next day in UTC) is in time")

    def test_session_clock_runs_out_without_session(self):
        self._program(require_session_within=True, require_session=True, session_within_days=10)
        self._set_clock(self.local_today - timedelta(days=10))
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "pending", "day 10 is still in time")
        self._set_clock(self.local_today - timedelta(days=30))
        dina = self._refer("Dina Family")
        late = self._referral(dina)
        self.assertEqual(late.state, "expired")
        self.assertEqual(late.session_requirement, "failed")
        self.assertIn("No session was booked", late.reason)

    def test_daily_recheck_expires_what_ran_out(self):
        self._program(require_session_within=True, require_session=True, session_within_days=10)
        self._set_clock(self.local_today - timedelta(days=10))
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "pending")
        tomorrow = fields.Datetime.now() + timedelta(days=1)
        with freeze_time(tomorrow):
            self.env["studio.referral"]._cron_evaluate()
        self.assertEqual(referral.state, "expired")

    def test_sending_again_keeps_clock_reassigning_restarts(self):
        self.referrer.studio_referral_email_date = False
        self.referrer.action_studio_send_referral_email()
        started = self.referrer.studio_referral_email_date
        self.assertTrue(started)
        mails = self.env["mail.mail"].search([("recipient_ids", "in", self.referrer.ids)])
        self.assertTrue(mails, "the program email is queued")
        self.referrer.studio_referral_email_date = started - timedelta(days=3)
        self.referrer.action_studio_send_referral_email()
        self.assertEqual(self.referrer.studio_referral_email_date, started - timedelta(days=3))
        wizard = (
            self.env["studio.referral.assign"]
            .with_context(active_model="res.partner", active_ids=self.referrer.ids)
            .create({"program_id": self.program.id, "send_email": True})
        )
        wizard.action_assign()
        self.assertGreater(self.referrer.studio_referral_email_date, started - timedelta(days=3))


@tagged("post_install", "-at_install")
class TestReferralRules(ReferralCommon):
    def test_referred_by_cannot_change(self):
        cleo = self._refer()
        for value in (self.other_client.id, False):
            with self.assertRefused(UserError, "cannot be changed"):
                cleo.write({"studio_referred_by_id": value})
        with self.assertRefused(UserError, "cannot be changed"):
            cleo.sudo().write({"studio_referred_by_id": self.other_client.id})
        cleo.write({"studio_referred_by_id": self.referrer.id})  # the same value is no change
        result = self.env["res.partner"].load(
            [".id", "studio_referred_by_id/.id"], [[str(cleo.id), str(self.other_client.id)]]
        )
        self.assertTrue(result["messages"])
        self.assertIn("cannot be changed", result["messages"][0]["message"])
        self.assertEqual(cleo.studio_referred_by_id, self.referrer)

    def test_self_and_circular_referral_refused(self):
        with self.assertRefused(ValidationError, "cannot refer themself"):
            self.other_client.studio_referred_by_id = self.other_client
        cleo = self._refer()
        with self.assertRefused(ValidationError, "whom they referred"):
            self.referrer.studio_referred_by_id = cleo
        dina = self._refer("Dina Family", referrer=cleo)
        with self.assertRefused(ValidationError, "whom they referred"):
            self.referrer.studio_referred_by_id = dina
        self.assertFalse(self.referrer.studio_referred_by_id)

    def test_bad_program_values_refused(self):
        Program = self.env["studio.referral.program"]
        cases = [
            ({"give_reward": True, "reward_amount": -5.0}, "negative|greater than zero"),
            ({"give_reward": True, "reward_amount": 0.0}, "greater than zero"),
            ({"require_created_within": True, "created_within_days": -1}, "negative"),
            ({"require_session_within": True, "session_within_days": -3}, "negative"),
            ({"require_order_minimum": True, "order_minimum": -1.0}, "below zero"),
            ({"limit_sessions": True, "session_limit": 0}, "at least one"),
            ({"limit_rewards": True, "reward_limit": 0}, "at least one"),
            ({"require_session_status": True}, "session status"),
            ({"give_promo": True}, "promotional item"),
            ({"send_promo_email": True, "promo_mail_template_id": False}, "email"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                self.assertRegex(self._refusal(Program, {"name": "Bad", **values}), message)
        loyalty_card = self.coupon_program.sudo().copy({"name": "Points", "program_type": "loyalty"})
        with self.assertRefused(ValidationError, "coupon or promotion"):
            Program.create({"name": "Bad", "give_promo": True, "promo_program_id": loyalty_card.id})
        promotion = self.coupon_program.sudo().copy({"name": "Promo", "program_type": "promotion"})
        with self.assertRefused(ValidationError, "only be generated for a coupon program"):
            Program.create({"name": "Bad", "give_promo": True, "promo_program_id": promotion.id, "promo_coupon": True})

    def test_loyalty_user_runs_referrals_but_not_programs(self):
        """Staff with the Loyalty User group record referrals, book sessions and send the email, with no sudo."""
        staff = new_test_user(
            self.env,
            "sl_referral_staff",
            groups="base.group_user,base.group_partner_manager,studio_loyalty.studio_loyalty_group_user",
            company_id=self.env.company.id,
        )
        self._program(require_session=True)
        Partner = self.env["res.partner"].with_user(staff)
        cleo = Partner.create({"name": "Cleo Staff", "studio_referred_by_id": self.referrer.id})
        self.assertEqual(cleo.studio_referred_referral_ids.state, "pending")
        action = cleo.action_studio_book_session()
        session = (
            self.env["calendar.event"]
            .with_user(staff)
            .with_context(**action["context"])
            .create({"start": "2026-12-01 10:00:00", "stop": "2026-12-01 11:00:00"})
        )
        self.assertEqual(session.partner_ids, cleo | staff.partner_id, "the client and the organiser attend")
        self.assertEqual(session.studio_session_status_id, self.booked)
        self.assertEqual(cleo.studio_referred_referral_ids.state, "done")
        self.assertEqual(cleo.with_user(staff).studio_session_count, 1)
        wizard = (
            self.env["studio.referral.assign"]
            .with_user(staff)
            .with_context(active_model="res.partner", active_ids=self.other_client.ids)
            .create({"program_id": self.program.id})
        )
        self.other_client.email = "ben@example.com"
        wizard.action_assign()
        self.assertEqual(self.other_client.studio_referral_program_id, self.program)
        self.other_client.with_user(staff).action_studio_send_referral_email()
        self.assertTrue(self.other_client.studio_referral_email_date)
        with self.assertRaises(AccessError):
            self.env["studio.referral.program"].with_user(staff).create({"name": "Staff Program"})
        with self.assertRaises(AccessError):
            self.program.with_user(staff).write({"reward_amount": 99.0})

    def test_referrals_and_grants_change_only_by_evaluation(self):
        cleo = self._refer()
        referral = self._referral(cleo)
        with self.assertRaises(UserError):
            referral.write({"state": "pending"})
        with self.assertRaises(UserError):
            self.env["studio.referral"].create(
                {
                    "referrer_id": self.referrer.id,
                    "referred_id": self.other_client.id,
                    "company_id": self.env.company.id,
                }
            )
        with self.assertRaises(UserError):
            referral.grant_ids.write({"key": "other"})
        with self.assertRaises(UserError):
            referral.grant_ids.unlink()
        with self.assertRaises(UserError):
            referral.unlink()
        self.assertEqual(len(self._rewards()), 1)

    def test_event_replayed_grants_once(self):
        self._program(require_session=True)
        cleo = self._refer()
        session = self._session(cleo)
        referral = self._referral(cleo)
        for _i in range(3):
            referral._evaluate()
            session.write({"studio_session_status_id": self.booked.id})
            self.env["studio.referral"]._cron_evaluate()
        self.assertEqual(len(self._rewards()), 1)
        self.assertEqual(len(referral.grant_ids), 1)

    def test_evaluation_queries_do_not_grow_with_referrals(self):
        """The daily re-check reads a batch of referrals in the same number of queries, whatever its size."""
        self._program(require_session=True, require_order=True, require_order_minimum=True, order_minimum=50.0)
        clients = self.env["res.partner"].create(
            [{"name": f"Batch Client {i}", "studio_referred_by_id": self.referrer.id} for i in range(12)]
        )
        for client in clients[:6]:
            self._session(client)
        referrals = self.env["studio.referral"].search([("referred_id", "in", clients.ids)], order="id")

        def queries(batch):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            batch._evaluate()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        queries(referrals)  # first pass writes the progress; the counts below are of a re-check
        self.assertEqual(queries(referrals[:2]), queries(referrals))
        self.assertEqual(set(referrals.mapped("state")), {"pending"})

    def test_grant_key_unique_in_database(self):
        cleo = self._refer()
        grant = self._referral(cleo).grant_ids
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            transition(self.env["studio.referral.grant"].sudo()).create(
                {"referral_id": grant.referral_id.id, "key": "referral"}
            )
            self.env.flush_all()

    def test_one_referring_client_per_referred_client(self):
        cleo = self._refer()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            transition(self.env["studio.referral"].sudo()).create(
                {"referrer_id": self.other_client.id, "referred_id": cleo.id, "company_id": self.env.company.id}
            )
            self.env.flush_all()

    def test_merge_keeps_referrals_without_granting_twice(self):
        """Two records of one referred client merged: one referral lives on, nothing is granted again."""
        self._program(require_session=True)
        cleo = self._refer()
        twin = self._refer("Cleo Twin", referrer=self.other_client)
        self._session(cleo)
        self.assertEqual(len(self._rewards()), 1)
        merge = self.env["base.partner.merge.automatic.wizard"]
        merge._merge((cleo | twin).ids, cleo, extra_checks=False)
        referrals = self.env["studio.referral"].search([("referred_id", "=", cleo.id)])
        self.assertEqual(len(referrals), 2)
        self.assertEqual(sorted(referrals.mapped("state")), ["done", "merged"])
        self._session(cleo)
        self.env["studio.referral"]._cron_evaluate()
        self.assertEqual(len(self._rewards()), 1)
        self.assertFalse(self._rewards(self.other_client))

    def test_merge_referrer_with_referred(self):
        cleo = self._refer()
        merge = self.env["base.partner.merge.automatic.wizard"]
        merge._merge((self.referrer | cleo).ids, self.referrer, extra_checks=False)
        self.assertFalse(self.referrer.studio_referred_by_id)
        referral = self.env["studio.referral"].search([("referrer_id", "=", self.referrer.id)])
        self.assertEqual(referral.state, "merged")
        self.assertEqual(len(self._rewards()), 1, "the reward already granted stays")

    def test_merge_two_referrers_keeps_both_referrals(self):
        self.other_client.studio_referral_program_id = self.program
        cleo = self._refer()
        dina = self._refer("Dina Family", referrer=self.other_client)
        merge = self.env["base.partner.merge.automatic.wizard"]
        merge._merge((self.referrer | self.other_client).ids, self.referrer, extra_checks=False)
        self.assertEqual(self.referrer.studio_referral_ids.referred_id, cleo | dina)
        self.assertEqual(self.referrer.studio_referral_count, 2)


@tagged("post_install", "-at_install")
class TestReferralMessages(ReferralCommon):
    def _mail_to(self, client):
        """The emails queued on ``client``'s record."""
        return self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", client.id)])

    def test_emails_rendered_with_merge_fields_in_client_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self._program(
            give_promo=True,
            promo_program_id=self.coupon_program.id,
            promo_coupon=True,
            send_reward_email=True,
            send_promo_email=True,
        )
        cleo = self._refer(lang="fr_FR")
        grant = self._referral(cleo).grant_ids
        reward_mail = self._mail_to(self.referrer)
        self.assertEqual(len(reward_mail), 1)
        self.assertEqual(reward_mail.state, "outgoing", "queued, not sent in the request")
        self.assertEqual(reward_mail.recipient_ids, self.referrer)
        self.assertIn("Cleo Newborn", reward_mail.body_html)
        self.assertIn(grant.reward_id.name, reward_mail.body_html)
        self.assertIn(self.currency.format(10.0), html2plaintext(reward_mail.body_html))
        promo_mail = self._mail_to(cleo)
        self.assertEqual(len(promo_mail), 1)
        self.assertEqual(promo_mail.recipient_ids, cleo)
        self.assertIn(grant.coupon_id.code, promo_mail.body_html)
        self.assertIn("Referral Welcome Coupon", promo_mail.body_html)  # identifier
        description = self.coupon_program.reward_ids.description
        self.assertTrue(description)
        self.assertIn(description, promo_mail.body_html)
        self.assertEqual(grant.promo_identifier, "Referral Welcome Coupon")
        # One message per client and occasion, each rendered in its recipient's language.
        Line = self.env["studio.loyalty.mailing.line"]
        promo_line = Line.search([("kind", "=", "promo"), ("grant_id", "=", grant.id)])
        self.assertEqual(promo_line.partner_id, cleo)
        reward_line = Line.search([("kind", "=", "referral_reward"), ("reward_ids", "in", grant.reward_id.ids)])
        self.assertEqual(reward_line.partner_id, self.referrer)
        promo_template = self.program.promo_mail_template_id
        self.assertEqual(promo_template._render_lang(promo_line.ids), {promo_line.id: "fr_FR"})
        reward_template = self.program.reward_mail_template_id
        self.assertEqual(reward_template._render_lang(reward_line.ids), {reward_line.id: "en_US"})
        self.assertEqual(grant.coupon_code, grant.coupon_id.code)

    def test_no_email_unless_ticked(self):
        self._program(give_promo=True, promo_program_id=self.coupon_program.id)
        cleo = self._refer()
        grant = self._referral(cleo).grant_ids
        self.assertTrue(grant.reward_id and grant.promo_program_id)
        self.assertFalse(self._mail_to(self.referrer) | self._mail_to(cleo))
        self.assertFalse(self.env["studio.loyalty.mailing"].search([("kind", "in", ("referral_reward", "promo"))]))

    def test_send_program_email_from_the_clients_list(self):
        """The list's action sends the program email to every selected client and starts their clocks."""
        self.other_client.write({"studio_referral_program_id": self.program.id, "email": "ben@example.com"})
        self.referrer.studio_referral_email_date = False
        clients = self.referrer | self.other_client
        action = self.env.ref("studio_loyalty.res_partner_action_send_referral_email")
        action.with_context(active_model="res.partner", active_ids=clients.ids).run()
        self.assertTrue(all(clients.mapped("studio_referral_email_date")))
        mails = self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "in", clients.ids)])
        self.assertEqual(len(mails), 2, "one email per client")
        self.assertEqual(mails.recipient_ids, clients)
        self.assertIn("Refer a Friend", mails[0].body_html)

    def test_large_invitation_send_starts_clocks_in_the_background(self):
        """A send too large for the request goes to the background job, which starts the clocks as it emails."""
        self.env["ir.config_parameter"].sudo().set_param("studio_loyalty.letters_background_threshold", 1)
        self.other_client.write({"studio_referral_program_id": self.program.id, "email": "ben@example.com"})
        self.referrer.studio_referral_email_date = False
        clients = self.referrer | self.other_client
        clients.action_studio_send_referral_email()
        mailing = self.env["studio.loyalty.mailing"].search([("kind", "=", "referral_invitation")])
        self.assertEqual((len(mailing), mailing.state), (1, "queued"))
        self.assertFalse(any(clients.mapped("studio_referral_email_date")), "nothing is sent yet")
        self.env["studio.loyalty.mailing"]._cron_send()
        self.assertEqual(mailing.state, "done")
        self.assertTrue(all(clients.mapped("studio_referral_email_date")))
        self.assertEqual(len(self._mail_to(self.referrer) | self._mail_to(self.other_client)), 2)

    def test_send_program_email_refusals(self):
        self.other_client.email = "ben@example.com"
        with self.assertRefused(UserError, "Assign a referral program first"):
            self.other_client.action_studio_send_referral_email()
        self.assertFalse(self.other_client.studio_referral_email_date)

    def test_send_program_email_skips_clients_without_email(self):
        """A client without an email address is listed, not emailed, and their clock does not start."""
        self.other_client.write({"studio_referral_program_id": self.program.id, "email": False})
        self.referrer.studio_referral_email_date = False
        action = (self.referrer | self.other_client).action_studio_send_referral_email()
        self.assertTrue(self.referrer.studio_referral_email_date)
        self.assertFalse(self.other_client.studio_referral_email_date)
        self.assertTrue(self._mail_to(self.referrer))
        self.assertFalse(self._mail_to(self.other_client))
        self.assertEqual(action["res_model"], "studio.loyalty.mailing.line")
        lines = self.env["studio.loyalty.mailing.line"].search(action["domain"])
        self.assertEqual(lines.partner_id, self.referrer | self.other_client)
        skipped = lines.filtered(lambda line: line.partner_id == self.other_client)
        self.assertEqual(skipped.email_state, "no_address")
        self.assertEqual(lines.mailing_id.no_email_count, 1)
        # Alone, nobody is emailed and nothing starts.
        self.other_client.action_studio_send_referral_email()
        self.assertFalse(self.other_client.studio_referral_email_date)
        self.assertFalse(self._mail_to(self.other_client))


@tagged("post_install", "-at_install")
class TestReferralCouponOnSale(ReferralCommon):
    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref("sales_team.group_sale_salesman")

    def test_coupon_accepted_by_odoo_loyalty_on_a_sale(self):
        """The referred client's coupon code gives its discount on a sales order, through sale_loyalty."""
        self._program(give_promo=True, promo_program_id=self.coupon_program.id, promo_coupon=True)
        cleo = self._refer()
        coupon = self._referral(cleo).grant_ids.coupon_id
        product = self.env["product.product"].create(
            {"name": "Portrait Package", "list_price": 200.0, "taxes_id": False}
        )
        order = self.env["sale.order"].create(
            {"partner_id": cleo.id, "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})]}
        )
        result = order._try_apply_code(coupon.code)
        self.assertNotIn("error", result)
        reward = self.coupon_program.reward_ids
        self.assertIn(coupon, result)
        order._apply_program_reward(reward, coupon)
        self.assertAmount(order.amount_untaxed, 180.0)
        order.action_confirm()
        self.assertAmount(coupon.points, 0.0)
        other = order.copy({"order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})]})
        self.assertIn("error", other._try_apply_code(coupon.code), "a coupon is used once")


@tagged("post_install", "-at_install")
class TestReferralPosOrder(ReferralCommon, StudioLoyaltyPosCommon):
    def test_closed_pos_order_is_the_initial_order(self):
        """A first paid POS order of at least the minimum (untaxed) earns the referral when it is saved."""
        self._program(require_order=True, require_order_minimum=True, order_minimum=150.0)
        cleo = self._refer()
        referral = self._referral(cleo)
        self.assertEqual(referral.state, "pending")
        self.assertIn(self.currency.format(150.0), referral.reason)
        self._pos_sale(cleo, quantity=2.0)  # 200.00 untaxed
        self.assertEqual(referral.state, "done")
        self.assertEqual(len(self._rewards()), 1)

    def test_first_pos_order_below_minimum_fails(self):
        """100.00 at the till first, 200.00 next: the initial order was below 150."""
        self._program(require_order=True, require_order_minimum=True, order_minimum=150.0)
        dina = self._refer("Dina Family")
        self._pos_sale(dina, quantity=1.0)  # 100.00 untaxed
        referral = self._referral(dina)
        self.assertEqual((referral.state, referral.order_requirement), ("expired", "failed"))
        self._pos_sale(dina, quantity=2.0)
        self.env["studio.referral"]._cron_evaluate()
        self.assertEqual(referral.state, "expired")
        self.assertFalse(self._rewards())

    def test_coupon_accepted_by_odoo_point_of_sale(self):
        """pos_loyalty's code check at the till accepts the referred client's coupon, for that client only."""
        self._program(give_promo=True, promo_program_id=self.coupon_program.id, promo_coupon=True)
        cleo = self._refer()
        coupon = self._referral(cleo).grant_ids.coupon_id
        now = fields.Datetime.to_string(fields.Datetime.now())
        pricelist = self.config.pricelist_id.id
        result = self.config.use_coupon_code(coupon.code, now, cleo.id, pricelist)
        self.assertTrue(result["successful"], result)
        self.assertEqual(result["payload"]["coupon_id"], coupon.id)
        other = self.config.use_coupon_code(coupon.code, now, self.other_client.id, pricelist)
        self.assertFalse(other["successful"], "the coupon is the referred client's")
