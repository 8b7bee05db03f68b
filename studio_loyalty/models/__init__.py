from . import studio_client_status
from . import studio_loyalty_reward
from . import studio_loyalty_run
from . import studio_loyalty_run_line
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
