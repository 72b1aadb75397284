/* cb_leadfeed.h -- keeps the workbench's lead book current: a thread that
 * follows canbao.lead.v1 (every partition, outside any consumer group, so
 * the matcher's offsets never move) and puts each lead it reads in the
 * book.
 *
 * Nothing is missed between the book's load and the first message: the
 * thread takes the topic's end offsets first, then has the book loaded
 * from Redis (the reload callback), then reads from those offsets.  A lead
 * changed in between comes twice, which a changelog allows.  When the
 * broker cannot be reached the thread says so, waits and starts over; the
 * book stays as it is meanwhile. */
#ifndef CB_LEADFEED_H
#define CB_LEADFEED_H

#include <stddef.h>

#include "cb_config.h"
#include "cb_leadbook.h"

typedef struct cb_leadfeed cb_leadfeed;

/* Loads the book from the lead store; returns 0, or -1 with errstr. */
typedef int (cb_leadfeed_reload_fn)(void *opaque, char *errstr,
                                    size_t errstr_size);

/* Starts the thread (cfg is copied from: brokers and kafka.* settings).
 * Returns NULL with errstr. */
cb_leadfeed *cb_leadfeed_start(const cb_config *cfg, cb_leadbook *book,
                               cb_leadfeed_reload_fn *reload, void *opaque,
                               char *errstr, size_t errstr_size);

/* Whether the thread is reading the topic (0 while it waits for the
 * broker or loads the book). */
int cb_leadfeed_live(cb_leadfeed *f);

/* Stops the thread and frees. */
void cb_leadfeed_stop(cb_leadfeed *f);

#endif
