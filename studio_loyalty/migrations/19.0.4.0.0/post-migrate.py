from odoo import SUPERUSER_ID, api

# 19.0.3 templates (one message per reward, of three different models) and the 19.0.4 ones replacing them.
REPLACED = {
    "studio_loyalty_reward_mail_template_awarded": "studio_loyalty_mail_template_awarded",
    "studio_referral_mail_template_invitation": "studio_loyalty_mail_template_referral_invitation",
    "studio_referral_mail_template_reward": "studio_loyalty_mail_template_referral_reward",
    "studio_referral_mail_template_promo": "studio_loyalty_mail_template_promo",
}
# Where a run or a program names a template, and the box that sends it (None: sent on request).
TEMPLATE_FIELDS = [
    ("studio.loyalty.run", "mail_template_id", "send_email"),
    ("studio.referral.program", "reward_mail_template_id", "send_reward_email"),
    ("studio.referral.program", "promo_mail_template_id", "send_promo_email"),
    ("studio.referral.program", "invitation_mail_template_id", None),
]
# Runs still to process: their letters and messages go out when they finish.
PENDING_RUN_STATES = ("draft", "loaded", "queued", "processing")


def migrate(cr, version):
    """Letters come with 19.0.4: one message per client, from templates of one model that staff edit.

    Runs and programs that named an installed 19.0.3 template name its
    replacement; the old templates are removed. A template a studio wrote
    itself cannot be converted (it renders another model): the run or program
    keeps no template, and the box that sent it is unticked, so nothing fails
    to render (a run already processed keeps its boxes: they record what was
    done). A run still to process that prints letters (19.0.3 printed them
    from a report) gets the installed reward letter. Statuses and runs made
    before 19.0.4 get the installed templates of their new triggers and text
    messages, as new ones do. Running it again changes nothing.
    """
    env = api.Environment(cr, SUPERUSER_ID, {})
    mapping = {}
    for old_xmlid, new_xmlid in REPLACED.items():
        old = env.ref(f"studio_loyalty.{old_xmlid}", raise_if_not_found=False)
        if old:
            mapping[old.id] = env.ref(f"studio_loyalty.{new_xmlid}").id
    for model, field, box in TEMPLATE_FIELDS:
        Model = env[model].with_context(active_test=False)
        for record in Model.search([(field, "!=", False)]):
            template = record[field]
            if template.studio_kind:
                continue
            new_id = mapping.get(template.id)
            untick = (
                box
                and not new_id
                and record[box]
                and (model != "studio.loyalty.run" or record.state in PENDING_RUN_STATES)
            )
            sets = f'"{field}" = %s' + (f', "{box}" = FALSE' if untick else "")
            cr.execute(f'UPDATE "{Model._table}" SET {sets} WHERE id = %s', (new_id, record.id))  # noqa: S608 (names are constants)
    Mailing = env["studio.loyalty.mailing"]
    awarded, awarded_sms = Mailing._default_template("awarded"), Mailing._default_sms_template("awarded")
    if awarded:
        cr.execute(
            """
            UPDATE studio_loyalty_run SET mail_template_id = %s
             WHERE print_letters AND mail_template_id IS NULL AND state IN %s
            """,
            (awarded.id, PENDING_RUN_STATES),
        )
    if awarded_sms:
        cr.execute(
            "UPDATE studio_loyalty_run SET sms_template_id = %s WHERE sms_template_id IS NULL AND state IN %s",
            (awarded_sms.id, PENDING_RUN_STATES),
        )
    defaults = {
        "award_template_id": awarded,
        "award_sms_template_id": awarded_sms,
        "expiry_template_id": Mailing._default_template("expiring"),
        "expiry_sms_template_id": Mailing._default_sms_template("expiring"),
    }
    for field, template in defaults.items():
        if template:
            cr.execute(
                f'UPDATE studio_client_status SET "{field}" = %s WHERE "{field}" IS NULL',  # noqa: S608 (names are constants)
                (template.id,),
            )
    env["mail.template"].browse(mapping).unlink()
    env.invalidate_all()
