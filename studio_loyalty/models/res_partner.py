from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .studio_loyalty_guard import REWARD_READERS, in_transition

LOYALTY_USERS = "studio_loyalty.studio_loyalty_group_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    client_status_id = fields.Many2one(
        comodel_name="studio.client.status",
        index="btree_not_null",
        groups="base.group_user",
        tracking=True,
        ondelete="restrict",
    )
    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="partner_id",
        string="Loyalty Rewards",
        groups=REWARD_READERS,
    )
    studio_loyalty_move_ids = fields.One2many(
        comodel_name="studio.loyalty.move",
        inverse_name="partner_id",
        string="Loyalty History",
        readonly=True,
        groups=REWARD_READERS,
    )
    studio_reward_currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_studio_reward_currency_id"
    )
    studio_reward_available_amount = fields.Monetary(
        string="Available Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_available_count = fields.Integer(
        string="# Available Rewards",
        compute="_compute_studio_reward_totals",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_redeemed_amount = fields.Monetary(
        string="Redeemed Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_expired_amount = fields.Monetary(
        string="Expired Rewards",
        compute="_compute_studio_reward_totals",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_reward_next_expiry = fields.Date(
        string="Next Reward Expiry",
        compute="_compute_studio_reward_totals",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    # Points: read from the ledger for the current company, one grouped query for every row shown.
    studio_points_pending = fields.Integer(
        string="Pending Points",
        compute="_compute_studio_points",
        compute_sudo=True,
        groups=REWARD_READERS,
        help="Points earned that become redeemable once the pending period is over.",
    )
    studio_points_redeemable = fields.Integer(
        string="Redeemable Points",
        compute="_compute_studio_points",
        compute_sudo=True,
        groups=REWARD_READERS,
    )
    studio_points_lifetime = fields.Integer(
        string="Lifetime Points",
        compute="_compute_studio_points",
        compute_sudo=True,
        groups=REWARD_READERS,
        help="Every point earned, net of what refunds took back.",
    )
    studio_points_next_at = fields.Datetime(
        string="Pending Until",
        compute="_compute_studio_points",
        compute_sudo=True,
        groups=REWARD_READERS,
        help="When the first pending points become redeemable.",
    )
    studio_points_value = fields.Monetary(
        string="Points Value",
        compute="_compute_studio_points",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=REWARD_READERS,
        help="What the points held (pending and redeemable) are worth.",
    )

    # Referrals: the program this client refers under, and who referred them.
    studio_referral_program_id = fields.Many2one(
        comodel_name="studio.referral.program",
        string="Referral Program",
        index="btree_not_null",
        groups=LOYALTY_USERS,
        tracking=True,
        copy=False,
        help="The program this client refers new clients under. Reassigning restarts its clock.",
    )
    studio_referral_assign_date = fields.Datetime(
        string="Referral Program Assigned",
        readonly=True,
        copy=False,
        groups=LOYALTY_USERS,
        help="When the referral program was assigned: the start of the 'within N days' requirements "
        "of referrals made before any referral program email was sent.",
    )
    studio_referral_email_date = fields.Datetime(
        string="Referral Email Sent",
        readonly=True,
        copy=False,
        groups=LOYALTY_USERS,
        help="When the referral program email was first sent since the program was assigned: "
        "the start of the 'within N days' requirements.",
    )
    studio_referred_by_id = fields.Many2one(
        comodel_name="res.partner",
        string="Referred By",
        index="btree_not_null",
        groups=LOYALTY_USERS,
        tracking=True,
        copy=False,
        help="The client who referred this one. Cannot be changed once saved.",
    )
    studio_referral_ids = fields.One2many(
        comodel_name="studio.referral",
        inverse_name="referrer_id",
        string="Referrals Made",
        groups=LOYALTY_USERS,
    )
    studio_referred_referral_ids = fields.One2many(
        comodel_name="studio.referral",
        inverse_name="referred_id",
        string="Referral",
        groups=LOYALTY_USERS,
    )
    studio_referral_count = fields.Integer(
        string="# Referrals",
        help="Referrals this client made, and the one that brought them.",
        compute="_compute_studio_referral_stats",
        compute_sudo=True,
        groups=LOYALTY_USERS,
    )
    studio_referral_reward_amount = fields.Monetary(
        string="Referral Rewards",
        compute="_compute_studio_referral_stats",
        currency_field="studio_reward_currency_id",
        compute_sudo=True,
        groups=LOYALTY_USERS,
    )
    studio_session_ids = fields.One2many(
        comodel_name="calendar.event",
        inverse_name="studio_client_id",
        string="Sessions",
        groups=LOYALTY_USERS,
    )
    studio_session_count = fields.Integer(
        string="# Sessions", compute="_compute_studio_session_count", compute_sudo=True, groups=LOYALTY_USERS
    )

    @api.depends_context("company")
    def _compute_studio_reward_currency_id(self):
        self.studio_reward_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    @api.depends(
        "commercial_partner_id",
        "studio_reward_ids.state",
        "studio_reward_ids.amount",
        "studio_reward_ids.expiration_date",
    )
    def _compute_studio_reward_totals(self):
        """Totals of the current company's rewards, shared by a client's contacts.

        The same rewards the invoice offers to redeem: one grouped query for
        what is redeemable, one for what was redeemed or expired, for all rows.
        """
        Reward = self.env["studio.loyalty.reward"]
        clients = self.commercial_partner_id.filtered("id")
        company = self.env.company
        redeemable = Reward._redeemable_totals(clients, company)
        used = {}
        if clients:
            for client, state, amount in Reward._read_group(
                [
                    ("commercial_partner_id", "in", clients.ids),
                    ("company_id", "=", company.id),
                    ("state", "in", ("redeemed", "expired")),
                ],
                ["commercial_partner_id", "state"],
                ["amount:sum"],
            ):
                used[client.id, state] = company.currency_id.round(amount)
        for partner in self:
            client_id = partner.commercial_partner_id.id
            amount, count, next_expiry = redeemable.get((client_id, company.id), (0.0, 0, False))
            partner.studio_reward_available_amount = amount
            partner.studio_reward_available_count = count
            partner.studio_reward_next_expiry = next_expiry
            partner.studio_reward_redeemed_amount = used.get((client_id, "redeemed"), 0.0)
            partner.studio_reward_expired_amount = used.get((client_id, "expired"), 0.0)

    @api.depends_context("company")
    @api.depends("commercial_partner_id", "studio_loyalty_move_ids")
    def _compute_studio_points(self):
        Points = self.env["studio.loyalty.points"]
        balances = Points._balances(self.commercial_partner_id.filtered("id"), self.env.company)
        for partner in self:
            balance = balances.get(partner.commercial_partner_id.id) or Points._empty_balance()
            partner.studio_points_pending = balance["pending"]
            partner.studio_points_redeemable = balance["redeemable"]
            partner.studio_points_lifetime = balance["lifetime"]
            partner.studio_points_value = balance["value"]
            partner.studio_points_next_at = balance["next_at"]

    def action_studio_add_reward(self):
        """Issue a reward by hand; the client's status is left as it is."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Loyalty Reward"),
            "res_model": "studio.loyalty.reward",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def _compute_studio_referral_stats(self):
        """Referrals the client made or came by, and referral rewards earned, in grouped queries for all rows."""
        referrals = dict.fromkeys(self, 0)
        for field_name in ("referrer_id", "referred_id"):
            for partner, count in self.env["studio.referral"]._read_group(
                [(field_name, "in", self.ids), ("state", "!=", "merged")], [field_name], ["__count"]
            ):
                referrals[partner] += count
        rewards = dict(
            self.env["studio.loyalty.reward"]._read_group(
                [
                    ("partner_id", "in", self.ids),
                    ("origin", "=", "referral"),
                    ("company_id", "=", self.env.company.id),
                    ("state", "!=", "cancelled"),
                ],
                ["partner_id"],
                ["amount:sum"],
            )
        )
        for partner in self:
            partner.studio_referral_count = referrals.get(partner, 0)
            partner.studio_referral_reward_amount = rewards.get(partner, 0.0)

    def _compute_studio_session_count(self):
        sessions = dict(
            self.env["calendar.event"]._read_group(
                [("studio_client_id", "in", self.ids)], ["studio_client_id"], ["__count"]
            )
        )
        for partner in self:
            partner.studio_session_count = sessions.get(partner, 0)

    @api.constrains("studio_referred_by_id")
    def _check_studio_referred_by(self):
        for partner in self.sudo():
            referrer = partner.studio_referred_by_id
            if not referrer:
                continue
            if referrer.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(self.env._("A client cannot refer themself."))
            if partner._has_cycle("studio_referred_by_id"):
                raise ValidationError(
                    self.env._(
                        "%(client)s cannot be referred by %(referrer)s, whom they referred.",
                        client=partner.display_name,
                        referrer=referrer.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        vals_list = [
            {"studio_referral_assign_date": now, **vals} if vals.get("studio_referral_program_id") else vals
            for vals in vals_list
        ]
        partners = super().create(vals_list)
        if any(vals.get("studio_referred_by_id") for vals in vals_list):
            referred = partners.sudo().filtered("studio_referred_by_id")
            self.env["studio.referral"].sudo()._record(referred)
        return partners

    def write(self, vals):
        referred = self.browse()
        if "studio_referred_by_id" in vals and in_transition(self):
            # Merging clients: the merged client keeps its own referrer, else
            # takes one of the others' unless that would be itself.
            if self.sudo().studio_referred_by_id or vals["studio_referred_by_id"] in self.ids:
                vals = {key: value for key, value in vals.items() if key != "studio_referred_by_id"}
        if "studio_referred_by_id" in vals:
            referrer_id = vals["studio_referred_by_id"] or False
            if any(partner.studio_referred_by_id.id not in (False, referrer_id) for partner in self.sudo()):
                raise UserError(self.env._("Referred By cannot be changed once it is saved."))
            if referrer_id:
                referred = self.sudo().filtered(lambda partner: not partner.studio_referred_by_id)
        if "studio_referral_program_id" in vals:
            # Assigning (or reassigning) a program restarts the client's clock:
            # at the next referral program email, until then at the assignment.
            vals = {
                "studio_referral_assign_date": vals["studio_referral_program_id"] and fields.Datetime.now(),
                "studio_referral_email_date": False,
                **vals,
            }
        result = super().write(vals)
        if referred:
            self.env["studio.referral"].sudo()._record(referred)
        if vals.get("studio_referral_program_id"):
            self.env["studio.referral"].sudo()._adopt_program(self)
        return result

    def action_studio_send_referral_email(self):
        """Send each referring client their program's invitation; the first email since assignment starts the clock.

        Clients without an email address are listed on the send, not emailed,
        and their clock does not start. The send starts the clocks as it emails
        (in the background for a large one).
        """
        partners = self.sudo()
        unassigned = partners.filtered(lambda partner: not partner.studio_referral_program_id)
        if unassigned:
            raise UserError(
                self.env._("Assign a referral program first: %s.", ", ".join(unassigned[:10].mapped("display_name")))
            )
        no_template = partners.studio_referral_program_id.filtered(
            lambda program: not program.invitation_mail_template_id
        )
        if no_template:
            raise UserError(
                self.env._("Choose the referral program email of %s.", ", ".join(no_template.mapped("name")))
            )
        mailings = self.env["studio.loyalty.mailing"]
        for program, clients in partners.grouped("studio_referral_program_id").items():
            # The clocks start as the emails are queued (now, or by the background job for a large send).
            mailings |= program._studio_send(
                "referral_invitation",
                {client.id: {} for client in clients},
                self.env._("Referral program invitation: %s", program.name),
                True,
                program.invitation_mail_template_id,
            )
        if len(mailings) == 1 and mailings.no_email_count:
            return mailings.action_open_lines()
        return True

    def action_studio_send_letters(self):
        """Prepare one letter per selected client listing their available rewards."""
        rewards = self.env["studio.loyalty.reward"].search(
            [("partner_id", "in", self.ids), ("state", "=", "available")]
        )
        return self.env["studio.loyalty.mailing"]._draft_for(rewards, left_out=len(self - rewards.partner_id))

    def action_studio_open_referrals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_referral_action")
        action["domain"] = ["|", ("referrer_id", "=", self.id), ("referred_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_studio_open_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("studio_loyalty.studio_session_action")
        action["domain"] = [("studio_client_id", "=", self.id)]
        action["context"] = {"default_studio_client_id": self.id}
        return action

    def action_studio_book_session(self):
        """Book a session for this client in the calendar."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Book a Session"),
            "res_model": "calendar.event",
            "view_mode": "form",
            "views": [(self.env.ref("studio_loyalty.studio_session_view_form").id, "form")],
            "target": "new",
            "context": {
                "default_studio_client_id": self.id,
                "default_studio_session_status_id": self.env["studio.session.status"].search([], limit=1).id,
                "default_name": self.env._("Session: %s", self.name),
                "default_partner_ids": [self.id, self.env.user.partner_id.id],
            },
        }
