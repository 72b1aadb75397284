/* cb_redis_cluster.c -- a Redis Cluster behind one cb_redis (cb_redis.h):
 * the masters CLUSTER SLOTS names, which one serves each slot, commands
 * sent to the master of their key's slot, MOVED and ASK followed, and the
 * slots asked for again after a failover.
 *
 * Assumes the nodes take the URL's credentials (one ACL or requirepass
 * for the whole cluster, as is usual), database 0 (a cluster has no
 * other), and that the addresses CLUSTER SLOTS gives are reachable from
 * here (set cluster-announce-ip on the nodes when they are not). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cb_redis_int.h"

#define MAX_REDIRECTS 5
#define TRYAGAIN_WAIT_US 100000

/* ------------------------------------------------------------- slots */

/* CRC16-CCITT (XMODEM: polynomial 0x1021, start 0), the cluster's hash. */
static uint16_t crc16(const char *p, size_t len)
{
    uint16_t crc = 0;

    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021)
                                 : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned cb_redis_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);

    if (open != NULL) {
        size_t rest = len - (size_t)(open + 1 - key);
        const char *close = memchr(open + 1, '}', rest);
        if (close != NULL && close > open + 1) {
            key = open + 1;
            len = (size_t)(close - key);
        }
    }
    return crc16(key, len) & (CB_REDIS_SLOTS - 1);
}

cb_redis *cb_redis_node(cb_redis *r, const char *key, size_t len)
{
    if (!r->cluster)
        return r;
    return r->topo.nodes[r->topo.slot_node[cb_redis_slot(key, len)]];
}

/* ------------------------------------------------------------- nodes */

/* A connection to one node, with the cluster's credentials; its errors
 * are the cluster's too.  NULL with the cluster's error set. */
static cb_redis *node_open(cb_redis *c, const char *host, int port)
{
    cb_redis *n = calloc(1, sizeof(*n));

    if (n == NULL) {
        cb_redis_set_err(c, "out of memory");
        return NULL;
    }
    n->url = c->url;
    snprintf(n->url.host, sizeof(n->url.host), "%s", host);
    n->url.port = port;
    n->url.db = 0;
    n->timeout_ms = c->timeout_ms;
    snprintf(n->where, sizeof(n->where), "%s:%d", host, port);
    n->parent = c;
    if (cb_redis_open(n) != 0) {
        cb_redis_free(n);
        return NULL;
    }
    return n;
}

/* A topology is built aside, then put in place (topo_install). */
typedef cb_redis_topo topo;

static void topo_free(topo *t)
{
    for (size_t i = 0; i < t->nnodes; i++)
        cb_redis_free(t->nodes[i]);
    free(t->nodes);
    free(t->slot_node);
    free(t->known);
    memset(t, 0, sizeof(*t));
}

static int add_known(topo *t, const char *host, int port)
{
    cb_redis_addr *k;

    for (size_t i = 0; i < t->nknown; i++)
        if (t->known[i].port == port && strcmp(t->known[i].host, host) == 0)
            return 0;
    k = realloc(t->known, (t->nknown + 1) * sizeof(*k));
    if (k == NULL)
        return -1;
    t->known = k;
    snprintf(k[t->nknown].host, sizeof(k[t->nknown].host), "%s", host);
    k[t->nknown++].port = port;
    return 0;
}

/* The index of the node at host:port in t, connected when new; -1 with
 * c's error. */
static int node_index(cb_redis *c, topo *t, const char *host, int port)
{
    cb_redis **nodes, *n;

    for (size_t i = 0; i < t->nnodes; i++)
        if (t->nodes[i]->url.port == port &&
            strcmp(t->nodes[i]->url.host, host) == 0)
            return (int)i;
    if (t->nnodes >= CB_REDIS_NO_NODE) {
        cb_redis_set_err(c, "too many Redis Cluster nodes");
        return -1;
    }
    nodes = realloc(t->nodes, (t->nnodes + 1) * sizeof(*nodes));
    if (nodes == NULL) {
        cb_redis_set_err(c, "out of memory");
        return -1;
    }
    t->nodes = nodes;
    if ((n = node_open(c, host, port)) == NULL)
        return -1;
    t->nodes[t->nnodes] = n;
    return (int)t->nnodes++;
}

static int is_node_entry(const redisReply *e)
{
    return e->type == REDIS_REPLY_ARRAY && e->elements >= 2 &&
           e->element[0]->type == REDIS_REPLY_STRING &&
           e->element[1]->type == REDIS_REPLY_INTEGER &&
           e->element[1]->integer > 0 && e->element[1]->integer < 65536;
}

/* Reads a CLUSTER SLOTS reply (asked of host `asked`, which stands for
 * a node whose address is "") into t, connecting to every master.
 * Returns 0, or -1 with c's error. */
static int topo_build(cb_redis *c, const redisReply *reply, const char *asked,
                      topo *t)
{
    t->slot_node = malloc(CB_REDIS_SLOTS * sizeof(*t->slot_node));
    if (t->slot_node == NULL) {
        cb_redis_set_err(c, "out of memory");
        return -1;
    }
    memset(t->slot_node, 0xFF, CB_REDIS_SLOTS * sizeof(*t->slot_node));
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        long long from, to;
        int master = -1;

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER) {
            cb_redis_set_err(c, "Redis at %s: a bad CLUSTER SLOTS reply",
                             c->where);
            return -1;
        }
        from = e->element[0]->integer;
        to = e->element[1]->integer;
        if (from < 0 || to >= CB_REDIS_SLOTS || from > to) {
            cb_redis_set_err(c, "Redis at %s: CLUSTER SLOTS names slots "
                             "%lld-%lld", c->where, from, to);
            return -1;
        }
        for (size_t j = 2; j < e->elements; j++) {
            const redisReply *n = e->element[j];
            const char *host;
            int port;

            if (!is_node_entry(n)) {
                cb_redis_set_err(c, "Redis at %s: a bad node in CLUSTER "
                                 "SLOTS", c->where);
                return -1;
            }
            host = n->element[0]->len > 0 ? n->element[0]->str : asked;
            port = (int)n->element[1]->integer;
            if (add_known(t, host, port) != 0) {
                cb_redis_set_err(c, "out of memory");
                return -1;
            }
            if (j == 2 && (master = node_index(c, t, host, port)) < 0)
                return -1;
        }
        for (long long s = from; s <= to; s++)
            t->slot_node[s] = (uint16_t)master;
    }
    for (unsigned s = 0; s < CB_REDIS_SLOTS; s++)
        if (t->slot_node[s] == CB_REDIS_NO_NODE) {
            cb_redis_set_err(c, "the Redis Cluster at %s serves no slot %u: "
                             "its slots are not all assigned, or it is "
                             "failing over", c->where, s);
            return -1;
        }
    return 0;
}

/* Puts t in place of c's nodes. */
static void topo_install(cb_redis *c, topo *t)
{
    topo_free(&c->topo);
    c->cluster = 1;
    c->topo = *t;
    memset(t, 0, sizeof(*t));
    snprintf(c->where, sizeof(c->where), "cluster of %zu masters via %s:%d",
             c->topo.nnodes, c->url.host, c->url.port);
    c->err[0] = '\0';
}

void cb_redis_cluster_drop(cb_redis *c)
{
    topo_free(&c->topo);
}

int cb_redis_cluster_discover(cb_redis *c)
{
    redisReply *reply = redisCommand(c->ctx, "CLUSTER SLOTS");
    topo t = {0};

    if (reply == NULL) {
        cb_redis_set_err(c, "Redis at %s: %s", c->where, c->ctx->errstr);
        return -1;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        /* "cluster support disabled", or a Redis that will not say
         * (an old one, an ACL without CLUSTER): a single Redis */
        freeReplyObject(reply);
        return 0;
    }
    if (c->url.db != 0) {
        freeReplyObject(reply);
        cb_redis_set_err(c, "Redis at %s is a cluster node: a cluster has "
                         "only database 0 (drop /%d from the URL)", c->where,
                         c->url.db);
        return -1;
    }
    if (topo_build(c, reply, c->url.host, &t) != 0) {
        freeReplyObject(reply);
        topo_free(&t);
        return -1;
    }
    freeReplyObject(reply);
    redisFree(c->ctx);
    c->ctx = NULL;
    topo_install(c, &t);
    return 0;
}

/* Asks the node at host:port for the slots and builds t from its answer.
 * Returns 0; -1 when the node did not answer; -2 when it answered but the
 * map it gave could not be used (a master down, slots not served). */
static int ask_slots(cb_redis *c, const char *host, int port, topo *t)
{
    cb_redis *seed = node_open(c, host, port);
    redisReply *reply;
    int rc = -2;

    if (seed == NULL)
        return -1;
    reply = redisCommand(seed->ctx, "CLUSTER SLOTS");
    if (reply == NULL) {
        cb_redis_set_err(seed, "Redis at %s: %s", seed->where,
                         seed->ctx->errstr);
        rc = -1;
    } else if (reply->type != REDIS_REPLY_ARRAY) {
        cb_redis_set_err(c, "Redis at %s:%d no longer answers CLUSTER SLOTS: "
                         "%s", host, port,
                         reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : "bad reply");
    } else if (topo_build(c, reply, host, t) == 0) {
        rc = 0;
    }
    if (reply != NULL)
        freeReplyObject(reply);
    cb_redis_free(seed);
    return rc;
}

int cb_redis_cluster_refresh(cb_redis *c)
{
    /* the nodes last heard of, then the URL's: copied, since a success
     * replaces c->topo */
    size_t n = c->topo.nknown + 1;
    cb_redis_addr *ask = malloc(n * sizeof(*ask));
    int rc = -1;

    if (ask == NULL) {
        cb_redis_set_err(c, "out of memory");
        return -1;
    }
    if (c->topo.nknown > 0)
        memcpy(ask, c->topo.known, c->topo.nknown * sizeof(*ask));
    snprintf(ask[n - 1].host, sizeof(ask[n - 1].host), "%s", c->url.host);
    ask[n - 1].port = c->url.port;
    for (size_t i = 0; i < n && rc == -1; i++) {
        topo t = {0};
        rc = ask_slots(c, ask[i].host, ask[i].port, &t);
        if (rc == 0)
            topo_install(c, &t);
        topo_free(&t);
        /* -2: a node answered with the cluster's map as it stands; the
         * others would say the same.  Try again later. */
    }
    free(ask);
    return rc == 0 ? 0 : -1;
}

/* ----------------------------------------------------------- routing */

/* The arguments of a command in Redis's protocol, pointing into it. */
typedef struct cmd_args {
    int argc;
    const char **argv;
    size_t *len;
} cmd_args;

static int parse_cmd(const char *cmd, size_t size, cmd_args *a)
{
    const char *p = cmd, *end = cmd + size;
    char *e;
    long n;

    memset(a, 0, sizeof(*a));
    if (size < 4 || *p != '*')
        return -1;
    n = strtol(p + 1, &e, 10);
    if (n < 1 || n > 1000000 || e + 2 > end || e[0] != '\r')
        return -1;
    p = e + 2;
    a->argv = malloc((size_t)n * sizeof(*a->argv));
    a->len = malloc((size_t)n * sizeof(*a->len));
    if (a->argv == NULL || a->len == NULL)
        return -1;
    for (a->argc = 0; a->argc < n; a->argc++) {
        long l;
        if (p >= end || *p != '$')
            return -1;
        l = strtol(p + 1, &e, 10);
        if (l < 0 || e + 2 > end || e[0] != '\r' ||
            (size_t)(end - (e + 2)) < (size_t)l + 2)
            return -1;
        a->argv[a->argc] = e + 2;
        a->len[a->argc] = (size_t)l;
        p = e + 2 + l + 2;
    }
    return 0;
}

static int arg_is(const cmd_args *a, int i, const char *name)
{
    return a->len[i] == strlen(name) &&
           strncasecmp(a->argv[i], name, a->len[i]) == 0;
}

static int name_in(const cmd_args *a, const char *const *names)
{
    for (; *names != NULL; names++)
        if (arg_is(a, 0, *names))
            return 1;
    return 0;
}

enum { ROUTE_KEY, ROUTE_ANY, ROUTE_ALL, ROUTE_REFUSE };

/* Where a command goes; for ROUTE_KEY, *key is the index of its key. */
static int route_of(const cmd_args *a, int *key)
{
    static const char *const everywhere[] = {
        "PING", "SCRIPT", "CONFIG", "FLUSHALL", "FLUSHDB", "KEYS",
        "FUNCTION", NULL};
    static const char *const one_node[] = {
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", NULL};
    static const char *const scripts[] = {
        "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO",
        NULL};
    static const char *const streams[] = {"XREAD", "XREADGROUP", NULL};

    if (name_in(a, everywhere))
        return ROUTE_ALL;
    if (name_in(a, one_node))
        return ROUTE_REFUSE;
    if (name_in(a, scripts)) {
        if (a->argc > 3 && a->len[2] > 0 && a->argv[2][0] >= '1' &&
            a->argv[2][0] <= '9') {
            *key = 3;
            return ROUTE_KEY;
        }
        return ROUTE_ANY;
    }
    if (name_in(a, streams)) {
        for (int i = 1; i + 1 < a->argc; i++)
            if (arg_is(a, i, "STREAMS")) {
                *key = i + 1;
                return ROUTE_KEY;
            }
        return ROUTE_ANY;
    }
    if (a->argc >= 2) {
        *key = 1;
        return ROUTE_KEY;
    }
    return ROUTE_ANY;
}

/* Sends cmd to node n (after ASKING when asking) and reads its reply. */
static redisReply *node_run(cb_redis *n, const char *cmd, size_t len,
                            int asking)
{
    const char *asking_argv[] = {"ASKING"};
    redisReply *reply;

    if (asking && cb_redis_append(n, 1, asking_argv, NULL) != 0)
        return NULL;
    if (cb_redis_append_raw(n, cmd, len) != 0)
        return NULL;
    if (asking) {
        if ((reply = cb_redis_get_reply(n)) == NULL)
            return NULL;
        freeReplyObject(reply);
    }
    return cb_redis_get_reply(n);
}

/* "MOVED 3999 127.0.0.1:6381" -> slot, host, port.  Returns 0 or -1. */
static int parse_redirect(const char *s, unsigned *slot, char *host,
                          size_t host_size, int *port)
{
    const char *sp = strchr(s, ' '), *addr, *colon;
    char *e;
    unsigned long v;
    long p;

    if (sp == NULL)
        return -1;
    v = strtoul(sp + 1, &e, 10);
    if (e == sp + 1 || *e != ' ' || v >= CB_REDIS_SLOTS)
        return -1;
    addr = e + 1;
    colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr ||
        (size_t)(colon - addr) >= host_size)
        return -1;
    p = strtol(colon + 1, &e, 10);
    if (*e != '\0' || p < 1 || p > 65535)
        return -1;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    *slot = (unsigned)v;
    *port = (int)p;
    return 0;
}

/* The index of the node at host:port among c's, connected and added when
 * new; -1 with c's error. */
static int node_at(cb_redis *c, const char *host, int port)
{
    int i = node_index(c, &c->topo, host, port);

    if (i >= 0 && add_known(&c->topo, host, port) != 0) {
        cb_redis_set_err(c, "out of memory");
        i = -1;
    }
    return i;
}

static void free_reply(redisReply *r)
{
    if (r != NULL)
        freeReplyObject(r);
}

/* Runs cmd on every master: the first error reply, or the first master's
 * reply; with gather, the array replies joined in one (KEYS). */
static redisReply *run_everywhere(cb_redis *c, const char *cmd, size_t len,
                                  int gather)
{
    redisReply *first = NULL, *error = NULL;

    for (size_t i = 0; i < c->topo.nnodes; i++) {
        redisReply *r = node_run(c->topo.nodes[i], cmd, len, 0);

        if (r == NULL) {
            free_reply(first);
            free_reply(error);
            return NULL;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            if (error == NULL)
                error = r;
            else
                freeReplyObject(r);
        } else if (first == NULL) {
            first = r;
        } else if (gather && first->type == REDIS_REPLY_ARRAY &&
                   r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
            redisReply **e = realloc(first->element,
                                     (first->elements + r->elements) *
                                         sizeof(*e));
            if (e == NULL) {
                freeReplyObject(r);
                free_reply(first);
                free_reply(error);
                cb_redis_set_err(c, "out of memory");
                return NULL;
            }
            memcpy(e + first->elements, r->element,
                   r->elements * sizeof(*e));
            first->element = e;
            first->elements += r->elements;
            free(r->element);
            r->element = NULL;
            r->elements = 0;
            freeReplyObject(r);
        } else {
            freeReplyObject(r);
        }
    }
    if (error != NULL) {
        free_reply(first);
        return error;
    }
    return first;
}

redisReply *cb_redis_cluster_run(cb_redis *c, const char *cmd, size_t len)
{
    cmd_args a;
    cb_redis *node;
    redisReply *reply = NULL;
    int key = 0, route, asking = 0;

    if (parse_cmd(cmd, len, &a) != 0) {
        free(a.argv);
        free(a.len);
        cb_redis_set_err(c, "cannot route a command that does not parse");
        return NULL;
    }
    route = route_of(&a, &key);
    if (route == ROUTE_REFUSE) {
        cb_redis_set_err(c, "%.*s cannot run on a whole Redis Cluster: run "
                         "it on the node of its keys", (int)a.len[0],
                         a.argv[0]);
    } else if (route == ROUTE_ALL) {
        reply = run_everywhere(c, cmd, len, arg_is(&a, 0, "KEYS"));
    } else {
        node = route == ROUTE_ANY
                   ? c->topo.nodes[0]
                   : cb_redis_node(c, a.argv[key], a.len[key]);
        for (int hops = 0; hops <= MAX_REDIRECTS; hops++) {
            char host[256];
            unsigned slot;
            int port, moved, i;

            if ((reply = node_run(node, cmd, len, asking)) == NULL ||
                !cb_redis_is_redirect(reply) || hops == MAX_REDIRECTS)
                break;
            if (strncmp(reply->str, "TRYAGAIN", 8) == 0) {
                /* a slot half moved: its keys are in two places */
                usleep(TRYAGAIN_WAIT_US);
            } else if (parse_redirect(reply->str, &slot, host, sizeof(host),
                                      &port) == 0) {
                moved = strncmp(reply->str, "MOVED", 5) == 0;
                if ((i = node_at(c, host, port)) < 0) {
                    freeReplyObject(reply);
                    reply = NULL;
                    break;
                }
                /* MOVED: the slot lives there now; ASK: this once */
                node = c->topo.nodes[i];
                if (moved)
                    c->topo.slot_node[slot] = (uint16_t)i;
                asking = !moved;
            } else {
                break; /* CLUSTERDOWN: the caller hears of it */
            }
            freeReplyObject(reply);
            reply = NULL;
        }
    }
    free(a.argv);
    free(a.len);
    return reply;
}
