/* cb_audit.c -- the audit log in a Redis stream (cb_audit.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_audit.h"

#define KEY "cb:audit"
#define CHUNK 500 /* entries read per XREVRANGE */

int cb_audit_append(cb_redis *r, const cb_audit_entry *e, char *errstr,
                    size_t errstr_size)
{
    char at[24];
    const char *argv[19];
    size_t argvlen[19];
    int n = 0;

    snprintf(at, sizeof(at), "%" PRId64, e->at);
#define ARG(s) (argv[n] = (s), argvlen[n] = strlen(argv[n]), n++)
    ARG("XADD");
    ARG(KEY);
    ARG("*");
    ARG("at"), ARG(at);
    ARG("who"), ARG(e->who);
    ARG("role"), ARG(e->role);
    ARG("township"), ARG(e->township ? e->township : "");
    ARG("action"), ARG(e->action);
    ARG("target"), ARG(e->target ? e->target : "");
    ARG("before"), ARG(e->before ? e->before : "");
    ARG("after"), ARG(e->after ? e->after : "");
#undef ARG
    redisReply *rep = cb_redis_command(r, n, argv, argvlen);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "audit log: %s",
                 rep ? rep->str : cb_redis_errstr(r));
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    freeReplyObject(rep);
    return 0;
}

/* An entry of an XREVRANGE reply into e; fields point into the reply. */
static void entry_of(const redisReply *x, cb_audit_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->id = x->element[0]->str;
    const redisReply *f = x->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const char *k = f->element[i]->str, *v = f->element[i + 1]->str;
        if (strcmp(k, "at") == 0)
            e->at = strtoll(v, NULL, 10);
        else if (strcmp(k, "who") == 0)
            e->who = v;
        else if (strcmp(k, "role") == 0)
            e->role = v;
        else if (strcmp(k, "township") == 0)
            e->township = v;
        else if (strcmp(k, "action") == 0)
            e->action = v;
        else if (strcmp(k, "target") == 0)
            e->target = v;
        else if (strcmp(k, "before") == 0)
            e->before = v;
        else if (strcmp(k, "after") == 0)
            e->after = v;
    }
    const char **s[] = {&e->who, &e->role, &e->township, &e->action,
                        &e->target, &e->before, &e->after};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if (*s[i] == NULL)
            *s[i] = "";
}

int cb_audit_each(cb_redis *r, const char *township, size_t max,
                  cb_audit_fn *fn, void *opaque, char *errstr,
                  size_t errstr_size)
{
    char end[64] = "+";
    size_t seen = 0;

    for (;;) {
        redisReply *rep = cb_redis_commandf(r, "XREVRANGE " KEY " %s - COUNT %d",
                                            end, CHUNK);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
            snprintf(errstr, errstr_size, "audit log: %s",
                     rep && rep->type == REDIS_REPLY_ERROR ? rep->str
                                                           : cb_redis_errstr(r));
            if (rep)
                freeReplyObject(rep);
            return -1;
        }
        size_t n = rep->elements;
        for (size_t i = 0; i < n; i++) {
            const redisReply *x = rep->element[i];
            cb_audit_entry e;
            if (x->type != REDIS_REPLY_ARRAY || x->elements != 2)
                continue;
            entry_of(x, &e);
            if (township != NULL && strcmp(e.township, township) != 0)
                continue;
            if (fn(&e, opaque) != 0 || (max > 0 && ++seen >= max)) {
                freeReplyObject(rep);
                return 0;
            }
        }
        if (n < CHUNK) {
            freeReplyObject(rep);
            return 0;
        }
        /* the next chunk ends just before the last id: "(" excludes it */
        snprintf(end, sizeof(end), "(%s",
                 rep->element[n - 1]->element[0]->str);
        freeReplyObject(rep);
    }
}
