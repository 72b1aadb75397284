#!/usr/bin/env bash
# gen.sh -- `canbao gen`: the same seed writes the same bytes and another
# seed another county; identifiers, headers and the truth's coverage
# (gen_check.py, python3-stdnum as judge); legacy 15-digit numbers that
# change nothing but the text of some numbers (the same seed without them
# has the same truth); the name defects at their rates and
# truth/reviews.csv agreeing with them, or none with CANBAO_GEN_DEFECTS=0;
# GB18030 files that decode to the UTF-8 ones byte
# for byte; every good record accepted by `canbao produce` and every bad
# one dead-lettered exactly where bad/expected.csv says.
. "$CANBAO_SOURCE_DIR/tests/integration/harness.sh"

CHECK="$CANBAO_SOURCE_DIR/tests/integration/gen_check.py"
A="$CB_TMP/a"

# ------------------------------------------------------ usage and help
cb_expect_exit 0 "gen --help" "$CANBAO" gen --help
cb_assert_contains "$CB_OUT" "--as-of" "help names --as-of"
cb_expect_exit 2 "gen without --out" "$CANBAO" gen --people 100 --seed 1
cb_expect_exit 2 "gen with too few people" "$CANBAO" gen --people 5 \
    --seed 1 --out "$CB_TMP/x"
cb_expect_exit 2 "gen with a bad --as-of" "$CANBAO" gen --people 100 \
    --seed 1 --out "$CB_TMP/x" --as-of 2025-02-30
cb_expect_exit 2 "gen with a bad --encoding" "$CANBAO" gen --people 100 \
    --seed 1 --out "$CB_TMP/x" --encoding latin1
cb_expect_exit 2 "gen with a bad --seed" "$CANBAO" gen --people 100 \
    --seed -3 --out "$CB_TMP/x"
cb_expect_exit 2 "gen with a bad --legacy-ids" "$CANBAO" gen --people 100 \
    --seed 1 --out "$CB_TMP/x" --legacy-ids 101
cb_expect_exit 1 "gen where no directory can be" "$CANBAO" gen --people 100 \
    --seed 1 --out /dev/null/county
cb_assert_contains "$CB_ERR" "/dev/null/county" "names the directory"

# ------------------------------------------------------- determinism
cb_expect_exit 0 "gen 1000 people, seed 7" "$CANBAO" gen --people 1000 \
    --seed 7 --out "$A"
cb_assert_contains "$CB_OUT" "gen: 1000 people, seed 7:" "one-line summary"
cb_log "$CB_OUT"
cb_expect_exit 0 "gen again" "$CANBAO" gen --people 1000 --seed 7 \
    --out "$CB_TMP/b"
diff -r "$A" "$CB_TMP/b" >"$CB_TMP/diff" || cb_fail "same seed, different files: $(head -c 400 "$CB_TMP/diff")"
cb_pass "same seed, byte-identical trees"
cb_expect_exit 0 "gen, seed 8" "$CANBAO" gen --people 1000 --seed 8 \
    --out "$CB_TMP/c"
for f in feeds/household.csv feeds/enrollment.csv truth/leads.csv; do
    if cmp -s "$A/$f" "$CB_TMP/c/$f"; then
        cb_fail "seeds 7 and 8 wrote the same $f"
    fi
done
cb_pass "another seed, another county"

# ---------------------------------------------- contract and coverage
"$CB_PY" "$CHECK" "$A" || cb_fail "gen_check.py"
cb_pass "headers, identifiers, order, truth coverage, rejection reasons"
"$CB_PY" - "$A/townships.csv" 1000 2025 <<'PY' || cb_fail "townships.csv targets"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
people, year = int(sys.argv[2]), sys.argv[3]
assert len(rows) == 19, len(rows)
years = [k for k in rows[0] if k.startswith("target_") and k != "target_total"]
assert "target_" + year in years, years
for r in rows:
    assert int(r["target_total"]) == sum(int(r[k]) for k in years), r
col = sum(int(r["target_" + year]) for r in rows)
assert col == (people * 50 + 999) // 1000, col   # 5% of the register
assert rows[0]["target_2021"] == "4684"          # seed 003's own columns kept
PY
cb_pass "townships.csv: seed 003's table plus a $((1000 * 5 / 100))-person target for 2025, every row adding up"
cb_expect_exit 0 "gen on another day" "$CANBAO" gen --people 500 --seed 3 \
    --as-of 2024-03-15 --out "$CB_TMP/d"
"$CB_PY" "$CHECK" "$CB_TMP/d" >"$CB_TMP/d.check" ||
    cb_fail "gen_check.py --as-of 2024-03-15: $(tail -5 "$CB_TMP/d.check")"
cb_pass "as of 2024-03-15 too"

# ---------------------------------------------- legacy 15-digit numbers
# The same seed without legacy numbers: the same truth, and the same files
# but for numbers the default run writes in the 15-digit form.
cb_expect_exit 0 "gen, seed 7, no legacy numbers" "$CANBAO" gen --people 1000 \
    --seed 7 --legacy-ids 0 --out "$CB_TMP/nolegacy"
diff -r "$A/truth" "$CB_TMP/nolegacy/truth" >"$CB_TMP/diff" ||
    cb_fail "legacy numbers changed the truth: $(head -c 400 "$CB_TMP/diff")"
"$CB_PY" - "$A" "$CB_TMP/nolegacy" <<'PY' || cb_fail "legacy numbers changed more than numbers"
import csv, sys
from stdnum.cn import ric
files = ["snapshot/enrollment.csv", "feeds/business.csv", "feeds/household.csv",
         "feeds/death.csv", "feeds/enrollment.csv", "feeds/assistance.csv"]
total = 0
for f in files:
    a = list(csv.reader(open(sys.argv[1] + "/" + f, encoding="utf-8")))
    b = list(csv.reader(open(sys.argv[2] + "/" + f, encoding="utf-8")))
    assert len(a) == len(b) and a[0] == b[0], f
    cols = [i for i, c in enumerate(a[0]) if c in ("person_id", "legal_rep_id")]
    n = 0
    for ra, rb in zip(a[1:], b[1:]):
        for i, (x, y) in enumerate(zip(ra, rb)):
            if x == y:
                continue
            # the 15-digit form of the same number, born 1900-1999
            assert i in cols, (f, a[0][i], x, y)
            assert len(x) == 15 and len(y) == 18 and y[6:8] == "19", (f, x, y)
            body = x[:6] + "19" + x[6:]
            assert body + ric.calc_check_digit(body + "0") == y, (f, x, y)
            n += 1
    print("%-26s %5d numbers in the legacy form" % (f, n))
    total += n
assert total > 0, "no legacy numbers"
PY
cb_pass "legacy numbers: the same truth, the same rows but for their text"
"$CB_PY" "$CHECK" "$CB_TMP/nolegacy" >"$CB_TMP/nolegacy.check" ||
    cb_fail "gen_check.py --legacy-ids 0: $(tail -5 "$CB_TMP/nolegacy.check")"
cb_pass "--legacy-ids 0 writes none"

# ------------------------------------------------------- name defects
# A county big enough to count them: each at about its rate, and the
# review items of the truth exactly those the files make.
cb_expect_exit 0 "gen 50000 people, seed 5" "$CANBAO" gen --people 50000 \
    --seed 5 --out "$CB_TMP/big"
"$CB_PY" "$CHECK" "$CB_TMP/big" --names-only >"$CB_TMP/big.check" ||
    cb_fail "gen_check.py --names-only: $(grep FAIL "$CB_TMP/big.check" | head -5)"
cb_log "$(grep -E '^(name|review)' "$CB_TMP/big.check" | tr '\n' ';')"
cb_pass "name defects at their rates; truth/reviews.csv made by them"
cb_expect_exit 0 "gen without the name defects" env CANBAO_GEN_DEFECTS=0 \
    "$CANBAO" gen --people 1000 --seed 7 --out "$CB_TMP/off"
"$CB_PY" "$CHECK" "$CB_TMP/off" >"$CB_TMP/off.check" ||
    cb_fail "gen_check.py, no defects: $(grep FAIL "$CB_TMP/off.check" | head -5)"
cb_assert_eq 1 "$(wc -l <"$CB_TMP/off/truth/reviews.csv")" \
    "no defects, no review item"
cb_expect_exit 1 "CANBAO_GEN_DEFECTS not 0 or 1" env CANBAO_GEN_DEFECTS=yes \
    "$CANBAO" gen --people 1000 --seed 7 --out "$CB_TMP/yes"
cb_assert_contains "$CB_ERR" "CANBAO_GEN_DEFECTS" "names the variable"

# ------------------------------------------------------------ GB18030
cb_expect_exit 0 "gen in GB18030" "$CANBAO" gen --people 1000 --seed 7 \
    --encoding gb18030 --out "$CB_TMP/gb"
for f in snapshot/enrollment.csv feeds/business.csv feeds/household.csv \
    feeds/death.csv feeds/enrollment.csv feeds/assistance.csv; do
    iconv -f GB18030 -t UTF-8 "$CB_TMP/gb/$f" >"$CB_TMP/gb.utf8" ||
        cb_fail "$f does not decode as GB18030"
    cmp -s "$CB_TMP/gb.utf8" "$A/$f" || cb_fail "$f decodes to other text"
done
if cmp -s "$CB_TMP/gb/feeds/household.csv" "$A/feeds/household.csv"; then
    cb_fail "the GB18030 household file is the UTF-8 one"
fi
diff -r "$A/truth" "$CB_TMP/gb/truth" >/dev/null ||
    cb_fail "the encoding changed the truth"
cb_pass "GB18030 files decode to the UTF-8 ones byte for byte"

# ------------------------------------------------------- the producer
cb_start_broker
CANBAO_NOW=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' \
    "$A/manifest.json")
export CANBAO_NOW # the files are what is known at 00:00 of as_of
cd "$A"
for feed in business household death enrollment assistance; do
    cb_expect_exit 0 "produce feeds/$feed.csv" "$CANBAO" produce "$feed" \
        "feeds/$feed.csv" --townships townships.csv
    # refused: exactly the rows with a slip in a person's number
    SLIPS=$("$CB_PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("ident_defects", {}).get("refused_rows", {}).get("feeds/" + sys.argv[2] + ".csv", 0))' \
        manifest.json "$feed")
    echo "$CB_OUT" | grep -Eq "rejected $SLIPS[ ,]" ||
        cb_fail "feeds/$feed.csv: nothing refused but the slips: $CB_OUT"
    cb_pass "feeds/$feed.csv: nothing refused but the slips"
done
cb_expect_exit 0 "produce the snapshot" "$CANBAO" produce enrollment \
    snapshot/enrollment.csv --townships townships.csv
cb_assert_contains "$CB_OUT" "rejected 0," "snapshot: nothing refused"
cb_expect_exit 0 "produce a GB18030 feed" "$CANBAO" produce household \
    --encoding gb18030 "$CB_TMP/gb/feeds/household.csv"
SLIPS=$("$CB_PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("ident_defects", {}).get("refused_rows", {}).get("feeds/household.csv", 0))' \
    "$CB_TMP/gb/manifest.json")
echo "$CB_OUT" | grep -Eq "rejected $SLIPS[ ,]" ||
    cb_fail "GB18030 household: nothing refused but the slips: $CB_OUT"
    cb_pass "GB18030 household: nothing refused but the slips"
for f in bad/household.csv bad/household.jsonl bad/death.csv \
    bad/enrollment.csv bad/assistance.csv bad/business.csv; do
    feed=$(basename "${f%.*}")
    cb_expect_exit 0 "produce $f" "$CANBAO" produce "$feed" "$f"
done
cd - >/dev/null
"$CANBAO" tail deadletter --exit-at-end --unmasked >"$CB_TMP/dlq.jsonl"
"$CB_PY" - "$A/bad/expected.csv" "$CB_TMP/dlq.jsonl" <<'PY' ||
import csv, json, sys
want = {(r["file"], int(r["line"]), r["field"], r["reason"])
        for r in csv.DictReader(open(sys.argv[1]))}
got = set()
for line in open(sys.argv[2]):
    r = json.loads(line)["record"]
    if not r["file"].startswith("bad/"):
        # a feed's slip in a person's number, refused for that alone
        if r.get("field") not in ("person_id", "legal_rep_id") or \
                r["reason"] not in ("id_check", "id_birth_date", "id_charset"):
            print("a feed's row dead-lettered:", r["file"], r["line"],
                  r.get("field"), r["reason"])
            got.add((r["file"], r["line"], r.get("field") or "", r["reason"]))
        continue
    got.add((r["file"], r["line"], r.get("field") or "", r["reason"]))
for m in sorted(want - got): print("expected, not dead-lettered:", m)
for e in sorted(got - want): print("dead-lettered, not expected:", e)
print("%d dead letters, %d expected" % (len(got), len(want)))
sys.exit(1 if want != got else 0)
PY
    cb_fail "dead letters differ from bad/expected.csv"
cb_pass "every bad record dead-lettered at its line, field and reason"
cb_log "PASS"
