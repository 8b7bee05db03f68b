from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestSecurity(StudioLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoicing_user = new_test_user(cls.env, "sl_billing", groups="account.group_account_invoice")
        cls.loyalty_user = new_test_user(
            cls.env, "sl_staff", groups="base.group_user,studio_loyalty.studio_loyalty_group_user"
        )
        cls.loyalty_manager = new_test_user(
            cls.env, "sl_manager", groups="base.group_user,studio_loyalty.studio_loyalty_group_manager"
        )

    def test_invoicing_user_redeems_but_cannot_touch_rewards(self):
        """An invoicing user without a loyalty group redeems rewards but cannot create or change them."""
        invoice = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, 30.0)
        self.env.company._get_loyalty_journal()
        Reward = self.env["studio.loyalty.reward"].with_user(self.invoicing_user)
        with self.assertRaises(AccessError):
            Reward.create({"partner_id": self.client.id, "amount": 5.0})
        with self.assertRaises(AccessError):
            Reward.browse(reward.id).write({"amount": 500.0})
        wizard = (
            self.env["studio.loyalty.redeem"]
            .with_user(self.invoicing_user)
            .create({"move_id": invoice.id, "reward_ids": [Command.set(reward.ids)]})
        )
        wizard.action_redeem()
        self.assertEqual(reward.state, "redeemed")
        self.assertEqual(invoice.payment_state, "partial")

    def test_loyalty_user_issues_rewards_not_statuses(self):
        """Loyalty users issue rewards; only managers configure client statuses."""
        reward = (
            self.env["studio.loyalty.reward"]
            .with_user(self.loyalty_user)
            .create({"partner_id": self.client.id, "amount": 5.0})
        )
        self.assertEqual(reward.state, "available")
        with self.assertRaises(AccessError):
            self.env["studio.client.status"].with_user(self.loyalty_user).create({"name": "VIP"})
        status = self.env["studio.client.status"].with_user(self.loyalty_manager).create({"name": "VIP"})
        self.assertTrue(status.exists())

    def test_rewards_are_company_scoped(self):
        """A user of one company does not see another company's rewards."""
        other = self.setup_other_company()["company"]
        theirs = self._reward(self.client, 9.0, company_id=other.id)
        ours = self._reward(self.client, 8.0)
        visible = (
            self.env["studio.loyalty.reward"].with_user(self.loyalty_user).search([("partner_id", "=", self.client.id)])
        )
        self.assertEqual(visible, ours)
        self.assertNotIn(theirs, visible)

    def test_letters_are_company_scoped_and_staff_only(self):
        """Loyalty staff prepare and send their company's letters; others see none; a sent one is kept as sent."""
        other = self.setup_other_company()["company"]
        ours = self._reward(self.client, 8.0)
        self._reward(self.client, 9.0, company_id=other.id)
        Mailing = self.env["studio.loyalty.mailing"]
        theirs = Mailing.browse(
            Mailing._draft_for(self.env["studio.loyalty.reward"].search([("company_id", "=", other.id)]))["res_id"]
        )
        self.assertEqual(theirs.company_id, other)
        action = ours.with_user(self.loyalty_user).action_studio_send_letters()
        mailing = Mailing.with_user(self.loyalty_user).browse(action["res_id"])
        self.assertEqual(Mailing.with_user(self.loyalty_user).search([]), mailing)
        self.assertEqual(
            self.env["studio.loyalty.mailing.line"].with_user(self.loyalty_user).search([]), mailing.line_ids
        )
        mailing.action_send()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(mailing.line_ids.letter_state, "printed")
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            mailing.write({"name": "Rewritten"})
        with self.assertRaisesRegex(UserError, "only a draft can be deleted"):
            mailing.unlink()
        for model in ("studio.loyalty.mailing", "studio.loyalty.mailing.line"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.invoicing_user).search([])
