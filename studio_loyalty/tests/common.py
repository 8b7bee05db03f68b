from datetime import timedelta

from odoo import fields
from odoo.fields import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.point_of_sale.tests.common import TestPoSCommon


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

    @classmethod
    def _days(cls, n):
        return cls.today + timedelta(days=n)

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
