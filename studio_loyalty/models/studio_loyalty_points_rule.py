from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .studio_loyalty_points_program import PER_UNIT_ACTIONS, RULE_ACTIONS


class StudioLoyaltyPointsRule(models.Model):
    """One client action that earns points, and how many (seed 004's rewards configuration)."""

    _name = "studio.loyalty.points.rule"
    _description = "Points Earning Rule"
    _order = "program_id, sequence, id"

    program_id = fields.Many2one(
        comodel_name="studio.loyalty.points.program", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    sequence = fields.Integer(compute="_compute_sequence", store=True)
    action = fields.Selection(selection=RULE_ACTIONS, required=True, readonly=True)
    per = fields.Selection(
        selection=[("action", "Per Action"), ("unit", "Per Currency Unit")],
        string="Earned",
        compute="_compute_per",
    )
    is_active = fields.Boolean(string="Active", default=False, help="Only active rules earn points.")
    points = fields.Float(digits=(16, 2), help="Points earned per action, or per currency unit of the sale.")

    _action_uniq = models.Constraint("UNIQUE(program_id, action)", "A program has one rule per action.")

    @api.depends("action")
    def _compute_sequence(self):
        order = [action for action, _label in RULE_ACTIONS]
        for rule in self:
            rule.sequence = order.index(rule.action) if rule.action in order else 99

    @api.depends("action")
    def _compute_per(self):
        for rule in self:
            rule.per = "unit" if rule.action in PER_UNIT_ACTIONS else "action"

    @api.constrains("points", "is_active")
    def _check_points(self):
        for rule in self:
            if rule.points < 0:
                raise ValidationError(self.env._("A rule cannot earn a negative number of points."))
            if rule.is_active and not rule.points:
                labels = dict(rule._fields["action"]._description_selection(self.env))
                raise ValidationError(self.env._("Enter the points the active rule “%s” earns.", labels[rule.action]))
