import importlib.util
from pathlib import Path

from odoo.tests import tagged

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
