from odoo import api, models


class StudioLoyaltyMailingLetterReport(models.AbstractModel):
    """Renders the letters' text from their templates, a template and a language at a time."""

    _name = "report.studio_loyalty.studio_loyalty_mailing_letter"
    _description = "Loyalty Letters"

    @api.model
    def _get_report_values(self, docids, data=None):
        lines = self.env["studio.loyalty.mailing.line"].browse(docids)
        bodies = {}
        for template, template_lines in lines.grouped(lambda line: line.mailing_id.mail_template_id).items():
            if template:
                bodies.update(template.sudo()._render_field("body_html", template_lines.ids, compute_lang=True))
        return {"doc_ids": lines.ids, "doc_model": lines._name, "docs": lines, "bodies": bodies}
