/* cb_broker.h -- the embedded Kafka broker: librdkafka's mock cluster,
 * which speaks the real Kafka protocol on loopback, with canbao's topics
 * created up front.
 *
 * It is for development, demos and tests, and promises less than Kafka:
 * messages live in memory only, and each partition keeps at most about
 * 5 MB (and 100,000 message sets) before the oldest are dropped.  Producers
 * keep under that with compression and partitions; a consumer that falls
 * behind the pruning sees its offset go out of range and must say so.
 *
 * Its faults can be injected (brokers down and up, round-trip delays,
 * request errors) with cb_broker_control, which `canbao broker --control`
 * exposes to tests. */
#ifndef CB_BROKER_H
#define CB_BROKER_H

#include <stddef.h>

typedef struct cb_broker cb_broker;

/* Starts a mock cluster of `nodes` brokers (1..9) and creates every canbao
 * topic with `partitions` partitions (1..256), replicated on min(nodes, 3)
 * brokers.  Returns NULL with errstr on failure. */
cb_broker *cb_broker_new(int nodes, int partitions, char *errstr,
                         size_t errstr_size);

/* "127.0.0.1:PORT[,...]": where clients bootstrap; owned by the broker. */
const char *cb_broker_bootstraps(const cb_broker *broker);

/* Carries out one control command, a line of words:
 *
 *   down [ID]                 broker ID (default: all) refuses connections
 *   up [ID]                   and accepts them again
 *   rtt MS [ID]               adds MS milliseconds to every round trip
 *   error API ERR [COUNT]     the next COUNT (default 1) requests of API
 *                             (produce, fetch, metadata, offsetcommit,
 *                             offsetfetch, findcoordinator, joingroup,
 *                             heartbeat, syncgroup, initproducerid or a
 *                             number) fail with ERR (a librdkafka error
 *                             name such as NOT_LEADER_FOR_PARTITION or
 *                             _TRANSPORT, or a number)
 *   clear API                 forgets the errors pushed for API
 *
 * Returns 0 and writes a short acknowledgement into reply, or -1 and
 * writes the reason. */
int cb_broker_control(cb_broker *broker, const char *line, char *reply,
                      size_t reply_size);

/* Stops the cluster and frees it; NULL is fine. */
void cb_broker_free(cb_broker *broker);

#endif
