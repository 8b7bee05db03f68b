from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StudioClientStatus(models.Model):
    """A client status; the loyalty-enabled ones opt clients into processed rewards."""

    _name = "studio.client.status"
    _description = "Client Status"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    loyalty_enabled = fields.Boolean(
        string="Include in Loyalty Rewards",
        help="Clients with this status are included when loyalty rewards are processed. "
        "Rewards issued by hand are allowed for any status.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        help="Leave empty to share the status between companies.",
    )
    partner_count = fields.Integer(string="Clients", compute="_compute_partner_count")

    # Triggers (seed 000): what a client of this status is sent when awarded a
    # reward, and some days before a reward expires. The letter and the email
    # share one template (Loyalty › Configuration › Letters).
    award_email = fields.Boolean(string="Email When Awarded")
    award_letter = fields.Boolean(string="Print a Letter When Awarded")
    award_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Reward Letter",
        domain="[('studio_kind', '=', 'awarded')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_template("awarded"),
    )
    award_sms = fields.Boolean(string="Text When Awarded")
    award_sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        string="Reward Text Message",
        domain="[('studio_kind', '=', 'awarded')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_sms_template("awarded"),
    )
    expiry_email = fields.Boolean(string="Email Before Rewards Expire")
    expiry_letter = fields.Boolean(string="Print a Letter Before Rewards Expire")
    expiry_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Expiry Reminder",
        domain="[('studio_kind', '=', 'expiring')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_template("expiring"),
    )
    expiry_sms = fields.Boolean(string="Text Before Rewards Expire")
    expiry_sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        string="Expiry Text Message",
        domain="[('studio_kind', '=', 'expiring')]",
        default=lambda self: self.env["studio.loyalty.mailing"]._default_sms_template("expiring"),
    )
    expiry_days = fields.Integer(
        string="Days Before Expiry",
        default=14,
        help="The reminder goes out this many days before a reward expires, once per reward.",
    )

    _name_company_uniq = models.Constraint(
        "UNIQUE(name, company_id)",
        "A client status with this name already exists.",
    )

    _expiry_days_positive = models.Constraint(
        "CHECK(expiry_days >= 0)", "The number of days before a reward expires cannot be negative."
    )

    @api.constrains(
        "award_email", "award_letter", "award_template_id", "award_sms", "award_sms_template_id",
        "expiry_email", "expiry_letter", "expiry_template_id", "expiry_sms", "expiry_sms_template_id",
    )  # fmt: skip
    def _check_triggers(self):
        for status in self:
            for trigger, kind in (("award", "awarded"), ("expiry", "expiring")):
                template, sms_template = status[f"{trigger}_template_id"], status[f"{trigger}_sms_template_id"]
                if (status[f"{trigger}_email"] or status[f"{trigger}_letter"]) and not template:
                    raise ValidationError(self.env._("Choose the letter and email of status %s.", status.name))
                if status[f"{trigger}_sms"] and not sms_template:
                    raise ValidationError(self.env._("Choose the text message of status %s.", status.name))
                template._studio_check_kind(kind, status._fields[f"{trigger}_template_id"].string)
                sms_template._studio_check_kind(kind, status._fields[f"{trigger}_sms_template_id"].string)

    @api.constrains("name", "company_id")
    def _check_name_unique(self):
        """One status of a name per company, counting the shared statuses every company sees."""
        Status = self.sudo().with_context(active_test=False)
        for status in self:
            domain = [("id", "!=", status.id), ("name", "=", status.name)]
            if status.company_id:
                domain.append(("company_id", "in", [status.company_id.id, False]))
            if Status.search_count(domain, limit=1):
                raise ValidationError(
                    self.env._("A client status named %s already exists for this company.", status.name)
                )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("client_status_id", "in", self.ids)], ["client_status_id"], ["__count"]
            )
        )
        for status in self:
            status.partner_count = counts.get(status, 0)

    def action_open_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("client_status_id", "=", self.id)],
            "context": {"default_client_status_id": self.id},
        }

    def _studio_triggers(self, trigger):
        """What the ``trigger`` ("award" or "expiry") of this status sends, as a send's values; empty if nothing."""
        self.ensure_one()
        # A template deleted since it was chosen sends nothing, rather than refusing the reward being issued.
        template, sms_template = self[f"{trigger}_template_id"], self[f"{trigger}_sms_template_id"]
        email, letter = self[f"{trigger}_email"] and template, self[f"{trigger}_letter"] and template
        sms = self[f"{trigger}_sms"] and sms_template
        if not (email or letter or sms):
            return {}
        return {
            "send_email": bool(email),
            "print_letters": bool(letter),
            "send_sms": bool(sms),
            "mail_template_id": self[f"{trigger}_template_id"].id,
            "sms_template_id": self[f"{trigger}_sms_template_id"].id,
        }

    def _studio_reminder_domain(self):
        """Available rewards of this status' clients that expire within its days and were never reminded of."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        return [
            ("state", "=", "available"),
            ("partner_id.client_status_id", "=", self.id),
            ("expiration_date", ">=", today),
            ("expiration_date", "<=", today + timedelta(days=self.expiry_days)),
            ("letter_line_ids", "not any", [("kind", "=", "expiring")]),
        ]
