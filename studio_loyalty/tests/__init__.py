# Odoo's own test runner (--test-tags /studio_loyalty) finds tests through
# these imports; pytest-odoo collects the files directly.
from . import (
    test_concurrency,
    test_install,
    test_invoice_redemption,
    test_partner_list,
    test_pos_tour,
    test_process_run,
    test_qualifying_sale,
    test_referral,
    test_referral_concurrency,
    test_reward,
    test_security,
)
