from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from .studio_loyalty_guard import in_transition, transition

EVALUABLE_STATES = ("pending", "earned")
REQUIREMENT_STATES = [("na", "Not Required"), ("waiting", "Waiting"), ("met", "Met"), ("failed", "Failed")]


class StudioReferral(models.Model):
    """One referred client of one referring client, and what it has earned.

    Referrals are recorded when a client's Referred By is saved, under the
    referring client's program and clock of that moment, and evaluated by
    :meth:`_evaluate` on every event that can change them (client created,
    session booked or moved, sale paid) and once a day for anything missed.
    """

    _name = "studio.referral"
    _description = "Client Referral"
    _inherit = ["studio.loyalty.guarded", "mail.thread"]
    _order = "referral_date desc, id desc"
    _check_company_auto = True

    referrer_id = fields.Many2one(
        comodel_name="res.partner", string="Referring Client", required=True, readonly=True, index=True
    )
    referred_id = fields.Many2one(
        comodel_name="res.partner", string="Referred Client", required=True, readonly=True, index=True
    )
    program_id = fields.Many2one(
        comodel_name="studio.referral.program",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        help="The referring client's program when the referral was recorded.",
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    referral_date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    clock_start = fields.Datetime(
        string="Clock Started",
        readonly=True,
        help="When the referral program email was sent to the referring client, or, if none was sent before "
        "the referral, when the program was assigned to them: the start of the 'within N days' requirements.",
    )
    # Success has one word, the seed's: a referral "earns" its reward.
    state = fields.Selection(
        selection=[
            ("pending", "Waiting"),
            ("earned", "Earning"),
            ("done", "Earned"),
            ("expired", "Requirement Failed"),
            ("limit", "Limit Reached"),
            ("no_program", "No Program"),
            ("merged", "Merged"),
        ],
        required=True,
        default="pending",
        readonly=True,
        index=True,
        tracking=True,
        help="Waiting: a requirement is still to be met. Earning: earned for some sessions, more may follow. "
        "Earned: everything it can earn was granted. Requirement Failed: a requirement can no longer be met "
        "(the clock ran out, or the first order was below the minimum).",
    )
    reason = fields.Char(string="Status Detail", readonly=True, help="Why nothing (more) is granted.")
    created_requirement = fields.Selection(REQUIREMENT_STATES, string="Created in Time", default="na", readonly=True)
    session_requirement = fields.Selection(REQUIREMENT_STATES, string="Session", default="na", readonly=True)
    order_requirement = fields.Selection(REQUIREMENT_STATES, string="Initial Order", default="na", readonly=True)
    grant_ids = fields.One2many(comodel_name="studio.referral.grant", inverse_name="referral_id", string="Granted")
    grant_count = fields.Integer(string="Grants", compute="_compute_grant_totals")
    reward_total = fields.Monetary(string="Rewards Earned", compute="_compute_grant_totals")
    last_grant_date = fields.Datetime(string="Last Granted", readonly=True)

    _referred_unique = models.UniqueIndex(
        "(referred_id) WHERE state != 'merged'", "A referred client belongs to one referring client."
    )

    def _compute_display_name(self):
        for referral in self:
            referral.display_name = self.env._(
                "%(referrer)s → %(referred)s",
                referrer=referral.referrer_id.display_name,
                referred=referral.referred_id.display_name,
            )

    def _compute_grant_totals(self):
        grants = {
            referral: (count, amount)
            for referral, count, amount in self.env["studio.referral.grant"]._read_group(
                [("referral_id", "in", self.ids)], ["referral_id"], ["__count", "reward_amount:sum"]
            )
        }
        for referral in self:
            referral.grant_count, referral.reward_total = grants.get(referral, (0, 0.0))

    def _studio_refusal(self, vals, creating):
        if creating:
            return self.env._("A referral is recorded by saving the referred client's Referred By.")
        return self.env._("A referral changes only when it is evaluated.")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_granted(self):
        if self.grant_ids:
            raise UserError(self.env._("A referral that granted rewards or promotional items is kept."))

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------

    @api.model
    def _record(self, referred_clients):
        """Record the referral of each client whose Referred By was just saved (once per client)."""
        already = self.search([("referred_id", "in", referred_clients.ids), ("state", "!=", "merged")]).referred_id
        vals_list = []
        for client in referred_clients - already:
            referrer = client.studio_referred_by_id
            program = referrer.studio_referral_program_id
            company = program.company_id or client.company_id or self.env.company
            vals_list.append(
                {
                    "referrer_id": referrer.id,
                    "referred_id": client.id,
                    "program_id": program.id,
                    "company_id": company.id,
                    "clock_start": self._clock_of(referrer),
                    "state": "pending" if program else "no_program",
                    "reason": False
                    if program
                    else self.env._("%s was not assigned to a referral program.", referrer.display_name),
                }
            )
        referrals = transition(self).create(vals_list)
        referrals._evaluate()
        return referrals

    @api.model
    def _clock_of(self, referrer):
        """Where a referral made now starts its clock: the program email, else the program's assignment.

        Never the referral itself: "within 30 days of the email" must not
        restart for every client referred.
        """
        if not referrer.studio_referral_program_id:
            return False
        return referrer.studio_referral_email_date or referrer.studio_referral_assign_date

    @api.model
    def _adopt_program(self, referrers):
        """Referrals recorded before their referring client had a program join the one just assigned."""
        orphans = self.search([("referrer_id", "in", referrers.ids), ("state", "=", "no_program")])
        for referrer, referrals in orphans.grouped("referrer_id").items():
            program = referrer.studio_referral_program_id
            if program:
                transition(referrals).write(
                    {
                        "program_id": program.id,
                        "company_id": program.company_id.id,
                        "clock_start": self._clock_of(referrer),
                        "state": "pending",
                        "reason": False,
                    }
                )
                referrals._evaluate()

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------

    @api.model
    def _evaluate_clients(self, clients):
        """Something happened to these clients (a session, a paid sale): evaluate their referrals."""
        referrals = self.search(
            [
                "|",
                ("referred_id", "in", clients.ids),
                ("referred_id.commercial_partner_id", "in", clients.commercial_partner_id.ids),
                ("state", "in", EVALUABLE_STATES),
            ]
        )
        referrals._evaluate()

    def _evaluate(self, skip_locked=False):
        """Grant what each referral has earned and not received yet, or record why not.

        Idempotent: the referrals are locked, and every grant has a key unique
        per referral (the referral itself, or one session). A second worker
        evaluating the same referral at the same moment waits for the lock,
        then fails to serialize on the updated row; Odoo retries it on a
        snapshot that sees the first worker's grants.
        """
        # An event waits for the lock (a user's transaction must not fail because
        # the daily re-check holds the row for a moment); the re-check skips it.
        referrals = self.env["studio.loyalty.redemption"]._lock(self, mode="skip" if skip_locked else "wait")
        referrals = referrals.filtered(lambda referral: referral.state in EVALUABLE_STATES and referral.program_id)
        for company, batch in referrals.grouped("company_id").items():
            batch._evaluate_company(company)
        return referrals

    def _company_today(self, company):
        """Today in the company's time zone, whoever evaluates."""
        tz = company._loyalty_tz()
        return fields.Datetime.context_timestamp(self.with_context(tz=tz), fields.Datetime.now()).date()

    def _facts(self, company):
        """Dates, sessions and first orders of the referred clients, in a few set-based queries.

        Dates are local dates in the company's time zone: "within 30 days" ends
        at midnight there, whoever or whatever evaluates. The moments the
        client was created and the clock started are kept too: a client
        created before the clock started is not "created within N days" of it.
        """
        tz = company._loyalty_tz()
        self.env.flush_all()
        dates = {
            referral_id: (created, clock, created_at, clock_at)
            for referral_id, created, clock, created_at, clock_at in self.env.execute_query(
                SQL(
                    """
                    SELECT referral.id,
                           timezone(%(tz)s, client.create_date AT TIME ZONE 'UTC')::date,
                           timezone(%(tz)s, referral.clock_start AT TIME ZONE 'UTC')::date,
                           client.create_date,
                           referral.clock_start
                      FROM studio_referral referral
                      JOIN res_partner client ON client.id = referral.referred_id
                     WHERE referral.id = ANY(%(ids)s)
                    """,
                    tz=tz,
                    ids=self.ids,
                )
            )
        }
        sessions = defaultdict(list)
        for referral_id, session_id, booked, sequence, cancelled in self.env.execute_query(
            SQL(
                """
                SELECT referral.id, event.id,
                       timezone(%(tz)s, event.studio_booked_on AT TIME ZONE 'UTC')::date,
                       status.sequence, status.is_cancelled
                  FROM studio_referral referral
                  JOIN calendar_event event ON event.studio_client_id = referral.referred_id AND event.active
                  JOIN studio_session_status status ON status.id = event.studio_session_status_id
                 WHERE referral.id = ANY(%(ids)s)
              ORDER BY event.studio_booked_on, event.id
                """,
                tz=tz,
                ids=self.ids,
            )
        ):
            sessions[referral_id].append((session_id, booked, sequence, cancelled))
        first_orders = {}
        needs_order = self.filtered(lambda r: r.program_id.require_order or r.program_id.require_order_minimum)
        if needs_order:
            # The initial order is the client's first qualifying paid sale (net of
            # its refunds; one refunded in full is no sale), whenever it was made.
            clients = SQL("SELECT unnest(%s::int[]) AS id", needs_order.referred_id.commercial_partner_id.ids)
            for partner_id, sale_date, amount in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (sale.partner_id) sale.partner_id, sale.sale_date, SUM(sale.amount)
                      FROM (%s) AS sale
                  GROUP BY sale.partner_id, sale.sale_ref, sale.sale_date
                    HAVING SUM(sale.amount) > 0
                  ORDER BY sale.partner_id, sale.sale_date, split_part(sale.sale_ref, ':', 1),
                           split_part(sale.sale_ref, ':', 2)::int
                    """,
                    self.env["studio.loyalty.sale"]._query(company, clients),
                )
            ):
                first_orders[partner_id] = (sale_date, amount)
        return dates, sessions, first_orders

    def _evaluate_company(self, company):
        """Decide, then create every grant of the batch at once and write the states by group."""
        today = self._company_today(company)
        dates, sessions, first_orders = self._facts(company)
        Grant = self.env["studio.referral.grant"]
        earned_by = {
            (referrer.id, program.id): count
            for referrer, program, count in Grant._read_group(
                [
                    ("referrer_id", "in", self.referrer_id.ids),
                    ("program_id", "in", self.program_id.ids),
                ],
                ["referrer_id", "program_id"],
                ["__count"],
            )
        }
        granted_keys = defaultdict(set)
        for grant in Grant.search_fetch([("referral_id", "in", self.ids)], ["referral_id", "key"]):
            granted_keys[grant.referral_id.id].add(grant.key)
        # Formatted once per program, not once per referral.
        order_labels = {program: self._order_label(program) for program in self.program_id}
        to_grant, updates = [], defaultdict(list)
        for referral in self:
            program = referral.program_id
            keys, result = referral._decide(
                program,
                today,
                dates=dates[referral.id],
                sessions=sessions.get(referral.id, []),
                first_order=first_orders.get(referral.referred_id.commercial_partner_id.id),
                granted=granted_keys[referral.id],
                order_label=order_labels[program],
            )
            counter = (referral.referrer_id.id, program.id)
            if program.limit_rewards:
                room = max(program.reward_limit - earned_by.get(counter, 0), 0)
                if len(keys) > room:
                    keys = keys[:room]
                    result.update(
                        state="limit" if not keys and not granted_keys[referral.id] else "done",
                        reason=self.env._(
                            "%(referrer)s reached the limit of %(limit)s rewards of this program.",
                            referrer=referral.referrer_id.display_name,
                            limit=program.reward_limit,
                        ),
                    )
            earned_by[counter] = earned_by.get(counter, 0) + len(keys)
            to_grant += [(referral, key) for key in keys]
            if keys:
                result["last_grant_date"] = fields.Datetime.now()
            changed = {name: value for name, value in result.items() if referral[name] != value}
            if changed:
                updates[tuple(sorted(changed.items()))].append(referral.id)
        if to_grant:
            # Referrer limits are counted in this transaction: one evaluation of
            # a referring client's program at a time.
            referrers = list({referral.referrer_id.id for referral, _key in to_grant})
            self.env.cr.execute(
                SQL("UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)", sorted(referrers))
            )
        for values, ids in updates.items():
            transition(self.browse(ids)).write(dict(values))
        if to_grant:
            Grant._grant(to_grant, today)

    def _decide(self, program, today, *, dates, sessions, first_order, granted, order_label):
        """The grant keys this referral has earned now, and its state and requirement progress.

        ``dates`` are ``(created, clock, created_at, clock_at)``: the local days
        the referred client was created and the clock started, and those
        moments (UTC); ``sessions`` are ``(id, booked date, status sequence,
        cancelled)`` in booking order; ``first_order`` is ``(date, net amount)``
        of the referred client's first paid sale, or None.
        """
        self.ensure_one()
        created, clock, created_at, clock_at = dates
        if not clock_at:
            # A clock is recorded with every program; only a row written by hand has none.
            clock_at = self.referral_date
            clock = fields.Datetime.context_timestamp(
                self.with_context(tz=self.company_id._loyalty_tz()), clock_at
            ).date()
        # Referred client created after the clock started, by the end of day N.
        created_deadline = clock + timedelta(days=program.created_within_days)
        created_early = created_at < clock_at
        created_ok = not program.require_created_within or (not created_early and created <= created_deadline)
        # A session booked (within N days), reaching a status; cancelled ones never count.
        needs_session = (
            program.require_session
            or program.require_session_within
            or program.require_session_status
            or program.per_session
        )
        session_deadline = clock + timedelta(days=program.session_within_days)
        booked = [
            session
            for session in sessions
            if not session[3] and (not program.require_session_within or session[1] <= session_deadline)
        ]
        status = program.session_status_id if program.require_session_status else None
        qualifying = [session for session in booked if status is None or session[2] >= status.sequence]
        session_late = program.require_session_within and not booked and today > session_deadline
        # The initial order: the client's first paid sale. Below the minimum, it fails for good.
        needs_order = program.require_order or program.require_order_minimum
        minimum = program.order_minimum if program.require_order_minimum else 0.0
        order_low = first_order and program.currency_id.compare_amounts(float(first_order[1]), minimum) < 0
        result = {
            "state": "pending",
            "reason": False,
            "created_requirement": "na" if not program.require_created_within else ("met" if created_ok else "failed"),
            "session_requirement": "na"
            if not needs_session
            else ("met" if qualifying else ("failed" if session_late else "waiting")),
            "order_requirement": "na"
            if not needs_order
            else ("waiting" if not first_order else ("failed" if order_low else "met")),
        }
        if not created_ok:
            if created_early:
                reason = self.env._(
                    "The referred client was created on %(created)s, before the clock started on %(clock)s.",
                    created=format_date(self.env, created),
                    clock=format_date(self.env, clock),
                )
            else:
                reason = self.env._(
                    "The referred client was created on %(created)s, after %(deadline)s "
                    "(%(days)s days after the clock started).",
                    created=format_date(self.env, created),
                    deadline=format_date(self.env, created_deadline),
                    days=program.created_within_days,
                )
            return [], self._failed(result, reason, granted)
        if needs_session and session_late:
            reason = self.env._("No session was booked by %s.", format_date(self.env, session_deadline))
            return [], self._failed(result, reason, granted)
        if needs_order and order_low:
            reason = self.env._(
                "The first order, on %(date)s, came to %(amount)s: below the minimum of %(minimum)s.",
                date=format_date(self.env, first_order[0]),
                amount=program.currency_id.format(float(first_order[1])),
                minimum=program.currency_id.format(minimum),
            )
            return [], self._failed(result, reason, granted)
        waiting = []
        if result["session_requirement"] == "waiting":
            waiting.append(
                self.env._("a session to reach %s", status.name) if status and booked else self.env._("a session")
            )
        if result["order_requirement"] == "waiting":
            waiting.append(order_label)
        if waiting:
            result.update(
                state="earned" if granted else "pending",
                reason=self.env._("Waiting for %s.", self.env._(" and ").join(waiting)),
            )
            return [], result
        if not program.per_session:
            result["state"] = "done"
            return ([] if "referral" in granted else ["referral"]), result
        # One grant per qualifying session, up to the first N of the client.
        keys = [f"session:{session[0]}" for session in qualifying if f"session:{session[0]}" not in granted]
        if program.limit_sessions:
            keys = keys[: max(program.session_limit - len(granted), 0)]
        reached = program.limit_sessions and len(granted) + len(keys) >= program.session_limit
        result["state"] = "done" if reached else "earned"
        return keys, result

    @api.model
    def _failed(self, result, reason, granted):
        """A requirement can no longer be met: nothing more is earned, and nothing is left waiting."""
        result.update(
            {name: "failed" for name, value in result.items() if name.endswith("_requirement") and value == "waiting"},
            state="done" if granted else "expired",
            reason=reason,
        )
        return result

    def _order_label(self, program):
        """How a waiting referral names the order it waits for."""
        if program.require_order_minimum:
            return self.env._("an initial order of at least %s", program.currency_id.format(program.order_minimum))
        return self.env._("an initial order")

    @api.model
    def _cron_evaluate(self, batch_size=500):
        """Daily re-check of every referral still waiting, a batch per transaction."""
        in_cron = bool(self.env.context.get("cron_id"))
        last_id = 0
        while True:
            batch = self.search([("state", "in", EVALUABLE_STATES), ("id", ">", last_id)], order="id", limit=batch_size)
            if not batch:
                break
            last_id = batch[-1].id
            batch._evaluate(skip_locked=True)
            if in_cron:
                remaining = self.search_count([("state", "in", EVALUABLE_STATES), ("id", ">", last_id)])
                if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining):
                    return

    # ------------------------------------------------------------------
    # Merging clients
    # ------------------------------------------------------------------

    @api.model
    def _merge_clients(self, src_partners, dst_partner):
        """Before two clients become one: keep one referral of the merged client.

        Odoo's merge wizard moves every reference to the destination client.
        A client referred twice would then be referred twice, and a client
        who referred the other would refer themself: those referrals are
        closed as merged, keeping what they granted, so nothing is granted twice.
        """
        clients = src_partners | dst_partner
        referrals = self.search([("referred_id", "in", clients.ids), ("state", "!=", "merged")], order="id")
        keep = referrals.filtered(lambda r: r.referred_id == dst_partner)[:1] or referrals[:1]
        closing = referrals - keep
        closing |= (referrals & keep).filtered(lambda r: r.referrer_id in clients)
        if closing:
            transition(closing).write(
                {
                    "state": "merged",
                    "reason": self.env._("The referred client was merged into %s.", dst_partner.display_name),
                }
            )

    def action_evaluate(self):
        """Evaluate now (staff need not wait for the daily re-check) and say what changed, or that nothing did."""
        progress = ["state", "created_requirement", "session_requirement", "order_requirement"]
        Grant = self.env["studio.referral.grant"].sudo()
        before = {referral: [referral[name] for name in progress] for referral in self}
        grants_before = Grant.search_count([("referral_id", "in", self.ids)])
        self.sudo()._evaluate()
        new_grants = Grant.search_count([("referral_id", "in", self.ids)]) - grants_before
        changes = []
        for referral, old_values in before.items():
            moves = [
                self.env._(
                    "%(what)s: %(old)s → %(new)s",
                    what=self._fields[name]._description_string(self.env),
                    old=self._studio_label(name, old),
                    new=self._studio_label(name, referral[name]),
                )
                for name, old in zip(progress, old_values, strict=True)
                if referral[name] != old
            ]
            if moves:
                changes.append(
                    self.env._("%(referral)s: %(moves)s", referral=referral.display_name, moves=", ".join(moves))
                )
        if new_grants:
            changes.append(self.env._("%s new grant(s) of rewards or promotional items.", new_grants))
        if not changes:
            still = [
                self.env._(
                    "%(referral)s is still %(state)s. %(reason)s",
                    referral=referral.display_name,
                    state=self._studio_label("state", referral.state),
                    reason=referral.reason or "",
                ).strip()
                for referral in self
            ]
            return self._studio_notify(self.env._("Nothing changed"), " ".join(still), "info")
        return self._studio_notify(self.env._("Referral checked"), "; ".join(changes), "success")

    def _studio_label(self, field_name, value):
        """The label users read for a selection value, in their language."""
        return dict(self._fields[field_name]._description_selection(self.env)).get(value, value or "")

    def _studio_notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
