from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare

from .studio_loyalty_guard import in_transition, transition


def _text_column(values):
    """Values as comma-separated text, for ``string_to_array(%s, ',')`` in SQL.

    Thousands of rows go to PostgreSQL this way: adapting each Python value
    into an array literal would cost more than the statement that uses them.
    """
    return ",".join(map(str, values))


class StudioLoyaltyRun(models.Model):
    """A run of the Process Loyalty Rewards tool: its parameters, clients and rewards.

    Staff fill in the parameters, load the eligible clients, deselect some and
    process. Large runs are processed in the background by a scheduled action,
    a batch per transaction, and resume where they stopped after a crash.
    """

    _name = "studio.loyalty.run"
    _description = "Loyalty Rewards Processing Run"
    _inherit = ["studio.loyalty.guarded", "mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", readonly=True, copy=False, default=lambda self: self.env._("New"))
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("loaded", "Loaded"),
            ("queued", "Queued"),
            ("processing", "Processing"),
            ("done", "Processed"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        comodel_name="res.users", string="Run By", default=lambda self: self.env.user, readonly=True
    )
    processed_date = fields.Datetime(readonly=True, copy=False)
    start_date = fields.Date(
        string="Sales Since",
        readonly=True,
        help="The company's loyalty program start date when the clients were loaded.",
    )
    threshold = fields.Monetary(
        string="For Every",
        required=True,
        default=lambda self: self._last_run_value("threshold"),
        help="A reward is earned for every this much of qualifying sales (untaxed).",
    )
    reward_amount = fields.Monetary(required=True, default=lambda self: self._last_run_value("reward_amount"))
    expiration_type = fields.Selection(
        selection=[("none", "No expiration"), ("days", "Days after issue"), ("date", "On a date")],
        string="Expiration",
        default="none",
        required=True,
    )
    expiration_days = fields.Integer(default=365)
    expiration_date = fields.Date()
    # The run's own letters (seed 001: "Reward Letters"); without any, the
    # clients' status triggers decide what they are sent.
    send_email = fields.Boolean(string="Email the Clients")
    print_letters = fields.Boolean()
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Reward Letter",
        domain="[('studio_kind', '=', 'awarded')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_template("awarded"),
        help="The text of the letter and of the email (Loyalty › Configuration › Letters).",
    )
    send_sms = fields.Boolean(string="Text the Clients", help="Sent to clients who have a phone number.")
    sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        string="Text Message",
        domain="[('studio_kind', '=', 'awarded')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_sms_template("awarded"),
    )
    mailing_ids = fields.One2many(
        comodel_name="studio.loyalty.mailing", inverse_name="run_id", string="Letters and Messages", readonly=True
    )
    line_ids = fields.One2many(comodel_name="studio.loyalty.run.line", inverse_name="run_id", string="Clients")
    reward_ids = fields.One2many(comodel_name="studio.loyalty.reward", inverse_name="run_id", string="Rewards")
    client_count = fields.Integer(string="Selected Clients", compute="_compute_totals")
    planned_reward_count = fields.Integer(
        string="Thresholds Reached",
        compute="_compute_totals",
        help="How many times the selected clients' sales reached the threshold; each client gets one reward.",
    )
    planned_amount = fields.Monetary(string="Amount to Award", compute="_compute_totals")
    reward_count = fields.Integer(string="Rewards Created", compute="_compute_totals")
    reward_total = fields.Monetary(string="Amount Awarded", compute="_compute_totals")
    progress = fields.Float(compute="_compute_totals", help="Percentage of selected clients processed.")
    rewards_spent = fields.Boolean(
        compute="_compute_rewards_spent", help="Some of its rewards were redeemed or expired: the run stays."
    )
    email_count = fields.Integer(string="Emails Queued", compute="_compute_letters")
    no_email_count = fields.Integer(string="Clients Without Email", compute="_compute_letters")
    letter_count = fields.Integer(string="Letters", compute="_compute_letters")
    entry_id = fields.Many2one(
        comodel_name="account.move",
        string="Issuing Entry",
        readonly=True,
        copy=False,
        help="The one entry that books the run's rewards as owed: a draft while the run is processed.",
    )

    _threshold_positive = models.Constraint("CHECK(threshold > 0)", "The sales threshold must be greater than zero.")
    _reward_amount_positive = models.Constraint(
        "CHECK(reward_amount > 0)", "The reward amount must be greater than zero."
    )

    @api.constrains("mail_template_id", "sms_template_id")
    def _check_templates(self):
        for run in self:
            run.mail_template_id._studio_check_kind("awarded", self.env._("The reward letter"))
            run.sms_template_id._studio_check_kind("awarded", self.env._("The text message"))

    @api.constrains("expiration_type", "expiration_days")
    def _check_expiration_days(self):
        if any(run.expiration_type == "days" and run.expiration_days <= 0 for run in self):
            raise ValidationError(self.env._("Rewards must expire at least one day after they are issued."))

    @api.model
    def _last_run_value(self, name):
        """A new run starts with the levels of the company's last one: a studio repeats its program."""
        last = self.search([("company_id", "=", self.env.company.id)], order="id desc", limit=1)
        return last[name] if last else 0.0

    @api.depends("line_ids.selected", "line_ids.state", "line_ids.reward_count", "line_ids.amount")
    def _compute_totals(self):
        """Counts for all shown runs in two grouped queries; in a form being edited, from its lines as shown.

        Ticking or unticking a client in the form updates the totals at once,
        before anything is saved.
        """
        editing = self.filtered(lambda run: not run.id)
        stored = self - editing
        lines = self.env["studio.loyalty.run.line"]._read_group(
            [("run_id", "in", stored.ids), ("selected", "=", True)],
            ["run_id", "state"],
            ["__count", "reward_count:sum", "amount:sum"],
        )
        rewards = dict(
            (run, (count - rests, amount))
            for run, rests, count, amount in self.env["studio.loyalty.reward"]._read_group(
                [("run_id", "in", (stored | editing._origin).ids), ("state", "!=", "cancelled")],
                ["run_id"],
                # The rest of a partly used reward is counted in its amount, not as a new reward.
                ["split_from_id:count", "__count", "amount:sum"],
            )
        )
        per_run = {}
        for run, state, count, reward_count, amount in lines:
            per_run[run] = self._add_totals(per_run.get(run), state, count, reward_count, amount)
        for run in editing:
            for line in run.line_ids.filtered("selected"):
                per_run[run] = self._add_totals(per_run.get(run), line.state, 1, line.reward_count, line.amount)
        for run in self:
            totals = per_run.get(run, {"count": 0, "done": 0, "rewards": 0, "amount": 0.0})
            run.client_count = totals["count"]
            run.planned_reward_count = totals["rewards"]
            run.planned_amount = run.currency_id.round(totals["amount"])
            run.progress = 100.0 * totals["done"] / totals["count"] if totals["count"] else 0.0
            run.reward_count, run.reward_total = rewards.get(run._origin, (0, 0.0))

    def _compute_rewards_spent(self):
        spent = self.env["studio.loyalty.reward"]._read_group(
            [("run_id", "in", self._origin.ids), ("state", "in", ("redeemed", "expired"))], ["run_id"]
        )
        spent_runs = {run for (run,) in spent}
        for run in self:
            run.rewards_spent = run._origin in spent_runs

    @staticmethod
    def _add_totals(totals, state, count, reward_count, amount):
        totals = totals or {"count": 0, "done": 0, "rewards": 0, "amount": 0.0}
        totals["count"] += count
        totals["rewards"] += reward_count
        totals["amount"] += amount
        if state != "todo":
            totals["done"] += count
        return totals

    def _compute_letters(self):
        for run in self:
            mailings = run.mailing_ids
            run.email_count = sum(mailings.mapped("email_count"))
            run.no_email_count = sum(mailings.mapped("no_email_count"))
            run.letter_count = sum(mailings.mapped("letter_count"))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") in ("/", self.env._("New")):
                vals["name"] = self.env["ir.sequence"].next_by_code("studio.loyalty.run") or "/"
        return super().create(vals_list)

    def _studio_refusal(self, vals, creating):
        if creating:
            return None if vals.get("state", "draft") == "draft" else self.env._("A processing run starts as a draft.")
        if {"state", "entry_id"} & vals.keys():
            return self.env._("A run's state changes only by loading, processing or cancelling it.")
        return None

    def write(self, vals):
        if {"threshold", "reward_amount", "company_id"} & vals.keys() and any(
            run.state not in ("draft", "loaded") for run in self
        ):
            raise UserError(self.env._("The parameters of a processed run cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        if (
            self.env["studio.loyalty.run.line"].search_count(
                [("run_id", "in", self.ids), ("state", "!=", "todo")], limit=1
            )
            or self.reward_ids
        ):
            raise UserError(self.env._("A run that created rewards is kept: cancel it instead."))

    # ------------------------------------------------------------------
    # Qualifying sales
    # ------------------------------------------------------------------

    def _sales_query(self, partner_ids=None):
        """What each eligible client earns, as one SQL query over all clients.

        Rows: ``partner_id, qualifying, unrewarded, reward_count``, computed in
        exact numeric arithmetic; unrewarded = qualifying minus the sales the
        done lines of earlier runs consumed.

        The sales are those of ``studio.loyalty.sale`` since the program start
        date, with POS orders dated in the company's time zone (not the time
        zone of whoever runs the tool), for active clients with a
        loyalty-enabled status.
        """
        self.ensure_one()
        start = self.company_id.loyalty_start_date or fields.Date.to_date("1900-01-01")
        partner_filter = SQL("TRUE")
        if partner_ids is not None:
            partner_filter = SQL("client.id = ANY(%s)", list(partner_ids))
        clients = SQL(
            """
            SELECT client.id
              FROM res_partner client
              JOIN studio_client_status status ON status.id = client.client_status_id
             WHERE client.active AND status.loyalty_enabled AND %(partner_filter)s
               AND (client.company_id IS NULL OR client.company_id = %(company)s)
            """,
            partner_filter=partner_filter,
            company=self.company_id.id,
        )
        sales = self.env["studio.loyalty.sale"]._query(self.company_id, clients, since=start)
        return SQL(
            """
            WITH sales AS NOT MATERIALIZED (
                %(sales)s
            ), totals AS (
                SELECT partner_id, ROUND(SUM(amount), %(digits)s) AS amount
                  FROM sales
              GROUP BY partner_id
            ), consumed AS (
                SELECT line.partner_id, SUM(line.consumed_amount) AS amount
                  FROM studio_loyalty_run_line line
                  JOIN studio_loyalty_run run ON run.id = line.run_id
                 WHERE run.company_id = %(company)s AND line.state = 'done'
              GROUP BY line.partner_id
            )
            SELECT totals.partner_id,
                   totals.amount AS qualifying,
                   totals.amount - COALESCE(consumed.amount, 0) AS unrewarded,
                   FLOOR((totals.amount - COALESCE(consumed.amount, 0)) / %(threshold)s::numeric)::int
                       AS reward_count
              FROM totals
         LEFT JOIN consumed ON consumed.partner_id = totals.partner_id
          ORDER BY totals.partner_id
            """,
            sales=sales,
            company=self.company_id.id,
            digits=self.currency_id.decimal_places,
            threshold=self.threshold,
        )

    def _earnings(self, partner_ids=None):
        """``{partner_id: (qualifying, unrewarded, reward_count)}`` for clients who earn."""
        self.ensure_one()
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL("SELECT * FROM (%s) AS earning WHERE reward_count > 0", self._sales_query(partner_ids))
        )
        return {partner_id: (float(sales), float(unrewarded), count) for partner_id, sales, unrewarded, count in rows}

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_parameters(self):
        self.ensure_one()
        rounding = self.currency_id.rounding
        if float_compare(self.threshold, 0.0, precision_rounding=rounding) <= 0:
            raise UserError(self.env._("The sales threshold must be greater than zero."))
        if float_compare(self.reward_amount, 0.0, precision_rounding=rounding) <= 0:
            raise UserError(self.env._("The reward amount must be greater than zero."))
        today = fields.Date.context_today(self)
        if self.expiration_type == "days" and self.expiration_days <= 0:
            raise UserError(self.env._("Rewards must expire at least one day after they are issued."))
        if self.expiration_type == "date" and (not self.expiration_date or self.expiration_date <= today):
            raise UserError(self.env._("The expiration date must be in the future."))
        if (self.send_email or self.print_letters) and not self.mail_template_id:
            raise UserError(self.env._("Choose the reward letter to send."))
        if self.send_sms and not self.sms_template_id:
            raise UserError(self.env._("Choose the text message to send."))

    def action_load(self):
        """Load for Processing: list every eligible client with what they will get."""
        self.ensure_one()
        if self.state not in ("draft", "loaded"):
            raise UserError(self.env._("Only a run that has not been processed can be loaded."))
        self._check_parameters()
        self.env.flush_all()
        # A run not processed yet has only "to process" lines, which nothing
        # refers to: reloading replaces them in one statement.
        self.env.cr.execute(SQL("DELETE FROM studio_loyalty_run_line WHERE run_id = %s AND state = 'todo'", self.id))
        # One aggregation for all clients, then one INSERT of its rows: a big
        # client base is listed at the speed of the aggregation itself. (Not a
        # single INSERT ... SELECT: PostgreSQL would run the aggregation
        # without its parallel workers, twice as slow.)
        earnings = self._earnings()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO studio_loyalty_run_line
                       (run_id, partner_id, selected, state, qualifying_sales,
                        unrewarded_sales, reward_count, amount, consumed_amount)
                SELECT %(run)s, earning.partner_id, TRUE, 'todo', earning.qualifying,
                       earning.unrewarded, earning.reward_count,
                       earning.reward_count * %(amount)s::numeric, 0
                  FROM unnest(string_to_array(%(partners)s, ',')::int[],
                              string_to_array(%(qualifying)s, ',')::numeric[],
                              string_to_array(%(unrewarded)s, ',')::numeric[],
                              string_to_array(%(counts)s, ',')::int[])
                       AS earning(partner_id, qualifying, unrewarded, reward_count)
                """,
                run=self.id,
                amount=self.reward_amount,
                partners=_text_column(earnings),
                qualifying=_text_column(sales for sales, _unrewarded, _count in earnings.values()),
                unrewarded=_text_column(unrewarded for _sales, unrewarded, _count in earnings.values()),
                counts=_text_column(count for _sales, _unrewarded, count in earnings.values()),
            )
        )
        self.env["studio.loyalty.run.line"].invalidate_model()
        self.invalidate_recordset(["line_ids"])
        transition(self).write({"state": "loaded", "start_date": self.company_id.loyalty_start_date})
        return True

    def action_select_all(self):
        self.line_ids.filtered(lambda line: line.state == "todo").selected = True

    def action_deselect_all(self):
        self.line_ids.filtered(lambda line: line.state == "todo").selected = False

    def action_process(self):
        """Create the rewards now, or queue the run for the background job when it is large."""
        self.ensure_one()
        if self.state != "loaded":
            raise UserError(self.env._("Load the clients before processing."))
        self._check_parameters()
        todo = self.line_ids.filtered(lambda line: line.selected and line.state == "todo")
        if not todo:
            raise UserError(self.env._("Select at least one client to process."))
        busy = self.search_count(
            [("company_id", "=", self.company_id.id), ("state", "in", ("queued", "processing")), ("id", "!=", self.id)]
        )
        if busy:
            raise UserError(self.env._("Another processing run of this company is in progress; wait for it to finish."))
        limit = int(self.env["ir.config_parameter"].sudo().get_param("studio_loyalty.background_threshold", 500))
        if len(todo) > limit:
            transition(self).state = "queued"
            self.env.ref("studio_loyalty.studio_loyalty_run_cron_process")._trigger()
            self.message_post(
                body=self.env._(
                    "%s clients are being processed in the background. You will be notified when it is done.",
                    len(todo),
                )
            )
            return True
        transition(self).state = "processing"
        self._process_lines(todo)
        self._finish()
        if self.mailing_ids.letter_attachment_id:
            return self.action_print_letters()
        return True

    def action_cancel(self):
        """Cancel the run's rewards and give the consumed sales back."""
        for run in self:
            if run.state in ("queued", "processing"):
                raise UserError(self.env._("A run cannot be cancelled while it is processing."))
            if any(r.state in ("redeemed", "expired") for r in run.reward_ids):
                raise UserError(
                    self.env._("Run %s cannot be cancelled: some of its rewards were redeemed or expired.", run.name)
                )
            run.reward_ids.filtered(lambda r: r.state == "available").sudo().action_cancel()
            transition(run.line_ids.filtered(lambda line: line.state == "done")).state = "cancelled"
            transition(run).state = "cancelled"

    def action_print_letters(self):
        """Download the run's reward letters: one per client, in one PDF."""
        self.ensure_one()
        mailing = self.mailing_ids.filtered("letter_attachment_id")[:1]
        if not mailing:
            raise UserError(self.env._("This run's letters are not ready: it has none, or they are being prepared."))
        return mailing.action_open_letters()

    def action_open_mailings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_loyalty_mailing_action")
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.mailing_ids) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.mailing_ids.id)
        return action

    def action_open_rewards(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Rewards of %s", self.name),
            "res_model": "studio.loyalty.reward",
            "view_mode": "list,form",
            "domain": [("run_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    def _expiration_for(self, issue_date):
        if self.expiration_type == "days":
            return issue_date + timedelta(days=self.expiration_days)
        if self.expiration_type == "date":
            return self.expiration_date
        return False

    def _process_lines(self, lines):
        """Create the rewards of ``lines`` in one go, from sales recomputed now.

        The earnings are read again from the committed ledger, so a line that
        was already processed (or a client rewarded by another run meanwhile)
        gets nothing twice.
        """
        self.ensure_one()
        lines = self.env["studio.loyalty.redemption"]._lock(lines, mode="skip")
        lines = lines.filtered(lambda line: line.state == "todo")
        if not lines:
            return lines
        # One writer of the company's ledger at a time. Touching the company
        # row makes a run processed at the same moment wait for this one, then
        # fail to serialize; Odoo retries it on a snapshot that sees the
        # rewards made here, so the same sales are never rewarded twice.
        self.env.cr.execute(SQL("UPDATE res_company SET write_date = write_date WHERE id = %s", self.company_id.id))
        earnings = self._earnings(lines.partner_id.ids)
        today = fields.Date.context_today(self)
        expiration = self._expiration_for(today)
        reward_vals, done = [], []
        for line in lines:
            # pop(): two lines of one client (clients merged since loading) earn once.
            sales, unrewarded, count = earnings.pop(line.partner_id.id, (line.qualifying_sales, 0.0, 0))
            done.append((line.id, sales, unrewarded, count))
            if count:
                # One reward for everything the client earned: the line says how many thresholds it is worth.
                reward_vals.append(
                    {
                        "partner_id": line.partner_id.id,
                        "company_id": self.company_id.id,
                        "amount": count * self.reward_amount,
                        "issue_date": today,
                        "expiration_date": expiration,
                        "origin": "run",
                        "run_id": self.id,
                        "run_line_id": line.id,
                    }
                )
        line_ids, sales, unrewarded, counts = zip(*done, strict=True)
        self.env.cr.execute(
            SQL(
                """
                UPDATE studio_loyalty_run_line line
                   SET state = 'done', qualifying_sales = earning.sales,
                       unrewarded_sales = earning.unrewarded, reward_count = earning.count,
                       amount = earning.count * %(amount)s::numeric,
                       consumed_amount = earning.count * %(threshold)s::numeric
                  FROM unnest(string_to_array(%(ids)s, ',')::int[],
                              string_to_array(%(sales)s, ',')::numeric[],
                              string_to_array(%(unrewarded)s, ',')::numeric[],
                              string_to_array(%(counts)s, ',')::int[])
                       AS earning(id, sales, unrewarded, count)
                 WHERE line.id = earning.id
                """,
                amount=self.reward_amount,
                threshold=self.threshold,
                ids=_text_column(line_ids),
                sales=_text_column(sales),
                unrewarded=_text_column(unrewarded),
                counts=_text_column(counts),
            )
        )
        lines.invalidate_recordset()
        # Booked as owed by one entry for the whole run: every batch's lines
        # name it, and it is posted when the run finishes (see _finish).
        Service = self.env["studio.loyalty.redemption"]
        if not self.entry_id:
            entry = Service._draft_accrual(self.company_id, self.env._("Loyalty rewards of run %s", self.name))
            transition(self).entry_id = entry
        Service._issue(reward_vals, entry=self.entry_id)
        return lines

    def _finish(self):
        self.ensure_one()
        transition(self).write({"state": "done", "processed_date": fields.Datetime.now()})
        if self.entry_id:
            transition(self).entry_id = self.env["studio.loyalty.redemption"]._post_accrual(self.entry_id)
        # One message per client for the whole run, however many batches made its rewards.
        self.env["studio.loyalty.mailing"]._notify_awarded(self.reward_ids, run=self)
        self.message_post(
            body=self.env._(
                "Processed: %(rewards)s rewards worth %(amount)s for %(clients)s clients.",
                rewards=self.reward_count,
                amount=self.currency_id.format(self.reward_total),
                clients=len(self.line_ids.filtered(lambda line: line.state == "done" and line.reward_count)),
            ),
            partner_ids=self.user_id.partner_id.ids,
        )

    @api.model
    def _cron_process(self, batch_size=None):
        """Process queued runs a batch per transaction; safe to stop and resume at any point.

        Lines another worker holds are left to it: the job reports them as
        remaining and stops, and Odoo runs it again as soon as it can.
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("studio_loyalty.batch_size", 500)
        )
        in_cron = bool(self.env.context.get("cron_id"))
        Line = self.env["studio.loyalty.run.line"]
        for run in self.search([("state", "in", ("queued", "processing"))], order="id"):
            transition(run).state = "processing"
            domain = [("run_id", "=", run.id), ("selected", "=", True), ("state", "=", "todo")]
            while lines := Line.search(domain, limit=batch_size, order="id"):
                if not run._process_lines(lines):
                    # Another worker holds these rows and is processing them.
                    # Report what is left and stop: with work remaining, Odoo
                    # runs the job again at once instead of at its next hour.
                    if in_cron:
                        self.env["ir.cron"]._commit_progress(remaining=Line.search_count(domain))
                    return
                if in_cron:
                    remaining = Line.search_count(domain)
                    if not self.env["ir.cron"]._commit_progress(len(lines), remaining=remaining):
                        return
            run._finish()
            if in_cron:
                self.env["ir.cron"]._commit_progress(remaining=0)
