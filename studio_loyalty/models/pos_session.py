from odoo import models
from odoo.tools import float_is_zero


class PosSession(models.Model):
    """Session closing books the loyalty part of the orders on the loyalty rewards account.

    Not on cash, bank or a receivable: the rewards were the client's credit
    with the studio, so what they paid is debited to the Loyalty Rewards
    Liability account, as an invoice redemption is. Taxes and revenue are
    booked as for any order.
    """

    _inherit = "pos.session"

    def _load_pos_data_models(self, config):
        # Loaded empty: a client's rewards are fetched when the cashier asks.
        return [*super()._load_pos_data_models(config), "studio.loyalty.reward"]

    def _accumulate_amounts(self, data):
        data = super()._accumulate_amounts(data)
        loyalty = {"amount": 0.0, "amount_converted": 0.0}
        for order in self._get_closed_orders():
            for payment in order.payment_ids.filtered(lambda p: p.payment_method_id.is_studio_loyalty):
                if float_is_zero(payment.amount, precision_rounding=self.currency_id.rounding):
                    continue
                # An invoiced order's rewards were booked against its invoice.
                data["combine_invoice_receivables"].pop(payment.payment_method_id, None)
                if not order.is_invoiced:
                    loyalty = self._update_amounts(loyalty, {"amount": payment.amount}, payment.payment_date)
        data["studio_loyalty_amounts"] = loyalty
        return data

    def _create_non_reconciliable_move_lines(self, data):
        data = super()._create_non_reconciliable_move_lines(data)
        amounts = data["studio_loyalty_amounts"]
        if not float_is_zero(amounts["amount"], precision_rounding=self.currency_id.rounding):
            account = self.company_id._studio_loyalty_accounts()[0]
            data["MoveLine"].create(
                self._debit_amounts(
                    {
                        "account_id": account.id,
                        "move_id": self.move_id.id,
                        "name": self.env._("%s - Loyalty Rewards", self.name),
                    },
                    amounts["amount"],
                    amounts["amount_converted"],
                )
            )
        # The ledger lines of the orders it closes are booked by this entry (an invoiced order's by its own).
        orders = self._get_closed_orders().filtered(lambda o: not o.is_invoiced)
        self.env["studio.loyalty.move"].sudo().search([("pos_order_id", "in", orders.ids)])._link_entry(self.move_id)
        return data
