#!/bin/sh
# kafka-acls.sh -- gives canbao's three roles, each its own Kafka principal,
# the least they need on a cluster whose authorizer refuses what no ACL
# allows (allow.everyone.if.no.acl.found=false); run as a super user with
# the Kafka distribution's tools on PATH or in KAFKA_BIN, after
# deploy/topics.sh.  Running it again adds nothing twice.
#
#   BOOTSTRAP=kafka-1:9093 COMMAND_CONFIG=admin.properties deploy/kafka-acls.sh
#
# What each role gets (tests/integration/kafka_security.sh checks that it
# is enough and that each is refused the rest):
#   producers  Write the five feed topics and canbao.deadletter.v1 (Kafka
#              3.0 and later let an idempotent producer start with Write on
#              a topic: no IdempotentWrite on the cluster)
#   matcher    Read the five feeds and canbao.ownership.v1 and its consumer
#              group; Write canbao.lead.v1, canbao.alert.v1,
#              canbao.ownership.v1 and canbao.deadletter.v1, and the five
#              feeds (a corrected probable_typo re-produces its record
#              there, docs/RULES.md 9.3)
#   workbench  Read canbao.lead.v1; Describe its group canbao-web (it
#              assigns the partitions itself and commits nothing, but
#              librdkafka looks the group's coordinator up, and warns
#              without this)
#
# Environment (defaults in brackets):
#   BOOTSTRAP       bootstrap servers [localhost:9092]
#   COMMAND_CONFIG  the super user's client properties (SASL/TLS)
#   PRODUCER        the producers' user [canbao-producer]
#   MATCHER         the matcher's user [canbao-matcher]
#   WORKBENCH       the workbench's user [canbao-web]
#   MATCHER_GROUP   the matchers' consumer group [canbao-matcher]: the
#                   group= setting or --group of `canbao match`
set -eu

BOOTSTRAP=${BOOTSTRAP:-localhost:9092}
PRODUCER=${PRODUCER:-canbao-producer}
MATCHER=${MATCHER:-canbao-matcher}
WORKBENCH=${WORKBENCH:-canbao-web}
MATCHER_GROUP=${MATCHER_GROUP:-canbao-matcher}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
ACLS_CMD=kafka-acls.sh
[ -x "$KAFKA_BIN/$ACLS_CMD" ] && ACLS_CMD=$KAFKA_BIN/$ACLS_CMD
FEEDS="business household death enrollment assistance"

# allow USER OPERATION RESOURCE...: one run of the tool (a JVM) for each
# user and operation; RESOURCE is --topic T or --group G.
allow() {
    user=$1 op=$2
    shift 2
    # shellcheck disable=SC2086
    "$ACLS_CMD" --bootstrap-server "$BOOTSTRAP" \
        ${COMMAND_CONFIG:+--command-config "$COMMAND_CONFIG"} \
        --add --allow-principal "User:$user" --operation "$op" "$@" >/dev/null
    echo "acls: User:$user may $op $*"
}

feeds=
for f in $FEEDS; do
    feeds="$feeds --topic canbao.$f.v1"
done
# shellcheck disable=SC2086
allow "$PRODUCER" Write $feeds --topic canbao.deadletter.v1
# shellcheck disable=SC2086
allow "$MATCHER" Read $feeds --topic canbao.ownership.v1 --group "$MATCHER_GROUP"
# shellcheck disable=SC2086
allow "$MATCHER" Write --topic canbao.lead.v1 --topic canbao.alert.v1 \
    --topic canbao.ownership.v1 --topic canbao.deadletter.v1 $feeds
allow "$WORKBENCH" Read --topic canbao.lead.v1
allow "$WORKBENCH" Describe --group canbao-web
