"""The addon uninstalls cleanly from a database of its own.

Runs Odoo in a subprocess on a copy of the test database made by
``scripts/test`` before the suite starts (``<db>_uninstall``); without that
copy it installs the addon into a fresh database first, which is slower.

It makes and drops a database, so Odoo's runner leaves it out of
``--test-tags /studio_loyalty`` (like Odoo's own ``database_operations``
tests); run it there with ``--test-tags database_operations/studio_loyalty``.
pytest-odoo, which ``scripts/test`` uses, runs it with the rest.
"""

import os
import subprocess
import sys

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import config

UNINSTALL = """
import sys
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config
config.parse_config(["-c", sys.argv[1], "-d", sys.argv[2]])
registry = Registry.new(sys.argv[2])
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["ir.module.module"].search([("name", "=", "studio_loyalty")]).button_immediate_uninstall()
"""


def _psql(db, query):
    return subprocess.run(["psql", "-d", db, "-tAc", query], check=True, capture_output=True, text=True).stdout.strip()


def _odoo(*args):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(list(odoo.__path__)[0]))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=900)


@tagged("post_install", "-at_install", "-standard", "database_operations")
class TestUninstall(BaseCase):
    def test_uninstall_is_clean(self):
        """Uninstalling drops the addon's tables, columns, menus and groups."""
        db = f"{get_db_name()}_uninstall"
        conf = config["config"]
        existing = subprocess.run(["psql", "-lqtA"], capture_output=True, text=True).stdout
        if f"{db}|" not in existing:
            done = _odoo(
                "-m",
                "odoo",
                "-c",
                conf,
                "-d",
                db,
                "-i",
                "studio_loyalty",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            )
            self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        self.assertEqual(_psql(db, "SELECT state FROM ir_module_module WHERE name = 'studio_loyalty'"), "installed")

        done = _odoo("-c", UNINSTALL, conf, db)
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])

        self.assertEqual(_psql(db, "SELECT state FROM ir_module_module WHERE name = 'studio_loyalty'"), "uninstalled")
        for table in (
            "studio_loyalty_reward",
            "studio_loyalty_mailing",
            "studio_loyalty_mailing_line",
            "studio_loyalty_mailing_line_reward_rel",
        ):
            self.assertEqual(_psql(db, f"SELECT to_regclass('{table}') IS NULL"), "t", table)
        columns = _psql(
            db,
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'res_partner' AND column_name = 'client_status_id'",
        )
        self.assertEqual(columns, "0")
        # The letter type on Odoo's own templates, and the letters themselves, go with the addon.
        kinds = _psql(
            db,
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name IN ('mail_template', 'sms_template') AND column_name = 'studio_kind'",
        )
        self.assertEqual(kinds, "0")
        letters = _psql(
            db,
            "SELECT (SELECT count(*) FROM mail_template WHERE model = 'studio.loyalty.mailing.line')"
            " + (SELECT count(*) FROM sms_template WHERE model = 'studio.loyalty.mailing.line')",
        )
        self.assertEqual(letters, "0")
        self.assertEqual(_psql(db, "SELECT count(*) FROM ir_model_data WHERE module = 'studio_loyalty'"), "0")
        subprocess.run(["dropdb", "--if-exists", db], check=False)
