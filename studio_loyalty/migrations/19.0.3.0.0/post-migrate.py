from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Points come with 19.0.3: the installed Completed status completes a session (it earns points)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    completed = env.ref("studio_loyalty.studio_session_status_completed", raise_if_not_found=False)
    if completed:
        completed.is_completed = True
