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

int cb_buf_append(cb_buf *buf, const void *data, size_t len)
{
    if (buf->len + len > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 64;
        char *d;
        while (cap < buf->len + len)
            cap *= 2;
        d = realloc(buf->data, cap);
        if (d == NULL)
            return -1;
        buf->data = d;
        buf->cap = cap;
    }
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}
