#!/usr/bin/env bash
# pipeline.sh -- end to end: a county written by `canbao gen`, loaded,
# produced through the embedded broker and matched, ends with exactly the
# leads, alerts and progress of its ground truth: none missing, none extra
# (with some numbers written in the legacy 15-digit form).
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"
: "${APPLY_TOOL:?APPLY_TOOL must name tests/tools/apply_tool}"

PEOPLE=${CANBAO_PIPELINE_PEOPLE:-3000}
"$CANBAO" gen --people "$PEOPLE" --seed 11 --out "$CB_TMP/county" >/dev/null
AS_OF=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$CB_TMP/county/manifest.json")
export CANBAO_NOW=$AS_OF
cb_log "county of $PEOPLE people, evaluated on $AS_OF"
# Some rows write legacy 15-digit numbers (RULES.md 9.1): the truth is
# the same, so the matcher must fold both forms of a person into one.
LEGACY=$("$CB_PY" - "$CB_TMP/county" <<'PY'
import csv, glob, sys
n = 0
for f in glob.glob(sys.argv[1] + "/feeds/*.csv") + \
        [sys.argv[1] + "/snapshot/enrollment.csv"]:
    for r in csv.DictReader(open(f, encoding="utf-8")):
        n += sum(1 for k in ("person_id", "legal_rep_id")
                 if len(r.get(k) or "") == 15)
print(n)
PY
)
[ "$LEGACY" -gt 0 ] || cb_fail "the county has no legacy 15-digit numbers"
cb_log "$LEGACY rows write a legacy 15-digit number"

cb_start_redis
cb_start_broker
cb_expect_exit 0 "targets" "$CANBAO" targets "$CB_TMP/county/townships.csv"
cb_expect_exit 0 "load the snapshot" "$CANBAO" load "$CB_TMP/county/snapshot/enrollment.csv"
cb_log "$CB_OUT"
cb_assert_eq 1024 "$(redis-cli -p "$REDIS_PORT" config get hash-max-listpack-value | tail -1)" \
    "hash-max-listpack-value raised, so that states stay listpacks"
cb_assert_eq 512 "$(redis-cli -p "$REDIS_PORT" config get zset-max-listpack-entries | tail -1)" \
    "zset-max-listpack-entries raised, so that lead indexes stay listpacks"
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce $feed" "$CANBAO" produce "$feed" \
        "$CB_TMP/county/feeds/$feed.csv"
    cb_log "$CB_OUT"
    # refused: exactly the rows with a slip in a person's number
    SLIPS=$("$CB_PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("ident_defects", {}).get("refused_rows", {}).get("feeds/" + sys.argv[2] + ".csv", 0))' \
        "$CB_TMP/county/manifest.json" "$feed")
    echo "$CB_OUT" | grep -Eq "rejected $SLIPS[ ,]" ||
        cb_fail "$feed: no good record refused, every slip: $CB_OUT"
    cb_pass "$feed: no good record refused, every slip"
done
cb_expect_exit 0 "match" "$CANBAO" match --until-idle 3
cb_log "$CB_OUT"
# The applied positions live in Redis: another group (Kafka holds no
# offsets for it) starts where Redis says and finds nothing left to do.
cb_expect_exit 0 "match again, another group" "$CANBAO" match --group again \
    --until-idle 2
cb_assert_contains "$CB_OUT" "match: 0 messages, 0 events applied" \
    "resumed from the offsets in Redis"
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores.jsonl"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores.jsonl"
cb_pass "the stores equal the ground truth"
# The store's table of event-id forms: each entry once, each the form
# (prefix and count of digits) of some event id of the county's files.
redis-cli -c -p "$REDIS_PORT" --raw lrange 'cb:{plan}:eidforms' 0 -1 \
    >"$CB_TMP/forms.txt"
"$CB_PY" - "$CB_TMP/county" "$CB_TMP/forms.txt" <<'PY' ||
import csv, glob, re, sys
county, listed = sys.argv[1], open(sys.argv[2]).read().split()
have = set()
for path in glob.glob(county + "/feeds/*.csv") + \
        glob.glob(county + "/snapshot/*.csv"):
    for row in csv.DictReader(open(path, encoding="utf-8")):
        m = re.fullmatch(r"(.*?)([0-9]{1,18})", row["event_id"], re.S)
        if m:
            have.add("%d:%s" % (len(m.group(2)), m.group(1)))
assert listed, "no forms recorded"
assert len(set(listed)) == len(listed), "a form recorded twice: %s" % listed
unknown = [f for f in listed if f not in have]
assert not unknown, "forms no event id has: %s" % unknown
print("forms", " ".join(listed))
PY
    cb_fail "the store's event-id forms"
cb_pass "the store's event-id forms: $(tr '\n' ' ' <"$CB_TMP/forms.txt")"

# The lead and alert topics carry what the stores hold.
"$CANBAO" tail lead --exit-at-end --unmasked >"$CB_TMP/lead-topic.jsonl"
"$CB_PY" - "$CB_TMP/lead-topic.jsonl" "$CB_TMP/stores.jsonl" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    r = json.loads(line)["record"]
    last[r["lead_id"]] = r
stores = {}
for l in open(sys.argv[2]):
    if '"lead"' in l:
        x = json.loads(l)["lead"]
        stores[x["lead_id"]] = x
bad = []
for lid, l in stores.items():
    t = last.get(lid)
    if t is None or t["status"] != l["status"] or \
            t.get("closed_reason") != l.get("closed_reason"):
        bad.append(("stored", l, t))
for lid, t in last.items():
    # A lead that left the store (its facts no longer make one, or a new
    # episode replaced it) was last heard of closed.
    if lid not in stores and t["status"] != "closed":
        bad.append(("gone", None, t))
for b in bad[:5]:
    print(b)
print("lead topic: %d leads, %d stored leads, %d not as stored" % (
    len(last), len(stores), len(bad)))
sys.exit(1 if bad else 0)
PY
cb_pass "the lead topic's latest record of each lead is the stored lead"

# The alert topic, township by township: the latest word on each alert is
# the stored alert, and an alert heard of and no longer stored there was
# last withdrawn.
"$CANBAO" tail alert --exit-at-end --unmasked >"$CB_TMP/alert-topic.jsonl"
"$CB_PY" - "$CB_TMP/alert-topic.jsonl" "$CB_TMP/stores.jsonl" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    r = m["record"]
    last[(r["township_code"], r["alert_id"])] = (m.get("withdrawn", False), r)
stores = {}
for l in open(sys.argv[2]):
    if '"alert"' in l:
        a = json.loads(l)["alert"]
        stores[(a["township_code"], a["alert_id"])] = a
bad = []
for k, a in stores.items():
    w, r = last.get(k, (True, None))
    if w or r["amount_at_risk_fen"] != a["amount_at_risk_fen"] or \
            r["evidence"] != a["evidence"]:
        bad.append(("stored", a, r))
for k, (w, r) in last.items():
    if k not in stores and not w:
        bad.append(("gone", None, r))
for b in bad[:5]:
    print(b)
print("alert topic: %d alerts, %d stored alerts, %d not as stored" % (
    len(last), len(stores), len(bad)))
sys.exit(1 if bad else 0)
PY
cb_pass "the alert topic's latest word on each alert is the stored alert"

# Group and lead-id fields kept as text, and partitions not marked done
# (a million each), over the 16 partitions.
old_fields() {
    local total=0 n
    for p in $(seq 0 15); do
        n=$(redis-cli -c -p "$REDIS_PORT" --raw eval "
          local n = 0
          for b = 0, 1023 do
            for _, f in ipairs(redis.call('HKEYS', 'cb:s:{p' .. ARGV[1] .. '}:' .. b)) do
              if #f == 17 and string.sub(f, 1, 1) == 'G' then n = n + 1 end
            end
          end
          for b = 0, 255 do
            for _, f in ipairs(redis.call('HKEYS', 'cb:lid:{p' .. ARGV[1] .. '}:' .. b)) do
              if #f ~= 8 then n = n + 1 end
            end
          end
          if redis.call('GET', 'cb:lay:{p' .. ARGV[1] .. '}') ~= '2' then n = n + 1000000 end
          return n" 1 "cb:v:{p$p}" "$p")
        total=$((total + n))
    done
    echo "$total"
}

# A store written before leads, lead ids and timers were bucketed keeps
# them whole (cb:lead:{pN}, cb:lid:{pN}, cb:tm:{pN}), and one written
# before the evening of 2026-12-04 keys name groups and lead ids by their
# text ('G' and 16 hex digits; 16 hex digits): put this one back in that
# layout, with every timer due, and the matcher moves it into buckets and
# renames the fields on its start (cb_layout.h), fires every timer, and
# the stores still equal the ground truth.
TODAY=$("$CB_PY" -c 'import datetime,sys; print((datetime.date.fromisoformat(sys.argv[1][:10]) - datetime.date(1970, 1, 1)).days)' "$AS_OF")
"$CANBAO" leads --status all -f csv --unmasked | sort >"$CB_TMP/leads.before"
OLD_TIMERS=0
for p in $(seq 0 15); do
    n=$(redis-cli -c -p "$REDIS_PORT" --raw eval "
      local p, due, n = ARGV[1], tonumber(ARGV[2]), 0
      local function hex(bytes)
        return (string.gsub(bytes, '.', function(c)
          return string.format('%02x', string.byte(c)) end))
      end
      for b = 0, 1023 do
        local k = 'cb:s:{p' .. p .. '}:' .. b
        local all = redis.call('HGETALL', k)
        for i = 1, #all, 2 do
          if #all[i] == 9 and string.sub(all[i], 1, 1) == 'G' then
            redis.call('HSET', k, 'G' .. hex(string.sub(all[i], 2)), all[i + 1])
            redis.call('HDEL', k, all[i])
          end
        end
      end
      redis.call('DEL', 'cb:lay:{p' .. p .. '}')
      for b = 0, 255 do
        for _, fam in ipairs({'lead', 'lid'}) do
          local k = 'cb:' .. fam .. ':{p' .. p .. '}:' .. b
          local all = redis.call('HGETALL', k)
          for i = 1, #all, 2 do
            local f = fam == 'lid' and hex(all[i]) or all[i]
            redis.call('HSET', 'cb:' .. fam .. ':{p' .. p .. '}', f, all[i + 1])
          end
          redis.call('DEL', k)
        end
        local k = 'cb:tm:{p' .. p .. '}:' .. b
        local all = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
        for i = 1, #all, 2 do
          redis.call('ZADD', 'cb:tm:{p' .. p .. '}', due, all[i])
          n = n + 1
        end
        redis.call('DEL', k)
      end
      return n" 1 "cb:v:{p$p}" "$p" "$((TODAY - 1))")
    OLD_TIMERS=$((OLD_TIMERS + n))
done
[ "$OLD_TIMERS" -gt 0 ] || cb_fail "no timers to put back in the old layout"
[ "$(redis-cli -c -p "$REDIS_PORT" exists 'cb:lead:{p0}')" = 1 ] ||
    cb_fail "the old layout was not written"
OLD=$(old_fields)
[ "$OLD" -gt 16000000 ] ||
    cb_fail "no group field was put back as text ($OLD)"
cb_log "the store put back in the old layout, $OLD_TIMERS timers due, $((OLD - 16000000)) group fields as text"
cb_expect_exit 0 "match the old layout" "$CANBAO" match --until-idle 3
cb_log "$CB_OUT"
TICKS=$(echo "$CB_OUT" | sed -n 's/.* \([0-9]*\) timers,.*/\1/p')
[ "${TICKS:-0}" -ge "$OLD_TIMERS" ] ||
    cb_fail "$OLD_TIMERS timers were due, ${TICKS:-0} fired"
cb_pass "the old layout's timers fired ($TICKS)"
LEFT=0
for p in $(seq 0 15); do
    for fam in lead lid tm; do
        LEFT=$((LEFT + $(redis-cli -c -p "$REDIS_PORT" exists "cb:$fam:{p$p}")))
    done
done
cb_assert_eq 0 "$LEFT" "no key of the old layout is left"
cb_assert_eq 0 "$(old_fields)" "no group or lead-id field is left as text, every partition marked done"
STILL=0
for p in $(seq 0 15); do
    n=$(redis-cli -c -p "$REDIS_PORT" --raw eval "
      local n = 0
      for b = 0, 255 do
        n = n + redis.call('ZCOUNT', 'cb:tm:{p' .. ARGV[1] .. '}:' .. b,
                           '-inf', ARGV[2])
      end
      return n" 1 "cb:v:{p$p}" "$p" "$((TODAY - 1))")
    STILL=$((STILL + n))
done
cb_assert_eq 0 "$STILL" "every timer fired and was set again"
"$CANBAO" leads --status all -f csv --unmasked | sort >"$CB_TMP/leads.after"
cmp -s "$CB_TMP/leads.before" "$CB_TMP/leads.after" ||
    cb_fail "the leads listed changed: $(diff "$CB_TMP/leads.before" "$CB_TMP/leads.after" | head -5)"
cb_pass "the leads listed are those of before ($(wc -l <"$CB_TMP/leads.after") lines)"
"$APPLY_TOOL" "$CANBAO_REDIS" - >"$CB_TMP/stores-moved.jsonl"
"$CB_PY" "$CANBAO_SOURCE_DIR/tests/integration/truth_compare.py" \
    "$CB_TMP/county/truth" "$CB_TMP/stores-moved.jsonl"
cb_pass "the moved stores equal the ground truth"

# A partition's timers are looked at when its day changes (and once a
# minute), not every second: an idle matcher on an unchanged day asks
# each timer bucket once, 16 partitions of 256 buckets.
NODES=("${CLUSTER_PORTS[@]:-$REDIS_PORT}") # every master and replica
for port in "${NODES[@]}"; do
    redis-cli -p "$port" config resetstat >/dev/null
done
cb_expect_exit 0 "an idle matcher" "$CANBAO" match --until-idle 4
LOOKS=0
for port in "${NODES[@]}"; do
    n=$(redis-cli -p "$port" info commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_zrangebyscore:calls=\([0-9]*\),.*/\1/p')
    LOOKS=$((LOOKS + ${n:-0}))
done
cb_assert_eq 4096 "$LOOKS" \
    "each timer bucket looked at once in four idle seconds"
cb_log "PASS"
