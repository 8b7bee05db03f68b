import threading
import time
from contextlib import closing
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import purge_loyalty


@tagged("post_install", "-at_install")
class TestReferralConcurrency(BaseCase):
    """Two workers evaluate one referral at the same moment, on two real connections.

    Like the redemption races, this test commits its own data and removes it afterwards.
    """

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            booked = env.ref("studio_loyalty.studio_session_status_booked")
            cancelled = env.ref("studio_loyalty.studio_session_status_cancelled")
            program = env["studio.referral.program"].create(
                {"name": "Race Program", "require_session": True, "give_reward": True, "reward_amount": 10.0}
            )
            referrer = env["res.partner"].create({"name": "Race Referrer", "studio_referral_program_id": program.id})
            referred = env["res.partner"].create({"name": "Race Referred", "studio_referred_by_id": referrer.id})
            start = fields.Datetime.now() + timedelta(days=2)
            session = env["calendar.event"].create(
                {
                    "name": "Race Session",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "studio_client_id": referred.id,
                    "studio_session_status_id": cancelled.id,
                }
            )
            env.flush_all()
            # The session becomes booked without its event being processed:
            # the evaluation below is what two workers race for.
            cr.execute("UPDATE calendar_event SET studio_session_status_id = %s WHERE id = %s", [booked.id, session.id])
            referral = referred.studio_referred_referral_ids
            self.assertEqual(referral.state, "pending")
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "program": program.id,
                "partners": [referrer.id, referred.id],
                "session": session.id,
                "referral": referral.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        ids = self.ids
        with closing(self.db.cursor()) as cr:
            cr.execute("DELETE FROM studio_referral_grant WHERE referral_id = %s", [ids["referral"]])
            purge_loyalty(cr, ids["partners"])
            cr.execute("DELETE FROM studio_referral WHERE id = %s", [ids["referral"]])
            cr.execute("DELETE FROM calendar_event WHERE id = %s", [ids["session"]])
            cr.execute("UPDATE res_partner SET studio_referred_by_id = NULL WHERE id = ANY(%s)", [ids["partners"]])
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [ids["partners"]])
            cr.execute("DELETE FROM studio_referral_program WHERE id = %s", [ids["program"]])
            cr.commit()  # pylint: disable=invalid-commit

    def _granted(self):
        with closing(self.db.cursor()) as cr:
            cr.execute(
                "SELECT COUNT(*), (SELECT COUNT(*) FROM studio_loyalty_reward WHERE referral_id = %s) "
                "FROM studio_referral_grant WHERE referral_id = %s",
                [self.ids["referral"], self.ids["referral"]],
            )
            return cr.fetchone()

    def test_two_workers_grant_once(self):
        """The same event processed by two workers at once: the second waits, retries and grants nothing."""
        attempts, started, go = [], threading.Event(), threading.Event()

        def evaluate(cr, worker):
            attempts.append(worker)
            env = self._env(cr)
            env["studio.referral"].browse(self.ids["referral"])._evaluate()

        def worker_b():
            with closing(self.db.cursor()) as cr:
                cr.execute("SELECT 1")  # B's snapshot begins before A commits
                started.set()
                go.wait(30)
                retrying(lambda: evaluate(cr, "b"), self._env(cr))
                cr.commit()  # pylint: disable=invalid-commit

        thread = threading.Thread(target=worker_b)
        thread.start()
        self.assertTrue(started.wait(30))
        with closing(self.db.cursor()) as cr_a:
            evaluate(cr_a, "a")
            self._env(cr_a).flush_all()
            go.set()
            time.sleep(1)  # B now waits for A's lock on the referral
            cr_a.commit()  # pylint: disable=invalid-commit
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(attempts, ["a", "b", "b"], "B waits for A, fails to serialize once, and is run again")
        self.assertEqual(self._granted(), (1, 1))

    def test_daily_recheck_skips_a_referral_being_evaluated(self):
        """The scheduled re-check passes over a referral another worker holds, without waiting."""
        with closing(self.db.cursor()) as cr_a, closing(self.db.cursor()) as cr_b:
            self._env(cr_a)["studio.referral"].browse(self.ids["referral"])._evaluate()
            self._env(cr_a).flush_all()
            started = time.monotonic()
            evaluated = self._env(cr_b)["studio.referral"].browse(self.ids["referral"])._evaluate(skip_locked=True)
            self.assertLess(time.monotonic() - started, 5)
            self.assertFalse(evaluated)
            cr_b.rollback()
            cr_a.commit()  # pylint: disable=invalid-commit
        self.assertEqual(self._granted(), (1, 1))
