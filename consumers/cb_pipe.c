/* cb_pipe.c -- steps in flight on one connection, a queue of what each
 * waits for (cb_pipe.h).  On a Redis Cluster, on one connection a master:
 * each entry is sent to its partition's node and read from it, and since
 * each node answers in the order it was asked, the queue's order holds.
 *
 * The queue holds one entry for each phase sent and not yet read: a step,
 * or a SCRIPT LOAD sent after Redis said it lost commit.lua (SCRIPT FLUSH,
 * a restart that kept the connection's address).  A step that met the
 * lost script starts over behind that SCRIPT LOAD, so its next commit
 * finds the script again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_pipe.h"
#include "cb_step.h"

typedef struct entry {
    cb_step *step; /* NULL: the reply of a SCRIPT LOAD */
    int partition;
    cb_redis *node; /* where it was sent: the partition's node */
} entry;

struct cb_pipe {
    cb_store *store;
    entry *ring;
    size_t cap, head, len;
    size_t steps; /* entries that are steps */
};

cb_pipe *cb_pipe_new(cb_store *store)
{
    cb_pipe *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->store = store;
    return p;
}

/* Drops every entry (the steps are freed, their replies left unread). */
static void drop_all(cb_pipe *p)
{
    for (size_t i = 0; i < p->len; i++)
        cb_step_free(p->ring[(p->head + i) % p->cap].step);
    p->head = p->len = p->steps = 0;
}

void cb_pipe_free(cb_pipe *p)
{
    if (p == NULL)
        return;
    drop_all(p);
    free(p->ring);
    free(p);
}

size_t cb_pipe_inflight(const cb_pipe *p)
{
    return p->steps;
}

static int push(cb_pipe *p, cb_step *step, int partition, cb_redis *node)
{
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        entry *r = malloc(cap * sizeof(*r));
        if (r == NULL)
            return -1;
        for (size_t i = 0; i < p->len; i++)
            r[i] = p->ring[(p->head + i) % p->cap];
        free(p->ring);
        p->ring = r;
        p->cap = cap;
        p->head = 0;
    }
    p->ring[(p->head + p->len) % p->cap] = (entry){step, partition, node};
    p->len++;
    if (step != NULL)
        p->steps++;
    return 0;
}

static entry pop(cb_pipe *p)
{
    entry e = p->ring[p->head];

    p->head = (p->head + 1) % p->cap;
    p->len--;
    if (e.step != NULL)
        p->steps--;
    return e;
}

/* Queues the step's current phase on its partition's node and sends it.
 * Returns 0 or -1. */
static int send_phase(cb_pipe *p, cb_step *step, int partition)
{
    cb_redis *r = cb_store_node(p->store, partition);

    if (cb_step_append(step, r, cb_store_script(p->store)) != 0 ||
        cb_redis_flush(r) != 0)
        return -1;
    return push(p, step, partition, r);
}

int cb_pipe_add(cb_pipe *p, const cb_store_batch *b, int32_t today,
                int64_t now_ms, char *errstr, size_t errstr_size)
{
    cb_step_args a = {b->partition, today,   now_ms,
                      CB_STORE_HORIZON, b->ops, b->nops,
                      b->topics,    b->next, b->noffsets,
                      cb_store_cache(p->store), cb_store_ids(p->store),
                      cb_redis_is_cluster(cb_store_redis(p->store)),
                      cb_store_side_buckets(p->store),
                      cb_store_forms(p->store)};
    cb_step *step = cb_step_new(&a, errstr, errstr_size);

    if (step == NULL)
        return CB_STEP_EFAILED;
    if (send_phase(p, step, b->partition) != 0) {
        snprintf(errstr, errstr_size, "%s",
                 cb_redis_errstr(cb_store_node(p->store, b->partition)));
        cb_step_free(step);
        return CB_STEP_EREDIS;
    }
    return 0;
}

/* Reads what is still due after an error, so that the connection can be
 * used again, and drops every entry. */
void cb_pipe_abort(cb_pipe *p)
{
    char err[256];

    while (p->len > 0) {
        entry e = pop(p);
        cb_redis *r = e.node;
        if (cb_redis_context(r) != NULL && cb_redis_context(r)->err == 0) {
            if (e.step != NULL) {
                cb_step_read(e.step, r, err, sizeof(err));
            } else {
                redisReply *reply = cb_redis_get_reply(r);
                if (reply != NULL)
                    freeReplyObject(reply);
            }
        }
        cb_step_free(e.step);
    }
    p->head = 0;
}

/* Asks node r to load commit.lua again, behind what is already queued. */
static int send_script_load(cb_pipe *p, cb_redis *r)
{
    const char *argv[3] = {"SCRIPT", "LOAD",
                           cb_store_script(p->store)->source};

    if (cb_redis_append(r, 3, argv, NULL) != 0)
        return -1;
    return push(p, NULL, -1, r);
}

int cb_pipe_turn(cb_pipe *p, int *partition, cb_store_result *res,
                 char *errstr, size_t errstr_size)
{
    cb_redis *r;
    entry e;
    int rc;

    if (p->len == 0)
        return 0;
    e = pop(p);
    r = e.node;
    if (e.step == NULL) {
        redisReply *reply = cb_redis_get_reply(r);
        int ok = reply != NULL && reply->type == REDIS_REPLY_STRING;
        if (!ok)
            snprintf(errstr, errstr_size, "cannot load commit.lua again: %s",
                     reply ? reply->str : cb_redis_errstr(r));
        if (reply != NULL)
            freeReplyObject(reply);
        if (ok)
            return 0;
        rc = CB_STEP_EREDIS;
        goto failed;
    }
    rc = cb_step_read(e.step, r, errstr, errstr_size);
    switch (rc) {
    case CB_STEP_DONE: {
        cb_step_counts c;
        cb_step_result(e.step, &c);
        memset(res, 0, sizeof(*res));
        res->applied = c.applied;
        res->skipped = c.skipped;
        res->leads_changed = c.leads_changed;
        res->alerts_changed = c.alerts_changed;
        res->conflicts = cb_step_conflicts(e.step);
        *partition = e.partition;
        cb_step_free(e.step);
        return 1;
    }
    case CB_STEP_AGAIN:
        if (send_phase(p, e.step, e.partition) != 0) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
            rc = CB_STEP_EREDIS;
            break;
        }
        return 0;
    case CB_STEP_ENOSCRIPT:
        /* the step starts over behind a SCRIPT LOAD */
        if (send_script_load(p, r) != 0 ||
            send_phase(p, e.step, e.partition) != 0) {
            snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
            rc = CB_STEP_EREDIS;
            break;
        }
        return 0;
    case CB_STEP_EFAILED:
        break;
    default:
        rc = CB_STEP_EREDIS;
        break;
    }
    cb_step_free(e.step);
failed:
    cb_pipe_abort(p);
    return rc;
}
