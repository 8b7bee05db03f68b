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

    _name_company_uniq = models.Constraint(
        "UNIQUE(name, company_id)",
        "A client status with this name already exists.",
    )

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
