"""web_api.py -- the workbench's JSON API (docs/COMMANDS.md, "The JSON API")
against a running `canbao web`, a matched county in Redis and a matcher
still running (for the live list).

usage: web_api.py URL CANBAO REDIS_PORT TOWNSHIP_A TOWNSHIP_B

Accounts (made by web.sh): ta (township A), tb (township B), county; each
with the password "<name>-password".
"""
import csv
import datetime
import http.client
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

URL, CANBAO, REDIS_PORT, TA, TB = sys.argv[1:6]
HOST = urllib.parse.urlparse(URL)
FAILED = []
# a resident's number shows its area only; a credit code 6 and 4
MASKED_ID = re.compile(r"^(\d{6}\*{12}|[0-9A-Z]{6}\*{8}[0-9A-Z]{4})$")
LEAD_COLUMNS = ["lead_id", "township_code", "subject_kind", "subject_id",
                "name", "reason", "priority", "opened_at", "status",
                "closed_reason", "closed_at", "source_event_id"]


def check(what, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", what,
                       "" if cond else "  (%s)" % detail))
    if not cond:
        FAILED.append(what)


class Client:
    """One browser: a cookie and a CSRF token."""

    def __init__(self):
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None):
        c = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("canbao_session="):
                self.cookie = v.split(";")[0]
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), text

    def json(self, method, path, body=None, headers=None):
        st, hd, text = self.request(method, path, body, headers)
        try:
            return st, json.loads(text)
        except ValueError:
            return st, text

    def change(self, method, path, body):
        return self.json(method, path, body, {"X-CSRF-Token": self.csrf})

    def sign_in(self, name, password=None):
        st, j = self.json("POST", "/api/session",
                          {"name": name, "password": password or
                           name + "-password"})
        if st == 200:
            self.csrf = j["csrf"]
        return st, j


def cli(*args):
    """The rows `canbao ARGS` prints as CSV; its stderr and exit status
    are the failure's message when it fails."""
    p = subprocess.run([CANBAO] + list(args), capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError("canbao %s: exit %d\n%s" %
                           (" ".join(args), p.returncode, p.stderr))
    return list(csv.DictReader(io.StringIO(p.stdout)))


def redis(*args):
    return subprocess.run(["redis-cli", "-p", REDIS_PORT, "--raw"] +
                          list(args), check=True, capture_output=True,
                          text=True).stdout.strip()


def all_leads(c, query):
    leads, page = [], 1
    while True:
        st, j = c.json("GET", "/api/leads?%s&per_page=500&page=%d" %
                       (query, page))
        assert st == 200, j
        leads += j["leads"]
        if len(leads) >= j["total"]:
            return leads
        page += 1


def review_rows():
    """Every review item, whole, as `canbao reviews` lists them, by id."""
    return {r["review_id"]: r for r in cli("reviews", "--status", "all",
                                           "--format", "csv", "--unmasked")}


def reviews(ta, county):
    """The review queue (issue 19, item 7): web.sh made four items, three
    in township A (张三丰 and 钱学森 name_mismatch, 李小龙
    death_unconfirmed), one in B (赵子龙 name_mismatch)."""
    whole = review_rows()
    by_name = {r["names"].split("|")[0]: r for r in whole.values()}
    check("web.sh's review items are in the store",
          {"张三丰", "李小龙", "钱学森", "赵子龙"} <= set(by_name),
          sorted(by_name))
    if not {"张三丰", "李小龙", "钱学森", "赵子龙"} <= set(by_name):
        return
    mismatch = by_name["张三丰"]["review_id"]
    death = by_name["李小龙"]["review_id"]
    b_item = by_name["赵子龙"]["review_id"]

    st, j = ta.json("GET", "/api/reviews")
    mine = j.get("reviews", []) if st == 200 else []
    cli_open = cli("reviews", "--township", TA, "--format", "csv")
    check("the queue is township A's open items, as the CLI lists them",
          st == 200 and [r["review_id"] for r in mine] ==
          [r["review_id"] for r in cli_open] and j["total"] == len(mine)
          and len(mine) >= 3, (st, j))
    check("only township A, only open ones",
          all(r["township_code"] == TA and r["status"] == "open"
              for r in mine))
    check("ID numbers masked in the queue",
          all(MASKED_ID.match(r["subject_id"]) for r in mine))
    check("names masked in the queue",
          all(r["register_name"].endswith("*") and
              r["other_name"].endswith("*") for r in mine) and
          "张三丰" not in json.dumps(j, ensure_ascii=False))
    item = next((r for r in mine if r["review_id"] == mismatch), {})
    check("an item as listed: kind, names masked, evidence, its verdicts",
          item.get("kind") == "name_mismatch" and
          item.get("register_name") == "张**" and
          item.get("other_name") == "张**" and
          item.get("evidence") == "it-web-rev-assistance-1" and
          item.get("verdicts") == ["confirm", "reject"] and
          item.get("amount_at_risk_fen") == 0 and
          item.get("resolved_at") is None, item)
    st, j = ta.json("GET", "/api/reviews?kind=death_unconfirmed")
    check("filter by kind", st == 200 and j["reviews"] and
          all(r["kind"] == "death_unconfirmed" for r in j["reviews"]) and
          death in [r["review_id"] for r in j["reviews"]], j)
    for q, what in (("kind=nope", "a bad kind"), ("status=nope",
                                                   "a bad status"),
                    ("township=32a", "a bad township code")):
        st, j = ta.json("GET", "/api/reviews?" + q)
        check("reviews, %s: 400" % what, st == 400 and "error" in j,
              (st, j))

    # another township's items: not listed, not shown, not decided
    st, j = ta.json("GET", "/api/reviews?township=" + TB)
    check("another township's review queue: 403", st == 403)
    st, j = ta.json("GET", "/api/reviews/" + b_item)
    check("another township's review item: 404", st == 404, (st, j))
    st, j = ta.change("POST", "/api/reviews/" + b_item,
                      {"verdict": "reject", "reason": "not ours"})
    check("a verdict on another township's review item: 404", st == 404,
          (st, j))
    check("and it stays open", review_rows()[b_item]["status"] == "open")
    st, j = ta.json("GET", "/api/reviews/R123")
    check("a bad review id: 400", st == 400)
    st, j = ta.json("GET", "/api/reviews/R0000000000000000")
    check("an unknown review item: 404", st == 404)

    # one item whole, audited as the lead's whole view is
    st, j = ta.json("GET", "/api/reviews/" + mismatch)
    check("the item's own page is whole",
          st == 200 and j["subject_id"] == by_name["张三丰"]["subject_id"]
          and j["register_name"] == "张三丰" and j["other_name"] == "张三风",
          (st, j))
    st, j = ta.json("GET", "/api/audit")
    views = [e for e in j["entries"] if e["action"] == "view_review" and
             e["target"] == mismatch and e["who"] == "ta"]
    check("the whole view is in the audit log", len(views) == 1 and
          views[0]["township"] == TA, views)

    # verdicts
    st, j = ta.json("POST", "/api/reviews/" + mismatch,
                    {"verdict": "confirm", "reason": "x"})
    check("a verdict without the CSRF token: 403", st == 403)
    for bad, what in (({"verdict": "confirm"}, "without a reason"),
                      ({"verdict": "confirm", "reason": ""},
                       "with an empty reason"),
                      ({"verdict": "maybe", "reason": "x"},
                       "an unknown verdict"),

                      ({"verdict": "confirm", "reason": "x" * 1001},
                       "a reason too long")):
        st, j = ta.change("POST", "/api/reviews/" + mismatch, bad)
        check("a verdict %s: 400" % what, st == 400 and "error" in j,
              (st, j))
    st, j = ta.change("POST", "/api/reviews/" + mismatch,
                      {"verdict": "correct", "reason": "x"})
    check("correct on a name_mismatch: 400, in the store's words",
          st == 400 and j.get("error") ==
          "a name_mismatch item is confirmed or rejected", (st, j))
    check("refused verdicts leave it open",
          review_rows()[mismatch]["status"] == "open")
    why = "户籍窗口核对, 320923199001011234 是同一人"
    st, j = ta.change("POST", "/api/reviews/" + mismatch,
                      {"verdict": "confirm", "reason": why})
    check("a confirmation is recorded", st == 200 and
          j.get("status") == "confirmed" and
          MASKED_ID.match(j.get("subject_id", "")), (st, j))
    st, j = ta.change("POST", "/api/reviews/" + death,
                      {"verdict": "reject", "reason": "另有其人"})
    check("a rejection is recorded", st == 200 and
          j.get("status") == "rejected", (st, j))
    now = review_rows()
    check("canbao reviews shows them confirmed and rejected",
          now[mismatch]["status"] == "confirmed" and
          now[death]["status"] == "rejected" and
          now[mismatch]["resolved_at"] != "", (now[mismatch], now[death]))
    st, j = ta.json("GET", "/api/reviews/" + mismatch)
    check("the item's page shows the verdict and its reason, IDs masked",
          j.get("verdict", {}).get("verdict") == "confirm" and
          j["verdict"]["reason"].startswith("户籍窗口核对, 320923****") and
          "199001011234" not in j["verdict"]["reason"], j)
    st, j = ta.json("GET", "/api/reviews")
    check("decided items leave the open queue",
          not {mismatch, death} & {r["review_id"] for r in j["reviews"]})
    st, j = ta.json("GET", "/api/reviews?status=rejected")
    check("and are listed under their status",
          [r["review_id"] for r in j["reviews"]] == [death], j)
    st, j = ta.json("GET", "/api/audit")
    dec = [e for e in j["entries"] if e["action"] == "decide_review"]
    conf = [e for e in dec if e["target"] == mismatch]
    check("each verdict is in the audit log, before and after",
          len(dec) == 2 and len(conf) == 1 and conf[0]["before"] == "open"
          and conf[0]["after"].startswith("confirmed; confirm: 户籍窗口核对")
          and "199001011234" not in conf[0]["after"] and
          conf[0]["who"] == "ta" and conf[0]["township"] == TA, dec)

    # the county: every township, and the counts of canbao report
    st, j = county.json("GET", "/api/reviews?township=" + TB)
    check("the county sees township B's items", st == 200 and
          b_item in [r["review_id"] for r in j["reviews"]])
    st, j = county.json("GET", "/api/reviews/" + b_item)
    check("and may open one whole", st == 200 and
          j["register_name"] == "赵子龙")
    st, rep = county.json("GET", "/api/report")
    cli_rep = {r["township_code"]: r for r in cli("report", "--format",
                                                    "csv")}
    kinds = [c[len("open_"):] for c in next(iter(cli_rep.values()))
             if c.startswith("open_") and c != "open_leads"]
    check("the report counts open review items by kind, as canbao report",
          st == 200 and len(kinds) == 4 and
          all(list(t["open_reviews_by_kind"]) == kinds and
              all(str(t["open_reviews_by_kind"][k]) ==
                  cli_rep[t["township_code"]]["open_" + k] for k in kinds)
              for t in rep["townships"]) and
          next(t for t in rep["townships"] if t["township_code"] == TB)
          ["open_reviews_by_kind"]["name_mismatch"] >= 1, (kinds, rep))


def main():
    anon = Client()
    st, hd, text = anon.request("GET", "/")
    check("the page is served", st == 200 and b"<title>" in text and
          "text/html" in hd.get("content-type", ""))
    check("with a content security policy and no caching",
          "default-src 'self'" in hd.get("content-security-policy", "") and
          hd.get("cache-control") == "no-store")
    st, hd, _ = anon.request("GET", "/static/app.js")
    check("its script is served", st == 200)
    st, hd, text = anon.request("GET", "/static/labels.js")
    check("and its table of Chinese names, as JavaScript", st == 200 and
          "text/javascript" in hd.get("content-type", "") and
          "劳动年龄段未参保".encode() in text)
    st, j = anon.json("GET", "/api/leads")
    check("no session: 401", st == 401 and "error" in j)
    st, j = anon.json("GET", "/api/refusal_reasons")
    codes = [r["code"] for r in j["reasons"]]
    check("refusal reasons listed", "cannot_afford" in codes and
          "other" in codes)

    # ---------------------------------------------------------- sign in
    st, _ = Client().sign_in("ta", "wrong-password")
    check("a wrong password: 401", st == 401)
    st, _ = Client().sign_in("nobody")
    check("an unknown name: 401", st == 401)
    for _ in range(10):
        Client().sign_in("locked", "wrong-password")
    st, _ = Client().sign_in("locked", "locked-password")
    check("too many failures: 429", st == 429)
    st, j = Client().json("POST", "/api/session", {"name": "ta"})
    check("a sign-in without a password: 400", st == 400)

    ta = Client()
    st, j = ta.sign_in("ta")
    check("township A signs in", st == 200 and j["role"] == "township" and
          j["township_code"] == TA and len(j["csrf"]) == 64)
    users = redis("HGET", "cb:users", "ta")
    check("the password is stored as a yescrypt hash",
          users.startswith("township %s $y$" % TA) and
          "ta-password" not in users)
    sessions = redis("--scan", "--pattern", "cb:session:*").split()
    ttls = [int(redis("TTL", k)) for k in sessions]
    check("sessions expire when idle", sessions and
          all(0 < t <= 1800 for t in ttls), ttls)
    check("the cookie is not the Redis key",
          ta.cookie.split("=")[1] not in " ".join(sessions))

    # ------------------------------------------------------------ lists
    mine = all_leads(ta, "")
    cli_mine = cli("leads", "--township", TA, "--format", "csv")
    check("the list is the CLI's list (%d leads)" % len(mine),
          sorted(l["lead_id"] for l in mine) ==
          sorted(r["lead_id"] for r in cli_mine) and len(mine) > 20)
    check("only township A", all(l["township_code"] == TA for l in mine))
    persons = [l for l in mine if l["subject_kind"] == "person"]
    check("ID numbers masked in the list",
          persons and all(MASKED_ID.match(l["subject_id"]) for l in persons))
    check("names masked in the list",
          all(l["name"].endswith("*") for l in persons if l.get("name")))
    check("age bands on persons",
          all(l.get("age_band") in ("under_30", "30_44", "45_59", "60_plus")
              for l in persons))
    reason = persons[0]["reason"]
    got = all_leads(ta, "reason=" + reason)
    check("filter by reason", got and all(l["reason"] == reason for l in got)
          and len(got) == sum(1 for l in mine if l["reason"] == reason))
    got = all_leads(ta, "age_band=60_plus")
    check("filter by age band", all(l.get("age_band") == "60_plus"
                                    for l in got) and
          len(got) == sum(1 for l in mine if l.get("age_band") == "60_plus"))
    got = all_leads(ta, "priority=high&sort=opened&order=desc")
    check("filter by priority, newest first",
          all(l["priority"] == "high" for l in got) and
          [l["opened_at"] for l in got] ==
          sorted([l["opened_at"] for l in got], reverse=True))
    st, p1 = ta.json("GET", "/api/leads?sort=priority&per_page=7&page=1")
    st, p2 = ta.json("GET", "/api/leads?sort=priority&per_page=7&page=2")
    st, p12 = ta.json("GET", "/api/leads?sort=priority&per_page=14")
    check("pages follow each other",
          [l["lead_id"] for l in p1["leads"] + p2["leads"]] ==
          [l["lead_id"] for l in p12["leads"]] and p1["total"] == len(mine))
    check("priority sort: high first",
          [l["priority"] for l in p12["leads"]] ==
          sorted([l["priority"] for l in p12["leads"]],
                 key=lambda p: p != "high"))

    # ------------------------------------------------------ bad requests
    for q, what in (("status=nope", "a bad status"),
                    ("reason=x", "a bad reason"),
                    ("per_page=0", "per_page 0"),
                    ("per_page=100000", "per_page too large"),
                    ("page=abc", "a bad page"),
                    ("township=32a", "a bad township code"),
                    ("sort=name", "a bad sort")):
        st, j = ta.json("GET", "/api/leads?" + q)
        check("%s: 400" % what, st == 400 and "error" in j, (st, j))
    st, j = ta.json("GET", "/api/leads/L123")
    check("a bad lead id: 400", st == 400)
    st, j = ta.json("GET", "/api/leads/L0000000000000000")
    check("an unknown lead: 404", st == 404)

    # ------------------------------------------------- another township
    st, j = ta.json("GET", "/api/leads?township=" + TB)
    check("another township's list: 403", st == 403)
    b_leads = cli("leads", "--township", TB, "--format", "csv")
    b_lead = b_leads[0]["lead_id"]
    # another township's lead is answered as no lead (issue 21: ids must
    # not be probed); web_attacks.py compares the two answers
    st, j = ta.json("GET", "/api/leads/" + b_lead)
    check("another township's lead: 404", st == 404)
    st, j = ta.change("POST", "/api/leads/" + b_lead,
                      {"decision": "contacted"})
    check("a decision on another township's lead: 404", st == 404)
    st, j = ta.json("GET", "/api/alerts?township=" + TB)
    check("another township's alerts: 403", st == 403)
    st, j = ta.json("GET", "/api/audit?township=" + TB)
    check("another township's audit: 403", st == 403)

    # --------------------------------------------------------- one lead
    target = next(l for l in persons if l["status"] == "open")
    lid = target["lead_id"]
    st, j = ta.json("GET", "/api/leads/" + lid)
    check("the lead's own page shows the whole ID",
          st == 200 and re.match(r"^\d{17}[\dX]$", j["subject_id"]) and
          j["subject_id"][:6] == target["subject_id"][:6])
    st, j = ta.json("GET", "/api/audit")
    views = [e for e in j["entries"] if e["action"] == "view_lead" and
             e["target"] == lid and e["who"] == "ta"]
    check("the view is in the audit log", len(views) == 1)

    # --------------------------------------------------------- decisions
    body = {"decision": "refused", "reason_code": "cannot_afford",
            "reason": "低保边缘, 320923199001011234 says no"}
    st, j = ta.json("POST", "/api/leads/" + lid, body)
    check("no CSRF token: 403", st == 403)
    st, j = ta.json("POST", "/api/leads/" + lid, body,
                    {"X-CSRF-Token": "0" * 64})
    check("a wrong CSRF token: 403", st == 403)
    st, j = ta.json("POST", "/api/leads/" + lid, body,
                    {"X-CSRF-Token": ta.csrf, "Origin": "http://evil.test"})
    check("another origin: 403", st == 403)
    st, hd, text = ta.request("POST", "/api/leads/" + lid,
                              headers={"X-CSRF-Token": ta.csrf,
                                       "Content-Type": "text/plain"},
                              raw=json.dumps(body).encode())
    check("not JSON: 415", st == 415)
    st, hd, text = ta.request("POST", "/api/leads/" + lid,
                              headers={"X-CSRF-Token": ta.csrf,
                                       "Content-Type": "application/json"},
                              raw=b"{not json")
    check("bad JSON: 400", st == 400)
    st, hd, text = ta.request("POST", "/api/leads/" + lid,
                              headers={"X-CSRF-Token": ta.csrf,
                                       "Content-Type": "application/json"},
                              raw=b"[" + b"1," * 40000 + b"1]")
    check("a body too large: 413", st == 413)
    for bad, what in (({"decision": "maybe"}, "an unknown decision"),
                      ({"decision": "refused"}, "a refusal without a reason"),
                      ({"decision": "refused", "reason_code": "lazy"},
                       "an unknown reason code"),
                      ({"decision": "refused", "reason_code": "other"},
                       "other without a note"),
                      ({"decision": "contacted", "reason": "x" * 1001},
                       "a note too long")):
        st, j = ta.change("POST", "/api/leads/" + lid, bad)
        check("%s: 400" % what, st == 400, (st, j))
    st, j = ta.change("POST", "/api/leads/" + lid, body)
    check("a refusal is recorded", st == 200 and j["status"] == "refused"
          and MASKED_ID.match(j["subject_id"]), (st, j))
    got = all_leads(ta, "status=refused")
    check("the list shows it refused", lid in [l["lead_id"] for l in got])
    check("so does the CLI", lid in [r["lead_id"] for r in
                                     cli("leads", "--status", "refused",
                                         "--format", "csv")])
    st, j = ta.json("GET", "/api/audit")
    dec = [e for e in j["entries"] if e["action"] == "decide" and
           e["target"] == lid]
    check("the decision is in the audit log, before and after",
          len(dec) == 1 and dec[0]["before"] == "open" and
          dec[0]["after"].startswith("refused; refused: cannot_afford") and
          dec[0]["who"] == "ta", dec)
    check("the ID number in the note is masked in the audit log",
          dec and "320923199001011234" not in dec[0]["after"] and
          "320923************" in dec[0]["after"])
    st, j = ta.json("GET", "/api/leads/" + lid)
    check("the lead's page shows the decision",
          j.get("decision", {}).get("decision") == "refused" and
          j["decision"]["reason"].startswith("cannot_afford: "))

    # ------------------------------------------------------------ export
    st, hd, text = ta.request("GET", "/api/leads.csv?status=refused")
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    check("CSV export of the filter", st == 200 and
          hd.get("content-type", "").startswith("text/csv") and
          list(rows[0].keys()) == LEAD_COLUMNS and
          lid in [r["lead_id"] for r in rows])
    check("the export downloads as leads.csv",
          hd.get("content-disposition") == 'attachment; filename="leads.csv"')
    check("the export is masked",
          all(MASKED_ID.match(r["subject_id"]) for r in rows
              if r["subject_kind"] == "person"))
    st, j = ta.json("GET", "/api/audit")
    check("the export is in the audit log",
          any(e["action"] == "export" and "status=refused" in e["target"]
              for e in j["entries"]))

    # ------------------------------------------------------------ alerts
    st, j = ta.json("GET", "/api/alerts")
    cli_alerts = cli("alerts", "--township", TA, "--format", "csv")
    check("alerts are the CLI's alerts",
          st == 200 and sorted(a["alert_id"] for a in j["alerts"]) ==
          sorted(r["alert_id"] for r in cli_alerts))
    check("alerts carry their evidence, masked",
          all(a["evidence"] and MASKED_ID.match(a["subject_id"])
              for a in j["alerts"]))

    # ------------------------------------------------------------ county
    county = Client()
    st, j = county.sign_in("county")
    check("the county signs in", st == 200 and j["role"] == "county")
    every = all_leads(county, "")
    check("the county sees every township's leads",
          len(every) == len(cli("leads", "--format", "csv")) and
          {l["township_code"] for l in every} >= {TA, TB})
    st, j = county.json("GET", "/api/leads/" + b_lead)
    check("the county may open any lead", st == 200)
    st, rep = county.json("GET", "/api/report")
    cli_rep = {r["township_code"]: r for r in cli("report", "--format",
                                                    "csv")}
    check("the report has every township, as the CLI has them",
          st == 200 and len(rep["townships"]) == len(cli_rep) and
          all(str(t["enrolled"]) == cli_rep[t["township_code"]]["enrolled"]
              and str(t["open_leads"]) ==
              cli_rep[t["township_code"]]["open_leads"]
              for t in rep["townships"]), rep)
    st, rep = ta.json("GET", "/api/report")
    check("a township's report is its own row",
          [t["township_code"] for t in rep["townships"]] == [TA])
    st, j = ta.json("GET", "/api/audit")
    check("a township sees its own audit entries only",
          all(e["township"] == TA for e in j["entries"]))
    st, j = county.json("GET", "/api/audit")
    check("the county sees everyone's",
          {e["who"] for e in j["entries"]} >= {"ta", "county"})
    st, hd, text = county.request("GET", "/api/audit?format=csv")
    check("the audit log exports as CSV", st == 200 and
          text.decode().splitlines()[0] ==
          "id,at,who,role,township,action,target,before,after" and
          hd.get("content-type", "").startswith("text/csv") and
          hd.get("content-disposition") == 'attachment; filename="audit.csv"')

    reviews(ta, county)

    # -------------------------------------------------------------- live
    live_target = next(l for l in persons if l["status"] == "open" and
                       l["lead_id"] != lid and
                       l["reason"] == "working_age_uninsured")
    st, whole = ta.json("GET", "/api/leads/" + live_target["lead_id"])
    events = http.client.HTTPConnection(HOST.hostname, HOST.port,
                                        timeout=90)
    events.request("GET", "/api/events", headers={"Cookie": ta.cookie})
    stream = events.getresponse()
    check("the live list opens", stream.status == 200 and
          stream.getheader("Content-Type") == "text/event-stream")
    # the day before the county's evaluation day (CANBAO_NOW): an event
    # dated later would be refused as from the future
    as_of = os.environ["CANBAO_NOW"]
    day = (datetime.date.fromisoformat(as_of) -
           datetime.timedelta(days=1)).isoformat()
    enroll = {"event_id": "it-web-enroll-1", "person_id": whole["subject_id"],
              "scheme": "resident_pension", "action": "enroll",
              "region_code": TA[:6], "township_code": TA,
              "occurred_at": day + "T09:00:00+08:00"}
    out = subprocess.run([CANBAO, "produce", "enrollment", "-", "--format",
                          "jsonl"], input=json.dumps(enroll) + "\n",
                         text=True, check=True, capture_output=True)
    check("the enrollment event is produced",
          "produced 1, rejected 0" in out.stderr + out.stdout,
          out.stderr + out.stdout)
    closed = False
    deadline = time.time() + 60
    event = None
    while time.time() < deadline and not closed:
        line = stream.fp.readline().decode()
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        if line.startswith("data:") and event == "lead":
            d = json.loads(line.split(":", 1)[1])
            closed = (d["lead_id"] == live_target["lead_id"] and
                      d["status"] == "closed")
            check("a live event is the township's own",
                  d["township_code"] == TA)
    events.close()
    check("an enrollment event closes the lead on the live list", closed)
    now = all_leads(ta, "")
    check("and it has left the open list",
          live_target["lead_id"] not in [l["lead_id"] for l in now])

    # ----------------------------------------------- health, sign out
    st, hd, text = anon.request("GET", "/metrics")
    check("metrics in Prometheus text", st == 200 and
          b"canbao_web_requests_total" in text and
          b'canbao_web_actions_total{action="decide"} 1' in text)
    st, j = anon.json("GET", "/healthz")
    check("health: following the lead topic", st == 200 and j["following"])
    st, j = ta.json("DELETE", "/api/session")
    check("signing out needs the CSRF token", st == 403)
    st, j = ta.change("DELETE", "/api/session", None)
    check("signed out", st == 200)
    st, j = ta.json("GET", "/api/leads")
    check("the old cookie is no longer a session", st == 401)

    print("%d failed" % len(FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
