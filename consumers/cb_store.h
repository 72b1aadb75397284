/* cb_store.h -- the matcher's state, lead store, alert store and review
 * items in Redis: key names, the atomic steps (cb_step.h) applied in
 * pipelined rounds, the packed lead and alert records read back as
 * cb_lead / cb_alert, and the review items (cb_reviewrec.h) with the
 * reviewers' verdicts on them.
 *
 * State is partitioned like the Kafka topics: every key of partition N
 * carries the hash tag {pN}, so one step touches one Redis Cluster slot,
 * and a subject's state lives in the partition its events arrive on (the
 * murmur2 partition of its ID, cb_key_partition).  Within a partition,
 * states are spread over `buckets` small hashes, and leads, lead ids and
 * timers over a quarter as many each (cb_side_buckets), which Redis keeps
 * in its compact listpack encoding.
 *
 * cb_store.c keeps the store and its steps; cb_store_records.c (the
 * section "records" below) what readers and township teams do with it. */
#ifndef CB_STORE_H
#define CB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_ops.h"
#include "cb_record.h"
#include "cb_redis.h"
#include "cb_step.h"

/* State buckets a partition: a power of two, fixed when a store is first
 * written and recorded in it (CB_KEY_BUCKETS); CB_STORE_BUCKETS is the
 * default, and the count of a store written before counts were recorded.
 * Sized at some 60 people a bucket (docs/COMMANDS.md,
 * "buckets"). */
#define CB_STORE_BUCKETS  1024
#define CB_STORE_BUCKETS_MIN 16
#define CB_STORE_BUCKETS_MAX 16384
#define CB_KEY_BUCKETS "cb:{plan}:buckets"
#define CB_STORE_HORIZON  400  /* days ahead a timer is kept */
#define CB_STORE_MAX_BATCH 5000 /* ops in one step */
#define CB_STORE_LISTPACK_VALUE 1024 /* hash-max-listpack-value wanted */
#define CB_STORE_LISTPACK_ZSET 512 /* zset-max-listpack-entries wanted */

typedef struct cb_store cb_store;

typedef struct cb_store_opts {
    const char *redis_url;
    int partitions; /* of the topics; state is split the same way */
    unsigned buckets; /* state buckets a partition (a power of two,
                         CB_STORE_BUCKETS_MIN..MAX): what a store not yet
                         written records; 0: the store's own, or
                         CB_STORE_BUCKETS.  A store that holds another
                         count is refused. */
    int timeout_ms;
    size_t cache_bytes; /* states and leads kept between steps (cb_cache.h);
                           0: none, every step reads its subjects */
    const struct cb_idkey *ids; /* keys lead and alert ids; must outlive the
                                   store; NULL for a store that only reads
                                   (its steps are refused) */
} cb_store_opts;

/* Connects, settles the bucket count and loads the script.  NULL with
 * errstr on failure (a bucket count that is not the store's too). */
cb_store *cb_store_new(const cb_store_opts *opts, char *errstr,
                       size_t errstr_size);

void cb_store_free(cb_store *store);

/* A store for a command: the Redis URL of cfg, its "partitions" setting
 * (default 16) and "buckets" (default: the store's own), and ids (NULL for
 * a command that only reads).  NULL with errstr on failure. */
struct cb_config;
cb_store *cb_store_from_config(const struct cb_config *cfg,
                               const struct cb_idkey *ids, char *errstr,
                               size_t errstr_size);

/* The connection, for commands of its own (on a Redis Cluster, routed by
 * each command's key). */
cb_redis *cb_store_redis(cb_store *store);

/* The store's table of event-id forms (cb_eidforms.h), read by
 * cb_store_reload and kept up to date as states are packed and read: what
 * the store's states are encoded and decoded with. */
struct cb_eidforms *cb_store_forms(cb_store *store);

/* The connection that serves partition's keys, to pipeline on: a node of
 * a Redis Cluster, or the store's connection.  Valid until the next
 * reconnect. */
cb_redis *cb_store_node(cb_store *store, int partition);

/* The township table and its targets (`canbao targets`), one hash tag so
 * that they are replaced in one transaction on a cluster too. */
#define CB_KEY_TOWNSHIPS "cb:{plan}:townships"
#define CB_KEY_TARGETS "cb:{plan}:targets"

/* The key of the store's steps' ids, or NULL. */
const struct cb_idkey *cb_store_ids(const cb_store *store);

/* The store's cache of states and leads, or NULL. */
struct cb_cache *cb_store_cache(cb_store *store);

/* The commit script (consumers/commit.lua) as loaded on the connection. */
const cb_redis_script *cb_store_script(const cb_store *store);

int cb_store_partitions(const cb_store *store);

/* The state buckets of each partition, as the store in Redis has them,
 * and the buckets of its leads, lead ids and timers (cb_side_buckets). */
unsigned cb_store_buckets(const cb_store *store);
unsigned cb_store_side_buckets(const cb_store *store);

/* Parses a bucket count (cb_store_opts.buckets) given as name.  Returns 0,
 * or -1 with errstr. */
int cb_store_parse_buckets(const char *text, const char *name,
                           unsigned *out, char *errstr, size_t errstr_size);

/* The "buckets" setting of cfg into *out (0 when it has none).  Returns 0,
 * or -1 with errstr for a value cb_store_parse_buckets refuses. */
struct cb_config;
int cb_store_config_buckets(const struct cb_config *cfg, unsigned *out,
                            char *errstr, size_t errstr_size);

/* The partition a subject's state lives in. */
int cb_store_partition_of(const cb_store *store, const cb_subject *s);

/* "cb:<what>:{pN}" into buf (for keys of one partition). */
void cb_store_key(char *buf, size_t size, const char *what, int partition);

/* "cb:<what>:{pN}:<bucket>" into buf (a bucket of a partition's family:
 * states, leads, lead ids, timers). */
void cb_store_bucket_key(char *buf, size_t size, const char *what,
                         int partition, unsigned bucket);

/* The ops (packed by cb_ops.h) of one partition, with the partition's
 * new applied offsets (topic[i] -> next[i]). */
typedef struct cb_store_batch {
    int partition;
    const cb_buf *ops;
    size_t nops;
    const int *topics;
    const int64_t *next;
    size_t noffsets;
} cb_store_batch;

typedef struct cb_store_result {
    int64_t applied, skipped, leads_changed, alerts_changed;
    int conflicts; /* commits refused because another writer came first */
} cb_store_result;

/* Applies n batches of distinct partitions, one step each (cb_step.h),
 * their rounds pipelined together; res[i] says what batch i did.  today is
 * the evaluation day (days since 1970, UTC+08:00), now_ms the clock.
 * Returns 0 when every step committed; CB_STEP_EREDIS (-1) on Redis
 * trouble (the connection failed, Redis is out of memory: reconnect,
 * wait, redo -- some steps may have committed, and redoing them changes
 * nothing); or CB_STEP_EFAILED (-3) when a step itself failed (an op or a
 * state that does not decode, a commit Redis refused): redoing it would
 * fail again.  errstr says why. */
int cb_store_apply(cb_store *store, int32_t today, int64_t now_ms,
                   const cb_store_batch *batches, size_t n,
                   cb_store_result *res, char *errstr, size_t errstr_size);

/* Loads the commit script again, empties the cache and checks the bucket
 * count (after a reconnect: Redis may have lost writes the cache holds,
 * or its data; a writer records its count again). */
int cb_store_reload(cb_store *store, char *errstr, size_t errstr_size);

/* One batch: cb_store_apply of one. */
int cb_store_step(cb_store *store, int partition, int32_t today,
                  int64_t now_ms, const cb_buf *ops, size_t nops,
                  const int *topics, const int64_t *next, size_t noffsets,
                  cb_store_result *res, char *errstr, size_t errstr_size);

/* The applied offsets of a partition: next[topic] for topics
 * 0..CB_TOPIC_OWNERSHIP, -1 where none.  Returns 0 or -1. */
int cb_store_offsets(cb_store *store, int partition, int64_t *next,
                     size_t ntopics, char *errstr, size_t errstr_size);

/* ------------------------------------- records (cb_store_records.c) */

/* Calls fn for every lead (of one township when township is not NULL),
 * partition by partition.  fn returns 0 to go on.  Returns 0, or -1 with
 * errstr on a Redis failure. */
typedef int (cb_store_lead_fn)(const cb_lead *lead, void *opaque);
int cb_store_each_lead(cb_store *store, const char *township,
                       cb_store_lead_fn *fn, void *opaque, char *errstr,
                       size_t errstr_size);

/* Calls fn for every alert. */
typedef int (cb_store_alert_fn)(const cb_alert *alert, void *opaque);
int cb_store_each_alert(cb_store *store, cb_store_alert_fn *fn, void *opaque,
                        char *errstr, size_t errstr_size);

/* Finds the subject of a lead by its id ("L" + 16 hex digits) across the
 * partitions.  Returns 1 found, 0 not found, -1 on a Redis failure. */
int cb_store_find_lead(cb_store *store, const char *lead_id,
                       cb_subject *subject, int *partition, char *errstr,
                       size_t errstr_size);

/* The lead of one subject.  Returns 1 and fills *lead, 0 when the subject
 * has none, -1 on a Redis failure. */
int cb_store_get_lead(cb_store *store, int partition, const cb_subject *s,
                      cb_lead *lead, char *errstr, size_t errstr_size);

/* Records a township team's decision (cb_decision) on a lead, as one
 * step of the lead's partition, on the day of now: contacted or refused
 * keep it listed, enrolled and invalid close it (cb_rules_decide).  A
 * refusal needs a reason.  Returns 1 with the lead as it is after in
 * *after, 0 when there is no such lead, -1 with errstr. */
int cb_store_decide(cb_store *store, const char *lead_id, int decision,
                    const char *why, int64_t now_ms, cb_lead *after,
                    char *errstr, size_t errstr_size);

/* The decision recorded on a lead: 1 with *decision (cb_decision), its
 * day and its reason (why holds why_size bytes), 0 when none, -1 with
 * errstr. */
int cb_store_get_decision(cb_store *store, const char *lead_id,
                          int *decision, int32_t *day, char *why,
                          size_t why_size, char *errstr, size_t errstr_size);

/* ------------------------------------------------------ review items */

struct cb_reviewrec;

/* Calls fn for every review item (id_digits its id's 16 hex digits, the
 * item as stored, a duplicate_identity pair's amount and evidence read
 * in: cb_store_review_risk), partition by partition; fn returns 0 to go
 * on.  Returns 0, or -1 with errstr on a Redis failure. */
typedef int (cb_store_review_fn)(const char *id_digits,
                                 const struct cb_reviewrec *r, void *opaque);
int cb_store_each_review(cb_store *store, cb_store_review_fn *fn,
                         void *opaque, char *errstr, size_t errstr_size);

/* Reads into a duplicate_identity item its amount at risk and evidence,
 * which its name group does not keep (cb_group_pair_risk): from the two
 * persons' states as they stand, the evidence into evidence (r->evidence
 * then points into it, or at "" when the pair shares no month: never
 * NULL; keep evidence while r is used).  Other kinds, and a
 * person without a state, are left as they are.  Returns 0, or -1 with
 * errstr on a Redis failure or out of memory. */
int cb_store_review_risk(cb_store *store, struct cb_reviewrec *r,
                         cb_buf *evidence, char *errstr, size_t errstr_size);

/* Finds a review item by its id ("R" + 16 hex digits) across the
 * partitions: 1 with its subject, partition, kind (cb_review_kind) and
 * the normal form of its other name (what a verdict op names), 0 when no
 * item has that id, -1 with errstr on a Redis failure. */
int cb_store_find_review(cb_store *store, const char *review_id,
                         cb_subject *subject, int *partition, int *kind,
                         cb_str *other, char *errstr, size_t errstr_size);

/* Records a reviewer's verdict (cb_review_verdict: confirm or reject) on a
 * review item with its reason, given at now_ms, as one step of the item's
 * partition: the person's state keeps it, and the person's leads, alerts
 * and items are evaluated again at once (a confirmed death applies).
 * Returns 1 with the item's status after it in *status, 0 when there is
 * no such item, -1 with errstr. */
int cb_store_review(cb_store *store, const char *review_id, int verdict,
                    const char *why, int64_t now_ms, int *status,
                    char *errstr, size_t errstr_size);

/* ------------------------------------------------- packed records */

/* A packed lead as a cb_lead (cb_leadrec.h: decoded, then made a
 * record): a value of a lead bucket of store, key (key_len bytes) its
 * field, the subject's state key; or a whole one (an outbox entry), key
 * and store NULL.  Returns 0 or -1. */
int cb_store_decode_lead(cb_store *store, const char *key, size_t key_len,
                         const char *v, size_t len, cb_lead *lead);

/* A value of the alert hash as a cb_alert (cb_alertrec.h), id its hash
 * field; evidence points into v.  Returns 0 or -1. */
int cb_store_decode_alert(const char *id, const char *v, size_t len,
                          cb_alert *alert);

#endif
