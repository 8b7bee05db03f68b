import subprocess

from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_module_menus_and_groups(self):
        """The addon is installed with its Loyalty menu, Configuration submenu and groups."""
        module = self.env["ir.module.module"].search([("name", "=", "studio_loyalty")])
        self.assertEqual(module.state, "installed")
        root = self.env.ref("studio_loyalty.studio_loyalty_menu_root")
        self.assertIn("Configuration", root.child_id.mapped("name"))
        user = self.env.ref("studio_loyalty.studio_loyalty_group_user")
        manager = self.env.ref("studio_loyalty.studio_loyalty_group_manager")
        self.assertIn(user, manager.implied_ids)
        self.assertIn(user, manager.all_implied_ids)


@tagged("post_install", "-at_install")
class TestRewardLetterPdf(HttpCase):
    # An HttpCase, so wkhtmltopdf fetches the report's styles from the test server.

    def test_reward_letter_renders_pdf(self):
        """The reward letter prints as a real PDF naming the reward and the client."""
        client = self.env["res.partner"].create({"name": "Ada Portrait"})
        reward = self.env["studio.loyalty.reward"].create({"partner_id": client.id, "amount": 25.0})
        # Under tests Odoo renders HTML instead of calling wkhtmltopdf unless forced.
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("studio_loyalty.studio_loyalty_reward_report_letter", reward.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        self.assertIn(reward.name, text)
        self.assertIn(client.name, text)
