from contextlib import closing

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import purge_loyalty


@tagged("post_install", "-at_install")
class TestPointsConcurrency(BaseCase):
    """Two tills on two real database connections spend the same points.

    The client holds 1,000 redeemable points (10.00); each till wants 800.
    """

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            partner = env["res.partner"].create({"name": "Points Race Client"})
            program = env["studio.loyalty.points.program"]._for_company(env.company)
            env["studio.loyalty.wallet"]._take(partner, env.company)  # made when the points were earned
            env["studio.loyalty.points"]._write(
                program,
                [{"partner_id": partner.id, "kind": "adjust", "points": 1000, "note": "Test points"}],
                "Test points",
            )
            cr.commit()  # pylint: disable=invalid-commit
            self.partner_id = partner.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.db.cursor()) as cr:
            purge_loyalty(cr, [self.partner_id])
            cr.execute("DELETE FROM account_move WHERE partner_id = %s", [self.partner_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            cr.commit()  # pylint: disable=invalid-commit

    def _spend(self, cr, amount=8.0):
        """What an invoice or a till asks of the service: points worth ``amount`` on a 100.00 ticket."""
        env = self._env(cr)
        ticket = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_id,
                "invoice_line_ids": [Command.create({"name": "Cut", "price_unit": 100.0, "quantity": 1})],
            }
        )
        reward = env["studio.loyalty.redemption"]._spend_points(ticket, amount)
        return reward.points

    def _redeemable(self):
        with closing(self.db.cursor()) as cr:
            cr.execute(
                "SELECT SUM(points) FROM studio_loyalty_move WHERE is_points AND partner_id = %s", [self.partner_id]
            )
            return cr.fetchone()[0]

    def test_second_till_is_refused_while_the_first_spends(self):
        with closing(self.db.cursor()) as till_a, closing(self.db.cursor()) as till_b:
            self.assertEqual(self._spend(till_a), 800)
            with self.assertRaisesRegex(UserError, "being redeemed by another user or till"):
                self._spend(till_b)
            till_b.rollback()
            till_a.commit()  # pylint: disable=invalid-commit
            with self.assertRaisesRegex(UserError, "200 redeemable points"):
                self._spend(till_b)
            till_b.rollback()
        self.assertEqual(self._redeemable(), 200)

    def test_till_that_read_before_fails_to_serialize_and_is_refused_on_retry(self):
        """Till B read the balance before A committed: B's lock fails to serialize, the retry sees 200 points."""
        with closing(self.db.cursor()) as till_a, closing(self.db.cursor()) as till_b:
            till_b.execute("SELECT 1 FROM studio_loyalty_move LIMIT 1")  # B's snapshot, before A's spending
            self.assertEqual(self._spend(till_a), 800)
            till_a.commit()  # pylint: disable=invalid-commit
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                self._spend(till_b)
            till_b.rollback()
            with self.assertRaisesRegex(UserError, "200 redeemable points"):
                retrying(lambda: self._spend(till_b), self._env(till_b))
            till_b.rollback()
        self.assertEqual(self._redeemable(), 200)
