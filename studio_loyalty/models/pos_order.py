from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from .studio_loyalty_guard import REWARD_READERS, transition


class PosOrder(models.Model):
    """Orders paid partly with loyalty rewards: the rewards are spent when the order syncs.

    The till only proposes; the server spends each reward through the one
    redemption service when the order is finalised, inside the sync's
    transaction, so a refused reward leaves no paid order behind.
    """

    _inherit = "pos.order"

    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="pos_order_id",
        string="Redeemed Loyalty Rewards",
        readonly=True,
        groups=REWARD_READERS,
    )

    studio_refund_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="refund_pos_order_id",
        string="Loyalty Rewards Given Back",
        readonly=True,
        groups=REWARD_READERS,
    )

    # Read with the order after it syncs, for the receipt: what it used and
    # earned, and the client's balances once it is saved. Not stored: the
    # balances move with every later sale, and the till reads them fresh.
    studio_points_used = fields.Integer(
        string="Points Used", compute="_compute_studio_points", compute_sudo=True, groups=REWARD_READERS
    )
    studio_points_earned = fields.Integer(
        string="Points Earned", compute="_compute_studio_points", compute_sudo=True, groups=REWARD_READERS
    )
    studio_points_pending = fields.Integer(
        string="Client's Pending Points", compute="_compute_studio_points", compute_sudo=True, groups=REWARD_READERS
    )
    studio_points_redeemable = fields.Integer(
        string="Client's Redeemable Points", compute="_compute_studio_points", compute_sudo=True, groups=REWARD_READERS
    )

    @api.depends("partner_id", "state")
    def _compute_studio_points(self):
        orders = self.sudo().filtered("id")
        earned = {
            order.id: points
            for order, points in self.env["studio.loyalty.move"]
            .sudo()
            ._read_group(
                [("pos_order_id", "in", orders.ids), ("is_points", "=", True), ("kind", "=", "earn")],
                ["pos_order_id"],
                ["pending_points:sum"],
            )
        }
        used = {
            order.id: points
            for order, points in self.env["studio.loyalty.reward"]
            .sudo()
            ._read_group(
                [("pos_order_id", "in", orders.ids), ("origin", "=", "points")], ["pos_order_id"], ["points:sum"]
            )
        }
        Points = self.env["studio.loyalty.points"].sudo()
        balances = {}
        for company, company_orders in orders.grouped("company_id").items():
            clients = company_orders.partner_id.commercial_partner_id
            balances[company] = Points._balances(clients, company) if clients else {}
        for order in self:
            sudo_order = order.sudo()
            client = sudo_order.partner_id.commercial_partner_id
            balance = balances.get(sudo_order.company_id, {}).get(client.id) or Points._empty_balance()
            order.studio_points_used = used.get(order.id, 0)
            order.studio_points_earned = earned.get(order.id, 0)
            order.studio_points_pending = balance["pending"]
            order.studio_points_redeemable = balance["redeemable"]

    def action_pos_order_paid(self):
        """A closed POS order may be a referred client's initial order, and earns points (a refund takes back)."""
        result = super().action_pos_order_paid()
        if self.partner_id:
            self.env["studio.referral"].sudo()._evaluate_clients(self.partner_id)
            self.env["studio.loyalty.points"].sudo()._earn_documents(self)
        return result

    def _process_payment_lines(self, pos_order, order, pos_session, draft):
        result = super()._process_payment_lines(pos_order, order, pos_session, draft)
        if not draft:
            # An exchange ticket does both: its refunded lines give their share
            # back, its new items may be paid with rewards.
            if order.refunded_order_id:
                order._studio_return_rewards()
            order._studio_redeem_rewards()
        return result

    @api.model
    def studio_pos_refund_share(self, refunded_order_id, refund_total):
        """What of refunding ``refund_total`` of an order comes back as loyalty rewards (for the till)."""
        return self.browse(refunded_order_id)._studio_loyalty_share(refund_total)[0]

    def _studio_loyalty_share(self, refund_total, refund=None):
        """``(share, whole)``: the loyalty share of refunding ``refund_total`` of this order.

        The service's one refund-share rule, fed with the order's Loyalty
        Rewards lines and what its other refunds (not ``refund``, nor drafts)
        took back and gave back. What a refund takes back is the total of its
        refunded lines: an exchange ticket's new items are not refunded.
        """
        self.ensure_one()
        currency = self.currency_id
        others = self.sudo().lines.refund_orderline_ids.order_id.filtered(
            lambda o: o.state not in ("draft", "cancel")
        ) - (refund or self.browse())
        return self.env["studio.loyalty.redemption"]._refund_share(
            currency,
            paid=currency.round(sum(self._studio_loyalty_payments().mapped("amount"))),
            returned=currency.round(
                sum(others.studio_refund_reward_ids.filtered(lambda r: r.state != "cancelled").mapped("amount"))
            ),
            refunded_before=currency.round(sum(order._studio_refunded_total() for order in others)),
            refund_total=refund_total,
            sale_total=self.amount_total,
            open_amount=refund_total,
        )

    def _studio_refunded_total(self):
        """What this order's refunded lines take back, taxes included (an exchange's new items left out).

        Read from the lines they refund, in proportion to the quantity: the
        till signs a refund's own line amounts the other way round (a refund
        is a document of its own), while the sale's lines keep theirs. The
        till computes it the same way (``studioRefundedTotal``), to the cent.
        """
        self.ensure_one()
        total = 0.0
        for line in self.lines.filtered("refunded_orderline_id"):
            origin = line.refunded_orderline_id
            if origin.qty:
                sign = -1 if origin.order_id.is_refund else 1
                total -= sign * origin.price_subtotal_incl * line.qty / origin.qty
        return self.currency_id.round(total)

    def _studio_loyalty_payments(self):
        return self.payment_ids.filtered(lambda p: p.payment_method_id.is_studio_loyalty)

    def _studio_return_rewards(self):
        """A refund gives the loyalty share of the lines it refunds back as rewards, never as cash.

        The share is that of the refunded lines' total, not of the order's: an
        exchange ticket's new items neither lower nor raise it. The till pays
        it out as a negative Loyalty Rewards line; the server checks it and
        gives it back through the redemption service, linked to this refund.
        A refund synced again gives nothing twice.
        """
        self.ensure_one()
        loyalty = self._studio_loyalty_payments()
        if any(loyalty.mapped("studio_points_amount")):
            raise UserError(self.env._("Points cannot be redeemed on a refund."))
        if self.sudo().studio_refund_reward_ids:
            return
        original = self.refunded_order_id
        currency = self.currency_id
        share, whole = original._studio_loyalty_share(self._studio_refunded_total(), refund=self)
        paid_back = self._studio_given_back()
        if float_is_zero(share, precision_rounding=currency.rounding):
            if not float_is_zero(paid_back, precision_rounding=currency.rounding):
                raise UserError(
                    self.env._(
                        "Nothing this refund takes back was paid with loyalty rewards: remove its Loyalty Rewards "
                        "line of %s and pay the refund with the other payment methods.",
                        currency.format(-paid_back),
                    )
                )
            return
        if float_compare(paid_back, share, precision_rounding=currency.rounding):
            raise UserError(
                self.env._(
                    "%(share)s of what this refund takes back was paid with loyalty rewards and comes back as "
                    "rewards, not as cash: the refund needs a Loyalty Rewards line of %(line)s, not %(paid)s. "
                    "Validate again: the till puts that line right; then pay the rest with the other payment "
                    "methods.",
                    share=currency.format(share),
                    line=currency.format(-share),
                    paid=currency.format(-paid_back),
                )
            )
        # The rewards' own payment entries stay: the refund books the share
        # back, at its session's closing or against its credit note.
        self.env["studio.loyalty.redemption"]._return_share(
            original.sudo().studio_reward_ids, share, whole, self, reverse_entries=False
        )

    def _studio_given_back(self):
        """What this order's negative Loyalty Rewards lines give back: a refund's loyalty share."""
        currency = self.currency_id
        lines = self._studio_loyalty_payments().filtered(lambda p: currency.compare_amounts(p.amount, 0.0) < 0)
        return currency.round(-sum(lines.mapped("amount")))

    def _studio_redeem_rewards(self):
        """Spend the rewards and the points named by this order's loyalty payments, once.

        The payments may pay less than the rewards they name: the service
        spends them soonest expiry first and keeps the rest of the last one
        for the client. Rewards this order already spent (an order synced
        again) are left as they are, and points are turned into a reward only
        while the order has none made from points; the rest is checked and
        locked by ``_redeem``, in the sync's transaction. On an exchange
        ticket they pay its new items: at most what is left to pay once its
        refunded share came back as loyalty value (negative lines, see
        :meth:`_studio_return_rewards`).
        """
        self.ensure_one()
        currency = self.currency_id
        payments = self._studio_loyalty_payments()
        positive = payments.filtered(lambda p: currency.compare_amounts(p.amount, 0.0) > 0)
        if payments - positive and not self.refunded_order_id:
            raise UserError(self.env._("Only a refund pays a negative Loyalty Rewards line."))
        payments = positive
        if not payments:
            return
        rewards = payments.sudo().studio_reward_ids
        paid = currency.round(sum(payments.mapped("amount")))
        points_amount = currency.round(sum(payments.mapped("studio_points_amount")))
        if float_compare(points_amount, 0.0, precision_rounding=currency.rounding) < 0:
            raise UserError(self.env._("Enter a positive amount to pay with points."))
        by_rewards = currency.round(paid - points_amount)
        if bool(rewards) != (float_compare(by_rewards, 0.0, precision_rounding=currency.rounding) > 0):
            raise UserError(
                self.env._(
                    "The Loyalty Rewards payment of %(paid)s must be what the rewards it names pay, and the points "
                    "it uses (%(points)s).",
                    paid=currency.format(paid),
                    points=currency.format(points_amount),
                )
            )
        if not self.partner_id:
            raise UserError(self.env._("Choose the client whose rewards pay this order."))
        Service = self.env["studio.loyalty.redemption"]
        spent_here = self.sudo().studio_reward_ids
        to_spend = rewards - spent_here
        if not currency.is_zero(points_amount) and not spent_here.filtered(lambda r: r.origin == "points"):
            to_spend |= Service._spend_points(self, points_amount)
        if to_spend:
            spent = currency.round(sum(spent_here.mapped("amount")))
            Service._redeem(
                to_spend,
                self,
                currency.round(self.amount_total + self._studio_given_back() - spent),
                amount=currency.round(paid - spent),
                pos_order_id=self.id,
            )

    def _generate_pos_order_invoice(self):
        result = super()._generate_pos_order_invoice()
        for order in self.filtered(lambda o: o.account_move):
            order._studio_book_invoiced_rewards()
        return result

    def _studio_book_invoiced_rewards(self):
        """An invoiced order's loyalty part is booked through the Loyalty Rewards journal, reconciled.

        A sale's rewards pay its invoice; a refund's share is booked back to
        the loyalty account against its credit note. Invoiced once its session
        was closed, the closing already booked the loyalty account and the
        Point of Sale reverses that order's closing lines through its
        receivable: the booking then balances that receivable instead, and is
        matched there with the reversal, as Odoo matches its payment moves.
        """
        invoice = self.account_move
        account = None
        if self.session_id.state == "closed":
            account = self._studio_closing_receivable()
        entries = self.env["account.move"]
        label = self.env._("Loyalty Rewards of %s", self.name)
        refund_share = -sum(
            self.payment_ids.filtered(lambda p: p.payment_method_id.is_studio_loyalty and p.amount < 0).mapped("amount")
        )
        if not self.currency_id.is_zero(refund_share):
            entry = invoice._studio_book_loyalty(refund_share, label, give_back=True, account=account)
            entries |= entry
            shares = self.sudo().studio_refund_reward_ids.filtered(lambda r: not r.return_move_id)
            transition(shares).write({"return_move_id": entry.id})
            shares.ledger_ids.filtered(lambda line: line.pos_order_id == self)._link_entry(entry)
        for reward in self.sudo().studio_reward_ids.filtered(lambda r: not r.payment_move_id):
            entry = invoice._studio_book_loyalty(
                reward.amount,
                self.env._("Loyalty reward %(reward)s on %(order)s", reward=reward.name, order=self.name),
                account=account,
            )
            entries |= entry
            transition(reward).write({"move_id": invoice.id, "payment_move_id": entry.id})
            reward.ledger_ids.filtered(lambda line: line.kind == "redeem" and line.pos_order_id == self)._link_entry(
                entry
            )
        if account and entries:
            self._studio_reconcile_closing_reversal(entries, account)

    def _studio_closing_receivable(self):
        """The receivable on which the Point of Sale reverses this order's loyalty closing lines.

        The one ``_prepare_aml_values_list_per_nature`` reverses a payment on:
        its method's receivable, or the company's PoS receivable.
        """
        method = self.payment_ids.payment_method_id.filtered("is_studio_loyalty")[:1]
        return method.receivable_account_id or self.company_id.account_default_pos_receivable_account_id

    def _studio_reconcile_closing_reversal(self, entries, account):
        """Match the loyalty ``entries`` with the reversal of this order's closing lines on ``account``.

        ``_create_misc_reversal_move`` matches that reversal with the payment
        moves of the other methods only; the loyalty part would stay open on
        both sides.
        """
        reversals = (
            self.env["account.move"].sudo().search([("reversed_pos_order_id", "=", self.id), ("state", "=", "posted")])
        )
        lines = (reversals | entries.sudo()).line_ids.filtered(
            lambda line: line.account_id == account and not line.reconciled
        )
        if lines.filtered(lambda line: line.balance > 0) and lines.filtered(lambda line: line.balance < 0):
            lines.reconcile()
