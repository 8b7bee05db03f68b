from odoo import fields, models


class StudioReferralAssign(models.TransientModel):
    """Assign a referral program to many clients at once, from the clients list."""

    _name = "studio.referral.assign"
    _description = "Assign Referral Program"

    program_id = fields.Many2one(comodel_name="studio.referral.program", string="Referral Program", required=True)
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Clients",
        default=lambda self: self._default_partner_ids(),
    )
    send_email = fields.Boolean(
        string="Send the referral program email now",
        help="Starts each client's clock for the program's 'within N days' requirements.",
    )

    def _default_partner_ids(self):
        context = self.env.context
        return context.get("active_ids", []) if context.get("active_model") == "res.partner" else []

    def action_assign(self):
        self.ensure_one()
        self.partner_ids.studio_referral_program_id = self.program_id
        if self.send_email:
            self.partner_ids.action_studio_send_referral_email()
        return {"type": "ir.actions.act_window_close"}
