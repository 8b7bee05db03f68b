import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError

from .studio_loyalty_guard import in_transition, transition


class StudioReferralGrant(models.Model):
    """What one referral earned once: a reward for the referring client, a promotional item for the referred one.

    The ledger of referral benefits. Its key (the referral itself, or one of
    the referred client's sessions) is unique per referral: the database
    refuses a second grant for the same event.
    """

    _name = "studio.referral.grant"
    _inherit = ["studio.loyalty.guarded"]
    _description = "Referral Benefit Granted"
    _order = "grant_date desc, id desc"
    _check_company_auto = True

    referral_id = fields.Many2one(
        comodel_name="studio.referral", required=True, readonly=True, index=True, ondelete="restrict"
    )
    key = fields.Char(required=True, readonly=True, help="'referral', or 'session:<id>' for a per-session grant.")
    program_id = fields.Many2one(related="referral_id.program_id", store=True, index=True)
    referrer_id = fields.Many2one(related="referral_id.referrer_id", store=True, index=True)
    referred_id = fields.Many2one(related="referral_id.referred_id", store=True)
    company_id = fields.Many2one(related="referral_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    grant_date = fields.Datetime(string="Granted On", required=True, readonly=True, default=fields.Datetime.now)
    session_id = fields.Many2one(comodel_name="calendar.event", readonly=True, ondelete="set null")
    reward_id = fields.Many2one(comodel_name="studio.loyalty.reward", readonly=True)
    # What was granted: a reward later partly used keeps a smaller amount, its rest another reward.
    reward_amount = fields.Monetary(readonly=True)
    promo_program_id = fields.Many2one(comodel_name="loyalty.program", string="Promotional Item", readonly=True)
    coupon_id = fields.Many2one(comodel_name="loyalty.card", readonly=True)
    # The seed's merge fields of the promotional item email.
    promo_description = fields.Char(
        string="Promotional Item Description", compute="_compute_promo_fields", compute_sudo=True
    )
    promo_identifier = fields.Char(
        string="Promotional Item Identifier", compute="_compute_promo_fields", compute_sudo=True
    )
    coupon_code = fields.Char(string="Coupon Number", related="coupon_id.code")

    _key_unique = models.Constraint("UNIQUE(referral_id, key)", "This referral benefit was already granted.")

    @api.depends("promo_program_id")
    def _compute_promo_fields(self):
        for grant in self:
            promo = grant.promo_program_id.sudo()
            grant.promo_description = ", ".join(promo.reward_ids.mapped("description")) or promo.name or False
            grant.promo_identifier = promo.name or False

    def _studio_refusal(self, vals, creating):
        if creating:
            return self.env._("Referral benefits are granted only by evaluating referrals.")
        return self.env._("A granted referral benefit cannot be changed.")

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A granted referral benefit cannot be deleted."))

    @api.model
    def _grant(self, referral_keys, today):
        """Create the grants of ``(referral, key)`` pairs with their rewards and coupons, in a few batched creates."""
        rewards_vals, cards_vals = [], []
        for referral, _key in referral_keys:
            program = referral.program_id
            if program.give_reward:
                rewards_vals.append(
                    {
                        "partner_id": referral.referrer_id.id,
                        "company_id": referral.company_id.id,
                        "amount": program.reward_amount,
                        "issue_date": today,
                        "expiration_date": program.reward_expires
                        and fields.Date.add(today, days=program.reward_expiration_days),
                        "origin": "referral",
                        "referral_id": referral.id,
                    }
                )
            if program.give_promo and program.promo_coupon:
                promo = program.promo_program_id.sudo()
                cards_vals.append(
                    {
                        # 48 random bits: Odoo's default 32-bit codes collide on
                        # their unique constraint once a base holds tens of
                        # thousands of coupons (seen in the benchmark).
                        "code": f"REF-{secrets.token_hex(6).upper()}",
                        "program_id": promo.id,
                        "partner_id": referral.referred_id.id,
                        "points": min(promo.reward_ids.mapped("required_points") or [1.0]),
                    }
                )
        rewards = iter(
            self.env["studio.loyalty.redemption"]._issue(
                rewards_vals, label=self.env._("Loyalty rewards earned by referrals")
            )
        )
        cards = iter(self.env["loyalty.card"].sudo().create(cards_vals))
        grants_vals = []
        for referral, key in referral_keys:
            program = referral.program_id
            reward = next(rewards) if program.give_reward else self.env["studio.loyalty.reward"]
            grants_vals.append(
                {
                    "referral_id": referral.id,
                    "key": key,
                    "session_id": int(key.split(":")[1]) if key.startswith("session:") else False,
                    "reward_id": reward.id,
                    "reward_amount": reward.amount,
                    "promo_program_id": program.promo_program_id.id if program.give_promo else False,
                    "coupon_id": next(cards).id if program.give_promo and program.promo_coupon else False,
                }
            )
        grants = transition(self.sudo()).create(grants_vals)
        # A qualifying referral earns the Client Referral points once, whatever it grants per session.
        self.env["studio.loyalty.points"]._earn_referrals(grants.referral_id)
        grants._send_emails()
        return grants

    def _send_emails(self):
        """Tell the clients what their referrals earned: one message per client and occasion, in their language."""
        Mailing = self.env["studio.loyalty.mailing"].sudo()
        for program, grants in self.sudo().grouped("program_id").items():
            rewards = grants.reward_id
            if rewards and (program.send_reward_email or program.send_sms):
                program._studio_send(
                    "referral_reward",
                    Mailing._about_rewards(rewards),
                    self.env._("Referral rewards: %s", program.name),
                    program.send_reward_email,
                    program.reward_mail_template_id,
                )
            promo_grants = grants.filtered("promo_program_id")
            if promo_grants and (program.send_promo_email or program.send_sms):
                # A client with two items at once (two sessions) is told of the latest.
                program._studio_send(
                    "promo",
                    {grant.referred_id.id: {"grant_id": grant.id} for grant in promo_grants},
                    self.env._("Promotional items: %s", program.name),
                    program.send_promo_email,
                    program.promo_mail_template_id,
                )
