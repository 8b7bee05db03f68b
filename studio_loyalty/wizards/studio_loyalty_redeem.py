from odoo import api, fields, models


class StudioLoyaltyRedeem(models.TransientModel):
    """Pick the client's rewards to pay an invoice with."""

    _name = "studio.loyalty.redeem"
    _description = "Redeem Loyalty Rewards"

    move_id = fields.Many2one(comodel_name="account.move", required=True, readonly=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    company_id = fields.Many2one(related="move_id.company_id")
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(compute="_compute_amount_residual", string="Amount Due")
    is_draft = fields.Boolean(compute="_compute_amount_residual")
    available_reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        compute="_compute_available_reward_ids",
    )
    reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        string="Rewards to Redeem",
        domain="[('id', 'in', available_reward_ids)]",
    )
    amount = fields.Monetary(string="Loyalty Rewards", compute="_compute_amount", help="What the selection pays.")
    rest_amount = fields.Monetary(
        string="Kept by the Client",
        compute="_compute_amount",
        help="A reward larger than what is left to pay pays part of it; the rest stays with the client as a "
        "reward with the same expiry.",
    )
    points_redeemable = fields.Integer(string="Redeemable Points", compute="_compute_points")
    points_value = fields.Monetary(string="Worth", compute="_compute_points")
    points_reason = fields.Char(compute="_compute_points")
    points_amount = fields.Monetary(
        string="Pay with Points", help="An amount worth a whole number of points, at least the minimum redemption."
    )

    @api.depends("move_id")
    def _compute_available_reward_ids(self):
        Reward = self.env["studio.loyalty.reward"]
        for wizard in self:
            wizard.available_reward_ids = Reward.search(
                Reward._redeemable_domain()
                & fields.Domain("partner_id", "child_of", wizard.partner_id.ids)
                & fields.Domain("company_id", "=", wizard.company_id.id)
                & fields.Domain("id", "not in", wizard.move_id.sudo().studio_held_reward_ids.ids)
            )

    @api.depends("move_id")
    def _compute_points(self):
        Points = self.env["studio.loyalty.points"]
        for wizard in self:
            program = self.env["studio.loyalty.points.program"]._for_company(wizard.company_id, create=False)
            if not program:
                wizard.points_redeemable, wizard.points_value, wizard.points_reason = 0, 0.0, False
                continue
            client = wizard.partner_id
            balance = Points._balances(client, wizard.company_id).get(client.id) or Points._empty_balance()
            wizard.points_redeemable = balance["redeemable"]
            wizard.points_value = program._redemption_value(max(balance["redeemable"], 0))
            reason = self.env["studio.loyalty.redemption"]._points_reason(program, balance)
            wizard.points_reason = reason if (balance["redeemable"] or balance["pending"]) else False

    @api.depends("move_id")
    def _compute_amount_residual(self):
        """A draft is not due yet: its rewards will pay its total when it is confirmed."""
        for wizard in self:
            move = wizard.move_id
            wizard.is_draft = move.state == "draft"
            wizard.amount_residual = move.amount_total if wizard.is_draft else move.amount_residual

    @api.depends("reward_ids", "points_amount", "amount_residual")
    def _compute_amount(self):
        for wizard in self:
            currency = wizard.currency_id
            total = currency.round(sum(wizard.reward_ids.mapped("amount")) + wizard.points_amount)
            wizard.amount = min(total, wizard.amount_residual)
            wizard.rest_amount = max(currency.round(total - wizard.amount_residual), 0.0)

    def action_redeem(self):
        self.ensure_one()
        if self.is_draft:
            self.move_id._studio_hold_rewards(self.reward_ids)
        else:
            self.move_id._studio_redeem_rewards(self.reward_ids, points_amount=self.points_amount)
        return {"type": "ir.actions.act_window_close"}
