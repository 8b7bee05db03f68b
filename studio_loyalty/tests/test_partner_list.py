from odoo.tests import tagged

from .common import StudioLoyaltyCommon

LIST_FIELDS = {
    "display_name": {},
    "client_status_id": {"fields": {"display_name": {}}},
    "studio_reward_available_amount": {},
    "studio_reward_available_count": {},
    "studio_reward_next_expiry": {},
}


@tagged("post_install", "-at_install")
class TestPartnerList(StudioLoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = cls.env["res.partner"].create(
            [{"name": f"List Client {i:02d}", "client_status_id": cls.status_loyal.id} for i in range(30)]
        )
        cls.env["studio.loyalty.reward"].create(
            [
                {"partner_id": p.id, "amount": 10.0 + i, "expiration_date": cls._days(i + 1)}
                for i, p in enumerate(cls.clients)
            ]
        )

    def _queries_for(self, limit):
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        result = self.env["res.partner"].web_search_read(
            [("id", "in", self.clients.ids)], LIST_FIELDS, limit=limit, order="name"
        )
        self.assertEqual(len(result["records"]), limit)
        return self.cr.sql_log_count - before, result["records"]

    def test_list_query_count_does_not_grow(self):
        """The clients list computes reward columns with the same number of queries for 3 or 30 rows."""
        self._queries_for(1)  # warm the registry caches, which are not per row
        few, _ = self._queries_for(3)
        many, records = self._queries_for(30)
        self.assertEqual(few, many)
        first = records[0]
        self.assertEqual(first["studio_reward_available_count"], 1)
        self.assertEqual(self.currency.compare_amounts(first["studio_reward_available_amount"], 10.0), 0)
        self.assertEqual(first["studio_reward_next_expiry"], self._days(1))

    def test_list_query_budget(self):
        """Thirty clients with their reward columns load in a handful of queries."""
        self._queries_for(1)
        self.env.invalidate_all()
        with self.assertQueryCount(8):
            self.env["res.partner"].web_search_read([("id", "in", self.clients.ids)], LIST_FIELDS, limit=30)

    def test_loyalty_clients_list_shows_reward_columns(self):
        """Loyalty > Clients opens a list showing status, balance, count and next expiry by default."""
        action = self.env.ref("studio_loyalty.res_partner_action_studio_loyalty")
        list_view = action.view_ids.filtered(lambda view: view.view_mode == "list").view_id
        arch = self.env["res.partner"].get_view(list_view.id, "list")["arch"]
        for name in (
            "client_status_id",
            "studio_reward_available_amount",
            "studio_reward_available_count",
            "studio_reward_next_expiry",
        ):
            self.assertRegex(arch, rf'<field name="{name}"[^>]*optional="show"')
        contacts_arch = self.env["res.partner"].get_view(self.env.ref("base.view_partner_tree").id, "list")["arch"]
        self.assertRegex(contacts_arch, r'<field name="studio_reward_available_amount"[^>]*optional="hide"')
