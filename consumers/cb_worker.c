/* cb_worker.c -- steps on a thread of their own: a mutex, a condition, and
 * one job slot. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_worker.h"

enum { IDLE, RUNNING, DONE, QUIT };

struct cb_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;
    cb_store *store; /* used by the thread only, or by the owner when idle */
    /* the job */
    int32_t today;
    int64_t now_ms;
    cb_store_batch batches[CB_WORKER_MAX];
    cb_store_result res[CB_WORKER_MAX];
    size_t n;
    int rc;
    char err[512];
};

static void *run(void *arg)
{
    cb_worker *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->state != RUNNING && w->state != QUIT)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->state == QUIT)
            break;
        pthread_mutex_unlock(&w->mu);
        memset(w->res, 0, w->n * sizeof(*w->res));
        int rc = cb_store_apply(w->store, w->today, w->now_ms, w->batches,
                                w->n, w->res, w->err, sizeof(w->err));
        pthread_mutex_lock(&w->mu);
        w->rc = rc;
        w->state = DONE;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

cb_worker *cb_worker_new(const cb_store_opts *opts, char *errstr,
                         size_t errstr_size)
{
    cb_worker *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    w->store = cb_store_new(opts, errstr, errstr_size);
    if (w->store == NULL) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->state = IDLE;
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        snprintf(errstr, errstr_size, "cannot start the step thread");
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        cb_store_free(w->store);
        free(w);
        return NULL;
    }
    return w;
}

void cb_worker_free(cb_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->state == RUNNING)
        pthread_cond_wait(&w->cv, &w->mu);
    w->state = QUIT;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    cb_store_free(w->store);
    free(w);
}

void cb_worker_start(cb_worker *w, int32_t today, int64_t now_ms,
                     const cb_store_batch *batches, size_t n)
{
    pthread_mutex_lock(&w->mu);
    w->today = today;
    w->now_ms = now_ms;
    w->n = n < CB_WORKER_MAX ? n : CB_WORKER_MAX;
    memcpy(w->batches, batches, w->n * sizeof(*batches));
    w->state = RUNNING;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int cb_worker_busy(const cb_worker *w)
{
    /* only the owner moves the state away from IDLE and back */
    return w->state != IDLE;
}

int cb_worker_done(cb_worker *w)
{
    int done;

    pthread_mutex_lock(&w->mu);
    done = w->state == DONE;
    pthread_mutex_unlock(&w->mu);
    return done;
}

int cb_worker_wait(cb_worker *w, cb_store_result *res, char *errstr,
                   size_t errstr_size)
{
    int rc;

    pthread_mutex_lock(&w->mu);
    if (w->state == IDLE) {
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    while (w->state == RUNNING)
        pthread_cond_wait(&w->cv, &w->mu);
    rc = w->rc;
    memcpy(res, w->res, w->n * sizeof(*res));
    snprintf(errstr, errstr_size, "%s", w->err);
    w->state = IDLE;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int cb_worker_reconnect(cb_worker *w, char *errstr, size_t errstr_size)
{
    if (cb_redis_reconnect(cb_store_redis(w->store)) != 0) {
        snprintf(errstr, errstr_size, "%s",
                 cb_redis_errstr(cb_store_redis(w->store)));
        return -1;
    }
    return cb_store_reload(w->store, errstr, errstr_size);
}
