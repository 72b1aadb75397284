"""labels_check.py -- every code the workbench can show a person has a
Chinese name in workbench/page/labels.js (issue 19, item 10).

The codes are read from where they are made, not from a list kept here:
- every enum symbol table of core/cb_record.c (sym_lead_reason -> group
  lead_reason, ...) and every enum of schemas/*.avsc (LeadReason ->
  lead_reason): a new enum or symbol there needs its name;
- the workbench's own tables: age bands (cb_leadbook.c), sorts
  (cb_api_leads.c), refusal reasons (cb_api.c), roles and sign-in
  outcomes (cb_auth.c), and the audit actions of every cb_api_audit call
  and audit entry in workbench/*.c.
Each name must be a non-empty string with Chinese in it.  And the page
must load labels.js before app.js, and the build must embed it.

Then, when the table is whole, it checks itself: with each required name
taken out of a copy of the table in turn, the check must report exactly
that one missing.

usage: labels_check.py SOURCE_DIR
"""
import glob
import json
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..")

CJK = re.compile(r"[\u4e00-\u9fff]")
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return f.read()


def strip_comments(c):
    return re.sub(r"/\*.*?\*/", " ", c, flags=re.S)


def labels_table():
    """The LABELS object of labels.js, read as JSON."""
    js = read("workbench/page/labels.js")
    m = re.search(r"^const LABELS = ", js, re.M)
    if not m:
        raise SystemExit("FAIL labels.js has no 'const LABELS = ' line")
    try:
        table, _ = json.JSONDecoder().raw_decode(js, m.end())
    except ValueError as e:
        raise SystemExit("FAIL labels.js: LABELS is not JSON: %s" % e)
    return table


def c_array(text, name, source):
    """The string literals of the C array `name[...] = {...};`."""
    m = re.search(r"\b%s\s*\[[^\]]*\]\s*=\s*\{(.*?)\};" % re.escape(name),
                  text, re.S)
    if not m:
        raise SystemExit("FAIL %s: no array %s (renamed? update "
                         "labels_check.py)" % (source, name))
    return STRING.findall(m.group(1))


def required():
    """{group: {code: where}} of every code the page may show."""
    req = {}

    def need(group, codes, where):
        if not codes:
            raise SystemExit("FAIL %s: no codes found for %s" % (where, group))
        for c in codes:
            req.setdefault(group, {}).setdefault(c, where)

    rec = strip_comments(read("core/cb_record.c"))
    tables = re.findall(r"static const char \*const sym_(\w+)\[\]\s*=\s*"
                        r"\{(.*?)\};", rec, re.S)
    if len(tables) < 10:
        raise SystemExit("FAIL core/cb_record.c: found %d symbol tables, "
                         "expected the enums' sym_* arrays" % len(tables))
    for name, body in tables:
        need(name, STRING.findall(body), "core/cb_record.c sym_" + name)

    def enums(t, out):
        if isinstance(t, dict):
            if t.get("type") == "enum":
                out.append((t["name"], t["symbols"]))
            for v in t.values():
                enums(v, out)
        elif isinstance(t, list):
            for v in t:
                enums(v, out)

    for path in sorted(glob.glob(os.path.join(SRC, "schemas", "*.avsc"))):
        found = []
        with open(path, encoding="utf-8") as f:
            enums(json.load(f), found)
        for name, symbols in found:
            group = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
            need(group, symbols, "schemas/%s %s" % (os.path.basename(path),
                                                    name))

    lb = strip_comments(read("workbench/cb_leadbook.c"))
    need("age_band", c_array(lb, "cb_age_band_names", "cb_leadbook.c"),
         "workbench/cb_leadbook.c cb_age_band_names")
    leads = strip_comments(read("workbench/cb_api_leads.c"))
    need("sort", c_array(leads, "sorts", "cb_api_leads.c"),
         "workbench/cb_api_leads.c sorts")
    api = strip_comments(read("workbench/cb_api.c"))
    m = re.search(r"\bcb_refusal_reasons\[\]\s*=\s*\{(.*?)\};", api, re.S)
    if not m:
        raise SystemExit("FAIL workbench/cb_api.c: no cb_refusal_reasons")
    reasons = re.findall(r'\{\s*"([a-z_]+)"\s*,', m.group(1))
    need("refusal_reason", reasons, "workbench/cb_api.c cb_refusal_reasons")

    auth = strip_comments(read("workbench/cb_auth.c"))
    for fn, group in (("cb_role_name", "role"),
                      ("cb_signin_outcome_name", "signin_outcome")):
        m = re.search(r"\b%s\([^)]*\)\s*\{(.*?)\n\}" % fn, auth, re.S)
        if not m:
            raise SystemExit("FAIL workbench/cb_auth.c: no function " + fn)
        need(group, [s for s in STRING.findall(m.group(1))
                     if re.fullmatch(r"[a-z_]+", s)],
             "workbench/cb_auth.c " + fn)

    actions = []
    for path in sorted(glob.glob(os.path.join(SRC, "workbench", "*.c"))):
        c = strip_comments(open(path, encoding="utf-8").read())
        # calls (a definition has a body before its first ';'), and audit
        # entries built in place: the action is the first code-like string
        for args in (re.findall(r"\bcb_api_audit\(([^;{]*)\);", c) +
                     re.findall(r"\bcb_audit_entry\s+\w+\s*=\s*\{(.*?)\};",
                                c, re.S)):
            words = [s for s in STRING.findall(args)
                     if re.fullmatch(r"[a-z_]+", s)]
            if words:
                actions.append(words[0])
    need("audit_action", actions, "workbench/*.c cb_api_audit calls")

    return req


def missing(labels, req):
    """The (group, code, where) of every required code without a name."""
    out = []
    for group, codes in sorted(req.items()):
        names = labels.get(group)
        for code, where in codes.items():
            if not isinstance(names, dict) or code not in names:
                out.append((group, code, where))
    return out


def main():
    labels = labels_table()
    req = required()
    failed = 0
    for group, code, where in missing(labels, req):
        print("FAIL no label for %s %r (from %s)" % (group, code, where))
        failed += 1
    for group, names in labels.items():
        if not isinstance(names, dict):
            print("FAIL LABELS.%s is not an object" % group)
            failed += 1
            continue
        for code, name in names.items():
            if not isinstance(name, str) or not CJK.search(name):
                print("FAIL LABELS.%s.%s = %r: not a Chinese name"
                      % (group, code, name))
                failed += 1

    html = read("workbench/page/index.html")
    scripts = re.findall(r'<script src="/static/([\w.]+)"', html)
    if scripts[:2] != ["labels.js", "app.js"]:
        print("FAIL index.html must load labels.js, then app.js: %s" % scripts)
        failed += 1
    if 'lang="zh-CN"' not in html:
        print('FAIL index.html: <html lang="zh-CN"> expected')
        failed += 1
    if "page/labels.js" not in read("workbench/CMakeLists.txt"):
        print("FAIL workbench/CMakeLists.txt does not embed page/labels.js")
        failed += 1

    # the check bites: each required name taken out is reported, alone
    # (when the table itself is whole)
    pairs = [(g, c) for g in sorted(req) for c in req[g]]
    for g, c in pairs if not missing(labels, req) else []:
        copy = {k: dict(v) for k, v in labels.items()}
        if g in copy:
            copy[g].pop(c, None)
        got = [(mg, mc) for mg, mc, _ in missing(copy, req)]
        if got != [(g, c)]:
            print("FAIL self-test: without %s.%s the check reported %s"
                  % (g, c, got))
            failed += 1

    print("%d codes in %d groups checked against LABELS (%d groups, %d "
          "names); self-test %d removals; %d failed"
          % (len(pairs), len(req), len(labels),
             sum(len(v) for v in labels.values()), len(pairs), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
