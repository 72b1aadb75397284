"""web_browser.py -- the workbench's page in headless Chromium, driven over
WebDriver (Debian's chromium-driver; the protocol spoken with the standard
library, no client package): a township team signs in, filters its list,
marks a lead refused with a reason, exports the CSV and finds the refusal
in the audit log; the county's view is drawn.  Screenshots of both views
go to SHOT_DIR.

usage: web_browser.py URL SHOT_DIR TOWNSHIP
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

URL, SHOTS, TA = sys.argv[1:4]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
FAILED = []


def check(what, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", what,
                       "" if cond else "  (%s)" % detail))
    if not cond:
        FAILED.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Driver:
    """A WebDriver session with chromedriver."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000",
                         "--user-data-dir=" + tempfile.mkdtemp()]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method,
                                     headers={"Content-Type":
                                              "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read()[:300]))

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.sid, path), body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector",
                                            "value": css})[ELEMENT]

    def click(self, css):
        self.s("POST", "/element/%s/click" % self.find(css), {})

    def type(self, css, text):
        self.s("POST", "/element/%s/value" % self.find(css), {"text": text})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script,
                                                "args": list(args)})

    def js_async(self, script, *args):
        return self.s("POST", "/execute/async", {"script": script,
                                                 "args": list(args)})

    def wait(self, what, script, *args, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = self.js(script, *args)
            if v:
                return v
            time.sleep(0.2)
        raise RuntimeError("timed out waiting for " + what)

    def shot(self, name):
        png = base64.b64decode(self.s("GET", "/screenshot"))
        path = os.path.join(SHOTS, name)
        with open(path, "wb") as f:
            f.write(png)
        return path, len(png)

    def quit(self):
        self.s("DELETE", "")


def main():
    port = free_port()
    drv_proc = subprocess.Popen(["/usr/bin/chromedriver", "--port=%d" % port],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/status" % port,
                                       timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        d = Driver(port)
        try:
            run(d)
        finally:
            d.quit()
    finally:
        drv_proc.terminate()
        drv_proc.wait()
    print("%d failed" % len(FAILED))
    return 1 if FAILED else 0


ROWS = "return document.querySelectorAll('#leads tbody tr').length"


def sign_in(d, name):
    d.go(URL)
    d.wait("the sign-in form",
           "return !document.querySelector('#signin').hidden")
    d.type("#name", name)
    d.type("#password", name + "-password")
    d.click("#signin-btn")


def run(d):
    # a township team signs in and lands on its list
    sign_in(d, "ta")
    d.wait("the lead list", "return !document.querySelector('#township')"
           ".hidden && document.querySelectorAll('#leads tbody tr')"
           ".length > 0")
    who = d.js("return document.querySelector('#who').textContent")
    check("signed in as township A", TA in who, who)
    check("ID numbers masked on the page", d.js(
        "return [...document.querySelectorAll('#leads tbody tr')].every("
        "r => /^(\\d{6}\\*{12}|[0-9A-Z]{6}\\*{8}[0-9A-Z]{4})$/"
        ".test(r.children[1].textContent) || "
        "!/^\\d/.test(r.children[1].textContent))"))
    path, size = d.shot("township.png")
    check("screenshot of the township view (%d bytes)" % size, size > 5000)

    # filter by reason
    d.click("#f-reason option[value='working_age_uninsured']")
    d.wait("the filtered list", "return [...document.querySelectorAll("
           "'#leads tbody tr')].length > 0 && [...document.querySelectorAll("
           "'#leads tbody tr')].every(r => r.children[3].textContent == "
           "'working_age_uninsured')")
    total = d.js("return document.querySelector('#total').textContent")
    check("the list is filtered by reason", "leads" in total, total)

    # mark the first open lead refused, with a reason from the list
    lid = d.js("const r = [...document.querySelectorAll('#leads tbody tr')]"
               ".find(r => r.querySelector('.act-refused'));"
               "return r ? r.dataset.lead : null")
    check("an open lead to work", lid is not None)
    d.click("#leads tr[data-lead='%s'] .act-refused" % lid)
    d.wait("the refusal dialog",
           "return document.querySelector('#refuse-dialog').open")
    d.click("#refuse-code option[value='away_for_work']")
    d.type("#refuse-note", "在外务工 two years")
    d.click("#refuse-ok")
    # the live stream may show the row refused before the POST's answer
    # comes back and the page says so: wait for both
    d.wait("the refusal recorded", "const r = document.querySelector("
           "'#leads tr[data-lead=\"' + arguments[0] + '\"]');"
           "return r && r.querySelector('td.status').textContent == "
           "'refused' && document.querySelector('#message').textContent"
           ".includes(arguments[0])", lid)
    msg = d.js("return document.querySelector('#message').textContent")
    check("the page says the refusal was recorded", lid in msg and
          "refused" in msg, msg)

    # export the filtered list as CSV, with the session's cookie
    href = d.js("return document.querySelector('#export').href")
    check("the export link carries the filter",
          "reason=working_age_uninsured" in href, href)
    text = d.js_async("const done = arguments[arguments.length - 1];"
                      "fetch(arguments[0]).then(r => r.text()).then(done)"
                      ".catch(e => done('ERROR ' + e))", href)
    lines = text.splitlines()
    check("the CSV export has the contract's columns",
          lines and lines[0].startswith("lead_id,township_code,"), lines[:1])
    row = [l for l in lines if l.startswith(lid + ",")]
    check("the refused lead is in the export, refused and masked",
          row and ",refused," in row[0] and "********" in row[0], row)

    # the refusal in the audit log
    d.click("#nav-audit")
    d.wait("the audit log", "return document.querySelectorAll("
           "'#audit-table tbody tr').length > 0")
    found = d.js("return [...document.querySelectorAll('#audit-table tbody "
                 "tr')].some(r => r.children[2].textContent == 'decide' && "
                 "r.children[3].textContent == arguments[0] && "
                 "r.children[5].textContent.includes('away_for_work'))", lid)
    check("the refusal is in the audit log", found)

    # the county's view
    d.click("#signout")
    d.wait("signed out", "return !document.querySelector('#signin').hidden")
    sign_in(d, "county")
    d.wait("the county view", "return !document.querySelector('#county')"
           ".hidden && document.querySelectorAll('#county-table tbody tr')"
           ".length > 0 && document.querySelectorAll('#chart-reasons rect')"
           ".length > 0")
    n = d.js("return document.querySelectorAll('#county-table tbody tr')"
             ".length")
    bars = d.js("return document.querySelectorAll('.bar > span').length")
    check("the county view: every township with a progress bar (%d)" % n,
          n >= 10 and bars == n)
    path, size = d.shot("county.png")
    check("screenshot of the county view (%d bytes)" % size, size > 5000)


if __name__ == "__main__":
    sys.exit(main())
