from contextlib import closing

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestRedeemConcurrency(BaseCase):
    """Two tills on two real database connections race for one reward.

    The test cursor of a TransactionCase is one transaction, so this test
    commits its own data on separate connections and removes it afterwards.
    """

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _document(self, env, partner):
        """What a till or an invoice hands to the redemption service."""
        return env["account.move"].new(
            {"move_type": "out_invoice", "partner_id": partner.id,
             "company_id": env.company.id, "currency_id": env.company.currency_id.id}
        )

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            partner = env["res.partner"].create({"name": "Race Client"})
            reward = env["studio.loyalty.reward"].create({"partner_id": partner.id, "amount": 20.0})
            cr.commit()  # pylint: disable=invalid-commit
            self.partner_id, self.reward_id = partner.id, reward.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.db.cursor()) as cr:
            cr.execute("DELETE FROM studio_loyalty_reward WHERE id = %s", [self.reward_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            cr.commit()  # pylint: disable=invalid-commit

    def _redeem(self, cr):
        env = self._env(cr)
        partner = env["res.partner"].browse(self.partner_id)
        reward = env["studio.loyalty.reward"].browse(self.reward_id)
        return reward._redeem(self._document(env, partner), 100.0)

    def test_one_of_two_tills_wins(self):
        """Two tills redeeming the same reward at once: one succeeds, the other gets a clear message."""
        with closing(self.db.cursor()) as till_a, closing(self.db.cursor()) as till_b:
            self.assertEqual(self._redeem(till_a), 20.0)
            with self.assertRaisesRegex(UserError, "being redeemed by another user or till"):
                self._redeem(till_b)
            till_a.commit()  # pylint: disable=invalid-commit
            till_b.rollback()
            with self.assertRaisesRegex(UserError, "has already been redeemed"):
                self._redeem(till_b)
            till_b.rollback()
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT state FROM studio_loyalty_reward WHERE id = %s", [self.reward_id])
            self.assertEqual(cr.fetchone()[0], "redeemed")


@tagged("post_install", "-at_install")
class TestProcessConcurrency(BaseCase):
    """Two managers process two runs for the same client at the same moment.

    Both runs are loaded before either is processed, on committed data, and
    each is processed on its own database connection.
    """

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            status = env["studio.client.status"].create({"name": "Race Loyal", "loyalty_enabled": True})
            partner = env["res.partner"].create({"name": "Race Client", "client_status_id": status.id})
            env.flush_all()
            # A paid POS order of 250.00 untaxed: the sales the two runs compete for.
            cr.execute(
                """INSERT INTO pos_order (name, company_id, partner_id, date_order, state, amount_tax,
                                          amount_total, amount_paid, amount_return, currency_rate)
                   VALUES ('RACE/1', %s, %s, NOW() AT TIME ZONE 'UTC', 'done', 0, 250, 250, 0, 1)""",
                [env.company.id, partner.id],
            )
            runs = env["studio.loyalty.run"].create(
                [{"threshold": 100.0, "reward_amount": 10.0}, {"threshold": 100.0, "reward_amount": 10.0}]
            )
            for run in runs:
                run.action_load()
            cr.commit()  # pylint: disable=invalid-commit
            self.status_id, self.partner_id, self.run_ids = status.id, partner.id, runs.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.db.cursor()) as cr:
            # The ledger refuses to be deleted through the ORM: remove the test's rows directly.
            cr.execute("DELETE FROM studio_loyalty_reward WHERE partner_id = %s", [self.partner_id])
            cr.execute("DELETE FROM studio_loyalty_run WHERE id = ANY(%s)", [self.run_ids])
            cr.execute("DELETE FROM pos_order WHERE partner_id = %s", [self.partner_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            cr.execute("DELETE FROM studio_client_status WHERE id = %s", [self.status_id])
            cr.commit()  # pylint: disable=invalid-commit

    def _run(self, cr, index):
        return api.Environment(cr, SUPERUSER_ID, {})["studio.loyalty.run"].browse(self.run_ids[index])

    def test_two_runs_at_once_reward_once(self):
        """Two runs processed at the same moment reward the same sales once; the second is retried."""
        with closing(self.db.cursor()) as manager_a, closing(self.db.cursor()) as manager_b:
            run_b = self._run(manager_b, 1)
            self.assertEqual(run_b.state, "loaded")  # manager B's transaction has begun
            self._run(manager_a, 0).action_process()
            manager_a.commit()  # pylint: disable=invalid-commit
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                run_b.action_process()
            manager_b.rollback()
            # What Odoo does with a request that failed to serialize: run it again.
            run_b = self._run(manager_b, 1)
            run_b.action_process()
            manager_b.commit()  # pylint: disable=invalid-commit
            self.assertEqual(run_b.state, "done")
            self.assertFalse(run_b.reward_ids)
        with closing(self.db.cursor()) as cr:
            rewards = api.Environment(cr, SUPERUSER_ID, {})["studio.loyalty.reward"].search(
                [("partner_id", "=", self.partner_id)]
            )
            self.assertEqual(len(rewards), 2)
            self.assertEqual(rewards.run_id.ids, self.run_ids[:1])
