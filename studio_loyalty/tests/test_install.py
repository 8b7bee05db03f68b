import subprocess
import unittest

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

    def _print(self, rewards):
        """The letters of ``rewards`` as wkhtmltopdf prints them: (PDF bytes, text per page)."""
        # Under tests Odoo renders HTML instead of calling wkhtmltopdf unless
        # forced, and skips a test whose report the installed wkhtmltopdf
        # cannot print: here that is a failure of the template.
        try:
            pdf, report_type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("studio_loyalty.studio_loyalty_reward_report_letter", rewards.ids)
            )
        except unittest.SkipTest as skipped:
            self.fail(f"The letters do not print with this wkhtmltopdf: {skipped}")
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        return pdf, text.decode().split("\f")[:-1]

    def test_reward_letter_renders_pdf(self):
        """The reward letter prints as a real PDF naming the reward and the client."""
        client = self.env["res.partner"].create({"name": "Ada Portrait"})
        reward = self.env["studio.loyalty.reward"].create({"partner_id": client.id, "amount": 25.0})
        _pdf, pages = self._print(reward)
        self.assertEqual(len(pages), 1)
        self.assertIn(reward.name, pages[0])
        self.assertIn(client.name, pages[0])

    def test_letters_of_several_rewards_print_together(self):
        """The letters of several rewards print as one PDF, a page per letter, each to its client."""
        clients = self.env["res.partner"].create([{"name": name} for name in ("Ada Portrait", "Ben Wedding")])
        rewards = self.env["studio.loyalty.reward"].create(
            [{"partner_id": client.id, "amount": 10.0 + i} for i, client in enumerate(list(clients) * 2)]
        )
        _pdf, pages = self._print(rewards)
        self.assertEqual(len(pages), 4)
        for reward, page in zip(rewards, pages, strict=True):
            self.assertIn(reward.name, page)
            self.assertIn(reward.partner_id.name, page)
