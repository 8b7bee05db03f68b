# Odoo's own test runner (--test-tags /studio_loyalty) finds tests through
# these imports; pytest-odoo collects the files directly.
from . import test_concurrency
from . import test_install
from . import test_invoice_redemption
from . import test_partner_list
from . import test_pos_tour
from . import test_process_run
from . import test_reward
from . import test_security
