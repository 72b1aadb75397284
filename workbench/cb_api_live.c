/* cb_api_live.c -- the live lead list (cb_api.h): server-sent events of
 * the lead book's changes. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_api_int.h"
#include <stdatomic.h>

/* --------------------------------------------------------------- live */

/* A live list: server-sent events, one `lead` event per change of a lead
 * the account may see, a comment every 15 s to keep the line open, and a
 * `reload` event when the changes outran what the book keeps. */
typedef struct live {
    cb_api *a;
    uint64_t seq;
    int county;
    char township[CB_CODE_SIZE];
    int started;
} live;

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
    long n = cb_leadbook_changes(l->a->book, l->seq, ch, 16);
    if (n == 0) {
        cb_leadbook_wait(l->a->book, l->seq, 15000);
        if (atomic_load(&l->a->stopping))
            return -1;
        n = cb_leadbook_changes(l->a->book, l->seq, ch, 16);
    }
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
    resp->status = 200;
    resp->type = "text/event-stream";
    resp->stream = live_next;
    resp->free_stream = free;
    resp->stream_opaque = l;
}
