/* cb_worker.c -- steps on a thread of their own (cb_worker.h).
 *
 * Each partition has two slots, running and waiting.  The owner fills
 * them under the mutex; the thread starts a running slot's step (outside
 * the mutex: the slot does not change while its step is in flight), turns
 * the pipe, and on each commit gives the result back and moves the waiting
 * slot up.  The thread sleeps only when no step is in flight and none is
 * to start; the owner sleeps only in cb_worker_collect with wait. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_cache.h"
#include "cb_pipe.h"
#include "cb_worker.h"

#define MAX_TOPICS (CB_TOPIC_OWNERSHIP + 1)

typedef struct slot {
    int used;
    cb_store_batch b;
    int topics[MAX_TOPICS];
    int64_t next[MAX_TOPICS];
    int32_t today;
    int64_t now_ms;
    struct timespec started; /* the step's first command went */
} slot;

struct cb_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* the thread waits for batches */
    pthread_cond_t done_cv; /* the owner waits for results */
    int quit;
    cb_store *store;  /* the thread's, or the owner's when nothing is handed */
    cb_pipe *pipe;    /* the thread's */
    int npart;
    slot *running, *waiting; /* per partition */
    int *inhand;      /* per partition: handed over, not yet collected */
    int *start;       /* partitions whose running slot is to start */
    int *todo;        /* the thread's copy of start */
    size_t nstart;
    cb_worker_result *ring; /* results not yet collected */
    size_t ring_cap, ring_head, ring_len;
    size_t handed;
    int failed;       /* taking no batch until cb_worker_reconnect */
    char err[512];    /* of the first failure */
    cb_cache_stats cache; /* the store's cache, as of the last turn */
};

/* Under the mutex: the result of partition p's running slot, and the
 * waiting slot moves up. */
static void give_back(cb_worker *w, int p, int rc, const cb_store_result *res)
{
    cb_worker_result *r =
        &w->ring[(w->ring_head + w->ring_len++) % w->ring_cap];
    const struct timespec *a = &w->running[p].started;
    struct timespec b;

    memset(r, 0, sizeof(*r));
    r->partition = p;
    r->ops = w->running[p].b.ops;
    r->nops = w->running[p].b.nops;
    r->rc = rc;
    if (res != NULL) {
        r->res = *res;
        clock_gettime(CLOCK_MONOTONIC, &b);
        r->seconds = (double)(b.tv_sec - a->tv_sec) +
                     (double)(b.tv_nsec - a->tv_nsec) / 1e9;
    }
    w->running[p].used = 0;
    if (w->waiting[p].used) {
        w->running[p] = w->waiting[p];
        w->running[p].b.topics = w->running[p].topics;
        w->running[p].b.next = w->running[p].next;
        w->waiting[p].used = 0;
        if (rc == 0)
            w->start[w->nstart++] = p;
    }
    pthread_cond_signal(&w->done_cv);
}

/* Under the mutex: after a failure every batch handed over comes back
 * failed (the pipe has dropped its steps). */
static void fail_all(cb_worker *w, int rc, const char *err)
{
    if (!w->failed)
        snprintf(w->err, sizeof(w->err), "%s", err);
    w->failed = 1;
    w->nstart = 0;
    for (int p = 0; p < w->npart; p++) {
        while (w->running[p].used)
            give_back(w, p, rc, NULL);
    }
}

static void *run(void *arg)
{
    cb_worker *w = arg;
    int *todo = w->todo;
    char err[512];

    /* named, so that top -H and perf tell the steps from the consuming */
    pthread_setname_np(pthread_self(), "canbao-steps");

    pthread_mutex_lock(&w->mu);
    for (;;) {
        size_t n;
        while (!w->quit && w->nstart == 0 && cb_pipe_inflight(w->pipe) == 0)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (w->quit)
            break;
        n = w->nstart;
        memcpy(todo, w->start, n * sizeof(*todo));
        w->nstart = 0;
        pthread_mutex_unlock(&w->mu);

        int rc = 0, p = -1;
        for (size_t i = 0; i < n && rc == 0; i++) {
            slot *s = &w->running[todo[i]];
            clock_gettime(CLOCK_MONOTONIC, &s->started);
            rc = cb_pipe_add(w->pipe, &s->b, s->today, s->now_ms, err,
                             sizeof(err));
        }
        cb_store_result res;
        int t = rc == 0 ? cb_pipe_turn(w->pipe, &p, &res, err, sizeof(err))
                        : rc;
        if (t < 0)
            cb_pipe_abort(w->pipe);

        pthread_mutex_lock(&w->mu);
        if (cb_store_cache(w->store) != NULL)
            cb_cache_stats_get(cb_store_cache(w->store), &w->cache);
        if (t == 1)
            give_back(w, p, 0, &res);
        else if (t < 0)
            fail_all(w, t, err);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void destroy_sync(cb_worker *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->done_cv);
}

/* Frees what the worker owns, and the worker (its thread is gone). */
static void release(cb_worker *w)
{
    cb_pipe_free(w->pipe);
    cb_store_free(w->store);
    free(w->running);
    free(w->waiting);
    free(w->start);
    free(w->todo);
    free(w->inhand);
    free(w->ring);
    free(w);
}

cb_worker *cb_worker_new(const cb_store_opts *opts, char *errstr,
                         size_t errstr_size)
{
    cb_worker *w = calloc(1, sizeof(*w));
    int n = opts->partitions > 0 ? opts->partitions : 1;

    if (w == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    w->npart = n;
    w->running = calloc((size_t)n, sizeof(*w->running));
    w->waiting = calloc((size_t)n, sizeof(*w->waiting));
    w->start = calloc((size_t)n, sizeof(*w->start));
    w->todo = calloc((size_t)n, sizeof(*w->todo));
    w->inhand = calloc((size_t)n, sizeof(*w->inhand));
    w->ring_cap = 2 * (size_t)n;
    w->ring = calloc(w->ring_cap, sizeof(*w->ring));
    if (w->running == NULL || w->waiting == NULL || w->start == NULL ||
        w->todo == NULL || w->inhand == NULL || w->ring == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    w->store = cb_store_new(opts, errstr, errstr_size);
    if (w->store == NULL)
        goto fail;
    w->pipe = cb_pipe_new(w->store);
    if (w->pipe == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        snprintf(errstr, errstr_size, "cannot start the step thread");
        destroy_sync(w);
        goto fail;
    }
    return w;
fail:
    release(w);
    return NULL;
}

void cb_worker_free(cb_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    destroy_sync(w);
    release(w);
}

int cb_worker_submit(cb_worker *w, const cb_store_batch *b, int32_t today,
                     int64_t now_ms)
{
    int p = b->partition;
    slot *s;

    if (p < 0 || p >= w->npart)
        return -1;
    pthread_mutex_lock(&w->mu);
    /* two at most, counting those finished and not collected: the ring
     * holds every result */
    if (w->inhand[p] >= 2) {
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    w->inhand[p]++;
    s = w->running[p].used ? &w->waiting[p] : &w->running[p];
    s->used = 1;
    s->b = *b;
    s->b.noffsets = b->noffsets < MAX_TOPICS ? b->noffsets : MAX_TOPICS;
    memcpy(s->topics, b->topics, s->b.noffsets * sizeof(*s->topics));
    memcpy(s->next, b->next, s->b.noffsets * sizeof(*s->next));
    s->b.topics = s->topics;
    s->b.next = s->next;
    s->today = today;
    s->now_ms = now_ms;
    w->handed++;
    if (w->failed) {
        /* nothing runs until the owner has ridden the failure out */
        while (w->running[p].used)
            give_back(w, p, -1, NULL);
    } else if (s == &w->running[p]) {
        w->start[w->nstart++] = p;
        pthread_cond_signal(&w->work_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return 0;
}

size_t cb_worker_collect(cb_worker *w, cb_worker_result *out, size_t max,
                         int wait, char *errstr, size_t errstr_size)
{
    size_t n = 0;

    pthread_mutex_lock(&w->mu);
    while (wait && w->ring_len == 0 && w->handed > 0)
        pthread_cond_wait(&w->done_cv, &w->mu);
    while (n < max && w->ring_len > 0) {
        out[n] = w->ring[w->ring_head];
        if (out[n].rc != 0)
            snprintf(errstr, errstr_size, "%s", w->err);
        w->inhand[out[n].partition]--;
        w->ring_head = (w->ring_head + 1) % w->ring_cap;
        w->ring_len--;
        w->handed--;
        n++;
    }
    pthread_mutex_unlock(&w->mu);
    return n;
}

size_t cb_worker_handed(const cb_worker *w)
{
    /* only the owner changes it (submit and collect), under the mutex */
    return w->handed;
}

void cb_worker_cache_stats(cb_worker *w, cb_cache_stats *stats)
{
    pthread_mutex_lock(&w->mu);
    *stats = w->cache;
    pthread_mutex_unlock(&w->mu);
}

int cb_worker_reconnect(cb_worker *w, char *errstr, size_t errstr_size)
{
    int rc = -1;

    pthread_mutex_lock(&w->mu);
    if (w->handed > 0) {
        snprintf(errstr, errstr_size, "batches are still handed over");
    } else if (cb_redis_reconnect(cb_store_redis(w->store)) != 0) {
        snprintf(errstr, errstr_size, "%s",
                 cb_redis_errstr(cb_store_redis(w->store)));
    } else if (cb_store_reload(w->store, errstr, errstr_size) == 0) {
        w->failed = 0;
        w->err[0] = '\0';
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}
