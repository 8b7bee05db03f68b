from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero, float_round

from .studio_loyalty_guard import transition

# The earning rules every points program has, one per client action (seed 004).
RULE_ACTIONS = [
    ("referral", "Client Referral"),
    ("online", "Online Appointment"),
    ("prebooked", "Prebooked Appointment"),
    ("reservation", "Product Reservation"),
    ("package", "Package / Membership Purchases"),
    ("retail", "Retail Purchases"),
    ("service", "Service Purchases"),
]
# Rules earned per currency unit of a sale line of that class; the others per action.
PER_UNIT_ACTIONS = ("package", "retail", "service")


class StudioLoyaltyPointsProgram(models.Model):
    """A company's points program: what a point is worth, when it may be spent, what earns it.

    One per company, made when first opened. A Loyalty Manager configures it
    here rather than in Settings, which Odoo keeps for administrators.
    """

    _name = "studio.loyalty.points.program"
    _description = "Loyalty Points Program"
    _rec_name = "company_id"

    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    enabled = fields.Boolean(
        string="Points On",
        default=False,
        help="Clients earn points only while this is on. Points already earned keep their value and may be spent.",
    )
    point_value = fields.Float(
        string="Value of One Point",
        digits=(16, 4),
        default=0.01,
        required=True,
        help="What one point is worth when spent. Changing it revalues the points clients hold, on the ledger.",
    )
    min_redemption = fields.Integer(
        string="Minimum Redemption",
        default=5,
        help="The least that may be paid with points, in whole currency units. 0 pauses every points redemption.",
    )
    pending_hours = fields.Float(
        string="Pending Period (Hours)",
        default=24.0,
        help="Points become redeemable this long after they are earned (fraud prevention).",
    )
    start_date = fields.Date(
        string="Earning From",
        required=True,
        default=fields.Date.context_today,
        help="Sales dated on or after this day earn points. Moving it later takes back what earlier sales earned.",
    )
    rule_ids = fields.One2many(
        comodel_name="studio.loyalty.points.rule", inverse_name="program_id", string="Earning Rules"
    )

    _company_uniq = models.Constraint("UNIQUE(company_id)", "A company has one points program.")

    @api.depends("company_id")
    def _compute_display_name(self):
        for program in self:
            program.display_name = self.env._("Points of %s", program.company_id.name)

    @api.constrains("point_value", "min_redemption", "pending_hours")
    def _check_settings(self):
        for program in self:
            currency = program.currency_id
            if float_compare(program.point_value, 0.0, precision_rounding=currency.rounding) <= 0:
                raise ValidationError(self.env._("The value of one point must be more than zero."))
            # Whole points are then worth whole cents: the ledger and the books stay exact.
            cents = program.point_value / currency.rounding
            if not float_is_zero(cents - float_round(cents, precision_digits=0), precision_digits=6):
                raise ValidationError(
                    self.env._("The value of one point must be a multiple of %s.", currency.format(currency.rounding))
                )
            if program.min_redemption < 0:
                raise ValidationError(self.env._("The minimum redemption cannot be below 0 (0 pauses redemptions)."))
            if program.pending_hours < 0:
                raise ValidationError(self.env._("The pending period cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        Rule = self.env["studio.loyalty.points.rule"]
        Rule.create(
            [{"program_id": program.id, "action": action} for program in programs for action, _label in RULE_ACTIONS]
        )
        return programs

    def write(self, vals):
        old = {program: program.point_value for program in self}
        result = super().write(vals)
        if "point_value" in vals:
            Service = self.env["studio.loyalty.points"]
            for program, value in old.items():
                if program.currency_id.compare_amounts(program.point_value, value):
                    Service._revalue(program.company_id, value, program.point_value)
        return result

    @api.model
    def _for_company(self, company, create=True):
        """The company's program (sudo), made the first time it is opened (``create``), else maybe empty.

        Events (a paid invoice in any company) look it up without making one.
        """
        program = self.sudo().search([("company_id", "=", company.id)])
        if not program and create:
            program = transition(self.sudo()).create({"company_id": company.id})
        return program

    @api.model
    def action_open_company_program(self):
        program = self._for_company(self.env.company)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Points"),
            "res_model": self._name,
            "res_id": program.id,
            "view_mode": "form",
            "target": "current",
        }

    def _rate(self, action):
        """Points per action (or per currency unit) of an active rule; 0 when the rule is off."""
        rule = self.rule_ids.filtered(lambda r: r.action == action and r.is_active)[:1]
        return rule.points if rule else 0.0

    def _redemption_value(self, points):
        self.ensure_one()
        return self.currency_id.round(points * self.point_value)
