# servers.sh -- starts and stops the servers canbao runs against, for the
# demo and the integration tests: redis-server and the embedded broker on
# free loopback ports, each with a watchdog that stops it when the shell
# that started it is gone (even by SIGKILL, when no trap runs).
#
# The includer defines CB_TMP (a private dir for logs and data), CB_PIDS (an
# array collecting what to stop), CANBAO (the program, built), and the
# functions cb_log MESSAGE and cb_fail MESSAGE; cb_stop_servers stops them
# all.  CANBAO_ID_KEY is exported, made for the run when not given.

CB_PY=${CB_PY:-/usr/bin/python3} # Debian's, with python3-avro and stdnum
# this file's folder, scripts/, wherever the includer runs from
CB_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The id key that keys lead and alert ids (docs/SECURITY.md): a fresh one
# for this run, made by `canbao idkey`, unless the caller gave one.
if [ -z "${CANBAO_ID_KEY:-}" ]; then
    CANBAO_ID_KEY=$("$CANBAO" idkey)
    export CANBAO_ID_KEY
fi

# Stops every server in CB_PIDS: TERM, then KILL after 5 s (30 s for
# scripts/kafka.sh, which stops its brokers cleanly first).
cb_stop_servers() {
    local pid wait
    # a broker that a test left stopped could not stop cleanly
    [ "${CB_BROKER_FAULT:-}" = stop ] &&
        kill -CONT "$(cat "$KAFKA_DIR/broker-1/pid")" 2>/dev/null
    for pid in "${CB_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${CB_PIDS[@]}"; do
        wait=50
        [ "$pid" = "${KAFKA_PID:-}" ] && wait=300
        for _ in $(seq $wait); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    CB_PIDS=()
}

# Kills PID once this test's shell has gone; detached from our output so
# that ctest does not wait for it.
cb_watchdog() {
    local target=$1 shell=$$
    (
        while kill -0 "$shell" 2>/dev/null && kill -0 "$target" 2>/dev/null; do
            sleep 1
        done
        kill -KILL "$target" 2>/dev/null
    ) </dev/null >/dev/null 2>&1 &
    disown $! 2>/dev/null || true
}

# A free TCP port on 127.0.0.1 (the kernel's choice, released at once; the
# caller retries if someone takes it in between).
cb_free_port() {
    "$CB_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Waits up to $2 seconds (default 10) for command $1 to succeed.
cb_wait_for() {
    local cmd=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 10; i++)); do
        if eval "$cmd" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

# cb_start_redis [--aof]: starts redis-server; sets REDIS_PORT, REDIS_PID,
# REDIS_DIR and exports CANBAO_REDIS.  --aof turns on the append-only file
# (appendfsync everysec) for durability tests.
cb_start_redis() {
    local aof=no attempt
    # CANBAO_TEST_REDIS=cluster runs a test unchanged on a Redis Cluster
    if [ "${CANBAO_TEST_REDIS:-}" = cluster ]; then
        cb_start_redis_cluster
        return
    fi
    [ "${1:-}" = --aof ] && aof=yes
    for attempt in 1 2 3 4 5; do
        REDIS_PORT=$(cb_free_port)
        REDIS_DIR="$CB_TMP/redis-$REDIS_PORT"
        mkdir -p "$REDIS_DIR"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
            --dir "$REDIS_DIR" --save '' --appendonly "$aof" \
            --appendfsync everysec --daemonize no \
            >"$CB_TMP/redis-$REDIS_PORT.log" 2>&1 &
        REDIS_PID=$!
        CB_PIDS+=("$REDIS_PID")
        cb_watchdog "$REDIS_PID"
        if cb_wait_for "redis-cli -p $REDIS_PORT ping | grep -q PONG" 10; then
            export CANBAO_REDIS="redis://127.0.0.1:$REDIS_PORT"
            REDIS_AOF=$aof
            cb_log "redis-server on port $REDIS_PORT (aof=$aof)"
            return 0
        fi
        kill -KILL "$REDIS_PID" 2>/dev/null || true
        cb_log "redis-server did not start on $REDIS_PORT (attempt $attempt)"
    done
    cb_fail "cannot start redis-server"
}

# cb_start_redis_cluster: a Redis Cluster of 3 masters and 3 replicas
# (redis-server --cluster-enabled yes, joined by redis-cli --cluster
# create) on free loopback ports, AOF on, a node timeout of 2 s so that a
# master's failure is taken over quickly.  CANBAO_REDIS names the first
# master; REDIS_PORT and REDIS_PID are its; CLUSTER_PORTS and CLUSTER_PIDS
# hold the six.
cb_start_redis_cluster() {
    local i port bus nodes=()
    CLUSTER_PORTS=()
    CLUSTER_PIDS=()
    for i in 1 2 3 4 5 6; do
        port=$(cb_free_port)
        bus=$(cb_free_port)
        mkdir -p "$CB_TMP/cluster-$port"
        redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 \
            --dir "$CB_TMP/cluster-$port" --cluster-enabled yes \
            --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
            --save '' --appendonly yes --appendfsync everysec \
            --daemonize no >"$CB_TMP/cluster-$port.log" 2>&1 &
        CLUSTER_PIDS+=("$!")
        CB_PIDS+=("$!")
        cb_watchdog "$!"
        CLUSTER_PORTS+=("$port")
        nodes+=("127.0.0.1:$port")
    done
    for port in "${CLUSTER_PORTS[@]}"; do
        cb_wait_for "redis-cli -p $port ping | grep -q PONG" 10 ||
            cb_fail "a cluster node did not start on $port"
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 \
        --cluster-yes >"$CB_TMP/cluster-create.log" 2>&1 ||
        cb_fail "redis-cli --cluster create failed: $(tail -3 "$CB_TMP/cluster-create.log")"
    for port in "${CLUSTER_PORTS[@]}"; do
        cb_wait_for "redis-cli -p $port cluster info | grep -q cluster_state:ok" 30 ||
            cb_fail "the cluster is not ok on $port"
    done
    REDIS_PORT=${CLUSTER_PORTS[0]}
    REDIS_PID=${CLUSTER_PIDS[0]}
    REDIS_AOF=yes
    export CANBAO_REDIS="redis://127.0.0.1:$REDIS_PORT"
    cb_log "Redis Cluster of 3 masters and 3 replicas on ${CLUSTER_PORTS[*]}"
}

# cb_restart_redis [--kill]: stops and starts the same redis-server again
# (same port, dir and AOF setting): with --aof, what was written survives.
# --kill stops it with SIGKILL, as a crash would (appendfsync everysec may
# then lose the last second of writes).
cb_restart_redis() {
    local sig=TERM
    [ "${1:-}" = --kill ] && sig=KILL
    kill -"$sig" "$REDIS_PID"
    wait "$REDIS_PID" 2>/dev/null || true
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
        --save '' --appendonly "$REDIS_AOF" --appendfsync everysec \
        --daemonize no >>"$CB_TMP/redis-$REDIS_PORT.log" 2>&1 &
    REDIS_PID=$!
    CB_PIDS+=("$REDIS_PID")
    cb_watchdog "$REDIS_PID"
    cb_wait_for "redis-cli -p $REDIS_PORT ping | grep -q PONG" 10 ||
        cb_fail "redis-server did not come back"
}

# cb_start_broker [canbao broker options]: starts the embedded broker with a
# control FIFO; sets BROKER_PID, BROKER_CTL and exports CANBAO_BROKERS.
# The broker of a test: canbao's embedded one, or with CANBAO_TEST_KAFKA=real
# a real Apache Kafka broker (cb_start_kafka 1); either way CANBAO_BROKERS
# is exported.  "--partitions N" is understood by both.
cb_start_broker() {
    if [ "${CANBAO_TEST_KAFKA:-embedded}" = real ]; then
        cb_start_kafka 1 "$@"
        return
    fi
    local bfile="$CB_TMP/bootstrap.$RANDOM"
    BROKER_CTL="$CB_TMP/broker.ctl"
    "$CANBAO" broker --bootstrap-file "$bfile" --control "$BROKER_CTL" "$@" \
        >"$CB_TMP/broker.log" 2>&1 &
    BROKER_PID=$!
    CB_PIDS+=("$BROKER_PID")
    cb_watchdog "$BROKER_PID"
    cb_wait_for "test -s $bfile" 15 || cb_fail "the embedded broker did not start"
    CANBAO_BROKERS=$(sed -n 's/^bootstrap=//p' "$bfile")
    export CANBAO_BROKERS
    cb_log "embedded broker at $CANBAO_BROKERS"
}

# cb_start_kafka N [--partitions P] [--config K=V]...: N real Kafka
# brokers (scripts/kafka.sh run, Kafka installed by scripts/kafka.sh
# install) with canbao's topics, data in $CB_TMP/kafka (KAFKA_DIR; broker
# I's pid in $KAFKA_DIR/broker-I/pid); exports CANBAO_BROKERS and sets
# KAFKA_BIN to the distribution's tools.  Each broker gets a watchdog, as
# kafka.sh itself cannot stop them once SIGKILLed.
cb_start_kafka() {
    local n=$1 i
    shift
    KAFKA_DIR=$CB_TMP/kafka
    KAFKA_SH=$CB_SCRIPTS_DIR/kafka.sh
    KAFKA_BIN=$("$KAFKA_SH" bin)
    # The distribution's tools are short-lived JVMs (kafka.sh and
    # deploy/topics.sh start one a topic): the client compiler alone and the
    # serial collector take about 40% less CPU to start them.
    export KAFKA_OPTS=${KAFKA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
    "$KAFKA_SH" run --brokers "$n" --dir "$KAFKA_DIR" "$@" \
        >"$CB_TMP/kafka.out" 2>"$CB_TMP/kafka.log" &
    KAFKA_PID=$!
    CB_PIDS+=("$KAFKA_PID")
    cb_watchdog "$KAFKA_PID"
    cb_wait_for "grep -q '^bootstrap=' $CB_TMP/kafka.out || ! kill -0 $KAFKA_PID" 180
    grep -q '^bootstrap=' "$CB_TMP/kafka.out" ||
        cb_fail "Kafka did not start: $(tail -n 5 "$CB_TMP/kafka.log")"
    for ((i = 1; i <= n; i++)); do
        cb_watchdog "$(cat "$KAFKA_DIR/broker-$i/pid")"
    done
    CANBAO_BROKERS=$(sed -n 's/^bootstrap=//p' "$CB_TMP/kafka.out")
    export CANBAO_BROKERS
    BROKER_PID=$(cat "$KAFKA_DIR/broker-1/pid") # the first broker's JVM
    cb_log "Kafka ($n broker(s)) at $CANBAO_BROKERS"
}

# cb_embedded_only WHY: ends a test that needs canbao's embedded broker
# (its fault injection) when the suite runs on real Kafka, saying why.
cb_embedded_only() {
    if [ "${CANBAO_TEST_KAFKA:-embedded}" = real ]; then
        cb_log "SKIPPED on real Kafka: $*"
        exit 0
    fi
}

# cb_broker_ctl COMMAND...: a fault-injection command to the embedded
# broker; waits until the broker has acknowledged it in its log.
cb_broker_ctl() {
    local before
    before=$(grep -c '^control:' "$CB_TMP/broker.log" || true)
    echo "$*" >"$BROKER_CTL"
    cb_wait_for "[ \$(grep -c '^control:' $CB_TMP/broker.log) -gt $before ]" 5 ||
        cb_fail "the broker did not answer control command '$*'"
    grep '^control:' "$CB_TMP/broker.log" | tail -n 1
}

# cb_broker_down [--kill]: takes the test's broker away, a fault both
# brokers have.  The embedded one goes "down" (it drops its connections and
# refuses new ones); a real one is stopped with SIGSTOP (its connections
# stay open and nothing answers, as a hung or partitioned broker), or with
# --kill killed with SIGKILL (connections reset; what it wrote stays in its
# log, as the page cache keeps it).  A real cluster loses broker 1.
cb_broker_down() {
    local kill=0 pid
    [ "${1:-}" = --kill ] && kill=1
    if [ "${CANBAO_TEST_KAFKA:-embedded}" != real ]; then
        cb_broker_ctl down >/dev/null
        return
    fi
    pid=$(cat "$KAFKA_DIR/broker-1/pid")
    if [ $kill = 1 ]; then
        kill -KILL "$pid"
        cb_wait_for "! kill -0 $pid" 10 || cb_fail "broker 1 survived SIGKILL"
        CB_BROKER_FAULT=kill
        cb_log "Kafka broker 1 (pid $pid) killed with SIGKILL"
    else
        kill -STOP "$pid"
        CB_BROKER_FAULT=stop
        cb_log "Kafka broker 1 (pid $pid) stopped with SIGSTOP"
    fi
}

# cb_broker_up: ends cb_broker_down's fault: the embedded broker "up", a
# stopped real broker continued (SIGCONT), a killed one started again on
# its data (scripts/kafka.sh restart-broker); returns once the broker
# answers a metadata request.
cb_broker_up() {
    if [ "${CANBAO_TEST_KAFKA:-embedded}" != real ]; then
        cb_broker_ctl up >/dev/null
        return
    fi
    case "${CB_BROKER_FAULT:-}" in
    stop) kill -CONT "$(cat "$KAFKA_DIR/broker-1/pid")" ;;
    kill)
        "$KAFKA_SH" restart-broker --dir "$KAFKA_DIR" 1 2>>"$CB_TMP/kafka.log" ||
            cb_fail "broker 1 did not start again"
        cb_watchdog "$(cat "$KAFKA_DIR/broker-1/pid")"
        ;;
    esac
    CB_BROKER_FAULT=
    cb_wait_for "kcat -L -b $CANBAO_BROKERS -m 2 -t canbao.household.v1 |
        grep -q 'leader 1'" 120 || cb_fail "broker 1 did not come back"
    cb_log "Kafka broker 1 back"
}

# cb_start_web NAME [canbao web options]: starts `canbao web` on a free
# loopback port, its stdout in $CB_TMP/NAME.out and its stderr in
# $CB_TMP/NAME.log; waits until it serves and, unless --no-follow, until it
# follows the lead topic.  Sets WEB_PID and URL (ending in "/").
cb_start_web() {
    local name=$1
    shift
    # Emptied here, not by the child's redirection: a web started again
    # under the same name must not be found "serving" by the old line
    # before its own shell has truncated the file.
    : >"$CB_TMP/$name.out"
    : >"$CB_TMP/$name.log"
    "$CANBAO" web --listen 127.0.0.1:0 "$@" >>"$CB_TMP/$name.out" \
        2>>"$CB_TMP/$name.log" &
    WEB_PID=$!
    CB_PIDS+=("$WEB_PID")
    cb_wait_for "grep -q serving $CB_TMP/$name.out" 60 ||
        cb_fail "canbao web did not start: $(tail -n 3 "$CB_TMP/$name.log")"
    URL=$(sed -n 's#.*serving \(http://[^ ]*\) .*#\1#p' "$CB_TMP/$name.out")
    case " $* " in *" --no-follow "*) return 0 ;; esac
    cb_wait_for "curl -sf ${URL}healthz | grep -q '\"following\":true'" 120 ||
        cb_fail "the workbench does not follow the lead topic in 120 s:" \
            "healthz says $(curl -s -m 5 -w ' (HTTP %{http_code})' \
            "${URL}healthz" 2>&1); its log: $(tail -n 3 "$CB_TMP/$name.log")"
}
