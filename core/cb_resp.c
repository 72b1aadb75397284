/* cb_resp.c -- RESP commands into a buffer (cb_resp.h). */
#include <string.h>

#include "cb_resp.h"

void cb_resp_reset(cb_resp *w)
{
    w->buf.len = 0;
    w->failed = 0;
}

void cb_resp_free(cb_resp *w)
{
    cb_buf_free(&w->buf);
    w->failed = 0;
}

size_t cb_resp_itoa(int64_t v, char *out)
{
    char tmp[24];
    size_t n = 0, len = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        out[len++] = '-';
    while (n > 0)
        out[len++] = tmp[--n];
    return len;
}

static void put(cb_resp *w, const void *p, size_t len)
{
    if (!w->failed && cb_buf_append(&w->buf, p, len) != 0)
        w->failed = 1;
}

/* A header: '*' or '$', a count, CRLF. */
static void head(cb_resp *w, char c, size_t n)
{
    char tmp[32];
    size_t len = 1;

    tmp[0] = c;
    len += cb_resp_itoa((int64_t)n, tmp + 1);
    tmp[len++] = '\r';
    tmp[len++] = '\n';
    put(w, tmp, len);
}

void cb_resp_begin(cb_resp *w, size_t nargs)
{
    head(w, '*', nargs);
}

void cb_resp_arg(cb_resp *w, const void *p, size_t len)
{
    head(w, '$', len);
    put(w, p, len);
    put(w, "\r\n", 2);
}

void cb_resp_str(cb_resp *w, const char *s)
{
    cb_resp_arg(w, s, strlen(s));
}

void cb_resp_int(cb_resp *w, int64_t v)
{
    char tmp[24];

    cb_resp_arg(w, tmp, cb_resp_itoa(v, tmp));
}

void cb_resp_cat(cb_resp *w, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;

    head(w, '$', la + lb + lc);
    put(w, a, la);
    put(w, b, lb);
    put(w, c, lc);
    put(w, "\r\n", 2);
}
