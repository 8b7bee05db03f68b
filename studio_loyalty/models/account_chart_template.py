from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        """A company that gets its chart of accounts after the addon gets its Loyalty Rewards journal too."""
        result = super()._post_load_data(template_code, company, template_data)
        (company or self.env.company)._get_loyalty_journal()
        return result
