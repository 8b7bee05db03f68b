import importlib.util
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from .common import PosRewardsCase, StudioLoyaltyCommon
from .test_ledger import LedgerCase


def _migration(version):
    """The migration script of ``version``, loaded as Odoo's upgrade loads it."""
    path = Path(__file__).parents[1] / "migrations" / version / "post-migrate.py"
    spec = importlib.util.spec_from_file_location(f"studio_loyalty_migrate_{version.replace('.', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestUpgradeToLedger(LedgerCase):
    """A database updated from 19.0.1.0.0 gets its ledger and one opening entry, and nothing twice."""

    def _store_as_before(self):
        """Store the rewards the way 19.0.1.0.0 did: no ledger lines, no issuing entries, one expense account."""
        self.env.flush_all()
        cr, company = self.env.cr, self.env.company
        liability, expense = company._studio_loyalty_accounts()
        cr.execute("SELECT DISTINCT entry_id FROM studio_loyalty_move WHERE kind != 'redeem' AND entry_id IS NOT NULL")
        accruals = [entry_id for (entry_id,) in cr.fetchall()]
        cr.execute("DELETE FROM studio_loyalty_move")
        cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [accruals])
        # The old Loyalty Rewards account: an expense account coded right after the chart's lowest one.
        Account = self.env["account.account"]
        lowest = Account.search(
            [*Account._check_company_domain(company), ("account_type", "=", "expense")], order="code", limit=1
        )
        old = Account.create(
            {
                "name": "Loyalty Rewards",
                "code": Account._search_new_account_code(lowest.code),
                "account_type": "expense",
            }
        )
        cr.execute("UPDATE account_move_line SET account_id = %s WHERE account_id = %s", [old.id, liability.id])
        cr.execute(
            "UPDATE account_journal SET default_account_id = %s WHERE id = %s", [old.id, company.loyalty_journal_id.id]
        )
        cr.execute(
            "UPDATE res_company SET studio_liability_account_id = NULL, studio_expense_account_id = NULL WHERE id = %s",
            [company.id],
        )
        self.env.invalidate_all()
        (liability | expense).unlink()
        self.env["studio.loyalty.reward"].search([])._compute_balance()
        return old

    def test_upgrade_backfills_ledger_and_books_outstanding_once(self):
        """Each reward gets the lines of its state, what is available is booked once, the old account moves."""
        available = self._reward(self.client, 25.0)
        redeemed = self._reward(self.client, 30.0)
        self._redeem(self._invoice(self.client, 100.0), redeemed)
        expired = self._reward(self.client, 10.0, issue_date=self._days(-40), expiration_date=self._days(-10))
        self.env["studio.loyalty.reward"]._cron_expire()
        cancelled = self._reward(self.other_client, 5.0)
        cancelled.action_cancel()
        payment_entry = redeemed.payment_move_id
        old = self._store_as_before()
        self.assertFalse(self.env["studio.loyalty.move"].search([]))

        _migration("19.0.2.0.0").migrate(self.env.cr, "19.0.1.0.0")

        self.assertEqual(available.ledger_ids.mapped("kind"), ["issue"])
        self.assertEqual(redeemed.ledger_ids.sorted("id").mapped("kind"), ["issue", "redeem"])
        self.assertEqual(redeemed.ledger_ids.filtered(lambda line: line.kind == "redeem").entry_id, payment_entry)
        self.assertEqual(expired.ledger_ids.sorted("id").mapped("kind"), ["issue", "expire"])
        self.assertEqual(cancelled.ledger_ids.sorted("id").mapped("kind"), ["issue", "cancel"])
        self.assertEqual(expired.ledger_ids.sorted("id")[:1].date, self._days(-40))
        self.assertLedgerAgrees(available | redeemed | expired | cancelled)
        company = self.env.company
        self.assertEqual(company.studio_expense_account_id, old)
        self.assertEqual(company.loyalty_journal_id.default_account_id, company.studio_liability_account_id)
        Account = self.env["account.account"]
        first = Account.search(
            [*Account._check_company_domain(company), ("account_type", "=", "expense")], order="code", limit=1
        )
        self.assertNotEqual(first, old, "the old account no longer comes first among the expenses")
        self.assertAmount(self._liability(), 25.0)
        self.assertBooksTie(self.today)

        lines = self.env["studio.loyalty.move"].search([])
        self.assertEqual(len(lines), 7)
        _migration("19.0.2.0.0").migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self.env["studio.loyalty.move"].search([]), lines)
        self.assertAmount(self._liability(), 25.0)


@tagged("post_install", "-at_install")
class TestUpgradeToPoints(LedgerCase):
    """19.0.3.0.0: the installed Completed status completes sessions; nothing else needs rewriting."""

    def test_completed_status_marked(self):
        completed = self.env.ref("studio_loyalty.studio_session_status_completed")
        completed.is_completed = False
        _migration("19.0.3.0.0").migrate(self.env.cr, "19.0.2.0.0")
        completed.invalidate_recordset()
        self.assertTrue(completed.is_completed)
        self.assertFalse(self.env.ref("studio_loyalty.studio_session_status_booked").is_completed)
        # Rewards' ledger lines from before are reward lines, not points.
        reward = self._reward(self.client, 10.0)
        self.assertFalse(reward.ledger_ids.is_points)


@tagged("post_install", "-at_install")
class TestUpgradeToLetters(StudioLoyaltyCommon):
    """19.0.4.0.0: runs and programs name the new letters; the 19.0.3 templates (one email per reward) go."""

    OLD = {
        # 19.0.3 xmlid: (model it rendered, the 19.0.4 template replacing it)
        "studio_loyalty_reward_mail_template_awarded": (
            "studio.loyalty.reward",
            "studio_loyalty_mail_template_awarded",
        ),
        "studio_referral_mail_template_reward": (
            "studio.loyalty.reward",
            "studio_loyalty_mail_template_referral_reward",
        ),
        "studio_referral_mail_template_promo": ("studio.referral.grant", "studio_loyalty_mail_template_promo"),
        "studio_referral_mail_template_invitation": (
            "res.partner",
            "studio_loyalty_mail_template_referral_invitation",
        ),
    }

    def _template(self, model, name, xmlid=None):
        """A 19.0.3 email template: of the record it was about, without a letter type; installed if ``xmlid``."""
        template = self.env["mail.template"].create(
            {"name": name, "model_id": self.env["ir.model"]._get_id(model), "subject": name, "body_html": "<p>Hi</p>"}
        )
        if xmlid:
            self.env["ir.model.data"].create(
                {
                    "module": "studio_loyalty",
                    "name": xmlid,
                    "model": "mail.template",
                    "res_id": template.id,
                    "noupdate": True,
                }
            )
        return template

    def _store(self, record, **values):
        """Write ``values`` as 19.0.3 stored them, past the 19.0.4 constraints (which refuse the old templates)."""
        self.env.flush_all()
        sets = ", ".join(f'"{field}" = %s' for field in values)
        self.env.cr.execute(
            f'UPDATE "{record._table}" SET {sets} WHERE id = %s',  # noqa: S608 (test data: names are constants)
            [*values.values(), record.id],
        )
        record.invalidate_recordset()

    def test_templates_replaced_custom_ones_cleared(self):
        old = {xmlid: self._template(model, f"Old {xmlid}", xmlid) for xmlid, (model, _new) in self.OLD.items()}
        new = {xmlid: self.env.ref(f"studio_loyalty.{new}") for xmlid, (_model, new) in self.OLD.items()}
        custom = self._template("studio.loyalty.reward", "Our own reward email")
        custom_invitation = self._template("res.partner", "Our own invitation")
        Run = self.env["studio.loyalty.run"]
        run_old, run_custom, run_letters, run_done = Run.create(
            [{"threshold": 100.0, "reward_amount": 10.0} for _i in range(4)]
        )
        awarded = "studio_loyalty_reward_mail_template_awarded"
        self._store(run_old, mail_template_id=old[awarded].id, send_email=True, print_letters=True)
        self._store(run_custom, mail_template_id=custom.id, send_email=True)
        # 19.0.3 printed letters from a report, whatever the email template.
        self._store(run_letters, mail_template_id=None, sms_template_id=None, print_letters=True)
        self._store(run_done, mail_template_id=custom.id, send_email=True, state="done")
        Program = self.env["studio.referral.program"]
        program_old, program_custom = Program.create(
            [{"name": name, "give_reward": True, "reward_amount": 10.0} for name in ("Old", "Custom")]
        )
        self._store(
            program_old,
            reward_mail_template_id=old["studio_referral_mail_template_reward"].id,
            send_reward_email=True,
            promo_mail_template_id=old["studio_referral_mail_template_promo"].id,
            send_promo_email=True,
            invitation_mail_template_id=old["studio_referral_mail_template_invitation"].id,
        )
        self._store(
            program_custom,
            reward_mail_template_id=custom.id,
            send_reward_email=True,
            invitation_mail_template_id=custom_invitation.id,
        )
        # Statuses made before 19.0.4 have no trigger templates; a chosen one is kept.
        chosen = self.env.ref("studio_loyalty.studio_loyalty_mail_template_expiring").copy({"name": "Our reminder"})
        self.status_loyal.expiry_template_id = chosen
        self._store(self.status_loyal, award_template_id=None, award_sms_template_id=None)

        for _time in range(2):  # running it again changes nothing
            _migration("19.0.4.0.0").migrate(self.env.cr, "19.0.3.0.0")

            self.assertEqual(run_old.mail_template_id, new[awarded])
            self.assertTrue(run_old.send_email and run_old.print_letters)
            self.assertFalse(run_custom.mail_template_id)
            self.assertFalse(run_custom.send_email, "no template to send: the box is unticked")
            self.assertEqual(run_letters.mail_template_id, new[awarded], "the letter's text, for its letters")
            self.assertEqual(
                run_letters.sms_template_id, self.env.ref("studio_loyalty.studio_loyalty_sms_template_awarded")
            )
            self.assertFalse(run_done.mail_template_id)
            self.assertTrue(run_done.send_email, "a processed run keeps the record of what it did")
            self.assertEqual(program_old.reward_mail_template_id, new["studio_referral_mail_template_reward"])
            self.assertEqual(program_old.promo_mail_template_id, new["studio_referral_mail_template_promo"])
            self.assertEqual(program_old.invitation_mail_template_id, new["studio_referral_mail_template_invitation"])
            self.assertTrue(program_old.send_reward_email and program_old.send_promo_email)
            self.assertFalse(program_custom.reward_mail_template_id)
            self.assertFalse(program_custom.send_reward_email)
            self.assertFalse(program_custom.invitation_mail_template_id)
            self.assertEqual(self.status_loyal.award_template_id, new[awarded])
            self.assertEqual(
                self.status_loyal.award_sms_template_id,
                self.env.ref("studio_loyalty.studio_loyalty_sms_template_awarded"),
            )
            self.assertEqual(self.status_loyal.expiry_template_id, chosen)
            for xmlid, template in old.items():
                self.assertFalse(template.exists(), xmlid)
                self.assertFalse(self.env.ref(f"studio_loyalty.{xmlid}", raise_if_not_found=False))
            self.assertTrue((custom | custom_invitation).exists(), "the studio's own templates are kept")
            # What they name now passes the 19.0.4 checks.
            (run_old | run_custom | run_letters | run_done)._check_templates()
            (program_old | program_custom)._check_templates()
            self.status_loyal._check_triggers()

        # And the run sends its letter and email: one per client.
        self.client.email = "ada@example.com"
        self._register_payment(self._invoice(self.client, 100.0))
        self.env.company.loyalty_start_date = self._days(-30)
        run_old.action_load()
        run_old.action_process()
        self.assertEqual(run_old.mailing_ids.mail_template_id, new[awarded])
        self.assertEqual((run_old.email_count, run_old.letter_count), (1, 1))


@tagged("post_install", "-at_install")
class TestUpgradeToReferralClocks(StudioLoyaltyCommon):
    """19.0.5.0.0: referring clients get the moment their program was assigned; waiting clocks start there."""

    def test_assignment_dates_and_waiting_clocks(self):
        Partner, Referral = self.env["res.partner"], self.env["studio.referral"]
        program = self.env["studio.referral.program"].create({"name": "Refer", "require_session": True})
        tracked = Partner.create({"name": "Tracked Referrer", "studio_referral_program_id": program.id})
        # The chatter's record of the assignment (tracking is off in tests: logged as Odoo logs it).
        tracked._message_track(["studio_referral_program_id"], {tracked.id: {"studio_referral_program_id": False}})
        untracked = Partner.create({"name": "Untracked Referrer"})
        untracked.studio_referral_program_id = program
        referred = Partner.create(
            [
                {"name": "Referred Early", "studio_referred_by_id": tracked.id},
                {"name": "Referred Other", "studio_referred_by_id": untracked.id},
            ]
        )
        waiting = Referral.search([("referred_id", "in", referred.ids)])
        self.assertEqual(set(waiting.mapped("state")), {"pending"})
        assigned_at, created_at, referred_at = "2026-01-10 09:00:00", "2025-06-01 08:00:00", "2026-02-01 10:00:00"
        self.env.flush_all()
        cr = self.env.cr
        message = tracked.message_ids.filtered("tracking_value_ids")
        self.assertEqual(len(message), 1)
        cr.execute("UPDATE mail_message SET date = %s WHERE id = %s", [assigned_at, message.id])
        cr.execute("UPDATE res_partner SET create_date = %s WHERE id = %s", [created_at, untracked.id])
        # 19.0.4 kept no assignment date, and started a clock at the referral when no email was sent.
        cr.execute(
            "UPDATE res_partner SET studio_referral_assign_date = NULL WHERE id = ANY(%s)", [(tracked | untracked).ids]
        )
        cr.execute(
            "UPDATE studio_referral SET referral_date = %s, clock_start = %s WHERE id = ANY(%s)",
            [referred_at, referred_at, waiting.ids],
        )
        done = Referral.search([("referred_id", "=", referred[1].id)])
        cr.execute("UPDATE studio_referral SET state = 'done' WHERE id = %s", [done.id])
        self.env.invalidate_all()

        for _time in range(2):  # running it again changes nothing
            _migration("19.0.5.0.0").migrate(cr, "19.0.4.0.0")
            self.env.invalidate_all()
            self.assertEqual(fields.Datetime.to_string(tracked.studio_referral_assign_date), assigned_at)
            self.assertEqual(fields.Datetime.to_string(untracked.studio_referral_assign_date), created_at)
            self.assertEqual(fields.Datetime.to_string((waiting - done).clock_start), assigned_at)
            self.assertEqual(fields.Datetime.to_string(done.clock_start), referred_at, "a referral done is left")
        self.assertFalse(self.client.studio_referral_assign_date, "no program, no assignment")


@tagged("post_install", "-at_install")
class TestUpgradeToReceiptNumbers(PosRewardsCase):
    """19.0.5.0.0: ledger lines of POS orders are named by the order's receipt number, which no other order has."""

    def test_pos_ledger_lines_renamed(self):
        reward = self._reward(self.client, 20.0)
        order = self._sync(self._order_data(reward))
        line = reward.ledger_ids.filtered(lambda move: move.kind == "redeem")
        self.assertEqual(line.pos_order_id, order)
        self.env.flush_all()
        # 19.0.4 wrote Odoo's order name, which orders of two devices share.
        self.env.cr.execute("UPDATE studio_loyalty_move SET reference = 'Shop - 000001' WHERE id = %s", [line.id])
        self.env.invalidate_all()
        _migration("19.0.5.0.0").migrate(self.env.cr, "19.0.4.0.0")
        self.env.invalidate_all()
        self.assertEqual(line.reference, order.pos_reference)
        self.assertTrue(order.pos_reference)
