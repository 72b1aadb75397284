#!/bin/sh
# topics.sh -- creates canbao's topics on a real Kafka cluster, with the
# partitions, replication and retention the design asks for; run with the
# Kafka distribution's tools on PATH or in KAFKA_BIN (the apache/kafka image
# has them in /opt/kafka/bin).  Existing topics are left as they are.
#
# The feeds, ownership changes and dead letters are kept for a time
# (cleanup.policy=delete with retention.ms).  The lead and alert topics are
# changelogs keyed by lead and alert id: they are compacted
# (cleanup.policy=compact), so the latest record of every id, that lead's
# or alert's current state, stays for as long as the topic does.
#
#   BOOTSTRAP=kafka-1:9092 deploy/topics.sh
#
# Environment (defaults in brackets):
#   BOOTSTRAP            bootstrap servers [localhost:9092]
#   PARTITIONS           partitions of every topic [16]; the matchers of
#                        one group share them, so no more matchers than this
#   REPLICATION          replication factor [3]
#   MIN_ISR              min.insync.replicas [2]: with acks=all a write
#                        survives the loss of one broker
#   FEED_RETENTION_MS    the five feed topics [2592000000, 30 days]: a
#                        matcher can be rebuilt from a snapshot plus this
#   OUTPUT_CONFIG        more topic configs for leads and alerts, K=V
#                        separated by spaces [none] (a test sets
#                        segment.ms to see the log cleaner at work)
#   DLQ_RETENTION_MS     dead letters [31536000000, a year: until corrected]
#   COMMAND_CONFIG       a client properties file (SASL/TLS) for the tools
set -eu

BOOTSTRAP=${BOOTSTRAP:-localhost:9092}
PARTITIONS=${PARTITIONS:-16}
REPLICATION=${REPLICATION:-3}
MIN_ISR=${MIN_ISR:-2}
FEED_RETENTION_MS=${FEED_RETENTION_MS:-2592000000}
OUTPUT_CONFIG=${OUTPUT_CONFIG:-}
DLQ_RETENTION_MS=${DLQ_RETENTION_MS:-31536000000}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
TOPICS_CMD=kafka-topics.sh
[ -x "$KAFKA_BIN/$TOPICS_CMD" ] && TOPICS_CMD=$KAFKA_BIN/$TOPICS_CMD

# create TOPIC CONFIG...: the topic with every topic's settings and the
# given topic configs (K=V, no spaces).
create() {
    topic=$1
    shift
    configs=
    for c in "$@"; do
        configs="$configs --config $c"
    done
    # shellcheck disable=SC2086
    "$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP" \
        ${COMMAND_CONFIG:+--command-config "$COMMAND_CONFIG"} \
        --create --if-not-exists --topic "$topic" \
        --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
        --config min.insync.replicas="$MIN_ISR" \
        --config compression.type=producer $configs
    echo "topics: $topic ($PARTITIONS partitions, replication $REPLICATION, $*)"
}

for t in business household death enrollment assistance; do
    create "canbao.$t.v1" retention.ms="$FEED_RETENTION_MS"
done
# employers' ownership changes that the matchers hand each other
create canbao.ownership.v1 retention.ms="$FEED_RETENTION_MS"
# shellcheck disable=SC2086
create canbao.lead.v1 cleanup.policy=compact $OUTPUT_CONFIG
# shellcheck disable=SC2086
create canbao.alert.v1 cleanup.policy=compact $OUTPUT_CONFIG
create canbao.deadletter.v1 retention.ms="$DLQ_RETENTION_MS"
