from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from .studio_loyalty_guard import REWARD_READERS, transition


class AccountMove(models.Model):
    """Loyalty rewards as a means of payment of customer invoices.

    Each redeemed reward is booked as its own journal entry in the Loyalty
    Rewards journal (debit the loyalty account, credit the receivable) and
    reconciled with the invoice, so taxes and revenue stay untouched and the
    amount due drops exactly by the rewards' value. Everything added here is
    read with ``sudo`` and shown only to users who may see rewards, so users
    without a loyalty or invoicing group open moves as before.
    """

    _inherit = "account.move"

    # The qualifying-sale service reads one client's sales (a referral's
    # initial order) by commercial partner: indexed, it does not scan every move.
    commercial_partner_id = fields.Many2one(index="btree_not_null")

    studio_loyalty_entry = fields.Boolean(
        string="Loyalty Rewards Booking",
        readonly=True,
        help="Books loyalty value (a redemption, its reversal or a refunded share): only ever reversed, "
        "never reset or cancelled. Reversals made by copying inherit it.",
    )
    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="move_id",
        string="Redeemed Loyalty Rewards",
        readonly=True,
        groups=REWARD_READERS,
    )
    studio_held_reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        relation="studio_loyalty_reward_held_rel",
        column1="move_id",
        column2="reward_id",
        string="Loyalty Rewards to Redeem",
        readonly=True,
        copy=False,
        groups=REWARD_READERS,
        help="Chosen on the draft: spent when the invoice is confirmed, released if the draft is deleted. "
        "Another till may still spend them meanwhile; confirming then says which one to remove.",
    )
    studio_reward_amount = fields.Monetary(
        string="Loyalty Rewards",
        compute="_compute_studio_reward_amount",
        currency_field="company_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_redeemable_count = fields.Integer(
        string="Redeemable Rewards",
        compute="_compute_studio_redeemable",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_redeemable_amount = fields.Monetary(
        string="Redeemable Rewards Value",
        compute="_compute_studio_redeemable",
        currency_field="company_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )

    studio_redeemable_points = fields.Integer(
        string="Redeemable Points",
        compute="_compute_studio_redeemable",
        compute_sudo=True,
        groups=REWARD_READERS,
    )

    @api.depends("studio_reward_ids.amount", "studio_held_reward_ids.amount", "amount_total", "state")
    def _compute_studio_reward_amount(self):
        """What rewards paid, or on a draft what those chosen will pay when it is confirmed."""
        for move in self:
            currency = move.company_currency_id
            if move.state == "draft" and move.studio_held_reward_ids:
                held = currency.round(sum(move.studio_held_reward_ids.mapped("amount")))
                move.studio_reward_amount = min(held, move.amount_total)
            else:
                move.studio_reward_amount = currency.round(sum(move.studio_reward_ids.mapped("amount")))

    def _compute_payments_widget_reconciled_info(self):
        """An invoice shows what rewards paid once, as its Loyalty Rewards total: not again as "Paid on" lines."""
        result = super()._compute_payments_widget_reconciled_info()
        for move in self.filtered(lambda m: m.move_type == "out_invoice" and m.invoice_payments_widget):
            widget = move.invoice_payments_widget
            loyalty = set(
                self.env["account.move"]
                .sudo()
                .browse([line["move_id"] for line in widget["content"]])
                .filtered("studio_loyalty_entry")
                .ids
            )
            if loyalty:
                content = [line for line in widget["content"] if line["move_id"] not in loyalty]
                move.invoice_payments_widget = {**widget, "content": content} if content else False
        return result

    @api.depends(
        "move_type",
        "company_id",
        "commercial_partner_id.studio_reward_ids.state",
        "partner_id.studio_reward_ids.state",
    )
    def _compute_studio_redeemable(self):
        """Redeemable rewards of each invoice's client, counted as on the client form."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.commercial_partner_id)
        totals = self.env["studio.loyalty.reward"]._redeemable_totals(
            invoices.commercial_partner_id, invoices.company_id
        )
        points = {}
        for company, company_invoices in invoices.grouped("company_id").items():
            for client_id, balance in (
                self.env["studio.loyalty.points"]._balances(company_invoices.commercial_partner_id, company).items()
            ):
                points[client_id, company.id] = max(balance["redeemable"], 0)
        for move in self:
            key = (move.commercial_partner_id.id, move.company_id.id)
            amount, count, _next_expiry = totals.get(key, (0.0, 0, False))
            move.studio_redeemable_amount = amount
            move.studio_redeemable_count = count
            move.studio_redeemable_points = points.get(key, 0) if move in invoices else 0

    # ------------------------------------------------------------------
    # Giving rewards back when the document they paid goes away
    # ------------------------------------------------------------------

    def _studio_linked_rewards(self, link, move_type, domain=()):
        """Rewards (sudo) whose ``link`` field is one of these moves of ``move_type``."""
        moves = self.filtered(lambda m: m.move_type == move_type)
        if not moves:
            return self.env["studio.loyalty.reward"]
        return self.env["studio.loyalty.reward"].sudo().search([(link, "in", moves.ids), *domain])

    def _studio_paying_rewards(self):
        """Redeemed rewards whose payment entry is one of these moves."""
        return self._studio_linked_rewards("payment_move_id", "entry")

    def _studio_returning_rewards(self):
        """Rewards whose refunded share one of these moves booked back to the loyalty account."""
        return self._studio_linked_rewards("return_move_id", "entry", [("state", "!=", "cancelled")])

    def _studio_refund_rewards(self):
        """Rewards that these credit notes gave back as a share of a redemption, not cancelled."""
        return self._studio_linked_rewards("refund_move_id", "out_refund", [("state", "!=", "cancelled")])

    def button_draft(self):
        # Called by button_cancel too. Any user the core lets reset or cancel
        # the move may do it: the loyalty side follows under sudo, once the
        # core has really reset the moves (the Point of Sale may decline).
        bookings = self.filtered(lambda m: m.studio_loyalty_entry and m.state == "posted")
        if bookings:
            raise UserError(
                self.env._(
                    "%s books loyalty value: reverse it, or remove the redemption on its invoice, "
                    "instead of resetting it.",
                    bookings[0].display_name,
                )
            )
        moves = self.sudo()
        Service = self.env["studio.loyalty.redemption"]
        rewards = moves.studio_reward_ids
        refund_rewards = Service._check_take_back(moves._studio_refund_rewards())
        result = super().button_draft()
        reset = moves.filtered(lambda m: m.state == "draft")
        # An invoice: its rewards come back and their payments are reversed.
        Service._give_back(rewards.filtered(lambda r: r.move_id in reset))
        # A credit note: the share it gave back as a new reward is taken back.
        Service._take_back_share(refund_rewards.filtered(lambda r: r.refund_move_id in reset))
        # No longer a paid sale (or no longer refunding one): its points follow.
        self.env["studio.loyalty.points"].sudo()._earn_documents(
            reset.filtered(lambda move: move.move_type in ("out_invoice", "out_refund"))
        )
        return result

    def _post(self, soft=True):
        posted = super()._post(soft)
        moves = posted.sudo()
        Service = self.env["studio.loyalty.redemption"]
        # A posted reversal of a reward's payment entry takes that payment off:
        # the reversal, no longer the invoice, is matched with the entry.
        reversals = moves.filtered(lambda m: m.move_type == "entry" and m.reversed_entry_id)
        paying = reversals.reversed_entry_id._studio_paying_rewards()
        if paying:
            entries = paying.payment_move_id
            Service._give_back(paying, reverse_entries=False)
            entries.line_ids.remove_move_reconcile()
            for entry in entries:
                entry._reconcile_reversed_moves((entry.reversal_move_ids & reversals)[:1], True)
        # A refunded share's booking reversed by hand: the share is owed again, its reward cancelled.
        Service._take_back_share(reversals.reversed_entry_id._studio_returning_rewards(), reverse_entries=False)
        # A Point of Sale refund's credit note: the refund gave the share back when it synced.
        moves.filtered(
            lambda m: m.move_type == "out_refund" and not m.pos_order_ids and m.reversed_entry_id.studio_reward_ids
        )._studio_return_loyalty_share()
        for invoice in moves.filtered(lambda m: m.move_type == "out_invoice" and m.studio_held_reward_ids):
            invoice._studio_redeem_held()
        return posted

    def _studio_redeem_held(self):
        """Spend the rewards chosen on this draft, now that it is confirmed; refuse to confirm if one is gone."""
        held = self.studio_held_reward_ids
        try:
            self.with_env(self.env(su=False))._studio_redeem_rewards(held)
        except UserError as error:
            raise UserError(
                self.env._(
                    "%(invoice)s cannot be confirmed with the loyalty rewards chosen on the draft: %(reason)s "
                    "Remove that reward from its Loyalty Rewards tab, then confirm again.",
                    invoice=self.display_name,
                    reason=error.args[0],
                )
            ) from error
        self.studio_held_reward_ids = [Command.clear()]

    def _studio_return_loyalty_share(self):
        """Posted credit notes give the loyalty share of what they refund back as loyalty value.

        A credit note of the whole invoice gives the same rewards back (their
        payments reversed); a partial one gives a new reward of its share of
        the redemption, booked back from receivable to the loyalty account and
        reconciled with the credit note, so that share is never refundable cash.
        The share is the credit note's total in the proportion the rewards paid
        of the invoice, never more than what is left to give back nor than the
        credit the credit note leaves open.
        """
        Service = self.env["studio.loyalty.redemption"]
        for credit_note in self:
            invoice = credit_note.reversed_entry_id
            currency = invoice.company_currency_id
            redeemed = invoice.studio_reward_ids.filtered(lambda r: r.state == "redeemed")
            others = invoice._studio_credit_notes() - credit_note
            share, whole = Service._refund_share(
                currency,
                paid=currency.round(sum(redeemed.mapped("amount"))),
                returned=currency.round(sum(others._studio_refund_rewards().mapped("amount"))),
                refunded_before=currency.round(sum(others.mapped("amount_total"))),
                refund_total=credit_note.amount_total,
                sale_total=invoice.amount_total,
                open_amount=credit_note.amount_residual,
            )
            if currency.is_zero(share):
                continue
            if whole:
                Service._return_share(redeemed, share, whole, credit_note)
                invoice._studio_reconcile_with(credit_note)
                continue
            entry = credit_note._studio_book_loyalty(
                share, self.env._("Loyalty share of %s given back", credit_note.name), give_back=True
            )
            reward = Service._return_share(redeemed, share, whole, credit_note, entry=entry)
            credit_note.message_post(
                body=self.env._(
                    "The loyalty share of this credit note (%(amount)s) was given back as reward %(reward)s.",
                    amount=currency.format(share),
                    reward=reward.name,
                )
            )

    def _studio_credit_notes(self):
        """Posted credit notes of these invoices."""
        return (
            self.env["account.move"]
            .sudo()
            .search([("reversed_entry_id", "in", self.ids), ("move_type", "=", "out_refund"), ("state", "=", "posted")])
        )

    def _studio_receivable_lines(self):
        return self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )

    def _studio_reconcile_with(self, other):
        """Match what is still open between an invoice and its credit note."""
        lines = self._studio_receivable_lines() | other._studio_receivable_lines()
        if lines.filtered(lambda line: line.balance > 0) and lines.filtered(lambda line: line.balance < 0):
            lines.filtered(lambda line: line.account_id == lines.account_id[:1]).reconcile()

    def _studio_book_loyalty(self, amount, label, give_back=False, account=None):
        """Book ``amount`` between the loyalty account and this document's receivable, reconciled with it.

        Paying with rewards debits the loyalty account (or ``account``) and
        credits the receivable; giving back (``give_back=True``) does the
        opposite. The entry is marked as a loyalty booking: only ever reversed.
        """
        self.ensure_one()
        journal = self.company_id._get_loyalty_journal()
        account = account or self.company_id._studio_loyalty_accounts()[0]
        receivable = self._studio_receivable_lines()
        client = self.commercial_partner_id
        sign = -1 if give_back else 1
        entry = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": fields.Date.context_today(self),
                    "partner_id": client.id,
                    "ref": label,
                    "studio_loyalty_entry": True,
                    "line_ids": [
                        # No partner on the loyalty line: Odoo suggests a client's most
                        # used expense accounts on their credit notes, and this is not one.
                        Command.create(
                            {
                                "name": label,
                                "account_id": account.id,
                                "partner_id": False,
                                "balance": sign * amount,
                            }
                        ),
                        Command.create(
                            {
                                "name": label,
                                "account_id": receivable.account_id[:1].id,
                                "partner_id": client.id,
                                "balance": -sign * amount,
                            }
                        ),
                    ],
                }
            )
        )
        entry.action_post()
        (entry.line_ids.filtered(lambda line: line.account_id == receivable.account_id[:1]) | receivable).reconcile()
        return entry

    def js_remove_outstanding_partial(self, partial_id):
        """Unreconciling a reward's payment in the payment widget removes the redemption."""
        partial = self.env["account.partial.reconcile"].browse(partial_id)
        entries = (partial.debit_move_id | partial.credit_move_id).move_id
        rewards = entries._studio_paying_rewards()
        if rewards:
            rewards._check_give_back_access()
            self.env["studio.loyalty.redemption"]._give_back(rewards)
            return True
        return super().js_remove_outstanding_partial(partial_id)

    # ------------------------------------------------------------------
    # Redeeming
    # ------------------------------------------------------------------

    def action_studio_redeem_rewards(self):
        self.ensure_one()
        self._studio_check_redeemable(draft=True)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Redeem Loyalty Rewards"),
            "res_model": "studio.loyalty.redeem",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _invoice_paid_hook(self):
        """A paid invoice may be a referred client's initial order, and earns points; a credit note adjusts them."""
        result = super()._invoice_paid_hook()
        clients = self.filtered(lambda move: move.move_type == "out_invoice").commercial_partner_id
        if clients:
            self.env["studio.referral"].sudo()._evaluate_clients(clients)
        self.env["studio.loyalty.points"].sudo()._earn_documents(
            self.filtered(lambda move: move.move_type in ("out_invoice", "out_refund"))
        )
        return result

    def _studio_check_redeemable(self, draft=False):
        """Rewards pay a confirmed customer invoice, or are chosen on a draft one (``draft``)."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state not in (("draft", "posted") if draft else ("posted",)):
            raise UserError(
                self.env._("Loyalty rewards are chosen on draft customer invoices and spent on confirmed ones only.")
            )
        if self.currency_id != self.company_id.currency_id:
            raise UserError(
                self.env._(
                    "Loyalty rewards can be redeemed on invoices in %s only.",
                    self.company_id.currency_id.name,
                )
            )

    def _studio_hold_rewards(self, rewards):
        """Choose ``rewards`` on this draft: checked now, spent through the service when it is confirmed."""
        self.ensure_one()
        self.check_access("write")
        self._studio_check_redeemable(draft=True)
        self.env["studio.loyalty.redemption"]._check_spendable(rewards.sudo(), self)
        self.sudo().studio_held_reward_ids = [Command.link(reward.id) for reward in rewards]
        self.message_post(
            body=self.env._("Loyalty rewards to redeem when confirmed: %s", ", ".join(rewards.mapped("name")))
        )

    def _studio_release_rewards(self, rewards):
        """Take ``rewards`` chosen on this draft off it: they were never spent."""
        self.ensure_one()
        self.check_access("write")
        self.sudo().studio_held_reward_ids = [Command.unlink(reward.id) for reward in rewards]
        self.message_post(body=self.env._("Loyalty rewards no longer to redeem: %s", ", ".join(rewards.mapped("name"))))

    def _studio_redeem_rewards(self, rewards, points_amount=0.0):
        """Pay this invoice with ``rewards`` and ``points_amount`` worth of points: book a payment per reward.

        Points are turned into a reward by the redemption service, then spent
        with the others.
        """
        self.ensure_one()
        self.check_access("write")
        # Two redemptions of one invoice at once both update its amount due:
        # the second fails to serialize and is run again against what is left.
        self._studio_check_redeemable()
        Service = self.env["studio.loyalty.redemption"]
        if not self.currency_id.is_zero(points_amount or 0.0):
            rewards = rewards | Service._spend_points(self, points_amount)
        lines = Service._redeem(rewards, self, self.amount_residual, move_id=self.id)
        for line in lines:
            reward = line.reward_id
            entry = self._studio_book_loyalty(
                reward.amount,
                self.env._("Loyalty reward %(reward)s on %(invoice)s", reward=reward.name, invoice=self.name),
            )
            transition(reward).write({"payment_move_id": entry.id})
            line._link_entry(entry)
        self.message_post(body=self.env._("Loyalty rewards redeemed: %s", ", ".join(rewards.mapped("name"))))
        return rewards.payment_move_id
