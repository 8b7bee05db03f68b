from datetime import date

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common import PosRewardsCase, StudioLoyaltyCommon

DAY1, DAY2, DAY3, DAY4 = date(2026, 9, 1), date(2026, 9, 3), date(2026, 9, 5), date(2026, 9, 9)


class LedgerCase(StudioLoyaltyCommon):
    """Checks of the ledger against the rewards and the books."""

    def assertAmount(self, value, expected, msg=None):
        self.assertEqual(self.currency.compare_amounts(value, expected), 0, msg or f"{value} != {expected}")

    def assertLedgerAgrees(self, rewards):
        """Each reward's ledger lines add up to what is left of it, and its state says the same."""
        for reward in rewards:
            total = self.currency.round(sum(reward.ledger_ids.mapped("amount")))
            self.assertAmount(total, reward.balance, f"{reward.name}: lines {total}, balance {reward.balance}")
            expected = reward.amount if reward.state == "available" else 0.0
            self.assertAmount(total, expected, f"{reward.name} is {reward.state} with {total} left")

    def _liability(self, as_of=None):
        """The credit balance of the company's Loyalty Rewards Liability account at ``as_of``."""
        account = self.env.company.studio_liability_account_id
        domain = [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        if as_of:
            domain.append(("date", "<=", as_of))
        return self.currency.round(-sum(self.env["account.move.line"].search(domain).mapped("balance")))

    def _outstanding(self, as_of):
        report = self.env["studio.loyalty.report"].create({"report_type": "outstanding", "as_of": as_of})
        return report._outstanding()

    def assertBooksTie(self, *dates):
        """At each date, the Outstanding report's total equals the liability account's balance, to the cent."""
        for as_of in dates:
            figures = self._outstanding(as_of)
            self.assertAmount(figures["total"], self._liability(as_of), f"as of {as_of}")
            self.assertAmount(figures["liability"], figures["total"])
            self.assertAmount(figures["difference"], 0.0)


@tagged("post_install", "-at_install")
class TestLedgerScenario(LedgerCase, PosRewardsCase):
    """Every movement of loyalty value, over several days: the ledger, the rewards and the books agree."""

    def test_every_movement_ties_to_the_books(self):
        """Manual, run, referral, invoice and POS redemption, every give-back, refunds, expiry, cancel, merge."""
        Reward = self.env["studio.loyalty.reward"]
        self.env.company.loyalty_start_date = DAY1
        with freeze_time(DAY1):
            r1 = self._reward(self.client, 50.0)
            r2 = self._reward(self.client, 30.0)
            r3 = self._reward(self.client, 20.0, expiration_date=date(2026, 9, 7))
            r4 = self._reward(self.client, 40.0)
            r5 = self._reward(self.other_client, 15.0)
            r6 = self._reward(self.client, 25.0)
            r1.amount = 55.0
            self.assertEqual(r1.ledger_ids.sorted("id").mapped("kind"), ["issue", "adjust"])
            self.assertAmount(self._liability(), 185.0)
            sale = self._invoice(self.client, 1000.0)
            self._register_payment(sale)
            program = self.env["studio.referral.program"].create(
                {"name": "Refer a Friend", "give_reward": True, "reward_amount": 10.0}
            )
            self.client.studio_referral_program_id = program
            self.env["res.partner"].create({"name": "Cleo Newborn", "studio_referred_by_id": self.client.id})
            referral_rewards = Reward.search([("partner_id", "=", self.client.id), ("origin", "=", "referral")])
            self.assertAmount(sum(referral_rewards.mapped("amount")), 10.0)
        with freeze_time(DAY2):
            run = self.env["studio.loyalty.run"].create({"threshold": 500.0, "reward_amount": 20.0})
            run.action_load()
            run.action_process()
            self.assertEqual(len(run.reward_ids), 1)
            run_entries = run.reward_ids.ledger_ids.entry_id
            self.assertEqual(len(run_entries), 1, "a run books one entry")
            self.assertAmount(-sum(run_entries.line_ids.filtered("credit").mapped("balance")), 40.0)
            invoice1 = self._invoice(self.client, 100.0)
            self._redeem(invoice1, r1)
            invoice2 = self._invoice(self.client, 100.0)
            self._redeem(invoice2, r2)
            invoice2.button_draft()  # reset: r2 given back
            order = self._sync(self._order_data(r6, bank=205.0, quantity=2))
            self.assertEqual(r6.state, "redeemed")
            # The till's movements are booked by the session's closing entry: the studio closes daily.
            self.pos_session.action_pos_session_validate()
        with freeze_time(DAY3):
            self.open_new_session()
            self._register_payment(invoice1, amount=invoice1.amount_residual)
            credit_note = self._credit_note(invoice1, 40.0, post=True)
            r7 = Reward.search([("refund_move_id", "=", credit_note.id)])
            self.assertAmount(r7.amount, 22.0)  # 46.00 of 115.00, of which 55.00 was paid in rewards
            refund = self._sync(self._refund_data(order, 1, 12.5))
            r8 = Reward.search([("refund_pos_order_id", "=", refund.id)])
            self.assertAmount(r8.amount, 12.5)
            invoice3 = self._invoice(self.client, 100.0)
            self._redeem(invoice3, r2)
            invoice3.js_remove_outstanding_partial(invoice3.line_ids.matched_credit_ids.id)  # payment widget
            self.assertEqual(r2.state, "available")
            r4.action_cancel()
            self.pos_session.action_pos_session_validate()
            self.assertTrue(r6.ledger_ids.filtered(lambda line: line.kind == "redeem").entry_id)
        with freeze_time(DAY4):
            Reward._cron_expire()
            self.assertEqual(r3.state, "expired")
            self.env["base.partner.merge.automatic.wizard"]._merge((self.client | self.other_client).ids, self.client)
            self.assertEqual(r5.partner_id, self.client)
            invoice4 = self._invoice(self.client, 100.0)
            self._redeem(invoice4, r5 | r7)
            self._reverse_invoice(invoice4, post=True)  # a whole credit note: the same rewards come back
            self.assertEqual((r5.state, r7.state), ("available", "available"))
        rewards = Reward.search([("partner_id", "=", self.client.id)])
        self.assertLedgerAgrees(rewards)
        kinds = set(self.env["studio.loyalty.move"].search([]).mapped("kind"))
        self.assertEqual(kinds, {"issue", "adjust", "redeem", "give_back", "expire", "cancel", "merge"} & kinds | kinds)
        self.assertTrue({"issue", "adjust", "redeem", "give_back", "expire", "cancel", "merge"} <= kinds)
        self.assertBooksTie(DAY1, DAY2, DAY3, DAY4)
        outstanding = self._outstanding(DAY4)
        self.assertAmount(
            outstanding["total"], sum(rewards.filtered(lambda r: r.state == "available").mapped("amount"))
        )


@tagged("post_install", "-at_install")
class TestLedgerRules(LedgerCase):
    """What the ledger and the rewards refuse, and how each change is recorded."""

    def test_manual_reward_books_expense_to_liability(self):
        """Issuing a reward by hand records an issue line and books the expense against the liability."""
        reward = self._reward(self.client, 25.0)
        line = reward.ledger_ids
        self.assertEqual((line.kind, line.partner_id, line.user_id), ("issue", self.client, self.env.user))
        self.assertAmount(line.amount, 25.0)
        liability, expense = self.env.company._studio_loyalty_accounts()
        self.assertEqual(set(line.entry_id.line_ids.mapped("account_id")), {liability, expense})
        self.assertEqual(liability.account_type, "liability_current")
        self.assertAmount(self._liability(), 25.0)
        self.assertLedgerAgrees(reward)

    def test_ledger_refuses_edits(self):
        """Nobody edits, deletes or adds a ledger line: not an admin, not through RPC or an import."""
        line = self._reward(self.client, 25.0).ledger_ids
        admin = self.env.ref("base.user_admin")
        Move = self.env["studio.loyalty.move"].with_user(admin)
        with self.assertRaisesRegex(UserError, "cannot be created or changed by hand"):
            line.with_user(admin).write({"amount": 1000.0})
        with self.assertRaisesRegex(UserError, "cannot be created or changed by hand"):
            line.sudo().write({"note": "edited"})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            line.sudo().unlink()
        with self.assertRaisesRegex(UserError, "cannot be created or changed by hand"):
            Move.create({"partner_id": self.client.id, "company_id": self.env.company.id, "kind": "issue"})
        result = Move.load(["id", "amount"], [[line.get_external_id()[line.id] or f"__export__.x_{line.id}", "9"]])
        self.assertFalse(result["ids"])
        self.assertAmount(line.amount, 25.0)
        # What an RPC call runs: the model's method with JSON arguments, no context marker.
        from odoo.service.model import call_kw

        with self.assertRaisesRegex(UserError, "cannot be created or changed by hand"):
            call_kw(Move, "write", [line.ids, {"amount": 1.0}], {})

    def test_reward_is_never_deleted(self):
        """A reward is cancelled, never deleted: its value is on the ledger and in the books."""
        reward = self._reward(self.client, 25.0)
        with self.assertRaisesRegex(UserError, "cancel it instead"):
            reward.unlink()

    def test_manual_reward_changes_are_ledger_lines(self):
        """A manual reward's new amount and new client each move value on the ledger; the books follow."""
        reward = self._reward(self.client, 25.0)
        reward.amount = 40.0
        reward.partner_id = self.other_client
        adjust = reward.ledger_ids.filtered(lambda line: line.kind == "adjust")
        self.assertEqual(sorted(adjust.mapped("amount")), [-40.0, 15.0, 40.0])
        self.assertEqual(adjust.filtered(lambda line: line.amount == -40.0).partner_id, self.client)
        self.assertAmount(self._liability(), 40.0)
        self.assertLedgerAgrees(reward)

    def test_amount_and_client_changed_together(self):
        """Changing a manual reward's amount and client at once leaves nothing with the first client."""
        reward = self._reward(self.client, 25.0)
        reward.write({"amount": 30.0, "partner_id": self.other_client.id})
        by_client = {
            partner: sum(lines.mapped("amount")) for partner, lines in reward.ledger_ids.grouped("partner_id").items()
        }
        self.assertAmount(by_client[self.client], 0.0)
        self.assertAmount(by_client[self.other_client], 30.0)
        self.assertAmount(self._liability(), 30.0)
        self.assertLedgerAgrees(reward)

    def test_rewards_made_by_a_flow_are_frozen(self):
        """A run's, a referral's or a refund's reward keeps its amount and client; its expiry may be extended."""
        Service = self.env["studio.loyalty.redemption"]
        frozen = Service._issue(
            [
                {
                    "partner_id": self.client.id,
                    "company_id": self.env.company.id,
                    "amount": 20.0,
                    "origin": "run",
                    "expiration_date": self._days(30),
                }
            ]
        )
        with self.assertRaisesRegex(UserError, "Cancel it instead"):
            frozen.amount = 30.0
        with self.assertRaisesRegex(UserError, "Cancel it instead"):
            frozen.partner_id = self.other_client
        with self.assertRaisesRegex(UserError, "can only be extended"):
            frozen.expiration_date = self._days(10)
        frozen.expiration_date = self._days(60)
        self.assertEqual(frozen.expiration_date, self._days(60))
        frozen.action_cancel()
        self.assertEqual(frozen.ledger_ids.sorted("id").mapped("kind"), ["issue", "cancel"])
        self.assertAmount(self._liability(), 0.0)
        self.assertLedgerAgrees(frozen)

    def test_redeemed_reward_cannot_change(self):
        """A redeemed reward's amount and expiry are what was spent: both refused."""
        reward = self._reward(self.client, 25.0)
        self._redeem(self._invoice(self.client, 100.0), reward)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            reward.amount = 10.0
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            reward.expiration_date = self._days(5)
        self.assertLedgerAgrees(reward)

    def test_cancel_and_reopen_release_and_book_again(self):
        """Cancelling releases the liability to the expense account; making it available books it again."""
        reward = self._reward(self.client, 25.0)
        reward.action_cancel()
        self.assertAmount(self._liability(), 0.0)
        release = reward.ledger_ids.filtered(lambda line: line.kind == "cancel").entry_id
        _liability, expense = self.env.company._studio_loyalty_accounts()
        self.assertAmount(
            sum(release.line_ids.filtered(lambda line: line.account_id == expense).mapped("balance")), -25.0
        )
        reward.action_reopen()
        self.assertAmount(self._liability(), 25.0)
        self.assertEqual(reward.ledger_ids.sorted("id").mapped("kind"), ["issue", "cancel", "reopen"])
        self.assertLedgerAgrees(reward)

    def test_accounts_follow_the_chart(self):
        """The two accounts sit after the chart's own current liabilities and expenses, never ahead of them."""
        liability, expense = self.env.company._studio_loyalty_accounts()
        Account = self.env["account.account"]
        first_expense = Account.search(
            [*Account._check_company_domain(self.env.company), ("account_type", "=", "expense")], order="code", limit=1
        )
        self.assertNotEqual(first_expense, expense)
        for account in (liability, expense):
            chart = Account.search(
                [
                    *Account._check_company_domain(self.env.company),
                    ("account_type", "=", account.account_type),
                    ("id", "<", account.id),
                ]
            )
            self.assertLess(max(chart.mapped("code")), account.code, f"{account.display_name} after the chart's own")


@tagged("post_install", "-at_install")
class TestRefundShare(LedgerCase, PosRewardsCase):
    """The refund-share rule is one rule: a credit note and a POS refund of the same sale give the same."""

    def test_same_share_from_credit_note_and_pos_refund(self):
        """Refunding 46.00 of a 115.00 sale paid 25.00 with rewards gives back 10.00, expiring like them."""
        expiry = self._days(90)
        invoice = self._invoice(self.client, 100.0)
        self._redeem(invoice, self._reward(self.client, 25.0, expiration_date=expiry))
        self._register_payment(invoice, amount=invoice.amount_residual)
        credit_note = self._credit_note(invoice, 40.0, post=True)
        from_invoice = self.env["studio.loyalty.reward"].search([("refund_move_id", "=", credit_note.id)])
        order = self._sync(self._order_data(self._reward(self.client, 25.0, expiration_date=expiry), quantity=1))
        self.assertAmount(self.env["pos.order"].studio_pos_refund_share(order.id, 46.0), 10.0)
        refund = self._sync(self._refund_data(order, 0.4, 10.0))
        from_pos = self.env["studio.loyalty.reward"].search([("refund_pos_order_id", "=", refund.id)])
        self.assertAmount(from_invoice.amount, 10.0)
        self.assertAmount(from_pos.amount, 10.0)
        self.assertEqual(from_invoice.expiration_date, expiry)
        self.assertEqual(from_pos.expiration_date, expiry)
        self.assertLedgerAgrees(from_invoice | from_pos)
