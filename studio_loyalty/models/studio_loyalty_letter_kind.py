from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The occasions the studio writes to a client on.
LETTER_KINDS = [
    ("awarded", "Reward Awarded"),
    ("expiring", "Rewards Expiring Soon"),
    ("referral_invitation", "Referral Program Invitation"),
    ("referral_reward", "Referral Reward Earned"),
    ("promo", "Promotional Item Earned"),
]
# What every letter, email and text message template renders: one client's message.
LETTER_MODEL = "studio.loyalty.mailing.line"


class StudioLoyaltyLetterKind(models.AbstractModel):
    """The occasion a mail or SMS template is written for, so a trigger can only pick a template that fits.

    A template of the wrong kind or model would fail only when a client is
    sent it ("Failed to render ... object.lang"); it is refused when chosen.
    """

    _name = "studio.loyalty.letter.kind"
    _description = "Loyalty Letter Type"

    studio_kind = fields.Selection(
        selection=LETTER_KINDS,
        string="Loyalty Letter Type",
        index="btree_not_null",
        groups="studio_loyalty.studio_loyalty_group_user",
        help="The occasion this template is written for; loyalty templates render one client's message.",
    )

    @api.constrains("studio_kind", "model_id")
    def _check_studio_kind_model(self):
        for template in self.sudo().filtered("studio_kind"):
            if template.model_id.model != LETTER_MODEL:
                raise ValidationError(
                    self.env._("A loyalty template renders a client's loyalty message (model %s).", LETTER_MODEL)
                )

    def _studio_check_kind(self, kind, label):
        """Refuse these templates unless they are loyalty templates of ``kind``; ``label`` names the choice."""
        kinds = dict(self._fields["studio_kind"]._description_selection(self.env))
        for template in self.sudo():
            if template.studio_kind != kind:
                raise ValidationError(
                    self.env._(
                        '%(label)s must be a loyalty template of the type "%(kind)s": "%(template)s" is not.',
                        label=label,
                        kind=kinds[kind],
                        template=template.name,
                    )
                )
