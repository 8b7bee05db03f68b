from odoo import SUPERUSER_ID, api

# 19.0.3 templates (one message per reward, of three different models) and the 19.0.4 ones replacing them.
REPLACED = {
    "studio_loyalty_reward_mail_template_awarded": "studio_loyalty_mail_template_awarded",
    "studio_referral_mail_template_invitation": "studio_loyalty_mail_template_referral_invitation",
    "studio_referral_mail_template_reward": "studio_loyalty_mail_template_referral_reward",
    "studio_referral_mail_template_promo": "studio_loyalty_mail_template_promo",
}
# Where a run or a program names a template.
TEMPLATE_FIELDS = [
    ("studio.loyalty.run", "mail_template_id"),
    ("studio.referral.program", "reward_mail_template_id"),
    ("studio.referral.program", "promo_mail_template_id"),
    ("studio.referral.program", "invitation_mail_template_id"),
]


def migrate(cr, version):
    """Letters come with 19.0.4: one message per client, from templates of one model that staff edit.

    Runs and programs that named an installed 19.0.3 template name its
    replacement; the old templates are removed. A template a studio wrote
    itself cannot be converted (it renders another model): the run or program
    keeps no template, and the box that sent it is unticked, so nothing fails
    to render.
    """
    env = api.Environment(cr, SUPERUSER_ID, {})
    mapping = {}
    for old_xmlid, new_xmlid in REPLACED.items():
        old = env.ref(f"studio_loyalty.{old_xmlid}", raise_if_not_found=False)
        if old:
            mapping[old.id] = env.ref(f"studio_loyalty.{new_xmlid}").id
    for model, field in TEMPLATE_FIELDS:
        Model = env[model].with_context(active_test=False)
        for record in Model.search([(field, "!=", False)]):
            template = record[field]
            if template.studio_kind:
                continue
            cr.execute(
                f'UPDATE "{Model._table}" SET "{field}" = %s WHERE id = %s',  # noqa: S608 (names are constants)
                (mapping.get(template.id), record.id),
            )
    cr.execute(
        """
        UPDATE studio_referral_program SET send_reward_email = FALSE
         WHERE send_reward_email AND reward_mail_template_id IS NULL
        """
    )
    cr.execute(
        """
        UPDATE studio_referral_program SET send_promo_email = FALSE
         WHERE send_promo_email AND promo_mail_template_id IS NULL
        """
    )
    env["mail.template"].browse(mapping).unlink()
    env.invalidate_all()
