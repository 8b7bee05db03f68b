from odoo import fields, models
from odoo.tools import SQL


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_start_date = fields.Date(
        string="Loyalty Program Start Date",
        help="Only sales on or after this date qualify for processed loyalty rewards.",
    )
    loyalty_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Loyalty Rewards Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Journal in which redeemed rewards are booked as a payment of the invoice.",
    )

    def _loyalty_tz(self):
        """The time zone the company's loyalty days are counted in: its address's, else UTC.

        Sales, referral clocks and "today" all use it, whoever or whatever runs
        the tool, so a day ends at midnight where the studio is.
        """
        self.ensure_one()
        return self.partner_id.tz or "UTC"

    def _get_loyalty_journal(self):
        """The company's Loyalty Rewards journal, created if still missing.

        It is made at install and when a chart of accounts is installed; should
        it still be missing, the company row is locked first, so two first
        redemptions at the same moment make one journal: the second waits,
        then fails to serialize and Odoo runs it again, finding the journal.
        """
        self.ensure_one()
        if self.loyalty_journal_id:
            return self.loyalty_journal_id
        self.env.cr.execute(SQL("SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE", self.id))
        Journal = self.env["account.journal"].sudo().with_company(self)
        journal = Journal.search([("code", "=", "LOYR"), ("company_id", "=", self.id)], limit=1)
        if not journal:
            account = self._create_loyalty_account()
            journal = Journal.create(
                {
                    "name": self.env._("Loyalty Rewards"),
                    "code": "LOYR",
                    "type": "general",
                    "company_id": self.id,
                    "default_account_id": account.id,
                }
            )
        self.sudo().loyalty_journal_id = journal
        return journal

    def _create_loyalty_account(self):
        Account = self.env["account.account"].sudo().with_company(self)
        expense = Account.search(
            [*Account._check_company_domain(self), ("account_type", "=", "expense")],
            order="code",
            limit=1,
        )
        code = Account._search_new_account_code(expense.code or "6000")
        return Account.create(
            {
                "name": self.env._("Loyalty Rewards"),
                "code": code,
                "account_type": "expense",
                "company_ids": [self.id],
            }
        )
