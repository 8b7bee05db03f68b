from odoo import models
from odoo.tools import SQL

from ..models.studio_loyalty_guard import transition


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merging clients keeps their referrals, grants nothing twice and moves their rewards on the ledger."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        self.env["studio.referral"].sudo()._merge_clients(src_partners, dst_partner)
        self.env["studio.loyalty.redemption"]._merge(src_partners, dst_partner)
        self.env["studio.loyalty.points"]._merge(src_partners, dst_partner)
        self.env.flush_all()
        result = super()._update_foreign_keys(src_partners, dst_partner)
        # A client merged with the one who referred them would refer themself.
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET studio_referred_by_id = NULL WHERE id = %s AND studio_referred_by_id = %s",
                dst_partner.id,
                dst_partner.id,
            )
        )
        dst_partner.invalidate_recordset(["studio_referred_by_id"])
        return result

    def _update_values(self, src_partners, dst_partner):
        # The one write of Referred By allowed on a saved client: see res.partner.write.
        return super()._update_values(src_partners, transition(dst_partner))
