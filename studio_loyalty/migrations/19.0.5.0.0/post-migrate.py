def migrate(cr, version):
    """19.0.5: referral clocks start at the assignment; the ledger names POS orders by their receipt number.

    Referral clocks: a referral made before any program email starts at the assignment.

    Clients assigned to a program before 19.0.5 get the moment it was
    assigned: the last change of their Referral Program in the chatter, else
    the day their record was created (the earliest it can have been). Referrals
    still waiting whose clock started at the referral itself (no email had been
    sent) start at that assignment instead, if it came first and is of the same
    program. Running it again changes nothing.
    """
    cr.execute(
        """
        UPDATE res_partner partner
           SET studio_referral_assign_date = COALESCE(
                   (SELECT MAX(message.date)
                      FROM mail_tracking_value tracking
                      JOIN mail_message message ON message.id = tracking.mail_message_id
                      JOIN ir_model_fields field ON field.id = tracking.field_id
                     WHERE field.model = 'res.partner'
                       AND field.name = 'studio_referral_program_id'
                       AND message.model = 'res.partner'
                       AND message.res_id = partner.id),
                   partner.create_date)
         WHERE partner.studio_referral_program_id IS NOT NULL
           AND partner.studio_referral_assign_date IS NULL
        """
    )
    cr.execute(
        """
        UPDATE studio_referral referral
           SET clock_start = referrer.studio_referral_assign_date
          FROM res_partner referrer
         WHERE referrer.id = referral.referrer_id
           AND referral.state IN ('pending', 'earned')
           AND referral.clock_start = referral.referral_date
           AND referrer.studio_referral_program_id = referral.program_id
           AND referrer.studio_referral_assign_date < referral.referral_date
        """
    )
    # Odoo names a POS order after the end of its receipt number only, so orders
    # of two till devices shared names in the ledger: name them as the receipt does.
    cr.execute(
        """
        UPDATE studio_loyalty_move line
           SET reference = pos.pos_reference
          FROM pos_order pos
         WHERE pos.id = line.pos_order_id
           AND pos.pos_reference IS NOT NULL
           AND line.reference IS DISTINCT FROM pos.pos_reference
        """
    )
