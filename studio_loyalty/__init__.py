from . import models, wizards


def _post_init_hook(env):
    """Create the Loyalty Rewards journal of every company that has a chart of accounts.

    A company that gets its chart later gets the journal then (see
    ``account.chart.template._post_load_data``).
    """
    for company in env["res.company"].search([("chart_template", "!=", False)]):
        company._get_loyalty_journal()
    # Shops that exist already get the Loyalty Rewards payment method; new ones get it when created.
    env["pos.config"].search([])._studio_add_loyalty_method()
