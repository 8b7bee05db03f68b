from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.studio_loyalty.tests.test_referral import ReferralCommon


@tagged("post_install", "-at_install")
class TestReferralCouponInSales(ReferralCommon):
    """Seed 003: "a unique Coupon Code the referred client must use" holds on sales orders too."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref("sales_team.group_sale_salesman")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create({"name": "Portrait session", "list_price": 200.0})

    def _order(self, partner):
        return self.env["sale.order"].create(
            {"partner_id": partner.id, "order_line": [Command.create({"product_id": self.product.id})]}
        )

    def test_only_the_holder_applies_the_coupon(self):
        self._program(give_promo=True, promo_program_id=self.coupon_program.id, promo_coupon=True)
        cleo = self._refer()
        coupon = self._referral(cleo).grant_ids.coupon_id
        self.assertEqual(coupon.partner_id, cleo)

        other = self._order(self.other_client)
        result = other._try_apply_code(coupon.code)
        self.assertEqual(
            result.get("error"),
            f"This coupon was given to {cleo.name} by a referral program: only {cleo.name} can use it.",
        )
        self.assertFalse(other.order_line.filtered("is_reward_line"))

        own = self._order(cleo)
        result = own._try_apply_code(coupon.code)
        self.assertNotIn("error", result)
        self.assertIn(coupon, result)

    def test_other_coupons_keep_odoo_rules(self):
        """A coupon the referral programs did not give is left to Odoo's own rules."""
        coupon = (
            self.env["loyalty.card"]
            .sudo()
            .create(
                {"program_id": self.coupon_program.id, "partner_id": self.client.id, "points": 1.0, "code": "OWN-1"}
            )
        )
        result = self._order(self.other_client)._try_apply_code(coupon.code)
        self.assertNotIn("was given to", result.get("error", ""))
