/* cb_layout.h -- the one-time move of a store written before leads, lead
 * ids and timers were bucketed (docs/MATCHER.md, "Keys of partition N").
 * Such a store keeps them whole, one key a partition: cb:lead:{pN} and
 * cb:lid:{pN} (hashes), cb:tm:{pN} (a sorted set).  The matcher moves
 * their entries into the buckets when it starts, before its first step:
 * up to 500 entries at a time, each batch one pipelined round trip that
 * copies them into their buckets (an entry a bucket already has keeps
 * the bucket's, the newer), deletes them from the old key and raises the
 * partition's version (no script: canbao runs none but commit.lua).  A
 * crash in between leaves the rest for the next start, and an entry
 * copied but not yet deleted is only deleted then; a store already moved
 * costs two reads a family and partition.  Readers (`canbao lead`, the
 * workbench) see the buckets only: start the matcher once after an
 * upgrade.
 *
 * A store written before the evening of 2026-12-04 keyed name groups in the
 * state buckets by their text ('G' and 16 hex digits) and lead ids in cb:lid
 * by their 16 digits; they are now 'G' and 8 bytes, and 8 bytes.  The same
 * start renames them, a bucket at a time (its old fields' values read, copied
 * under the new names unless a step wrote those since, the old deleted, the
 * version raised), and records in CB_LAYOUT_KEY_FMT that the partition is
 * done: a store done costs one read a partition (a new one lists its empty
 * buckets once). */
#ifndef CB_LAYOUT_H
#define CB_LAYOUT_H

#include <stddef.h>

#include "cb_store.h"

#define CB_LAYOUT_KEY_FMT "cb:lay:{p%d}" /* the partition's layout */
#define CB_LAYOUT_FIELDS  2 /* its group and lead-id fields are bytes */

/* Moves every partition's old keys into buckets.  Returns the entries
 * moved, or -1 with errstr on a Redis failure. */
long cb_layout_migrate(cb_store *store, char *errstr, size_t errstr_size);

#endif
