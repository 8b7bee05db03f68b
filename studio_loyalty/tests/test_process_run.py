from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import float_compare, mute_logger

from .common import StudioLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestProcessRun(StudioLoyaltyPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.loyalty_start_date = cls._days(-30)

    def assertAmount(self, value, expected):
        self.assertEqual(
            float_compare(value, expected, precision_rounding=self.currency.rounding),
            0,
            f"{value} != {expected}",
        )

    def _paid_invoice(self, client, untaxed, **kwargs):
        invoice = self._invoice(client, untaxed)
        if kwargs.get("invoice_date"):
            invoice.button_draft()
            invoice.invoice_date = kwargs["invoice_date"]
            invoice.action_post()
        self._register_payment(invoice)
        return invoice

    def _run(self, threshold=100.0, amount=10.0, **values):
        return self.env["studio.loyalty.run"].create({"threshold": threshold, "reward_amount": amount, **values})

    def _load(self, **values):
        run = self._run(**values)
        run.action_load()
        return run, {line.partner_id: line for line in run.line_ids}

    def _process(self, **values):
        run, lines = self._load(**values)
        run.action_process()
        return run, lines

    def test_only_paid_invoices_since_start_qualify(self):
        """Only invoices paid in full and dated since the program start count, untaxed."""
        self._paid_invoice(self.client, 300.0)
        self._invoice(self.client, 200.0)  # unpaid
        partial = self._invoice(self.client, 150.0)
        self._register_payment(partial, amount=50.0)
        self._paid_invoice(self.client, 400.0, invoice_date=self._days(-31))  # before start
        run, lines = self._load()
        line = lines[self.client]
        self.assertAmount(line.qualifying_sales, 300.0)
        self.assertEqual(line.reward_count, 3)
        self.assertAmount(line.amount, 30.0)

    def test_only_loyalty_enabled_active_clients(self):
        """Clients without a loyalty-enabled status, or archived, are left out."""
        archived = self.env["res.partner"].create({"name": "Old Client", "client_status_id": self.status_loyal.id})
        for client in (self.client, self.other_client, archived):
            self._paid_invoice(client, 100.0)
        archived.active = False
        run, lines = self._load()
        self.assertEqual(set(lines), {self.client})

    def test_credit_notes_and_pos_refunds_are_netted(self):
        """Paid credit notes and POS refunds lower the qualifying sales."""
        invoice = self._paid_invoice(self.client, 500.0)
        refund = self._reverse_invoice(invoice, is_modify=False)
        refund.invoice_line_ids.price_unit = 120.0
        refund.action_post()
        self._register_payment(refund)
        self._pos_sale(self.client, 2.0)
        self._pos_sale(self.client, -0.5)
        run, lines = self._load()
        # 500 - 120 + 200 - 50
        self.assertAmount(lines[self.client].qualifying_sales, 530.0)
        self.assertEqual(lines[self.client].reward_count, 5)

    def test_refunds_of_sales_before_start_ignored(self):
        """Refunding a sale made before the program start takes nothing from later sales."""
        old_invoice = self._paid_invoice(self.client, 300.0, invoice_date=self._days(-40))
        credit_note = self._reverse_invoice(old_invoice, is_modify=False)
        credit_note.invoice_line_ids.price_unit = 80.0
        credit_note.action_post()
        self._register_payment(credit_note)
        old_order = self._pos_sale(self.client, 2.0)
        old_order.date_order = fields.Datetime.subtract(fields.Datetime.now(), days=40)
        refund = self._pos_sale(self.client, -1.0, refund_of=old_order)
        self.assertEqual(refund.refunded_order_id, old_order)
        recent_order = self._pos_sale(self.client, 3.0)
        self._pos_sale(self.client, -1.0, refund_of=recent_order)
        run, lines = self._load()
        # Only the recent order and its refund: 300 - 100.
        self.assertAmount(lines[self.client].qualifying_sales, 200.0)

    def test_pos_orders_dated_in_the_company_time_zone(self):
        """A POS order counts from the start date as the company's clock shows it, whoever runs the tool."""
        studio = ZoneInfo("America/New_York")
        self.env.company.partner_id.tz = studio.key
        self.env.user.tz = "Asia/Tokyo"  # both orders are on the start date there

        def at(day, hour, minute):
            """The UTC time Odoo stores for ``hour:minute`` on ``day`` in the studio."""
            return datetime.combine(day, time(hour, minute), tzinfo=studio).astimezone(UTC).replace(tzinfo=None)

        start = self.env.company.loyalty_start_date
        evening_before = self._pos_sale(self.client, 1.0)
        evening_before.date_order = at(start - timedelta(days=1), 23, 30)
        after_midnight = self._pos_sale(self.client, 2.0)
        after_midnight.date_order = at(start, 0, 30)
        run, lines = self._load()
        self.assertEqual(run.user_id.tz, "Asia/Tokyo")
        self.assertAmount(lines[self.client].qualifying_sales, 200.0)

    def test_credit_note_of_unpaid_invoice_ignored(self):
        """A credit note against an invoice that is not paid in full takes nothing away."""
        self._paid_invoice(self.client, 300.0)
        unpaid = self._invoice(self.client, 200.0)
        refund = self._reverse_invoice(unpaid, is_modify=False)
        refund.invoice_line_ids.price_unit = 50.0
        refund.action_post()
        (unpaid | refund).line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable").reconcile()
        self.assertEqual(refund.reversed_entry_id, unpaid)
        self.assertEqual(refund.payment_state, "paid")
        self.assertEqual(unpaid.payment_state, "partial")
        run, lines = self._load()
        self.assertAmount(lines[self.client].qualifying_sales, 300.0)

    def test_invoiced_pos_order_counts_once(self):
        """A POS order that was invoiced is one sale, not two."""
        order = self._pos_sale(self.client, 1.0, invoiced=True)
        self.assertTrue(order.account_move)
        run, lines = self._load(threshold=50.0)
        self.assertAmount(lines[self.client].qualifying_sales, 100.0)
        self.assertEqual(lines[self.client].reward_count, 2)

    def test_multiples_and_carry_over(self):
        """Each full threshold adds the reward amount to the client's one reward; the remainder carries over."""
        self._paid_invoice(self.client, 250.0)
        run, lines = self._process(expiration_type="days", expiration_days=90)
        rewards = run.reward_ids
        self.assertEqual(len(rewards), 1, "one reward per client per run")
        self.assertEqual(lines[self.client].reward_count, 2, "the line says how many thresholds were reached")
        self.assertEqual(rewards.run_line_id, lines[self.client])
        self.assertEqual(set(rewards.mapped("origin")), {"run"})
        self.assertEqual(set(rewards.mapped("expiration_date")), {self._days(90)})
        self.assertAmount(sum(rewards.mapped("amount")), 20.0)
        self.assertAmount(lines[self.client].consumed_amount, 200.0)
        self._paid_invoice(self.client, 60.0)
        second, lines = self._process()
        self.assertAmount(lines[self.client].unrewarded_sales, 110.0)
        self.assertEqual(len(second.reward_ids), 1)

    def test_new_run_starts_with_the_last_levels(self):
        """A new run offers the threshold and reward amount of the company's last run."""
        self._run(threshold=250.0, amount=15.0)
        form = Form(self.env["studio.loyalty.run"])
        self.assertAmount(form.threshold, 250.0)
        self.assertAmount(form.reward_amount, 15.0)

    def test_rerun_creates_nothing(self):
        """Running the tool again at once finds nobody to reward."""
        self._paid_invoice(self.client, 250.0)
        self._process()
        again, lines = self._load()
        self.assertFalse(lines)
        with self.assertRaisesRegex(UserError, "Select at least one client"):
            again.action_process()
        self.assertEqual(self.env["studio.loyalty.reward"].search_count([("partner_id", "=", self.client.id)]), 1)

    def test_stale_preview_does_not_pay_twice(self):
        """Two runs loaded before either is processed reward the same sales once."""
        self._paid_invoice(self.client, 250.0)
        first, _ = self._load()
        second, _ = self._load()
        first.action_process()
        second.action_process()
        self.assertEqual(len(first.reward_ids), 1)
        self.assertAmount(first.reward_total, 20.0)
        self.assertFalse(second.reward_ids)

    def test_threshold_change_keeps_consumption(self):
        """Sales consumed under one threshold stay consumed under another."""
        self._paid_invoice(self.client, 250.0)
        self._process(threshold=100.0)
        run, lines = self._process(threshold=40.0)
        self.assertAmount(lines[self.client].unrewarded_sales, 50.0)
        self.assertEqual(len(run.reward_ids), 1)
        self.assertAmount(lines[self.client].consumed_amount, 40.0)

    def test_cancel_restores_sales(self):
        """Cancelling a run cancels its rewards and gives the sales back; not once one is redeemed."""
        self._paid_invoice(self.client, 250.0)
        run, _ = self._process()
        self.assertFalse(run.rewards_spent)
        run.action_cancel()
        self.assertEqual(set(run.reward_ids.mapped("state")), {"cancelled"})
        # Their value went back to the sales: Make Available is not offered.
        self.assertEqual(run.reward_ids.mapped("can_reopen"), [False])
        again, lines = self._process()
        self.assertAmount(lines[self.client].unrewarded_sales, 250.0)
        self.assertEqual(len(again.reward_ids), 1)
        self._redeem(self._invoice(self.client, 100.0), again.reward_ids[0])
        self.assertTrue(again.rewards_spent)  # the Cancel Run button is hidden
        with self.assertRaisesRegex(UserError, "some of its rewards were redeemed or expired"):
            again.action_cancel()

    def test_cancel_loaded_run_keeps_sales(self):
        """Cancelling a loaded run touches no reward: the sales count in the next run, as its button says."""
        self._paid_invoice(self.client, 250.0)
        run, _ = self._load()
        run.action_cancel()
        self.assertEqual(run.state, "cancelled")
        self.assertFalse(run.reward_ids)
        _again, lines = self._load()
        self.assertAmount(lines[self.client].unrewarded_sales, 250.0)

    def test_merged_clients_keep_their_consumption(self):
        """Merging two rewarded clients keeps the sales both already consumed."""
        twin = self.env["res.partner"].create({"name": "Ada P.", "client_status_id": self.status_loyal.id})
        self._paid_invoice(self.client, 100.0)
        self._paid_invoice(twin, 100.0)
        run, _ = self._process()
        merge = self.env["base.partner.merge.automatic.wizard"]
        merge._merge((self.client | twin).ids, self.client, extra_checks=False)
        self.assertEqual(run.reward_ids.partner_id, self.client)
        self.assertEqual(len(run.line_ids.filtered(lambda line: line.partner_id == self.client)), 2)
        again, lines = self._load()
        self.assertFalse(lines)

    def test_clients_merged_after_loading_earn_once(self):
        """Two loaded clients merged before processing earn once, on their combined sales."""
        twin = self.env["res.partner"].create({"name": "Ada P.", "client_status_id": self.status_loyal.id})
        self._paid_invoice(self.client, 150.0)
        self._paid_invoice(twin, 150.0)
        run, _ = self._load()
        self.assertEqual(run.planned_reward_count, 2)
        merge = self.env["base.partner.merge.automatic.wizard"]
        merge._merge((self.client | twin).ids, self.client, extra_checks=False)
        run.action_process()
        self.assertEqual(len(run.reward_ids), 1)
        self.assertAmount(run.reward_ids.amount, 30.0)  # 300.00 of sales, 10.00 per 100.00
        self.assertAmount(sum(run.line_ids.mapped("consumed_amount")), 300.0)
        again, lines = self._load()
        self.assertFalse(lines)

    def test_deselected_clients_get_nothing(self):
        """A client deselected in the list gets no reward and keeps their sales."""
        self.other_client.client_status_id = self.status_loyal
        self._paid_invoice(self.client, 100.0)
        self._paid_invoice(self.other_client, 100.0)
        run, lines = self._load()
        lines[self.other_client].selected = False
        run.action_process()
        self.assertEqual(run.reward_ids.partner_id, self.client)
        again, lines = self._load()
        self.assertEqual(set(lines), {self.other_client})

    def test_totals_follow_selection_in_the_form(self):
        """Unticking a client in the run's form updates its totals at once, before anything is saved."""
        self.other_client.client_status_id = self.status_loyal
        self._paid_invoice(self.client, 300.0)
        self._paid_invoice(self.other_client, 100.0)
        run, lines = self._load()
        index = list(run.line_ids).index(lines[self.other_client])
        form = Form(run)
        self.assertEqual((form.client_count, form.planned_reward_count), (2, 4))
        self.assertAmount(form.planned_amount, 40.0)
        with form.line_ids.edit(index) as line:
            line.selected = False
        self.assertEqual((form.client_count, form.planned_reward_count), (1, 3))
        self.assertAmount(form.planned_amount, 30.0)
        self.assertTrue(lines[self.other_client].selected, "nothing is saved before the form is")
        form.save()
        self.assertFalse(lines[self.other_client].selected)
        self.assertEqual((run.client_count, run.planned_reward_count), (1, 3))

    def test_background_batches_resume_without_duplicates(self):
        """A large run goes to the background and, after a crash mid-way, resumes without duplicates."""
        clients = self.env["res.partner"].create(
            [{"name": f"Batch Client {i}", "client_status_id": self.status_loyal.id} for i in range(5)]
        )
        for client in clients:
            self._paid_invoice(client, 200.0)
        self.env["ir.config_parameter"].sudo().set_param("studio_loyalty.background_threshold", 2)
        run, _ = self._load()
        run.action_process()
        self.assertEqual(run.state, "queued")
        self.assertFalse(run.reward_ids)
        # A worker processes two lines, then dies before finishing the run.
        run._process_lines(run.line_ids.sorted("id")[:2])
        self.assertAmount(run.progress, 40.0)
        self.env["studio.loyalty.run"]._cron_process(batch_size=2)
        self.env["studio.loyalty.run"]._cron_process(batch_size=2)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.reward_ids), 5)
        self.assertEqual(run.reward_ids.partner_id, clients)
        self.assertEqual(set(run.reward_ids.mapped("amount")), {20.0})

    def test_emails_are_queued(self):
        """The run emails each client once, listing all their rewards, through the mail queue; no address, listed."""
        self.client.email = "ada@example.com"
        cleo = self.env["res.partner"].create({"name": "Cleo Family", "client_status_id": self.status_loyal.id})
        self._paid_invoice(self.client, 200.0)
        self._paid_invoice(cleo, 100.0)
        run, _ = self._process(send_email=True)
        ada_rewards = run.reward_ids.filtered(lambda r: r.partner_id == self.client)
        self.assertEqual(len(ada_rewards), 1)
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", (self.client | cleo).ids)]
        )
        self.assertEqual(len(mails), 1, "one email per client per run, however many rewards")
        self.assertEqual(mails.recipient_ids, self.client)
        self.assertEqual(mails.state, "outgoing", "queued, not sent in the request")
        for reward in ada_rewards:
            self.assertIn(reward.name, mails.body_html)
        self.assertEqual(run.email_count, 1)
        self.assertEqual(run.no_email_count, 1)
        line = run.mailing_ids.line_ids.filtered(lambda line: line.partner_id == cleo)
        self.assertEqual((line.state, line.email_state), ("sent", "no_address"))
        self.assertFalse(run.letter_count)

    def test_letters_printed(self):
        """Printing letters gives one PDF with one letter per client, which processing opens."""
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        self._paid_invoice(self.client, 200.0)
        run, _ = self._load(print_letters=True)
        action = run.action_process()
        self.assertEqual(len(run.reward_ids), 1)
        mailing = run.mailing_ids
        self.assertEqual(len(mailing), 1)
        self.assertEqual(mailing.state, "done")
        attachment = mailing.letter_attachment_id
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        self.assertEqual(run.letter_count, 1, "one letter for the client's two rewards")
        self.assertEqual(mailing.line_ids.reward_ids, run.reward_ids)
        self.assertEqual(mailing.line_ids.letter_state, "printed")
        self.assertFalse(run.email_count)
        self.assertEqual(run.action_print_letters(), action, "printed again from the run")

    def test_bad_input_refused(self):
        """Zero threshold or amount cannot be saved, a past expiry cannot be loaded; nothing is created."""
        self._paid_invoice(self.client, 300.0)
        for values in ({"threshold": 0.0}, {"amount": -5.0}):
            with self.subTest(values=values), self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
                with self.cr.savepoint():
                    self._run(**values)
        with self.assertRaisesRegex(ValidationError, "at least one day"):
            self._run(expiration_type="days", expiration_days=0)
        run = self._run(expiration_type="date", expiration_date=self._days(-1))
        with self.assertRaisesRegex(UserError, "expiration date must be in the future"):
            run.action_load()
        self.assertFalse(run.line_ids)
        self.assertFalse(self.env["studio.loyalty.run"].search([("threshold", "<=", 0)]))
        self.assertFalse(self.env["studio.loyalty.reward"].search([("origin", "=", "run")]))
