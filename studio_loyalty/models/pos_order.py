from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .studio_loyalty_reward import REWARD_READERS


class PosOrder(models.Model):
    """Orders paid partly with loyalty rewards: the rewards are spent when the order syncs.

    The till only proposes; the server spends each reward through the one
    redemption service when the order is finalised, inside the sync's
    transaction, so a refused reward leaves no paid order behind.
    """

    _inherit = "pos.order"

    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="pos_order_id",
        string="Redeemed Loyalty Rewards",
        readonly=True,
        groups=REWARD_READERS,
    )

    def _process_payment_lines(self, pos_order, order, pos_session, draft):
        result = super()._process_payment_lines(pos_order, order, pos_session, draft)
        if not draft:
            order._studio_redeem_rewards()
        return result

    def _studio_redeem_rewards(self):
        """Spend the rewards named by this order's loyalty payments, once.

        Rewards this order already spent (an order synced again) are left as
        they are; the others are checked and locked by ``_redeem``.
        """
        self.ensure_one()
        payments = self.payment_ids.filtered(lambda p: p.payment_method_id.is_studio_loyalty)
        if not payments:
            return
        currency = self.currency_id
        rewards = payments.sudo().studio_reward_ids
        paid = currency.round(sum(payments.mapped("amount")))
        named = currency.round(sum(rewards.mapped("amount")))
        if float_compare(paid, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(
                self.env._("A refund gives loyalty rewards back as rewards, not as a Loyalty Rewards payment.")
            )
        if not rewards or float_compare(paid, named, precision_rounding=currency.rounding):
            raise UserError(
                self.env._(
                    "The Loyalty Rewards payment of %(paid)s must be the total of the rewards it names (%(named)s).",
                    paid=currency.format(paid),
                    named=currency.format(named),
                )
            )
        if not self.partner_id:
            raise UserError(self.env._("Choose the client whose rewards pay this order."))
        spent_here = rewards.filtered(lambda r: r.pos_order_id == self)
        due = currency.round(self.amount_total - sum(spent_here.mapped("amount")))
        (rewards - spent_here)._redeem(self, due, pos_order_id=self.id)

    def _generate_pos_order_invoice(self):
        result = super()._generate_pos_order_invoice()
        for order in self.filtered(lambda o: o.account_move):
            order._studio_book_invoiced_rewards()
        return result

    def _studio_book_invoiced_rewards(self):
        """An invoiced order's rewards pay its invoice through the Loyalty Rewards journal."""
        invoice = self.account_move
        for reward in self.sudo().studio_reward_ids.filtered(lambda r: not r.payment_move_id):
            entry = invoice._studio_book_loyalty(
                reward.amount,
                self.env._("Loyalty reward %(reward)s on %(order)s", reward=reward.name, order=self.name),
            )
            reward._transition({"move_id": invoice.id, "payment_move_id": entry.id})
