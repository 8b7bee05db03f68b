from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_start_date = fields.Date(related="company_id.loyalty_start_date", readonly=False)
    loyalty_journal_id = fields.Many2one(related="company_id.loyalty_journal_id", readonly=False)
    studio_liability_account_id = fields.Many2one(related="company_id.studio_liability_account_id", readonly=False)
    studio_expense_account_id = fields.Many2one(related="company_id.studio_expense_account_id", readonly=False)
    studio_session_invitation = fields.Boolean(related="company_id.studio_session_invitation", readonly=False)
