from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class PosPaymentMethod(models.Model):
    """The "Loyalty Rewards" payment method: paid with a client's rewards, never cash.

    A type of its own, not a journal's: session closing books it on the
    company's loyalty rewards account (see ``pos.session``), the closing
    control never asks to count it, and it is not a "Customer Account" that
    cashiers with the minimal role would not see.
    """

    _inherit = "pos.payment.method"

    is_studio_loyalty = fields.Boolean(
        string="Loyalty Rewards",
        readonly=True,
        copy=False,
        help="Paid with the client's loyalty rewards, chosen on the payment screen.",
    )
    type = fields.Selection(selection_add=[("studio_loyalty", "Loyalty Rewards")])

    @api.depends("is_studio_loyalty")
    def _compute_type(self):
        loyalty = self.filtered("is_studio_loyalty")
        loyalty.type = "studio_loyalty"
        return super(PosPaymentMethod, self - loyalty)._compute_type()

    @api.constrains("is_studio_loyalty", "journal_id", "split_transactions")
    def _check_studio_loyalty(self):
        if any(method.is_studio_loyalty and (method.journal_id or method.split_transactions) for method in self):
            raise ValidationError(
                self.env._("The Loyalty Rewards payment method books on the loyalty account: it has no journal.")
            )

    @api.model
    def _search(self, domain, *args, **kwargs):
        if self.env.context.get("studio_loyalty_hide_method"):
            domain = Domain.AND([domain, [("is_studio_loyalty", "=", False)]])
        return super()._search(domain, *args, **kwargs)

    @api.model
    def _studio_loyalty_method(self, company):
        """The company's Loyalty Rewards payment method, created when missing."""
        method = self.with_context(active_test=False, studio_loyalty_hide_method=False).search(
            [("is_studio_loyalty", "=", True), ("company_id", "=", company.id)], limit=1
        )
        return method or self.create(
            {"name": self.env._("Loyalty Rewards"), "is_studio_loyalty": True, "company_id": company.id}
        )

    @api.model
    def _load_pos_data_fields(self, config):
        return [*super()._load_pos_data_fields(config), "is_studio_loyalty"]
