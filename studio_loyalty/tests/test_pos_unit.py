import re

from odoo.tests import HttpCase, tagged

from odoo.addons.web.tests.test_js import unit_test_error_checker


@tagged("post_install", "-at_install")
class TestPosUnit(HttpCase):
    """The till's rewards rules (order model and store) by their Hoot unit tests, in headless Chromium.

    The tests are static/tests/unit/**; Hoot prints how many passed, and a
    run that found none of them fails here too.
    """

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
