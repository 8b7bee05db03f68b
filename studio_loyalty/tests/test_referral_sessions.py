from ast import literal_eval
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .test_referral import ReferralCommon


@tagged("post_install", "-at_install")
class TestSessions(ReferralCommon):
    """Sessions as the front desk books and sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = new_test_user(
            cls.env,
            "sl_session_frontdesk",
            groups="base.group_user,base.group_partner_manager,studio_loyalty.studio_loyalty_group_user",
            company_id=cls.env.company.id,
        )

    def _invitations(self, session, client):
        return self.env["mail.message"].search(
            [("model", "=", "calendar.event"), ("res_id", "=", session.id), ("partner_ids", "in", client.ids)]
        )

    def test_completing_a_session_before_it_starts_warns(self):
        cleo = self._refer()
        future = self._session(cleo)
        form = Form(future.with_user(self.staff), view="studio_loyalty.studio_session_view_form")
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.studio_session_status_id = self.completed
        self.assertIn("has not started yet", logs.output[0])
        self.assertIn("Completed", logs.output[0])
        past = self._session(cleo)
        past.write({"start": fields.Datetime.now() - timedelta(hours=2), "stop": fields.Datetime.now()})
        form = Form(past.with_user(self.staff), view="studio_loyalty.studio_session_view_form")
        with self.assertNoLogs("odoo.tests.form.onchange", "WARNING"):
            form.studio_session_status_id = self.completed

    def test_book_session_dialog_shows_only_the_session_status(self):
        """Odoo's availability and privacy ("Busy", "User default") are not beside the session status."""
        cleo = self._refer()
        action = cleo.with_user(self.staff).action_studio_book_session()
        view_id = action["views"][0][0]
        self.assertEqual(view_id, self.env.ref("studio_loyalty.studio_session_view_form").id)
        arch = etree.fromstring(
            self.env["calendar.event"].with_user(self.staff).get_views([(view_id, "form")])["views"]["form"]["arch"]
        )
        self.assertEqual(arch.xpath("//label[@for='privacy']")[0].get("invisible"), "1")
        for name in ("show_as", "privacy"):
            self.assertEqual(arch.xpath(f"//field[@name='{name}']/..")[0].get("invisible"), "1", name)
        # The bar shows the status; it changes in the form, so the warning comes before anything is saved.
        statusbar = arch.xpath("//header/field[@name='studio_session_status_id'][@widget='statusbar']")[0]
        self.assertNotIn("clickable", statusbar.get("options") or "")
        self.assertTrue(arch.xpath("//sheet//field[@name='studio_session_status_id']"))
        self.assertEqual(arch.xpath("//field[@name='studio_client_id']")[0].get("required"), "1")

    def test_sessions_calendar_shows_every_session_to_front_desk(self):
        """A Loyalty User's Sessions calendar lists sessions she does not attend, with no access error."""
        cleo = self._refer()
        session = self._session(cleo)
        self.assertNotIn(self.staff.partner_id, session.partner_ids)
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_session_action")
        views = dict((mode, view_id) for view_id, mode in action["views"])
        self.assertEqual(views["calendar"], self.env.ref("studio_loyalty.studio_session_view_calendar").id)
        Event = self.env["calendar.event"].with_user(self.staff)
        result = Event.get_views([(views["calendar"], "calendar"), (views["form"], "form")])
        calendar = etree.fromstring(result["views"]["calendar"]["arch"])
        self.assertNotEqual(calendar.get("js_class"), "attendee_calendar", "Odoo's calendar opens on own meetings")
        self.assertFalse(calendar.xpath("//field[@name='partner_ids'][@filters]"))
        names = {node.get("name") for node in calendar.iter("field")}
        spec = {name: {} for name in names | {"start", "stop", "duration", "allday", "display_name"}}
        records = Event.web_search_read(literal_eval(action["domain"]), spec)["records"]
        self.assertIn(session.id, [record["id"] for record in records])

    def test_booking_emails_the_client_unless_the_studio_says_no(self):
        cleo = self._refer()
        self.assertTrue(self.env.company.studio_session_invitation, "on by default")
        booked = self._session(cleo)
        self.assertTrue(self._invitations(booked, cleo), "Odoo's calendar invitation")
        self.assertEqual(
            self.env["res.config.settings"]._fields["studio_session_invitation"].related,
            "company_id.studio_session_invitation",
        )
        self.env.company.studio_session_invitation = False
        quiet = self._session(cleo)
        self.assertFalse(self._invitations(quiet, cleo))
        self.assertFalse(self.env["mail.mail"].search([("model", "=", "calendar.event"), ("res_id", "=", quiet.id)]))
        # Adding the client to a meeting later sends nothing either.
        start = fields.Datetime.now() + timedelta(days=5)
        meeting = self.env["calendar.event"].create({"name": "Later", "start": start, "stop": start})
        meeting.write({"studio_client_id": cleo.id, "studio_session_status_id": self.booked.id})
        self.assertIn(cleo, meeting.partner_ids)
        self.assertFalse(self._invitations(meeting, cleo))

    def test_front_desk_opens_referral_and_session_screens(self):
        """A Loyalty User reads the Referrals list and form, a session's form and the program, with no sudo."""
        self._program(require_session=True)
        cleo = self._refer()
        session = self._session(cleo)
        referral = self._referral(cleo)
        screens = [
            (referral, "studio_loyalty.studio_referral_action", ("list", "form")),
            (session, "studio_loyalty.studio_session_action", ("list", "calendar", "form")),
            (self.program, "studio_loyalty.studio_referral_program_action", ("list", "form")),
        ]
        for record, xmlid, modes in screens:
            action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
            views = [(view_id, mode) for view_id, mode in action["views"] if mode in modes]
            Model = self.env[record._name].with_user(self.staff)
            result = Model.get_views(views)
            for mode in modes:
                with self.subTest(model=record._name, mode=mode):
                    arch = etree.fromstring(result["views"][mode]["arch"])
                    names = {
                        node.get("name")
                        for node in arch.iter("field")
                        if next(node.iterancestors("field"), None) is None
                    }
                    values = record.with_user(self.staff).web_read({name: {} for name in names})[0]
                    self.assertEqual(values["id"], record.id)
        grants = referral.with_user(self.staff).grant_ids
        self.assertEqual(len(grants), 1)
        grants.read(["grant_date", "session_id", "reward_id", "reward_amount", "promo_program_id", "coupon_code"])
