/* cb_api_live.c -- the live lead list (cb_api.h): server-sent events of
 * the lead book's changes, for as long as the session that opened the
 * stream lasts. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_api_int.h"
#include <stdatomic.h>

#include "cb_time.h"

#define CHECK_MS 5000      /* how often a stream asks after its session */
#define KEEPALIVE_MS 15000 /* a comment this often keeps the line open */

/* --------------------------------------------------------------- live */

/* A live list: server-sent events, one `lead` event per change of a lead
 * the account may see, a comment every 15 s to keep the line open, and a
 * `reload` event when the changes outran what the book keeps.  The stream
 * ends when its session does: it asks Redis every 5 s at most (without
 * touching the session's idle time, or an open tab would keep it alive),
 * and at once when a sign-out wakes the streams. */
typedef struct live {
    cb_api *a;
    uint64_t seq;
    int county;
    char township[CB_CODE_SIZE];
    char token[CB_TOKEN_SIZE];
    int started;
    int64_t checked_ms; /* when the session was last found alive */
    unsigned signouts;  /* the workbench's sign-outs when it last looked */
} live;

/* Whether the stream's session is still there.  Redis trouble counts as
 * no: the page reconnects in 3 s and gets its answer then. */
static int session_alive(live *l)
{
    char err[256];
    cb_store *st = cb_api_pool_get(l->a, err, sizeof(err));

    if (st == NULL)
        return 0;
    int rc = cb_auth_session_alive(cb_store_redis(st), l->token, err,
                                   sizeof(err));
    cb_api_pool_put(l->a, st, rc < 0);
    return rc == 1;
}

/* The changes since l->seq, waiting for one while the session lives: the
 * count (negative: outrun), 0 when it is time for a keep-alive, or -2
 * when the stream must end. */
static long wait_changes(live *l, cb_leadbook_change *ch, size_t max)
{
    int64_t start = cb_clock_ms();

    for (;;) {
        int64_t now = cb_clock_ms();
        unsigned signouts = atomic_load(&l->a->signouts);
        if (atomic_load(&l->a->stopping))
            return -2;
        /* a sign-out since the last look, whether or not leads changed
         * meanwhile (a wake that finds a change is not a sign-out's) */
        if (now - l->checked_ms >= CHECK_MS || signouts != l->signouts) {
            l->signouts = signouts;
            if (!session_alive(l))
                return -2;
            l->checked_ms = now;
        }
        long n = cb_leadbook_changes(l->a->book, l->seq, ch, max);
        if (n != 0)
            return n < 0 ? -1 : n;
        if (now - start >= KEEPALIVE_MS)
            return 0;
        /* woken: a change, a sign-out (signouts says) or the time to look */
        cb_leadbook_wait(l->a->book, l->seq, CHECK_MS);
    }
}

static long live_next(void *opaque, char *buf, size_t max)
{
    live *l = opaque;
    cb_leadbook_change ch[16];
    size_t used = 0;

    if (atomic_load(&l->a->stopping))
        return -1;
    if (!l->started) {
        l->started = 1;
        return snprintf(buf, max, "retry: 3000\n\n");
    }
    long n = wait_changes(l, ch, 16);
    if (n == -2)
        return -1;
    if (n == 0)
        return snprintf(buf, max, ":\n\n");
    if (n < 0) {
        l->seq = cb_leadbook_seq(l->a->book);
        return snprintf(buf, max, "event: reload\ndata: {}\n\n");
    }
    for (long i = 0; i < n; i++) {
        const cb_leadbook_change *c = &ch[i];
        const char *st = cb_symbol(CB_KIND_LEAD, "status", c->status);
        if (!l->county && strcmp(c->township_code, l->township) != 0) {
            l->seq = c->seq;
            continue;
        }
        char line[256];
        int k = snprintf(line, sizeof(line),
                         "event: lead\ndata: {\"lead_id\":\"%s\","
                         "\"township_code\":\"%s\",\"status\":\"%s\"}\n\n",
                         c->lead_id, c->township_code, st ? st : "");
        if (k < 0 || used + (size_t)k >= max)
            break;
        memcpy(buf + used, line, (size_t)k);
        used += (size_t)k;
        l->seq = c->seq;
    }
    if (used == 0)
        return snprintf(buf, max, ":\n\n"); /* nothing of ours: keep open */
    return (long)used;
}

/* The stream's end: its copy of the session token wiped, then freed. */
static void live_free(void *opaque)
{
    live *l = opaque;

    memset(l->token, 0, sizeof(l->token));
    free(l);
}

void cb_api_get_events(cb_api *a, cb_http_resp *resp, const cb_session *s)
{
    live *l = calloc(1, sizeof(*l));

    if (l == NULL) {
        cb_api_reply_error(resp, 500, "out of memory");
        return;
    }
    l->a = a;
    l->seq = cb_leadbook_seq(a->book);
    l->county = s->user.role == CB_ROLE_COUNTY;
    snprintf(l->township, sizeof(l->township), "%s", s->user.township);
    snprintf(l->token, sizeof(l->token), "%s", s->token);
    l->checked_ms = cb_clock_ms(); /* need_session found it just now */
    l->signouts = atomic_load(&a->signouts);
    resp->status = 200;
    resp->type = "text/event-stream";
    resp->stream = live_next;
    resp->free_stream = live_free;
    resp->stream_opaque = l;
}
