import threading
import time
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


@tagged("post_install", "-at_install")
class TestPointsEarningRace(BaseCase):
    """Two workers see the same paid sale at the same moment: its points are earned once."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            program = env["studio.loyalty.points.program"]._for_company(env.company)
            self.before = {"enabled": program.enabled, "start_date": program.start_date}
            partner = env["res.partner"].create({"name": "Earning Race Client"})
            product = env["product.product"].create({"name": "Race Haircut", "type": "service"})
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": product.id, "price_unit": 100.0, "tax_ids": [Command.clear()]})
                    ],
                }
            )
            invoice.action_post()
            # Paid while points are off: the race below is what earns them.
            env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
                {}
            )._create_payments()
            rule = program.rule_ids.filtered(lambda r: r.action == "service")
            self.rule_before = {"is_active": rule.is_active, "points": rule.points}
            program.write({"enabled": True, "start_date": invoice.invoice_date})
            rule.write({"is_active": True, "points": 2})
            cr.commit()  # pylint: disable=invalid-commit
            self.partner_id, self.product_id, self.rule_id = partner.id, product.id, rule.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            program = env["studio.loyalty.points.program"]._for_company(env.company)
            program.write(self.before)
            env["studio.loyalty.points.rule"].browse(self.rule_id).write(self.rule_before)
            purge_loyalty(cr, [self.partner_id])
            cr.execute("SELECT id FROM account_move WHERE partner_id = %s", [self.partner_id])
            moves = [move_id for (move_id,) in cr.fetchall()]
            cr.execute(
                """DELETE FROM account_partial_reconcile partial USING account_move_line line
                    WHERE line.move_id = ANY(%s) AND line.id IN (partial.debit_move_id, partial.credit_move_id)""",
                [moves],
            )
            cr.execute("UPDATE account_move_line SET full_reconcile_id = NULL WHERE move_id = ANY(%s)", [moves])
            cr.execute("DELETE FROM account_payment WHERE partner_id = %s", [self.partner_id])
            cr.execute("DELETE FROM account_payment_register WHERE partner_id = %s", [self.partner_id])
            cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [moves])
            cr.execute("DELETE FROM product_product WHERE id = %s RETURNING product_tmpl_id", [self.product_id])
            cr.execute("DELETE FROM product_template WHERE id = %s", [cr.fetchone()[0]])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            cr.commit()  # pylint: disable=invalid-commit

    def test_two_workers_earn_once(self):
        """B waits for A's points lock, fails to serialize once, is run again and earns nothing."""
        attempts, started, go = [], threading.Event(), threading.Event()

        def earn(cr, worker):
            attempts.append(worker)
            env = self._env(cr)
            partner = env["res.partner"].browse(self.partner_id)
            return env["studio.loyalty.points"]._earn(env.company, partner)

        def worker_b():
            with closing(self.db.cursor()) as cr:
                cr.execute("SELECT 1")  # B's snapshot begins before A commits
                started.set()
                go.wait(30)
                retrying(lambda: earn(cr, "b"), self._env(cr))
                cr.commit()  # pylint: disable=invalid-commit

        thread = threading.Thread(target=worker_b)
        thread.start()
        self.assertTrue(started.wait(30))
        with closing(self.db.cursor()) as cr_a:
            self.assertEqual(earn(cr_a, "a").mapped("pending_points"), [200])
            self._env(cr_a).flush_all()
            go.set()
            time.sleep(1)  # B now waits for A's lock on the client's points
            cr_a.commit()  # pylint: disable=invalid-commit
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(attempts, ["a", "b", "b"])
        with closing(self.db.cursor()) as cr:
            cr.execute(
                "SELECT COUNT(*), SUM(pending_points) FROM studio_loyalty_move WHERE is_points AND partner_id = %s",
                [self.partner_id],
            )
            self.assertEqual(cr.fetchone(), (1, 200))
