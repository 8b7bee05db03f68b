"""Log into a running Odoo and save headless-Chromium screenshots of pages.

    python scripts/screenshot.py http://127.0.0.1:8069 out_dir \
        clients=/odoo/action-studio_loyalty.res_partner_action_studio_loyalty \
        "client_tab=/odoo/action-base.action_partner_form/45|a[name=studio_loyalty_rewards]"

Each ``|selector`` after the path clicks that element, in order, before the
screenshot: a CSS selector, or ``css~text`` for the first element matching the
CSS that holds the text; ``scroll:selector`` scrolls it into view instead.
``|shot:name`` saves a screenshot along the way.

Used to look at the screens as a user sees them, the page 1440x900. Talks to
Chromium over the DevTools protocol (websocket-client, already in the test
environment), on port 9333 or SHOT_CDP_PORT.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def _session(base, login, password, db):
    req = urllib.request.Request(
        f"{base}/web/session/authenticate",
        data=json.dumps({"params": {"db": db, "login": login, "password": password}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        body = json.load(resp)
        if body.get("error"):
            sys.exit(f"login failed: {body['error']['data']['message']}")
        cookie = resp.headers.get("Set-Cookie")
    return cookie.split("session_id=")[1].split(";")[0]


class Browser:
    def __init__(self):
        # Another checkout may be taking screenshots at the same time: SHOT_CDP_PORT picks another port.
        self.port = int(os.environ.get("SHOT_CDP_PORT", "9333"))
        self.proc = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--remote-debugging-port={self.port}",
                "--window-size=1440,900",
                f"--user-data-dir={tempfile.mkdtemp()}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json") as resp:
                    target = next(t for t in json.load(resp) if t["type"] == "page")
                break
            except OSError:
                time.sleep(0.2)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                return msg.get("result", {})

    def close(self):
        self.proc.terminate()


def _click(selector):
    """JavaScript clicking ``selector``: a CSS selector, or ``css~text`` for the first match holding text.

    ``scroll:selector`` scrolls that element into view instead of clicking it.
    """
    action = "click()"
    if selector.startswith("scroll:"):
        selector, action = selector.removeprefix("scroll:"), "scrollIntoView()"
    css, _sep, text = selector.partition("~")
    return (
        f"[...document.querySelectorAll({json.dumps(css)})]"
        f".find((el) => el.textContent.includes({json.dumps(text)})).{action}"
    )


def _shot(browser, out, name):
    png = browser.call("Page.captureScreenshot", format="png")["data"]
    path = os.path.join(out, f"{name}.png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(png))
    print(path)


def main():
    base, out = sys.argv[1], sys.argv[2]
    login = os.environ.get("ODOO_LOGIN", "admin")
    password = os.environ.get("ODOO_PASSWORD", "admin")
    db = os.environ.get("ODOO_DB", "studio_loyalty")
    os.makedirs(out, exist_ok=True)
    sid = _session(base, login, password, db)
    browser = Browser()
    try:
        browser.call("Network.enable")
        # The page itself 1440x900 (headless Chromium keeps part of the window for its own frame).
        browser.call("Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False)
        host = base.split("//")[1].split(":")[0]
        browser.call("Network.setCookie", name="session_id", value=sid, domain=host, path="/")
        for spec in sys.argv[3:]:
            name, path = spec.split("=", 1)
            path, *selectors = path.split("|")
            browser.call("Page.navigate", url=base + path)
            time.sleep(float(os.environ.get("SHOT_WAIT", "4")))
            for selector in selectors:
                if selector.startswith("shot:"):
                    _shot(browser, out, selector[5:])
                    continue
                browser.call("Runtime.evaluate", expression=_click(selector))
                time.sleep(2)
            _shot(browser, out, name)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
