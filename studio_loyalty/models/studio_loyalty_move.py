from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .studio_loyalty_guard import in_transition, transition

MOVE_KINDS = [
    ("issue", "Issued"),
    ("adjust", "Amount Changed"),
    ("redeem", "Redeemed"),
    ("give_back", "Given Back"),
    ("expire", "Expired"),
    ("cancel", "Cancelled"),
    ("reopen", "Made Available Again"),
    ("merge", "Moved by a Merge"),
    ("split", "Partly Used: Rest Kept"),
    ("earn", "Points Earned"),
    ("mature", "Points Now Redeemable"),
    ("clawback", "Points Taken Back"),
    ("convert", "Points Turned into a Reward"),
]

# What the services write on a ledger line, with the column's SQL type (see _insert).
COLUMNS = {
    "date": "date",
    "company_id": "int4",
    "partner_id": "int4",
    "reward_id": "int4",
    "kind": "varchar",
    "origin": "varchar",
    "amount": "numeric",
    "invoice_id": "int4",
    "pos_order_id": "int4",
    "run_id": "int4",
    "referral_id": "int4",
    "reference": "varchar",
    "user_id": "int4",
    "entry_id": "int4",
    "note": "varchar",
    "is_points": "bool",
    "points": "int4",
    "pending_points": "int4",
    "available_at": "timestamp",
    "source_key": "varchar",
    "points_rate": "numeric",
    "points_base": "numeric",
    "session_id": "int4",
}


class StudioLoyaltyMove(models.Model):
    """One movement of loyalty value: the ledger that balances, history and reports read.

    Written only by the redemption service (``studio.loyalty.redemption``),
    never changed or deleted afterwards. The amounts of a reward's lines add
    up to what is left of it; the amounts of all lines up to a date add up to
    what the studio owes its clients at that date, which is the balance of
    the Loyalty Rewards Liability account (each line names the journal entry
    that booked it).
    """

    _name = "studio.loyalty.move"
    _inherit = ["studio.loyalty.guarded"]
    _description = "Loyalty Ledger Line"
    _order = "date desc, id desc"
    _rec_name = "reference"
    _check_company_auto = True

    date = fields.Date(required=True, readonly=True, index=True, default=fields.Date.context_today)
    company_id = fields.Many2one(comodel_name="res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", required=True, readonly=True, index=True, ondelete="restrict"
    )
    reward_id = fields.Many2one(
        comodel_name="studio.loyalty.reward", readonly=True, index=True, ondelete="restrict", check_company=True
    )
    kind = fields.Selection(selection=MOVE_KINDS, string="Movement", required=True, readonly=True, index=True)
    origin = fields.Selection(
        selection=lambda self: self.env["studio.loyalty.reward"]._fields["origin"].selection,
        string="Reward Origin",
        readonly=True,
    )
    amount = fields.Monetary(readonly=True, help="Loyalty value added to (positive) or taken from the client.")
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Invoice or Credit Note",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    pos_order_id = fields.Many2one(
        comodel_name="pos.order", string="POS Order", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    run_id = fields.Many2one(
        comodel_name="studio.loyalty.run",
        string="Processing Run",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    referral_id = fields.Many2one(
        comodel_name="studio.referral", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    reference = fields.Char(string="Source Document", readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users", string="Recorded By", readonly=True, default=lambda self: self.env.user
    )
    entry_id = fields.Many2one(
        comodel_name="account.move",
        string="Journal Entry",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The entry that booked this movement on the Loyalty Rewards Liability account. A Point of Sale "
        "movement is booked by its session's closing entry.",
    )
    note = fields.Char(readonly=True)
    # Points: a second loyalty currency on the same ledger, valued in ``amount``.
    is_points = fields.Boolean(string="Points", readonly=True, index=True)
    points = fields.Integer(
        string="Redeemable Points", readonly=True, help="Points added to (positive) or taken from what may be spent."
    )
    pending_points = fields.Integer(
        readonly=True, help="Points added to (positive) or taken from those waiting out the pending period."
    )
    available_at = fields.Datetime(
        string="Redeemable From", readonly=True, help="When the points of this line may be spent."
    )
    source_key = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="What earned the points (a sale and its class, a session, a referral): each earns once.",
    )
    points_rate = fields.Float(readonly=True, help="Points per currency unit (or per action) the line was earned at.")
    points_base = fields.Monetary(readonly=True, help="The untaxed amount, after discounts, the points are earned on.")
    session_id = fields.Many2one(
        comodel_name="calendar.event", readonly=True, index="btree_not_null", ondelete="restrict"
    )

    def _studio_refusal(self, vals, creating):
        return self.env._("The loyalty ledger records what happened: its lines cannot be created or changed by hand.")

    def write(self, vals):
        # Even the services only fill in the entry a movement was booked by later (a POS session's closing).
        if in_transition(self) and vals.keys() - {"entry_id"}:
            raise UserError(self._studio_refusal(vals, False))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The loyalty ledger records what happened: its lines cannot be deleted."))

    @api.model
    def _insert(self, vals_list):
        """Write ledger lines in one statement and return them, in the order of ``vals_list``.

        What ``create`` does, without its cost per line, which doubled the
        time of a processing run: the defaults (today, the current user), the
        amounts rounded to the company's currency, the log columns; then the
        clients' and rewards' cached histories are read again and what
        depends on the lines (a reward's balance) is recomputed. The services
        only, inside :func:`transition`: a line's company is always its
        reward's, so there is no company to check.
        """
        if not vals_list:
            return self.browse()
        if not in_transition(self):
            raise UserError(self._studio_refusal(vals_list[0], True))
        unknown = set().union(*vals_list) - COLUMNS.keys()
        if unknown:
            raise ValueError(f"Not a column of a ledger line: {', '.join(sorted(unknown))}")
        today = fields.Date.context_today(self)
        currencies = {
            company.id: company.currency_id
            for company in self.env["res.company"].browse({vals["company_id"] for vals in vals_list}).sudo()
        }
        columns = {name: [] for name in COLUMNS}
        for vals in vals_list:
            for name, values in columns.items():
                value = vals.get(name)
                if name == "amount":
                    value = currencies[vals["company_id"]].round(value or 0.0)
                elif name == "date":
                    value = fields.Date.to_date(value) or today
                elif name == "user_id":
                    value = value or self.env.uid
                elif name in ("points", "pending_points", "is_points"):
                    value = value or (False if name == "is_points" else 0)
                values.append(None if value is False and name != "is_points" else value)
        names = list(COLUMNS)
        lines = self._studio_insert_rows(columns, COLUMNS)
        lines.modified(names, create=True)
        return lines

    def action_open_source(self):
        """Open the document behind the movement, where the user may read it."""
        self.ensure_one()
        document = (
            self.invoice_id or self.pos_order_id or self.run_id or self.referral_id or self.session_id or self.reward_id
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "view_mode": "form",
        }

    def _link_entry(self, entry):
        """Name ``entry`` as the booking of those of these lines that had none yet."""
        unbooked = self.filtered(lambda line: not line.entry_id)
        if unbooked and entry:
            transition(unbooked.sudo())._set_entry(entry)

    def _set_entry(self, entry):
        """Name ``entry`` as the booking of these lines, in one statement: a run books tens of thousands.

        ``write`` would update them a hundred at a time, which took as long as
        writing the lines. The services only, inside :func:`transition`.
        """
        if not self:
            return
        if not in_transition(self):
            raise UserError(self._studio_refusal({"entry_id": entry.id}, False))
        self.modified(["entry_id"], before=True)
        self.env.cr.execute(
            SQL(
                "UPDATE studio_loyalty_move SET entry_id = %s, write_uid = %s, write_date = %s WHERE id = ANY(%s)",
                entry.id,
                self.env.uid,
                self.env.cr.now(),
                list(self.ids),
            )
        )
        self.invalidate_recordset(["entry_id", "write_uid", "write_date"])
        for inverse in self.pool.field_inverses[self._fields["entry_id"]]:
            self.env[inverse.model_name].invalidate_model([inverse.name])
        self.modified(["entry_id"])

    @api.model
    def _backfill(self):
        """Give rewards stored before the ledger their lines, and book what they leave outstanding once.

        Each company's old Loyalty Rewards account (an expense account coded
        ahead of the chart's own) becomes its Loyalty Rewards Expense account,
        coded after the chart's expense accounts; a Liability account is made.
        Each reward without lines gets its issue line (dated when issued) and,
        redeemed, expired or cancelled, the line that took its value (dated
        when that happened, as far as the reward tells); the rewards still
        available are booked as owed in one opening entry per company, dated
        today. Rewards that already have lines are left alone.
        """
        for company in self.env["res.company"].search([("loyalty_journal_id", "!=", False)]):
            old = company.loyalty_journal_id.default_account_id.with_company(company)
            if not company.studio_expense_account_id and old.account_type == "expense":
                Account = self.env["account.account"].with_company(company)
                last = Account.search(
                    [*Account._check_company_domain(company), ("account_type", "=", "expense"), ("id", "!=", old.id)],
                    order="code desc",
                    limit=1,
                )
                if last.code and old.code < last.code:
                    old.code = Account._search_new_account_code(last.code)
                old.name = self.env._("Loyalty Rewards Expense")
                company.studio_expense_account_id = old
            liability, _expense = company._studio_loyalty_accounts()
            company.loyalty_journal_id.default_account_id = liability
        Reward = self.env["studio.loyalty.reward"].with_context(active_test=False)
        rewards = Reward.search([("ledger_ids", "=", False)], order="id")
        Service = self.env["studio.loyalty.redemption"]
        today = fields.Date.context_today(self)
        vals_list, opening = [], self.browse()
        for reward in rewards:
            source = reward.run_id or reward.referral_id or reward.refund_move_id or reward.refund_pos_order_id
            issue = Service._record_vals("issue", reward, reward.amount, source or reward)
            issue.update(date=reward.issue_date, entry_id=reward.return_move_id.id)
            vals_list.append(issue)
            if reward.state == "redeemed":
                spent = Service._record_vals("redeem", reward, -reward.amount, reward.move_id or reward.pos_order_id)
                spent.update(date=reward.redeemed_date or reward.issue_date, entry_id=reward.payment_move_id.id)
                vals_list.append(spent)
            elif reward.state in ("expired", "cancelled"):
                kind = "expire" if reward.state == "expired" else "cancel"
                gone = Service._record_vals(kind, reward, -reward.amount, reward)
                when = reward.write_date.date() if kind == "cancel" else reward.expiration_date or today
                gone.update(date=min(when, today))
                vals_list.append(gone)
        lines = transition(self.sudo())._insert(vals_list)
        opening = lines.filtered(lambda line: line.kind == "issue" and line.reward_id.state == "available")
        Service._book_accrual(opening, self.env._("Loyalty rewards outstanding when the ledger was introduced"))
        return lines
