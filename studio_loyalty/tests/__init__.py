# Odoo's own test runner (--test-tags /studio_loyalty) finds tests through
# these imports; pytest-odoo collects the files directly. Every test module
# is listed.
from . import (
    test_concurrency,
    test_core_users,
    test_install,
    test_integrity,
    test_invoice_redemption,
    test_partner_list,
    test_pos_redemption,
    test_pos_rewards_tour,
    test_pos_tour,
    test_process_run,
    test_qualifying_sale,
    test_referral,
    test_referral_concurrency,
    test_refunds,
    test_reward,
    test_security,
    test_totals,
    test_uninstall,
)
