from datetime import timedelta

from odoo.tests import freeze_time, tagged

from .letters_common import LettersCommon


@tagged("post_install", "-at_install")
class TestAwardTrigger(LettersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_start_date = cls._days(-30)
        cls.status_loyal.write({"award_email": True, "award_letter": True})

    def _awarded(self):
        return self.Mailing.search([("kind", "=", "awarded")])

    def test_manual_reward_told_once_by_the_clients_status(self):
        """A reward issued by hand to a client whose status asks for it is emailed and printed once."""
        reward = self._reward(self.client, 25.0, expiration_date=self._days(60))
        self._reward(self.other_client, 30.0)  # a status without triggers
        mailing = self._awarded()
        self.assertEqual(len(mailing), 1)
        self.assertEqual((mailing.status_id, mailing.state), (self.status_loyal, "done"))
        self.assertEqual(mailing.line_ids.partner_id, self.client)
        self.assertEqual(mailing.line_ids.reward_ids, reward)
        self.assertEqual(len(self._letter_pages(mailing)), 1)
        mail, text = self._mail_text(self.client)
        self.assertIn(reward.name, text)
        self.assertFalse(self._mails(self.other_client))
        reward.note = "Birthday gift"
        reward.action_cancel()
        reward.action_reopen()
        self.assertEqual(self._awarded(), mailing, "changing the reward afterwards sends nothing")
        self.assertEqual(len(self._mails(self.client)), 1)

    def test_run_sends_its_own_choice_or_else_the_status_trigger(self):
        """A run without letters of its own lets the status decide; one that has them sends only its own."""
        Run = self.env["studio.loyalty.run"]
        self._register_payment(self._invoice(self.client, 200.0))
        run = Run.create({"threshold": 100.0, "reward_amount": 10.0})
        run.action_load()
        run.action_process()
        self.assertEqual(len(run.reward_ids), 1)
        self.assertEqual(run.mailing_ids.status_id, self.status_loyal)
        self.assertEqual(run.mailing_ids.line_ids.reward_ids, run.reward_ids)
        self.assertEqual(len(self._mails(self.client)), 1)
        self._register_payment(self._invoice(self.client, 100.0))
        run = Run.create({"threshold": 100.0, "reward_amount": 10.0, "print_letters": True})
        run.action_load()
        run.action_process()
        self.assertEqual(len(run.mailing_ids), 1)
        self.assertFalse(run.mailing_ids.status_id)
        self.assertEqual(run.letter_count, 1)
        self.assertEqual(len(self._mails(self.client)), 1, "the run's own choice (letters only) replaces the status'")
        self.assertEqual(len(self._awarded()), 2)


@tagged("post_install", "-at_install")
class TestExpiryReminders(LettersCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.status_loyal.write({"expiry_email": True, "expiry_days": 14})
        cls.cara = cls.env["res.partner"].create(
            {"name": "Cara Frame", "email": "cara@example.com", "client_status_id": cls.status_loyal.id}
        )

    def _reminders(self):
        return self.Mailing.search([("kind", "=", "expiring")])

    def _listed(self):
        """How many reminder letters list each reward."""
        lines = self._reminders().line_ids.filtered(lambda line: line.state == "sent")
        return {reward: len(lines.filtered(lambda line, r=reward: r in line.reward_ids)) for reward in lines.reward_ids}

    def test_reminded_once_per_reward(self):
        """Rewards expiring within the status' days are reminded of once, the same day twice or days later."""
        soon = self._reward(self.client, 20.0, expiration_date=self._days(10))
        later = self._reward(self.client, 40.0, expiration_date=self._days(30))
        fleur_soon = self._reward(self.fleur, 30.0, expiration_date=self._days(14))
        self._reward(self.other_client, 50.0, expiration_date=self._days(5))  # a status without reminders
        self.Mailing._cron_remind()
        self.Mailing._cron_remind()
        reminder = self._reminders()
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.state, "done")
        self.assertEqual(self._listed(), {soon: 1, fleur_soon: 1})
        self.assertEqual(len(self._mails(self.client)), 1)
        self.assertFalse(self._mails(self.other_client))
        with freeze_time(self.today + timedelta(days=20)):
            self.Mailing._cron_remind()
            self.Mailing._cron_remind()
        self.assertEqual(len(self._reminders()), 2)
        self.assertEqual(self._listed(), {soon: 1, fleur_soon: 1, later: 1})
        mails = self._mails(self.client)
        self.assertEqual(len(mails), 2)
        self.assertIn(self._money(40.0, self.client), mails.sorted("id")[-1].body_html)

    def test_spent_rewards_are_not_reminded(self):
        """A reward redeemed or cancelled before its reminder is not reminded of."""
        redeemed = self._reward(self.client, 20.0, expiration_date=self._days(10))
        cancelled = self._reward(self.fleur, 30.0, expiration_date=self._days(10))
        self._redeem(self._invoice(self.client, 100.0), redeemed)
        self.assertEqual(redeemed.state, "redeemed")
        cancelled.action_cancel()
        self.Mailing._cron_remind()
        self.assertFalse(self._reminders())
        self.assertFalse(self._mails(self.client | self.fleur))

    def test_stopped_reminder_is_continued_not_duplicated(self):
        """A reminder job that ran out of time is continued by the next run: each reward is reminded once."""
        rewards = (
            self._reward(self.client, 20.0, expiration_date=self._days(10))
            | self._reward(self.fleur, 30.0, expiration_date=self._days(11))
            | self._reward(self.cara, 40.0, expiration_date=self._days(12))
        )
        with self._cron_stopping_after(1) as Cron:
            Cron._cron_remind(batch_size=1)
        draft = self._reminders()
        self.assertEqual(draft.state, "draft", "stopped before sending")
        self.assertEqual(len(draft.line_ids), 1)
        self.assertFalse(self._mails(self.client | self.fleur | self.cara))
        self.Mailing._cron_remind(batch_size=1)
        self.Mailing._cron_remind(batch_size=1)
        self.assertEqual(self._reminders(), draft)
        self.assertEqual(draft.state, "done")
        self.assertEqual(self._listed(), dict.fromkeys(rewards, 1))
        for client in self.client | self.fleur | self.cara:
            self.assertEqual(len(self._mails(client)), 1)

    def test_reminder_stopped_after_its_last_client_is_sent(self):
        """A reminder job stopped once every client was listed, before sending, is sent by the next run."""
        reward = self._reward(self.client, 20.0, expiration_date=self._days(10))
        with self._cron_stopping_after(1) as Cron:
            Cron._cron_remind(batch_size=5)
        draft = self._reminders()
        self.assertEqual((draft.state, draft.line_ids.reward_ids), ("draft", reward))
        self.Mailing._cron_remind()
        self.assertEqual(self._reminders(), draft)
        self.assertEqual(draft.state, "done")
        self.assertEqual(len(self._mails(self.client)), 1)

    def test_reward_spent_while_the_reminder_waits_is_left_out(self):
        """A reward cancelled after a stopped job listed it is left out, and its client is not written to."""
        ada = self._reward(self.client, 20.0, expiration_date=self._days(10))
        fleur = self._reward(self.fleur, 30.0, expiration_date=self._days(10))
        with self._cron_stopping_after(1) as Cron:
            Cron._cron_remind(batch_size=5)
        ada.action_cancel()
        self.Mailing._cron_remind()
        reminder = self._reminders()
        self.assertEqual(reminder.state, "done")
        line = self._line(reminder, self.client)
        self.assertEqual((line.state, line.note), ("skipped", "No reward left to write about."))
        self.assertFalse(self._mails(self.client))
        self.assertEqual(self._line(reminder, self.fleur).reward_ids, fleur)
        self.assertEqual(len(self._mails(self.fleur)), 1)

    def test_client_already_listed_by_a_stopped_reminder_gets_one_message(self):
        """A reward falling due while a stopped reminder already lists its client joins that client's one letter."""
        first = self._reward(self.client, 20.0, expiration_date=self._days(10))
        with self._cron_stopping_after(1) as Cron:
            Cron._cron_remind()
        second = self._reward(self.client, 5.0, expiration_date=self._days(3))
        self.Mailing._cron_remind()
        reminder = self._reminders()
        self.assertEqual(reminder.state, "done")
        self.assertEqual(self._line(reminder, self.client).reward_ids, first | second)
        mail, text = self._mail_text(self.client)
        self.assertAllIn([first.name, second.name, self._money(25.0, self.client)], text)
