from contextlib import closing

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
            cr.commit()
            self.partner_id, self.reward_id = partner.id, reward.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.db.cursor()) as cr:
            cr.execute("DELETE FROM studio_loyalty_reward WHERE id = %s", [self.reward_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            cr.commit()

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
            till_a.commit()
            till_b.rollback()
            with self.assertRaisesRegex(UserError, "has already been redeemed"):
                self._redeem(till_b)
            till_b.rollback()
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT state FROM studio_loyalty_reward WHERE id = %s", [self.reward_id])
            self.assertEqual(cr.fetchone()[0], "redeemed")
