/* cb_pack.c -- little-endian fields of packed records (cb_pack.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_pack.h"

int cb_str_cmp(const cb_str *a, const cb_str *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);

    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

int cb_str_to_text(const cb_str *s, char *buf, size_t size)
{
    if ((size_t)s->len >= size) {
        if (size > 0)
            buf[0] = '\0';
        return -1;
    }
    memcpy(buf, s->s, s->len);
    buf[s->len] = '\0';
    return 0;
}

void cb_code_to_text(int64_t code, char *buf, size_t size)
{
    int n = -1;

    if (code > 0 && code <= INT64_C(999999999999))
        n = snprintf(buf, size, "%" PRId64, code);
    if (n < 0 || (size_t)n >= size)
        buf[0] = '\0';
}

void cb_pack_str(cb_pack *w, const void *p, size_t n, int lenbytes)
{
    if (n >> (8 * lenbytes) != 0) {
        w->failed = 1;
        return;
    }
    cb_pack_int(w, (int64_t)n, lenbytes);
    cb_pack_bytes(w, p, n);
}

void cb_unpack_str(cb_unpack *r, int lenbytes, cb_str *out)
{
    size_t n = (size_t)cb_unpack_uint(r, lenbytes);
    const char *p = cb_unpack_bytes(r, n);

    out->len = 0;
    if (p == NULL || n > sizeof(out->s)) {
        r->failed = 1;
        return;
    }
    memcpy(out->s, p, n);
    out->len = (uint8_t)n;
}

int cb_unpack_room(cb_unpack *r, size_t n, size_t each)
{
    if (r->failed || n > (size_t)(r->end - r->p) / each) {
        r->failed = 1;
        return 0;
    }
    return 1;
}

int cb_unpack_done(const cb_unpack *r)
{
    return r->failed || r->p != r->end ? -1 : 0;
}
