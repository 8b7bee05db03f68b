from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.fields import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.point_of_sale.tests.common import TestPoSCommon


def purge_loyalty(cr, partner_ids):
    """Remove what a test that commits left for these clients: ledger lines, the entries they name, rewards.

    Call it in the cleanup of tests on real connections, before deleting
    the clients' documents.
    """
    cr.execute(
        "SELECT DISTINCT entry_id FROM studio_loyalty_move WHERE partner_id = ANY(%s) AND entry_id IS NOT NULL",
        [partner_ids],
    )
    entry_ids = [entry_id for (entry_id,) in cr.fetchall()]
    cr.execute("DELETE FROM studio_loyalty_move WHERE partner_id = ANY(%s)", [partner_ids])
    cr.execute(
        """DELETE FROM account_partial_reconcile partial USING account_move_line line
            WHERE line.move_id = ANY(%s) AND line.id IN (partial.debit_move_id, partial.credit_move_id)""",
        [entry_ids],
    )
    cr.execute("UPDATE studio_loyalty_reward SET payment_move_id = NULL WHERE payment_move_id = ANY(%s)", [entry_ids])
    cr.execute(
        "DELETE FROM account_move WHERE id = ANY(%s) AND journal_id IN "
        "(SELECT id FROM account_journal WHERE code = 'LOYR')",
        [entry_ids],
    )
    cr.execute("DELETE FROM studio_loyalty_reward WHERE partner_id = ANY(%s)", [partner_ids])


class StudioLoyaltyCommon(AccountTestInvoicingCommon):
    """A company with a chart of accounts, a 15% sales tax, a loyalty-enabled
    status and two clients.

    Use ``self._reward(client, 25.0)`` for a reward and
    ``self._invoice(client, 100.0)`` for a posted 115.00 invoice (100 + 15% tax).
    """

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref("studio_loyalty.studio_loyalty_group_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["studio.loyalty.reward"])
        cls.currency = cls.env.company.currency_id
        cls.tax15 = cls.env["account.tax"].create(
            {"name": "Sales 15%", "amount": 15.0, "amount_type": "percent", "type_tax_use": "sale"}
        )
        cls.status_loyal = cls.env["studio.client.status"].create({"name": "Loyal Client", "loyalty_enabled": True})
        cls.status_inquiry = cls.env["studio.client.status"].create({"name": "New Inquiry"})
        cls.client = cls.env["res.partner"].create({"name": "Ada Portrait", "client_status_id": cls.status_loyal.id})
        cls.other_client = cls.env["res.partner"].create(
            {"name": "Ben Wedding", "client_status_id": cls.status_inquiry.id}
        )

    @classmethod
    def _coupon_program(cls, name):
        """A coupon program of Odoo's Loyalty app giving 10 % off, as a referral program's promotional item."""
        return (
            cls.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": name,
                    "program_type": "coupons",
                    "trigger": "with_code",
                    "applies_on": "current",
                    "company_id": cls.env.company.id,
                    "reward_ids": [
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount": 10.0,
                                "discount_mode": "percent",
                                "discount_applicability": "order",
                                "required_points": 1.0,
                            }
                        )
                    ],
                }
            )
        )

    @classmethod
    def _reward(cls, partner, amount, **values):
        """Issue an available reward of ``amount`` to ``partner``."""
        return cls.env["studio.loyalty.reward"].create({"partner_id": partner.id, "amount": amount, **values})

    @classmethod
    def _invoice(cls, partner, untaxed, post=True):
        """A customer invoice of ``untaxed`` plus 15% tax."""
        return cls._create_invoice(
            partner_id=partner.id,
            invoice_line_ids=[
                Command.create(
                    {"name": "Portrait session", "price_unit": untaxed, "tax_ids": [Command.set(cls.tax15.ids)]}
                )
            ],
            post=post,
        )

    def _loyalty_balance(self):
        """What redemptions, returns and POS closings debited the liability account, net.

        Issuing and releasing rewards (the entries against the expense
        account) are left out: this is the value spent as payment.
        """
        liability, expense = self.env.company._studio_loyalty_accounts()
        lines = self.env["account.move.line"].search(
            [("account_id", "=", liability.id), ("parent_state", "=", "posted")]
        )
        spent = lines.filtered(lambda line: expense not in line.move_id.line_ids.account_id)
        return self.currency.round(sum(spent.mapped("balance")))

    @classmethod
    def _days(cls, n):
        return cls.today + timedelta(days=n)

    @classmethod
    def _credit_note(cls, invoice, untaxed, post=False):
        """A credit note of ``untaxed`` plus tax against ``invoice``."""
        return cls._create_invoice(
            move_type="out_refund",
            partner_id=invoice.partner_id.id,
            reversed_entry_id=invoice.id,
            invoice_line_ids=[
                Command.create({"name": "Refund", "price_unit": untaxed, "tax_ids": [Command.set(cls.tax15.ids)]})
            ],
            post=post,
        )

    def _open(self, user, record, view_type="form"):
        """Read ``record`` as the web client does for ``user``: its view, then the fields that view holds.

        The arch comes back processed for ``user`` (elements of other groups
        removed); fields inside embedded lists belong to other records.
        """
        record = record.with_user(user)
        arch = etree.fromstring(record.get_views([(False, view_type)])["views"][view_type]["arch"])
        names = {node.get("name") for node in arch.iter("field") if next(node.iterancestors("field"), None) is None}
        return record.web_read({name: {} for name in names})[0]

    def _redeem(self, invoice, rewards):
        """Redeem through the wizard, as staff do on the invoice."""
        wizard = self.env["studio.loyalty.redeem"].create(
            {"move_id": invoice.id, "reward_ids": [Command.set(rewards.ids)]}
        )
        return wizard.action_redeem()


class StudioLoyaltyPosCommon(StudioLoyaltyCommon, TestPoSCommon):
    """The loyalty fixtures plus an open Point of Sale session.

    ``self._pos_sale(client, 100.0)`` records a paid POS order of 100.00
    untaxed for ``client``; a negative quantity makes a refund.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.print_product = cls.create_product("Portrait Print", cls.categ_basic, 100.0, tax_ids=cls.tax15.ids)

    def setUp(self):
        super().setUp()
        self.config = self.basic_config
        self.open_new_session()

    def _pos_sale(self, client, quantity=1.0, invoiced=False, refund_of=None):
        """A paid order; ``refund_of=order`` makes it a refund of that order's first line."""
        total = self.currency.round(100.0 * 1.15 * quantity)
        line = {"product": self.print_product, "quantity": quantity}
        if refund_of:
            line["refunded_orderline_id"] = refund_of.lines[:1].id
        data = self.create_ui_order_data(
            [line],
            customer=client,
            is_invoiced=invoiced,
            payments=[(self.bank_pm1, total)],
        )
        order_ids = [o["id"] for o in self.env["pos.order"].sync_from_ui([data])["pos.order"]]
        return self.env["pos.order"].browse(order_ids)


class PosRewardsCase(StudioLoyaltyPosCommon):
    """An open session whose shop takes the Loyalty Rewards method; helpers to sync tickets paid with rewards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loyalty_pm = cls.env["pos.payment.method"].sudo()._studio_loyalty_method(cls.env.company)
        cls.basic_config.payment_method_ids |= cls.loyalty_pm

    def _order_data(self, rewards, bank=None, client=None, invoiced=False, quantity=1):
        """A ticket of ``quantity`` prints (115.00 each) for ``client``, paid with ``rewards`` and the rest by bank."""
        client = client or self.client
        paid_with_rewards = self.currency.round(sum(rewards.mapped("amount")))
        bank = self.currency.round(115.0 * quantity - paid_with_rewards) if bank is None else bank
        payments = [(self.loyalty_pm, paid_with_rewards)] + ([(self.bank_pm1, bank)] if bank else [])
        data = self.create_ui_order_data(
            [{"product": self.print_product, "quantity": quantity}],
            customer=client,
            is_invoiced=invoiced,
            payments=payments,
        )
        for _command, _id, payment in data["payment_ids"]:
            if payment["payment_method_id"] == self.loyalty_pm.id:
                payment["studio_reward_ids"] = [Command.set(rewards.ids)]
        return data

    def _sync(self, data):
        """Sync ``data`` as a till does; the order it made."""
        self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].search([("uuid", "=", data["uuid"])])

    def _refund_data(self, order, quantity, loyalty_back):
        """A refund of ``quantity`` prints of ``order``: ``loyalty_back`` as rewards, the rest by bank."""
        total = self.currency.round(115.0 * quantity)
        payments = [(self.bank_pm1, -(total - loyalty_back))]
        if loyalty_back:
            payments.append((self.loyalty_pm, -loyalty_back))
        return self.create_ui_order_data(
            [{"product": self.print_product, "quantity": -quantity, "refunded_orderline_id": order.lines[0].id}],
            {"is_refund": True},
            customer=self.client,
            payments=payments,
        )
