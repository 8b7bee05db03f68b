from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from .studio_loyalty_guard import in_transition, transition

LOCKED_STATES = ("redeemed", "expired")
# Written only by the redemption service (issue, redeem, give back, cancel, reopen, expire).
LINK_FIELDS = frozenset(
    {
        "move_id",
        "payment_move_id",
        "pos_order_id",
        "redeemed_date",
        "referral_id",
        "refund_move_id",
        "refund_pos_order_id",
        "return_move_id",
        "run_id",
        "run_line_id",
        "split_from_id",
    }
)
TRANSITION_FIELDS = LINK_FIELDS | {"state", "origin", "points"}
# What a flow issues a reward with, with the column's SQL type (see _insert).
ISSUE_COLUMNS = {
    "partner_id": "int4",
    "company_id": "int4",
    "amount": "numeric",
    "issue_date": "date",
    "expiration_date": "date",
    "origin": "varchar",
    "note": "text",
    "referral_id": "int4",
    "refund_move_id": "int4",
    "refund_pos_order_id": "int4",
    "return_move_id": "int4",
    "run_id": "int4",
    "run_line_id": "int4",
    "points": "int4",
    "split_from_id": "int4",
}
# What the rest of a partly used reward keeps of it: where it came from, and when it expires.
REST_FIELDS = (
    "partner_id",
    "company_id",
    "issue_date",
    "expiration_date",
    "origin",
    "referral_id",
    "refund_move_id",
    "refund_pos_order_id",
    "return_move_id",
    "run_id",
    "run_line_id",
)
# The order rewards are offered in to pay a sale: the first to expire first.
REDEEM_ORDER = "expiration_date asc nulls last, id"


class StudioLoyaltyReward(models.Model):
    """A dollar-value reward a client can spend like a gift certificate.

    Every movement of its value goes through ``studio.loyalty.redemption``
    and is a line of the ledger (``ledger_ids``); its balance is read from them.
    """

    _name = "studio.loyalty.reward"
    _description = "Loyalty Reward"
    _inherit = ["studio.loyalty.guarded", "mail.thread", "pos.load.mixin"]
    _order = "issue_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Client",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
        string="Client Account",
        help="The client's company, if any: its contacts share its rewards.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True)
    issue_date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    expiration_date = fields.Date(tracking=True, index="btree_not_null")
    origin = fields.Selection(
        selection=[
            ("manual", "Issued by hand"),
            ("run", "Processing run"),
            ("referral", "Referral"),
            ("points", "Points"),
            ("refund", "Refunded redemption"),
        ],
        required=True,
        default="manual",
        readonly=True,
    )
    points = fields.Integer(
        string="Points Redeemed",
        readonly=True,
        help="The points this reward was made of, to pay a sale with them: given back, they come back as points.",
    )
    state = fields.Selection(
        selection=[
            ("available", "Available"),
            ("redeemed", "Redeemed"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="available",
        readonly=True,
        index=True,
        tracking=True,
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Redeemed on Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    payment_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Payment Entry",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Journal entry that pays the invoice with this reward.",
    )
    pos_order_id = fields.Many2one(
        comodel_name="pos.order",
        string="Redeemed on POS Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    redeemed_date = fields.Date(readonly=True, copy=False)
    referral_id = fields.Many2one(
        comodel_name="studio.referral",
        string="Earned by Referral",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    return_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Return Entry",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Entry that booked a refunded share back from the receivable to the loyalty account.",
    )
    refund_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Refunded by Credit Note",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The credit note that gave this share of a redemption back as a new reward.",
    )
    refund_pos_order_id = fields.Many2one(
        comodel_name="pos.order",
        string="Given Back by POS Refund",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The Point of Sale refund that gave this reward back, or made it as the refunded share.",
    )
    run_id = fields.Many2one(
        comodel_name="studio.loyalty.run",
        string="Processing Run",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    run_line_id = fields.Many2one(
        comodel_name="studio.loyalty.run.line", readonly=True, index="btree_not_null", ondelete="set null"
    )
    split_from_id = fields.Many2one(
        comodel_name="studio.loyalty.reward",
        string="Rest Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The reward that paid part of a sale: this is what was left of it, with the same expiry.",
    )
    note = fields.Text()
    ledger_ids = fields.One2many(
        comodel_name="studio.loyalty.move", inverse_name="reward_id", string="History", readonly=True
    )
    balance = fields.Monetary(
        string="Remaining Value",
        compute="_compute_balance",
        store=True,
        help="What is left of the reward: the sum of its ledger lines.",
    )

    # The document it was spent on, as a reader sees it: whoever sees the
    # reward sees its number, date and total, not only who may open it.
    redeemed_on = fields.Char(
        compute="_compute_redeemed_on",
        compute_sudo=True,
        help="The invoice or Point of Sale receipt the reward was spent on.",
    )
    redeemed_on_date = fields.Date(string="Document Date", compute="_compute_redeemed_on", compute_sudo=True)
    redeemed_on_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_redeemed_on", compute_sudo=True
    )
    redeemed_on_amount = fields.Monetary(
        string="Document Total",
        currency_field="redeemed_on_currency_id",
        compute="_compute_redeemed_on",
        compute_sudo=True,
    )
    refund_pos_reference = fields.Char(related="refund_pos_order_id.pos_reference", string="Given Back by POS Receipt")
    can_open_document = fields.Boolean(
        compute="_compute_can_open_document", help="The current user may open the document it was spent on."
    )
    can_reopen = fields.Boolean(
        compute="_compute_can_reopen", compute_sudo=True, help="Cancelled, and nothing keeps it from coming back."
    )

    letter_line_ids = fields.Many2many(
        comodel_name="studio.loyalty.mailing.line",
        relation="studio_loyalty_mailing_line_reward_rel",
        column1="reward_id",
        column2="line_id",
        string="Letters",
        readonly=True,
        copy=False,
    )

    _amount_positive = models.Constraint("CHECK(amount > 0)", "A reward's amount must be greater than zero.")

    @api.constrains("issue_date", "expiration_date")
    def _check_dates(self):
        for reward in self:
            if reward.expiration_date and reward.expiration_date < reward.issue_date:
                raise ValidationError(
                    self.env._("Reward %(name)s cannot expire before it is issued.", name=reward.name)
                )

    @api.depends("ledger_ids.amount")
    def _compute_balance(self):
        """One grouped query for all the rewards whose ledger moved."""
        totals = dict(
            self.env["studio.loyalty.move"]
            .sudo()
            ._read_group([("reward_id", "in", self.ids)], ["reward_id"], ["amount:sum"])
        )
        for reward in self:
            reward.balance = reward.currency_id.round(totals.get(reward, 0.0))

    @api.depends("move_id", "pos_order_id")
    def _compute_redeemed_on(self):
        """A POS order by its receipt number: a till's order names repeat from one device to the next."""
        for reward in self:
            document = reward.move_id or reward.pos_order_id
            if reward.move_id:
                reward.redeemed_on = document.name
                reward.redeemed_on_date = document.invoice_date or document.date
            elif document:
                reward.redeemed_on = document.pos_reference or document.name
                reward.redeemed_on_date = fields.Date.context_today(reward, document.date_order)
            else:
                reward.redeemed_on = reward.redeemed_on_date = False
            reward.redeemed_on_currency_id = document.currency_id
            reward.redeemed_on_amount = document.amount_total

    @api.depends("move_id", "pos_order_id")
    @api.depends_context("uid")
    def _compute_can_open_document(self):
        for reward in self:
            document = reward.move_id or reward.pos_order_id
            reward.can_open_document = bool(document) and document.has_access("read")

    @api.depends("state", "run_id.state", "refund_move_id.state")
    def _compute_can_reopen(self):
        for reward in self:
            reward.can_reopen = reward.state == "cancelled" and not reward._reopen_refusal()

    @api.depends("name", "amount", "expiration_date")
    @api.depends_context("studio_reward_show_amount", "lang")
    def _compute_display_name(self):
        if not self.env.context.get("studio_reward_show_amount"):
            return super()._compute_display_name()
        for reward in self:
            label = f"{reward.name} — {reward.currency_id.format(reward.amount)}"
            if reward.expiration_date:
                label += " " + self.env._("(expires %s)", format_date(self.env, reward.expiration_date))
            reward.display_name = label

    @api.model
    def search_fetch(self, domain, field_names=None, offset=0, limit=None, order=None):
        """In the invoice's redeem dialog (``studio_reward_show_amount``), the first to expire first."""
        if not order and self.env.context.get("studio_reward_show_amount"):
            order = REDEEM_ORDER
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    def _studio_refusal(self, vals, creating):
        if creating:
            linked = LINK_FIELDS & {key for key, value in vals.items() if value}
            if linked or vals.get("state", "available") != "available" or vals.get("origin", "manual") != "manual":
                return self.env._(
                    "A new reward is available and issued by hand; redeeming it, giving it back or "
                    "linking it to a run happens only through those flows."
                )
        elif TRANSITION_FIELDS & vals.keys():
            return self.env._(
                "A reward's state and the documents it is linked to change only by issuing, redeeming, "
                "giving back, cancelling or expiring it."
            )
        return None

    @api.model_create_multi
    def create(self, vals_list):
        self._assign_names(vals_list)
        rewards = super().create(vals_list)
        if not in_transition(self):
            # Issued by hand: recorded and booked as owed here; the flows do it in the service.
            self.env["studio.loyalty.redemption"]._issued(rewards)
            self.env["studio.loyalty.mailing"]._notify_awarded(rewards)
        return rewards

    @api.model
    def _assign_names(self, vals_list):
        """Give each of ``vals_list`` without a reference the next one of its company's sequence.

        Numbered a company at a time: a processing run creates thousands of
        rewards at once, and a query per number would dominate it.
        """
        unnamed = ("/", self.env._("New"))
        by_company = defaultdict(list)
        for vals in vals_list:
            if vals.get("name", "/") in unnamed:
                by_company[vals.get("company_id") or self.env.company.id].append(vals)
        for company_id, company_vals in by_company.items():
            sequence = (
                self.env["ir.sequence"]
                .sudo()
                .search(
                    [("code", "=", "studio.loyalty.reward"), ("company_id", "in", [company_id, False])],
                    order="company_id",
                    limit=1,
                )
            )
            names = self._sequence_names(sequence, len(company_vals))
            for vals, name in zip(company_vals, names, strict=True):
                vals["name"] = name

    @api.model
    def _insert(self, vals_list):
        """Issue rewards for a flow (a run, a referral, a refund's share) in one statement; return them.

        What ``create`` does, without its cost per reward, which was most of
        a processing run: the references, the defaults, the amounts rounded
        to the company's currency, the client account, the log columns, then
        the Python constraints, the company check, the cached one2many fields
        read again and what depends on rewards recomputed. A new reward is
        available and worth its amount, which its issue line (written by the
        caller, see ``studio.loyalty.redemption._issue``) records: its
        balance is written with it. The flows create rewards without a
        creation message or followers, so ``mail.thread`` has nothing to do.
        """
        if not vals_list:
            return self.browse()
        if not in_transition(self):
            raise UserError(self._studio_refusal({"origin": "run"}, True))
        unknown = set().union(*vals_list) - ISSUE_COLUMNS.keys()
        if unknown:
            raise ValueError(f"Not a value a flow issues a reward with: {', '.join(sorted(unknown))}")
        today = fields.Date.context_today(self)
        origins = {value for value, _label in self._fields["origin"].selection}
        vals_list = [
            {"company_id": self.env.company.id, "issue_date": today, "origin": "manual", **vals, "name": "/"}
            for vals in vals_list
        ]
        if any(vals["origin"] not in origins for vals in vals_list):
            raise ValueError("Unknown reward origin")
        self._assign_names(vals_list)
        clients = {
            partner.id: partner.commercial_partner_id.id
            for partner in self.env["res.partner"].sudo().browse({vals["partner_id"] for vals in vals_list})
        }
        currencies = {
            company.id: company.currency_id
            for company in self.env["res.company"].sudo().browse({vals["company_id"] for vals in vals_list})
        }
        column_types = {**ISSUE_COLUMNS, "name": "varchar", "commercial_partner_id": "int4", "balance": "numeric"}
        columns = {name: [] for name in column_types}
        for vals in vals_list:
            amount = currencies[vals["company_id"]].round(vals.get("amount") or 0.0)
            vals.update(amount=amount, balance=amount, commercial_partner_id=clients[vals["partner_id"]])
            for name, values in columns.items():
                value = vals.get(name)
                if name in ("issue_date", "expiration_date"):
                    value = fields.Date.to_date(value)
                values.append(None if value is False else value)
        columns["state"] = ["available"] * len(vals_list)
        names = list(columns)
        rewards = self._studio_insert_rows(columns, {**column_types, "state": "varchar"})
        written = [self._fields[name] for name in names if self._fields[name].compute]
        with self.env.protecting(written, rewards):
            rewards.modified(names, create=True)
        rewards._validate_fields(names)
        rewards._check_company()
        return rewards

    @api.model
    def _sequence_names(self, sequence, count):
        """``count`` references drawn from ``sequence``, in one query where it can.

        A standard sequence without date ranges is a PostgreSQL sequence that
        hands out all the numbers in one statement; any other draws them one
        by one through ``_next()``.
        """
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range or count == 1:
            return [sequence._next() for _i in range(count)]
        rows = self.env.execute_query(
            SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"ir_sequence_{sequence.id:03d}", count)
        )
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in sorted(row[0] for row in rows)]

    def write(self, vals):
        if "company_id" in vals and any(r.company_id.id != vals["company_id"] for r in self):
            # Its amount is in the company's currency: another company would change its value.
            raise UserError(self.env._("A reward stays with the company that issued it."))
        if in_transition(self):
            return super().write(vals)
        valued = {"partner_id", "amount", "issue_date"} & vals.keys()
        if ({"expiration_date"} | valued) & vals.keys() and any(r.state in LOCKED_STATES for r in self):
            raise UserError(self.env._("A redeemed or expired reward cannot be changed."))
        if valued and any(r.origin != "manual" or r.state != "available" for r in self):
            raise UserError(
                self.env._(
                    "Only an available reward issued by hand may have its client, amount or issue date changed: "
                    "the value of the others is already accounted for. Cancel it instead."
                )
            )
        if "expiration_date" in vals and any(
            r.origin != "manual"
            and r.expiration_date
            and vals["expiration_date"]
            and fields.Date.to_date(vals["expiration_date"]) < r.expiration_date
            for r in self
        ):
            raise UserError(
                self.env._("The expiry of a reward made by a run, a referral or a refund can only be extended.")
            )
        if {"partner_id", "amount"} & vals.keys():
            result = super().write({key: value for key, value in vals.items() if key not in ("partner_id", "amount")})
            changes = {key: vals[key] for key in ("partner_id", "amount") if key in vals}
            Service = self.env["studio.loyalty.redemption"]
            for reward in self:
                Service._change(reward, changes)
            return result
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A reward is kept with its history: cancel it instead of deleting it."))

    def _studio_locked(self):
        """These rewards locked for a state change, as the last holder left them."""
        return self.env["studio.loyalty.redemption"]._lock(self)

    def action_cancel(self):
        if any(r.state != "available" for r in self):
            raise UserError(self.env._("Only available rewards can be cancelled."))
        self.env["studio.loyalty.redemption"]._release(self._studio_locked(), "cancelled")

    def action_reopen(self):
        if any(r.state != "cancelled" for r in self):
            raise UserError(self.env._("Only cancelled rewards can be made available again."))
        for reward in self:
            # Read as the service: a credit note's state is not every loyalty user's to read.
            if message := reward.sudo()._reopen_refusal():
                raise UserError(message)
        self.env["studio.loyalty.redemption"]._reopen(self._studio_locked())

    def _reopen_refusal(self):
        """Why this cancelled reward cannot be made available again, or ``None``."""
        self.ensure_one()
        # The value of these went back elsewhere: to the run's sales, or off the credit note.
        if self.run_id.state == "cancelled":
            return self.env._(
                "Reward %(reward)s belongs to the cancelled run %(run)s, whose sales were given back.",
                reward=self.name,
                run=self.run_id.name,
            )
        if self.refund_move_id and self.refund_move_id.state != "posted":
            return self.env._(
                "Reward %(reward)s came from credit note %(move)s, which is no longer posted.",
                reward=self.name,
                move=self.refund_move_id.display_name,
            )
        return None

    def action_open(self):
        """Open the document a redeemed reward was spent on, where the user may, else the reward itself.

        The reward's form shows the document's number, date and total to
        those who may not open it.
        """
        self.ensure_one()
        document = self.move_id or self.pos_order_id
        if self.state == "redeemed" and document and document.has_access("read"):
            return {
                "type": "ir.actions.act_window",
                "res_model": document._name,
                "res_id": document.id,
                "view_mode": "form",
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
        }

    def action_studio_send_letters(self):
        """Prepare one letter per client about the selected rewards; cancelled ones are left out."""
        kept = self.filtered(lambda r: r.state != "cancelled")
        return self.env["studio.loyalty.mailing"]._draft_for(kept, left_out=len(self - kept))

    @api.model
    def _cron_expire(self, batch_size=1000):
        """Expire available rewards past their date, a batch at a time.

        Rows another transaction holds (a till redeeming one right now) are
        passed over, not waited for, and the job carries on with the rest.
        """
        today = fields.Date.context_today(self)
        skipped = []
        in_cron = bool(self.env.context.get("cron_id"))
        while True:
            domain = [("state", "=", "available"), ("expiration_date", "<", today), ("id", "not in", skipped)]
            batch = self.search(domain, limit=batch_size)
            if not batch:
                break
            rewards = self.env["studio.loyalty.redemption"]._lock(batch, mode="skip")
            skipped += (batch - rewards).ids
            self.env["studio.loyalty.redemption"]._release(rewards, "expired")
            if in_cron:
                # Commit per batch so a crash loses at most one batch of work.
                remaining = self.search_count(domain)
                if not self.env["ir.cron"]._commit_progress(len(rewards), remaining=remaining):
                    break

    def _check_give_back_access(self):
        """Giving back is an accounting act: only who may change the document's payments."""
        for reward in self.filtered(lambda r: r.state == "redeemed"):
            if reward.pos_order_id and not reward.move_id:
                raise UserError(
                    self.env._(
                        "Reward %s was spent at the Point of Sale: refund the order to give it back.", reward.name
                    )
                )
            if not self.env.user.has_group("account.group_account_invoice"):
                raise AccessError(
                    self.env._("Only users who may register payments on invoices can give reward %s back.", reward.name)
                )
            reward.move_id.check_access("write")

    def action_studio_release(self):
        """Take this reward off the draft invoice it was chosen on (context ``studio_move_id``)."""
        invoice = self.env["account.move"].browse(self.env.context.get("studio_move_id"))
        invoice._studio_release_rewards(self)
        return True

    def action_undo_redemption(self):
        """Remove the redemption from its invoice: the reward is available, its payment reversed."""
        self._check_give_back_access()
        self.env["studio.loyalty.redemption"]._give_back(self)
        return True

    # ------------------------------------------------------------------
    # Point of Sale: nothing loaded at start, a client's rewards on demand
    # ------------------------------------------------------------------

    @api.model
    def _load_pos_data_domain(self, data, config):
        return False

    @api.model
    def _load_pos_data_fields(self, config):
        # ``origin``: the till orders rewards as the server spends them (made from points first).
        return ["name", "amount", "expiration_date", "partner_id", "state", "origin"]

    @api.model
    def studio_pos_redeemable(self, partner_id, config_id):
        """The client's rewards a till may offer, soonest expiry first, as POS data.

        Read fresh when the cashier opens the rewards popup: a till never
        holds every client's rewards. The server checks them again at sync.
        """
        config = self.env["pos.config"].browse(config_id)
        client = self.env["res.partner"].browse(partner_id).commercial_partner_id
        rewards = self.search(
            Domain.AND(
                [
                    self._redeemable_domain(),
                    [("commercial_partner_id", "=", client.id), ("company_id", "=", config.company_id.id)],
                ]
            ),
            order=REDEEM_ORDER,
        )
        return {
            self._name: rewards.read(self._load_pos_data_fields(config), load=False),
            "points": self._studio_pos_points(client, config.company_id),
        }

    @api.model
    def studio_pos_balance(self, partner_id, config_id):
        """What the client can pay with at this till: their redeemable rewards and usable points, added up.

        Read when the cashier picks the client, for that client alone: one
        grouped query, no reward loaded. ``has_points``: points the popup
        shows (redeemable, or pending with the time they mature).
        """
        company = self.env["pos.config"].browse(config_id).company_id
        client = self.env["res.partner"].browse(partner_id).commercial_partner_id
        currency = company.currency_id
        amount, count, _next = self._redeemable_totals(client, company).get((client.id, company.id), (0.0, 0, None))
        points = self._studio_pos_points(client, company)
        points_value = points["value"] if points and not points["reason"] else 0.0
        return {
            "total": currency.round(amount + points_value),
            "rewards": amount,
            "count": count,
            "points_value": points_value,
            "has_points": bool(points and (points["redeemable"] > 0 or points["pending"] > 0)),
        }

    @api.model
    def _studio_pos_points(self, client, company):
        """The client's points for the till's popup, or ``False`` when the studio has no points for them.

        Matured first, as spending does, so the till offers what the server
        will accept; ``reason`` says why points cannot be used now.
        """
        program = self.env["studio.loyalty.points.program"]._for_company(company, create=False)
        if not program:
            return False
        Points = self.env["studio.loyalty.points"].sudo()
        Points._mature(company, client)
        balance = Points._balances(client, company).get(client.id) or Points._empty_balance()
        if not program.enabled and not (balance["pending"] or balance["redeemable"]):
            return False
        return {
            "redeemable": balance["redeemable"],
            "pending": balance["pending"],
            "value": program._redemption_value(max(balance["redeemable"], 0)),
            "point_value": program.point_value,
            "min_redemption": program.min_redemption,
            "reason": self.env["studio.loyalty.redemption"]._points_reason(program, balance),
        }

    @api.model
    def _redeemable_totals(self, clients, companies):
        """``{(client id, company id): (amount, count, next expiry)}`` of the rewards redeemable today.

        Clients are commercial partners: a company's contacts share its
        rewards. One grouped query for all of them; amounts stay per company,
        so currencies are never added together.
        """
        if not clients or not companies:
            return {}
        groups = self.sudo()._read_group(
            Domain.AND(
                [
                    self._redeemable_domain(),
                    [("commercial_partner_id", "in", clients.ids), ("company_id", "in", companies.ids)],
                ]
            ),
            ["commercial_partner_id", "company_id"],
            ["amount:sum", "__count", "expiration_date:min"],
        )
        return {
            (client.id, company.id): (company.currency_id.round(amount), count, next_expiry)
            for client, company, amount, count, next_expiry in groups
        }

    @api.model
    def _redeemable_domain(self):
        """Rewards that can be spent today."""
        today = fields.Date.context_today(self)
        return Domain.AND(
            [
                [("state", "=", "available")],
                Domain.OR([[("expiration_date", "=", False)], [("expiration_date", ">=", today)]]),
            ]
        )
