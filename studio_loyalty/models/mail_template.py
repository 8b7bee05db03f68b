from odoo import models


class MailTemplate(models.Model):
    """Email templates carry the loyalty occasion they are written for (the seeds' Form Letter Builder)."""

    _name = "mail.template"
    _inherit = ["mail.template", "studio.loyalty.letter.kind"]
