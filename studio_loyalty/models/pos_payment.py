from odoo import fields, models

from .studio_loyalty_guard import REWARD_READERS


class PosPayment(models.Model):
    """A payment line of the Loyalty Rewards method names the rewards and the points it spends."""

    _inherit = "pos.payment"

    studio_reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        string="Loyalty Rewards",
        readonly=True,
        copy=False,
        groups=REWARD_READERS,
    )
    studio_points_amount = fields.Monetary(
        string="Paid with Points",
        readonly=True,
        copy=False,
        help="The part of this Loyalty Rewards line paid with points: turned into a reward when the order syncs.",
        groups=REWARD_READERS,
    )

    def _create_payment_moves(self, is_reverse=False):
        # An invoiced order's loyalty part is booked through the Loyalty
        # Rewards journal by pos.order, like an invoice redemption.
        return super(
            PosPayment, self.filtered(lambda p: not p.payment_method_id.is_studio_loyalty)
        )._create_payment_moves(is_reverse)
