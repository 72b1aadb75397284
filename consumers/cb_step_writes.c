/* cb_step_writes.c -- a step's writes and how they reach Redis: every
 * argument in the step's arena, lists of writes, the groups (ordered by
 * key) commit.lua applies in one call a key, and the one EVALSHA that
 * carries them all in the runs commit.lua reads.  Apart from the rest of
 * the step because it is the encoding of the commit: what commit.lua and
 * this file agree on, and nothing of the rules. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_step_int.h"

/* The family of keys each late-write group is for (cb_step_int.h's
 * G_*). */
static const struct {
    const char *op, *what;
} groups[G_COUNT] = {{"H", "lead:"}, {"D", "lead:"}, {"H", "lid:"},
                     {"D", "lid:"},  {"H", "alert:"}, {"D", "alert:"},
                     {"Z", "tm:"},   {"R", "tm:"},   {"H", "off:"}};

/* -------------------------------------------------------------- arena */

int cb_step_put(cb_step *s, const void *p, size_t n, warg *out)
{
    out->off = s->arena.len;
    out->len = n;
    if (cb_buf_append(&s->arena, p, n) != 0) {
        s->failed = 1;
        return -1;
    }
    return 0;
}

void cb_step_arg(cb_step *s, wlist *l, const void *p, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        warg *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            s->failed = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    if (cb_step_put(s, p, n, &l->v[l->n]) == 0)
        l->n++;
}

void cb_step_str(cb_step *s, wlist *l, const char *str)
{
    cb_step_arg(s, l, str, strlen(str));
}

void cb_step_fmt(cb_step *s, wlist *l, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    cb_step_arg(s, l, buf,
                (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* A key of the partition: "cb:<what>{pN}<rest>" (what ends in ':'). */
void cb_step_key(cb_step *s, wlist *l, const char *what, const char *rest)
{
    char buf[128];
    size_t lw = strlen(what), lt = strlen(s->tag), lr = strlen(rest);

    if (3 + lw + lt + lr > sizeof(buf)) {
        s->failed = 1;
        return;
    }
    memcpy(buf, "cb:", 3);
    memcpy(buf + 3, what, lw);
    memcpy(buf + 3 + lw, s->tag, lt);
    memcpy(buf + 3 + lw + lt, rest, lr);
    cb_step_arg(s, l, buf, 3 + lw + lt + lr);
}

/* ---------------------------------------------------- lists of writes */

void cb_step_outbox(cb_step *s, const char *type, const char *key,
                    size_t key_len, const void *v, size_t v_len)
{
    wlist *l = &s->outbox;

    cb_step_str(s, l, key ? "3" : "2");
    cb_step_str(s, l, "t");
    cb_step_str(s, l, type);
    if (key) {
        cb_step_str(s, l, "k");
        cb_step_arg(s, l, key, key_len);
    }
    cb_step_str(s, l, "v");
    cb_step_arg(s, l, v, v_len);
}

/* The list a late write goes in.  Writes of one opcode to one family of
 * the partition's keys (the lead buckets, the timer buckets...) go in a
 * group of their own, which cb_step_append_commit orders by key, so that
 * commit.lua makes one call of the writes to each key; within a step no
 * two writes of a group touch one field. */
static wlist *late_list(cb_step *s, const char *op, const char *what)
{
    for (int g = 0; g < G_COUNT; g++)
        if (strcmp(op, groups[g].op) == 0 &&
            strcmp(what, groups[g].what) == 0)
            return &s->grouped[g];
    return &s->late;
}

/* A late write of one argument: op key f. */
void cb_step_write2(cb_step *s, const char *op, const char *what,
                    const char *rest, const void *f, size_t flen)
{
    wlist *l = late_list(s, op, what);

    cb_step_str(s, l, op);
    cb_step_key(s, l, what, rest);
    cb_step_arg(s, l, f, flen);
}

/* A late write of two arguments: op key a b. */
void cb_step_write3(cb_step *s, const char *op, const char *what,
                    const char *rest, const void *a, size_t alen,
                    const void *b, size_t blen)
{
    wlist *l = late_list(s, op, what);

    cb_step_str(s, l, op);
    cb_step_key(s, l, what, rest);
    cb_step_arg(s, l, a, alen);
    cb_step_arg(s, l, b, blen);
}

/* A number as text, for a score or an offset. */
size_t cb_step_fmt_int(char *buf, size_t size, int64_t v)
{
    int n = snprintf(buf, size, "%" PRId64, v);
    return n < 0 ? 0 : (size_t)n;
}

/* ------------------------------------------------------------- commit */

/* Arguments after the key of one write of an opcode (commit.lua's W). */
static int op_width(char op)
{
    if (op == 'H' || op == 'Z' || op == 'L')
        return 2;
    return op == 'D' || op == 'R' ? 1 : 0;
}

/* At most this many arguments in one run: commit.lua unpacks a run onto
 * Lua's stack, which holds some 8,000. */
#define RUN_ARGS 2000

/* What put_runs puts: every run whole, or only each run's key. */
enum { RUNS_WHOLE, RUNS_KEYS };

/* Puts l's writes as commit.lua takes them (RUNS_WHOLE), or the key of
 * each run (RUNS_KEYS), or only counts (w NULL).  A write is "op key args"
 * in l; commit.lua takes runs "op key m" followed by the arguments of m
 * writes of that opcode to that key, so that it makes one call of them
 * without a loop of its own.  Writes side by side with one opcode and one
 * key join a run.  Returns the arguments put (whole) or keys (RUNS_KEYS),
 * or -1 for a write that is not whole. */
static long put_runs(const cb_step *s, const wlist *l, cb_resp *w, int what)
{
    const char *base = s->arena.data;
    long nargs = 0, nkeys = 0;
    size_t i = 0;

    while (i < l->n) {
        if (i + 2 >= l->n || l->v[i].len != 1)
            return -1;
        char op = base[l->v[i].off];
        const warg *key = &l->v[i + 1];
        size_t m = 1, width, end;
        if ((width = (size_t)op_width(op)) == 0 || i + 2 + width > l->n)
            return -1;
        end = i + 2 + width;
        while (end + 2 + width <= l->n && (m + 1) * width <= RUN_ARGS &&
               l->v[end].len == 1 && base[l->v[end].off] == op &&
               l->v[end + 1].len == key->len &&
               memcmp(base + l->v[end + 1].off, base + key->off,
                      key->len) == 0) {
            m++;
            end += 2 + width;
        }
        if (w && what == RUNS_KEYS) {
            cb_resp_arg(w, base + key->off, key->len);
        } else if (w) {
            char num[24];
            cb_resp_arg(w, &op, 1);
            cb_resp_arg(w, base + key->off, key->len);
            cb_resp_arg(w, num,
                        cb_step_fmt_int(num, sizeof(num), (int64_t)m));
            for (size_t k = i; k < end; k += 2 + width)
                for (size_t a = 0; a < width; a++)
                    cb_resp_arg(w, base + l->v[k + 2 + a].off,
                                l->v[k + 2 + a].len);
        }
        nargs += (long)(3 + m * width);
        nkeys++;
        i = end;
    }
    return what == RUNS_KEYS ? nkeys : nargs;
}

size_t cb_step_outbox_message_end(const redisReply *fields, size_t from)
{
    size_t n = fields->elements & ~(size_t)1, to = from + 2;

    while (to < n && strcmp(fields->element[to]->str, "t") != 0)
        to += 2;
    return to < n ? to : n;
}

const redisReply *cb_step_outbox_field(const redisReply *fields, size_t from,
                                       size_t to, const char *name)
{
    for (size_t f = from; f + 1 < to; f += 2)
        if (strcmp(fields->element[f]->str, name) == 0)
            return fields->element[f + 1];
    return NULL;
}

/* The field pairs of the outbox message whose count is at v[i], or 0 for
 * one that is not whole. */
static size_t message_pairs(const cb_step *s, size_t i)
{
    const warg *c = &s->outbox.v[i];
    size_t pairs = 0;

    for (size_t k = 0; k < c->len; k++)
        pairs = pairs * 10 + (size_t)(s->arena.data[c->off + k] - '0');
    return i + 1 + 2 * pairs <= s->outbox.n ? pairs : 0;
}

/* Puts the step's outbox messages as X runs of commit.lua on the
 * partition's outbox, as many messages an entry as a run holds
 * (RUNS_WHOLE), or the key of each run (RUNS_KEYS), or only counts (w
 * NULL).  Returns the arguments put (whole) or runs (RUNS_KEYS), or -1
 * for a message that is not whole. */
static long put_outbox(const cb_step *s, cb_resp *w, int what)
{
    const warg *v = s->outbox.v;
    long nargs = 0, nruns = 0;
    size_t i = 0;

    while (i < s->outbox.n) {
        size_t end = i, pairs = 0, p;
        while (end < s->outbox.n && (p = message_pairs(s, end)) > 0 &&
               (pairs == 0 || 2 * (pairs + p) <= RUN_ARGS)) {
            pairs += p;
            end += 1 + 2 * p;
        }
        if (pairs == 0)
            return -1;
        if (w) {
            if (what == RUNS_WHOLE) {
                char num[24];
                cb_resp_str(w, "X");
                cb_resp_cat(w, "cb:out:", s->tag, NULL);
                cb_resp_arg(w, num,
                            cb_step_fmt_int(num, sizeof(num), (int64_t)pairs));
                /* the messages' fields, without their counts */
                for (size_t k = i, mp; k < end; k += 1 + 2 * mp) {
                    mp = message_pairs(s, k);
                    for (size_t a = k + 1; a <= k + 2 * mp; a++)
                        cb_resp_arg(w, s->arena.data + v[a].off, v[a].len);
                }
            } else {
                cb_resp_cat(w, "cb:out:", s->tag, NULL);
            }
        }
        nargs += (long)(3 + 2 * pairs);
        nruns++;
        i = end;
    }
    return what == RUNS_KEYS ? nruns : nargs;
}

/* A write of a group, for sorting: its key and where it was. */
typedef struct keyed {
    const char *key;
    size_t len, at;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);

    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Orders a group's writes (all of one opcode, so of one width) by key,
 * keeping their order within a key: writes to one bucket side by side
 * make one run.  Returns 0, or -1 out of memory or for a list that is
 * not whole writes. */
static int sort_group(cb_step *s, wlist *l)
{
    size_t rec, n;
    keyed *k;
    warg *v;

    if (l->n == 0)
        return 0;
    if (l->v[0].len != 1)
        return -1;
    rec = 2 + (size_t)op_width(s->arena.data[l->v[0].off]);
    if (rec == 2 || l->n % rec != 0)
        return -1;
    n = l->n / rec;
    k = malloc(n * sizeof(*k));
    v = malloc(l->n * sizeof(*v));
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].key = s->arena.data + l->v[i * rec + 1].off;
        k[i].len = l->v[i * rec + 1].len;
        k[i].at = i;
    }
    qsort(k, n, sizeof(*k), keyed_cmp);
    for (size_t i = 0; i < n; i++)
        memcpy(&v[i * rec], &l->v[k[i].at * rec], rec * sizeof(*v));
    free(l->v);
    free(k);
    l->v = v;
    l->cap = l->n;
    return 0;
}

int cb_step_append_commit(cb_step *s, cb_redis *r, const cb_redis_script *sc)
{
    cb_resp *w = &s->out;
    const wlist *lists[3 + G_COUNT] = {&s->early, &s->states, &s->late};
    long n = 2, nkeys = 0;
    const char *ver = "0";
    size_t ver_len = 1;
    char num[24];

    for (int g = 0; g < G_COUNT; g++) {
        if (sort_group(s, &s->grouped[g]) != 0)
            return -1;
        lists[3 + g] = &s->grouped[g];
    }
    for (size_t k = 0; k < 3 + G_COUNT; k++) {
        long c = put_runs(s, lists[k], NULL, RUNS_WHOLE);
        if (c < 0)
            return -1;
        n += c;
        if (s->a.cluster)
            nkeys += put_runs(s, lists[k], NULL, RUNS_KEYS);
    }
    long c = put_outbox(s, NULL, RUNS_WHOLE);
    if (c < 0)
        return -1;
    n += c;
    if (s->a.cluster)
        nkeys += put_outbox(s, NULL, RUNS_KEYS);
    if (s->version != NULL && s->version->type == REDIS_REPLY_STRING) {
        ver = s->version->str;
        ver_len = s->version->len;
    }
    /* EVALSHA sha numkeys cb:v:{pN} [keys written] version runs...: on a
     * cluster the keys are declared, so that a node refuses the commit
     * before it runs when one of them is not its own (a slot moving) */
    cb_resp_reset(w);
    cb_resp_begin(w, 3 + (size_t)nkeys + (size_t)n);
    cb_resp_str(w, "EVALSHA");
    cb_resp_arg(w, sc->sha, 40);
    cb_resp_arg(w, num, cb_step_fmt_int(num, sizeof(num), 1 + nkeys));
    cb_resp_cat(w, "cb:v:", s->tag, NULL);
    for (size_t k = 0; nkeys > 0 && k < 3 + G_COUNT; k++)
        put_runs(s, lists[k], w, RUNS_KEYS);
    if (nkeys > 0)
        put_outbox(s, w, RUNS_KEYS);
    cb_resp_arg(w, ver, ver_len);
    for (size_t k = 0; k < 3 + G_COUNT; k++)
        put_runs(s, lists[k], w, RUNS_WHOLE);
    put_outbox(s, w, RUNS_WHOLE);
    if (w->failed)
        return -1;
    return cb_redis_append_raw(r, w->buf.data, w->buf.len);
}
