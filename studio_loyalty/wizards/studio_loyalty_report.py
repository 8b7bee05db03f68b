from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

# The Activity report's columns: what each movement of the ledger counts as, and
# the sign that shows it as a positive amount (a lower amount lowers "issued").
COLUMN_SIGNS = {"issued": 1, "redeemed": -1, "given_back": 1, "expired": -1, "cancelled": -1, "moved": 1}
ACTIVITY_COLUMNS = {
    "issue": "issued",
    "adjust": "issued",
    "reopen": "issued",
    "redeem": "redeemed",
    "give_back": "given_back",
    "expire": "expired",
    "cancel": "cancelled",
    "merge": "moved",
    # A partly used reward's rest moves to a reward of its own: the client's value is unchanged.
    "split": None,
    # Points: earned and taken back are issued value; turning points into a reward moves
    # value between the two (the reward's redemption counts), a pending period ends.
    "earn": "issued",
    "clawback": "issued",
    "convert": None,
    "mature": None,
}


class StudioLoyaltyReport(models.TransientModel):
    """The Loyalty Rewards Activity and Outstanding reports: a period or a date, a company, clients.

    Both read the ledger with grouped queries: what moved in a period, by
    client and by origin; and what is left of each reward at a date, beside
    the balance of the Loyalty Rewards Liability account at that date.
    """

    _name = "studio.loyalty.report"
    _description = "Loyalty Rewards Report"

    report_type = fields.Selection(
        selection=[("activity", "Loyalty Rewards Activity"), ("outstanding", "Loyalty Rewards Outstanding")],
        required=True,
        default="activity",
    )
    date_from = fields.Date(string="From", default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date(string="To", default=fields.Date.context_today)
    as_of = fields.Date(string="As of", default=fields.Date.context_today)
    company_id = fields.Many2one(comodel_name="res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_ids = fields.Many2many(comodel_name="res.partner", string="Clients", help="Leave empty for every client.")

    @api.constrains("date_from", "date_to", "as_of", "report_type")
    def _check_dates(self):
        for report in self:
            report._check_input()

    def _check_input(self):
        self.ensure_one()
        if self.report_type == "activity":
            if not self.date_from or not self.date_to:
                raise UserError(self.env._("Choose the first and the last day of the period."))
            if self.date_to < self.date_from:
                raise UserError(self.env._("The period ends before it starts."))
        else:
            if not self.as_of:
                raise UserError(self.env._("Choose the date the report is as of."))
            if self.as_of > fields.Date.context_today(self):
                raise UserError(self.env._("The Outstanding report cannot be as of a date in the future."))

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _domain(self):
        domain = Domain("company_id", "=", self.company_id.id)
        if self.partner_ids:
            domain &= Domain("partner_id", "in", self.partner_ids.commercial_partner_id.ids)
        if self.report_type == "activity":
            return domain & Domain("date", ">=", self.date_from) & Domain("date", "<=", self.date_to)
        return domain & Domain("date", "<=", self.as_of)

    def _activity(self):
        """``{'clients': [...], 'origins': [...], 'totals': {...}}``: counts and amounts per column.

        Amounts are shown as positive values of what was issued, redeemed,
        given back, expired or cancelled; ``net`` is the change of what the
        studio owes over the period.
        """
        self.ensure_one()
        self._check_input()
        Move = self.env["studio.loyalty.move"]
        currency = self.currency_id

        def new_row(key):
            return {"key": key, "net": 0.0, **{column: [0, 0.0] for column in COLUMN_SIGNS}}

        def rows(groupby):
            """Rows in the order of ``groupby`` (clients by name), summed in SQL, rounded once per cell."""
            table = {}
            for key, kind, count, amount in Move._read_group(
                self._domain(), [groupby, "kind"], ["__count", "amount:sum"], order=f"{groupby}, kind"
            ):
                column = ACTIVITY_COLUMNS[kind]
                if column is None:
                    continue
                row = table.get(key) or table.setdefault(key, new_row(key))
                row[column][0] += count
                row[column][1] += COLUMN_SIGNS[column] * amount
                row["net"] += amount
            return table

        def rounded(row):
            row["net"] = currency.round(row["net"])
            for column in COLUMN_SIGNS:
                if row[column][0]:
                    row[column][1] = currency.round(row[column][1])
            return row

        clients = [rounded(row) for row in rows("partner_id").values()]
        origins = [rounded(row) for row in rows("origin").values()]
        # Every movement has an origin: the origins add up to the totals.
        totals = new_row(None)
        for row in origins:
            totals["net"] += row["net"]
            for column in COLUMN_SIGNS:
                totals[column][0] += row[column][0]
                totals[column][1] += row[column][1]
        labels = dict(self.env["studio.loyalty.reward"]._fields["origin"]._description_selection(self.env))
        for row in origins:
            row["label"] = labels.get(row["key"], self.env._("Other"))
        return {
            "clients": clients,
            "origins": sorted(origins, key=lambda row: row["label"]),
            "totals": rounded(totals),
        }

    def _outstanding(self):
        """Each client's rewards and points with value left at the date, the totals, the liability beside them."""
        self.ensure_one()
        self._check_input()
        Move = self.env["studio.loyalty.move"]
        currency = self.currency_id
        left = [
            (reward, currency.round(amount))
            for reward, amount in Move._read_group(
                self._domain() & Domain("is_points", "=", False), ["reward_id"], ["amount:sum"]
            )
            if reward and currency.compare_amounts(amount, 0.0) > 0
        ]
        # Points at the value they were booked at: a negative balance (taken back once spent) counts too.
        held = [
            (client, points, currency.round(amount))
            for client, points, pending, amount in Move._read_group(
                self._domain() & Domain("is_points", "=", True),
                ["partner_id"],
                ["points:sum", "pending_points:sum", "amount:sum"],
            )
            for points in [points + pending]
            if points or not currency.is_zero(amount)
        ]
        clients = {}

        def client_row(client):
            return clients.setdefault(
                client, {"client": client, "rewards": [], "points": 0, "points_value": 0.0, "total": 0.0}
            )

        for reward, amount in sorted(left, key=lambda item: (item[0].partner_id.display_name, item[0].issue_date)):
            row = client_row(reward.commercial_partner_id)
            row["rewards"].append({"reward": reward, "amount": amount})
            row["total"] = currency.round(row["total"] + amount)
        for client, points, amount in held:
            row = client_row(client)
            row.update(points=points, points_value=amount, total=currency.round(row["total"] + amount))
        rewards_total = currency.round(sum(amount for _reward, amount in left))
        points_value = currency.round(sum(amount for _client, _points, amount in held))
        total = currency.round(rewards_total + points_value)
        soon = self.as_of + timedelta(days=30)
        expiring = currency.round(
            sum(amount for reward, amount in left if reward.expiration_date and reward.expiration_date <= soon)
        )
        liability = self._liability_balance()
        return {
            "clients": sorted(clients.values(), key=lambda row: row["client"].display_name or ""),
            "total": total,
            "rewards_total": rewards_total,
            "points": sum(points for _client, points, _amount in held),
            "points_value": points_value,
            "count": len(left),
            "expiring": expiring,
            "expiring_until": soon,
            "liability": liability,
            "difference": currency.round(liability - total) if liability is not None else None,
        }

    def _outstanding_total(self):
        """What the studio owes its clients at the date: one sum over the ledger."""
        self.ensure_one()
        [(amount,)] = self.env["studio.loyalty.move"]._read_group(self._domain(), [], ["amount:sum"])
        return self.currency_id.round(amount)

    def _liability_balance(self):
        """The Loyalty Rewards Liability account's credit balance at the date (``None`` for some clients only)."""
        account = self.company_id.studio_liability_account_id
        if self.partner_ids or not account:
            return None
        [(balance,)] = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("account_id", "=", account.id),
                    ("company_id", "=", self.company_id.id),
                    ("parent_state", "=", "posted"),
                    ("date", "<=", self.as_of),
                ],
                [],
                ["balance:sum"],
            )
        )
        return self.currency_id.round(-balance)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_print(self):
        self.ensure_one()
        self._check_input()
        return self.env.ref("studio_loyalty.studio_loyalty_report_action_pdf").report_action(self)

    def action_analyse(self):
        """The same lines in the ledger's pivot, graph and list: for Outstanding, summed up to the date."""
        self.ensure_one()
        self._check_input()
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_loyalty_move_action")
        action["domain"] = list(self._domain())
        action["name"] = action["display_name"] = self._report_title()
        columns = [] if self.report_type == "outstanding" else ["kind"]
        action["context"] = {"pivot_row_groupby": ["partner_id"], "pivot_column_groupby": columns}
        return action

    def _format_date(self, date):
        return format_date(self.env, date)

    def _report_title(self):
        self.ensure_one()
        if self.report_type == "activity":
            return self.env._(
                "Loyalty Rewards Activity, %(start)s to %(end)s",
                start=self._format_date(self.date_from),
                end=self._format_date(self.date_to),
            )
        return self.env._("Loyalty Rewards Outstanding as of %s", self._format_date(self.as_of))
