/* cb_timers.h -- the timers of a partition: subjects whose outcome
 * changes on a day without an event (docs/MATCHER.md), kept in the
 * partition's timer buckets cb:tm:{pN}:<b> (sorted sets, score the day).
 *
 * A look is one pipelined ZRANGEBYSCORE a bucket, all on the partition's
 * node in one round trip, the buckets small listpacks (some 1 us each).
 * A step keeps only days after its own, so a partition whose look was
 * whole need not be looked at again until the day changes (the matcher
 * still looks once a minute: a step that began before midnight may
 * commit after the look).  No script: canbao runs none but commit.lua
 * (docs/SECURITY.md). */
#ifndef CB_TIMERS_H
#define CB_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "cb_store.h"

/* Called with each due subject's state key; returns 0 to go on. */
typedef int(cb_timers_fn)(const char *key, size_t len, void *opaque);

/* Calls fn for the subjects of partition's timers due on or before today,
 * at most limit of them.  Returns 1 when the look was whole (every bucket
 * answered, fewer than limit due), 0 when some may be left (an error
 * reply of a bucket, or limit reached: look again soon), -1 when the
 * connection failed. */
int cb_timers_due(cb_store *store, int partition, int32_t today, int limit,
                  cb_timers_fn *fn, void *opaque);

#endif
