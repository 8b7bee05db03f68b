from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class _Transition:
    """Marks the context of a business method. Not JSON: no RPC or import can pass it."""


_TRANSITION = _Transition()


def in_transition(records):
    """Whether ``records`` are being written by a business method."""
    return records.env.context.get("studio_loyalty_transition") is _TRANSITION


def transition(records):
    """``records`` for a business method to write guarded fields with."""
    return records.with_context(studio_loyalty_transition=_TRANSITION)


class StudioLoyaltyGuarded(models.AbstractModel):
    """The one guard of the fields that only the addon's business methods write.

    A model lists what a form, an RPC call or an import may not do in
    :meth:`_studio_refusal`; the business methods write through
    :func:`transition`, a context marker that no JSON can carry.
    """

    _name = "studio.loyalty.guarded"
    _description = "Written by the Loyalty Services Only"

    def _studio_refusal(self, vals, creating):
        """The message that refuses ``vals`` outside a business method, or ``None`` to allow them."""
        return self.env._("Only the loyalty services write %s records.", self._description)

    @api.model_create_multi
    def create(self, vals_list):
        if not in_transition(self):
            for vals in vals_list:
                if message := self._studio_refusal(vals, True):
                    raise UserError(message)
        return super().create(vals_list)

    def write(self, vals):
        if not in_transition(self) and (message := self._studio_refusal(vals, False)):
            raise UserError(message)
        return super().write(vals)

    def _studio_insert_rows(self, columns, types):
        """Insert rows in one statement, in order, and return them in cache as written, as ``create`` leaves them.

        ``columns`` maps each column to its values, one per row; ``types``
        gives each column's SQL type. What ``create`` does per record
        (defaults, the company check, constraints, marking what depends on
        the rows as modified) is the caller's: the services use this where a
        processing run writes tens of thousands of rows.
        """
        names = list(columns)
        ids = self.env.execute_query(
            SQL(
                """
                INSERT INTO %(table)s (create_uid, create_date, write_uid, write_date, %(names)s)
                SELECT %(uid)s, %(now)s, %(uid)s, %(now)s, %(names)s
                  FROM unnest(%(arrays)s) WITH ORDINALITY AS source(%(names)s, position)
              ORDER BY source.position
             RETURNING id
                """,
                table=SQL.identifier(self._table),
                names=SQL(", ").join(SQL.identifier(name) for name in names),
                uid=self.env.uid,
                now=self.env.cr.now(),
                arrays=SQL(", ").join(SQL("%s::%s[]", columns[name], SQL(types[name])) for name in names),
            )
        )
        records = self.browse(row[0] for row in ids)
        for name in names:
            for inverse in self.pool.field_inverses[self._fields[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        # After the invalidations above, which clear the many2one fields too:
        # what depends on the rows reads none of them back.
        for name in names:
            self._fields[name]._insert_cache(records, columns[name])
        return records

    def _check_company(self, fnames=None):
        """Odoo's company check, made once per company and field instead of once per record.

        A processing run creates tens of thousands of rewards and ledger
        lines; Odoo filters each record's linked records on its own, which
        took a quarter of the run. The allowed records only depend on the
        company, so each company's linked records are filtered together, and
        Odoo's own check runs on the few records that fail, for its message.
        """
        if len(self) < 2 or "company_id" not in self._fields:
            return super()._check_company(fnames)
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        names = [name for name in fnames if self._fields[name].relational and self._fields[name].check_company]
        if any(self._fields[name].company_dependent for name in names):
            return super()._check_company(fnames)
        suspects = self.browse()
        for company, records in self.sudo().grouped("company_id").items():
            if not company:
                suspects |= records
                continue
            for name in names:
                corecords = records[name]
                domain = corecords._check_company_domain(company) if corecords else None
                if not domain:
                    continue
                refused = corecords - corecords.with_context(active_test=False).filtered_domain(domain)
                if refused:
                    suspects |= records.filtered(lambda record, name=name, refused=refused: record[name] & refused)
        if suspects:
            return super(StudioLoyaltyGuarded, suspects.with_env(self.env))._check_company(fnames)
        return None


# Who may read rewards, and so the loyalty fields added to invoices, clients and POS orders.
REWARD_READERS = (
    "studio_loyalty.studio_loyalty_group_user,account.group_account_invoice,"
    "account.group_account_readonly,point_of_sale.group_pos_user"
)
