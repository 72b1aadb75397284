/* cb_kafka.h -- canbao's topics and its librdkafka settings, in one place.
 *
 * Topic names are "canbao.<kind>.v1": the five feeds, the lead and alert
 * outputs and the dead letters.  The version in the name changes only when
 * a topic's meaning changes; schema changes that Avro resolution can bridge
 * keep the name.
 *
 * The producer defaults carry what the embedded broker needs to keep up
 * (DESIGN.md section 4): lz4 compression, large batches, and an idempotent
 * producer, so that retries never duplicate or reorder a subject's
 * events. */
#ifndef CB_KAFKA_H
#define CB_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "cb_config.h"
#include "cb_record.h"

#define CB_TOPIC_PARTITIONS 16 /* default partitions of every topic */

/* The matcher's own topic: "person P represents business B" changes,
 * keyed by the person, so that they reach P's partition (a business event
 * arrives on the business's).  Values are the packed payload of
 * consumers/cb_ops.c (cb_own_change_pack), not Avro: only the matcher
 * reads them. */
#define CB_OWNERSHIP_TOPIC "canbao.ownership.v1"

/* "canbao.household.v1" and so on; NULL for a kind outside cb_kind. */
const char *cb_topic_name(cb_kind kind);

/* The kind whose topic this is, by full topic name or by kind name
 * ("household").  Returns 0, or -1 when it is none of canbao's. */
int cb_topic_kind(const char *topic, cb_kind *kind);

typedef enum cb_kafka_role {
    CB_KAFKA_PRODUCER,
    CB_KAFKA_CONSUMER
} cb_kafka_role;

/* A librdkafka configuration: the bootstrap servers of cfg, canbao's
 * defaults for the role, then every "kafka.*" setting of cfg (config file
 * and -X), which win.  librdkafka's own log lines go through cb_log.
 * Returns NULL with errstr naming the property librdkafka refused (never
 * its value, which may be a secret). */
rd_kafka_conf_t *cb_kafka_conf_new(const cb_config *cfg, cb_kafka_role role,
                                   char *errstr, size_t errstr_size);

/* An error callback for rd_kafka_conf_set_error_cb: librdkafka's errors
 * (a broker unreachable, every broker down, a fatal error of the
 * idempotent producer) logged through cb_log with the client's name, a
 * fatal one as an error, the others, which librdkafka rides out itself,
 * as warnings.  Its reasons name brokers and topics, never a record. */
void cb_kafka_log_error(rd_kafka_t *rk, int err, const char *reason,
                        void *opaque);

/* Adds every partition of a topic, each at offset start, to parts (asks
 * the cluster how many it has).  Returns their number, or -1 with
 * errstr. */
int cb_kafka_add_partitions(rd_kafka_t *rk, const char *topic, int64_t start,
                            rd_kafka_topic_partition_list_t *parts,
                            char *errstr, size_t errstr_size);

#endif
