from odoo import api, fields, models
from odoo.exceptions import UserError

from .studio_loyalty_guard import in_transition


class StudioLoyaltyRunLine(models.Model):
    """One client in a processing run; its done lines are the consumption ledger.

    A client's unrewarded sales are its qualifying sales minus the
    ``consumed_amount`` of its done lines, so a cancelled run gives the sales
    back simply by leaving the ledger. There is deliberately no unique
    (run, client) constraint: Odoo's partner merge deletes rows that would
    break one, and these rows are money.

    Lines are written by the thousand in one statement, so they carry as
    few foreign keys as they can: no log-access columns (the run records
    who and when) and the company through the run.
    """

    _name = "studio.loyalty.run.line"
    _inherit = ["studio.loyalty.guarded"]
    _description = "Loyalty Processing Run Line"
    _order = "run_id, amount desc, id"
    _log_access = False

    run_id = fields.Many2one(comodel_name="studio.loyalty.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id")
    currency_id = fields.Many2one(related="run_id.currency_id")
    partner_id = fields.Many2one(comodel_name="res.partner", string="Client", required=True, index=True)
    selected = fields.Boolean(default=True)
    state = fields.Selection(
        selection=[("todo", "To Process"), ("done", "Processed"), ("cancelled", "Cancelled")],
        default="todo",
        required=True,
        index=True,
    )
    qualifying_sales = fields.Monetary()
    unrewarded_sales = fields.Monetary()
    reward_count = fields.Integer(
        string="Thresholds Reached",
        help="How many times the client's sales reached the threshold: the client's one reward is worth this "
        "many times the reward amount.",
    )
    amount = fields.Monetary(string="Reward Amount")
    consumed_amount = fields.Monetary(help="Sales used up by the rewards of this line; they do not count again.")
    reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward", inverse_name="run_line_id", string="Rewards Created"
    )

    def _studio_refusal(self, vals, creating):
        if creating:
            # Loading writes the lines in one statement; nothing else makes them.
            return self.env._("Clients are added to a run by loading it.")
        if vals.keys() - {"selected"} or any(line.state != "todo" for line in self):
            return self.env._(
                "A run's clients can only be selected or deselected before processing; "
                "processed lines are the record of the sales that earned rewards."
            )
        return None

    @api.ondelete(at_uninstall=False)
    def _unlink_except_processed(self):
        if any(line.state != "todo" for line in self):
            raise UserError(self.env._("Processed lines of a run cannot be deleted: cancel the run instead."))

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }
