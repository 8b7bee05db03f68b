from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, float_is_zero

LOCKED_STATES = ("redeemed", "expired")
# Who may read rewards, and so the reward fields added to invoices and clients.
REWARD_READERS = (
    "studio_loyalty.studio_loyalty_group_user,account.group_account_invoice,"
    "account.group_account_readonly,point_of_sale.group_pos_user"
)
# Written only by the business methods (issue, redeem, give back, cancel, reopen, expire).
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
    }
)
TRANSITION_FIELDS = LINK_FIELDS | {"state", "origin"}


class _Transition:
    """Marks the context of a business method. Not JSON: no RPC or import can pass it."""


_TRANSITION = _Transition()


def in_transition(records):
    """Whether ``records`` are being written by a business method."""
    return records.env.context.get("studio_loyalty_transition") is _TRANSITION


def transition(records):
    """``records`` for a business method to write states and links with."""
    return records.with_context(studio_loyalty_transition=_TRANSITION)


class StudioLoyaltyReward(models.Model):
    """A dollar-value reward a client can spend like a gift certificate.

    The reward is spent whole, once, through :meth:`_redeem`, which both the
    invoice and the Point of Sale call.
    """

    _name = "studio.loyalty.reward"
    _description = "Loyalty Reward"
    _inherit = ["mail.thread", "pos.load.mixin"]
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
            ("points", "Points conversion"),
            ("refund", "Refunded redemption"),
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
    note = fields.Text()

    _amount_positive = models.Constraint("CHECK(amount > 0)", "A reward's amount must be greater than zero.")

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
        if not in_transition(self):
            for vals in vals_list:
                linked = LINK_FIELDS & {key for key, value in vals.items() if value}
                if linked or vals.get("state", "available") != "available" or vals.get("origin", "manual") != "manual":
                    raise UserError(
                        self.env._(
                            "A new reward is available and issued by hand; redeeming it, giving it back or "
                            "linking it to a run happens only through those flows."
                        )
                    )
        # Numbered a company at a time: a processing run creates thousands of
        # rewards at once, and a query per number would dominate it.
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
        if not in_transition(self) and TRANSITION_FIELDS & vals.keys():
            raise UserError(
                self.env._(
                    "A reward's state and the documents it is linked to change only by issuing, redeeming, "
                    "giving back, cancelling or expiring it."
                )
            )
        if "company_id" in vals and any(r.company_id.id != vals["company_id"] for r in self):
            # Its amount is in the company's currency: another company would change its value.
            raise UserError(self.env._("A reward stays with the company that issued it."))
        frozen = {"partner_id", "amount", "issue_date", "expiration_date"}
        if frozen & vals.keys() and any(r.state in LOCKED_STATES for r in self):
            raise UserError(self.env._("A redeemed or expired reward cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if any(r.state in LOCKED_STATES for r in self):
            raise UserError(self.env._("A redeemed or expired reward cannot be deleted."))

    def _transition(self, vals):
        """Write state or links: the one door the business methods use."""
        return transition(self).write(vals)

    @api.model
    def _create_linked(self, vals_list):
        """Create rewards born of a flow (a run, a refund): state and links set by the caller."""
        return transition(self).create(vals_list)

    def action_cancel(self):
        if any(r.state != "available" for r in self):
            raise UserError(self.env._("Only available rewards can be cancelled."))
        self._transition({"state": "cancelled"})

    def action_reopen(self):
        if any(r.state != "cancelled" for r in self):
            raise UserError(self.env._("Only cancelled rewards can be made available again."))
        for reward in self:
            # The value of these went back elsewhere: to the run's sales, or off the credit note.
            if reward.run_id.state == "cancelled":
                raise UserError(
                    self.env._(
                        "Reward %(reward)s belongs to the cancelled run %(run)s, whose sales were given back.",
                        reward=reward.name,
                        run=reward.run_id.name,
                    )
                )
            if reward.refund_move_id and reward.refund_move_id.state != "posted":
                raise UserError(
                    self.env._(
                        "Reward %(reward)s came from credit note %(move)s, which is no longer posted.",
                        reward=reward.name,
                        move=reward.refund_move_id.display_name,
                    )
                )
        self._transition({"state": "available"})

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
            rewards = batch.try_lock_for_update(allow_referencing=True)
            skipped += (batch - rewards).ids
            rewards.invalidate_recordset(["state"])
            rewards = rewards.filtered(lambda r: r.state == "available")
            rewards._transition({"state": "expired"})
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
            # FOR NO KEY UPDATE: a transaction that merely refers to a reward
            # (an open redeem dialog saved with it) does not block spending it.
            rewards.lock_for_update(allow_referencing=True)
        except LockError:
            raise UserError(
                self.env._("These rewards are being redeemed by another user or till right now. Try again in a moment.")
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
            if reward.state == "expired" or (reward.expiration_date and reward.expiration_date < today):
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
                raise UserError(self.env._("Reward %s belongs to another company.", reward.name))
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
        if float_compare(total, amount_due, precision_rounding=currency.rounding) > 0:
            raise UserError(
                self.env._(
                    "The rewards selected (%(total)s) are more than the amount due (%(due)s).",
                    total=currency.format(total),
                    due=currency.format(amount_due),
                )
            )
        rewards._transition({"state": "redeemed", "redeemed_date": today, **links})
        return total

    def _give_back(self, reverse_entries=True):
        """The one inverse of :meth:`_redeem`: redeemed rewards become available again.

        Their payment entries are reversed as of today (posting moves the date
        past the lock dates, as for any entry) and reconciled with the
        reversal, so the document they paid is due again; a posted entry is
        never cancelled or deleted. ``reverse_entries=False`` when the flow
        calling this resets, cancels or reverses the entry itself.
        Returns the reversals.
        """
        rewards = self.sudo().filtered(lambda r: r.state == "redeemed")
        if not rewards:
            return self.env["account.move"]
        # Wait for whoever else gives these back or redeems them, then read
        # their state as that transaction left it: given back once, never twice.
        self.env.cr.execute(
            SQL("SELECT id FROM studio_loyalty_reward WHERE id = ANY(%s) FOR NO KEY UPDATE", rewards.ids)
        )
        rewards.invalidate_recordset()
        rewards = rewards.filtered(lambda r: r.state == "redeemed")
        returned = self.search(
            [("refund_move_id.reversed_entry_id", "in", rewards.move_id.ids), ("state", "!=", "cancelled")], limit=1
        )
        if returned:
            raise UserError(
                self.env._(
                    "Part of the rewards redeemed on %(invoice)s was already given back by credit note %(refund)s "
                    "(reward %(reward)s). Reset that credit note to draft first.",
                    invoice=returned.refund_move_id.reversed_entry_id.display_name,
                    refund=returned.refund_move_id.display_name,
                    reward=returned.name,
                )
            )
        entries = rewards.payment_move_id.filtered(lambda m: m.state == "posted")
        for reward in rewards:
            document = reward.move_id or reward.pos_order_id
            if document:
                document.message_post(body=self.env._("Loyalty reward %s was given back to the client.", reward.name))
        # Unlink first: the reversal below must not find these rewards again.
        rewards._transition(
            {
                "state": "available",
                "redeemed_date": False,
                "move_id": False,
                "payment_move_id": False,
                "pos_order_id": False,
            }
        )
        if not (reverse_entries and entries):
            return self.env["account.move"]
        today = fields.Date.context_today(self)
        return entries._reverse_moves(
            [{"date": today, "ref": self.env._("Reversal of: %s", entry.ref)} for entry in entries], cancel=True
        )

    def _take_back_refund(self, reverse_entries=True):
        """A credit note is reset: the rewards it gave back as its loyalty share are cancelled.

        Their return entries are reversed, so that share is owed again by the
        client rather than held twice (``reverse_entries=False`` when the flow
        reverses them itself). Refused once such a reward was spent.
        """
        rewards = self._check_take_back()
        entries = rewards.return_move_id.filtered(lambda m: m.state == "posted")
        rewards._transition({"state": "cancelled"})
        if entries and reverse_entries:
            today = fields.Date.context_today(self)
            entries._reverse_moves(
                [{"date": today, "ref": self.env._("Reversal of: %s", entry.ref)} for entry in entries], cancel=True
            )

    def _check_take_back(self):
        """Lock the given-back rewards among these and refuse if one was spent since; return them."""
        rewards = self.sudo().filtered(lambda r: (r.refund_move_id or r.refund_pos_order_id) and r.state != "cancelled")
        if not rewards:
            return rewards
        self.env.cr.execute(
            SQL("SELECT id FROM studio_loyalty_reward WHERE id = ANY(%s) FOR NO KEY UPDATE", rewards.ids)
        )
        rewards.invalidate_recordset()
        spent = rewards.filtered(lambda r: r.state != "available")
        if spent:
            raise UserError(
                self.env._(
                    "%(refund)s gave back reward %(reward)s, which is %(state)s: "
                    "what it gave back can no longer be taken back.",
                    refund=(spent[0].refund_move_id or spent[0].refund_pos_order_id).display_name,
                    reward=spent[0].name,
                    state=dict(self._fields["state"]._description_selection(self.env))[spent[0].state].lower(),
                )
            )
        return rewards

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

    def action_undo_redemption(self):
        """Remove the redemption from its invoice: the reward is available, its payment reversed."""
        self._check_give_back_access()
        self._give_back()
        return True

    # ------------------------------------------------------------------
    # Point of Sale: nothing loaded at start, a client's rewards on demand
    # ------------------------------------------------------------------

    @api.model
    def _load_pos_data_domain(self, data, config):
        return False

    @api.model
    def _load_pos_data_fields(self, config):
        return ["name", "amount", "expiration_date", "partner_id", "state"]

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
            order="expiration_date asc nulls last, id",
        )
        return {self._name: rewards.read(self._load_pos_data_fields(config), load=False)}

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
