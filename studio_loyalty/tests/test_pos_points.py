from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import PosRewardsCase


@tagged("post_install", "-at_install")
class TestPosPoints(PosRewardsCase):
    """Points paid at the till: turned into a reward and spent when the order syncs, never twice.

    Retail earns 10 points per currency unit, a point is worth 0.01, at least
    5.00 a time. The client starts with 3,000 redeemable points (30.00),
    earned by a paid ticket of three prints (300.00 untaxed) and matured.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["studio.loyalty.points.program"]._for_company(cls.env.company)
        cls.program.write({"enabled": True, "min_redemption": 5, "point_value": 0.01})
        cls.program.rule_ids.filtered(lambda r: r.action == "retail").write({"is_active": True, "points": 10})
        cls.Points = cls.env["studio.loyalty.points"]

    def setUp(self):
        super().setUp()
        self._pos_sale(self.client, quantity=3.0)
        self.Points._mature(self.env.company, self.client, now=fields.Datetime.now() + timedelta(hours=25))
        self.assertEqual(self._balance()["redeemable"], 3000)

    def _balance(self):
        return self.Points._balances(self.client, self.env.company).get(self.client.id)

    def _points_data(self, points_amount, rewards=None, quantity=1, line_amount=None):
        """A ticket of ``quantity`` prints (115.00 each): ``points_amount`` of points, ``rewards``, the rest by bank."""
        rewards = rewards or self.env["studio.loyalty.reward"]
        loyalty = self.currency.round(sum(rewards.mapped("amount")) + points_amount)
        loyalty = loyalty if line_amount is None else line_amount
        bank = self.currency.round(115.0 * quantity - loyalty)
        data = self.create_ui_order_data(
            [{"product": self.print_product, "quantity": quantity}],
            customer=self.client,
            payments=[(self.loyalty_pm, loyalty)] + ([(self.bank_pm1, bank)] if bank else []),
        )
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["studio_reward_ids"] = [Command.set(rewards.ids)]
                payment["studio_points_amount"] = points_amount
        return data

    def _refused(self, data, message):
        with self.assertRaisesRegex(UserError, message), self.cr.savepoint():
            self._sync(data)
        self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
        self.assertEqual(self._balance()["redeemable"], 3000)
        self.assertFalse(self.env["studio.loyalty.reward"].search([("origin", "=", "points")]))

    def test_points_pay_part_of_the_ticket(self):
        """12.50 of points: 1,250 points turned into a reward spent on the order, and the ticket earns its own."""
        order = self._sync(self._points_data(12.5))
        self.assertEqual(order.state, "paid")
        reward = order.studio_reward_ids
        self.assertEqual((reward.origin, reward.points, reward.state), ("points", 1250, "redeemed"))
        self.assertEqual(self.currency.compare_amounts(reward.amount, 12.5), 0)
        lines = self.env["studio.loyalty.move"].search([("pos_order_id", "=", order.id)])
        convert = lines.filtered(lambda line: line.is_points and line.kind == "convert")
        self.assertEqual((convert.points, convert.amount, convert.partner_id), (-1250, -12.5, self.client))
        redeem = lines.filtered(lambda line: line.kind == "redeem")
        self.assertEqual((redeem.reward_id, redeem.amount), (reward, -12.5))
        # Named by its receipt number, not "/" as the order was while syncing.
        self.assertEqual(set(lines.mapped("reference")) - {reward.name}, {order.pos_reference})
        earn = lines.filtered(lambda line: line.kind == "earn")
        self.assertEqual((earn.pending_points, earn.points), (1000, 0))
        self.assertEqual(
            {key: self._balance()[key] for key in ("pending", "redeemable")}, {"pending": 1000, "redeemable": 1750}
        )
        # What the receipt reads with the order once it synced.
        read = order.read_pos_data([], order.config_id)["pos.order"][0]
        self.assertEqual(
            [read[f"studio_points_{name}"] for name in ("used", "earned", "pending", "redeemable")],
            [1250, 1000, 1000, 1750],
        )

    def test_points_with_rewards_on_one_line(self):
        """A reward of 20.00 and 10.00 of points on one Loyalty Rewards line: both spent, the rest by bank."""
        reward = self._reward(self.client, 20.0)
        order = self._sync(self._points_data(10.0, rewards=reward))
        self.assertEqual(order.payment_ids.filtered("payment_method_id.is_studio_loyalty").amount, 30.0)
        self.assertEqual(len(order.studio_reward_ids), 2)
        self.assertEqual(set(order.studio_reward_ids.mapped("state")), {"redeemed"})
        self.assertEqual(order.studio_reward_ids.filtered(lambda r: r.origin == "points").points, 1000)
        self.assertEqual(self._balance()["redeemable"], 2000)

    def test_below_minimum_refused(self):
        """4.00 of points, under the 5.00 minimum: refused, nothing saved or spent."""
        self._refused(self._points_data(4.0), "At least")

    def test_ticket_total_must_be_more_than_points(self):
        """Points paying the whole ticket are refused: the ticket total must be more than what is redeemed."""
        self.program.min_redemption = 1
        self._refused(self._points_data(115.0), "must be more than what is redeemed")

    def test_more_than_redeemable_refused(self):
        """40.00 of points with 30.00 redeemable: refused with the balance."""
        self._refused(self._points_data(40.0), "3000 redeemable points")

    def test_paused_refused(self):
        """While redemptions are paused (minimum 0), points are refused."""
        self.program.min_redemption = 0
        self._refused(self._points_data(10.0), "paused")

    def test_line_must_match_rewards_and_points(self):
        """A loyalty line that is not its rewards plus its points is refused."""
        self._refused(self._points_data(10.0, line_amount=12.0), "must be what the rewards it names pay")

    def test_points_on_refund_refused(self):
        """A refund ticket cannot be paid with points."""
        sale = self._pos_sale(self.client)
        data = self.create_ui_order_data(
            [{"product": self.print_product, "quantity": -1, "refunded_orderline_id": sale.lines[0].id}],
            {"is_refund": True},
            customer=self.client,
            payments=[(self.bank_pm1, -120.0), (self.loyalty_pm, 5.0)],
        )
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["studio_points_amount"] = 5.0
        self._refused(data, "Points cannot be redeemed on a refund")

    def test_synced_again_spends_once(self):
        """An order synced twice, or redeemed again, turns its points into one reward only."""
        data = self._points_data(10.0)
        order = self._sync(data)
        self.assertEqual(self._sync(data), order)
        order._studio_redeem_rewards()
        points_rewards = self.env["studio.loyalty.reward"].search([("origin", "=", "points")])
        self.assertEqual(points_rewards.pos_order_id, order)
        self.assertEqual(len(points_rewards), 1)
        self.assertEqual(self._balance()["redeemable"], 2000)

    def test_fetch_gives_points_with_rewards(self):
        """The till's one rewards fetch carries the client's points, and why they cannot be used."""
        reward = self._reward(self.client, 20.0)
        fetch = self.env["studio.loyalty.reward"].studio_pos_redeemable
        result = fetch(self.client.id, self.config.id)
        self.assertEqual([r["id"] for r in result["studio.loyalty.reward"]], reward.ids)
        self.assertEqual(
            result["points"],
            {
                "redeemable": 3000,
                "pending": 0,
                "value": 30.0,
                "point_value": 0.01,
                "min_redemption": 5,
                "reason": "",
            },
        )
        # Points still pending: the popup says until when.
        self._pos_sale(self.other_client)
        points = fetch(self.other_client.id, self.config.id)["points"]
        self.assertEqual((points["pending"], points["redeemable"]), (1000, 0))
        self.assertIn("pending until", points["reason"])
        self.program.min_redemption = 50
        self.assertIn("below the minimum", fetch(self.client.id, self.config.id)["points"]["reason"])
        self.program.min_redemption = 0
        self.assertIn("paused", fetch(self.client.id, self.config.id)["points"]["reason"])
        # No points and points off: nothing to show.
        self.program.enabled = False
        stranger = self.env["res.partner"].create({"name": "Cy Stranger"})
        self.assertFalse(fetch(stranger.id, self.config.id)["points"])

    def test_refund_gives_points_back(self):
        """Refunding a ticket paid partly with points gives those points back, and takes back what it earned."""
        order = self._sync(self._points_data(10.0))
        reward = order.studio_reward_ids
        self.assertEqual(self.env["pos.order"].studio_pos_refund_share(order.id, 115.0), 10.0)
        refund = self._sync(self._refund_data(order, 1, 10.0))
        self.assertEqual((reward.state, reward.refund_pos_order_id), ("cancelled", refund))
        self.assertEqual(
            {key: self._balance()[key] for key in ("pending", "redeemable")}, {"pending": 0, "redeemable": 3000}
        )
