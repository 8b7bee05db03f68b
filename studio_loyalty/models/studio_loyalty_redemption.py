from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError
from odoo.fields import Command
from odoo.tools import SQL, float_compare, float_is_zero, format_datetime

from .studio_loyalty_guard import transition
from .studio_loyalty_reward import REST_FIELDS


class StudioLoyaltyRedemption(models.AbstractModel):
    """The one service through which loyalty value moves.

    Issuing, spending (:meth:`_redeem`), giving back (:meth:`_give_back`),
    returning a refund's share (:meth:`_return_share`), expiring, cancelling
    and moving rewards between clients all happen here, under row locks, and
    each writes its ledger lines (``studio.loyalty.move``) and books the
    Loyalty Rewards Liability account. Invoices and the Point of Sale are thin
    adapters that call it and book the receivable side.
    """

    _name = "studio.loyalty.redemption"
    _description = "Loyalty Redemption Service"

    # ------------------------------------------------------------------
    # Locks and the ledger
    # ------------------------------------------------------------------

    @api.model
    def _lock(self, records, mode="wait"):
        """Lock rows the addon owns and read them as whoever held them last left them.

        ``wait``: wait for the holder, rows taken in id order (giving back,
        taking back, an event evaluating a referral); ``fail``: refuse at once
        with a clear message (a till spending); ``skip``: return only the rows
        that could be locked now (scheduled jobs). ``FOR NO KEY UPDATE``
        throughout: a transaction that merely refers to a row (an open dialog
        saved with it, a reward made for a run's line) does not block it.
        """
        if mode == "skip":
            records = records.try_lock_for_update(allow_referencing=True)
        elif mode == "fail":
            try:
                records.lock_for_update(allow_referencing=True)
            except LockError:
                raise UserError(
                    self.env._(
                        "These rewards or points are being redeemed by another user or till right now. "
                        "Try again in a moment."
                    )
                ) from None
        elif records:
            records.flush_recordset()
            self.env.execute_query(
                SQL(
                    "SELECT id FROM %s WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
                    SQL.identifier(records._table),
                    records.ids,
                )
            )
        records.invalidate_recordset()
        return records

    @api.model
    def _record(self, kind, rewards, amounts=None, entry=None, document=None, partners=None, note=None):
        """Write one ledger line of ``kind`` per reward, ``amounts`` signed (default: each reward's amount).

        ``document`` is the source: an invoice or credit note, a POS order, a
        run or a referral (default: the reward's own origin document).
        """
        Move = self.env["studio.loyalty.move"].sudo()
        document = document._origin if document else None  # a document not saved yet names none
        vals_list = []
        for index, reward in enumerate(rewards):
            source = document or reward.run_id or reward.referral_id or reward.refund_move_id
            vals = self._record_vals(
                kind,
                reward,
                amounts[index] if amounts is not None else reward.amount,
                source or reward.refund_pos_order_id or reward,
                partner=partners[index] if partners else None,
            )
            vals.update(entry_id=entry.id if entry else False, note=note)
            vals_list.append(vals)
        return transition(Move)._insert(vals_list).with_env(Move.env)

    @api.model
    def _record_vals(self, kind, reward, amount, source, partner=None):
        """Values of a ledger line of ``reward`` moving ``amount`` for ``source`` (a document or the reward)."""
        return {
            "date": fields.Date.context_today(self),
            "company_id": reward.company_id.id,
            "partner_id": (partner or reward.partner_id).commercial_partner_id.id,
            "reward_id": reward.id,
            "kind": kind,
            "origin": reward.origin,
            "amount": amount,
            "invoice_id": source.id if source._name == "account.move" else False,
            "pos_order_id": source.id if source._name == "pos.order" else False,
            "run_id": source.id if source._name == "studio.loyalty.run" else False,
            "referral_id": source.id if source._name == "studio.referral" else False,
            "reference": self._reference(source) if source != reward else reward.name,
        }

    @api.model
    def _reference(self, source):
        """How a ledger line names its source: a POS order by its receipt number, which no other order has.

        Odoo names an order after the last part of its receipt number only, so
        the orders of two till devices (or of the back office) share names.
        """
        if source._name == "pos.order" and source.pos_reference:
            return source.pos_reference
        return source.display_name

    @api.model
    def _book_accrual(self, lines, label):
        """Book ``lines`` (issued, released) between the expense and the liability account, one entry per company."""
        Move = self.env["studio.loyalty.move"].sudo()
        # One grouped query: a run books tens of thousands of lines at once.
        groups = Move._read_group([("id", "in", lines.ids)], ["company_id"], ["id:array_agg"])
        for company, line_ids in groups:
            entry = self._draft_accrual(company, label)
            transition(Move.browse(line_ids))._set_entry(entry)
            self._post_accrual(entry)

    @api.model
    def _draft_accrual(self, company, label):
        """An empty draft entry of the Loyalty Rewards journal for ledger lines to name as they are written.

        A processing run names its one entry in every line it inserts, batch
        after batch, and :meth:`_post_accrual` books it when the run is done:
        the lines are never rewritten to name it.
        """
        return (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company._get_loyalty_journal().id,
                    "date": fields.Date.context_today(self),
                    "ref": label,
                    "studio_loyalty_entry": True,
                }
            )
        )

    @api.model
    def _post_accrual(self, entry):
        """Give a draft accrual ``entry`` the total of the ledger lines that name it, and post it.

        A positive total is owed to clients: debit the Loyalty Rewards
        Expense, credit the Liability; a negative one (expiry, cancellation,
        a lower amount) releases the liability back to the expense account.
        An entry that no line names, or whose lines add up to nothing, is
        dropped.
        """
        entry = entry.sudo()
        [(amount, count)] = (
            self.env["studio.loyalty.move"]
            .sudo()
            ._read_group([("entry_id", "=", entry.id)], [], ["amount:sum", "__count"])
        )
        company = entry.company_id
        total = company.currency_id.round(amount or 0.0)
        if not count:
            entry.unlink()
            return None
        if company.currency_id.is_zero(total):
            return entry  # stays a draft that books nothing, named by lines that cancel out
        liability, expense = company._studio_loyalty_accounts()
        entry.write(
            {
                "date": fields.Date.context_today(self),
                "line_ids": [
                    Command.create({"name": entry.ref, "account_id": expense.id, "balance": total}),
                    Command.create({"name": entry.ref, "account_id": liability.id, "balance": -total}),
                ],
            }
        )
        entry.action_post()
        return entry

    # ------------------------------------------------------------------
    # Issuing and releasing
    # ------------------------------------------------------------------

    @api.model
    def _issue(self, vals_list, entry=None, accrue=True, label=None):
        """Create rewards born of a flow (a run, a referral, a refund share) and record them.

        Their value is booked as owed to the clients: one accrual entry for
        all of them (a whole run is one entry), or ``entry`` when the caller
        booked it already (a refund's share, booked from the receivable) or
        will post later (a run's draft, see :meth:`_draft_accrual`);
        ``accrue=False`` when a later entry books it (a POS session's closing).
        """
        Reward = transition(self.env["studio.loyalty.reward"].sudo())
        rewards = Reward._insert(vals_list)
        # Written with their balance: what their issue lines add up to.
        with self.env.protecting([Reward._fields["balance"]], rewards):
            self._issued(rewards, entry=entry, accrue=accrue, label=label)
        return rewards.with_env(self.env)  # without the marker: the caller's writes are guarded again

    @api.model
    def _issued(self, rewards, entry=None, accrue=True, label=None):
        """Record and book rewards just created."""
        lines = self._record("issue", rewards, entry=entry)
        if accrue and not entry:
            names = rewards.mapped("name")
            self._book_accrual(lines, label or self.env._("Loyalty rewards issued: %s", ", ".join(names[:5])))
        return lines

    @api.model
    def _release(self, rewards, state, entry=None, accrue=True):
        """Expire or cancel available rewards: what is left of them is no longer owed.

        The liability is released back to the Loyalty Rewards Expense
        account, one entry for the batch (``entry`` when the caller reversed
        the booking itself, as when a credit note that gave a share is reset;
        ``accrue=False`` when a later entry books it).
        """
        rewards = rewards.filtered(lambda r: r.state == "available")
        if not rewards:
            return rewards
        transition(rewards).write({"state": state})
        kind = "expire" if state == "expired" else "cancel"
        lines = self._record(kind, rewards, amounts=[-r.balance for r in rewards], entry=entry)
        if accrue and not entry:
            label = self.env._("Loyalty rewards expired") if state == "expired" else None
            self._book_accrual(
                lines, label or self.env._("Loyalty rewards cancelled: %s", ", ".join(rewards.mapped("name")[:5]))
            )
        return rewards

    @api.model
    def _reopen(self, rewards):
        """Cancelled rewards become available again, and are owed again."""
        transition(rewards).write({"state": "available"})
        lines = self._record("reopen", rewards)
        self._book_accrual(
            lines, self.env._("Loyalty rewards made available again: %s", ", ".join(rewards.mapped("name")[:5]))
        )

    @api.model
    def _change(self, reward, vals):
        """A manual reward's new amount or client: written with the ledger lines that move its value."""
        old_amount, old_partner = reward.amount, reward.partner_id
        transition(reward).write(vals)
        if "amount" in vals and float_compare(
            reward.amount, old_amount, precision_rounding=reward.currency_id.rounding
        ):
            delta = reward.currency_id.round(reward.amount - old_amount)
            # On the client who held the reward: a move to another client below takes the new amount.
            lines = self._record(
                "adjust", reward, amounts=[delta], partners=[old_partner], note=self.env._("Amount changed")
            )
            self._book_accrual(lines, self.env._("Loyalty reward %s: amount changed", reward.name))
        if reward.partner_id.commercial_partner_id != old_partner.commercial_partner_id:
            note = self.env._(
                "Moved from %(old)s to %(new)s", old=old_partner.display_name, new=reward.partner_id.display_name
            )
            self._record(
                "adjust",
                reward + reward,
                amounts=[-reward.amount, reward.amount],
                partners=[old_partner, reward.partner_id],
                note=note,
            )

    @api.model
    def _merge(self, src_partners, dst_partner):
        """Client merge: what is left of the merged clients' rewards moves to the one kept, on the ledger."""
        rewards = (
            self.env["studio.loyalty.reward"]
            .sudo()
            .search([("commercial_partner_id", "in", src_partners.ids), ("balance", "!=", 0)])
        )
        rewards = rewards.filtered(lambda r: r.commercial_partner_id != dst_partner.commercial_partner_id)
        if not rewards:
            return
        note = self.env._("Merged into %s", dst_partner.display_name)
        self._record(
            "merge",
            rewards + rewards,
            amounts=[-r.balance for r in rewards] + [r.balance for r in rewards],
            partners=[r.partner_id for r in rewards] + [dst_partner] * len(rewards),
            note=note,
        )

    # ------------------------------------------------------------------
    # Spending and giving back
    # ------------------------------------------------------------------

    @api.model
    def _redeem(self, rewards, document, amount_due, amount=None, **links):
        """Spend ``rewards`` as payment of ``document``, exactly once; return their ledger lines.

        ``document`` is an invoice or a POS order. The rewards are checked
        against its client, company and currency, locked so a concurrent till
        or user cannot spend them too, then marked redeemed with ``links``
        (``move_id``, ``pos_order_id``). They pay ``amount`` (default: all of
        them, up to ``amount_due``), soonest expiry first: a reward larger
        than what is left pays part of it and the rest stays with the client
        (see :meth:`_split`). The caller books the receivable side, each
        reward's ``amount`` once it returns, and links its entries to the lines.
        """
        if not rewards:
            raise UserError(self.env._("Select at least one reward to redeem."))
        rewards = self._spending_order(self._lock(rewards.sudo(), mode="fail"))
        self._check_spendable(rewards, document)
        today = fields.Date.context_today(self)
        currency = document.currency_id
        rounding = currency.rounding
        total = currency.round(sum(rewards.mapped("amount")))
        if float_is_zero(amount_due, precision_rounding=rounding):
            raise UserError(self.env._("Nothing is left to pay on %s.", document.display_name))
        amount = currency.round(min(total, amount_due) if amount is None else amount)
        if float_compare(amount, amount_due, precision_rounding=rounding) > 0:
            raise UserError(
                self.env._(
                    "The rewards cannot pay %(amount)s: only %(due)s is due.",
                    amount=currency.format(amount),
                    due=currency.format(amount_due),
                )
            )
        if float_compare(amount, total, precision_rounding=rounding) > 0:
            raise UserError(
                self.env._(
                    "The rewards selected (%(total)s) cannot pay %(amount)s.",
                    total=currency.format(total),
                    amount=currency.format(amount),
                )
            )
        last = rewards[-1]
        if float_compare(total - last.amount, amount, precision_rounding=rounding) >= 0:
            raise UserError(
                self.env._(
                    "Reward %(reward)s is not needed: the rewards expiring before it already pay %(amount)s.",
                    reward=last.name,
                    amount=currency.format(amount),
                )
            )
        if float_compare(total, amount, precision_rounding=rounding) > 0:
            self._split(last, currency.round(amount - (total - last.amount)), document)
        transition(rewards).write({"state": "redeemed", "redeemed_date": today, **links})
        return self._record("redeem", rewards, amounts=[-r.amount for r in rewards], document=document.sudo())

    @api.model
    def _check_spendable(self, rewards, document):
        """Refuse ``rewards`` that ``document`` (an invoice, draft or not, or a POS order) cannot be paid with."""
        today = fields.Date.context_today(self)
        partner, currency = document.partner_id, document.currency_id
        client = partner.commercial_partner_id
        for reward in rewards:
            if reward.state == "redeemed":
                spent_on = reward.move_id or reward.pos_order_id
                raise UserError(
                    self.env._(
                        "Reward %(reward)s has already been redeemed on %(document)s.",
                        reward=reward.name,
                        document=self._reference(spent_on),
                    )
                )
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

    @api.model
    def _spending_order(self, rewards):
        """The order rewards are spent in: points first (they pay exactly), then soonest expiry, then oldest."""
        return rewards.sorted(
            lambda r: (r.origin != "points", not r.expiration_date, r.expiration_date or fields.Date.today(), r.id)
        )

    @api.model
    def _split(self, reward, keep, document):
        """Partial use: ``reward`` is worth ``keep`` from now on; the rest becomes a reward of its own.

        The rest has the same client, origin and expiry, names the reward it
        comes from, and is recorded as moved from one to the other on the
        ledger: nothing is issued or released, so nothing is booked. Returns it.
        """
        currency = reward.currency_id
        rest = currency.round(reward.amount - keep)
        Reward = transition(self.env["studio.loyalty.reward"].sudo())
        vals = {
            name: reward[name].id if isinstance(reward[name], models.BaseModel) else reward[name]
            for name in REST_FIELDS
        }
        rest_reward = Reward._insert(
            [
                {
                    **vals,
                    "amount": rest,
                    "split_from_id": reward.id,
                    "note": self.env._(
                        "Rest of reward %(reward)s after it paid %(paid)s of %(document)s.",
                        reward=reward.name,
                        paid=currency.format(keep),
                        document=document.display_name,
                    ),
                }
            ]
        )
        transition(reward).write({"amount": keep})
        note = self.env._("Partly used: %(rest)s kept as %(new)s", rest=currency.format(rest), new=rest_reward.name)
        with self.env.protecting([Reward._fields["balance"]], rest_reward):
            self._record("split", reward + rest_reward, amounts=[-rest, rest], document=document.sudo(), note=note)
        return rest_reward

    @api.model
    def _give_back(self, rewards, reverse_entries=True, document=None):
        """The one inverse of :meth:`_redeem`: redeemed rewards become available again.

        Their payment entries are reversed as of today (posting moves the date
        past the lock dates, as for any entry) and reconciled with the
        reversal, so the document they paid is due again; a posted entry is
        never cancelled or deleted. ``reverse_entries=False`` when the flow
        calling this reverses the entry itself; ``document`` is what gives
        them back when it is not the document they paid (a POS refund).
        Returns the ledger lines.
        """
        rewards = rewards.sudo().filtered(lambda r: r.state == "redeemed")
        if not rewards:
            return self.env["studio.loyalty.move"]
        # Wait for whoever else gives these back or redeems them: given back once, never twice.
        rewards = self._lock(rewards).filtered(lambda r: r.state == "redeemed")
        returned = rewards.search(
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
        paid = {reward: (reward.move_id or reward.pos_order_id, reward.payment_move_id) for reward in rewards}
        for source, _entry in set(paid.values()):
            if source:
                source.message_post(
                    body=self.env._(
                        "Loyalty rewards given back to the client: %s",
                        ", ".join(r.name for r in rewards if paid[r][0] == source),
                    )
                )
        # Unlink first: the reversal below must not find these rewards again.
        transition(rewards).write(
            {
                "state": "available",
                "redeemed_date": False,
                "move_id": False,
                "payment_move_id": False,
                "pos_order_id": False,
            }
        )
        entries = self.env["account.move"].sudo().union(*(entry for _s, entry in paid.values()))
        posted = entries.filtered(lambda m: m.state == "posted")
        if reverse_entries and posted:
            today = fields.Date.context_today(self)
            posted._reverse_moves(
                [{"date": today, "ref": self.env._("Reversal of: %s", entry.ref)} for entry in posted], cancel=True
            )
        lines = self.env["studio.loyalty.move"]
        for reward in rewards:
            source, entry = paid[reward]
            reversal = entry.reversal_move_ids.filtered(lambda m: m.state == "posted")[-1:]
            lines |= self._record("give_back", reward, entry=reversal, document=document or source)
        self._points_back(rewards.filtered(lambda r: r.origin == "points" and r.points))
        return lines

    # ------------------------------------------------------------------
    # Refunds: the loyalty share comes back as loyalty value, never cash
    # ------------------------------------------------------------------

    @api.model
    def _refund_share(self, currency, paid, returned, refunded_before, refund_total, sale_total, open_amount):
        """``(share, whole)``: the loyalty part of refunding ``refund_total`` of a sale.

        The one rule for credit notes and POS refunds. Of a sale of
        ``sale_total`` that rewards paid ``paid`` of, refunds already made
        took back ``refunded_before`` and gave ``returned`` back as rewards.
        This refund's share is its part in the proportion rewards paid, or
        all that is left to give back when it completes the sale's refund;
        never more than what is left, nor than what the refund would
        otherwise pay out (``open_amount``): a refund that merely lowers what
        is still due gives nothing back. ``whole``: it refunds the whole sale
        at once, so the same rewards go back.
        """
        rounding = currency.rounding
        left = currency.round(paid - returned)
        if float_compare(left, 0.0, precision_rounding=rounding) <= 0 or float_is_zero(
            sale_total, precision_rounding=rounding
        ):
            return 0.0, False
        whole = (
            float_is_zero(returned, precision_rounding=rounding)
            and float_is_zero(refunded_before, precision_rounding=rounding)
            and float_compare(refund_total, sale_total, precision_rounding=rounding) >= 0
        )
        if whole:
            # The sale is undone: its rewards come back whatever the refund settles.
            return left, True
        if float_compare(refunded_before + refund_total, sale_total, precision_rounding=rounding) >= 0:
            share = left
        else:
            share = min(left, currency.round(refund_total * paid / sale_total))
        return max(min(share, currency.round(open_amount)), 0.0), False

    @api.model
    def _return_share(self, redeemed, share, whole, refund, entry=None, reverse_entries=True):
        """Give ``share`` of the ``redeemed`` rewards back for ``refund`` (a credit note or a POS refund).

        A whole refund gives the same rewards back (their payments reversed,
        unless ``reverse_entries=False``: the refund books the share itself);
        otherwise a new reward of the share is issued to the client. It
        expires when the latest of the rewards it comes from expires, or at
        the end of today if that has passed; never when one of them never
        expires. ``entry`` is the booking of the share from the receivable.
        Returns the rewards given back or issued.
        """
        currency = refund.currency_id
        if float_is_zero(share, precision_rounding=currency.rounding):
            return self.env["studio.loyalty.reward"]
        link = "refund_pos_order_id" if refund._name == "pos.order" else "refund_move_id"
        if whole and not float_compare(sum(redeemed.mapped("amount")), share, precision_rounding=currency.rounding):
            self._give_back(redeemed, reverse_entries=reverse_entries, document=refund)
            if link == "refund_pos_order_id":
                transition(redeemed).write({link: refund.id})
            return redeemed
        expiries = redeemed.mapped("expiration_date")
        today = fields.Date.context_today(self)
        expiry = max(max(expiries), today) if expiries and all(expiries) else False
        original = redeemed.move_id[:1] or redeemed.pos_order_id[:1]
        return self._issue(
            [
                {
                    "partner_id": refund.partner_id.commercial_partner_id.id,
                    "company_id": refund.company_id.id,
                    "amount": share,
                    "expiration_date": expiry,
                    "origin": "refund",
                    link: refund.id,
                    "return_move_id": entry.id if entry else False,
                    "note": self.env._(
                        "Share of the rewards redeemed on %s, refunded.", original.display_name or refund.display_name
                    ),
                }
            ],
            entry=entry,
            accrue=False,
        )

    @api.model
    def _take_back_share(self, rewards, reverse_entries=True):
        """A credit note is reset: the rewards it gave back as its loyalty share are cancelled.

        Their return entries are reversed, so that share is owed again by the
        client rather than held twice (``reverse_entries=False`` when the flow
        reverses them itself). Refused once such a reward was spent.
        """
        rewards = self._check_take_back(rewards)
        for entry, shares in rewards.grouped("return_move_id").items():
            reversal = entry.reversal_move_ids.filtered(lambda m: m.state == "posted")[-1:]
            if entry.state == "posted" and reverse_entries:
                today = fields.Date.context_today(self)
                reversal = entry._reverse_moves(
                    [{"date": today, "ref": self.env._("Reversal of: %s", entry.ref)}], cancel=True
                )
            self._release(shares, "cancelled", entry=reversal, accrue=not entry)

    @api.model
    def _check_take_back(self, rewards):
        """Lock the given-back rewards among these and refuse if one was spent since; return them."""
        rewards = rewards.sudo().filtered(
            lambda r: (r.refund_move_id or r.refund_pos_order_id) and r.state != "cancelled"
        )
        if not rewards:
            return rewards
        rewards = self._lock(rewards)
        spent = rewards.filtered(lambda r: r.state != "available")
        if spent:
            raise UserError(
                self.env._(
                    "%(refund)s gave back reward %(reward)s, which is %(state)s: "
                    "what it gave back can no longer be taken back.",
                    refund=(spent[0].refund_move_id or spent[0].refund_pos_order_id).display_name,
                    reward=spent[0].name,
                    state=dict(rewards._fields["state"]._description_selection(self.env))[spent[0].state].lower(),
                )
            )
        return rewards

    # ------------------------------------------------------------------
    # Points: spent by turning them into a reward that pays the document
    # ------------------------------------------------------------------

    @api.model
    def _spend_points(self, document, amount):
        """Turn ``amount`` worth of the client's redeemable points into a reward; return it.

        The caller redeems that reward on ``document`` (an invoice or a POS
        order) with :meth:`_redeem` in the same transaction, so points are
        spent exactly like rewards, and given back by :meth:`_give_back`. The
        client's wallet is locked first: a second till spending the same
        points at the same moment is refused, or, if it comes just after,
        runs again against the lower balance.
        """
        company, currency = document.company_id, document.currency_id
        client = document.partner_id.commercial_partner_id
        program = self.env["studio.loyalty.points.program"]._for_company(company, create=False)
        if not program:
            raise UserError(self.env._("%s has no points to redeem.", client.display_name))
        points = self._check_points_spending(program, document, amount)
        self.env["studio.loyalty.wallet"]._take(client, company, mode="fail")
        Points = self.env["studio.loyalty.points"]
        Points._mature(company, client)
        balance = Points._balances(client, company).get(client.id) or Points._empty_balance()
        if points > balance["redeemable"]:
            raise UserError(
                self.env._(
                    "%(client)s has %(redeemable)s redeemable points (%(value)s); %(points)s points are needed "
                    "for %(amount)s.%(reason)s",
                    client=client.display_name,
                    redeemable=balance["redeemable"],
                    value=currency.format(program._redemption_value(max(balance["redeemable"], 0))),
                    points=points,
                    amount=currency.format(amount),
                    reason=(" " + self._points_reason(program, balance)) if balance["pending"] else "",
                )
            )
        Reward = transition(self.env["studio.loyalty.reward"].sudo())
        reward = Reward._insert(
            [
                {
                    "partner_id": client.id,
                    "company_id": company.id,
                    "amount": amount,
                    "origin": "points",
                    "points": points,
                    "note": self.env._(
                        "%(points)s points redeemed on %(document)s", points=points, document=document.display_name
                    ),
                }
            ]
        )
        with self.env.protecting([Reward._fields["balance"]], reward):
            self._record("convert", reward, document=document.sudo())
        Points._write(
            program,
            [
                {
                    "partner_id": client.id,
                    "kind": "convert",
                    "points": -points,
                    "amount": -amount,
                    "reference": reward.name,
                    "pos_order_id": document.id if document._name == "pos.order" else False,
                    "invoice_id": document.id if document._name == "account.move" else False,
                    "note": self.env._("Turned into reward %s", reward.name),
                }
            ],
            label=reward.name,
            book=False,
        )
        return reward.with_env(self.env)

    @api.model
    def _check_points_spending(self, program, document, amount):
        """The rules of spending points on ``document``, before any lock; return the points ``amount`` takes."""
        currency = document.currency_id
        if document._name == "pos.order" and (document.refunded_order_id or document.amount_total < 0):
            raise UserError(self.env._("Points cannot be redeemed on a refund."))
        if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(self.env._("Enter a positive amount to pay with points."))
        if not program.min_redemption:
            raise UserError(self.env._("Points redemptions are paused."))
        if currency != program.currency_id:
            raise UserError(self.env._("Points can only be redeemed on a document in %s.", program.currency_id.name))
        if float_compare(amount, program.min_redemption, precision_rounding=currency.rounding) < 0:
            raise UserError(
                self.env._("At least %s must be paid with points at a time.", currency.format(program.min_redemption))
            )
        points = round(amount / program.point_value)
        if float_compare(program._redemption_value(points), amount, precision_rounding=currency.rounding):
            raise UserError(
                self.env._(
                    "Points are worth %s each: enter an amount that is a whole number of points.",
                    currency.format(program.point_value),
                )
            )
        if float_compare(document.amount_total, amount, precision_rounding=currency.rounding) <= 0:
            raise UserError(
                self.env._(
                    "The ticket total (%(total)s) must be more than what is redeemed with points (%(amount)s).",
                    total=currency.format(document.amount_total),
                    amount=currency.format(amount),
                )
            )
        return points

    @api.model
    def _points_reason(self, program, balance):
        """Why a client cannot spend points now, or ``""``: paused, pending until a time, below the minimum."""
        currency = program.currency_id
        if not program.min_redemption:
            return self.env._("Points redemptions are paused.")
        value = program._redemption_value(balance["redeemable"])
        if float_compare(value, program.min_redemption, precision_rounding=currency.rounding) >= 0:
            return ""
        if balance["pending"] > 0 and balance["next_at"]:
            return self.env._(
                "%(points)s points are pending until %(when)s.",
                points=balance["pending"],
                when=format_datetime(self.env, balance["next_at"], dt_format="short"),
            )
        if balance["redeemable"] < 0:
            return self.env._(
                "The points balance is negative (%s): points taken back after a refund must be earned again.",
                balance["redeemable"],
            )
        return self.env._(
            "Redeemable points (%(value)s) are below the minimum redemption of %(minimum)s.",
            value=currency.format(value),
            minimum=currency.format(program.min_redemption),
        )

    @api.model
    def _points_back(self, rewards):
        """Rewards that points were turned into, given back: the reward goes, the points come back."""
        if not rewards:
            return
        transition(rewards).write({"state": "cancelled"})
        self._record("convert", rewards, amounts=[-r.balance for r in rewards], note=self.env._("Given back as points"))
        for company, company_rewards in rewards.grouped("company_id").items():
            program = self.env["studio.loyalty.points.program"]._for_company(company)
            self.env["studio.loyalty.points"]._write(
                program,
                [
                    {
                        "partner_id": reward.commercial_partner_id.id,
                        "kind": "convert",
                        "points": reward.points,
                        "amount": reward.amount,
                        "reference": reward.name,
                        "note": self.env._("Given back from reward %s", reward.name),
                    }
                    for reward in company_rewards
                ],
                label=company_rewards[0].name,
                book=False,
            )
