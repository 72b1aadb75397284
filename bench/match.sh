#!/usr/bin/env bash
# match.sh -- benchmarks of the matcher's side (issue 4); figures, not tests.
#
#   bench/match.sh load  [PEOPLE] [BUILD_DIR]   default 1,000,000 people
#       `canbao load` of a generated county's enrollment snapshot into an
#       empty Redis: rows/s, and Redis's used_memory before and after
#       divided by the persons loaded (bytes per person).
#   bench/match.sh drain [PEOPLE] [BUILD_DIR]   default 180,000 people
#       a county's five feeds (about 5.7 events a person: 180,000 people
#       make about 1,000,000 events) produced into the embedded broker
#       (a real one with CANBAO_TEST_KAFKA=real) first, then `canbao match
#       --until-idle 3` drains them with Redis local: events/s from the
#       first message to the last step, the time Redis spent in the step
#       script, and the memory of both: the matcher's RSS, Redis's
#       used_memory a person (after the drain less before the load,
#       divided by PEOPLE) and its breakdown by key family.
#
#   CANBAO_BENCH_STATS=1 adds Redis's commandstats (calls, usec) to drain
#   and latency.  CANBAO_BENCH_PERF=DIR records the drain's matcher and
#   Redis with `perf record` into DIR (matcher.data, redis.data) and
#   prints the functions that took the most of each one's samples.
#
#   bench/match.sh scale [PEOPLE] [BUILD_DIR]    default 180,000 people
#       the same feeds drained by 1, 2 and 4 matchers in one consumer group
#       (CANBAO_BENCH_MATCHERS="1 2 4"), each count into a Redis database
#       of its own loaded alike: events/s from the group's first message to
#       its last step (the matchers' monotonic clocks), the events each
#       matcher applied, and whether the stores equal the one-matcher run's
#       (tests/tools/apply_tool).
#
#   bench/match.sh latency [RATE] [BUILD_DIR]    default 10,000 events/s
#       a matcher running on an empty county (Redis and the embedded
#       broker local); bench/latency produces new uninsured residents at a
#       steady RATE for 10 s and times each event to its lead on
#       canbao.lead.v1: p50, p90, p99, p99.9, max; split at the lead's
#       produce call; and the mean of each of the matcher's stages over
#       the run (its /metrics, canbao_matcher_stage_*); the CPU an event
#       of the matcher, Redis and the broker (/proc ticks over the run)
#       and the events a step.  The events'
#       producer lingers CANBAO_BENCH_LINGER ms (default 5).  On a real
#       broker (CANBAO_TEST_KAFKA=real) runs of the same load, not
#       counted, warm the JVM up until its JIT compilers take under 5% of
#       the broker's CPU (at most six), and the counted run prints their
#       share of it.
#
# Counties are generated once per size and cached in $CANBAO_BENCH_DIR
# (default /tmp/canbao-bench).
set -euo pipefail

cd "$(dirname "$0")/.."
MODE=${1:-drain}
case "$MODE" in
latency) RATE=${2:-10000}; PEOPLE=0 ;;
load) PEOPLE=${2:-1000000} ;;
drain|scale) PEOPLE=${2:-180000} ;;
*) echo "usage: bench/match.sh load|drain|scale [PEOPLE] [BUILD_DIR]" >&2
   echo "       bench/match.sh latency [RATE] [BUILD_DIR]" >&2; exit 2 ;;
esac
BUILD=${3:-build}
CANBAO=$PWD/$BUILD/cli/canbao
DIR=${CANBAO_BENCH_DIR:-/tmp/canbao-bench}
COUNTY=$DIR/county-$PEOPLE
[ -x "$CANBAO" ] || { echo "build first: scripts/setup.sh" >&2; exit 1; }
mkdir -p "$DIR"
# servers of their own, stopped on exit
. bench/bench_servers.sh
cb_bench_servers bench
# where Redis's time went, command by command (calls, usec)
commandstats() {
    redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/bench:   \1 calls=\2 usec=\3/p'
}
# a process's user+system CPU in clock ticks
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# jit_threads PID: "TID TICKS" of each of a JVM's JIT compiler threads
# now alive ("C1 CompilerThre", "C2 CompilerThre": a name may hold a
# space, so the fields are counted after its closing parenthesis);
# jit_ticks BEFORE AFTER: the ticks they took between two such lists (a
# thread the JVM ended meanwhile is left out, a new one counted whole)
jit_threads() {
    local t
    for t in /proc/"$1"/task/*; do
        case $(cat "$t/comm" 2>/dev/null) in
        *CompilerThre*)
            sed 's/^.*) //' "$t/stat" 2>/dev/null |
                awk -v tid="${t##*/}" '{ print tid, $12 + $13 }' ;;
        esac
    done
}
jit_ticks() {
    awk 'NR == FNR { was[$1] = $2; next } { d += $2 - was[$1] } END { print d + 0 }' "$1" "$2"
}
if [ "$MODE" = latency ]; then
    cb_start_redis >/dev/null
    cb_start_broker >/dev/null
    "$CANBAO" match --metrics 127.0.0.1:0 ${CANBAO_BENCH_MATCH_ARGS:-} \
        >"$CB_TMP/match.out" \
        2>"$CB_TMP/match.log" &
    MATCH_PID=$!
    CB_PIDS+=("$MATCH_PID")
    sleep 20 # the consumer group settles before the clock starts
    port=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$CB_TMP/match.log")
    [ -n "$port" ] || cb_fail "the matcher serves no metrics: $(tail -3 "$CB_TMP/match.log")"
    stages() {
        curl -sf "http://127.0.0.1:$port/metrics" |
            grep -E '^canbao_matcher_(stage_|steps_total|applied_total)'
        # each process's CPU in clock ticks: the matcher, Redis, the broker
        echo "ticks $(proc_ticks "$MATCH_PID") $(proc_ticks "$REDIS_PID")" \
            "$(proc_ticks "$BROKER_PID")"
    }
    if [ "${CANBAO_TEST_KAFKA:-embedded}" = real ]; then
        # A broker in service has its hot paths compiled.  Runs of the same
        # load, not counted, warm the JVM up until its JIT compilers take
        # under 5% of the broker's CPU (at most six): after one run of
        # 10 s they still took 13-36% of it, a third of a core, and the
        # counted run's tail went with that share (docs/PERFORMANCE.md).
        for w in 1 2 3 4 5 6; do
            c0=$(proc_ticks "$BROKER_PID")
            jit_threads "$BROKER_PID" >"$CB_TMP/jit.w0"
            "$PWD/$BUILD/bench/latency" "$CANBAO_BROKERS" "$RATE" 10 \
                "${CANBAO_BENCH_LINGER:-5}" | sed "s/^/bench: warm-up $w: /"
            c1=$(proc_ticks "$BROKER_PID")
            jit_threads "$BROKER_PID" >"$CB_TMP/jit.w1"
            j=$(jit_ticks "$CB_TMP/jit.w0" "$CB_TMP/jit.w1")
            share=$((j * 100 / (c1 - c0 > 0 ? c1 - c0 : 1)))
            echo "bench: warm-up $w: the broker's JIT compilers took $share% of its CPU"
            [ "$share" -ge 5 ] || break
        done
    fi
    stages >"$CB_TMP/stages.0"
    jit_threads "$BROKER_PID" >"$CB_TMP/jit.0" # none on the embedded broker
    redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
    "$PWD/$BUILD/bench/latency" "$CANBAO_BROKERS" "$RATE" 10 \
        "${CANBAO_BENCH_LINGER:-5}" | sed 's/^/bench: /'
    stages >"$CB_TMP/stages.1"
    jit_threads "$BROKER_PID" >"$CB_TMP/jit.1"
    jit=$(jit_ticks "$CB_TMP/jit.0" "$CB_TMP/jit.1")
    # the matcher's share: each stage's mean over the run's events
    "$CB_PY" - "$CB_TMP/stages.0" "$CB_TMP/stages.1" "$(getconf CLK_TCK)" "$jit" <<'PY'
import re, sys
def read(path):
    out = {}
    for line in open(path):
        m = re.match(r'canbao_matcher_stage_(seconds|events)_total'
                     r'\{stage="(\w+)"\} (\S+)', line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
parts = []
for st in ("arrive", "queue", "step", "publish"):
    n = b.get(("events", st), 0) - a.get(("events", st), 0)
    s = b.get(("seconds", st), 0) - a.get(("seconds", st), 0)
    parts.append("%s %.1f ms" % (st, s / n * 1000 if n else 0))
print("bench: the matcher's stages, mean an event: " + ", ".join(parts))
def figure(path, name):
    for line in open(path):
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
def ticks(path):
    for line in open(path):
        if line.startswith("ticks "):
            return [int(x) for x in line.split()[1:]]
    return [0, 0, 0]
hz = float(sys.argv[3])
events = figure(sys.argv[2], "canbao_matcher_applied_total") - \
    figure(sys.argv[1], "canbao_matcher_applied_total")
steps = figure(sys.argv[2], "canbao_matcher_steps_total") - \
    figure(sys.argv[1], "canbao_matcher_steps_total")
t0, t1 = ticks(sys.argv[1]), ticks(sys.argv[2])
if events > 0 and steps > 0:
    us = ["%s %.0f us" % (who, (t1[i] - t0[i]) / hz / events * 1e6)
          for i, who in enumerate(("matcher", "Redis", "broker"))]
    jit, broker = int(sys.argv[4]), t1[2] - t0[2]
    if jit > 0 and broker > 0:
        us[2] += " (its JIT compilers %.0f%% of it)" % (jit * 100.0 / broker)
    print("bench: CPU an event: %s; %d steps, %.1f events a step" %
          (", ".join(us), steps, events / steps))
PY
    [ -z "${CANBAO_BENCH_STATS:-}" ] || commandstats
    exit 0
fi
if [ ! -s "$COUNTY/manifest.json" ]; then
    echo "bench: generating a county of $PEOPLE people in $COUNTY"
    "$CANBAO" gen --people "$PEOPLE" --seed 1 --out "$COUNTY" >/dev/null
fi
export CANBAO_NOW=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' "$COUNTY/manifest.json")

mem() { redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
evalsha_us() {
    redis-cli -p "$REDIS_PORT" info commandstats |
        sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),usec=\([0-9]*\),.*/\2 \1/p'
}

# breakdown: Redis's memory by key family (MEMORY USAGE ... SAMPLES 0
# summed over the keys whose names start alike up to the hash tag and
# have its shape: cb:tm:{pN}:* the timer buckets), a
# person's share of each, and the fields of the state buckets by subject
# kind (an 8-byte person, a 9-byte name group "G...", an employer's
# USCC) with their values' bytes.  Printed as bench: lines.
breakdown() {
    redis-cli -p "$REDIS_PORT" --raw eval "
      local fam, order = {}, {}
      local kinds = {}
      local function add(t, name, keys, bytes)
        local f = t[name]
        if f == nil then
          f = {0, 0, 0}
          t[name] = f
          if t == fam then order[#order + 1] = name end
        end
        f[1] = f[1] + keys
        f[2] = f[2] + bytes
        return f
      end
      local cursor = '0'
      repeat
        local r = redis.call('SCAN', cursor, 'COUNT', 1000)
        cursor = r[1]
        for _, k in ipairs(r[2]) do
          -- a family is named by its keys' shape: cb:tm:{pN} (one key a
          -- partition) or cb:tm:{pN}:* (buckets, or a township's list)
          local name = string.match(k, '^([^{]*)') or k
          if string.find(k, '}', 1, true) then
            name = name .. (string.match(k, '}:') and '{pN}:*' or '{pN}')
          end
          local f = add(fam, name, 1, redis.call('MEMORY', 'USAGE', k, 'SAMPLES', 0))
          local t = redis.call('TYPE', k)['ok']
          if t == 'hash' or t == 'zset' then
            f[3] = f[3] + (t == 'hash' and redis.call('HLEN', k) or redis.call('ZCARD', k))
          elseif t == 'stream' then
            f[3] = f[3] + redis.call('XLEN', k)
          end
          if name == 'cb:s:{pN}:*' then
            local all = redis.call('HGETALL', k)
            for i = 1, #all, 2 do
              local fk = all[i]
              local kind = (#fk == 8 and 'person') or
                ((#fk == 9 or #fk == 17) and string.sub(fk, 1, 1) == 'G' and 'group') or 'employer'
              local e = add(kinds, kind, 1, #all[i + 1])
              e[3] = e[3] + #fk
            end
          end
        end
      until cursor == '0'
      table.sort(order)
      local out = {}
      for _, name in ipairs(order) do
        local f = fam[name]
        out[#out + 1] = string.format('%s %d %d %d', name, f[1], f[2], f[3])
      end
      for _, kind in ipairs({'person', 'group', 'employer'}) do
        local e = kinds[kind]
        if e then
          out[#out + 1] = string.format('=%s %d %d %d', kind, e[1], e[2], e[3])
        end
      end
      return out" 0 |
    awk -v people="$PEOPLE" '
      /^=/ { printf "bench:   cb:s:{pN}:* %-8s fields %8d, values %10d bytes (%.1f a field), field names %d bytes\n",
                    substr($1, 2), $2, $3, $3 / ($2 ? $2 : 1), $4; next }
      { total += $3
        printf "bench:   %-20s keys %7d, entries %8d, MEMORY USAGE %11d bytes = %6.1f a person\n",
               $1, $2, $4, $3, $3 / people }
      END { printf "bench:   %-20s %40d bytes = %6.1f a person\n", "all keys", total, total / people }'
}

# State buckets a partition, sized as docs/COMMANDS.md ("buckets") says:
# the power of two nearest people / partitions / 60 (256 for 180,000
# people, 1,024 for 1,000,000); CANBAO_BENCH_BUCKETS sets another.
BUCKETS=${CANBAO_BENCH_BUCKETS:-$(/usr/bin/python3 -c '
import math, sys
n = 2 ** round(math.log2(max(int(sys.argv[1]) / 16 / 60, 1)))
print(min(max(n, 16), 16384))' "$PEOPLE")}
printf 'buckets = %s\n' "$BUCKETS" >"$CB_TMP/canbao.conf"
export CANBAO_CONFIG=$CB_TMP/canbao.conf
echo "bench: $BUCKETS state buckets a partition"

cb_start_redis >/dev/null
"$CANBAO" targets "$COUNTY/townships.csv" >/dev/null
before=$(mem)
start=$(date +%s.%N)
out=$("$CANBAO" load "$COUNTY/snapshot/enrollment.csv" -q)
end=$(date +%s.%N)
after=$(mem)
rows=$(sed -n 's/.*loaded \([0-9]*\),.*/\1/p' <<<"$out")
persons=$(redis-cli -p "$REDIS_PORT" --raw eval "
  local n = 0
  for p = 0, 15 do
    local cursor = '0'
    repeat
      local r = redis.call('SCAN', cursor, 'MATCH', 'cb:s:{p' .. p .. '}:*',
                           'COUNT', 1000)
      cursor = r[1]
      for _, k in ipairs(r[2]) do n = n + redis.call('HLEN', k) end
    until cursor == '0'
  end
  return n" 0)
secs=$(echo "$end - $start" | bc -l)
echo "bench: $out"
printf 'bench: load: %d rows in %.2f s = %.0f rows/s\n' "$rows" "$secs" \
    "$(echo "$rows / $secs" | bc -l)"
printf 'bench: Redis used_memory %d -> %d bytes: %.1f bytes per subject (%d subjects)\n' \
    "$before" "$after" "$(echo "($after - $before) / $persons" | bc -l)" "$persons"
redis-cli -p "$REDIS_PORT" info memory | grep -E '^used_memory_human|^mem_fragmentation_ratio' |
    sed 's/^/bench:   /'
[ "$MODE" = load ] && exit 0

cb_start_broker >/dev/null
events=0
for feed in business household death enrollment assistance; do
    out=$("$CANBAO" produce "$feed" "$COUNTY/feeds/$feed.csv" -q)
    n=$(sed -n 's/.*produced \([0-9]*\),.*/\1/p' <<<"$out")
    events=$((events + n))
done
cb_log "$events events in the ${CANBAO_TEST_KAFKA:-embedded} broker; draining with canbao match"
redis_cpu() {
    redis-cli -p "$REDIS_PORT" info cpu | tr -d '\r' |
        awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.3f", s }'
}
if [ "$MODE" = scale ]; then
    BASE=$CANBAO_REDIS
    APPLY_TOOL=$PWD/$BUILD/tests/apply_tool
    for n in ${CANBAO_BENCH_MATCHERS:-1 2 4}; do
        db=$n
        CANBAO_REDIS=$BASE/$db "$CANBAO" targets "$COUNTY/townships.csv" >/dev/null
        CANBAO_REDIS=$BASE/$db "$CANBAO" load "$COUNTY/snapshot/enrollment.csv" -q >/dev/null
        cpu0=$(redis_cpu)
        pids=()
        for ((i = 1; i <= n; i++)); do
            CANBAO_REDIS=$BASE/$db "$CANBAO" match --group "scale-$n" \
                --until-idle 5 ${CANBAO_BENCH_MATCH_ARGS:-} \
                >"$CB_TMP/scale-$n-$i.out" 2>"$CB_TMP/scale-$n-$i.log" &
            pids+=("$!")
        done
        for pid in "${pids[@]}"; do
            wait "$pid" || cb_fail "a matcher of $n failed"
        done
        cpu1=$(redis_cpu)
        cat "$CB_TMP"/scale-"$n"-*.log | "$CB_PY" -c '
import re, sys
n, total, first, last, shares = int(sys.argv[1]), 0, None, None, []
for f in sys.argv[2:]:
    t = open(f).read()
    m = re.search(r"(\d+) events applied", t)
    shares.append(int(m.group(1)) if m else 0)
for line in sys.stdin:
    m = re.search(r"first message at (\d+) ms, last step at (\d+) ms", line)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        first = a if first is None else min(first, a)
        last = b if last is None else max(last, b)
total = sum(shares)
secs = (last - first) / 1000.0
print("bench: %d matcher(s): %d events in %.2f s from the first message to "
      "the last step: %.0f events/s (each applied %s)" % (
          n, total, secs, total / secs, " ".join(map(str, shares))))
' "$n" "$CB_TMP"/scale-"$n"-*.out
        printf 'bench:   Redis CPU %.1f s\n' "$(echo "$cpu1 - $cpu0" | bc -l)"
        if [ -x "$APPLY_TOOL" ]; then
            # every field, a lead's source_event_id included, as it_recovery
            "$APPLY_TOOL" "$BASE/$db" - --states | "$CB_PY" -c '
import json, sys
for line in sys.stdin:
    print(json.dumps(json.loads(line), sort_keys=True))' |
                sort >"$CB_TMP/stores-$n.txt"
            if [ "$n" != 1 ] && [ -s "$CB_TMP/stores-1.txt" ]; then
                if cmp -s "$CB_TMP/stores-1.txt" "$CB_TMP/stores-$n.txt"; then
                    echo "bench:   stores equal the 1-matcher run's ($(wc -l <"$CB_TMP/stores-$n.txt") lines)"
                else
                    echo "bench:   STORES DIFFER from the 1-matcher run's"
                fi
            fi
        fi
    done
    exit 0
fi
redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
cpu0=$(redis_cpu)
bticks0=$(proc_ticks "$BROKER_PID")
PERF=${CANBAO_BENCH_PERF:-}
MATCH=("$CANBAO")
if [ -n "$PERF" ]; then
    mkdir -p "$PERF"
    perf record -q -g -o "$PERF/redis.data" -p "$REDIS_PID" \
        2>"$PERF/redis.perf.log" &
    redis_perf=$!
    MATCH=(perf record -q --call-graph dwarf,8192 -F 499 \
        -o "$PERF/matcher.data" -- "$CANBAO")
fi
/usr/bin/time -f '%e %M %U %S' -o "$CB_TMP/time" "${MATCH[@]}" match --until-idle 3 -q ${CANBAO_BENCH_MATCH_ARGS:-} \
    >"$CB_TMP/match.out"
if [ -n "$PERF" ]; then
    kill -INT "$redis_perf"
    wait "$redis_perf" || true
    for who in matcher redis; do
        echo "bench: perf, $who: the functions with the most samples (self)"
        perf report -q -i "$PERF/$who.data" --no-children --sort symbol -g none \
            --percent-limit 1.5 2>"$PERF/$who.report.log" | grep -v '^$' |
            head -25 | sed 's/^/bench:   /'
    done
fi
cat "$CB_TMP/match.out" | sed 's/^/bench: /'
cpu1=$(redis_cpu)
bticks1=$(proc_ticks "$BROKER_PID")
read -r us calls < <(evalsha_us)
read -r wall rss usr sys < "$CB_TMP/time"
printf 'bench: Redis in the step script: %.1f s over %d steps (%.1f us an event)\n' \
    "$(echo "$us / 1000000" | bc -l)" "$calls" "$(echo "$us / $events" | bc -l)"
printf 'bench: Redis CPU in all: %.1f s (%.1f us an event)\n' \
    "$(echo "$cpu1 - $cpu0" | bc -l)" "$(echo "($cpu1 - $cpu0) * 1000000 / $events" | bc -l)"
printf 'bench: matcher CPU %.1f s user + %.1f s sys (%.1f us an event)\n' "$usr" "$sys" "$(echo "($usr + $sys) * 1000000 / $events" | bc -l)"
hz=$(getconf CLK_TCK)
printf 'bench: broker CPU %.1f s (%.1f us an event)\n' \
    "$(echo "($bticks1 - $bticks0) / $hz" | bc -l)" \
    "$(echo "($bticks1 - $bticks0) * 1000000 / $hz / $events" | bc -l)"
printf 'bench: matcher RSS %d kB; Redis used_memory after %s\n' "$rss" \
    "$(redis-cli -p "$REDIS_PORT" info memory | sed -n 's/^used_memory_human:\(.*\)\r/\1/p')"
after_drain=$(mem)
printf 'bench: Redis memory a person: (used_memory after the drain %d - before the load %d) / %d people = %.1f bytes\n' \
    "$after_drain" "$before" "$PEOPLE" "$(echo "($after_drain - $before) / $PEOPLE" | bc -l)"
breakdown
[ -z "${CANBAO_BENCH_STATS:-}" ] || commandstats
