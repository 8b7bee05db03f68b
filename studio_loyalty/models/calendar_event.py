from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime

LOYALTY_USERS = "studio_loyalty.studio_loyalty_group_user"


class CalendarEvent(models.Model):
    """A calendar booking becomes a client session when it has a client.

    Booking a session and moving it to another status are referral events:
    the client's referral is evaluated in the same transaction.
    """

    _inherit = "calendar.event"

    studio_client_id = fields.Many2one(
        comodel_name="res.partner",
        string="Session Client",
        index="btree_not_null",
        groups=LOYALTY_USERS,
        tracking=True,
        copy=False,
        help="The client this session is for; the event makes them an attendee.",
    )
    studio_session_status_id = fields.Many2one(
        comodel_name="studio.session.status",
        string="Session Status",
        groups=LOYALTY_USERS,
        tracking=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_expand_full",
    )
    studio_booking_channel = fields.Selection(
        selection=[("studio", "In the Studio"), ("online", "Online")],
        string="Booked",
        default="studio",
        groups=LOYALTY_USERS,
        copy=False,
        help="Where the session was booked: by staff in the studio, or online by the client.",
    )
    studio_booked_on = fields.Datetime(
        string="Booked On",
        groups=LOYALTY_USERS,
        copy=False,
        help="When the session was booked: the moment referral clocks compare with.",
    )

    @api.constrains("studio_client_id", "studio_session_status_id")
    def _check_studio_session(self):
        if any(event.studio_client_id and not event.studio_session_status_id for event in self):
            raise ValidationError(self.env._("A client session needs a session status."))

    @api.onchange("studio_session_status_id")
    def _onchange_studio_session_status_id(self):
        """Completing a session that has not started yet is most likely a slip: say so before it counts."""
        status = self.studio_session_status_id
        if status.is_completed and self.start and self.start > fields.Datetime.now():
            return {
                "warning": {
                    "title": self.env._("This session has not started yet"),
                    "message": self.env._(
                        "The session starts on %(start)s. Marking it %(status)s records it as having taken place: "
                        "it may earn referral rewards and points at once. If it has not happened yet, choose "
                        "another status.",
                        start=format_datetime(self.env, self.start, dt_format="short"),
                        status=status.name,
                    ),
                }
            }
        return None

    def _skip_send_mail_status_update(self):
        """Client sessions send Odoo's calendar emails only if the studio chose to (Settings > Sessions)."""
        if self.sudo().filtered("studio_client_id") and not self.env.company.studio_session_invitation:
            return True
        return super()._skip_send_mail_status_update()

    @api.model_create_multi
    def create(self, vals_list):
        default_status = False
        for vals in vals_list:
            client_id = vals.get("studio_client_id", self.env.context.get("default_studio_client_id"))
            if not client_id:
                continue
            if not vals.get("studio_session_status_id"):
                default_status = default_status or self.env["studio.session.status"].search([], limit=1)
                vals["studio_session_status_id"] = default_status.id
            vals.setdefault("studio_booked_on", fields.Datetime.now())
            attendees = vals.get("partner_ids")
            if attendees is None:
                attendees = [Command.set(self.env.context.get("default_partner_ids") or [])]
            vals["partner_ids"] = [*attendees, Command.link(client_id)]
        events = super().create(vals_list)
        events._studio_evaluate_referrals()
        return events

    def copy_data(self, default=None):
        """Copies of a session (a recurrence's occurrences) stay sessions of the client.

        The session fields are not copied by default: Odoo copies every
        copyable field it reads, and users without a loyalty group creating a
        recurring meeting could not read them.
        """
        vals_list = super().copy_data(default=default)
        if self.env.su or self.env.user.has_group(LOYALTY_USERS):
            for event, vals in zip(self, vals_list, strict=True):
                if event.studio_client_id:
                    vals.setdefault("studio_client_id", event.studio_client_id.id)
                    vals.setdefault("studio_session_status_id", event.studio_session_status_id.id)
        return vals_list

    def write(self, vals):
        result = super().write(vals)
        if vals.keys() & {"studio_client_id", "studio_session_status_id", "active", "start", "studio_booking_channel"}:
            # sudo: calendar users without a loyalty group archive events too.
            for event in self.sudo().filtered("studio_client_id"):
                if event.studio_client_id not in event.partner_ids:
                    event.partner_ids = [Command.link(event.studio_client_id.id)]
                if not event.studio_booked_on:
                    event.studio_booked_on = fields.Datetime.now()
            self._studio_evaluate_referrals()
        return result

    def _studio_evaluate_referrals(self):
        """Referrals and points: a session booked or completed may earn either."""
        sessions = self.sudo().filtered("studio_client_id")
        if sessions:
            self.env["studio.referral"].sudo()._evaluate_clients(sessions.studio_client_id)
            # Sessions have no company: the one they are booked in earns.
            self.env["studio.loyalty.points"].sudo()._earn(self.env.company, sessions.studio_client_id)
