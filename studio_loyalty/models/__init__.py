from . import (
    account_chart_template,
    account_move,
    res_company,
    res_config_settings,
    res_partner,
    studio_client_status,
    studio_loyalty_demo,
    studio_loyalty_reward,
    studio_loyalty_run,
    studio_loyalty_run_line,
)
