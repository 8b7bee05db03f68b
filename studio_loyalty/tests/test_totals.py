from odoo.tests import tagged

from .common import StudioLoyaltyCommon


@tagged("post_install", "-at_install")
class TestTotals(StudioLoyaltyCommon):
    """The client form, the clients list and the invoice count the same rewards, one currency at a time."""

    def _amount(self, value, expected, currency=None):
        self.assertEqual((currency or self.currency).compare_amounts(value, expected), 0, f"{value} != {expected}")

    def test_contacts_share_their_company_rewards(self):
        """A company's contacts see the company's rewards, as the invoice and redemption do."""
        studio = self.env["res.partner"].create({"name": "Bright Weddings Ltd", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Jane Bright", "parent_id": studio.id})
        self._reward(studio, 10.0)
        self._reward(contact, 5.0, expiration_date=self._days(3))
        invoice = self._invoice(contact, 100.0)
        for partner in (studio, contact):
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.studio_reward_available_count, 2)
                self._amount(partner.studio_reward_available_amount, 15.0)
                self.assertEqual(partner.studio_reward_next_expiry, self._days(3))
        self.assertEqual(invoice.studio_redeemable_count, 2)
        self._amount(invoice.studio_redeemable_amount, 15.0)
        listed = self.env["res.partner"].web_search_read(
            [("id", "in", (studio | contact).ids)],
            {"studio_reward_available_amount": {}, "studio_reward_available_count": {}},
        )["records"]
        self.assertEqual([row["studio_reward_available_count"] for row in listed], [2, 2])

    def test_past_expiry_not_counted_as_available(self):
        """A reward past its date before the nightly job runs is neither redeemable nor available."""
        self._reward(self.client, 10.0, issue_date=self._days(-9), expiration_date=self._days(-1))
        invoice = self._invoice(self.client, 100.0)
        self.assertEqual(self.client.studio_reward_available_count, 0)
        self.assertEqual(invoice.studio_redeemable_count, 0)

    def test_companies_in_other_currencies_not_added(self):
        """Rewards of a company in another currency are not added to this company's totals."""
        other = self.setup_other_company(currency_id=self.setup_other_currency("EUR").id)["company"]
        self.assertNotEqual(other.currency_id, self.currency)
        self._reward(self.client, 10.0)
        self._reward(self.client, 99.0, company_id=other.id)
        self._amount(self.client.studio_reward_available_amount, 10.0)
        self.assertEqual(self.client.studio_reward_currency_id, self.currency)
        client = self.client.with_company(other)
        self._amount(client.studio_reward_available_amount, 99.0, other.currency_id)
        self.assertEqual(client.studio_reward_currency_id, other.currency_id)
