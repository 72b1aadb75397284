/* cb_redis.h -- canbao's connection to Redis, on hiredis: the URL of the
 * contract, authentication, a database, scripts called by SHA, and
 * pipelines.
 *
 *     redis://[user:pass@]host:port[/db]      (also redis://:pass@host)
 *
 * A connection keeps a sticky error, as hiredis's redisContext does: once
 * a call fails, cb_redis_errstr says why and the connection must be
 * reconnected (cb_redis_reconnect) before it is used again.  Passwords are
 * never part of an error message.  One thread per connection.
 *
 * Redis Cluster: when the URL names a node of a cluster (CLUSTER SLOTS
 * answers), the connection is the cluster's.  It connects to every master
 * and sends each command to the master of its key's slot, following MOVED
 * and ASK; commands without a key (SCRIPT LOAD, CONFIG, PING) go to every
 * master, and KEYS gathers every master's answer.  A pipeline belongs to
 * one node: take the node of a key with cb_redis_node and pipeline on it
 * (the keys of one pipeline share a hash tag).  Reconnecting asks the
 * nodes it knows, replicas too, for the slots again, so that after a
 * failover the promoted replica serves its slots.  A transaction (MULTI)
 * runs on the node of its keys, which share one slot. */
#ifndef CB_REDIS_H
#define CB_REDIS_H

#include <hiredis.h>
#include <stddef.h>

typedef struct cb_redis_url {
    char host[256];
    int port;
    int db;
    char user[128]; /* "" when none */
    char pass[256]; /* "" when none */
} cb_redis_url;

/* Parses a redis:// URL.  Returns 0, or -1 with errstr (which never holds
 * the password). */
int cb_redis_url_parse(const char *url, cb_redis_url *out, char *errstr,
                       size_t errstr_size);

typedef struct cb_redis cb_redis;

/* Connects (timeout in ms), authenticates and selects the database.
 * Returns NULL with errstr on failure. */
cb_redis *cb_redis_connect(const char *url, int timeout_ms, char *errstr,
                           size_t errstr_size);

/* Drops the connection and connects again to the same place.  Returns 0 or
 * -1 (then cb_redis_errstr says why). */
int cb_redis_reconnect(cb_redis *r);

/* Frees the connection; NULL is fine. */
void cb_redis_free(cb_redis *r);

/* The last error, "" when none. */
const char *cb_redis_errstr(const cb_redis *r);

/* "host:port/db" for messages (no user, no password). */
const char *cb_redis_where(const cb_redis *r);

/* Is this connection a Redis Cluster's? */
int cb_redis_is_cluster(const cb_redis *r);

#define CB_REDIS_SLOTS 16384

/* The cluster slot of a key: CRC16 of the key, or of its hash tag (the
 * part between the first { and the next }, when not empty), mod 16384. */
unsigned cb_redis_slot(const char *key, size_t len);

/* The connection that serves key's slot: a node of the cluster, or r
 * itself when r is not a cluster.  Valid until the next reconnect. */
cb_redis *cb_redis_node(cb_redis *r, const char *key, size_t len);

/* The hiredis context, for callers that build their own pipelines (NULL
 * for a cluster: take a node's). */
redisContext *cb_redis_context(cb_redis *r);

/* Runs one command (argv form, binary safe) and returns its reply, which
 * the caller frees with freeReplyObject; NULL on a connection error (the
 * sticky error says why).  An error reply is returned as such. */
redisReply *cb_redis_command(cb_redis *r, int argc, const char **argv,
                             const size_t *argvlen);

/* printf-style convenience for fixed commands; same contract. */
redisReply *cb_redis_commandf(cb_redis *r, const char *fmt, ...);

/* A Lua script loaded once and called by SHA. */
typedef struct cb_redis_script {
    const char *source; /* not owned */
    char sha[41];
} cb_redis_script;

/* Loads a script (SCRIPT LOAD) and keeps its SHA.  Returns 0 or -1. */
int cb_redis_script_load(cb_redis *r, cb_redis_script *s);

/* Appends EVALSHA of the script to the connection's pipeline; the reply is
 * read later with cb_redis_get_reply. */
int cb_redis_append_evalsha(cb_redis *r, const cb_redis_script *s,
                            int numkeys, int argc, const char **argv,
                            const size_t *argvlen);

/* Appends any command to the pipeline. */
int cb_redis_append(cb_redis *r, int argc, const char **argv,
                    const size_t *argvlen);

/* Appends commands already in Redis's protocol (cb_resp.h), len bytes of
 * whole commands, to the pipeline. */
int cb_redis_append_raw(cb_redis *r, const char *cmds, size_t len);

/* Sends what the pipeline holds now, without reading: Redis starts on it
 * while the caller reads replies already received.  Returns 0 or -1. */
int cb_redis_flush(cb_redis *r);

/* Reads the next pipelined reply.  NULL on a connection error. */
redisReply *cb_redis_get_reply(cb_redis *r);

/* Is this reply the NOSCRIPT error (Redis restarted and lost its scripts:
 * load again and retry)? */
int cb_redis_is_noscript(const redisReply *reply);

/* Is this an error reply of a cluster that moved on (MOVED, ASK,
 * TRYAGAIN, CLUSTERDOWN, or a script that met a key its node no longer
 * has while the slot moves): ask for the slots again (reconnect) and
 * redo? */
int cb_redis_is_redirect(const redisReply *reply);

/* Is this an error reply of out of memory (maxmemory reached)? */
int cb_redis_is_oom(const redisReply *reply);

#endif
