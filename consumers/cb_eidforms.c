/* cb_eidforms.c -- a store's table of event-id forms, in memory
 * (cb_eidforms.h).  A few forms at most in practice: lookups walk the
 * table, the last hit first. */
#include <stdlib.h>
#include <string.h>

#include "cb_eidforms.h"

#define DIGITS_MAX 18 /* as cb_pack_eid splits ids */
#define ASKED_MAX 16  /* forms the hook was asked for in vain, remembered */

typedef struct form {
    unsigned char digits; /* 0: the entry names no form */
    unsigned char plen;
    char prefix[CB_EIDFORMS_PREFIX_MAX];
} form;

struct cb_eidforms {
    form forms[CB_EIDFORMS_MAX];
    size_t n;
    size_t last; /* the index found last */
    cb_eidforms_miss_fn *fn;
    void *opaque;
    form asked[ASKED_MAX]; /* asked for, not given, since the last set */
    size_t nasked;
};

cb_eidforms *cb_eidforms_new(void)
{
    return calloc(1, sizeof(cb_eidforms));
}

void cb_eidforms_free(cb_eidforms *t)
{
    free(t);
}

void cb_eidforms_on_miss(cb_eidforms *t, cb_eidforms_miss_fn *fn,
                         void *opaque)
{
    t->fn = fn;
    t->opaque = opaque;
}

/* Whether an index can name the form: its entry is text (no NUL), and
 * its prefix has no digit: one that has (a date, as the timers' ids
 * "timer:2022-04-18" have) would make a form a month. */
static int nameable(const char *prefix, size_t plen, unsigned digits)
{
    if (digits < 1 || digits > DIGITS_MAX || plen > CB_EIDFORMS_PREFIX_MAX)
        return 0;
    for (size_t i = 0; i < plen; i++)
        if (prefix[i] == '\0' || (prefix[i] >= '0' && prefix[i] <= '9'))
            return 0;
    return 1;
}

static void form_set(form *f, const char *prefix, size_t plen,
                     unsigned digits)
{
    f->digits = (unsigned char)digits;
    f->plen = (unsigned char)plen;
    memcpy(f->prefix, prefix, plen);
}

static int form_is(const form *f, const char *prefix, size_t plen,
                   unsigned digits)
{
    return f->digits == digits && f->plen == plen &&
           memcmp(f->prefix, prefix, plen) == 0;
}

/* One list entry into *f (digits 0 when it names no form). */
static void parse_entry(const char *s, size_t len, form *f)
{
    size_t i = 0;
    unsigned d = 0;

    f->digits = 0;
    while (i < len && i < 2 && s[i] >= '0' && s[i] <= '9')
        d = d * 10 + (unsigned)(s[i++] - '0');
    if (i == 0 || i >= len || s[i] != ':' || (i == 2 && s[0] == '0') ||
        !nameable(s + i + 1, len - i - 1, d))
        return;
    form_set(f, s + i + 1, len - i - 1, d);
}

void cb_eidforms_set(cb_eidforms *t, const char *const *entries,
                     const size_t *lens, size_t n)
{
    if (n > CB_EIDFORMS_MAX)
        n = CB_EIDFORMS_MAX;
    for (size_t i = 0; i < n; i++)
        parse_entry(entries[i], lens[i], &t->forms[i]);
    t->n = n;
    t->last = 0;
    t->nasked = 0;
}

int cb_eidforms_add(cb_eidforms *t, const char *prefix, size_t plen,
                    unsigned digits)
{
    if (t->n >= CB_EIDFORMS_MAX || !nameable(prefix, plen, digits))
        return -1;
    form_set(&t->forms[t->n], prefix, plen, digits);
    return (int)t->n++;
}

static int find(cb_eidforms *t, const char *prefix, size_t plen,
                unsigned digits)
{
    if (t->last < t->n && form_is(&t->forms[t->last], prefix, plen, digits))
        return (int)t->last;
    for (size_t i = 0; i < t->n; i++)
        if (form_is(&t->forms[i], prefix, plen, digits)) {
            t->last = i;
            return (int)i;
        }
    return -1;
}

int cb_eidforms_code(cb_eidforms *t, const char *prefix, size_t plen,
                     unsigned digits)
{
    char entry[CB_EIDFORMS_ENTRY_SIZE];
    int c = find(t, prefix, plen, digits);

    if (c >= 0 || t->fn == NULL || t->n >= CB_EIDFORMS_MAX ||
        cb_eidforms_entry(prefix, plen, digits, entry) != 0)
        return c;
    for (size_t i = 0; i < t->nasked; i++)
        if (form_is(&t->asked[i], prefix, plen, digits))
            return -1;
    t->fn(t, entry, t->opaque);
    if ((c = find(t, prefix, plen, digits)) < 0 && t->nasked < ASKED_MAX)
        form_set(&t->asked[t->nasked++], prefix, plen, digits);
    return c;
}

int cb_eidforms_form(cb_eidforms *t, unsigned code, const char **prefix,
                     size_t *plen, unsigned *digits)
{
    if (code >= t->n && t->fn != NULL && code < CB_EIDFORMS_MAX)
        t->fn(t, NULL, t->opaque);
    if (code >= t->n || t->forms[code].digits == 0)
        return -1;
    *prefix = t->forms[code].prefix;
    *plen = t->forms[code].plen;
    *digits = t->forms[code].digits;
    return 0;
}

size_t cb_eidforms_count(const cb_eidforms *t)
{
    return t->n;
}

int cb_eidforms_entry(const char *prefix, size_t plen, unsigned digits,
                      char out[CB_EIDFORMS_ENTRY_SIZE])
{
    size_t i = 0;

    if (!nameable(prefix, plen, digits))
        return -1;
    if (digits >= 10)
        out[i++] = (char)('0' + digits / 10);
    out[i++] = (char)('0' + digits % 10);
    out[i++] = ':';
    memcpy(out + i, prefix, plen);
    out[i + plen] = '\0';
    return 0;
}
