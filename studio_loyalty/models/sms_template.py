from odoo import models


class SmsTemplate(models.Model):
    """Text message templates carry the loyalty occasion they are written for."""

    _name = "sms.template"
    _inherit = ["sms.template", "studio.loyalty.letter.kind"]
