/* cb_redis_int.h -- what cb_redis.c (one connection) and
 * cb_redis_cluster.c (a Redis Cluster: its masters and which serves each
 * slot) share.  Not part of the library's promise: include cb_redis.h.
 *
 * A cb_redis is one of three things:
 *   - a standalone connection (cluster == 0, parent == NULL): ctx is it;
 *   - a cluster (cluster != 0): ctx is NULL; topo.nodes are its masters,
 *     each a cb_redis of its own, and topo.slot_node says which serves
 *     each slot;
 *   - a node of a cluster (parent != NULL): a standalone connection whose
 *     errors are also the cluster's, so that a caller holding the cluster
 *     reads them where it reads any other. */
#ifndef CB_REDIS_INT_H
#define CB_REDIS_INT_H

#include <stdint.h>

#include "cb_redis.h"

#define CB_REDIS_NO_NODE 0xFFFF

typedef struct cb_redis_addr {
    char host[256];
    int port;
} cb_redis_addr;

/* What CLUSTER SLOTS said, connected: the masters, which serves each slot,
 * and every node named (where to ask again after a failover). */
typedef struct cb_redis_topo {
    cb_redis **nodes;
    size_t nnodes;
    uint16_t *slot_node;  /* CB_REDIS_SLOTS entries, an index of nodes */
    cb_redis_addr *known; /* masters and replicas */
    size_t nknown;
} cb_redis_topo;

struct cb_redis {
    redisContext *ctx;
    cb_redis_url url;
    int timeout_ms;
    char where[300];
    char err[512];
    cb_redis *parent;

    int cluster;
    cb_redis_topo topo;
};

/* Sets the sticky error (and the cluster's, for a node). */
void cb_redis_set_err(cb_redis *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Connects r->ctx to r->url: authenticates and selects.  Returns 0 or -1
 * with the sticky error. */
int cb_redis_open(cb_redis *r);

/* After cb_redis_open of the URL's node: asks it for CLUSTER SLOTS and, when
 * it is a cluster node, makes r a cluster (connected to every master).
 * Returns 0 (a cluster or not), -1 with the sticky error. */
int cb_redis_cluster_discover(cb_redis *r);

/* Asks the known nodes for the slots again and connects to the masters
 * they name, dropping the old connections.  Returns 0 or -1. */
int cb_redis_cluster_refresh(cb_redis *r);

/* Runs one command in Redis's protocol on the cluster: to the master of
 * its key's slot (following MOVED and ASK), or to every master for the
 * commands that have no key (SCRIPT, CONFIG, PING, KEYS...).  Same
 * contract as cb_redis_command. */
redisReply *cb_redis_cluster_run(cb_redis *r, const char *cmd, size_t len);

/* Frees the cluster's nodes and tables (not r). */
void cb_redis_cluster_drop(cb_redis *r);

#endif
