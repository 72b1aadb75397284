/* cb_outbox.h -- the matcher's publisher: the lead, alert and ownership
 * changes that steps leave in each partition's outbox in Redis (the
 * stream cb:out:{pN}), handed to Kafka and trimmed once Kafka has them;
 * and, on the same producer, the dead letters of messages the matcher
 * cannot apply.
 *
 * What it promises:
 *   - Nothing is lost: an entry leaves its outbox only after Kafka
 *     confirmed it and every entry handed over before it.  After a failed
 *     delivery nothing is trimmed and every outbox is handed over again
 *     from its oldest entry (the topics are changelogs: a change repeated
 *     says nothing new), so delivery is at least once.
 *   - Order: a partition's entries go out in the outbox's order; a lead or
 *     an alert is keyed by its id (every change of one id on one Kafka
 *     partition), an ownership change by person.  Leads and alerts go as
 *     Avro (cb_codec.h), an alert withdrawn with the header
 *     "canbao-withdrawn: 1"; ownership changes go raw; a corrected
 *     suspect ('F', cb_refeed.h) goes to its feed topic as Avro with the
 *     candidate's number, keyed by it, with the headers
 *     canbao-source-file, canbao-source-line, canbao-corrected-from and
 *     canbao-review (docs/RULES.md 9.3).
 *   - An entry that does not encode is a bug, not bad input: publishing
 *     stops with it left in its outbox, and says so.
 *   - Redis trouble is not hidden: when the connection fails while the
 *     outboxes are read or trimmed, the caller is told, and rides it out
 *     as it rides out any Redis failure.
 *
 * One thread: the caller's.  The outboxes are read and trimmed on the
 * caller's store (its own connection, not a worker's), and delivery
 * reports are served only by cb_outbox_poll, cb_outbox_confirm and
 * cb_outbox_free, on that thread. */
#ifndef CB_OUTBOX_H
#define CB_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "cb_config.h"
#include "cb_metrics.h"
#include "cb_record.h"
#include "cb_store.h"

typedef struct cb_outbox cb_outbox;

typedef struct cb_outbox_opts {
    const cb_config *cfg; /* brokers and kafka.* settings (-X) */
    cb_store *store;      /* the caller's connection, borrowed */
    int partitions;       /* outboxes: one per state partition */
    uint64_t *published;  /* incremented for each message Kafka confirmed,
                             dead letters included */
    cb_metrics_figures *fig; /* leads and alerts handed over are counted
                                in it (by reason and status, by kind) */
} cb_outbox_opts;

/* A Kafka producer for the lead, alert and ownership topics (and the
 * feed topics, for corrected suspects) (linger.ms 2
 * unless -X says otherwise: leads are waited for; librdkafka's errors
 * logged, cb_kafka_log_error), with every outbox untouched.  Returns NULL
 * with errstr when librdkafka refuses the configuration or a topic. */
cb_outbox *cb_outbox_new(const cb_outbox_opts *opts, char *errstr,
                         size_t errstr_size);

/* Waits up to 10 s for the deliveries still out, then frees everything;
 * NULL is fine. */
void cb_outbox_free(cb_outbox *ob);

/* Partition p's outbox may hold new entries: the next cb_outbox_publish
 * reads it. */
void cb_outbox_touch(cb_outbox *ob, int p);

/* Hands the new entries of every touched outbox to the producer, without
 * waiting for Kafka; the reads of all outboxes go in one round trip (each
 * to its partition's node).  An entry the producer refuses counts as a
 * failed delivery.  Sets *redis_lost to 1 when a read failed on the
 * connection (what was not read stays touched).  Returns 0, or -1 with
 * errstr when an entry does not encode: it stays in its outbox, and the
 * caller must stop. */
int cb_outbox_publish(cb_outbox *ob, int *redis_lost, char *errstr,
                      size_t errstr_size);

/* Serves the delivery reports that have arrived; does not block. */
void cb_outbox_poll(cb_outbox *ob);

/* Once Kafka has confirmed everything handed over, trims each outbox
 * through the last entry handed over (when trim is non-zero: the caller
 * passes 0 while its Redis is in trouble).  wait: flush the producer first
 * (at most 30 s).  After a failed delivery trims nothing and touches every
 * outbox, to be handed over again from its oldest entry.  Sets *redis_lost
 * to 1 when a trim failed on the connection.  Returns 0 when everything
 * handed over is confirmed, 1 while deliveries are outstanding, -1 after a
 * failed delivery. */
int cb_outbox_confirm(cb_outbox *ob, int wait, int trim, int *redis_lost);

/* Deliveries that failed (or that the producer refused) so far. */
uint64_t cb_outbox_failed(const cb_outbox *ob);

/* Queues a dead letter to the dead-letter topic, keyed by its feed; its
 * delivery is reported like an entry's.  Returns 0, or -1 when it does
 * not encode or the producer refuses it (not counted as a failed
 * delivery). */
int cb_outbox_dead_letter(cb_outbox *ob, const cb_deadletter *dl);

#endif
