from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestRewardIntegrity(StudioLoyaltyCommon):
    """A reward's state and links move only through the business flow, whoever asks and however."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "sl_integrity_manager", groups="base.group_user,studio_loyalty.studio_loyalty_group_manager"
        )
        cls.loyalty_user = new_test_user(
            cls.env, "sl_integrity_staff", groups="base.group_user,studio_loyalty.studio_loyalty_group_user"
        )
        cls.cashier = new_test_user(
            cls.env, "sl_integrity_cashier", groups="base.group_user,point_of_sale.group_pos_user"
        )
        cls.billing = new_test_user(
            cls.env, "sl_integrity_billing", groups="base.group_user,account.group_account_invoice"
        )

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(self.client, 100.0)
        self.reward = self._reward(self.client, 30.0)
        self._redeem(self.invoice, self.reward)

    def _snapshot(self):
        self.reward.invalidate_recordset()
        return (self.reward.state, self.reward.move_id, self.reward.payment_move_id, self.reward.redeemed_date)

    def test_direct_writes_refused(self):
        """Writing state, invoice, payment entry, POS order or redeemed date is refused, even to a manager."""
        before = self._snapshot()
        reward = self.reward.with_user(self.manager)
        for values in (
            {"state": "available"},
            {"move_id": False},
            {"payment_move_id": False},
            {"pos_order_id": False},
            {"redeemed_date": False},
            {"origin": "run"},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "change only by issuing"):
                reward.write(values)
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.invoice.amount_residual, 85.0)

    def test_create_redeemed_refused(self):
        """A reward cannot be created already redeemed, linked to an invoice, or from a run."""
        Reward = self.env["studio.loyalty.reward"].with_user(self.loyalty_user)
        for values in ({"state": "redeemed"}, {"move_id": self.invoice.id}, {"origin": "run"}, {"state": "expired"}):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "issued by hand"):
                Reward.create({"partner_id": self.client.id, "amount": 10.0, **values})
        self.assertEqual(self.env["studio.loyalty.reward"].search_count([("partner_id", "=", self.client.id)]), 1)

    def test_import_cannot_set_state(self):
        """An import of a redeemed reward, or of a state on an existing one, saves nothing."""
        Reward = self.env["studio.loyalty.reward"].with_user(self.manager)
        result = Reward.load(["partner_id/.id", "amount", "state"], [[str(self.client.id), "10", "redeemed"]])
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        result = Reward.load([".id", "state"], [[str(self.reward.id), "available"]])
        self.assertFalse(result["ids"])
        self.assertEqual(self.reward.state, "redeemed")
        self.assertEqual(self.env["studio.loyalty.reward"].search_count([("partner_id", "=", self.client.id)]), 1)

    def test_give_back_needs_accounting_rights(self):
        """A cashier or a loyalty user cannot give a reward back; a billing user can, as a reversal."""
        for user in (self.cashier, self.loyalty_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.reward.with_user(user).action_undo_redemption()
        self.assertEqual(self.reward.state, "redeemed")
        self.assertEqual(self.invoice.amount_residual, 85.0)
        entry = self.reward.payment_move_id
        self.reward.with_user(self.billing).action_undo_redemption()
        self.assertEqual(self.reward.state, "available")
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.reversal_move_ids.state, "posted")
        self.assertEqual(self.invoice.amount_residual, 115.0)

    def test_company_cannot_change(self):
        """A reward cannot be moved to another company, whose currency would change its value."""
        other = self.setup_other_company()["company"]
        reward = self._reward(self.client, 10.0)
        with self.assertRaisesRegex(UserError, "stays with the company"):
            reward.write({"company_id": other.id})
        self.assertEqual(reward.company_id, self.env.company)

    def test_reopen_refused_for_redeemed(self):
        """Only a cancelled reward can be made available again."""
        with self.assertRaisesRegex(UserError, "Only cancelled rewards"):
            self.reward.with_user(self.loyalty_user).action_reopen()
        self.assertEqual(self.reward.state, "redeemed")


@tagged("post_install", "-at_install")
class TestStatusNames(StudioLoyaltyCommon):
    def test_names_unique_per_company_with_shared(self):
        """A status name is unique in a company, counting statuses shared by all companies."""
        Status = self.env["studio.client.status"]
        other = self.setup_other_company()["company"]
        Status.create({"name": "VIP", "company_id": self.env.company.id})
        Status.create({"name": "VIP", "company_id": other.id})
        with self.assertRaisesRegex(ValidationError, "already exists"):
            Status.create({"name": "VIP", "company_id": False})
        Status.create({"name": "Gold"})
        with self.assertRaisesRegex(ValidationError, "already exists"):
            Status.create({"name": "Gold", "company_id": other.id})
        with self.assertRaisesRegex(ValidationError, "already exists"):
            Status.create({"name": "Gold"})


@tagged("post_install", "-at_install")
class TestLedgerIntegrity(StudioLoyaltyCommon):
    """The processing ledger records which sales earned rewards; nobody bends it."""

    def setUp(self):
        super().setUp()
        self._register_payment(self._invoice(self.client, 250.0))
        self.run = self.env["studio.loyalty.run"].create({"threshold": 100.0, "reward_amount": 10.0})
        self.run.action_load()
        self.run.action_process()
        self.line = self.run.line_ids
        self.assertEqual((self.line.state, self.line.reward_count), ("done", 2))

    def test_done_lines_cannot_be_edited_or_deleted(self):
        """Nobody, not even the superuser through the ORM, edits or deletes a processed line."""
        for env in (self.env, self.env(su=True)):
            line = self.line.with_env(env)
            with self.subTest(su=env.su), self.assertRaisesRegex(UserError, "record of the sales"):
                line.write({"consumed_amount": 0.0})
            # No group may delete lines at all; the superuser meets the business rule.
            with self.subTest(su=env.su), self.assertRaises(AccessError if not env.su else UserError):
                line.unlink()
        with self.assertRaisesRegex(UserError, "by loading it"):
            self.env["studio.loyalty.run.line"].sudo().create(
                {"run_id": self.run.id, "partner_id": self.client.id, "state": "done", "consumed_amount": -500.0}
            )
        with self.assertRaisesRegex(UserError, "created rewards is kept"):
            self.run.unlink()
        with self.assertRaisesRegex(UserError, "only by loading, processing or cancelling"):
            self.run.write({"state": "draft"})
        self.assertEqual(self.line.consumed_amount, 200.0)

    def test_counts_and_letters_leave_out_cancelled_rewards(self):
        """A reward cancelled after processing no longer counts on the run nor is listed in a letter."""
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        cancelled = self.run.reward_ids
        self.assertEqual((self.run.reward_count, cancelled.amount), (1, 20.0))
        kept = self._reward(self.client, 5.0)
        Mailing = self.env["studio.loyalty.mailing"]
        # A send prepared before the cancellation goes out without the cancelled reward.
        before = Mailing.browse((kept | cancelled).action_studio_send_letters()["res_id"])
        self.assertEqual(before.line_ids.reward_ids, kept | cancelled)
        cancelled.action_cancel()
        self.run.invalidate_recordset()
        self.assertEqual(self.run.reward_count, 0)
        self.assertEqual(self.run.currency_id.compare_amounts(self.run.reward_total, 0.0), 0)
        before.action_send()
        self.assertEqual(before.line_ids.reward_ids, kept)
        self.assertEqual(before.line_ids.letter_state, "printed")
        # Letters prepared after it leave it out, and say so.
        after = Mailing.browse((kept | cancelled).action_studio_send_letters()["res_id"])
        self.assertEqual(after.line_ids.reward_ids, kept)
        self.assertIn("1 selected rewards or clients were left out", after.message_ids.mapped("body")[0])
        with self.assertRaisesRegex(UserError, "no reward to write about"):
            cancelled.action_studio_send_letters()

    def test_cancelled_run_reward_cannot_be_reopened(self):
        """Once the run is cancelled its sales are back: its rewards cannot be made available again."""
        self.run.action_cancel()
        reward = self.run.reward_ids[0]
        self.assertEqual(reward.state, "cancelled")
        with self.assertRaisesRegex(UserError, "cancelled run"):
            reward.action_reopen()
