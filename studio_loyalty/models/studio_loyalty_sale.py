from odoo import api, models
from odoo.tools import SQL

# An invoice whose payment is complete; "reversed" is paid by its credit note.
QUALIFYING_PAYMENT_STATES = ("paid", "in_payment", "reversed")


class StudioLoyaltySale(models.AbstractModel):
    """What a qualifying paid sale is, defined once.

    The Process Loyalty Rewards run, referral requirements and points earning
    must agree on which sales count, how much and on what date: they all read
    them from this one query instead of each writing its own.
    """

    _name = "studio.loyalty.sale"
    _description = "Qualifying Paid Sales"

    @api.model
    def _query(self, company, clients, since=None, by_class=False):
        """SQL of the qualifying paid sales of ``clients`` in ``company``, one row per document.

        Rows: ``partner_id`` (the client's commercial partner), ``sale_ref``
        (the original sale: ``'move:<id>'`` of the invoice, ``'pos:<id>'`` of
        the POS order), ``sale_date`` and ``amount`` (untaxed, company
        currency, negative for credit notes and refunds).

        Qualifying: posted customer invoices and credit notes whose payment is
        complete (a credit note counts when its invoice does), and paid POS
        orders. A credit note or POS refund is part of the sale it refunds:
        it takes that sale's reference and date, so refunding a sale from
        before ``since`` takes nothing away. An invoice made from a POS order
        is counted through the order only. A POS order's date is its day in
        the company's time zone (``res.company._loyalty_tz``), whoever runs
        the query.

        :param company: the ``res.company`` whose sales count
        :param clients: ``SQL`` of a SELECT with a column ``id`` of the
            commercial partners to consider
        :param since: optional date; sales dated before it are left out
        :param by_class: one row per sale line instead, with its product's
            ``points_class`` (lines without a product have none) and its
            untaxed amount after discounts: what points are earned on
        """
        move_date = SQL("COALESCE(origin.invoice_date, move.invoice_date)")
        pos_date = SQL(
            "timezone(%s, COALESCE(pos_origin.date_order, pos.date_order) AT TIME ZONE 'UTC')::date",
            company._loyalty_tz(),
        )
        move_since = pos_since = SQL("TRUE")
        if since:
            move_since = SQL("%s >= %s", move_date, since)
            pos_since = SQL("%s >= %s", pos_date, since)
        move_amount, pos_amount = SQL("move.amount_untaxed_signed"), SQL("(pos.amount_total - pos.amount_tax)")
        move_lines = pos_lines = points_class = SQL()
        if by_class:
            move_amount, pos_amount = SQL("-line.balance"), SQL("line.price_subtotal")
            move_lines = SQL(
                """JOIN account_move_line line ON line.move_id = move.id AND line.display_type = 'product'
              LEFT JOIN product_product product ON product.id = line.product_id
              LEFT JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id"""
            )
            pos_lines = SQL(
                """JOIN pos_order_line line ON line.order_id = pos.id
              LEFT JOIN product_product product ON product.id = line.product_id
              LEFT JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id"""
            )
            points_class = SQL(", tmpl.studio_points_class AS points_class")
        return SQL(
            """
            WITH client AS NOT MATERIALIZED (
                %(clients)s
            ), pos_refund_origin AS (
                -- The orders a POS refund of these clients refunds: the first one is its sale.
                -- Only their refunds: the planner cannot push the join below the GROUP BY, and
                -- grouping every refund of the company cost a client's earning 90 ms at 290,000 orders.
                SELECT refund_line.order_id, MIN(origin.id) AS origin_id, MIN(origin.date_order) AS date_order
                  FROM pos_order refund
                  JOIN res_partner refund_buyer ON refund_buyer.id = refund.partner_id
                  JOIN client ON client.id = refund_buyer.commercial_partner_id
                  JOIN pos_order_line refund_line ON refund_line.order_id = refund.id
                                                 AND refund_line.refunded_orderline_id IS NOT NULL
                  JOIN pos_order_line origin_line ON origin_line.id = refund_line.refunded_orderline_id
                  JOIN pos_order origin ON origin.id = origin_line.order_id
              GROUP BY refund_line.order_id
            ), reversal AS (
                -- The invoice each credit note reverses: few rows, read through
                -- the partial index on reversed_entry_id.
                SELECT move.id, origin.id AS origin_id, origin.payment_state, origin.invoice_date
                  FROM account_move move
                  JOIN account_move origin ON origin.id = move.reversed_entry_id
                 WHERE move.reversed_entry_id IS NOT NULL
            )
            -- A credit note counts when the invoice it reverses does (or,
            -- without one, when it is paid itself), on the invoice's date and
            -- as part of that invoice's sale.
            SELECT move.commercial_partner_id AS partner_id,
                   'move:' || COALESCE(origin.origin_id, move.id)::text AS sale_ref,
                   %(move_date)s AS sale_date,
                   %(move_amount)s AS amount %(points_class)s
              FROM account_move move
              JOIN client ON client.id = move.commercial_partner_id
         LEFT JOIN reversal origin ON origin.id = move.id
              %(move_lines)s
             WHERE move.company_id = %(company)s
               AND move.state = 'posted'
               AND %(move_since)s
               AND (
                    (move.move_type = 'out_invoice' AND move.payment_state IN %(paid)s)
                 OR (move.move_type = 'out_refund' AND origin.origin_id IS NULL AND move.payment_state IN %(paid)s)
                 OR (move.move_type = 'out_refund' AND origin.payment_state IN %(paid)s)
               )
               AND NOT EXISTS (SELECT 1 FROM pos_order po WHERE po.account_move = move.id)
         UNION ALL
            SELECT buyer.commercial_partner_id,
                   'pos:' || COALESCE(pos_origin.origin_id, pos.id)::text,
                   %(pos_date)s,
                   %(pos_amount)s / COALESCE(NULLIF(pos.currency_rate, 0), 1) %(points_class)s
              FROM pos_order pos
              JOIN res_partner buyer ON buyer.id = pos.partner_id
              JOIN client ON client.id = buyer.commercial_partner_id
         LEFT JOIN pos_refund_origin pos_origin ON pos_origin.order_id = pos.id
              %(pos_lines)s
             WHERE pos.company_id = %(company)s
               AND pos.state IN ('paid', 'done')
               AND %(pos_since)s
            """,
            clients=clients,
            company=company.id,
            paid=QUALIFYING_PAYMENT_STATES,
            move_date=move_date,
            move_since=move_since,
            pos_date=pos_date,
            pos_since=pos_since,
            move_amount=move_amount,
            pos_amount=pos_amount,
            move_lines=move_lines,
            pos_lines=pos_lines,
            points_class=points_class,
        )
