/* cb_buf.c -- the growable byte buffer (cb_buf.h): doubles as it grows. */
#include <stdlib.h>
#include <string.h>

#include "cb_buf.h"

void cb_buf_free(cb_buf *buf)
{
    if (buf == NULL)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

int cb_buf_grow(cb_buf *buf, size_t more)
{
    size_t cap = buf->cap ? buf->cap : 64;
    char *d;

    if (more <= buf->cap - buf->len)
        return 0;
    while (cap < buf->len + more)
        cap *= 2;
    d = realloc(buf->data, cap);
    if (d == NULL)
        return -1;
    buf->data = d;
    buf->cap = cap;
    return 0;
}
