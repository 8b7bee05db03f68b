import io
from contextlib import contextmanager
from unittest.mock import patch

from lxml import html as lxml_html

from odoo.fields import Command
from odoo.tools.misc import format_amount, format_date
from odoo.tools.pdf import PdfFileReader

from .common import StudioLoyaltyCommon


def flat(text):
    """``text`` with its runs of spaces (no-break ones too) made single spaces, to compare rendered text."""
    return " ".join((text or "").split())


class LettersCommon(StudioLoyaltyCommon):
    """Two loyalty clients who read their letters in different languages, and helpers to read what they get.

    Ada Portrait reads English and has an email, an address and a phone
    number; Fleur Dubois reads French and has an email and an address.
    ``self._send(kind, messages)`` makes and sends a send as the flows do.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.company = cls.env.company
        cls.company.write({"name": "Lumière Studio", "email": "studio@example.com"})
        cls.client.write(
            {
                "email": "ada@example.com",
                "lang": "en_US",
                "street": "12 Oak Avenue",
                "city": "Springfield",
                "phone": "+32 470 12 34 56",
            }
        )
        cls.fleur = cls.env["res.partner"].create(
            {
                "name": "Fleur Dubois",
                "email": "fleur@example.com",
                "lang": "fr_FR",
                "street": "3 rue des Lilas",
                "city": "Lyon",
                "client_status_id": cls.status_loyal.id,
            }
        )
        cls.Mailing = cls.env["studio.loyalty.mailing"]
        cls.letter_report = "studio_loyalty.studio_loyalty_mailing_report_letter"

    @classmethod
    def _template(cls, kind):
        return cls.env.ref(f"studio_loyalty.studio_loyalty_mail_template_{kind}")

    @classmethod
    def _sms_template(cls, kind):
        return cls.env.ref(f"studio_loyalty.studio_loyalty_sms_template_{kind}")

    def _send(self, kind, messages, **values):
        """A send of ``kind`` (email and letters unless told) to each client of ``messages``, sent."""
        mailing = self.Mailing._prepare(
            kind, self.company, messages, **{"send_email": True, "print_letters": True, **values}
        )
        mailing._send()
        return mailing

    def _about(self, rewards, **values):
        """The line values of a send about ``rewards``, with ``values`` on each client's line."""
        messages = self.Mailing._about_rewards(rewards)
        for line_values in messages.values():
            line_values.update(values)
        return messages

    def _line(self, mailing, partner):
        line = mailing.line_ids.filtered(lambda line: line.partner_id == partner)
        self.assertEqual(len(line), 1, f"one letter for {partner.name}")
        return line

    def _pdf_pages(self, pdf):
        """The text of each page of ``pdf``."""
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return [flat(page.extract_text()) for page in reader.pages]

    def _letter_pages(self, mailing):
        self.assertTrue(mailing.letter_attachment_id, "the send's letters are in one PDF")
        self.assertEqual(mailing.letter_attachment_id.mimetype, "application/pdf")
        return self._pdf_pages(mailing.letter_attachment_id.raw)

    def _html_text(self, lines):
        """The letters of ``lines`` as the report's HTML shows them, as text."""
        content, _kind = self.env["ir.actions.report"]._render_qweb_html(self.letter_report, lines.ids)
        return flat(lxml_html.fromstring(content).text_content())

    def _mails(self, partner):
        return self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)])

    def _mail_text(self, partner):
        mail = self._mails(partner)
        self.assertEqual(len(mail), 1, f"one email for {partner.name}")
        return mail, flat(lxml_html.fromstring(mail.body_html).text_content())

    def _sms(self, partner):
        return self.env["sms.sms"].search([("partner_id", "in", partner.ids)])

    def _money(self, amount, partner):
        return flat(format_amount(self.env, amount, self.currency, partner.lang))

    def _date(self, value, partner, date_format=False):
        return format_date(self.env, value, partner.lang, date_format)

    def assertAllIn(self, expected, text, where=""):
        for part in expected:
            self.assertIn(flat(part), text, f"{part!r} missing from {where}: {text[:2000]}")

    @contextmanager
    def assertRefused(self, exception, pattern):
        """Odoo's assertRaises (its savepoint undoes the attempt), and the message the user reads."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertRegex(str(catcher.exception), pattern)

    @contextmanager
    def _cron_stopping_after(self, steps):
        """The send model as the scheduler runs it, its time running out at the ``steps``-th commit.

        Nothing is committed: what a stopped job leaves is what the test sees.
        """
        calls = []

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            calls.append(processed)
            return 0.0 if len(calls) >= steps else 60.0

        cron = self.env.ref("studio_loyalty.studio_loyalty_mailing_cron_send")
        with patch.object(self.registry["ir.cron"], "_commit_progress", commit_progress):
            yield self.Mailing.with_context(cron_id=cron.id)
        self.assertEqual(len(calls), steps, "the job stopped where the test meant it to")

    @classmethod
    def _referral_program(cls, **values):
        """A referral program giving a 10.00 reward and a coupon welcome item, emailing nothing unless told."""
        coupons = cls._coupon_program("Welcome Coupon")
        return cls.env["studio.referral.program"].create(
            {
                "name": "Refer a Friend",
                "give_reward": True,
                "reward_amount": 10.0,
                "give_promo": True,
                "promo_program_id": coupons.id,
                "promo_coupon": True,
                **values,
            }
        )
