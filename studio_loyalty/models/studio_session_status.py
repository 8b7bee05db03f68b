from odoo import fields, models


class StudioSessionStatus(models.Model):
    """Where a client's session stands (Booked, Confirmed, Completed...).

    Referral programs can require a session to reach a status: statuses are
    ordered, and a session has reached every status up to its own. A cancelled
    status takes the session out of every referral requirement.
    """

    _name = "studio.session.status"
    _description = "Session Status"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_cancelled = fields.Boolean(
        string="Cancels the Session",
        help="Sessions in this status do not count as booked for referral programs.",
    )
    is_completed = fields.Boolean(
        string="Completes the Session",
        help="A session in this status took place: paid on its day, an online or prebooked one earns points.",
    )
    fold = fields.Boolean(string="Folded in Pipeline")

    _name_uniq = models.Constraint("UNIQUE(name)", "A session status with this name already exists.")
