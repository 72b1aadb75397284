#!/usr/bin/env bash
# kafka.sh -- a real Apache Kafka (KRaft) on this machine's loopback, as
# easy to start as `canbao broker`: for the tests, the benchmarks, the demo
# with --kafka, and a county that runs canbao on one machine.
#
#   scripts/kafka.sh install
#       fetches the Kafka pinned in scripts/kafka/pom.xml (server and tools)
#       from Maven Central with Maven into the cache, once; later runs need
#       no network.  The cache also gets bin/ with the distribution's tools
#       (kafka-topics.sh, kafka-console-consumer.sh, kafka-acls.sh, ...).
#   scripts/kafka.sh run [--brokers 1|3] [--dir DIR] [--partitions N]
#                        [--config KEY=VALUE]...
#       formats KRaft storage and starts N brokers, each also a controller,
#       on free loopback ports, with deploy/'s settings (3 brokers:
#       replication factor 3, min.insync.replicas 2); creates canbao's
#       topics with deploy/topics.sh; prints `bootstrap=HOST:PORT[,...]` as
#       its first line on stdout once a client can produce and consume; and
#       runs in the foreground until SIGINT or SIGTERM, when it stops every
#       broker cleanly and exits 0.  Without --dir the data lives in a
#       temporary folder removed at exit; with --dir it stays, with the
#       ports, and a second run resumes it.  --config adds a broker
#       setting (server.properties syntax) to every broker.
#   scripts/kafka.sh restart-broker --dir DIR I
#       starts broker I (1..N) of a running cluster again, after a test
#       killed it (its pid is in DIR/broker-I/pid).
#   scripts/kafka.sh bin
#       prints the folder of the distribution's tools.
#
# Environment: CANBAO_KAFKA_CACHE (default ~/.cache/canbao/kafka),
# KAFKA_HEAP_OPTS (default -Xms256m -Xmx1g a broker), JAVA (default java).
# A start takes about 10 s for one broker and 20 s for three on 2 cores.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
POM=$ROOT/scripts/kafka/pom.xml
VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
CACHE=${CANBAO_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/canbao/kafka}
HOME_DIR=$CACHE/kafka-$VERSION
JAVA=${JAVA:-java}
HEAP=${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}

say() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# ------------------------------------------------------------- install

# The tools of the distribution, each a small script on the same jars:
# name and main class.
TOOLS="kafka-topics.sh org.apache.kafka.tools.TopicCommand
kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer
kafka-console-producer.sh org.apache.kafka.tools.ConsoleProducer
kafka-consumer-groups.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
kafka-get-offsets.sh org.apache.kafka.tools.GetOffsetShell
kafka-acls.sh org.apache.kafka.tools.AclCommand
kafka-configs.sh kafka.admin.ConfigCommand
kafka-metadata-quorum.sh org.apache.kafka.tools.MetadataQuorumCommand
kafka-leader-election.sh org.apache.kafka.tools.LeaderElectionCommand
kafka-storage.sh kafka.tools.StorageTool
kafka-server-start.sh kafka.Kafka"

install() {
    if [ -f "$HOME_DIR/.complete" ]; then
        say "Kafka $VERSION is in $HOME_DIR"
        return 0
    fi
    command -v mvn >/dev/null || die "needs Maven (scripts/setup.sh --tests)"
    command -v "$JAVA" >/dev/null || die "needs Java 17 (scripts/setup.sh --tests)"
    say "fetching Kafka $VERSION from Maven Central into $HOME_DIR"
    rm -rf "$HOME_DIR.tmp"
    mkdir -p "$HOME_DIR.tmp/libs" "$HOME_DIR.tmp/bin" "$HOME_DIR.tmp/config"
    mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$HOME_DIR.tmp/libs" >&2 ||
        die "Maven could not fetch Kafka $VERSION"
    cat >"$HOME_DIR.tmp/config/log4j2.properties" <<'EOF'
# Kafka's own messages: warnings and worse on stderr, and the start and
# stop of the server, which kafka.sh waits for.
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
EOF
    local name class
    while read -r name class; do
        cat >"$HOME_DIR.tmp/bin/$name" <<EOF
#!/bin/sh
# $name -- Apache Kafka $VERSION's tool, from the jars kafka.sh installed.
dir=\$(cd "\$(dirname "\$0")/.." && pwd)
exec \${JAVA:-java} \${KAFKA_OPTS:-} \${KAFKA_TOOL_HEAP:--Xmx512m} \\
    -Dlog4j2.configurationFile="\$dir/config/log4j2.properties" \\
    -cp "\$dir/libs/*" $class "\$@"
EOF
        chmod +x "$HOME_DIR.tmp/bin/$name"
    done <<<"$TOOLS"
    touch "$HOME_DIR.tmp/.complete"
    rm -rf "$HOME_DIR"
    mv "$HOME_DIR.tmp" "$HOME_DIR"
    say "Kafka $VERSION installed ($(ls "$HOME_DIR/libs" | wc -l) jars)"
}

# ------------------------------------------------------------------ run

free_port() {
    "${CB_PY:-/usr/bin/python3}" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The server.properties of broker I of N, from deploy/'s settings.
write_properties() {
    local i=$1 n=$2 dir=$3 voters=$4
    local rf=1 isr=1
    [ "$n" -ge 3 ] && rf=3 && isr=2
    cat >"$dir/broker-$i/server.properties" <<EOF
# broker $i of $n, written by scripts/kafka.sh (deploy/'s settings)
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${PORT[$i]},CONTROLLER://127.0.0.1:${CPORT[$i]}
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT[$i]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/broker-$i/data
num.partitions=$PARTITIONS
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
log.retention.check.interval.ms=30000
EOF
    local kv
    for kv in "${EXTRA[@]}"; do
        printf '%s\n' "$kv" >>"$dir/broker-$i/server.properties"
    done
}

start_broker() {
    local i=$1 dir=$2
    # shellcheck disable=SC2086
    "$JAVA" $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -Dlog4j2.configurationFile="$HOME_DIR/config/log4j2.properties" \
        -cp "$HOME_DIR/libs/*" kafka.Kafka "$dir/broker-$i/server.properties" \
        >>"$dir/broker-$i/server.log" 2>&1 </dev/null &
    echo $! >"$dir/broker-$i/pid"
}

stop_brokers() {
    local dir=$1 i pid
    for ((i = NBROKERS; i >= 1; i--)); do
        pid=$(cat "$dir/broker-$i/pid" 2>/dev/null || true)
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done
    for ((i = NBROKERS; i >= 1; i--)); do
        pid=$(cat "$dir/broker-$i/pid" 2>/dev/null || true)
        [ -n "$pid" ] || continue
        for _ in $(seq 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "broker $i did not stop in 30 s: killed"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/broker-$i/pid"
    done
}

# Whether a client can produce and consume: a message through a topic of
# the cluster's own (replicated as canbao's are) with a consumer group, so
# that the group coordinator is up too.
ready() {
    local bootstrap=$1 token
    token="ready-$$-$RANDOM"
    printf '%s\n' "$token" |
        kcat -b "$bootstrap" -P -t canbao.kafka-sh.ready -X acks=all \
            -X message.timeout.ms=5000 2>/dev/null || return 1
    kcat -b "$bootstrap" -G "kafka-sh-ready-$$" -o beginning -e -q \
        -X session.timeout.ms=6000 canbao.kafka-sh.ready 2>/dev/null |
        grep -q "^$token\$"
}

run() {
    NBROKERS=1
    PARTITIONS=16
    local dir="" keep=1
    EXTRA=()
    while [ $# -gt 0 ]; do
        case "$1" in
        --brokers) NBROKERS=${2:?}; shift 2 ;;
        --dir) dir=${2:?}; shift 2 ;;
        --partitions) PARTITIONS=${2:?}; shift 2 ;;
        --config) EXTRA+=("${2:?}"); shift 2 ;;
        -h | --help) usage ;;
        *) say "run: unknown option '$1'"; usage ;;
        esac
    done
    case "$NBROKERS" in 1 | 3) ;; *) die "--brokers is 1 or 3" ;; esac
    [ -f "$HOME_DIR/.complete" ] ||
        die "Kafka $VERSION is not installed: scripts/kafka.sh install"
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/canbao-kafka.XXXXXX")
        keep=0
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    trap 'stop_brokers "$dir"; [ $keep = 1 ] || rm -rf "$dir"; exit 0' INT TERM
    trap 'stop_brokers "$dir"; [ $keep = 1 ] || rm -rf "$dir"' EXIT

    # Ports: those of the data's last run when it has one (its clients
    # keep their bootstrap), else free ones.
    local i voters="" bootstrap="" fresh=1
    declare -g -a PORT CPORT
    if [ -f "$dir/cluster.env" ]; then
        # shellcheck disable=SC1091
        . "$dir/cluster.env"
        [ "$CLUSTER_BROKERS" = "$NBROKERS" ] ||
            die "$dir holds a cluster of $CLUSTER_BROKERS brokers, not $NBROKERS"
        fresh=0
    else
        CLUSTER_ID=$("$HOME_DIR/bin/kafka-storage.sh" random-uuid 2>/dev/null)
        for ((i = 1; i <= NBROKERS; i++)); do
            PORT[$i]=$(free_port)
            CPORT[$i]=$(free_port)
        done
        {
            echo "CLUSTER_ID=$CLUSTER_ID"
            echo "CLUSTER_BROKERS=$NBROKERS"
            for ((i = 1; i <= NBROKERS; i++)); do
                echo "PORT[$i]=${PORT[$i]}"
                echo "CPORT[$i]=${CPORT[$i]}"
            done
        } >"$dir/cluster.env"
    fi
    for ((i = 1; i <= NBROKERS; i++)); do
        voters+="${voters:+,}$i@127.0.0.1:${CPORT[$i]}"
        bootstrap+="${bootstrap:+,}127.0.0.1:${PORT[$i]}"
    done
    for ((i = 1; i <= NBROKERS; i++)); do
        mkdir -p "$dir/broker-$i"
        write_properties "$i" "$NBROKERS" "$dir" "$voters"
        if [ "$fresh" = 1 ]; then
            "$HOME_DIR/bin/kafka-storage.sh" format -t "$CLUSTER_ID" \
                -c "$dir/broker-$i/server.properties" >/dev/null 2>&1 ||
                die "cannot format $dir/broker-$i"
        fi
    done
    local t0=$SECONDS
    for ((i = 1; i <= NBROKERS; i++)); do
        start_broker "$i" "$dir"
    done
    say "starting $NBROKERS broker(s) of Kafka $VERSION in $dir"

    # Up when every broker is in the metadata, then the topics, then a
    # message through.
    local deadline=$((SECONDS + 120))
    until [ "$(kcat -b "$bootstrap" -L -m 2 2>/dev/null |
        grep -c '^  broker ')" = "$NBROKERS" ]; do
        for ((i = 1; i <= NBROKERS; i++)); do
            kill -0 "$(cat "$dir/broker-$i/pid")" 2>/dev/null ||
                die "broker $i exited: $(tail -n 5 "$dir/broker-$i/server.log")"
        done
        [ $SECONDS -lt $deadline ] || die "the brokers did not come up in 120 s"
        sleep 0.5
    done
    local rf=1 isr=1
    [ "$NBROKERS" -ge 3 ] && rf=3 && isr=2
    KAFKA_BIN=$HOME_DIR/bin BOOTSTRAP=$bootstrap PARTITIONS=$PARTITIONS \
        REPLICATION=$rf MIN_ISR=$isr "$ROOT/deploy/topics.sh" >&2 ||
        die "deploy/topics.sh failed"
    "$HOME_DIR/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create \
        --if-not-exists --topic canbao.kafka-sh.ready --partitions 1 \
        --replication-factor "$rf" >/dev/null 2>&1 || true
    until ready "$bootstrap"; do
        [ $SECONDS -lt $deadline ] || die "no message went through in 120 s"
        sleep 0.5
    done
    echo "bootstrap=$bootstrap"
    say "ready in $((SECONDS - t0)) s: $NBROKERS broker(s), bootstrap=$bootstrap"
    # Foreground until a signal; a broker that dies is said once (a test
    # may have killed it, and restart it).
    local -A gone=()
    while :; do
        for ((i = 1; i <= NBROKERS; i++)); do
            if [ -f "$dir/broker-$i/pid" ] &&
                ! kill -0 "$(cat "$dir/broker-$i/pid")" 2>/dev/null; then
                [ -n "${gone[$i]:-}" ] || say "broker $i is not running"
                gone[$i]=1
            else
                gone[$i]=
            fi
        done
        sleep 1 &
        wait $! || true
    done
}

restart_broker() {
    local dir="" i
    while [ $# -gt 1 ]; do
        case "$1" in
        --dir) dir=${2:?}; shift 2 ;;
        *) break ;;
        esac
    done
    i=${1:?broker number}
    [ -n "$dir" ] && [ -f "$dir/broker-$i/server.properties" ] ||
        die "restart-broker --dir DIR I: no broker $i in '$dir'"
    if [ -f "$dir/broker-$i/pid" ] && kill -0 "$(cat "$dir/broker-$i/pid")" 2>/dev/null; then
        die "broker $i is running"
    fi
    start_broker "$i" "$dir"
    say "broker $i started again (pid $(cat "$dir/broker-$i/pid"))"
}

case "${1:-}" in
install) install ;;
run) shift; run "$@" ;;
restart-broker) shift; restart_broker "$@" ;;
bin) echo "$HOME_DIR/bin" ;;
-h | --help | help) usage ;;
*) usage ;;
esac
