from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .letters_common import LettersCommon, flat

FR_AWARDED = """<div>
<p>Chère <t t-out="object.partner_id.name or ''">Cliente</t>,</p>
<p>Nous avons ajouté <strong t-out="format_amount(object.reward_total, object.currency_id)">25,00 €</strong>
à votre compte.</p>
<t t-out="object.rewards_table"/>
<p>Votre solde : <strong t-out="format_amount(object.balance, object.currency_id)">40,00 €</strong>.</p>
<p t-if="object.first_expiry">À utiliser avant le
<strong t-out="format_date(object.first_expiry)">01/01/2027</strong>.</p>
</div>"""


class LetterContentCase(LettersCommon):
    def _check_messages(self, lines, pdf, expected, absent=None):
        """Each client's PDF page, HTML letter and email show what ``expected`` lists for them, ``absent`` not.

        ``lines`` are in the order their letters are printed, one page each.
        """
        pages = self._pdf_pages(pdf)
        self.assertEqual(len(pages), len(lines), "one page per client's letter")
        for page, line in zip(pages, lines, strict=True):
            partner = line.partner_id
            body = expected[partner]
            letter = [partner.name, partner.street, partner.city, self._date(line.date, partner, "long"), *body]
            self.assertAllIn(letter, page, f"the PDF letter of {partner.name}")
            html = self._html_text(line)
            self.assertAllIn(letter, html, f"the HTML letter of {partner.name}")
            mail, text = self._mail_text(partner)
            self.assertEqual(mail.state, "outgoing", "queued for the mail queue, not sent in the request")
            self.assertAllIn(body, text, f"the email of {partner.name}")
            for part in (absent or {}).get(partner, ()):
                for where in (page, html, text):
                    self.assertNotIn(flat(part), where)


@tagged("post_install", "-at_install")
class TestLetterContent(LetterContentCase):
    def test_awarded_letter_and_email_in_each_clients_language(self):
        """The reward letter and email list the client's rewards, total, balance and expiry, in their language."""
        self._template("awarded").update_field_translations("body_html", {"fr_FR": FR_AWARDED})
        ada_rewards = self._reward(self.client, 25.0, expiration_date=self._days(60)) | self._reward(
            self.client, 15.0, expiration_date=self._days(90)
        )
        self._reward(self.client, 10.0)  # in her balance, not in this letter
        fleur_reward = self._reward(self.fleur, 1234.5, expiration_date=self._days(45))
        action = (ada_rewards | fleur_reward).action_studio_send_letters()
        mailing = self.Mailing.browse(action["res_id"])
        self.assertEqual((mailing.kind, mailing.state), ("awarded", "draft"))
        mailing.send_email = True
        action = mailing.action_send()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(action["url"], f"/web/content/{mailing.letter_attachment_id.id}?download=true")
        ada, fleur = self.client, self.fleur
        self.assertEqual(mailing.line_ids.partner_id.ids, [ada.id, fleur.id], "printed in the clients' name order")
        expected = {
            ada: [
                "Dear Ada Portrait",
                f"we have added {self._money(40.0, ada)} in loyalty rewards",
                f"you now have {self._money(50.0, ada)} to spend",
                f"Please use them by {self._date(self._days(60), ada)}",
                *ada_rewards.mapped("name"),
                self._money(25.0, ada),
                self._money(15.0, ada),
                self._date(self._days(90), ada),
                "Lumière Studio",
            ],
            fleur: [
                "Chère Fleur Dubois",
                f"Nous avons ajouté {self._money(1234.5, fleur)}",
                f"Votre solde : {self._money(1234.5, fleur)}",
                f"À utiliser avant le {self._date(self._days(45), fleur)}",
                fleur_reward.name,
            ],
        }
        absent = {
            ada: [fleur_reward.name, "Chère"],
            fleur: ["Dear", self._money(1234.5, ada), *ada_rewards.mapped("name")],
        }
        self.assertNotEqual(self._money(1234.5, ada), self._money(1234.5, fleur))
        self._check_messages(mailing.line_ids, mailing.letter_attachment_id.raw, expected, absent)
        mail, _text = self._mail_text(ada)
        self.assertEqual(mail.subject, "Ada Portrait, a thank-you from Lumière Studio")

    def test_expiry_reminder_letter_and_email(self):
        """The expiry reminder gives the total and the first expiry of the rewards soon due, in the client's formats."""
        self.status_loyal.write({"expiry_email": True, "expiry_letter": True, "expiry_days": 14})
        ada_due = self._reward(self.client, 20.0, expiration_date=self._days(10)) | self._reward(
            self.client, 5.0, expiration_date=self._days(13)
        )
        later = self._reward(self.client, 40.0, expiration_date=self._days(30))
        fleur_due = self._reward(self.fleur, 30.0, expiration_date=self._days(13))
        self.Mailing._cron_remind()
        mailing = self.Mailing.search([("kind", "=", "expiring")])
        self.assertEqual(len(mailing), 1)
        self.assertEqual((mailing.state, mailing.status_id), ("done", self.status_loyal))
        ada, fleur = self.client, self.fleur
        self.assertEqual(self._line(mailing, ada).reward_ids, ada_due)
        expected = {
            ada: [
                "Dear Ada Portrait",
                f"you still have {self._money(25.0, ada)} in loyalty rewards",
                f"the first on {self._date(self._days(10), ada)}",
                *ada_due.mapped("name"),
            ],
            fleur: [
                "Dear Fleur Dubois",
                self._money(30.0, fleur),
                f"the first on {self._date(self._days(13), fleur)}",
                fleur_due.name,
            ],
        }
        absent = {ada: [later.name, self._money(40.0, ada)], fleur: [self._date(self._days(13), ada)]}
        self._check_messages(mailing.line_ids, mailing.letter_attachment_id.raw, expected, absent)

    def test_referral_invitation_letter_and_email(self):
        """The invitation names the client's program and its reward, and starts only emailed clients' clocks."""
        program = self._referral_program(reward_amount=12.5)
        (self.client | self.fleur).write({"studio_referral_program_id": program.id})
        (self.client | self.fleur).action_studio_send_referral_email()
        mailing = self.Mailing.search([("kind", "=", "referral_invitation")])
        self.assertEqual(len(mailing), 1)
        self.assertEqual(mailing.line_ids.referral_program_id, program)
        self.assertTrue(self.client.studio_referral_email_date)
        self.assertTrue(self.fleur.studio_referral_email_date)
        ada, fleur = self.client, self.fleur
        expected = {
            ada: ["Dear Ada Portrait", "our referral program Refer a Friend", self._money(12.5, ada)],
            fleur: ["Dear Fleur Dubois", "Refer a Friend", self._money(12.5, fleur)],
        }
        pdf = mailing._render_letters(mailing.line_ids)
        self._check_messages(mailing.line_ids, pdf, expected)

    def test_referral_reward_and_promo_letters_and_emails(self):
        """Referring clients are thanked with their reward and balance; the referred get their coupon code."""
        program = self._referral_program(
            send_reward_email=True, send_promo_email=True, reward_expires=True, reward_expiration_days=60
        )
        (self.client | self.fleur).write({"studio_referral_program_id": program.id})
        self._reward(self.fleur, 7.0)  # already in Fleur's balance
        Partner = self.env["res.partner"]
        cleo = Partner.create(
            {
                "name": "Cleo Newborn",
                "email": "cleo@example.com",
                "street": "5 Elm Street",
                "city": "Springfield",
                "studio_referred_by_id": self.client.id,
            }
        )
        zoe = Partner.create(
            {
                "name": "Zoe Martin",
                "email": "zoe@example.com",
                "lang": "fr_FR",
                "street": "8 quai Saint-Antoine",
                "city": "Lyon",
                "studio_referred_by_id": self.fleur.id,
            }
        )
        thanks = self.Mailing.search([("kind", "=", "referral_reward")])
        self.assertEqual(thanks.line_ids.partner_id, self.client | self.fleur)
        ada_reward = thanks.line_ids.filtered(lambda line: line.partner_id == self.client).reward_ids
        fleur_reward = thanks.line_ids.filtered(lambda line: line.partner_id == self.fleur).reward_ids
        self.assertEqual(ada_reward.referral_id.referred_id, cleo)
        self.assertEqual(fleur_reward.amount, 10.0)
        ada, fleur = self.client, self.fleur
        expected = {
            ada: [
                "Dear Ada Portrait",
                ada_reward.name,
                f"You now have {self._money(10.0, ada)} in loyalty rewards",
                f"to be used by {self._date(self._days(60), ada)}",
            ],
            fleur: [
                "Dear Fleur Dubois",
                fleur_reward.name,
                f"You now have {self._money(17.0, fleur)} in loyalty rewards",
                f"to be used by {self._date(self._days(60), fleur)}",
            ],
        }
        lines = thanks.line_ids.sorted(lambda line: line.partner_id.name)
        self._check_messages(lines, thanks[0]._render_letters(lines), expected)

        promos = self.Mailing.search([("kind", "=", "promo")])
        self.assertEqual(promos.line_ids.partner_id, cleo | zoe)
        cleo_grant, zoe_grant = cleo.studio_referred_referral_ids.grant_ids, zoe.studio_referred_referral_ids.grant_ids
        self.assertTrue(cleo_grant.coupon_code and zoe_grant.coupon_code)
        expected = {
            cleo: ["Dear Cleo Newborn", "Ada Portrait told us", cleo_grant.promo_description, cleo_grant.coupon_code],
            zoe: ["Dear Zoe Martin", "Fleur Dubois told us", zoe_grant.coupon_code],
        }
        lines = promos.line_ids.sorted(lambda line: line.partner_id.name)
        self._check_messages(lines, promos[0]._render_letters(lines), expected, {cleo: [zoe_grant.coupon_code]})


@tagged("post_install", "-at_install")
class TestRunLetters(LettersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_start_date = cls._days(-30)

    def _paid_invoice(self, client, untaxed):
        invoice = self._invoice(client, untaxed)
        self._register_payment(invoice)
        return invoice

    def _process(self, **values):
        run = self.env["studio.loyalty.run"].create({"threshold": 100.0, "reward_amount": 10.0, **values})
        run.action_load()
        return run, run.action_process()

    def test_one_letter_and_one_email_per_client_of_a_run(self):
        """A client's run reward and earlier rewards: one letter and one email per client, listing the run's."""
        self._reward(self.client, 5.0)
        self._paid_invoice(self.client, 300.0)
        self._paid_invoice(self.fleur, 100.0)
        run, action = self._process(send_email=True, print_letters=True)
        ada_rewards = run.reward_ids.filtered(lambda r: r.partner_id == self.client)
        self.assertEqual(len(ada_rewards), 1, "one reward for the three thresholds reached")
        mailing = run.mailing_ids
        self.assertEqual(len(mailing), 1)
        self.assertEqual(action["url"], f"/web/content/{mailing.letter_attachment_id.id}?download=true")
        self.assertEqual(mailing.line_ids.partner_id, self.client | self.fleur)
        self.assertEqual(self._line(mailing, self.client).reward_ids, ada_rewards)
        pages = self._letter_pages(mailing)
        self.assertEqual(len(pages), 2, "one letter per client, not per reward")
        self.assertAllIn(
            [
                "Dear Ada Portrait",
                *ada_rewards.mapped("name"),
                f"we have added {self._money(30.0, self.client)}",
                f"you now have {self._money(35.0, self.client)} to spend",
            ],
            pages[0],
        )
        self.assertIn("Dear Fleur Dubois", pages[1])
        mail, text = self._mail_text(self.client)
        self.assertAllIn(ada_rewards.mapped("name"), text)
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.client.id), ("message_type", "=", "comment")]
        )
        self.assertEqual(len(messages), 1, "one email on the client's record")
        self.assertEqual((run.email_count, run.letter_count, run.no_email_count), (2, 2, 0))

    def test_clients_without_email_listed_not_emailed(self):
        """A client without email is listed on the run and still gets a letter; the others are emailed."""
        cara = self.env["res.partner"].create({"name": "Cara Nomail", "client_status_id": self.status_loyal.id})
        self._paid_invoice(self.client, 100.0)
        self._paid_invoice(cara, 200.0)
        run, _action = self._process(send_email=True, print_letters=True)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.reward_ids), 2)
        self.assertEqual((run.email_count, run.no_email_count, run.letter_count), (1, 1, 2))
        line = self._line(run.mailing_ids, cara)
        self.assertEqual((line.state, line.email_state, line.letter_state), ("sent", "no_address", "printed"))
        self.assertIn("No email address", line.note)
        self.assertFalse(self._mails(cara))
        self.assertEqual(len(self._mails(self.client)), 1)
        self.assertIn("1 clients have no email address", run.mailing_ids.message_ids[0].body)

    def test_text_messages_of_a_run(self):
        """A run that texts queues one text message per client with a phone number, with its amounts."""
        self._paid_invoice(self.client, 200.0)
        self._paid_invoice(self.fleur, 100.0)
        run, _action = self._process(send_sms=True)
        sms = self._sms(self.client)
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.number, self.client.phone)
        money = self._money(20.0, self.client)
        self.assertEqual(
            flat(sms.body),
            f"Lumière Studio: thank you, Ada Portrait! {money} in loyalty rewards is waiting for you. "
            f"Your balance: {money}.",
        )
        self.assertFalse(self._sms(self.fleur))
        self.assertEqual(self._line(run.mailing_ids, self.fleur).sms_state, "no_number")
        self.assertEqual(run.mailing_ids.sms_count, 1)
        self.assertFalse(self._mails(self.client), "no email unless ticked")
        self.assertFalse(run.mailing_ids.letter_attachment_id, "no letters unless ticked")


@tagged("post_install", "-at_install")
class TestSendOptions(LettersCommon):
    def test_text_message_only_where_ticked_and_a_phone_is_known(self):
        """A text message, in the client's language, goes to clients with a phone only when the send ticks it."""
        self.fleur.phone = "+33 6 12 34 56 78"
        rewards = (
            self._reward(self.client, 25.0, expiration_date=self._days(20))
            | self._reward(self.fleur, 1234.5, expiration_date=self._days(20))
            | self._reward(self.other_client, 30.0, expiration_date=self._days(20))
        )
        texted = self._send("expiring", self._about(rewards), send_email=False, print_letters=False, send_sms=True)
        for client in self.client | self.fleur:
            sms = self._sms(client)
            self.assertEqual(len(sms), 1)
            self.assertEqual((sms.state, sms.number), ("outgoing", client.phone))
            amount = rewards.filtered(lambda r, client=client: r.partner_id == client).amount
            self.assertEqual(
                flat(sms.body),
                f"Lumière Studio: {client.name}, {self._money(amount, client)} of your loyalty rewards expire on "
                f"{self._date(self._days(20), client)}. We'd love to see you before then!",
            )
        self.assertNotEqual(self._date(self._days(20), self.client), self._date(self._days(20), self.fleur))
        self.assertFalse(self._sms(self.other_client))
        line = self._line(texted, self.other_client)
        self.assertEqual((line.state, line.sms_state), ("sent", "no_number"))
        self.assertIn("No phone number", line.note)
        self.assertEqual(texted.sms_count, 2)
        emailed = self._send("awarded", self._about(rewards), print_letters=False)
        self.assertEqual(len(self._sms(self.client | self.fleur)), 2, "no text message when the send does not tick it")
        self.assertEqual(set(emailed.line_ids.mapped("sms_state")), {"none"})

    def test_large_send_printed_in_background_into_one_pdf(self):
        """A send above the threshold is queued, then printed in batches into one PDF of one letter per client."""
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("studio_loyalty.letters_background_threshold", 2)
        clients = self.env["res.partner"].create(
            [{"name": f"Batch Client {n}", "email": f"batch{n}@example.com"} for n in range(5)]
        )
        rewards = self.env["studio.loyalty.reward"]
        for n, client in enumerate(clients, 1):
            rewards |= self._reward(client, 10.0 * n)
        action = rewards.action_studio_send_letters()
        mailing = self.Mailing.browse(action["res_id"])
        mailing.send_email = True
        self.assertTrue(mailing.action_send())
        self.assertEqual(mailing.state, "queued")
        self.assertFalse(mailing.letter_attachment_id)
        self.assertFalse(self._mails(clients))
        # The job emails the clients two at a time (3 batches), prints the first two letters, and runs out of time.
        with self._cron_stopping_after(4) as Cron:
            Cron._cron_send(batch_size=2)
        self.assertEqual(mailing.state, "sending")
        self.assertEqual(mailing.line_ids.mapped("letter_state"), ["printed"] * 2 + ["to_print"] * 3)
        self.assertFalse(mailing.letter_attachment_id)
        self.Mailing._cron_send(batch_size=2)
        self.assertEqual(mailing.state, "done")
        self.assertEqual(set(mailing.line_ids.mapped("letter_state")), {"printed"})
        attachments = self.env["ir.attachment"].search([("res_model", "=", mailing._name), ("res_id", "=", mailing.id)])
        self.assertEqual(attachments, mailing.letter_attachment_id, "the parts are merged into one PDF and deleted")
        pages = self._letter_pages(mailing)
        self.assertEqual(len(pages), 5)
        for page, client, amount in zip(pages, clients, (10.0, 20.0, 30.0, 40.0, 50.0), strict=True):
            self.assertAllIn([f"Dear {client.name}", self._money(amount, client)], page)
        self.assertEqual(len(self._mails(clients)), 5, "one email per client, none twice")
        self.assertEqual(self._mails(clients).recipient_ids, clients)
        self.assertEqual((mailing.email_count, mailing.letter_count), (5, 5))

    def test_invitation_sent_in_background_starts_the_clocks_of_emailed_clients(self):
        """A large referral invitation, emailed by the background job, starts the clock of each emailed client."""
        self.env["ir.config_parameter"].sudo().set_param("studio_loyalty.letters_background_threshold", 1)
        program = self._referral_program()
        cara = self.env["res.partner"].create({"name": "Cara Nomail"})
        clients = self.client | self.fleur | cara
        clients.write({"studio_referral_program_id": program.id})
        self.assertFalse(any(clients.mapped("studio_referral_email_date")))
        clients.action_studio_send_referral_email()
        mailing = self.Mailing.search([("kind", "=", "referral_invitation")])
        self.assertEqual(mailing.state, "queued")
        self.Mailing._cron_send()
        self.assertEqual(mailing.state, "done")
        self.assertEqual(len(self._mails(self.client | self.fleur)), 2)
        self.assertTrue(self.client.studio_referral_email_date)
        self.assertTrue(self.fleur.studio_referral_email_date)
        self.assertFalse(cara.studio_referral_email_date, "no email, no clock")

    def test_loyalty_user_sends_letters_from_the_rewards_list(self):
        """Loyalty staff prepare and send letters from the rewards list without access errors."""
        staff = new_test_user(
            self.env,
            "sl_letters_staff",
            groups="base.group_user,studio_loyalty.studio_loyalty_group_user",
            company_id=self.company.id,
        )
        self.assertFalse(staff.has_group("studio_loyalty.studio_loyalty_group_manager"))
        rewards = self._reward(self.client, 25.0) | self._reward(self.fleur, 30.0)
        Reward = self.env["studio.loyalty.reward"].with_user(staff)
        action = Reward.browse(rewards.ids).action_studio_send_letters()
        mailing = self.env["studio.loyalty.mailing"].with_user(staff).browse(action["res_id"])
        mailing.write({"send_email": True, "send_sms": True})
        action = mailing.action_send()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(mailing.state, "done")
        self.assertEqual(mailing.user_id, staff)
        self.assertEqual((mailing.email_count, mailing.sms_count, mailing.letter_count), (2, 1, 2))
        self.assertEqual(len(self._letter_pages(mailing)), 2)
        self.assertIn("Sent: 2 emails, 1 text messages, 2 letters", mailing.message_ids[0].body)
        with self.assertRefused(UserError, "sent already"):
            mailing.action_send()
