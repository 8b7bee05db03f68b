"""19.0.2.0.0: the ledger of loyalty value and the liability account.

Rewards stored before this version have no ledger lines and were never
booked when issued. Their history is written from what the rewards still
record, and what is outstanding is booked once as owed (see
``studio.loyalty.move._backfill``). Running it again books nothing twice.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["studio.loyalty.move"]._backfill()
