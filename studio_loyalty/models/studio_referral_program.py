from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class StudioReferralProgram(models.Model):
    """A "refer a friend" program: what a referral must do and what it earns.

    Every requirement, benefit and message is optional and switched on by its
    box; the number, status or template beside a box is used only when it is
    ticked. Referring clients are assigned to a program from their form.
    """

    _name = "studio.referral.program"
    _description = "Client Referral Program"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(string="Description", required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True, help="Untick to mark the program inactive and hide it.")
    company_id = fields.Many2one(comodel_name="res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")

    # Requirements
    require_created_within = fields.Boolean(
        string="Referred client created within a number of days of the referral program email"
    )
    created_within_days = fields.Integer(string="Created Within (days)", default=30)
    require_session = fields.Boolean(string="A session must be booked")
    require_session_within = fields.Boolean(
        string="Session booked within a number of days of the referral program email"
    )
    session_within_days = fields.Integer(string="Booked Within (days)", default=30)
    require_session_status = fields.Boolean(string="The session must reach a status before the reward is earned")
    session_status_id = fields.Many2one(comodel_name="studio.session.status")
    require_order = fields.Boolean(string="An initial order must be recorded")
    require_order_minimum = fields.Boolean(string="The initial order must be of a minimum amount")
    order_minimum = fields.Monetary(string="Minimum Initial Order", help="Untaxed, net of refunds.")

    # Benefits
    give_reward = fields.Boolean(string="The referring client receives a loyalty reward")
    reward_amount = fields.Monetary()
    reward_expires = fields.Boolean(string="The loyalty reward expires")
    reward_expiration_days = fields.Integer(string="Expires After (days)", default=365)
    give_promo = fields.Boolean(string="The referred client receives a promotional item")
    promo_program_id = fields.Many2one(
        comodel_name="loyalty.program",
        string="Promotional Item",
        domain="[('program_type', 'in', ('coupons', 'promotion')), ('company_id', 'in', (company_id, False))]",
        help="A coupon or promotion program of the Loyalty app.",
    )
    promo_coupon = fields.Boolean(string="Auto generate a unique coupon code the referred client must use")
    per_session = fields.Boolean(string="Grant the reward and promotional item for each session booked")
    limit_sessions = fields.Boolean(string="Limit to the first sessions of each referred client")
    session_limit = fields.Integer(string="First Sessions", default=1)
    limit_rewards = fields.Boolean(string="Limit the total rewards one referring client can earn")
    reward_limit = fields.Integer(string="Maximum Rewards", default=5)

    # Communication
    send_reward_email = fields.Boolean(string="Email the referring client when a new reward is issued")
    reward_mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Reward Email",
        domain="[('studio_kind', '=', 'referral_reward')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_template("referral_reward"),
    )
    send_promo_email = fields.Boolean(string="Email the referred client when the promotional item is earned")
    promo_mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Promotional Item Email",
        domain="[('studio_kind', '=', 'promo')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_template("promo"),
    )
    invitation_mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Referral Program Email",
        domain="[('studio_kind', '=', 'referral_invitation')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_template("referral_invitation"),
        help="Sent to referring clients; sending it starts their clock for the 'within N days' requirements.",
    )
    send_sms = fields.Boolean(
        string="Also send a text message",
        help="Each of these messages also goes out as a text message (the installed text of its type) "
        "to clients who have a phone number.",
    )

    referral_ids = fields.One2many(comodel_name="studio.referral", inverse_name="program_id", string="Referrals")
    referral_count = fields.Integer(compute="_compute_referral_count")
    referrer_count = fields.Integer(string="Referring Clients", compute="_compute_referral_count")

    _created_within_days_positive = models.Constraint(
        "CHECK(created_within_days >= 0)", "The number of days cannot be negative."
    )
    _session_within_days_positive = models.Constraint(
        "CHECK(session_within_days >= 0)", "The number of days cannot be negative."
    )
    _order_minimum_positive = models.Constraint(
        "CHECK(order_minimum >= 0)", "The minimum initial order cannot be below zero."
    )
    _reward_amount_positive = models.Constraint("CHECK(reward_amount >= 0)", "The reward amount cannot be negative.")
    _reward_expiration_days_positive = models.Constraint(
        "CHECK(reward_expiration_days >= 0)", "The number of days cannot be negative."
    )
    _session_limit_positive = models.Constraint(
        "CHECK(session_limit >= 0)", "The number of sessions cannot be negative."
    )
    _reward_limit_positive = models.Constraint("CHECK(reward_limit >= 0)", "The number of rewards cannot be negative.")

    def _compute_referral_count(self):
        referrals = dict(
            self.env["studio.referral"]._read_group([("program_id", "in", self.ids)], ["program_id"], ["__count"])
        )
        referrers = dict(
            self.env["res.partner"]._read_group(
                [("studio_referral_program_id", "in", self.ids)], ["studio_referral_program_id"], ["__count"]
            )
        )
        for program in self:
            program.referral_count = referrals.get(program, 0)
            program.referrer_count = referrers.get(program, 0)

    @api.constrains(
        "created_within_days",
        "session_within_days",
        "reward_expiration_days",
        "session_limit",
        "reward_limit",
        "reward_amount",
        "order_minimum",
        "give_reward",
        "reward_expires",
        "limit_sessions",
        "limit_rewards",
        "require_session_status",
        "session_status_id",
    )
    def _check_numbers(self):
        """The value beside a ticked box must make sense; the SQL checks catch negatives too."""
        for program in self:
            rounding = program.currency_id.rounding
            days = (program.created_within_days, program.session_within_days, program.reward_expiration_days)
            if min(days) < 0:
                raise ValidationError(self.env._("The number of days cannot be negative."))
            if float_compare(program.order_minimum, 0.0, precision_rounding=rounding) < 0:
                raise ValidationError(self.env._("The minimum initial order cannot be below zero."))
            if program.give_reward and float_compare(program.reward_amount, 0.0, precision_rounding=rounding) <= 0:
                raise ValidationError(self.env._("The loyalty reward amount must be greater than zero."))
            if program.give_reward and program.reward_expires and program.reward_expiration_days < 1:
                raise ValidationError(self.env._("The reward must expire at least one day after it is created."))
            if program.limit_sessions and program.session_limit < 1:
                raise ValidationError(self.env._("The number of sessions to reward must be at least one."))
            if program.limit_rewards and program.reward_limit < 1:
                raise ValidationError(self.env._("The limit of rewards per referring client must be at least one."))
            if program.require_session_status and not program.session_status_id:
                raise ValidationError(self.env._("Choose the session status the session must reach."))

    @api.constrains("give_promo", "promo_program_id", "promo_coupon")
    def _check_promo_program(self):
        for program in self:
            if not program.give_promo:
                continue
            promo = program.promo_program_id
            if not promo:
                raise ValidationError(self.env._("Choose the promotional item the referred client receives."))
            if promo.program_type not in ("coupons", "promotion"):
                raise ValidationError(
                    self.env._(
                        "The promotional item must be a coupon or promotion program; %(program)s is a %(type)s.",
                        program=promo.name,
                        type=dict(promo._fields["program_type"]._description_selection(self.env))[promo.program_type],
                    )
                )
            if program.promo_coupon and promo.program_type != "coupons":
                raise ValidationError(
                    self.env._(
                        "A unique coupon code can only be generated for a coupon program, not for %s.", promo.name
                    )
                )
            if promo.company_id and promo.company_id != program.company_id:
                raise ValidationError(self.env._("The promotional item belongs to another company."))

    @api.constrains(
        "send_reward_email", "reward_mail_template_id", "send_promo_email", "promo_mail_template_id",
        "invitation_mail_template_id",
    )  # fmt: skip
    def _check_templates(self):
        for program in self:
            for field, kind in (
                ("reward_mail_template_id", "referral_reward"),
                ("promo_mail_template_id", "promo"),
                ("invitation_mail_template_id", "referral_invitation"),
            ):
                program[field]._studio_check_kind(kind, program._fields[field].string)
            if program.send_reward_email and not program.reward_mail_template_id:
                raise ValidationError(self.env._("Choose the email to send when a reward is issued."))
            if program.send_promo_email and not program.promo_mail_template_id:
                raise ValidationError(self.env._("Choose the email to send when the promotional item is earned."))

    @api.onchange("require_session_within", "require_session_status", "limit_sessions")
    def _onchange_session_options(self):
        """The session options refine "a session must be booked"; ticking one ticks it."""
        if self.require_session_within or self.require_session_status:
            self.require_session = True
        if self.limit_sessions:
            self.per_session = True

    @api.onchange("require_order_minimum")
    def _onchange_require_order_minimum(self):
        if self.require_order_minimum:
            self.require_order = True

    def action_open_referrals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_referral_action")
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action

    def _studio_send(self, kind, messages, name, send_email, template):
        """Send this program's message of ``kind`` to the clients of ``messages`` (one each); return the send.

        The program's text message box adds a text message to every one of them.
        """
        self.ensure_one()
        mailing = self.env["studio.loyalty.mailing"]._prepare(
            kind,
            self.company_id,
            {partner_id: {**values, "referral_program_id": self.id} for partner_id, values in messages.items()},
            name=name,
            send_email=send_email,
            send_sms=self.send_sms,
            mail_template_id=template.id,
        )
        mailing._send()
        return mailing
