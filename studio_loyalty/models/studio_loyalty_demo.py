import logging
import random
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

_logger = logging.getLogger(__name__)

# Products a photography studio invoices; (label, untaxed unit price). Sessions and
# services earn points as services, prints and albums as retail, the package as one.
STUDIO_SERVICES = [
    ("Portrait session", 175.0),
    ("Family portrait package", 320.0),
    ("Headshot session", 140.0),
    ("Senior portrait session", 260.0),
    ("Newborn session", 295.0),
    ("Wedding album, 30 pages", 890.0),
    ("Canvas print 16x20", 185.0),
    ("Framed print 11x14", 120.0),
    ("Digital image collection", 225.0),
    ("Photo restoration", 85.0),
]

RETAIL = ("Wedding album, 30 pages", "Canvas print 16x20", "Framed print 11x14")
PACKAGES = ("Family portrait package",)

# The demo studio's points: seed 004's example (a cent a point, $5 minimum, 24 hours).
DEMO_POINT_RULES = {
    "service": 2,
    "retail": 1,
    "package": 3,
    "referral": 100,
    "online": 50,
    "prebooked": 40,
    "reservation": 30,
}

# What the studio sells at its front desk till, with (label, untaxed unit price)
# for the items it does not invoice: prints, frames, small services.
COUNTER_ITEMS = [
    ("Print 8x10", 25.0),
    ("Photo frame 8x10", 35.0),
    ("Wallet prints, set of 8", 20.0),
]
COUNTER_PRODUCTS = (
    "Print 8x10",
    "Photo frame 8x10",
    "Wallet prints, set of 8",
    "Framed print 11x14",
    "Photo restoration",
)

# Odoo's own demo programs (points for a free pen, coupons): at the demo till
# they would compete with the studio's rewards, so the demo archives them.
ODOO_DEMO_PROGRAMS = (
    "pos_loyalty.loyalty_program",
    "pos_loyalty.15_pc_on_next_order",
    "loyalty.3_cabinets_plus_1_free",
    "loyalty.10_percent_with_code",
    "loyalty.10_percent_coupon",
)

# Days before today of the POS sessions: one shop day about every six weeks.
POS_SESSION_DAYS = (340, 296, 252, 208, 164, 120, 76, 32, 9)


class StudioLoyaltyDemo(models.AbstractModel):
    """A year of sales history for the demo clients.

    Qualifying sales are posted invoices with registered payments and POS
    orders of closed sessions. XML records cannot produce those consistently
    (journal items, reconciliation, session closing entries), so the demo file
    calls :meth:`_create_demo_sales`, which goes through the same business
    methods as a user would. Dates are relative to today and the random
    choices seeded, so every demo database tells the same story.
    """

    _name = "studio.loyalty.demo"
    _description = "Studio Loyalty Demo Data"

    @api.model
    def _create_demo_sales(self):
        company = self.env.ref("base.main_company")
        if not company.chart_template:
            _logger.info("No chart of accounts on %s: no demo sales created.", company.name)
            return
        demo = self.with_company(company).with_context(tracking_disable=True, mail_notrack=True, mail_create_nolog=True)
        clients = demo._demo_clients()
        rng = random.Random(2024)
        program = demo._enable_demo_points(company)
        invoices = demo._create_demo_invoices(clients, rng)
        demo._create_demo_credit_note(invoices)
        demo._create_demo_pos_orders(clients, rng)
        demo._redeem_demo_reward()
        demo._archive_odoo_demo_programs()
        demo._archive_odoo_demo_reordering()
        # The year of history has waited out its pending period; new points wait 24 hours.
        self.env["studio.loyalty.points"]._mature(company)
        program.pending_hours = 24.0

    @api.model
    def _enable_demo_points(self, company):
        """Points on from a year ago, with seed 004's rules; no pending period while history is written."""
        program = self.env["studio.loyalty.points.program"]._for_company(company)
        program.write(
            {
                "enabled": True,
                "pending_hours": 0.0,
                "start_date": fields.Date.context_today(self) - timedelta(days=366),
            }
        )
        for rule in program.rule_ids:
            rule.write({"is_active": True, "points": DEMO_POINT_RULES[rule.action]})
        return program

    @api.model
    def _demo_products(self):
        """The studio's products, by label, made once."""
        Product = self.env["product.product"]
        products = {}
        for label, price in STUDIO_SERVICES + COUNTER_ITEMS:
            product = Product.search([("name", "=", label), ("default_code", "=like", "STUDIO-%")], limit=1)
            products[label] = product or Product.create(
                {
                    "name": label,
                    "default_code": f"STUDIO-{len(products) + 1:02d}",
                    "type": "consu" if label in RETAIL or label in dict(COUNTER_ITEMS) else "service",
                    "list_price": price,
                    **({"studio_points_class": "package"} if label in PACKAGES else {}),
                }
            )
        return products

    @api.model
    def _create_demo_referral_order(self):
        """The referred client Ava pays her first order, which earns her referral."""
        company = self.env.ref("base.main_company")
        if not company.chart_template:
            return
        demo = self.with_company(company)
        invoice = demo.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.env.ref("studio_loyalty.res_partner_referred_01_demo").id,
                "invoice_date": fields.Date.context_today(self),
                "invoice_line_ids": [Command.create({"name": "Newborn session", "price_unit": 295.0})],
            }
        )
        invoice.action_post()
        demo._pay_in_full(invoice, invoice.invoice_date)

    @api.model
    def _archive_odoo_demo_reordering(self):
        """A studio keeps no furniture in stock: Odoo's demo reordering rules go.

        On a fresh database Odoo's procurement scheduler, run at first start,
        updates those rules from two transactions and prints a "could not
        serialize access" traceback in the terminal.
        """
        if "stock.warehouse.orderpoint" in self.env:
            self.env["stock.warehouse.orderpoint"].search([("active", "=", True)]).write({"active": False})

    @api.model
    def _archive_odoo_demo_programs(self):
        """The demo till shows the studio's rewards, not Odoo's demo loyalty programs beside them."""
        for xmlid in ODOO_DEMO_PROGRAMS:
            program = self.env.ref(xmlid, raise_if_not_found=False)
            if program:
                program.active = False

    @api.model
    def _demo_clients(self):
        """The 30 clients of the demo file, in their order there."""
        return self.env["res.partner"].union(
            *(self.env.ref(f"studio_loyalty.res_partner_client_{number:02d}_demo") for number in range(1, 31))
        )

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    @api.model
    def _create_demo_invoices(self, clients, rng):
        """Posted invoices over the last year; most paid in full, recent ones often open.

        Returns the invoices, oldest first.
        """
        today = fields.Date.context_today(self)
        loyal = self.env.ref("studio_loyalty.studio_client_status_loyal_demo")
        admin = self.env.ref("base.user_admin")
        plans = []
        for client in clients:
            count = rng.randint(3, 6) if client.client_status_id == loyal else rng.randint(0, 1)
            for days_ago in rng.sample(range(3, 360), count):
                services = rng.sample(STUDIO_SERVICES, rng.randint(1, 3))
                plans.append((today - timedelta(days=days_ago), client, services))
        plans.sort(key=lambda plan: (plan[0], plan[1].id))
        products = self._demo_products()
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": client.id,
                    "invoice_date": invoice_date,
                    "invoice_user_id": admin.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": products[label].id,
                                "name": label,
                                "quantity": rng.choice((1, 1, 1, 2)),
                                "price_unit": price,
                            }
                        )
                        for label, price in services
                    ],
                }
                for invoice_date, client, services in plans
            ]
        )
        invoices.action_post()
        for invoice in invoices:
            age = (today - invoice.invoice_date).days
            # Clients pay within two weeks; a few of the last month's invoices are still due.
            if rng.random() < (0.45 if age < 30 else 0.08):
                continue
            self._pay_in_full(invoice, min(invoice.invoice_date + timedelta(days=rng.randint(0, 14)), today))
        return invoices

    @api.model
    def _pay_in_full(self, moves, payment_date):
        """Register the payment of ``moves`` the way the Pay button does."""
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({"payment_date": payment_date})
            ._create_payments()
        )

    @api.model
    def _create_demo_credit_note(self, invoices):
        """A partial refund of a paid invoice, paid back to the client."""
        paid = invoices.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
        invoice = paid[len(paid) // 2 :][:1]
        if not invoice:
            return self.env["account.move"]
        line = invoice.invoice_line_ids[:1]
        refund_date = min(invoice.invoice_date + timedelta(days=20), fields.Date.context_today(self))
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "invoice_date": refund_date,
                "invoice_user_id": invoice.invoice_user_id.id,
                "reversed_entry_id": invoice.id,
                "ref": self.env._("Refund on %s: print damaged in delivery", invoice.name),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": line.name,
                            "quantity": 1,
                            "price_unit": line.price_unit,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        self._pay_in_full(refund, refund_date)
        return refund

    # ------------------------------------------------------------------
    # Point of Sale
    # ------------------------------------------------------------------

    @api.model
    def _create_demo_pos_orders(self, clients, rng):
        """Closed sessions of the studio's front desk till with paid orders of some clients."""
        config = self.env.ref("point_of_sale.pos_config_main", raise_if_not_found=False)
        if not config or config.current_session_id:
            _logger.info("No idle demo POS shop: no demo POS orders created.")
            return self.env["pos.order"]
        products = self._demo_front_desk(config)
        shoppers = list(clients[::2])  # every other client also buys at the counter
        today = fields.Date.context_today(self)
        orders = self.env["pos.order"]
        for days_ago in POS_SESSION_DAYS:
            day = today - timedelta(days=days_ago)
            session = self._open_demo_session(config, day)
            cash = session.payment_method_ids.filtered("is_cash_count")[:1]
            card = session.payment_method_ids.filtered(lambda m: m.type == "bank")[:1] or cash
            for buyer in rng.sample(shoppers, rng.randint(3, 5)):
                moment = datetime.combine(day, time(rng.randint(10, 16), rng.randint(0, 59)))
                lines = [(product, rng.randint(1, 3)) for product in rng.sample(list(products), rng.randint(1, 3))]
                method = cash if rng.random() < 0.4 else card
                orders |= self._create_paid_pos_order(session, buyer, moment, lines, method)
            self._close_demo_session(session, datetime.combine(day, time(18, 0)))
        return orders

    @api.model
    def _demo_front_desk(self, config):
        """Point of Sale's demo shop becomes the studio's front desk, selling prints and frames, not furniture."""
        category = self.env["pos.category"].create({"name": self.env._("Studio")})
        by_label = self._demo_products()
        products = self.env["product.product"].union(*(by_label[label] for label in COUNTER_PRODUCTS))
        products.write({"available_in_pos": True, "pos_categ_ids": [Command.link(category.id)]})
        config.write(
            {
                "name": self.env._("Studio Front Desk"),
                "limit_categories": True,
                "iface_available_categ_ids": [Command.set(category.ids)],
            }
        )
        return products

    @api.model
    def _open_demo_session(self, config, day):
        session = self.env["pos.session"].create(
            {"config_id": config.id, "user_id": self.env.ref("base.user_admin").id}
        )
        session.set_opening_control(session.cash_register_balance_start, "")
        session.start_at = datetime.combine(day, time(9, 0))
        return session

    @api.model
    def _create_paid_pos_order(self, session, partner, moment, lines, method):
        """One paid ticket of ``lines`` ((product, quantity) pairs), as the register records it."""
        company = session.company_id
        currency = session.currency_id
        pricelist = session.config_id.pricelist_id
        line_vals = []
        for product, quantity in lines:
            price = pricelist._get_product_price(product, quantity) if pricelist else product.lst_price
            taxes = product.taxes_id.filtered_domain(self.env["account.tax"]._check_company_domain(company))
            amounts = taxes.compute_all(price, currency, quantity, product=product, partner=partner)
            line_vals.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "full_product_name": product.display_name,
                        "qty": quantity,
                        "price_unit": price,
                        "tax_ids": [Command.set(taxes.ids)],
                        "price_subtotal": amounts["total_excluded"],
                        "price_subtotal_incl": amounts["total_included"],
                    }
                )
            )
        order = self.env["pos.order"].create(
            {
                "session_id": session.id,
                "partner_id": partner.id,
                "user_id": session.user_id.id,
                "date_order": moment,
                "lines": line_vals,
                "amount_tax": 0.0,
                "amount_total": 0.0,
                "amount_paid": 0.0,
                "amount_return": 0.0,
            }
        )
        order._compute_prices()  # the totals the server trusts, from the lines
        order.add_payment(
            {
                "pos_order_id": order.id,
                "amount": order.amount_total,
                "payment_method_id": method.id,
                "payment_date": moment,
            }
        )
        order.action_pos_order_paid()
        return order

    @api.model
    def _close_demo_session(self, session, stop_at):
        """Count the cash as expected and close: orders become done, the session is posted."""
        session.stop_at = stop_at
        if session.cash_journal_id:
            session.post_closing_cash_details(session.cash_register_balance_end)
        result = session.action_pos_session_closing_control()
        if session.state != "closed":
            raise UserError(
                self.env._(
                    "The demo POS session %(name)s could not be closed: %(result)s", name=session.name, result=result
                )
            )

    # ------------------------------------------------------------------
    # Redemption
    # ------------------------------------------------------------------

    @api.model
    def _redeem_demo_reward(self):
        """Spend one demo reward on a new invoice, so a redeemed reward leads to its document."""
        reward = self.env.ref("studio_loyalty.studio_loyalty_reward_redeemed_demo", raise_if_not_found=False)
        if not reward or reward.state != "available":
            return
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": reward.partner_id.id,
                "invoice_date": fields.Date.context_today(self) - timedelta(days=2),
                "invoice_user_id": self.env.ref("base.user_admin").id,
                "invoice_line_ids": [
                    Command.create({"name": "Framed print 11x14", "quantity": 2, "price_unit": 120.0})
                ],
            }
        )
        invoice.action_post()
        invoice._studio_redeem_rewards(reward)
