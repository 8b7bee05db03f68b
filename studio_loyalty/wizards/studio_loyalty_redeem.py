from odoo import api, fields, models


class StudioLoyaltyRedeem(models.TransientModel):
    """Pick the client's rewards to pay an invoice with."""

    _name = "studio.loyalty.redeem"
    _description = "Redeem Loyalty Rewards"

    move_id = fields.Many2one(comodel_name="account.move", required=True, readonly=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    company_id = fields.Many2one(related="move_id.company_id")
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Amount Due")
    available_reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        compute="_compute_available_reward_ids",
    )
    reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        string="Rewards to Redeem",
        domain="[('id', 'in', available_reward_ids)]",
    )
    amount = fields.Monetary(string="Loyalty Rewards", compute="_compute_amount")

    @api.depends("move_id")
    def _compute_available_reward_ids(self):
        Reward = self.env["studio.loyalty.reward"]
        for wizard in self:
            wizard.available_reward_ids = Reward.search(
                Reward._redeemable_domain()
                & fields.Domain("partner_id", "child_of", wizard.partner_id.ids)
                & fields.Domain("company_id", "=", wizard.company_id.id)
            )

    @api.depends("reward_ids")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = sum(wizard.reward_ids.mapped("amount"))

    def action_redeem(self):
        self.ensure_one()
        self.move_id._studio_redeem_rewards(self.reward_ids)
        return {"type": "ir.actions.act_window_close"}
