from odoo import api, fields, models
from odoo.tools import SQL


class StudioLoyaltyWallet(models.Model):
    """The row a client's points are locked through, one per client and company.

    Points have no record of their own to lock: their balance is the sum of
    ledger lines. Whoever earns or spends a client's points locks this row
    and writes it, so a till or worker that started at the same moment
    waits, then fails to serialize and is run again against the new
    balance. It holds no balance itself.
    """

    _name = "studio.loyalty.wallet"
    _description = "Loyalty Points Lock"

    partner_id = fields.Many2one(comodel_name="res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(comodel_name="res.company", required=True, ondelete="cascade")

    _client_uniq = models.Constraint("UNIQUE(partner_id, company_id)", "A client has one points lock per company.")

    @api.model
    def _take(self, clients, company, mode="wait"):
        """Lock the wallets of ``clients`` (commercial partners) in ``company``, made if missing; return them.

        ``mode`` as for the redemption service's ``_lock``; with ``skip`` only
        the wallets locked are returned. The locked rows are written, so
        a transaction that read the balance before this one committed fails
        to serialize when it locks them in turn.
        """
        if not clients:
            return self.browse()
        wallets = self.sudo().search([("partner_id", "in", clients.ids), ("company_id", "=", company.id)])
        missing = clients - wallets.partner_id
        if missing:
            # Only for clients without one: inserting over a row another transaction holds would wait for it.
            self.env.execute_query(
                SQL(
                    """
                    INSERT INTO studio_loyalty_wallet
                           (partner_id, company_id, create_uid, create_date, write_uid, write_date)
                    SELECT client, %(company)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM unnest(%(clients)s::int4[]) client
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                    """,
                    company=company.id,
                    uid=self.env.uid,
                    now=self.env.cr.now(),
                    clients=list(missing.ids),
                )
            )
            wallets = self.sudo().search([("partner_id", "in", clients.ids), ("company_id", "=", company.id)])
        wallets = self.env["studio.loyalty.redemption"]._lock(wallets, mode=mode)
        if wallets:
            self.env.execute_query(
                SQL(
                    "UPDATE studio_loyalty_wallet SET write_date = %s, write_uid = %s WHERE id = ANY(%s)",
                    self.env.cr.now(),
                    self.env.uid,
                    wallets.ids,
                )
            )
            wallets.invalidate_recordset(["write_date", "write_uid"])
        return wallets
