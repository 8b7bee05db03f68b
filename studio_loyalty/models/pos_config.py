from odoo import api, models
from odoo.fields import Command


class PosConfig(models.Model):
    _inherit = "pos.config"

    @api.model_create_multi
    def create(self, vals_list):
        """Every shop offers its company's Loyalty Rewards method, made with the company's first shop."""
        configs = super().create(vals_list)
        configs._studio_add_loyalty_method()
        return configs

    def _create_journal_and_payment_methods(self, cash_ref=None, cash_journal_vals=None):
        # Odoo takes any method without a journal as the shop's "Customer Account": not ours.
        return super(PosConfig, self.with_context(studio_loyalty_hide_method=True))._create_journal_and_payment_methods(
            cash_ref=cash_ref, cash_journal_vals=cash_journal_vals
        )

    def _studio_add_loyalty_method(self):
        Method = self.env["pos.payment.method"].sudo()
        for config in self:
            method = Method._studio_loyalty_method(config.company_id)
            if method not in config.payment_method_ids:
                config.sudo().payment_method_ids = [Command.link(method.id)]
