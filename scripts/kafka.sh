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
#                        [--config KEY=VALUE]... [--security SECDIR]
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
#       --security SECDIR: clients and brokers authenticate, and ACLs are
#       enforced.  SECDIR holds ca.pem (a CA's certificate), broker.pem (a
#       private key, PKCS#8 unencrypted, then its certificate for
#       127.0.0.1 signed by that CA) and users (USER=PASSWORD lines, mode
#       600, with at least `admin` and `broker`; passwords of letters,
#       digits and . _ - only).  The client listener (the bootstrap) is
#       SASL_SSL with SCRAM-SHA-512 (the users are created when the
#       storage is formatted), which the brokers replicate over as
#       `broker`; the controller listener is SSL, with the broker's own
#       certificate as client certificate required.  The StandardAuthorizer
#       refuses whatever no ACL allows; admin, broker and the certificate's
#       subject are super users.  The admin's client settings are written
#       to DIR/admin.properties (Java tools: --command-config) and
#       DIR/admin.conf (librdkafka: kcat -F), both mode 600.
#   scripts/kafka.sh restart-broker --dir DIR I
#       starts broker I (1..N) of a running cluster again, after a test
#       killed it (its pid is in DIR/broker-I/pid).
#   scripts/kafka.sh bin
#       prints the folder of the distribution's tools.
#   scripts/kafka.sh version [scram]
#       prints the Kafka version run (CANBAO_KAFKA_VERSION, else the pin),
#       or with scram the one pinned for SASL/SCRAM with Debian 12's
#       librdkafka.
#
# Environment: CANBAO_KAFKA_VERSION (default: scripts/kafka/pom.xml's; each
# version installs and runs from a folder of its own), CANBAO_KAFKA_CACHE
# (default ~/.cache/canbao/kafka),
# KAFKA_HEAP_OPTS (default -Xms256m -Xmx1g a broker), JAVA (default java).
# A start takes about 15-18 s for one broker and 32-37 s for three on a
# quiet 2-core machine (docs/KAFKA.md).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
POM=$ROOT/scripts/kafka/pom.xml
# pinned NAME: a version the pom pins (kafka.version, kafka.scram.version)
pinned() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$POM"; }
# CANBAO_KAFKA_VERSION runs another Kafka than the pinned one, from a cache
# folder of its own (kafka.scram.version is what SCRAM with Debian 12's
# librdkafka needs: see docs/SECURITY.md).
VERSION=${CANBAO_KAFKA_VERSION:-$(pinned kafka.version)}
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
# name and main class (the first of A|B that the jars have: some moved
# between Kafka 3.9 and 4).
TOOLS="kafka-topics.sh org.apache.kafka.tools.TopicCommand
kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer
kafka-console-producer.sh org.apache.kafka.tools.ConsoleProducer|kafka.tools.ConsoleProducer
kafka-consumer-groups.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
kafka-get-offsets.sh org.apache.kafka.tools.GetOffsetShell
kafka-acls.sh org.apache.kafka.tools.AclCommand|kafka.admin.AclCommand
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
        -Dkafka.version="$VERSION" -DoutputDirectory="$HOME_DIR.tmp/libs" >&2 ||
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
    local classes
    classes=$("${CB_PY:-/usr/bin/python3}" -c 'import glob, sys, zipfile
for j in glob.glob(sys.argv[1] + "/*.jar"):
    for n in zipfile.ZipFile(j).namelist():
        if n.endswith(".class"): print(n[:-6].replace("/", "."))' "$HOME_DIR.tmp/libs")
    while read -r name class; do
        local c
        for c in ${class//|/ }; do
            grep -qxF "$c" <<<"$classes" && class=$c && break
        done
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

# The listener lines of broker I's server.properties: PLAINTEXT, or with
# --security SASL_SSL for clients and replication, SSL with client
# certificates for the controllers.  (Not a PLAINTEXT listener on loopback
# for the brokers' own traffic: its principal, User:ANONYMOUS, would have
# to be a super user, and so would anyone on the machine.)
listeners() {
    local i=$1
    if [ -z "$SECURITY" ]; then
        cat <<EOF
listeners=PLAINTEXT://127.0.0.1:${PORT[$i]},CONTROLLER://127.0.0.1:${CPORT[$i]}
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT[$i]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
        return
    fi
    cat <<EOF
listeners=SASL_SSL://127.0.0.1:${PORT[$i]},CONTROLLER://127.0.0.1:${CPORT[$i]}
advertised.listeners=SASL_SSL://127.0.0.1:${PORT[$i]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(user_password broker)";
ssl.keystore.type=PEM
ssl.keystore.location=$SECURITY/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$SECURITY/ca.pem
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:broker;User:$BROKER_DN
EOF
}

# The password of USER in SECDIR/users.
user_password() {
    sed -n "s/^$1=//p" "$SECURITY/users" | head -n 1
}

# Checks SECDIR and writes the admin's client settings into the data dir
# DIR; sets BROKER_DN (the certificate's subject: the principal the
# controllers see), KCAT_ARGS and TOOL_ARGS (the admin's settings for kcat
# and for the tools).
security_setup() {
    local dir=$1 f line
    for f in ca.pem broker.pem users; do
        [ -f "$SECURITY/$f" ] || die "--security: no $SECURITY/$f"
    done
    case "$(stat -c %a "$SECURITY/users")" in
    ?00) ;;
    *) die "--security: $SECURITY/users must be mode 600 (it holds passwords)" ;;
    esac
    while IFS= read -r line || [ -n "$line" ]; do
        [[ "$line" =~ ^[A-Za-z0-9._-]+=[A-Za-z0-9._-]+$ ]] ||
            die "--security: $SECURITY/users: a line is not USER=PASSWORD (letters, digits, . _ -)"
    done <"$SECURITY/users"
    [ -n "$(user_password admin)" ] && [ -n "$(user_password broker)" ] ||
        die "--security: $SECURITY/users must give admin and broker a password"
    # Kafka 4 wants the SCRAM nonce exactly, which librdkafka before
    # 2.6.1 gets wrong (docs/SECURITY.md): say so, rather than wait 120 s
    # for a login that cannot succeed.
    local rdk
    rdk=$(kcat -V 2>&1 | sed -n 's/.*librdkafka \([0-9][0-9.]*\).*/\1/p')
    if [ "${VERSION%%.*}" -ge 4 ] && [ -n "$rdk" ] &&
        [ "$(printf '%s\n' "$rdk" 2.6.1 | sort -V | head -n 1)" != 2.6.1 ]; then
        die "--security: Kafka $VERSION refuses the SCRAM logins of librdkafka $rdk (before 2.6.1); run Kafka $(pinned kafka.scram.version): CANBAO_KAFKA_VERSION=$(pinned kafka.scram.version) $0 install"
    fi
    BROKER_DN=$(openssl x509 -in "$SECURITY/broker.pem" -noout -subject \
        -nameopt RFC2253 | sed 's/^subject=//') && [ -n "$BROKER_DN" ] ||
        die "--security: no certificate in $SECURITY/broker.pem"
    (
        umask 077
        cat >"$dir/admin.properties" <<EOF
# the admin's settings for Kafka's tools (--command-config), by kafka.sh
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(user_password admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$SECURITY/ca.pem
EOF
        cat >"$dir/admin.conf" <<EOF
# the admin's librdkafka settings (kcat -F), by kafka.sh
security.protocol=sasl_ssl
sasl.mechanisms=SCRAM-SHA-512
sasl.username=admin
sasl.password=$(user_password admin)
ssl.ca.location=$SECURITY/ca.pem
EOF
    )
    KCAT_ARGS=(-F "$dir/admin.conf")
    TOOL_ARGS=(--command-config "$dir/admin.properties")
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
$(listeners "$i")
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
        kcat "${KCAT_ARGS[@]}" -b "$bootstrap" -P -t canbao.kafka-sh.ready -X acks=all \
            -X message.timeout.ms=5000 2>/dev/null || return 1
    kcat "${KCAT_ARGS[@]}" -b "$bootstrap" -G "kafka-sh-ready-$$" -o beginning -e -q \
        -X session.timeout.ms=6000 canbao.kafka-sh.ready 2>/dev/null |
        grep -q "^$token\$"
}

run() {
    NBROKERS=1
    PARTITIONS=16
    local dir="" keep=1
    EXTRA=()
    SECURITY=""
    KCAT_ARGS=()
    TOOL_ARGS=()
    while [ $# -gt 0 ]; do
        case "$1" in
        --brokers) NBROKERS=${2:?}; shift 2 ;;
        --dir) dir=${2:?}; shift 2 ;;
        --partitions) PARTITIONS=${2:?}; shift 2 ;;
        --config) EXTRA+=("${2:?}"); shift 2 ;;
        --security) SECURITY=$(cd "${2:?}" && pwd) || die "no folder '$2'"; shift 2 ;;
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
    [ -z "$SECURITY" ] || security_setup "$dir"
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
        [ "${CLUSTER_SECURE:-0}" = "$([ -n "$SECURITY" ] && echo 1 || echo 0)" ] ||
            die "$dir holds a cluster started with${SECURITY:+out} --security: start it the same way"
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
            echo "CLUSTER_SECURE=$([ -n "$SECURITY" ] && echo 1 || echo 0)"
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
        chmod 600 "$dir/broker-$i/server.properties" # the broker's password
        if [ "$fresh" = 1 ]; then
            # SCRAM users are metadata: created with the storage, so that
            # the brokers can log in to each other at their first start.
            # (The passwords show in ps for the seconds format takes.)
            local scram=() user
            if [ -n "$SECURITY" ]; then
                while IFS='=' read -r user _; do
                    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(user_password "$user")]")
                done <"$SECURITY/users"
            fi
            "$HOME_DIR/bin/kafka-storage.sh" format -t "$CLUSTER_ID" \
                -c "$dir/broker-$i/server.properties" "${scram[@]}" \
                >/dev/null 2>&1 || die "cannot format $dir/broker-$i"
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
    until [ "$(kcat "${KCAT_ARGS[@]}" -b "$bootstrap" -L -m 2 2>/dev/null |
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
        REPLICATION=$rf MIN_ISR=$isr \
        COMMAND_CONFIG=${SECURITY:+$dir/admin.properties} \
        "$ROOT/deploy/topics.sh" >&2 ||
        die "deploy/topics.sh failed"
    "$HOME_DIR/bin/kafka-topics.sh" --bootstrap-server "$bootstrap" \
        "${TOOL_ARGS[@]}" --create \
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
version) # the version run now, or the one pinned for SCRAM
    if [ "${2:-}" = scram ]; then pinned kafka.scram.version; else echo "$VERSION"; fi ;;
-h | --help | help) usage ;;
*) usage ;;
esac
