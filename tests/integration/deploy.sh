#!/usr/bin/env bash
# deploy.sh -- deploy/ checked with what Debian offers, no engine running
# (issue 7): the compose file through `docker-compose config` and yamllint,
# its resolved form against what the design asks (three KRaft brokers,
# replication 3, min.insync.replicas 2, Redis on AOF with a password, the
# canbao services on the image of deploy/Dockerfile); the Dockerfile's
# stages, user and Debian package names (looked up in apt's index); and
# deploy/topics.sh run against a stand-in kafka-topics.sh that records
# what it was asked.  The Kubernetes manifests of deploy/k8s (no cluster
# needed): yamllint, tests/integration/k8s_check.py (structure, references,
# the matchers against the partitions, Kafka and Redis against compose),
# canbao.conf read by the program itself, and `kubectl kustomize` where
# kubectl is installed.
set -euo pipefail
: "${CANBAO_SOURCE_DIR:?CANBAO_SOURCE_DIR must name the source tree}"
D=$CANBAO_SOURCE_DIR/deploy
TMP=$(mktemp -d "${TMPDIR:-/tmp}/canbao-deploy.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
log() { printf '[deploy] %s\n' "$*"; }
# docker-compose.yml has no default id key: one for the check
CANBAO_ID_KEY=${CANBAO_ID_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export CANBAO_ID_KEY
fail() { log "FAIL: $*" >&2; exit 1; }

need() {
    command -v "$1" >/dev/null && return 0
    [ "${CI:-}" = true ] && fail "CI needs $1 (scripts/setup.sh --tests installs it)"
    log "SKIPPED: no $1"
    exit 0
}
need yamllint

# ---------------------------------------------------------- k8s
yamllint -s -c "$D/.yamllint" "$D/k8s" || fail "yamllint deploy/k8s"
log "ok: yamllint -s deploy/k8s"
"$PY" "$CANBAO_SOURCE_DIR/tests/integration/k8s_check.py" "$D" ||
    fail "k8s_check.py: deploy/k8s"
# canbao.conf of the ConfigMap, as the program reads it: an unknown key
# would stop every canbao container (exit 2, "unknown setting")
if [ -n "${CANBAO:-}" ]; then
    "$PY" - "$D/k8s/config.yaml" "$TMP/canbao.conf" <<'PY'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap" and "canbao.conf" in d.get("data", {}):
        open(sys.argv[2], "w").write(d["data"]["canbao.conf"])
PY
    chmod 600 "$TMP/canbao.conf"
    rc=0
    "$CANBAO" report -c "$TMP/canbao.conf" -r redis://127.0.0.1:1 \
        >/dev/null 2>"$TMP/conf.err" || rc=$?
    if [ "$rc" != 1 ] || ! grep -q "cannot connect to Redis" "$TMP/conf.err"; then
        fail "canbao refuses deploy/k8s's canbao.conf: $(cat "$TMP/conf.err")"
    fi
    log "ok: canbao reads deploy/k8s's canbao.conf (then finds no Redis)"
    # the matcher's probes (matcher.yaml) need its --metrics server
    grep -q -- "--metrics HOST:PORT" <<<"$("$CANBAO" match --help 2>&1)" ||
        fail "canbao match has no --metrics HOST:PORT, which matcher.yaml's probes need"
    log "ok: canbao match serves --metrics, which matcher.yaml's probes use"
fi
if command -v kubectl >/dev/null; then
    kubectl kustomize "$D/k8s" >"$TMP/k8s-built.yaml" 2>"$TMP/kustomize.err" ||
        fail "kubectl kustomize deploy/k8s: $(cat "$TMP/kustomize.err")"
    log "ok: kubectl kustomize deploy/k8s: $(grep -c '^kind:' "$TMP/k8s-built.yaml") objects"
else
    log "SKIPPED: kubectl kustomize (no kubectl)"
fi

need docker-compose

# ------------------------------------------------------------ compose
(cd "$D" && docker-compose -f docker-compose.yml config) >"$TMP/compose.yml" ||
    fail "docker-compose config refused deploy/docker-compose.yml"
log "ok: docker-compose config"
yamllint -s -c "$D/.yamllint" "$D"/*.yml || fail "yamllint"
log "ok: yamllint -s"

"$PY" - "$TMP/compose.yml" "$D/redis.conf" <<'PY'
import os, re, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
redis_conf = open(sys.argv[2]).read()
s = c["services"]
errors = []
def check(ok, what):
    if not ok:
        errors.append(what)
    else:
        print("[deploy] ok: " + what)

kafka = sorted(n for n in s if n.startswith("kafka-"))
check(kafka == ["kafka-1", "kafka-2", "kafka-3"], "three Kafka brokers")
ids, voters = set(), set()
for n in kafka:
    e = s[n]["environment"]
    ids.add(e["KAFKA_NODE_ID"])
    voters.add(e["KAFKA_CONTROLLER_QUORUM_VOTERS"])
    check(e["KAFKA_PROCESS_ROLES"] == "broker,controller" and
          "ZOOKEEPER" not in " ".join(e).upper(), n + ": KRaft, no ZooKeeper")
    check(e["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3" and
          e["KAFKA_MIN_INSYNC_REPLICAS"] == "2" and
          e["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3",
          n + ": replication 3, min.insync.replicas 2")
    check(e["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://%s:9092" % n,
          n + ": advertises its own name")
    # "source:target[:mode]" once resolved
    check(any(isinstance(v, str) and v.split(":")[1] == "/var/lib/kafka/data"
              and v.split(":")[0] == n for v in s[n]["volumes"]),
          n + ": its log on its own volume")
    check("healthcheck" in s[n], n + ": a health check")
check(ids == {"1", "2", "3"}, "distinct node ids 1, 2, 3")
check(len(voters) == 1 and
      set(re.findall(r"(\d)@(kafka-\d):9093", voters.pop())) ==
      {("1", "kafka-1"), ("2", "kafka-2"), ("3", "kafka-3")},
      "one quorum of the three controllers")

r = s["redis"]
check(re.search(r"^appendonly yes", redis_conf, re.M) and
      re.search(r"^maxmemory-policy noeviction", redis_conf, re.M) and
      "/usr/local/etc/redis/redis.conf" in r["command"] and
      "--requirepass" in r["command"], "Redis: AOF, noeviction, a password")

brokers = "kafka-1:9092,kafka-2:9092,kafka-3:9092"
for n in ("producers", "matcher", "web", "cli"):
    e = s[n].get("environment", {})
    check(s[n]["build"]["dockerfile"] == "deploy/Dockerfile" and
          e.get("CANBAO_BROKERS") == brokers and
          e.get("CANBAO_REDIS", "").startswith("redis://:") and
          e.get("CANBAO_ID_KEY") == os.environ["CANBAO_ID_KEY"],
          n + ": the canbao image, the three brokers, Redis with a "
          "password, the id key from the environment")
dep = s["matcher"]["depends_on"]
check(dep["topics"]["condition"] == "service_completed_successfully" and
      dep["redis"]["condition"] == "service_healthy",
      "the matcher waits for the topics and Redis")
check(s["matcher"]["command"] == ["match"] and
      s["matcher"]["deploy"]["replicas"] <= 16,
      "matchers: no more than the 16 partitions")
check(s["web"]["command"][0] == "web" and "healthcheck" in s["web"],
      "the workbench, with a health check")
check(s["topics"]["entrypoint"] == ["/bin/sh", "/topics.sh"],
      "topics made by deploy/topics.sh")
if errors:
    for e in errors:
        print("[deploy] FAIL: " + e, file=sys.stderr)
    sys.exit(1)
PY

# ---------------------------------------------------------- Dockerfile
df=$D/Dockerfile
[ "$(grep -c '^FROM debian:12' "$df")" -ge 2 ] || fail "Dockerfile: two Debian 12 stages"
grep -q '^FROM debian:12-slim AS build' "$df" || fail "Dockerfile: a named build stage"
grep -q '^COPY --from=build ' "$df" || fail "Dockerfile: the program copied from the build stage"
user=$(sed -n 's/^USER \([^: ]*\).*/\1/p' "$df" | tail -1)
case $user in "" | 0 | root) fail "Dockerfile: runs as root" ;; esac
log "ok: Dockerfile: multi-stage on Debian 12, runs as user $user"
# every package it installs must exist in Debian 12 (apt's index)
pkgs=$(sed -n '/apt-get install/,/rm -rf/p' "$df" | tr ' \\' '\n\n' |
    grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|y|no|recommends)$' |
    grep -vE '^-' | sort -u)
n=0
for p in $pkgs; do
    apt-cache show "$p" >/dev/null 2>&1 || fail "Dockerfile: no Debian package $p"
    n=$((n + 1))
done
[ "$n" -ge 12 ] || fail "Dockerfile: only $n packages found to check"
log "ok: Dockerfile: its $n packages are in Debian's index"
# the build stage installs what scripts/setup.sh builds with
for p in librdkafka-dev libavro-dev libhiredis-dev libjansson-dev \
    libmicrohttpd-dev libcrypt-dev; do
    grep -q "$p" "$df" || fail "Dockerfile: the build stage lacks $p"
done

# ------------------------------------------------------------ topics.sh
mkdir "$TMP/bin"
cat >"$TMP/bin/kafka-topics.sh" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/topics.calls"
EOF
chmod +x "$TMP/bin/kafka-topics.sh"
KAFKA_BIN=$TMP/bin BOOTSTRAP=k1:9092 sh "$D/topics.sh" >"$TMP/topics.out"
"$PY" - "$TMP/topics.calls" <<'PY'
import sys
calls = [l.split() for l in open(sys.argv[1])]
def arg(c, name):
    return [c[i + 1] for i, a in enumerate(c) if a == name]
topics = sorted(arg(c, "--topic")[0] for c in calls)
want = sorted("canbao.%s.v1" % t for t in
              ("business", "household", "death", "enrollment", "assistance",
               "ownership", "lead", "alert", "deadletter"))
assert topics == want, topics
for c in calls:
    assert arg(c, "--bootstrap-server") == ["k1:9092"], c
    assert "--create" in c and "--if-not-exists" in c, c
    assert arg(c, "--partitions") == ["16"], c
    assert arg(c, "--replication-factor") == ["3"], c
    conf = arg(c, "--config")
    assert "min.insync.replicas=2" in conf, c
    # leads and alerts are changelogs keyed by id: compacted, no retention
    if arg(c, "--topic")[0] in ("canbao.lead.v1", "canbao.alert.v1"):
        assert "cleanup.policy=compact" in conf, c
        assert not any(x.startswith("retention.ms=") for x in conf), c
    else:
        assert not any(x.startswith("cleanup.policy=") for x in conf), c
        assert any(x.startswith("retention.ms=") for x in conf), c
print("[deploy] ok: topics.sh creates the 9 topics, 16 partitions, "
      "replication 3, min.insync.replicas 2, leads and alerts compacted, "
      "the others with a retention")
PY
log "PASS"
