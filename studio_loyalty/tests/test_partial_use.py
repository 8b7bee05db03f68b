from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PosRewardsCase


@tagged("post_install", "-at_install")
class TestPartialUse(PosRewardsCase):
    """A reward larger than what is left to pay pays part of it; the rest stays with the client, same expiry."""

    def assertAmount(self, value, expected):
        self.assertTrue(self.currency.is_zero(value - expected), f"{value} != {expected}")

    def _liability(self):
        """The balance of the Loyalty Rewards Liability account: minus what the studio owes its clients."""
        account = self.env.company._studio_loyalty_accounts()[0]
        lines = self.env["account.move.line"].search([("account_id", "=", account.id), ("parent_state", "=", "posted")])
        return self.currency.round(sum(lines.mapped("balance")))

    def _rest_of(self, reward):
        return self.env["studio.loyalty.reward"].search([("split_from_id", "=", reward.id)])

    def test_invoice_keeps_the_rest_with_the_same_expiry(self):
        """A 150.00 reward on a 115.00 invoice pays it; 35.00 stays as a reward expiring the same day."""
        invoice = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, 150.0, expiration_date=self._days(40))
        owed_before = self._liability()

        self._redeem(invoice, reward)

        self.assertEqual(invoice.payment_state, "paid")
        self.assertAmount(invoice.studio_reward_amount, 115.0)
        self.assertEqual((reward.state, reward.move_id), ("redeemed", invoice))
        self.assertAmount(reward.amount, 115.0)
        self.assertAmount(reward.balance, 0.0)
        rest = self._rest_of(reward)
        self.assertEqual(len(rest), 1)
        self.assertEqual(
            (rest.state, rest.partner_id, rest.expiration_date, rest.origin),
            ("available", self.client, self._days(40), "manual"),
        )
        self.assertAmount(rest.amount, 35.0)
        self.assertAmount(rest.balance, 35.0)
        # Only what paid the invoice left the liability: the rest is still owed.
        self.assertAmount(self._loyalty_balance(), 115.0)
        # The books owe the client the 35.00 still theirs: only the 115.00 spent left the liability.
        self.assertAmount(self._liability() - owed_before, 115.0)
        self.assertEqual(sorted(reward.ledger_ids.mapped("kind")), ["issue", "redeem", "split"])
        self.assertEqual(rest.ledger_ids.mapped("kind"), ["split"])
        self.assertEqual(rest.ledger_ids.invoice_id, invoice)

    def test_soonest_expiry_is_spent_first(self):
        """Of two rewards, the one expiring first is spent whole and the later one keeps the rest."""
        invoice = self._invoice(self.client, 100.0)
        later = self._reward(self.client, 100.0, expiration_date=self._days(60))
        sooner = self._reward(self.client, 100.0, expiration_date=self._days(10))

        self._redeem(invoice, later | sooner)

        self.assertAmount(sooner.amount, 100.0)
        self.assertAmount(later.amount, 15.0)
        self.assertAmount(self._rest_of(later).amount, 85.0)
        self.assertEqual(self._rest_of(later).expiration_date, self._days(60))
        self.assertFalse(self._rest_of(sooner))

    def test_reward_not_needed_is_refused(self):
        """A selection where one reward would pay nothing is refused, and nothing is spent."""
        invoice = self._invoice(self.client, 100.0)
        rewards = self._reward(self.client, 120.0, expiration_date=self._days(5)) | self._reward(self.client, 20.0)
        with self.assertRaisesRegex(UserError, r"Reward .* is not needed"):
            self._redeem(invoice, rewards)
        self.assertEqual(rewards.mapped("state"), ["available", "available"])
        self.assertFalse(self.env["studio.loyalty.reward"].search([("split_from_id", "in", rewards.ids)]))
        self.assertAmount(invoice.amount_residual, 115.0)

    def test_rest_pays_a_later_invoice_and_giving_back_restores_the_used_part(self):
        """The rest is spent like any reward; the invoice reset gives back exactly what it used."""
        first = self._invoice(self.client, 100.0)
        reward = self._reward(self.client, 200.0)
        self._redeem(first, reward)
        rest = self._rest_of(reward)
        second = self._invoice(self.client, 50.0)
        self._redeem(second, rest)
        self.assertAmount(second.amount_residual, 0.0)
        self.assertAmount(self._rest_of(rest).amount, 27.5)

        first.button_draft()

        self.assertEqual(reward.state, "available")
        self.assertAmount(reward.balance, 115.0)
        self.assertAmount(first.amount_residual, 115.0)
        owned = self.env["studio.loyalty.reward"].search(
            [("partner_id", "=", self.client.id), ("state", "=", "available")]
        )
        # 115.00 given back plus the 27.50 still unspent: 200.00 less the 57.50 the second invoice used.
        self.assertAmount(sum(owned.mapped("balance")), 142.5)

    def test_till_pays_part_of_a_reward(self):
        """A 25.00 reward on a 20.00-due ticket: the line pays 20.00, the rest stays available."""
        reward = self._reward(self.client, 25.0, expiration_date=self._days(30))
        data = self._order_data(reward, bank=95.0)
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["amount"] = 20.0
        order = self._sync(data)

        self.assertEqual(order.state, "paid")
        self.assertEqual((reward.state, reward.pos_order_id), ("redeemed", order))
        self.assertAmount(reward.amount, 20.0)
        rest = self._rest_of(reward)
        self.assertAmount(rest.amount, 5.0)
        self.assertEqual((rest.state, rest.expiration_date), ("available", self._days(30)))

    def test_refund_of_a_partly_paid_ticket_gives_back_what_it_used(self):
        """Refunding the whole ticket gives back the part the reward paid; its rest was never spent."""
        reward = self._reward(self.client, 150.0)
        data = self._order_data(reward, bank=0.0)
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["amount"] = 115.0
        order = self._sync(data)
        rest = self._rest_of(reward)
        self.assertAmount(rest.amount, 35.0)

        refund = self._sync(self._refund_data(order, 1, 115.0))

        self.assertEqual(refund.state, "paid")
        self.assertEqual(reward.state, "available")
        self.assertAmount(reward.balance + rest.balance, 150.0)
