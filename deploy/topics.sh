#!/bin/sh
# topics.sh -- creates canbao's topics on a real Kafka cluster, with the
# partitions, replication and retention the design asks for; run with the
# Kafka distribution's tools on PATH or in KAFKA_BIN (the apache/kafka image
# has them in /opt/kafka/bin).  Existing topics are left as they are.
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
#   OUTPUT_RETENTION_MS  leads and alerts [7776000000, 90 days]
#   DLQ_RETENTION_MS     dead letters [31536000000, a year: until corrected]
#   COMMAND_CONFIG       a client properties file (SASL/TLS) for the tools
set -eu

BOOTSTRAP=${BOOTSTRAP:-localhost:9092}
PARTITIONS=${PARTITIONS:-16}
REPLICATION=${REPLICATION:-3}
MIN_ISR=${MIN_ISR:-2}
FEED_RETENTION_MS=${FEED_RETENTION_MS:-2592000000}
OUTPUT_RETENTION_MS=${OUTPUT_RETENTION_MS:-7776000000}
DLQ_RETENTION_MS=${DLQ_RETENTION_MS:-31536000000}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
TOPICS_CMD=kafka-topics.sh
[ -x "$KAFKA_BIN/$TOPICS_CMD" ] && TOPICS_CMD=$KAFKA_BIN/$TOPICS_CMD

# create TOPIC RETENTION_MS
create() {
    # shellcheck disable=SC2086
    "$TOPICS_CMD" --bootstrap-server "$BOOTSTRAP" \
        ${COMMAND_CONFIG:+--command-config "$COMMAND_CONFIG"} \
        --create --if-not-exists --topic "$1" \
        --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
        --config min.insync.replicas="$MIN_ISR" \
        --config retention.ms="$2" \
        --config compression.type=producer
    echo "topics: $1 ($PARTITIONS partitions, replication $REPLICATION, retention $2 ms)"
}

for t in business household death enrollment assistance; do
    create "canbao.$t.v1" "$FEED_RETENTION_MS"
done
# employers' ownership changes that the matchers hand each other
create canbao.ownership.v1 "$FEED_RETENTION_MS"
create canbao.lead.v1 "$OUTPUT_RETENTION_MS"
create canbao.alert.v1 "$OUTPUT_RETENTION_MS"
create canbao.deadletter.v1 "$DLQ_RETENTION_MS"
