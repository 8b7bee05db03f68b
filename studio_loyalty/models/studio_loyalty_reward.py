from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, float_is_zero

LOCKED_STATES = ("redeemed", "expired")


class StudioLoyaltyReward(models.Model):
    """A dollar-value reward a client can spend like a gift certificate.

    The reward is spent whole, once, through :meth:`_redeem`, which both the
    invoice and the Point of Sale call.
    """

    _name = "studio.loyalty.reward"
    _description = "Loyalty Reward"
    _inherit = ["mail.thread"]
    _order = "issue_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False,
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
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True)
    issue_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True
    )
    expiration_date = fields.Date(tracking=True, index="btree_not_null")
    origin = fields.Selection(
        selection=[
            ("manual", "Issued by hand"),
            ("run", "Processing run"),
            ("referral", "Referral"),
            ("points", "Points conversion"),
        ],
        required=True,
        default="manual",
        readonly=True,
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
    note = fields.Text()

    @api.constrains("amount")
    def _check_amount(self):
        for reward in self:
            if float_compare(reward.amount, 0.0, precision_rounding=reward.currency_id.rounding) <= 0:
                raise ValidationError(self.env._("A reward's amount must be greater than zero."))

    @api.constrains("issue_date", "expiration_date")
    def _check_dates(self):
        for reward in self:
            if reward.expiration_date and reward.expiration_date < reward.issue_date:
                raise ValidationError(
                    self.env._("Reward %(name)s cannot expire before it is issued.", name=reward.name)
                )

    @api.depends("name", "amount", "expiration_date")
    @api.depends_context("studio_reward_show_amount")
    def _compute_display_name(self):
        if not self.env.context.get("studio_reward_show_amount"):
            return super()._compute_display_name()
        for reward in self:
            label = f"{reward.name} — {reward.currency_id.format(reward.amount)}"
            if reward.expiration_date:
                label += " " + self.env._("(expires %s)", fields.Date.to_string(reward.expiration_date))
            reward.display_name = label

    @api.model_create_multi
    def create(self, vals_list):
        # Numbered a company at a time: a processing run creates thousands of
        # rewards at once, and a query per number would dominate it.
        unnamed = ("/", self.env._("New"))
        by_company = defaultdict(list)
        for vals in vals_list:
            if vals.get("name", "/") in unnamed:
                by_company[vals.get("company_id") or self.env.company.id].append(vals)
        for company_id, company_vals in by_company.items():
            sequence = self.env["ir.sequence"].sudo().search(
                [("code", "=", "studio.loyalty.reward"), ("company_id", "in", [company_id, False])],
                order="company_id",
                limit=1,
            )
            names = self._sequence_names(sequence, len(company_vals))
            for vals, name in zip(company_vals, names, strict=True):
                vals["name"] = name
        return super().create(vals_list)

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
        frozen = {"partner_id", "amount", "issue_date", "expiration_date", "company_id"}
        if frozen & vals.keys() and any(r.state in LOCKED_STATES for r in self):
            raise UserError(self.env._("A redeemed or expired reward cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if any(r.state in LOCKED_STATES for r in self):
            raise UserError(self.env._("A redeemed or expired reward cannot be deleted."))

    def action_cancel(self):
        if any(r.state != "available" for r in self):
            raise UserError(self.env._("Only available rewards can be cancelled."))
        self.state = "cancelled"

    def action_reopen(self):
        if any(r.state != "cancelled" for r in self):
            raise UserError(self.env._("Only cancelled rewards can be made available again."))
        self.state = "available"

    def action_open(self):
        """Open the document a redeemed reward was spent on, else the reward itself."""
        self.ensure_one()
        document = self.move_id or self.pos_order_id
        if self.state == "redeemed" and document:
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

    def _cron_expire(self, batch_size=1000):
        """Expire available rewards past their date, a batch at a time."""
        domain = [
            ("state", "=", "available"),
            ("expiration_date", "<", fields.Date.context_today(self)),
        ]
        in_cron = bool(self.env.context.get("cron_id"))
        while rewards := self.search(domain, limit=batch_size).try_lock_for_update():
            rewards.state = "expired"
            if in_cron:
                # Commit per batch so a crash loses at most one batch of work.
                remaining = self.search_count(domain)
                if not self.env["ir.cron"]._commit_progress(len(rewards), remaining=remaining):
                    break

    # ------------------------------------------------------------------
    # Redemption service: the single place where a reward gets spent.
    # ------------------------------------------------------------------

    def _redeem(self, document, amount_due, **links):
        """Spend these rewards as payment of ``document``, exactly once.

        ``document`` is an invoice or a POS order (anything with ``partner_id``,
        ``company_id`` and ``currency_id``). Checks the rewards against its
        client, company and currency and against ``amount_due``,
        locks their rows so a concurrent till or user cannot spend them too,
        then marks them redeemed with ``links`` (``move_id``, ``pos_order_id``,
        ...). The caller books the money. Returns the total redeemed.
        """
        if not self:
            raise UserError(self.env._("Select at least one reward to redeem."))
        rewards = self.sudo()
        try:
            rewards.lock_for_update()
        except LockError:
            raise UserError(
                self.env._(
                    "These rewards are being redeemed by another user or till right now. "
                    "Try again in a moment."
                )
            ) from None
        # Read the state as committed by whoever held the lock before us.
        rewards.invalidate_recordset()
        today = fields.Date.context_today(self)
        partner, currency = document.partner_id, document.currency_id
        client = partner.commercial_partner_id
        for reward in rewards:
            if reward.state == "redeemed":
                raise UserError(self.env._("Reward %s has already been redeemed.", reward.name))
            if reward.state == "cancelled":
                raise UserError(self.env._("Reward %s is cancelled.", reward.name))
            if reward.state == "expired" or (
                reward.expiration_date and reward.expiration_date < today
            ):
                raise UserError(self.env._("Reward %s has expired.", reward.name))
            if reward.partner_id.commercial_partner_id != client:
                raise UserError(
                    self.env._(
                        "Reward %(reward)s belongs to %(owner)s, not to %(client)s.",
                        reward=reward.name,
                        owner=reward.partner_id.display_name,
                        client=partner.display_name,
                    )
                )
            if reward.company_id != document.company_id:
                raise UserError(
                    self.env._("Reward %s belongs to another company.", reward.name)
                )
            if reward.currency_id != currency:
                raise UserError(
                    self.env._(
                        "Reward %(reward)s can only be redeemed on a document in %(currency)s.",
                        reward=reward.name,
                        currency=reward.currency_id.name,
                    )
                )
        total = currency.round(sum(rewards.mapped("amount")))
        if float_is_zero(amount_due, precision_rounding=currency.rounding):
            raise UserError(self.env._("Nothing is left to pay on %s.", document.display_name))
        if float_compare(
            total, amount_due, precision_rounding=currency.rounding
        ) > 0:
            raise UserError(
                self.env._(
                    "The rewards selected (%(total)s) are more than the amount due (%(due)s).",
                    total=currency.format(total),
                    due=currency.format(amount_due),
                )
            )
        rewards.write({"state": "redeemed", "redeemed_date": today, **links})
        return total

    def _undo_redemption(self, cancel_entries=True):
        """Give redeemed rewards back: cancel their payment entries, make them available.

        Called when the document they paid (or their payment entry) is reset,
        cancelled or reversed, or when staff remove the redemption. A reversal
        of the payment entry books the money back itself: ``cancel_entries=False``.
        """
        rewards = self.sudo().filtered(lambda r: r.state == "redeemed")
        if not rewards:
            return True
        entries = rewards.payment_move_id.filtered(lambda m: m.state != "cancel")
        for reward in rewards:
            document = reward.move_id or reward.pos_order_id
            if document:
                document.message_post(
                    body=self.env._("Loyalty reward %s was given back to the client.", reward.name)
                )
        # Unlink first: cancelling the entries resets them to draft, which
        # would otherwise give these same rewards back a second time.
        rewards.write(
            {
                "state": "available",
                "redeemed_date": False,
                "move_id": False,
                "payment_move_id": False,
                "pos_order_id": False,
            }
        )
        if entries and cancel_entries:
            entries.button_cancel()
        return True

    def action_undo_redemption(self):
        return self._undo_redemption()

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
