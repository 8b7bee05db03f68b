from odoo import models


class SaleOrder(models.Model):
    """A referral's promotional coupon applies to its holder's orders only, in Sales as at the till."""

    _inherit = "sale.order"

    def _try_apply_code(self, code):
        coupon = self.env["loyalty.card"].sudo().search([("code", "=", code)], limit=1)
        holder = coupon.partner_id.commercial_partner_id
        if (
            holder
            and holder != self.partner_id.commercial_partner_id
            and self.env["studio.referral.grant"].sudo().search_count([("coupon_id", "=", coupon.id)], limit=1)
        ):
            return {
                "error": self.env._(
                    "This coupon was given to %(holder)s by a referral program: only %(holder)s can use it.",
                    holder=holder.display_name,
                )
            }
        return super()._try_apply_code(code)
