from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .letters_common import LettersCommon


@tagged("post_install", "-at_install")
class TestLetterRefusals(LettersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An email template of another model, as a studio's invoice email would be.
        cls.invoice_template = cls.env["mail.template"].create(
            {"name": "Invoice email", "model_id": cls.env.ref("account.model_account_move").id, "subject": "Invoice"}
        )

    def test_run_refuses_templates_of_another_kind(self):
        """A run's letter or text message of another type or model is refused, and the run is not saved."""
        Run = self.env["studio.loyalty.run"]
        cases = [
            ({"mail_template_id": self._template("expiring").id}, 'The reward letter must be .*"Reward Awarded"'),
            ({"mail_template_id": self.invoice_template.id}, '"Invoice email" is not'),
            ({"sms_template_id": self._sms_template("promo").id}, 'The text message must be .*"Reward Awarded"'),
        ]
        count = Run.search_count([])
        for values, message in cases:
            with self.subTest(values=values), self.assertRefused(ValidationError, message):
                Run.create({"threshold": 100.0, "reward_amount": 10.0, **values})
        self.assertEqual(Run.search_count([]), count)
        run = Run.create({"threshold": 100.0, "reward_amount": 10.0})
        self.assertEqual(run.mail_template_id, self._template("awarded"), "the installed letter by default")
        with self.assertRefused(ValidationError, '"Loyalty: rewards expiring soon" is not'):
            run.mail_template_id = self._template("expiring")
        self.assertEqual(run.mail_template_id, self._template("awarded"))

    def test_status_refuses_templates_of_another_kind(self):
        """A status trigger's letter or text message must be of the trigger's type."""
        status = self.status_loyal
        cases = [
            ({"award_template_id": self._template("promo").id}, 'Reward Letter must be .*"Reward Awarded"'),
            ({"expiry_template_id": self._template("awarded").id}, 'Expiry Reminder must be .*"Rewards Expiring Soon"'),
            ({"expiry_sms_template_id": self._sms_template("awarded").id}, "Expiry Text Message must be"),
            ({"award_template_id": self.invoice_template.id}, '"Invoice email" is not'),
            ({"award_email": True, "award_template_id": False}, "Choose the letter and email of status Loyal Client"),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRefused(ValidationError, message):
                status.write(values)
        self.assertEqual(status.award_template_id, self._template("awarded"))
        self.assertEqual(status.expiry_template_id, self._template("expiring"))
        self.assertFalse(status.award_email)

    def test_negative_days_before_expiry_refused(self):
        """A status cannot remind clients a negative number of days before expiry."""
        with self.assertRaises(IntegrityError) as catcher, mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["studio.client.status"].create({"name": "Backwards", "expiry_days": -3})
            self.env.flush_all()
        message = self.env["studio.client.status"]._sql_error_to_message(catcher.exception)
        self.assertIn("cannot be negative", message)
        self.assertFalse(self.env["studio.client.status"].search([("name", "=", "Backwards")]))

    def test_program_and_send_refuse_templates_of_another_kind(self):
        """A referral program's emails and a send's templates must be of their occasion's type."""
        program = self._referral_program()
        for field, wrong in (
            ("reward_mail_template_id", "promo"),
            ("promo_mail_template_id", "referral_reward"),
            ("invitation_mail_template_id", "awarded"),
        ):
            with self.subTest(field=field), self.assertRefused(ValidationError, "must be a loyalty template"):
                program[field] = self._template(wrong)
        self.assertEqual(program.promo_mail_template_id, self._template("promo"))
        mailing = self.Mailing._prepare("awarded", self.company, self._about(self._reward(self.client, 5.0)))
        for values in ({"mail_template_id": self._template("expiring").id}, {"kind": "promo"}):
            with self.subTest(values=values), self.assertRefused(ValidationError, "must be a loyalty template"):
                mailing.write(values)
        with self.assertRefused(ValidationError, "must be a loyalty template"):
            mailing.sms_template_id = self._sms_template("referral_invitation")
        self.assertEqual(mailing.mail_template_id, self._template("awarded"))
        self.assertEqual(mailing.kind, "awarded")

    def test_loyalty_type_needs_a_client_letter_template(self):
        """Only templates of a client's loyalty message can be given a loyalty letter type."""
        with self.assertRefused(ValidationError, "studio.loyalty.mailing.line"):
            self.invoice_template.studio_kind = "awarded"
        self.assertFalse(self.invoice_template.studio_kind)

    def test_letters_leave_out_cancelled_rewards(self):
        """Letters asked for cancelled rewards leave them out, and refuse when all are cancelled."""
        kept = self._reward(self.client, 25.0)
        cancelled = self._reward(self.client, 15.0) | self._reward(self.fleur, 30.0)
        cancelled.action_cancel()
        action = (kept | cancelled).action_studio_send_letters()
        mailing = self.Mailing.browse(action["res_id"])
        self.assertEqual(mailing.line_ids.partner_id, self.client)
        self.assertEqual(mailing.line_ids.reward_ids, kept)
        self.assertIn("2 selected rewards or clients were left out", mailing.message_ids[0].body)
        mailing.action_send()
        self.assertIn(kept.name, self._letter_pages(mailing)[0])
        for reward in cancelled:
            self.assertNotIn(reward.name, self._letter_pages(mailing)[0])
        count = self.Mailing.search_count([])
        with self.assertRefused(UserError, "no reward to write about"):
            cancelled.action_studio_send_letters()
        self.assertEqual(self.Mailing.search_count([]), count)

    def test_send_without_a_way_or_template_refused(self):
        """A send that ticks no way to reach clients, or lacks its template, is refused and stays a draft."""
        mailing = self.Mailing._prepare("awarded", self.company, self._about(self._reward(self.client, 5.0)))
        with self.assertRefused(UserError, "Choose how to reach the clients"):
            mailing.action_send()
        mailing.write({"send_sms": True, "sms_template_id": False})
        with self.assertRefused(UserError, "Choose the text message"):
            mailing.action_send()
        self.assertEqual(mailing.state, "draft")
        self.assertFalse(self._sms(self.client))
