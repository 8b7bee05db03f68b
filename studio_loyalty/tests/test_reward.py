from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import float_compare, mute_logger

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestReward(StudioLoyaltyCommon):
    def test_sequence_and_defaults(self):
        """A new reward is numbered LR/<year>/NNNNN, available, issued today, by hand."""
        reward = self._reward(self.client, 25.0)
        self.assertRegex(reward.name, rf"^LR/{self.today.year}/\d{{5}}$")
        self.assertEqual(reward.state, "available")
        self.assertEqual(reward.issue_date, self.today)
        self.assertEqual(reward.origin, "manual")
        self.assertEqual(reward.company_id, self.env.company)

    def test_batch_numbering(self):
        """Rewards created together get consecutive numbers, and the next one follows them."""
        batch = self.env["studio.loyalty.reward"].create(
            [{"partner_id": self.client.id, "amount": 5.0} for _i in range(4)]
        )
        single = self._reward(self.client, 5.0)
        numbers = [int(name.rsplit("/", 1)[1]) for name in (batch | single).mapped("name")]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 5)))
        self.assertTrue(all(name.startswith(f"LR/{self.today.year}/") for name in batch.mapped("name")))

    def test_amount_must_be_positive(self):
        """A zero or negative amount is refused and nothing is saved."""
        for amount in (0.0, -5.0):
            with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
                self._reward(self.client, amount)
        self.assertFalse(self.env["studio.loyalty.reward"].search([("partner_id", "=", self.client.id)]))

    def test_expiry_before_issue_refused(self):
        """A reward cannot expire before it is issued."""
        with self.assertRaisesRegex(ValidationError, "cannot expire before it is issued"):
            self._reward(self.client, 10.0, expiration_date=self._days(-1))

    def test_manual_reward_keeps_status(self):
        """Issuing a reward by hand to a client of any status leaves the status alone."""
        self._reward(self.other_client, 15.0)
        self.assertEqual(self.other_client.client_status_id, self.status_inquiry)
        self.assertEqual(self.other_client.studio_reward_available_count, 1)

    def test_available_reward_is_editable_not_deletable(self):
        """An unused manual reward can still be changed, each change on the ledger; it is cancelled, not deleted."""
        reward = self._reward(self.client, 10.0)
        reward.amount = 12.5
        self.assertEqual(float_compare(reward.amount, 12.5, precision_digits=2), 0)
        self.assertEqual(float_compare(reward.balance, 12.5, precision_digits=2), 0)
        with self.assertRaisesRegex(UserError, "cancel it instead"):
            reward.unlink()

    def test_used_rewards_are_frozen(self):
        """A redeemed or expired reward can be neither changed nor deleted."""
        redeemed = self._reward(self.client, 10.0)
        self._redeem(self._invoice(self.client, 100.0), redeemed)
        expired = self._reward(self.client, 10.0, issue_date=self._days(-10), expiration_date=self._days(-1))
        expired._cron_expire()
        self.assertEqual(expired.state, "expired")
        for reward in redeemed | expired:
            with self.assertRaisesRegex(UserError, "cannot be changed"):
                reward.amount = 99.0
            with self.assertRaisesRegex(UserError, "cancel it instead"):
                reward.unlink()

    def test_open_leads_to_document(self):
        """Opening a redeemed reward shows its invoice; an unused one shows its own form."""
        reward = self._reward(self.client, 10.0)
        action = reward.action_open()
        self.assertEqual((action["res_model"], action["res_id"]), ("studio.loyalty.reward", reward.id))
        invoice = self._invoice(self.client, 100.0)
        self._redeem(invoice, reward)
        action = reward.action_open()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", invoice.id))

    def test_cron_expires_only_past_rewards(self):
        """The daily job expires available rewards past their date and nothing else."""
        past = self._reward(self.client, 10.0, issue_date=self._days(-30), expiration_date=self._days(-1))
        today = self._reward(self.client, 10.0, expiration_date=self.today)
        open_ended = self._reward(self.client, 10.0)
        cancelled = self._reward(self.client, 10.0, issue_date=self._days(-30), expiration_date=self._days(-2))
        cancelled.action_cancel()
        self.env["studio.loyalty.reward"]._cron_expire(batch_size=1)
        self.assertEqual(
            (past | today | open_ended | cancelled).mapped("state"),
            ["expired", "available", "available", "cancelled"],
        )

    def test_cancel_and_reopen(self):
        """A cancelled reward is not redeemable; it can be made available again."""
        reward = self._reward(self.client, 10.0)
        reward.action_cancel()
        self.assertEqual(self.client.studio_reward_available_count, 0)
        reward.action_reopen()
        self.assertEqual(reward.state, "available")

    def test_client_totals(self):
        """The client form shows available, redeemed and expired totals and the next expiry."""
        self._reward(self.client, 10.0, expiration_date=self._days(30))
        self._reward(self.client, 5.5, expiration_date=self._days(10))
        used = self._reward(self.client, 20.0)
        self._redeem(self._invoice(self.client, 100.0), used)
        old = self._reward(self.client, 7.25, issue_date=self._days(-9), expiration_date=self._days(-1))
        old._cron_expire()
        self.client.invalidate_recordset()
        rounding = self.currency.rounding
        available = self.client.studio_reward_available_amount
        self.assertEqual(float_compare(available, 15.5, precision_rounding=rounding), 0)
        self.assertEqual(self.client.studio_reward_available_count, 2)
        self.assertEqual(float_compare(self.client.studio_reward_redeemed_amount, 20.0, precision_rounding=rounding), 0)
        self.assertEqual(float_compare(self.client.studio_reward_expired_amount, 7.25, precision_rounding=rounding), 0)
        self.assertEqual(self.client.studio_reward_next_expiry, self._days(10))

    def test_search_clients_by_status(self):
        """Clients can be searched and grouped by status."""
        found = self.env["res.partner"].search([("client_status_id.loyalty_enabled", "=", True)])
        self.assertIn(self.client, found)
        self.assertNotIn(self.other_client, found)
        groups = dict(
            self.env["res.partner"]._read_group(
                [("id", "in", (self.client | self.other_client).ids)], ["client_status_id"], ["__count"]
            )
        )
        self.assertEqual(groups, {self.status_loyal: 1, self.status_inquiry: 1})
        self.assertEqual(self.status_loyal.partner_count, 1)
