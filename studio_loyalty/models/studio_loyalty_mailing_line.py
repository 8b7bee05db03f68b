from odoo import api, fields, models
from odoo.exceptions import UserError

from .studio_loyalty_guard import in_transition


class StudioLoyaltyMailingLine(models.Model):
    """One client's message of a send: the letter, email and text message about all of their rewards.

    What every loyalty template renders (``object``): the client, the rewards
    the message is about with their total and earliest expiry, the client's
    whole available balance, and the rewards as a ready-made table.
    """

    _name = "studio.loyalty.mailing.line"
    _inherit = ["studio.loyalty.guarded"]
    _description = "Loyalty Letter"
    _order = "mailing_id desc, sequence, id"
    _rec_name = "partner_id"

    mailing_id = fields.Many2one(
        comodel_name="studio.loyalty.mailing", required=True, readonly=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(readonly=True, help="The order of the letters in the printed PDF.")
    kind = fields.Selection(related="mailing_id.kind", store=True)
    company_id = fields.Many2one(related="mailing_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(related="mailing_id.date", string="Letter Date")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Client", required=True, readonly=True, index=True)
    lang = fields.Selection(related="partner_id.lang")
    reward_ids = fields.Many2many(
        comodel_name="studio.loyalty.reward",
        relation="studio_loyalty_mailing_line_reward_rel",
        column1="line_id",
        column2="reward_id",
        string="Rewards",
        readonly=True,
    )
    grant_id = fields.Many2one(
        comodel_name="studio.referral.grant",
        string="Referral Benefit",
        readonly=True,
        help="The promotional item the message announces.",
    )
    referral_program_id = fields.Many2one(comodel_name="studio.referral.program", readonly=True)
    reward_count = fields.Integer(string="Rewards Listed", compute="_compute_rewards")
    reward_total = fields.Monetary(string="Amount Listed", compute="_compute_rewards")
    first_expiry = fields.Date(string="Earliest Expiry", compute="_compute_rewards")
    balance = fields.Monetary(
        string="Available Balance",
        compute="_compute_balance",
        help="Everything the client can spend now: all their available rewards.",
    )
    rewards_table = fields.Html(compute="_compute_rewards_table", sanitize=False)
    state = fields.Selection(
        selection=[("to_send", "To Send"), ("sent", "Sent"), ("skipped", "Skipped")],
        default="to_send",
        required=True,
        readonly=True,
        index=True,
    )
    email_state = fields.Selection(
        selection=[("none", "-"), ("queued", "Queued"), ("no_address", "No email address")],
        string="Email",
        default="none",
        readonly=True,
    )
    sms_state = fields.Selection(
        selection=[("none", "-"), ("queued", "Queued"), ("no_number", "No phone number")],
        string="Text Message",
        default="none",
        readonly=True,
    )
    letter_state = fields.Selection(
        selection=[("none", "-"), ("to_print", "To Print"), ("printed", "Printed")],
        string="Letter",
        default="none",
        readonly=True,
        index=True,
    )
    note = fields.Char(readonly=True, help="Why something was not sent.")

    @api.depends("reward_ids.amount", "reward_ids.expiration_date")
    def _compute_rewards(self):
        for line in self:
            rewards = line.reward_ids
            line.reward_count = len(rewards)
            line.reward_total = line.currency_id.round(sum(rewards.mapped("amount")))
            line.first_expiry = min(rewards.filtered("expiration_date").mapped("expiration_date"), default=False)

    def _compute_balance(self):
        """The clients' available balances in one grouped query."""
        totals = {
            (partner.id, company.id): amount
            for partner, company, amount in self.env["studio.loyalty.reward"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.partner_id.ids), ("state", "=", "available")],
                ["partner_id", "company_id"],
                ["balance:sum"],
            )
        }
        for line in self:
            line.balance = line.currency_id.round(totals.get((line.partner_id.id, line.company_id.id), 0.0))

    def _compute_rewards_table(self):
        QWeb = self.env["ir.qweb"]
        for line in self:
            line.rewards_table = QWeb.with_context(lang=line.partner_id.lang or self.env.lang)._render(
                "studio_loyalty.studio_loyalty_mailing_rewards_table", {"line": line}
            )

    def _studio_refusal(self, vals, creating):
        return self.env._("A client's letter is written by the send it belongs to.")

    def _add_note(self, note):
        for line in self:
            line.note = f"{line.note} {note}" if line.note else note

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        if not in_transition(self) and any(line.mailing_id.state != "draft" for line in self):
            raise UserError(self.env._("A letter that was sent is kept with its send."))
