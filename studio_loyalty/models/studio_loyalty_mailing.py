import base64
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date
from odoo.tools.pdf import merge_pdf

from .studio_loyalty_guard import transition
from .studio_loyalty_letter_kind import LETTER_KINDS

# The default template of each kind, installed with the addon (data/mail_template_data.xml).
DEFAULT_TEMPLATES = {
    "awarded": "studio_loyalty.studio_loyalty_mail_template_awarded",
    "expiring": "studio_loyalty.studio_loyalty_mail_template_expiring",
    "referral_invitation": "studio_loyalty.studio_loyalty_mail_template_referral_invitation",
    "referral_reward": "studio_loyalty.studio_loyalty_mail_template_referral_reward",
    "promo": "studio_loyalty.studio_loyalty_mail_template_promo",
}
# Occasions whose message is about rewards, and which of them still count when it goes out.
REWARD_STATES = {
    "awarded": ("available", "redeemed"),
    "referral_reward": ("available", "redeemed"),
    "expiring": ("available",),
}


class StudioLoyaltyMailing(models.Model):
    """One occasion of writing to clients: a run's rewards, a day's expiry reminders, a manual send.

    Each client gets one line (one letter, one email, one text message) that
    lists all of their rewards of the occasion. Small sends go out at once;
    large ones are sent and printed by a scheduled action in batches, into
    one PDF attached here, and resume where they stopped.
    """

    _name = "studio.loyalty.mailing"
    _inherit = ["studio.loyalty.guarded", "mail.thread"]
    _description = "Loyalty Letters and Messages"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: self.env._("Loyalty letters"))
    kind = fields.Selection(selection=LETTER_KINDS, string="Occasion", required=True, default="awarded")
    company_id = fields.Many2one(comodel_name="res.company", required=True, default=lambda self: self.env.company)
    date = fields.Date(string="Letter Date", required=True, default=fields.Date.context_today)
    user_id = fields.Many2one(comodel_name="res.users", string="By", default=lambda self: self.env.user, readonly=True)
    state = fields.Selection(
        selection=[("draft", "Draft"), ("queued", "Queued"), ("sending", "Sending"), ("done", "Sent")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    send_email = fields.Boolean(string="Email")
    print_letters = fields.Boolean()
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Letter and Email",
        domain="[('studio_kind', '=', kind)]",
        help="The text of the letter and of the email (Loyalty › Configuration › Letters).",
    )
    send_sms = fields.Boolean(string="Text Message", help="Sent to clients who have a phone number.")
    sms_template_id = fields.Many2one(
        comodel_name="sms.template", string="Text Message Template", domain="[('studio_kind', '=', kind)]"
    )
    run_id = fields.Many2one(comodel_name="studio.loyalty.run", readonly=True, index="btree_not_null")
    status_id = fields.Many2one(
        comodel_name="studio.client.status",
        string="Client Status",
        readonly=True,
        help="The status whose trigger made this send.",
    )
    line_ids = fields.One2many(
        comodel_name="studio.loyalty.mailing.line", inverse_name="mailing_id", string="Client Letters"
    )
    letter_attachment_id = fields.Many2one(comodel_name="ir.attachment", string="Letters (PDF)", readonly=True)
    client_count = fields.Integer(string="Clients", compute="_compute_counts")
    email_count = fields.Integer(string="Emails Queued", compute="_compute_counts")
    no_email_count = fields.Integer(string="Without Email", compute="_compute_counts")
    sms_count = fields.Integer(string="Text Messages Queued", compute="_compute_counts")
    letter_count = fields.Integer(string="Letters", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Percentage of the clients' messages done.")

    @api.constrains("kind", "mail_template_id", "sms_template_id")
    def _check_templates(self):
        for mailing in self:
            mailing.mail_template_id._studio_check_kind(mailing.kind, self.env._("The letter and email"))
            mailing.sms_template_id._studio_check_kind(mailing.kind, self.env._("The text message"))

    def _compute_counts(self):
        """The counts of all shown sends in one grouped query."""
        counts = defaultdict(lambda: defaultdict(int))
        for mailing, state, email, sms, letter, count in self.env["studio.loyalty.mailing.line"]._read_group(
            [("mailing_id", "in", self.ids)],
            ["mailing_id", "state", "email_state", "sms_state", "letter_state"],
            ["__count"],
        ):
            totals = counts[mailing]
            totals["clients"] += count
            totals["done"] += count if state != "to_send" else 0
            totals["skipped"] += count if state == "skipped" else 0
            totals["email"] += count if email == "queued" else 0
            totals["no_email"] += count if email == "no_address" else 0
            totals["sms"] += count if sms == "queued" else 0
            totals["letters"] += count if letter != "none" else 0
        for mailing in self:
            totals = counts[mailing]
            mailing.client_count = totals["clients"]
            mailing.email_count = totals["email"]
            mailing.no_email_count = totals["no_email"]
            mailing.sms_count = totals["sms"]
            mailing.letter_count = totals["letters"]
            mailing.skipped_count = totals["skipped"]
            mailing.progress = 100.0 * totals["done"] / totals["clients"] if totals["clients"] else 0.0

    @api.onchange("kind")
    def _onchange_kind(self):
        self.mail_template_id = self._default_template(self.kind)
        self.sms_template_id = self._default_sms_template(self.kind)

    def _studio_refusal(self, vals, creating):
        if creating:
            return self.env._("Letters are prepared from rewards, clients, runs and status triggers.")
        if {"state", "letter_attachment_id", "run_id", "status_id"} & vals.keys():
            return self.env._("A send's state changes only by sending it.")
        if any(mailing.state != "draft" for mailing in self):
            return self.env._("A send that has gone out cannot be changed.")
        return None

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        if any(mailing.state != "draft" for mailing in self):
            raise UserError(self.env._("Letters that were sent are kept: only a draft can be deleted."))

    # ------------------------------------------------------------------
    # Preparing
    # ------------------------------------------------------------------

    @api.model
    def _default_template(self, kind):
        template = self.env.ref(DEFAULT_TEMPLATES[kind], raise_if_not_found=False) if kind else None
        if not template or template.sudo().studio_kind != kind:
            template = self.env["mail.template"].sudo().search([("studio_kind", "=", kind)], limit=1)
        return template.with_env(self.env)

    @api.model
    def _default_sms_template(self, kind):
        return self.env["sms.template"].search([("studio_kind", "=", kind)], order="id", limit=1)

    @api.model
    def _prepare(self, kind, company, messages, **vals):
        """A send of ``kind`` with one line per client: ``messages`` maps each client to its line's values.

        The lines are numbered in the clients' name order, the order their
        letters are printed and put in envelopes.
        """
        mailing = transition(self).create(
            {
                "kind": kind,
                "company_id": company.id,
                "mail_template_id": self._default_template(kind).id,
                "sms_template_id": self._default_sms_template(kind).id,
                **vals,
            }
        )
        mailing._add_lines(messages)
        return mailing.with_env(self.env)

    def _add_lines(self, messages):
        """Add a line per client of ``messages``, after the lines there are, in the clients' name order."""
        self.ensure_one()
        last = max(self.line_ids.mapped("sequence"), default=0)
        partners = self.env["res.partner"].browse(messages).sorted(lambda p: (p.name or "").lower())
        transition(self.env["studio.loyalty.mailing.line"]).create(
            [
                {"mailing_id": self.id, "sequence": last + number, "partner_id": partner.id, **messages[partner.id]}
                for number, partner in enumerate(partners, 1)
            ]
        )
        self.invalidate_recordset(["line_ids"])

    @api.model
    def _about_rewards(self, rewards):
        """Line values that list each client's ``rewards``: ``{partner_id: {"reward_ids": [...]}}``."""
        per_client = defaultdict(list)
        for reward in rewards:
            per_client[reward.partner_id.id].append(reward.id)
        return {partner_id: {"reward_ids": [fields.Command.set(ids)]} for partner_id, ids in per_client.items()}

    @api.model
    def _draft_for(self, rewards, left_out=0):
        """Draft sends (one per company) that write to each client of ``rewards`` about them, opened for review."""
        rewards = rewards.filtered(lambda r: r.state != "cancelled")
        if not rewards:
            raise UserError(self.env._("There is no reward to write about: cancelled rewards are left out."))
        mailings = self.browse()
        for company, company_rewards in rewards.grouped("company_id").items():
            mailing = self._prepare(
                "awarded",
                company,
                self._about_rewards(company_rewards),
                name=self.env._("Loyalty letters of %s", format_date(self.env, fields.Date.context_today(self))),
                print_letters=True,
            )
            if left_out:
                mailing.message_post(body=self.env._("%s selected rewards or clients were left out.", left_out))
            mailings |= mailing
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_loyalty_mailing_action")
        action["domain"] = [("id", "in", mailings.ids)]
        if len(mailings) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=mailings.id)
        return action

    @api.model
    def _notify_awarded(self, rewards, run=None):
        """Tell clients of rewards just issued: one message each, by the run's choices or their status' trigger.

        A run that chose letters, emails or text messages sends those; otherwise
        each client's status decides (Configuration › Client Statuses).
        """
        rewards = rewards.filtered(lambda r: r.state != "cancelled")
        if not rewards:
            return self.browse()
        mailings = self.browse()
        if run and (run.send_email or run.print_letters or run.send_sms):
            mailings = self._prepare(
                "awarded",
                run.company_id,
                self._about_rewards(rewards),
                name=self.env._("Rewards of %s", run.name),
                run_id=run.id,
                send_email=run.send_email,
                print_letters=run.print_letters,
                send_sms=run.send_sms,
                mail_template_id=run.mail_template_id.id,
                sms_template_id=run.sms_template_id.id,
            )
        else:
            for (company, status), status_rewards in rewards.grouped(
                lambda r: (r.company_id, r.partner_id.client_status_id)
            ).items():
                if not status or not status._studio_triggers("award"):
                    continue
                mailings |= self._prepare(
                    "awarded",
                    company,
                    self._about_rewards(status_rewards),
                    name=self.env._("Rewards awarded (%s)", status.name),
                    status_id=status.id,
                    run_id=run.id if run else False,
                    **status._studio_triggers("award"),
                )
        for mailing in mailings:
            mailing._send()
        return mailings

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _check_ready(self):
        self.ensure_one()
        if not (self.send_email or self.print_letters or self.send_sms):
            raise UserError(self.env._("Choose how to reach the clients: email, letters or text messages."))
        if (self.send_email or self.print_letters) and not self.mail_template_id:
            raise UserError(self.env._("Choose the letter and email to send."))
        if self.send_sms and not self.sms_template_id:
            raise UserError(self.env._("Choose the text message to send."))
        self._check_templates()
        if not self.line_ids:
            raise UserError(self.env._("There is no client to write to."))

    def action_send(self):
        """Send now, or hand a large send to the background job; open the letters when they are ready."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("These letters were sent already."))
        self._send()
        if self.letter_attachment_id:
            return self.action_open_letters()
        return True

    def _send(self):
        self.ensure_one()
        self._check_ready()
        limit = int(
            self.env["ir.config_parameter"].sudo().get_param("studio_loyalty.letters_background_threshold", 200)
        )
        if len(self.line_ids) > limit:
            transition(self).state = "queued"
            self.env.ref("studio_loyalty.studio_loyalty_mailing_cron_send")._trigger()
            self.message_post(
                body=self.env._(
                    "%s clients' letters and messages are being prepared in the background. "
                    "You will be notified when they are ready.",
                    len(self.line_ids),
                )
            )
            return
        transition(self).state = "sending"
        self._deliver(self.line_ids)
        self._print(self.line_ids.filtered(lambda line: line.letter_state == "to_print"))
        self._finish()

    def _deliver(self, lines):
        """Queue the emails and text messages of ``lines`` and mark their letters to print.

        Rewards redeemed, cancelled or expired since the send was prepared are
        left out of an expiry reminder (cancelled ones of any letter); a client
        left with nothing to be told is skipped.
        """
        self.ensure_one()
        lines = lines.filtered(lambda line: line.state == "to_send")
        states = REWARD_STATES.get(self.kind)
        Line = transition(lines)
        if states:
            for line in Line:
                kept = line.reward_ids.filtered(lambda r: r.state in states)
                if kept != line.reward_ids:
                    line.reward_ids = [fields.Command.set(kept.ids)]
            empty = Line.filtered(lambda line: not line.reward_ids)
            empty.write({"state": "skipped", "note": self.env._("No reward left to write about.")})
            Line -= empty
        if self.send_email:
            self._email(Line)
        if self.send_sms:
            self._text(Line)
        if self.print_letters:
            Line.letter_state = "to_print"
        Line.state = "sent"

    def _email(self, lines):
        """One email per client, rendered in their language and posted on their record (the mail queue sends it)."""
        template = self.mail_template_id
        reachable = lines.filtered(lambda line: line.partner_id.email)
        (lines - reachable).email_state = "no_address"
        (lines - reachable)._add_note(self.env._("No email address: the email was not sent."))
        if not reachable:
            return
        rendered = template.sudo()._generate_template(reachable.ids, ("subject", "body_html", "email_from", "reply_to"))
        layout = template.email_layout_xmlid or "mail.mail_notification_light"
        for line in reachable:
            values = rendered[line.id]
            line.partner_id.sudo().with_context(mail_notify_force_send=False).message_post(
                body=values["body_html"],
                subject=values["subject"],
                email_from=values.get("email_from") or None,
                reply_to=values.get("reply_to") or None,
                author_id=self.env.user.partner_id.id,
                partner_ids=line.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid=layout,
                mail_auto_delete=template.auto_delete,
            )
        reachable.email_state = "queued"
        if self.kind == "referral_invitation":
            # The first invitation a client is emailed starts their program's "within N days" clock.
            reachable.partner_id.sudo().filtered(
                lambda partner: not partner.studio_referral_email_date
            ).studio_referral_email_date = fields.Datetime.now()

    def _text(self, lines):
        """One text message per client with a phone number, queued for Odoo's SMS gateway."""
        reachable = lines.filtered(lambda line: line.partner_id.phone)
        (lines - reachable).sms_state = "no_number"
        (lines - reachable)._add_note(self.env._("No phone number: the text message was not sent."))
        if not reachable:
            return
        bodies = self.sms_template_id.sudo()._render_field("body", reachable.ids, compute_lang=True)
        for line in reachable:
            line.partner_id.sudo()._message_sms(bodies[line.id], partner_ids=line.partner_id.ids, put_in_queue=True)
        reachable.sms_state = "queued"

    def _render_letters(self, lines):
        """The letters of ``lines`` as one PDF (a real one even in tests: it is what gets mailed)."""
        report = self.env.ref("studio_loyalty.studio_loyalty_mailing_report_letter").with_context(
            force_report_rendering=True
        )
        pdf, _kind = report._render_qweb_pdf(report.report_name, lines.ids)
        return pdf

    def _print(self, lines, part=False):
        """Render the letters of ``lines`` into the send's PDF, or into one part of it when printing in batches."""
        if not lines:
            return
        pdf = self._render_letters(lines)
        name = f"part-{lines[0].sequence:09d}.pdf" if part else self._letters_file_name()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": pdf,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                    "description": "studio_loyalty_letter_part" if part else False,
                }
            )
        )
        transition(lines).letter_state = "printed"
        if not part:
            transition(self).letter_attachment_id = attachment

    def _letters_file_name(self):
        return self.env._("Loyalty Letters - %s.pdf", (self.name or "").replace("/", "-"))

    def _parts(self):
        return (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("description", "=", "studio_loyalty_letter_part"),
                ],
                order="name",
            )
        )

    def _finish(self, notify=False):
        """Join the printed parts into the one PDF; ``notify`` tells whoever sent it (after a background send)."""
        self.ensure_one()
        parts = self._parts()
        if parts:
            pdf = merge_pdf([base64.b64decode(part.datas) for part in parts])
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": self._letters_file_name(),
                        "raw": pdf,
                        "res_model": self._name,
                        "res_id": self.id,
                        "mimetype": "application/pdf",
                    }
                )
            )
            transition(self).letter_attachment_id = attachment
            parts.unlink()
        transition(self).state = "done"
        summary = self.env._(
            "Sent: %(emails)s emails, %(sms)s text messages, %(letters)s letters; %(skipped)s clients skipped.",
            emails=self.email_count,
            sms=self.sms_count,
            letters=self.letter_count,
            skipped=self.skipped_count,
        )
        if self.no_email_count:
            summary += " " + self.env._("%s clients have no email address.", self.no_email_count)
        self.message_post(body=summary, partner_ids=self.user_id.partner_id.ids if notify else [])

    def action_open_letters(self):
        self.ensure_one()
        if not self.letter_attachment_id:
            raise UserError(self.env._("The letters are not ready yet."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.letter_attachment_id.id}?download=true",
            "target": "self",
        }

    def action_open_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "studio.loyalty.mailing.line",
            "view_mode": "list",
            "domain": [("mailing_id", "=", self.id)],
            "context": {"create": False},
        }

    @api.model
    def _cron_send(self, batch_size=None):
        """Send and print queued sends a batch per transaction; stopped anywhere, the next run goes on from there."""
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("studio_loyalty.letters_batch_size", 200)
        )
        in_cron = bool(self.env.context.get("cron_id"))
        Line = self.env["studio.loyalty.mailing.line"]
        for mailing in self.search([("state", "in", ("queued", "sending"))], order="id"):
            transition(mailing).state = "sending"
            steps = (
                ([("state", "=", "to_send")], mailing._deliver),
                ([("letter_state", "=", "to_print")], lambda lines, mailing=mailing: mailing._print(lines, part=True)),
            )
            for domain, step in steps:
                domain = [("mailing_id", "=", mailing.id), *domain]
                while lines := Line.search(domain, limit=batch_size, order="sequence, id"):
                    step(lines)
                    if in_cron and not self.env["ir.cron"]._commit_progress(
                        len(lines), remaining=Line.search_count(domain)
                    ):
                        return
            mailing._finish(notify=True)
            if in_cron:
                self.env["ir.cron"]._commit_progress(remaining=0)

    # ------------------------------------------------------------------
    # Expiry reminders
    # ------------------------------------------------------------------

    @api.model
    def _cron_remind(self, batch_size=None):
        """Once a day: tell clients whose rewards expire soon, by their status' trigger, once per reward.

        A reward is reminded of once a reminder lists it, and the line is
        written in the same transaction that finds it due: the next day, or
        after a restart or a crash mid-way, it is not listed again. The day's
        send of a status fills up a batch of clients per transaction and goes
        out when complete; stopped half-way, the next run goes on filling it.
        Rewards spent in the meantime are no longer available and are left out.
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("studio_loyalty.letters_batch_size", 200)
        )
        in_cron = bool(self.env.context.get("cron_id"))
        Reward = self.env["studio.loyalty.reward"].sudo()
        statuses = (
            self.env["studio.client.status"]
            .sudo()
            .search(["|", "|", ("expiry_email", "=", True), ("expiry_letter", "=", True), ("expiry_sms", "=", True)])
        )
        for status in statuses.filtered(lambda s: s._studio_triggers("expiry")):
            domain = status._studio_reminder_domain()
            due_clients = defaultdict(list)
            for company, partner in Reward._read_group(domain, ["company_id", "partner_id"]):
                due_clients[company].append(partner.id)
            # A send a stopped run left is gone on with and sent, even once no client is left to add to it.
            drafts = self.sudo().search(
                [("kind", "=", "expiring"), ("status_id", "=", status.id), ("state", "=", "draft")], order="id"
            )
            for company in drafts.company_id:
                due_clients.setdefault(company, [])
            for company, partner_ids in due_clients.items():
                mailing = drafts.filtered_domain([("company_id", "=", company.id)])[:1]
                for start in range(0, len(partner_ids), batch_size):
                    chunk = partner_ids[start : start + batch_size]
                    due = Reward.search([*domain, ("company_id", "=", company.id), ("partner_id", "in", chunk)])
                    if not mailing:
                        mailing = self.sudo()._prepare(
                            "expiring",
                            company,
                            {},
                            name=self.env._("Rewards expiring soon (%s)", status.name),
                            status_id=status.id,
                            **status._studio_triggers("expiry"),
                        )
                    # A client the stopped run listed already: their letter lists this reward too.
                    listed = {
                        line.partner_id: line
                        for line in self.env["studio.loyalty.mailing.line"]
                        .sudo()
                        .search([("mailing_id", "=", mailing.id), ("partner_id", "in", chunk)])
                    }
                    for partner, rewards in due.grouped("partner_id").items():
                        if partner in listed:
                            transition(listed[partner]).reward_ids = [fields.Command.link(r.id) for r in rewards]
                    mailing._add_lines(
                        self._about_rewards(due.filtered(lambda r, listed=listed: r.partner_id not in listed))
                    )
                    if in_cron and not self.env["ir.cron"]._commit_progress(
                        len(due.partner_id), remaining=max(len(partner_ids) - start - batch_size, 0)
                    ):
                        return
                if mailing.line_ids:
                    mailing._send()
                    if in_cron:
                        self.env["ir.cron"]._commit_progress()
