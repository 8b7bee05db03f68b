from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain


class AccountMove(models.Model):
    """Loyalty rewards as a means of payment of customer invoices.

    Each redeemed reward is booked as its own journal entry in the Loyalty
    Rewards journal (debit the loyalty account, credit the receivable) and
    reconciled with the invoice, so taxes and revenue stay untouched and the
    amount due drops exactly by the rewards' value.
    """

    _inherit = "account.move"

    studio_reward_ids = fields.One2many(
        comodel_name="studio.loyalty.reward",
        inverse_name="move_id",
        string="Redeemed Loyalty Rewards",
        readonly=True,
    )
    studio_reward_amount = fields.Monetary(
        string="Loyalty Rewards",
        compute="_compute_studio_reward_amount",
        currency_field="company_currency_id",
    )
    studio_redeemable_count = fields.Integer(
        string="Redeemable Rewards", compute="_compute_studio_redeemable"
    )
    studio_redeemable_amount = fields.Monetary(
        string="Redeemable Rewards Value",
        compute="_compute_studio_redeemable",
        currency_field="company_currency_id",
    )

    @api.depends("studio_reward_ids.amount")
    def _compute_studio_reward_amount(self):
        for move in self:
            move.studio_reward_amount = sum(move.studio_reward_ids.mapped("amount"))

    @api.depends(
        "move_type", "company_id", "commercial_partner_id.studio_reward_ids.state",
        "partner_id.studio_reward_ids.state",
    )
    def _compute_studio_redeemable(self):
        """Redeemable rewards of each invoice's client, in one grouped query."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.partner_id)
        totals = {}
        if invoices:
            groups = self.env["studio.loyalty.reward"]._read_group(
                Domain.AND(
                    [
                        self.env["studio.loyalty.reward"]._redeemable_domain(),
                        [
                            ("partner_id", "child_of", invoices.commercial_partner_id.ids),
                            ("company_id", "in", invoices.company_id.ids),
                        ],
                    ]
                ),
                ["partner_id", "company_id"],
                ["amount:sum", "__count"],
            )
            for partner, company, amount, count in groups:
                key = (partner.commercial_partner_id.id, company.id)
                old_amount, old_count = totals.get(key, (0.0, 0))
                totals[key] = (old_amount + amount, old_count + count)
        for move in self:
            amount, count = totals.get((move.commercial_partner_id.id, move.company_id.id), (0.0, 0))
            move.studio_redeemable_amount = amount
            move.studio_redeemable_count = count

    def _studio_paying_rewards(self):
        """Rewards whose payment entry is one of these moves (journal entries, not invoices)."""
        entries = self.filtered(lambda m: m.move_type == "entry")
        if not entries:
            return self.env["studio.loyalty.reward"]
        return self.env["studio.loyalty.reward"].sudo().search([("payment_move_id", "in", entries.ids)])

    def button_draft(self):
        # Called by button_cancel too: resetting or cancelling the invoice or
        # a reward's payment entry gives the rewards back.
        (self.studio_reward_ids | self._studio_paying_rewards())._undo_redemption()
        return super().button_draft()

    def _reverse_moves(self, default_values_list=None, cancel=False):
        self.studio_reward_ids._undo_redemption()
        if cancel:
            # The reversal itself takes this payment back off the invoice.
            self._studio_paying_rewards()._undo_redemption(cancel_entries=False)
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def js_remove_outstanding_partial(self, partial_id):
        """Unreconciling a reward's payment in the payment widget removes the redemption."""
        partial = self.env["account.partial.reconcile"].browse(partial_id)
        entries = (partial.debit_move_id | partial.credit_move_id).move_id
        rewards = self.env["studio.loyalty.reward"].search(
            [("payment_move_id", "in", entries.ids)]
        )
        if rewards:
            return rewards._undo_redemption()
        return super().js_remove_outstanding_partial(partial_id)

    def action_studio_redeem_rewards(self):
        self.ensure_one()
        self._studio_check_redeemable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Redeem Loyalty Rewards"),
            "res_model": "studio.loyalty.redeem",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _studio_check_redeemable(self):
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != "posted":
            raise UserError(
                self.env._("Loyalty rewards can be redeemed on posted customer invoices only.")
            )
        if self.currency_id != self.company_id.currency_id:
            raise UserError(
                self.env._(
                    "Loyalty rewards can be redeemed on invoices in %s only.",
                    self.company_id.currency_id.name,
                )
            )

    def _studio_redeem_rewards(self, rewards):
        """Pay this invoice with ``rewards``: spend them, book and reconcile the payment."""
        self.ensure_one()
        self._studio_check_redeemable()
        rewards._redeem(self, self.amount_residual, move_id=self.id)
        journal = self.company_id._get_loyalty_journal()
        receivable = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        client = self.commercial_partner_id
        entries = self.env["account.move"].create(
            [
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": fields.Date.context_today(self),
                    "partner_id": client.id,
                    "ref": self.env._("Loyalty reward %(reward)s on %(invoice)s",
                                      reward=reward.name, invoice=self.name),
                    "line_ids": [
                        Command.create(
                            {
                                "name": reward.name,
                                "account_id": journal.default_account_id.id,
                                "partner_id": client.id,
                                "debit": reward.amount,
                            }
                        ),
                        Command.create(
                            {
                                "name": reward.name,
                                "account_id": receivable.account_id[:1].id,
                                "partner_id": client.id,
                                "credit": reward.amount,
                            }
                        ),
                    ],
                }
                for reward in rewards
            ]
        )
        entries.action_post()
        for reward, entry in zip(rewards.sudo(), entries, strict=True):
            reward.payment_move_id = entry
        (entries.line_ids.filtered(lambda line: line.account_id == receivable.account_id[:1])
         | receivable).reconcile()
        self.message_post(
            body=self.env._("Loyalty rewards redeemed: %s", ", ".join(rewards.mapped("name")))
        )
        return entries
