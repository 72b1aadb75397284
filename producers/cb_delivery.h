/* cb_delivery.h -- a Kafka producer that counts what was delivered, not
 * what was sent.
 *
 * Every message is reported back by librdkafka (its delivery report): only
 * a report without error counts as delivered.  The producer is idempotent
 * (cb_kafka.h), so retries neither duplicate nor reorder a subject's
 * events.  When a broker is unreachable librdkafka retries until
 * message.timeout.ms has passed, then reports the message failed: that is
 * the bound.  At the end cb_delivery_flush waits for every report; what is
 * still unreported after its wait is purged and counted as failed, so a
 * count of delivered messages is never a guess.
 *
 * Messages are of two classes, counted apart: records (class 0) and dead
 * letters (class 1).  One thread. */
#ifndef CB_DELIVERY_H
#define CB_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "cb_config.h"
#include "cb_record.h"

enum { CB_DELIVERY_RECORD = 0, CB_DELIVERY_DEAD_LETTER = 1 };

typedef struct cb_delivery_stats {
    uint64_t queued[2];
    uint64_t delivered[2];
    uint64_t failed[2];
    char first_error[256]; /* the first delivery error, for the summary */
} cb_delivery_stats;

typedef struct cb_delivery cb_delivery;

/* A producer for the brokers and librdkafka settings of cfg.  NULL with
 * errstr when librdkafka refuses the configuration. */
cb_delivery *cb_delivery_new(const cb_config *cfg, char *errstr,
                             size_t errstr_size);

/* Queues a copy of a message to the topic of `kind`.  While librdkafka's
 * queue is full it serves delivery reports and waits (messages leave the
 * queue delivered or, after message.timeout.ms, failed).  A message
 * librdkafka refuses at once (too large) counts as failed, with a warning.
 * Returns 0, or -1 with errstr when the producer has failed for good (a
 * fatal error of the idempotent producer). */
int cb_delivery_send(cb_delivery *d, cb_kind kind, const char *key,
                     size_t key_len, const void *value, size_t value_len,
                     int cls, char *errstr, size_t errstr_size);

/* Serves the delivery reports that have arrived; does not block. */
void cb_delivery_poll(cb_delivery *d);

/* Waits for every report, at most timeout_ms; then purges what is left,
 * which counts as failed.  Returns the number of messages (both classes)
 * not delivered. */
uint64_t cb_delivery_flush(cb_delivery *d, int timeout_ms);

/* The counts so far. */
const cb_delivery_stats *cb_delivery_stats_get(const cb_delivery *d);

/* Non-zero once the producer failed for good; *errstr says why. */
int cb_delivery_fatal(cb_delivery *d, char *errstr, size_t errstr_size);

/* The configured message.timeout.ms, to size a flush. */
int cb_delivery_timeout_ms(const cb_delivery *d);

/* Flushes nothing: call cb_delivery_flush first.  NULL is fine. */
void cb_delivery_free(cb_delivery *d);

#endif
