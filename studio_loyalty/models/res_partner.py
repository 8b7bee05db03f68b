from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    client_status_id = fields.Many2one(
        comodel_name="studio.client.status",
        index="btree_not_null",
        tracking=True,
        ondelete="restrict",
    )
    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="partner_id",
        string="Loyalty Rewards",
    )
    studio_reward_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_studio_reward_currency_id"
    )
    studio_reward_available_amount = fields.Monetary(
        string="Available Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
    )
    studio_reward_available_count = fields.Integer(
        string="# Available Rewards", compute="_compute_studio_reward_totals"
    )
    studio_reward_redeemed_amount = fields.Monetary(
        string="Redeemed Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
    )
    studio_reward_expired_amount = fields.Monetary(
        string="Expired Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
    )
    studio_reward_next_expiry = fields.Date(
        string="Next Reward Expiry", compute="_compute_studio_reward_totals"
    )

    def _compute_studio_reward_currency_id(self):
        for partner in self:
            partner.studio_reward_currency_id = (partner.company_id or self.env.company).currency_id

    @api.depends(
        "studio_reward_ids.state", "studio_reward_ids.amount", "studio_reward_ids.expiration_date"
    )
    def _compute_studio_reward_totals(self):
        """All totals of the shown clients in one grouped query, not one per row."""
        totals = {}
        partners = self.filtered("id")
        if partners:
            groups = self.env["studio.loyalty.reward"]._read_group(
                [("partner_id", "in", partners.ids)],
                ["partner_id", "state"],
                ["amount:sum", "__count", "expiration_date:min"],
            )
            for partner, state, amount, count, next_expiry in groups:
                totals[partner.id, state] = (amount, count, next_expiry)
        for partner in self:
            available = totals.get((partner.id, "available"), (0.0, 0, False))
            partner.studio_reward_available_amount = available[0]
            partner.studio_reward_available_count = available[1]
            partner.studio_reward_next_expiry = available[2]
            partner.studio_reward_redeemed_amount = totals.get((partner.id, "redeemed"), (0.0,))[0]
            partner.studio_reward_expired_amount = totals.get((partner.id, "expired"), (0.0,))[0]

    def action_studio_add_reward(self):
        """Issue a reward by hand; the client's status is left as it is."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Loyalty Reward"),
            "res_model": "studio.loyalty.reward",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }
