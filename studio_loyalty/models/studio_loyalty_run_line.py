from odoo import fields, models


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
    _description = "Loyalty Processing Run Line"
    _order = "run_id, amount desc, id"
    _log_access = False

    run_id = fields.Many2one(
        comodel_name="studio.loyalty.run", required=True, ondelete="cascade", index=True
    )
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
    reward_count = fields.Integer(string="Rewards")
    amount = fields.Monetary(string="Reward Amount")
    consumed_amount = fields.Monetary(
        help="Sales used up by the rewards of this line; they do not count again."
    )
    reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward", inverse_name="run_line_id", string="Rewards Created"
    )

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }
