/* cb_timers.h -- the timers of a partition: subjects whose outcome
 * changes on a day without an event (docs/MATCHER.md), kept in the
 * partition's timer buckets cb:tm:{pN}:<b> (sorted sets, score the day)
 * with a lower bound of their days in cb:tmin:{pN} (member "due").
 *
 * Steps write a timer into its subject's bucket and lower the bound to
 * its day in the same commit, so the bound is never above a timer.  The
 * matcher looks each second: while the bound is after today, that is one
 * ZSCORE; once it is not, every bucket of the partition is read for what
 * fell due and the bound set again to the earliest day they hold, both
 * in one script, so no commit can slip in between. */
#ifndef CB_TIMERS_H
#define CB_TIMERS_H

#include <hiredis.h>

#include <stdint.h>

#include "cb_redis.h"

/* The subject keys of partition's timers due on or before today, at most
 * limit of them, as an array reply (freeReplyObject); NULL on a
 * connection error; an error reply as such. */
redisReply *cb_timers_due(cb_redis *r, int partition, int32_t today,
                          int limit);

#endif
