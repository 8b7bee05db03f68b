import threading
import time
from contextlib import closing

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from odoo.addons.studio_loyalty.models.studio_loyalty_guard import transition

from .common import purge_loyalty


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
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": env.company.id,
                "currency_id": env.company.currency_id.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            partner = env["res.partner"].create({"name": "Race Client"})
            past = {"issue_date": "2020-01-01", "expiration_date": "2020-12-31"}
            rewards = env["studio.loyalty.reward"].create(
                [
                    {"partner_id": partner.id, "amount": 20.0},
                    {"partner_id": partner.id, "amount": 15.0},
                    # Two past their date, the newer one first in the expiry job's order.
                    {"partner_id": partner.id, "amount": 5.0, **past, "issue_date": "2020-02-01"},
                    {"partner_id": partner.id, "amount": 5.0, **past},
                ]
            )
            cr.commit()  # pylint: disable=invalid-commit
            self.partner_id, self.reward_ids = partner.id, rewards.ids
            self.reward_id = rewards.ids[0]
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.db.cursor()) as cr:
            purge_loyalty(cr, [self.partner_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            cr.commit()  # pylint: disable=invalid-commit

    def _redeem(self, cr, index=0):
        env = self._env(cr)
        partner = env["res.partner"].browse(self.partner_id)
        reward = env["studio.loyalty.reward"].browse(self.reward_ids[index])
        lines = env["studio.loyalty.redemption"]._redeem(reward, self._document(env, partner), 100.0)
        return -sum(lines.mapped("amount"))

    def _states(self):
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT state FROM studio_loyalty_reward WHERE id = ANY(%s) ORDER BY id", [self.reward_ids])
            return [state for (state,) in cr.fetchall()]

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
        self.assertEqual(self._states()[0], "redeemed")

    def test_held_draft_races_another_till(self):
        """A reward held on a draft invoice while a till spends it: confirming is refused, never spent twice.

        While the till's transaction holds the reward, confirming says another
        till is redeeming it; once the till has committed, it says where the
        reward went. The draft stays a draft and its client keeps what it owes.
        """
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            draft = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id,
                    "invoice_line_ids": [Command.create({"name": "Session", "price_unit": 30.0, "tax_ids": []})],
                }
            )
            draft._studio_hold_rewards(env["studio.loyalty.reward"].browse(self.reward_id))
            cr.commit()  # pylint: disable=invalid-commit
            draft_id = draft.id
        self.addCleanup(self._delete_client_moves)

        def confirm(cr):
            self._env(cr)["account.move"].browse(draft_id).action_post()

        with closing(self.db.cursor()) as till, closing(self.db.cursor()) as office:
            self.assertEqual(self._redeem(till), 20.0)  # the till holds the reward, not yet committed
            with self.assertRaisesRegex(UserError, "cannot be confirmed .* being redeemed by another user or till"):
                confirm(office)
            office.rollback()
            till.commit()  # pylint: disable=invalid-commit
            with self.assertRaisesRegex(UserError, "cannot be confirmed .* has already been redeemed on"):
                confirm(office)
            office.rollback()
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT state FROM account_move WHERE id = %s", [draft_id])
            self.assertEqual(cr.fetchone()[0], "draft")
            cr.execute(
                "SELECT count(*) FROM studio_loyalty_move WHERE reward_id = %s AND kind = 'redeem'", [self.reward_id]
            )
            self.assertEqual(cr.fetchone()[0], 1, "spent once")

    def test_referencing_transaction_does_not_refuse(self):
        """A transaction that merely refers to a reward (an open redeem dialog saved with it) does not block it."""
        with closing(self.db.cursor()) as dialog, closing(self.db.cursor()) as till:
            env = self._env(dialog)
            invoice = env["account.move"].create({"move_type": "out_invoice", "partner_id": self.partner_id})
            env["studio.loyalty.redeem"].create(
                {"move_id": invoice.id, "reward_ids": [Command.set(self.reward_ids[:1])]}
            )
            env.flush_all()  # the dialog's row now references the reward, uncommitted
            self.assertEqual(self._redeem(till), 20.0)
            till.commit()  # pylint: disable=invalid-commit
            dialog.rollback()
        self.assertEqual(self._states()[0], "redeemed")

    def test_first_redemptions_make_one_journal(self):
        """Two users redeeming different rewards in a company without a journal both succeed, with one journal."""
        with closing(self.db.cursor()) as cr:
            company = self._env(cr).company
            cr.execute("SELECT id FROM account_journal WHERE company_id = %s AND code = 'LOYR'", [company.id])
            hidden = cr.fetchone()
            # Hide an existing Loyalty Rewards journal for the time of the test.
            cr.execute("UPDATE account_journal SET code = 'LOYX' WHERE id = %s", [hidden[0] if hidden else 0])
            cr.execute(
                "UPDATE res_company SET loyalty_journal_id = NULL WHERE id = %s RETURNING %s", [company.id, hidden]
            )
            cr.commit()  # pylint: disable=invalid-commit
            company_id = company.id
        self.addCleanup(self._restore_journal, company_id, hidden[0] if hidden else None)

        attempts = []

        def first_redemption(cr, index):
            env = self._env(cr)
            attempts.append(index)
            self._redeem(cr, index)
            return env["res.company"].browse(company_id)._get_loyalty_journal().id

        results, started, go = {}, threading.Event(), threading.Event()

        def user_b():
            with closing(self.db.cursor()) as cr:
                env = self._env(cr)
                cr.execute("SELECT 1")  # B's snapshot begins here, before A commits
                started.set()
                go.wait(30)
                results["b"] = retrying(lambda: first_redemption(cr, 1), env)
                cr.commit()  # pylint: disable=invalid-commit

        thread = threading.Thread(target=user_b)
        thread.start()
        self.assertTrue(started.wait(30))
        with closing(self.db.cursor()) as cr_a:
            results["a"] = first_redemption(cr_a, 0)  # A makes the journal and holds the company row
            go.set()
            time.sleep(1)  # B now waits for A's lock on the company
            cr_a.commit()  # pylint: disable=invalid-commit
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(results["a"], results["b"])
        self.assertEqual(attempts, [0, 1, 1], "B waits for A, fails to serialize once, and is run again")
        self.assertEqual(self._states()[:2], ["redeemed", "redeemed"])
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT COUNT(*) FROM account_journal WHERE company_id = %s AND code = 'LOYR'", [company_id])
            self.assertEqual(cr.fetchone()[0], 1)

    def _restore_journal(self, company_id, hidden_id):
        with closing(self.db.cursor()) as cr:
            cr.execute(
                "SELECT id, default_account_id FROM account_journal WHERE company_id = %s AND code = 'LOYR'",
                [company_id],
            )
            # The journal the race made; its account is the company's liability account, kept.
            for journal_id, _account_id in cr.fetchall():
                cr.execute("UPDATE res_company SET loyalty_journal_id = NULL WHERE id = %s", [company_id])
                cr.execute("DELETE FROM account_journal WHERE id = %s", [journal_id])
            if hidden_id:
                cr.execute("UPDATE account_journal SET code = 'LOYR' WHERE id = %s", [hidden_id])
                cr.execute("UPDATE res_company SET loyalty_journal_id = %s WHERE id = %s", [hidden_id, company_id])
            cr.commit()  # pylint: disable=invalid-commit

    def test_two_redemptions_of_one_invoice_never_overpay(self):
        """Two users redeeming different rewards on one invoice at once: the second pays only what is left due.

        Its 15.00 reward pays the 10.00 left after the first user's 20.00; the
        other 5.00 stays with the client: the invoice is never overpaid.
        """
        with closing(self.db.cursor()) as cr:
            env = self._env(cr)
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id,
                    "invoice_line_ids": [Command.create({"name": "Session", "price_unit": 30.0, "tax_ids": []})],
                }
            )
            invoice.action_post()
            env.company._get_loyalty_journal()
            cr.commit()  # pylint: disable=invalid-commit
            invoice_id = invoice.id
        self.addCleanup(self._delete_client_moves)
        outcome, started, go = {}, threading.Event(), threading.Event()

        def redeem(cr, index):
            env = self._env(cr)
            reward = env["studio.loyalty.reward"].browse(self.reward_ids[index])
            return env["account.move"].browse(invoice_id)._studio_redeem_rewards(reward)

        def user_b():
            with closing(self.db.cursor()) as cr:
                cr.execute("SELECT 1")  # B's snapshot begins before A commits
                started.set()
                go.wait(30)
                try:
                    retrying(lambda: redeem(cr, 1), self._env(cr))
                    cr.commit()  # pylint: disable=invalid-commit
                except UserError as error:
                    outcome["b"] = str(error)

        thread = threading.Thread(target=user_b)
        thread.start()
        self.assertTrue(started.wait(30))
        with closing(self.db.cursor()) as cr_a:
            redeem(cr_a, 0)  # 20.00 of the 30.00 due
            go.set()
            time.sleep(1)
            cr_a.commit()  # pylint: disable=invalid-commit
        thread.join(60)
        self.assertNotIn("b", outcome)
        self.assertEqual(self._states()[:2], ["redeemed", "redeemed"])
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT amount_residual FROM account_move WHERE id = %s", [invoice_id])
            self.assertEqual(float(cr.fetchone()[0]), 0.0)
            cr.execute("SELECT amount, state FROM studio_loyalty_reward WHERE split_from_id = %s", [self.reward_ids[1]])
            self.assertEqual([(float(amount), state) for amount, state in cr.fetchall()], [(5.0, "available")])

    def _delete_client_moves(self):
        with closing(self.db.cursor()) as cr:
            purge_loyalty(cr, [self.partner_id])
            cr.execute("SELECT id FROM account_move WHERE partner_id = %s", [self.partner_id])
            move_ids = [move_id for (move_id,) in cr.fetchall()]
            cr.execute(
                """DELETE FROM account_partial_reconcile partial USING account_move_line line
                    WHERE line.move_id = ANY(%s)
                      AND line.id IN (partial.debit_move_id, partial.credit_move_id)""",
                [move_ids],
            )
            cr.execute(
                "UPDATE studio_loyalty_reward SET move_id = NULL, payment_move_id = NULL WHERE partner_id = %s",
                [self.partner_id],
            )
            cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [move_ids])
            cr.commit()  # pylint: disable=invalid-commit

    def test_expiry_job_passes_over_held_rows(self):
        """The expiry job expires what it can and carries on past a reward another transaction holds."""
        held, free = self.reward_ids[2], self.reward_ids[3]
        with closing(self.db.cursor()) as till, closing(self.db.cursor()) as cron:
            self._env(till)["studio.loyalty.reward"].browse(held).lock_for_update(allow_referencing=True)
            self._env(cron)["studio.loyalty.reward"]._cron_expire(batch_size=1)
            cron.commit()  # pylint: disable=invalid-commit
            till.rollback()
        self.assertEqual(self._states()[2:], ["available", "expired"])
        self.assertNotEqual(held, free)


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
            purge_loyalty(cr, [self.partner_id])
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
            self.assertEqual(len(rewards), 1, "one reward per client per run")
            self.assertEqual(rewards.run_id.ids, self.run_ids[:1])

    def _restore_cron_after_test(self, cr, cron_id):
        """Put the job ``cron_id`` back as ``cr`` sees it now once the test ends: schedule, triggers, progress."""
        cr.execute("SELECT nextcall, lastcall, failure_count, first_failure_date FROM ir_cron WHERE id = %s", [cron_id])
        schedule = cr.fetchone()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        (last_trigger,) = cr.fetchone()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_progress")
        (last_progress,) = cr.fetchone()

        def restore():
            with closing(self.db.cursor()) as cr:
                cr.execute(
                    """UPDATE ir_cron SET nextcall = %s, lastcall = %s, failure_count = %s, first_failure_date = %s
                        WHERE id = %s""",
                    [*schedule, cron_id],
                )
                cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s AND id > %s", [cron_id, last_trigger])
                cr.execute("DELETE FROM ir_cron_progress WHERE cron_id = %s AND id > %s", [cron_id, last_progress])
                cr.commit()  # pylint: disable=invalid-commit

        self.addCleanup(restore)

    def test_background_job_held_rows_run_again_at_once(self):
        """A background run whose clients another worker holds stays unfinished, and Odoo runs the job again at once."""
        IrCron = Registry(get_db_name())["ir.cron"]
        with closing(self.db.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron_id = env.ref("studio_loyalty.studio_loyalty_run_cron_process").id
            run = env["studio.loyalty.run"].browse(self.run_ids[0])
            transition(run).state = "queued"
            line_ids = run.line_ids.ids
            self._restore_cron_after_test(cr, cron_id)
            cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(len(line_ids), 1)
        with closing(self.db.cursor()) as worker, closing(self.db.cursor()) as cron_cr:
            held = api.Environment(worker, SUPERUSER_ID, {})["studio.loyalty.run.line"].browse(line_ids)
            self.assertEqual(held.try_lock_for_update(), held)  # another worker is processing the client
            IrCron._process_job(cron_cr, IrCron._acquire_one_job(cron_cr, cron_id, include_not_ready=True))
            cron_cr.commit()  # pylint: disable=invalid-commit
            worker.rollback()
        with closing(self.db.cursor()) as cr:
            self.assertEqual(self._run(cr, 0).state, "processing")
        with closing(self.db.cursor()) as cron_cr:
            # What a cron worker does next: pick up the jobs that are ready.
            job = IrCron._acquire_one_job(cron_cr, cron_id)
            self.assertTrue(job, "the job is due again now, not at its next hour")
            self.assertEqual((job["done"], job["remaining"]), (0, 1))
            IrCron._process_job(cron_cr, job)
            cron_cr.commit()  # pylint: disable=invalid-commit
        with closing(self.db.cursor()) as cr:
            run = self._run(cr, 0)
            self.assertEqual(run.state, "done")
            self.assertEqual(len(run.reward_ids), 1)


@tagged("post_install", "-at_install")
class TestPosSyncConcurrency(BaseCase):
    """Two tills sync orders paid with the same reward at the same moment: one order goes through."""

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with closing(self.db.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            bank_journal = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
            )
            bank = env["pos.payment.method"].create({"name": "Race Bank", "journal_id": bank_journal.id})
            configs = env["pos.config"].create(
                [{"name": f"Race Till {till}", "payment_method_ids": [Command.set(bank.ids)]} for till in "AB"]
            )
            for config in configs:
                config.open_ui()
            partner = env["res.partner"].create({"name": "Race Client"})
            product = env["product.product"].create(
                {
                    "name": "Race Print",
                    "type": "service",
                    "list_price": 100.0,
                    "available_in_pos": True,
                    "taxes_id": False,
                }
            )
            reward = env["studio.loyalty.reward"].create({"partner_id": partner.id, "amount": 20.0})
            cr.commit()  # pylint: disable=invalid-commit
            self.ids = {
                "configs": configs.ids,
                "sessions": configs.current_session_id.ids,
                "bank": bank.id,
                "loyalty": configs.payment_method_ids.filtered("is_studio_loyalty").id,
                "partner": partner.id,
                "product": product.id,
                "reward": reward.id,
                "pricelist": configs[0].pricelist_id.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        ids = self.ids
        with closing(self.db.cursor()) as cr:
            purge_loyalty(cr, [ids["partner"]])
            if ids.get("program"):
                cr.execute("DELETE FROM studio_loyalty_points_program WHERE id = %s", [ids["program"]])
            cr.execute("DELETE FROM pos_order WHERE session_id = ANY(%s)", [ids["sessions"]])
            cr.execute("DELETE FROM pos_session WHERE id = ANY(%s)", [ids["sessions"]])
            cr.execute("DELETE FROM pos_config WHERE id = ANY(%s)", [ids["configs"]])
            cr.execute("DELETE FROM pos_payment_method WHERE id = %s", [ids["bank"]])
            cr.execute("DELETE FROM product_product WHERE id = %s RETURNING product_tmpl_id", [ids["product"]])
            cr.execute("DELETE FROM product_template WHERE id = %s", [cr.fetchone()[0]])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [ids["partner"]])
            cr.commit()  # pylint: disable=invalid-commit

    def _give_points(self, points):
        """Commit ``points`` redeemable points for the client, earned and matured through the engine."""
        with closing(self.db.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Program = env["studio.loyalty.points.program"]
            existed = Program.search_count([("company_id", "=", env.company.id)])
            program = Program._for_company(env.company)
            if not existed:
                self.ids["program"] = program.id  # made here: removed with the rest
            partner = env["res.partner"].browse(self.ids["partner"])
            Points = env["studio.loyalty.points"]
            vals = {"partner_id": partner.id, "kind": "earn", "pending_points": points, "source_key": "race:points"}
            Points._write(program, [{**vals, "available_at": "2020-01-01 00:00:00", "reference": "Race"}], "Race")
            Points._mature(env.company, partner)
            cr.commit()  # pylint: disable=invalid-commit

    def _order(self, till, points=False):
        """Till ``till``'s 100.00 ticket paid with the reward (or 20.00 of points) and 80.00 by bank, as it sends it."""
        ids = self.ids
        loyalty = {"studio_points_amount": 20.0} if points else {"studio_reward_ids": [Command.set([ids["reward"]])]}
        return {
            "uuid": f"race-{till}",
            "name": f"Order race-{till}",
            "session_id": ids["sessions"][till],
            "partner_id": ids["partner"],
            "pricelist_id": ids["pricelist"],
            "user_id": SUPERUSER_ID,
            "date_order": "2026-11-26 10:00:00",
            "amount_total": 100.0,
            "amount_tax": 0.0,
            "amount_paid": 100.0,
            "amount_return": 0.0,
            "lines": [
                (
                    0,
                    0,
                    {
                        "product_id": ids["product"],
                        "qty": 1,
                        "price_unit": 100.0,
                        "price_subtotal": 100.0,
                        "price_subtotal_incl": 100.0,
                        "tax_ids": [],
                    },
                ),
            ],
            "payment_ids": [
                (
                    0,
                    0,
                    {"amount": 20.0, "payment_method_id": ids["loyalty"], **loyalty},
                ),
                (0, 0, {"amount": 80.0, "payment_method_id": ids["bank"]}),
            ],
        }

    def test_two_tills_one_reward(self):
        """The second till's order is refused before it is finalised, naming the reward; nothing of it is saved."""
        with closing(self.db.cursor()) as till_a, closing(self.db.cursor()) as till_b:
            api.Environment(till_a, SUPERUSER_ID, {})["pos.order"].sync_from_ui([self._order(0)])
            with self.assertRaisesRegex(UserError, "being redeemed by another user or till"):
                api.Environment(till_b, SUPERUSER_ID, {})["pos.order"].sync_from_ui([self._order(1)])
            till_b.rollback()
            till_a.commit()  # pylint: disable=invalid-commit
            # Till B tries again once A is done: the reward is spent, with a clear reason.
            with self.assertRaisesRegex(UserError, "has already been redeemed"):
                api.Environment(till_b, SUPERUSER_ID, {})["pos.order"].sync_from_ui([self._order(1)])
            till_b.rollback()
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT uuid, state FROM pos_order WHERE session_id = ANY(%s)", [self.ids["sessions"]])
            self.assertEqual(cr.fetchall(), [("race-0", "paid")])
            cr.execute(
                "SELECT state, pos_order_id IS NOT NULL FROM studio_loyalty_reward WHERE id = %s", [self.ids["reward"]]
            )
            self.assertEqual(cr.fetchone(), ("redeemed", True))

    def test_two_tills_same_points(self):
        """Two tills spend the same points at once: the second is refused, then again against what is left.

        30.00 of points, 20.00 on each ticket; nothing of till B's order is saved.
        """
        self._give_points(3000)
        with closing(self.db.cursor()) as till_a, closing(self.db.cursor()) as till_b:
            api.Environment(till_a, SUPERUSER_ID, {})["pos.order"].sync_from_ui([self._order(0, points=True)])
            with self.assertRaisesRegex(UserError, "being redeemed by another user or till"):
                api.Environment(till_b, SUPERUSER_ID, {})["pos.order"].sync_from_ui([self._order(1, points=True)])
            till_b.rollback()
            till_a.commit()  # pylint: disable=invalid-commit
            with self.assertRaisesRegex(UserError, "has 1000 redeemable points"):
                api.Environment(till_b, SUPERUSER_ID, {})["pos.order"].sync_from_ui([self._order(1, points=True)])
            till_b.rollback()
        with closing(self.db.cursor()) as cr:
            cr.execute("SELECT uuid, state FROM pos_order WHERE session_id = ANY(%s)", [self.ids["sessions"]])
            self.assertEqual(cr.fetchall(), [("race-0", "paid")])
            cr.execute(
                "SELECT SUM(points) FROM studio_loyalty_move WHERE is_points AND partner_id = %s", [self.ids["partner"]]
            )
            self.assertEqual(cr.fetchone(), (1000,))
            cr.execute(
                "SELECT points, state FROM studio_loyalty_reward WHERE partner_id = %s AND origin = 'points'",
                [self.ids["partner"]],
            )
            self.assertEqual(cr.fetchall(), [(2000, "redeemed")])
