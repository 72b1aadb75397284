"""web_browser.py -- the workbench's page in headless Chromium, driven over
WebDriver (Debian's chromium-driver; the protocol spoken with the standard
library, no client package): a township team signs in, filters its list,
marks a lead refused with a reason, exports the CSV, rejects a review
item with a reason in its review queue and finds the refusal and the
verdict in the audit log; the county's view is drawn, with the open
review items by kind.  The page speaks Chinese:
every code it shows (reasons, priorities, statuses, age bands, decisions,
alert kinds, audit actions) is shown by its name from labels.js, while
the filters send and the CSV export keeps the codes.  Screenshots of the
views go to SHOT_DIR.

usage: web_browser.py URL SHOT_DIR TOWNSHIP
"""
import base64
import json
import os
import re
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

# The names the page must show (as in workbench/page/labels.js; written out
# here so that a wrong name in the table fails too).
WORKING_AGE = "劳动年龄段未参保"
AGE_BANDS = {"under_30": "30岁以下", "30_44": "30–44岁", "45_59": "45–59岁",
             "60_plus": "60岁及以上"}
PRIORITIES = {"high": "优先", "normal": "一般"}
STATUSES = {"open": "待处理", "contacted": "已联系", "refused": "拒绝参保",
            "closed": "已关闭"}
AWAY = "外出务工联系不上"

# Whether an element's visible text holds any code of the groups named, as
# a word: the page must show names, never these.
CODES_IN = """
const groups = arguments[1], text = document.querySelector(arguments[0])
    .innerText;
const found = [];
for (const g of groups)
  for (const c of Object.keys(LABELS[g]))
    if (new RegExp('(^|[^A-Za-z0-9_])' + c + '($|[^A-Za-z0-9_])').test(text))
      found.push(g + '.' + c);
return found;
"""


REVIEW_KINDS = {"name_mismatch": "姓名不一致",
                "death_unconfirmed": "死亡待核实",
                "probable_typo": "疑似录入错误",
                "duplicate_identity": "疑似一人多号"}
REVIEW_STATUSES = {"open": "待核实", "confirmed": "核实属实",
                   "rejected": "核实不属实", "corrected": "已更正"}
REVIEW_REASON = "经入户核实，救助名单姓名笔误"
REVIEW = {}  # the item rejected: its id


def reviews(d):
    """Township A's review queue: web.sh's item of 钱学森 (evidence
    it-web-rev-assistance-7) rejected with a reason."""
    d.click("#nav-reviews")
    d.wait("the review queue", "return !document.querySelector('#reviews')"
           ".hidden && document.querySelectorAll('#reviews-table tbody tr')"
           ".length > 0")
    heads = d.js("return [...document.querySelectorAll('#reviews-table "
                 "thead th')].map(t => t.textContent)")
    check("the queue's columns are in Chinese", heads[1] == "类型" and
          heads[7] == "涉及金额（元）" and heads[9] == "状态", heads)
    cells = d.js("return [...document.querySelectorAll('#reviews-table "
                 "tbody tr')].map(r => [...r.children].map(c => "
                 "c.textContent))")
    check("every item's kind is a name (%s)" % ", ".join(
          sorted({c[1] for c in cells})),
          all(c[1] in REVIEW_KINDS.values() for c in cells), cells[:3])
    check("every item is open, by name (待核实)",
          all(c[9] == REVIEW_STATUSES["open"] for c in cells), cells[:3])
    check("only township A's items", all(c[2] == TA for c in cells))
    check("ID numbers and names masked in the queue",
          all(re.match(r"^\d{6}\*{12}$", c[3]) and c[4].endswith("*") and
              c[5].endswith("*") for c in cells), cells[:3])
    opts = d.js("return [...document.querySelectorAll('#r-status option')]"
                ".map(o => [o.value, o.textContent])")
    check("the status filter: open first, by name", opts and
          opts[0] == ["open", "待核实"] and ["all", "全部"] in opts, opts)
    codes = d.js(CODES_IN, "#reviews", ["review_kind", "review_status",
                                        "review_verdict"])
    check("no code in the queue's text", codes == [], codes)
    row = [c for c in cells if c[6] == "it-web-rev-assistance-7"]
    check("web.sh's item is in the queue", len(row) == 1, cells)
    if not row:
        return
    rid = REVIEW["id"] = row[0][0]
    buttons = d.js("return [...document.querySelectorAll('#reviews-table "
                   "tr[data-review=\"' + arguments[0] + '\"] button')]"
                   ".map(b => b.textContent)", rid)
    check("a name mismatch is confirmed or rejected (确认属实, 确认不属实)",
          buttons == ["确认属实", "确认不属实"], buttons)
    path, size = d.shot("reviews.png")
    check("screenshot of the review queue (%d bytes)" % size, size > 5000)
    d.click("#reviews-table tr[data-review='%s'] .verdict-reject" % rid)
    d.wait("the verdict dialog",
           "return document.querySelector('#verdict-dialog').open")
    check("the dialog names the verdict", d.js(
        "return document.querySelector('#verdict-name').textContent") ==
        "确认不属实")
    d.type("#verdict-reason", REVIEW_REASON)
    d.click("#verdict-ok")
    d.wait("the rejection recorded", "const r = document.querySelector("
           "'#reviews-table tr[data-review=\"' + arguments[0] + '\"]');"
           "return r && r.children[9].textContent == arguments[1] && "
           "document.querySelector('#message').textContent"
           ".includes(arguments[0])", rid, REVIEW_STATUSES["rejected"])
    msg = d.js("return document.querySelector('#message').textContent")
    check("the page says the rejection was recorded (%s)" % msg,
          "已记录" in msg and "确认不属实" in msg and "核实不属实" in msg, msg)
    # the queue again, filtered by status: the item is rejected there
    d.click("#r-status option[value='rejected']")
    d.wait("the rejected items", "return [...document.querySelectorAll("
           "'#reviews-table tbody tr')].some(r => r.dataset.review == "
           "arguments[0] && r.children[9].textContent == arguments[1])",
           rid, REVIEW_STATUSES["rejected"])
    check("the item shows as rejected (核实不属实) under its status", True)
    # its own page: whole, with the verdict and the reason
    d.go(URL + "#review/" + rid)
    d.wait("the item's page", "return !document.querySelector('#review')"
           ".hidden && document.querySelectorAll('#review-fields dd')"
           ".length > 0")
    fields = dict(d.js("const dt = [...document.querySelectorAll("
                       "'#review-fields dt')]; return dt.map(t => "
                       "[t.textContent, t.nextElementSibling.textContent])"))
    check("the item's page is whole, with its verdict and reason",
          fields.get("户籍姓名") == "钱学森" and
          fields.get("状态") == "核实不属实 (rejected)" and
          fields.get("最近核实", "").startswith("确认不属实 ") and
          fields.get("最近核实", "").endswith(REVIEW_REASON), fields)


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
    check("signed in as township A", TA in who and "乡镇账号" in who, who)
    check("the page says it is Chinese (lang zh-CN)",
          d.js("return document.documentElement.lang") == "zh-CN")
    heads = d.js("return [...document.querySelectorAll('#leads thead th')]"
                 ".map(t => t.textContent)")
    check("the list's columns are in Chinese", heads[3:8] == [
        "原因", "优先级", "年龄段", "发现日期", "状态"], heads)
    cells = d.js("return [...document.querySelectorAll('#leads tbody tr')]"
                 ".map(r => [...r.children].map(c => c.textContent))")
    check("every row's priority is a name (优先, 一般)",
          all(c[4] in PRIORITIES.values() for c in cells),
          [c[4] for c in cells[:5]])
    check("every row's age band is a name (30岁以下 ...)",
          all(c[5] in AGE_BANDS.values() or c[5] == "" for c in cells) and
          any(c[5] in AGE_BANDS.values() for c in cells),
          [c[5] for c in cells[:5]])
    check("every row's status is a name (待处理 ...)",
          all(c[7].split("（")[0] in STATUSES.values() for c in cells),
          [c[7] for c in cells[:5]])
    check("the actions are named (已联系, 拒绝参保, 已参保, 无效线索)", d.js(
        "return [...document.querySelectorAll('#leads tbody tr td:last-child"
        " button')].map(b => b.textContent).slice(0, 4).join(',')") ==
        "已联系,拒绝参保,已参保,无效线索")
    check("a code the table lacks is shown as itself, never blank", d.js(
        "return [label('lead_reason', 'a_new_reason'), label('no_group', "
        "'x'), label('age_band', null)]") == ["a_new_reason", "x", ""])
    codes = d.js(CODES_IN, "#township", [
        "lead_reason", "priority", "lead_status", "closed_reason", "age_band",
        "decision", "sort", "order"])
    check("no code in the township view's text", codes == [], codes)
    check("ID numbers masked on the page", d.js(
        "return [...document.querySelectorAll('#leads tbody tr')].every("
        "r => /^(\\d{6}\\*{12}|[0-9A-Z]{6}\\*{8}[0-9A-Z]{4})$/"
        ".test(r.children[1].textContent) || "
        "!/^\\d/.test(r.children[1].textContent))"))
    path, size = d.shot("township.png")
    check("screenshot of the township view (%d bytes)" % size, size > 5000)

    # filter by reason: the option shows the name and sends the code
    opt = d.js("const o = document.querySelector(\"#f-reason option[value="
               "'working_age_uninsured']\"); return o && o.textContent")
    check("the reason filter shows %s for working_age_uninsured"
          % WORKING_AGE, opt == WORKING_AGE, opt)
    d.click("#f-reason option[value='working_age_uninsured']")
    d.wait("the filtered list", "return [...document.querySelectorAll("
           "'#leads tbody tr')].length > 0 && [...document.querySelectorAll("
           "'#leads tbody tr')].every(r => r.children[3].textContent == "
           "arguments[0])", WORKING_AGE)
    total = d.js("return document.querySelector('#total').textContent")
    check("the list is filtered by reason (%s)" % total,
          total.startswith("共 ") and total.endswith(" 条线索"), total)
    row = d.js("const r = document.querySelector('#leads tbody tr');"
               "return [...r.children].map(c => c.textContent)")
    check("a lead row shows %s, not working_age_uninsured" % WORKING_AGE,
          row[3] == WORKING_AGE and
          "working_age_uninsured" not in " ".join(row), row)
    check("a lead row shows its age band's name (%s)" % row[5],
          row[5] in AGE_BANDS.values(), row)

    # mark the first open lead refused, with a reason from the list
    lid = d.js("const r = [...document.querySelectorAll('#leads tbody tr')]"
               ".find(r => r.querySelector('.act-refused'));"
               "return r ? r.dataset.lead : null")
    check("an open lead to work", lid is not None)
    d.click("#leads tr[data-lead='%s'] .act-refused" % lid)
    d.wait("the refusal dialog",
           "return document.querySelector('#refuse-dialog').open")
    opt = d.js("return document.querySelector(\"#refuse-code option[value="
               "'away_for_work']\").textContent")
    check("the refusal reasons are named (%s)" % AWAY, opt == AWAY, opt)
    d.click("#refuse-code option[value='away_for_work']")
    d.type("#refuse-note", "在外务工 two years")
    d.click("#refuse-ok")
    # the live stream may show the row refused before the POST's answer
    # comes back and the page says so: wait for both
    d.wait("the refusal recorded", "const r = document.querySelector("
           "'#leads tr[data-lead=\"' + arguments[0] + '\"]');"
           "return r && r.querySelector('td.status').textContent == "
           "arguments[1] && document.querySelector('#message').textContent"
           ".includes(arguments[0])", lid, STATUSES["refused"])
    msg = d.js("return document.querySelector('#message').textContent")
    check("the page says the refusal was recorded (%s)" % msg,
          lid in msg and "已记录" in msg and "拒绝参保" in msg, msg)

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
    check("the export keeps the codes (working_age_uninsured, refused), "
          "no names", row and ",working_age_uninsured," in row[0] and
          not any(n in text for n in (WORKING_AGE, "拒绝参保", "待处理",
                                      "优先", "一般")), row)

    # one lead: the names, with the codes beside the reason and status
    d.go(URL + "#lead/" + lid)
    d.wait("the lead's page", "return !document.querySelector('#lead')"
           ".hidden && document.querySelectorAll('#lead-fields dd').length"
           " > 0")
    fields = dict(d.js("const dt = [...document.querySelectorAll("
                       "'#lead-fields dt')]; return dt.map(t => "
                       "[t.textContent, t.nextElementSibling.textContent])"))
    path, size = d.shot("lead.png")
    check("screenshot of one lead (%d bytes)" % size, size > 5000)
    check("the lead shows its reason with the code beside it",
          fields.get("原因") == WORKING_AGE + " (working_age_uninsured)",
          fields)
    check("the lead shows its status and the team's refusal by name",
          fields.get("状态") == "拒绝参保 (refused)" and
          fields.get("对象类型") == "个人" and
          fields.get("年龄段") in AGE_BANDS.values() and
          fields.get("最近处理", "").startswith("拒绝参保 ") and
          AWAY + "：在外务工 two years" in fields.get("最近处理", ""),
          fields)

    # the review queue: Chinese names, masked; one item rejected
    reviews(d)

    # the refusal in the audit log
    d.click("#nav-audit")
    d.wait("the audit log", "return document.querySelectorAll("
           "'#audit-table tbody tr').length > 0")
    found = d.js("return [...document.querySelectorAll('#audit-table tbody "
                 "tr')].find(r => r.children[2].textContent == '处理线索' && "
                 "r.children[3].textContent == arguments[0])", lid)
    check("the refusal is in the audit log", found is not None)
    entry = d.js("const r = [...document.querySelectorAll('#audit-table "
                 "tbody tr')].find(r => r.children[3].textContent == "
                 "arguments[0] && r.children[2].title == 'decide');"
                 "return r && [r.children[4].textContent, r.children[5]"
                 ".textContent, r.children[5].title]", lid)
    check("the audit entry names the refusal, the record's text in its "
          "title", entry and entry[0] in STATUSES.values() and
          entry[1] == "拒绝参保；处理：拒绝参保（%s：在外务工 two years）"
          % AWAY and
          "away_for_work" in entry[2], entry)
    codes = d.js(CODES_IN, "#audit-table tbody", [
        "audit_action", "lead_status", "decision", "refusal_reason"])
    verdict = d.js("const r = [...document.querySelectorAll('#audit-table "
                   "tbody tr')].find(r => r.children[2].title == "
                   "'decide_review' && r.children[3].textContent == "
                   "arguments[0]); return r && [r.children[2].textContent, "
                   "r.children[4].textContent, r.children[5].textContent]",
                   REVIEW["id"])
    check("the verdict is in the audit log, by name", verdict == [
        "核实事项处理", "待核实", "核实不属实；核实：确认不属实（%s）"
        % REVIEW_REASON], verdict)
    codes = d.js(CODES_IN, "#audit-table tbody", [
        "audit_action", "lead_status", "decision", "refusal_reason",
        "review_status", "review_verdict"])
    check("no code in the audit log's text", codes == [], codes)
    path, size = d.shot("audit.png")
    check("screenshot of the audit log (%d bytes)" % size, size > 5000)

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
    legend = d.js("return [...document.querySelectorAll('#legend-reasons "
                  "span')].map(s => s.textContent)")
    check("the chart's legend names the reasons", WORKING_AGE in legend and
          all(not re.search("[a-z_]{4,}", x) for x in legend), legend)
    heads = d.js("return [...document.querySelectorAll('#county-table "
                 "thead th.review-kind')].map(t => t.textContent)")
    check("the county view counts open review items by kind (%s)"
          % ", ".join(heads), heads == ["待核实：" + n for n in
                                       REVIEW_KINDS.values()], heads)
    codes = d.js(CODES_IN, "#county", ["lead_reason", "alert_kind",
                                       "review_kind"])
    check("no code in the county view's text", codes == [], codes)
    path, size = d.shot("county.png")
    check("screenshot of the county view (%d bytes)" % size, size > 5000)

    # the county's alerts, by kind name
    d.click("#nav-alerts")
    d.wait("the alerts", "return !document.querySelector('#alerts').hidden"
           " && document.querySelectorAll('#alerts-table tbody tr').length"
           " > 0")
    kinds = set(d.js("return [...document.querySelectorAll('#alerts-table "
                     "tbody tr')].map(r => r.children[1].textContent)"))
    names = set(d.js("return Object.values(LABELS.alert_kind)"))
    check("every alert's kind is a name (%s)" % ", ".join(sorted(kinds)),
          kinds and kinds <= names, kinds)
    path, size = d.shot("alerts.png")
    check("screenshot of the alerts (%d bytes)" % size, size > 5000)


if __name__ == "__main__":
    sys.exit(main())
