from odoo import api, fields, models

from .studio_loyalty_reward import REWARD_READERS


class ResPartner(models.Model):
    _inherit = "res.partner"

    client_status_id = fields.Many2one(
        comodel_name="studio.client.status",
        index="btree_not_null",
        groups="base.group_user",
        tracking=True,
        ondelete="restrict",
    )
    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="partner_id",
        string="Loyalty Rewards",
        groups=REWARD_READERS,
    )
    studio_reward_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_studio_reward_currency_id"
    )
    studio_reward_available_amount = fields.Monetary(
        string="Available Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_available_count = fields.Integer(
        string="# Available Rewards",
        compute="_compute_studio_reward_totals",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_redeemed_amount = fields.Monetary(
        string="Redeemed Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_expired_amount = fields.Monetary(
        string="Expired Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_next_expiry = fields.Date(
        string="Next Reward Expiry",
        compute="_compute_studio_reward_totals",
        compute_sudo=True,
        groups=REWARD_READERS,
    )

    @api.depends_context("company")
    def _compute_studio_reward_currency_id(self):
        self.studio_reward_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    @api.depends(
        "commercial_partner_id",
        "studio_reward_ids.state",
        "studio_reward_ids.amount",
        "studio_reward_ids.expiration_date",
    )
    def _compute_studio_reward_totals(self):
        """Totals of the current company's rewards, shared by a client's contacts.

        The same rewards the invoice offers to redeem: one grouped query for
        what is redeemable, one for what was redeemed or expired, for all rows.
        """
        Reward = self.env["studio.loyalty.reward"]
        clients = self.commercial_partner_id.filtered("id")
        company = self.env.company
        redeemable = Reward._redeemable_totals(clients, company)
        used = {}
        if clients:
            for client, state, amount in Reward._read_group(
                [
                    ("commercial_partner_id", "in", clients.ids),
                    ("company_id", "=", company.id),
                    ("state", "in", ("redeemed", "expired")),
                ],
                ["commercial_partner_id", "state"],
                ["amount:sum"],
            ):
                used[client.id, state] = company.currency_id.round(amount)
        for partner in self:
            client_id = partner.commercial_partner_id.id
            amount, count, next_expiry = redeemable.get((client_id, company.id), (0.0, 0, False))
            partner.studio_reward_available_amount = amount
            partner.studio_reward_available_count = count
            partner.studio_reward_next_expiry = next_expiry
            partner.studio_reward_redeemed_amount = used.get((client_id, "redeemed"), 0.0)
            partner.studio_reward_expired_amount = used.get((client_id, "expired"), 0.0)

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
