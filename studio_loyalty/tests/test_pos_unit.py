import re

from odoo.tests import HttpCase, tagged

from odoo.addons.web.tests.test_js import unit_test_error_checker


@tagged("post_install", "-at_install")
class TestPosUnit(HttpCase):
    """The till's rewards rules (order model and store) by their Hoot unit tests, in headless Chromium.

    The tests are static/tests/unit/**; Hoot prints how many passed, and a
    run that found none of them fails here too.
    """

    # The bundles /web/tests loads.
    BUNDLES = ("web.assets_unit_tests_setup", "web.assets_unit_tests")

    def setUp(self):
        super().setUp()
        self._drop_missing_files()

    def _drop_missing_files(self):
        """Leave out of the test bundle the files Debian's odoo-19 package does not ship (dfsg-stripped libraries).

        The bundle would report each one as a console error while the page
        loads, which fails any browser test; none of them is ours or used by
        our tests. Written in the test's transaction: rolled back after it.
        """
        Asset = self.env["ir.asset"]
        for bundle in self.BUNDLES:
            listed = Asset._get_asset_paths(bundle, Asset._get_asset_params())
            missing = sorted({path for path, full_path, *_rest in listed if full_path is None and "/static/" in path})
            Asset.create(
                [
                    {"name": f"Not shipped: {path}", "bundle": bundle, "directive": "remove", "path": path}
                    for path in missing
                ]
            )

    def test_pos_rewards_unit_tests(self):
        """Every studio_loyalty Hoot test passes, and all of them ran."""
        url = '/web/tests?headless&loglevel=2&timeout=15000&filter="@studio_loyalty/"'
        with self.assertLogs(self._logger.getChild("browser"), level="DEBUG") as logs:
            self.browser_js(
                url,
                "",
                "",
                login="admin",
                timeout=900,
                success_signal="[HOOT] Test suite succeeded",
                error_checker=unit_test_error_checker,
            )
        passed = [int(n) for line in logs.output for n in re.findall(r"\[HOOT\] Passed (\d+) tests", line)]
        self.assertEqual(passed, [9], "\n".join(line for line in logs.output if "HOOT" in line))
