from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .test_ledger import LedgerCase


@tagged("post_install", "-at_install")
class TestReports(LedgerCase):
    """The Activity and Outstanding reports read the ledger: their numbers are the records' numbers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(date(2026, 3, 10)):
            cls.kept = cls._reward(cls.client, 50.0)
            cls.cancelled = cls._reward(cls.other_client, 20.0)
            cls.invoice = cls._invoice(cls.client, 100.0)
            cls.env["studio.loyalty.redeem"].create(
                {"move_id": cls.invoice.id, "reward_ids": cls.kept.ids}
            ).action_redeem()
        with freeze_time(date(2026, 4, 15)):
            cls.invoice.button_draft()  # the redemption of March is given back in April
            cls.cancelled.action_cancel()

    def _report(self, **values):
        return self.env["studio.loyalty.report"].create(values)

    def test_activity_counts_each_month(self):
        """A reward redeemed in March and given back in April appears in both months, by client and origin."""
        march = self._report(report_type="activity", date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))._activity()
        self.assertEqual(march["totals"]["issued"], [2, 70.0])
        self.assertEqual(march["totals"]["redeemed"], [1, 50.0])
        self.assertEqual(march["totals"]["given_back"], [0, 0.0])
        self.assertAmount(march["totals"]["net"], 20.0)
        by_client = {row["key"]: row for row in march["clients"]}
        self.assertEqual(by_client[self.client]["redeemed"], [1, 50.0])
        self.assertEqual(by_client[self.other_client]["issued"], [1, 20.0])
        self.assertEqual([row["key"] for row in march["origins"]], ["manual"])
        april = self._report(report_type="activity", date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))._activity()
        self.assertEqual(april["totals"]["given_back"], [1, 50.0])
        self.assertEqual(april["totals"]["cancelled"], [1, 20.0])
        self.assertEqual(april["totals"]["issued"], [0, 0.0])
        self.assertAmount(april["totals"]["net"], 30.0)

    def test_outstanding_as_of_any_date(self):
        """Outstanding at the end of March and of April, each beside the liability account at that date."""
        march = self._outstanding(date(2026, 3, 31))
        self.assertAmount(march["total"], 20.0)
        self.assertEqual([row["client"] for row in march["clients"]], [self.other_client])
        april = self._outstanding(date(2026, 4, 30))
        self.assertAmount(april["total"], 50.0)
        self.assertEqual(april["clients"][0]["rewards"][0]["reward"], self.kept)
        self.assertBooksTie(date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 31), date(2026, 4, 30))

    def test_outstanding_expiring_soon(self):
        """What expires within 30 days of the date is totalled apart."""
        self._reward(self.client, 12.5, expiration_date=self._days(20))
        self._reward(self.client, 7.5, expiration_date=self._days(45))
        figures = self._outstanding(self.today)
        self.assertAmount(figures["expiring"], 12.5)
        self.assertAmount(figures["total"], 70.0)

    def test_bad_input_is_refused(self):
        """A period that ends before it starts, or a date in the future, gets a clear message."""
        with self.assertRaisesRegex((UserError, ValidationError), "ends before it starts"):
            self._report(report_type="activity", date_from=date(2026, 4, 1), date_to=date(2026, 3, 1))
        with self.assertRaisesRegex((UserError, ValidationError), "in the future"):
            self._report(report_type="outstanding", as_of=self._days(1))

    def test_pdf_and_analysis(self):
        """Both reports print as PDF with the records' figures, and open the ledger filtered the same way."""
        Report = self.env["ir.actions.report"]
        activity = self._report(report_type="activity", date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
        html = Report._render_qweb_html("studio_loyalty.studio_loyalty_report_action_pdf", activity.ids)[0].decode()
        self.assertIn(self.client.name, html)
        self.assertIn("70.00", html)
        outstanding = self._report(report_type="outstanding", as_of=date(2026, 4, 30))
        html = Report._render_qweb_html("studio_loyalty.studio_loyalty_report_action_pdf", outstanding.ids)[0].decode()
        self.assertIn(self.kept.name, html)
        self.assertIn("Difference", html)
        pdf, _type = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "studio_loyalty.studio_loyalty_report_action_pdf", (activity | outstanding).ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        action = outstanding.action_analyse()
        lines = self.env["studio.loyalty.move"].search(action["domain"])
        self.assertAmount(sum(lines.mapped("amount")), 50.0)
