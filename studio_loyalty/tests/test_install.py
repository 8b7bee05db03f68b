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

    def _letters(self, rewards):
        """The draft send of the reward letters about ``rewards``: one line per client, in name order."""
        action = self.env["studio.loyalty.mailing"]._draft_for(rewards)
        return self.env["studio.loyalty.mailing"].browse(action["res_id"]).line_ids.sorted("sequence")

    def _print(self, lines):
        """The letters of ``lines`` as wkhtmltopdf prints them: (PDF bytes, text per page)."""
        # Under tests Odoo renders HTML instead of calling wkhtmltopdf unless
        # forced, and skips a test whose report the installed wkhtmltopdf
        # cannot print: here that is a failure of the template.
        try:
            pdf, report_type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("studio_loyalty.studio_loyalty_mailing_report_letter", lines.ids)
            )
        except unittest.SkipTest as skipped:
            self.fail(f"The letters do not print with this wkhtmltopdf: {skipped}")
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        return pdf, text.decode().split("\f")[:-1]

    def test_reward_letter_renders_pdf(self):
        """The reward letter prints as a real PDF (a text layer) naming the client, the reward and its amount."""
        client = self.env["res.partner"].create({"name": "Ada Portrait", "city": "Lyon", "street": "1 Rue Haute"})
        reward = self.env["studio.loyalty.reward"].create({"partner_id": client.id, "amount": 25.0})
        lines = self._letters(reward)
        _pdf, pages = self._print(lines)
        self.assertEqual(len(pages), 1)
        page = " ".join(pages[0].split())  # the text layer, whatever its line breaks
        self.assertIn(f"Dear {client.name}", page, "the template's text, merged")
        self.assertIn("1 Rue Haute", page, "the address, for a window envelope")
        self.assertIn(reward.name, page, "the rewards table")
        self.assertIn(reward.currency_id.format(25.0).replace("\xa0", " "), page.replace("\xa0", " "))
        self.assertIn(self.env.company.name, page)

    def test_letters_of_several_rewards_print_together(self):
        """One letter per client, listing all of their rewards, printed together: a page per client."""
        clients = self.env["res.partner"].create([{"name": name} for name in ("Ben Wedding", "Ada Portrait")])
        rewards = self.env["studio.loyalty.reward"].create(
            [{"partner_id": client.id, "amount": 10.0 + i} for i, client in enumerate(list(clients) * 2)]
        )
        lines = self._letters(rewards)
        self.assertEqual(lines.partner_id.mapped("name"), ["Ada Portrait", "Ben Wedding"], "in name order")
        _pdf, pages = self._print(lines)
        self.assertEqual(len(pages), 2)
        for line, page in zip(lines, pages, strict=True):
            self.assertIn(line.partner_id.name, page)
            for reward in rewards:
                if reward.partner_id == line.partner_id:
                    self.assertIn(reward.name, page)
                else:
                    self.assertNotIn(reward.name, page, "each letter lists its own client's rewards only")
