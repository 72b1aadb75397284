/* cb_cache.h -- what the matcher's own steps last read and committed of
 * each partition: the subjects' packed states and leads, so that the next
 * step of the partition need not read them from Redis again.
 *
 * Redis stays the truth; the cache is a copy that is right only while
 * nobody else has written the partition.  Every writer of a partition
 * (matchers, `canbao lead`, `canbao load`) commits through commit.lua,
 * which raises the partition's version cb:v:{pN}, so the cache keeps the
 * version its entries were true at.  A step reads the version with its
 * other reads: when it is not the cache's, the partition's entries are
 * dropped and the step reads again; and its commit is refused anyway if
 * the version moved after.  Versions only grow, except when Redis loses
 * writes (a restart, a failover); that breaks the connection, and the
 * store clears the whole cache when it reconnects (cb_store_reload).
 *
 * Memory: at most `budget` bytes over all partitions; a partition that
 * outgrows its share is emptied (the next steps read its subjects again).
 *
 * Not thread-safe: the thread that runs the steps owns the cache.  Entries
 * returned by cb_cache_get stay valid until the next cb_cache_put or
 * cb_cache_clear of their partition. */
#ifndef CB_CACHE_H
#define CB_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cb_cache cb_cache;

/* Lengths of an entry's state and lead: a byte count, or one of these. */
enum {
    CB_CACHE_NONE = -1,   /* Redis has none */
    CB_CACHE_UNKNOWN = -2 /* not read (a lead no step needed) */
};

typedef struct cb_cache_entry {
    const char *state;
    int32_t state_len; /* bytes, or CB_CACHE_NONE */
    const char *lead;
    int32_t lead_len;  /* bytes, CB_CACHE_NONE or CB_CACHE_UNKNOWN */
} cb_cache_entry;

typedef struct cb_cache_stats {
    uint64_t hits, misses;
    uint64_t stale;   /* times a partition was found changed by another writer */
    uint64_t evicted; /* times a partition was emptied for want of room */
    size_t bytes;     /* held now */
} cb_cache_stats;

/* A cache for partitions 0..partitions-1, holding at most budget bytes.
 * NULL when out of memory. */
cb_cache *cb_cache_new(int partitions, size_t budget);

void cb_cache_free(cb_cache *cache);

/* Forgets partition p's entries and version (every partition when p is
 * -1). */
void cb_cache_clear(cb_cache *cache, int p);

/* Whether partition p's entries are true at version (the value of
 * cb:v:{pN}, 0 when Redis has none).  A partition with no entries is
 * true at any version. */
int cb_cache_valid(const cb_cache *cache, int p, int64_t version);

/* Partition p found changed by another writer: counts it and clears it. */
void cb_cache_stale(cb_cache *cache, int p);

/* Looks a subject up.  Returns 1 and fills *out, or 0. */
int cb_cache_get(cb_cache *cache, int p, const char *key, size_t key_len,
                 cb_cache_entry *out);

/* Sets a subject's entry (copied; state_len and lead_len as in
 * cb_cache_entry), as true at the version given by the next
 * cb_cache_commit.  A partition over its share of the budget is emptied
 * first.  Returns 0; 1 when the partition was emptied (every entry got
 * from it before is gone; this one is kept); -1 when out of memory (the
 * partition is then cleared, which is always safe). */
int cb_cache_put(cb_cache *cache, int p, const char *key, size_t key_len,
                 const char *state, int32_t state_len, const char *lead,
                 int32_t lead_len);

/* Partition p's entries are now true at version (a step of the cache's
 * owner committed, raising it to that). */
void cb_cache_commit(cb_cache *cache, int p, int64_t version);

void cb_cache_stats_get(const cb_cache *cache, cb_cache_stats *stats);

#endif
