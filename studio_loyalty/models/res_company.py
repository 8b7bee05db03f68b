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
    studio_liability_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Loyalty Rewards Liability Account",
        check_company=True,
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current'))]",
        help="What the studio owes its clients in loyalty rewards: credited when a reward is issued, "
        "debited when it is redeemed, expires or is cancelled.",
    )
    studio_expense_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Loyalty Rewards Expense Account",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_other'))]",
        help="The cost of the rewards issued; expired and cancelled rewards are released back to it.",
    )

    studio_session_invitation = fields.Boolean(
        string="Email Session Invitations",
        default=True,
        help="Booking a client session emails the client (and the other attendees) Odoo's calendar invitation. "
        "Untick to book sessions without sending anything.",
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
            liability, _expense = self._studio_loyalty_accounts()
            journal = Journal.create(
                {
                    "name": self.env._("Loyalty Rewards"),
                    "code": "LOYR",
                    "type": "general",
                    "company_id": self.id,
                    "default_account_id": liability.id,
                }
            )
        self.sudo().loyalty_journal_id = journal
        return journal

    def _studio_loyalty_accounts(self):
        """``(liability, expense)``: the company's Loyalty Rewards accounts, created when missing."""
        self.ensure_one()
        company = self.sudo()
        if not company.studio_liability_account_id:
            company.studio_liability_account_id = company._studio_create_account(
                self.env._("Loyalty Rewards Liability"), "liability_current", "2000"
            )
        if not company.studio_expense_account_id:
            company.studio_expense_account_id = company._studio_create_account(
                self.env._("Loyalty Rewards Expense"), "expense", "6000"
            )
        return company.studio_liability_account_id, company.studio_expense_account_id

    def _studio_create_account(self, name, account_type, fallback_code):
        """An account of ``account_type`` coded right after the chart's last one of that type.

        Never ahead of the chart's own accounts: Odoo's code and tests take
        "the first expense account" of a chart as a fallback.
        """
        Account = self.env["account.account"].sudo().with_company(self)
        last = Account.search(
            [*Account._check_company_domain(self), ("account_type", "=", account_type)],
            order="code desc",
            limit=1,
        )
        return Account.create(
            {
                "name": name,
                "code": Account._search_new_account_code(last.code or fallback_code),
                "account_type": account_type,
                "company_ids": [self.id],
            }
        )
