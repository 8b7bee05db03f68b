from lxml import etree

from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import format_date

from .common import PosRewardsCase, StudioLoyaltyCommon


def _buttons(record, user, name):
    """The ``name`` buttons of ``record``'s form as ``user`` gets it: ``[(invisible, confirm)]``."""
    arch = record.with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
    return [
        (button.get("invisible"), button.get("confirm"))
        for button in etree.fromstring(arch).iter("button")
        if button.get("name") == name
    ]


@tagged("post_install", "-at_install")
class TestRewardBackOffice(StudioLoyaltyCommon):
    """What the reward screens show each user, and the buttons they offer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyalty_user = new_test_user(
            cls.env,
            "sl_loyalty_only",
            groups="base.group_user,studio_loyalty.studio_loyalty_group_user",
            company_id=cls.env.company.id,
        )

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(self.client, 100.0)
        self.reward = self._reward(self.client, 30.0)
        self._redeem(self.invoice, self.reward)

    def test_loyalty_user_sees_invoice_without_opening_it(self):
        """A loyalty user without accounting rights reads a redeemed reward: the invoice's number, date, total."""
        self.assertFalse(self.invoice.with_user(self.loyalty_user).has_access("read"))
        for view_type in ("form", "list"):
            values = self._open(self.loyalty_user, self.reward, view_type)
            self.assertEqual(values["redeemed_on"], self.invoice.name)
        values = self._open(self.loyalty_user, self.reward)
        self.assertEqual(values["redeemed_on_date"], self.invoice.invoice_date)
        self.assertEqual(values["redeemed_on_amount"], 115.0)
        self.assertFalse(values["can_open_document"])
        action = self.reward.with_user(self.loyalty_user).action_open()
        self.assertEqual((action["res_model"], action["res_id"]), ("studio.loyalty.reward", self.reward.id))

    def test_accountant_opens_the_invoice(self):
        """Who may read the invoice opens it from the reward."""
        self.assertTrue(self.reward.can_open_document)
        action = self.reward.action_open()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", self.invoice.id))

    def test_list_adds_up_what_is_left(self):
        """The rewards list totals the remaining value: a redeemed reward counts for nothing."""
        available = self._reward(self.client, 20.0)
        arch = self.env["studio.loyalty.reward"].get_views([(False, "list")])["views"]["list"]["arch"]
        summed = {node.get("name") for node in etree.fromstring(arch).iter("field") if node.get("sum")}
        self.assertEqual(summed, {"balance"})
        self.assertEqual((available | self.reward).mapped("balance"), [20.0, 0.0])

    def test_give_back_offered_only_where_it_can_be_done(self):
        """Remove Redemption: never for a billing-less user, never for a reward spent at the till."""
        self.assertEqual(_buttons(self.reward, self.loyalty_user, "action_undo_redemption"), [])
        buttons = _buttons(self.reward, self.env.user, "action_undo_redemption")
        self.assertEqual(len(buttons), 2)
        for invisible, confirm in buttons:
            self.assertIn("not move_id", invisible)
            self.assertIn("payment is reversed", confirm)

    def test_make_available_only_for_cancelled(self):
        """Make Available is offered for a cancelled reward, not for a redeemed one (a run's: test_process_run)."""
        reward = self._reward(self.client, 15.0)
        self.assertFalse(reward.can_reopen)
        reward.action_cancel()
        self.assertTrue(reward.can_reopen)
        self.assertFalse(self.reward.can_reopen)

    def test_redeem_dialog_lists_soonest_expiry_first(self):
        """The invoice's redeem dialog offers the rewards expiring first at the top, dates in the user's format."""
        later = self._reward(self.client, 10.0, expiration_date=self._days(60))
        never = self._reward(self.client, 10.0)
        sooner = self._reward(self.client, 10.0, expiration_date=self._days(5))
        invoice = self._invoice(self.client, 100.0)
        wizard = self.env["studio.loyalty.redeem"].create({"move_id": invoice.id})
        self.env["res.lang"]._activate_lang("fr_FR")
        Reward = self.env["studio.loyalty.reward"].with_context(studio_reward_show_amount=True, lang="fr_FR")
        offered = Reward.name_search("", [("id", "in", wizard.available_reward_ids.ids)])
        self.assertEqual([reward_id for reward_id, _label in offered], (sooner | later | never).ids)
        expiry = format_date(Reward.env, sooner.expiration_date)
        self.assertEqual(expiry, sooner.expiration_date.strftime("%d/%m/%Y"))
        self.assertIn(expiry, offered[0][1])


@tagged("post_install", "-at_install")
class TestPosReceiptNumbers(PosRewardsCase):
    """POS orders are named by their receipt number, which no other order shares."""

    def test_two_tills_orders_keep_their_own_references(self):
        """Two tills' first tickets, which Odoo names alike, keep their receipt numbers in rewards and the ledger."""
        orders = self.env["pos.order"]
        for device in ("1", "2"):
            reward = self._reward(self.client, 20.0)
            data = self._order_data(reward)
            data["pos_reference"] = f"26{device}-{self.config.id}-000001"
            orders |= self._sync(data)
        self.assertEqual(orders[0].name, orders[1].name)
        for order in orders:
            self.assertEqual(order.studio_reward_ids.redeemed_on, order.pos_reference)
            lines = self.env["studio.loyalty.move"].search([("pos_order_id", "=", order.id), ("kind", "=", "redeem")])
            self.assertEqual(lines.mapped("reference"), [order.pos_reference])
        self.assertEqual(len(set(orders.studio_reward_ids.mapped("redeemed_on"))), 2)

    def test_cashier_sees_the_order(self):
        """A cashier may open the POS order a reward was spent on."""
        cashier = new_test_user(
            self.env,
            "sl_bo_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=self.env.company.id,
        )
        order = self._sync(self._order_data(self._reward(self.client, 20.0)))
        reward = order.studio_reward_ids.with_user(cashier)
        self.assertTrue(reward.can_open_document)
        self.assertEqual(reward.action_open()["res_model"], "pos.order")
        self.assertEqual(reward.redeemed_on_amount, order.amount_total)
