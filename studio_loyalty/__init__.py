from . import models, wizards


def _post_init_hook(env):
    """Create the Loyalty Rewards journal of every company that has a chart of accounts.

    Companies without one yet get it on their first redemption.
    """
    for company in env["res.company"].search([("chart_template", "!=", False)]):
        company._get_loyalty_journal()
