/* cb_buf.h -- a growable byte buffer: what the codec encodes into, the
 * packed states and ops are built in, Redis commands are written into and
 * HTTP bodies are gathered in.  Nothing Avro about it.
 *
 * The caller owns the struct and its memory: a zeroed cb_buf is empty and
 * ready, .data holds .len bytes (not NUL-terminated) in .cap allocated,
 * and cb_buf_free (or free(.data)) releases it.  Code that reuses a
 * buffer sets .len to 0 and keeps the memory. */
#ifndef CB_BUF_H
#define CB_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct cb_buf {
    char *data;
    size_t len;
    size_t cap;
} cb_buf;

/* Frees the memory and empties the buffer; NULL is fine. */
void cb_buf_free(cb_buf *buf);

/* Makes room for more bytes after .len (.cap grows, doubling).  Returns
 * 0, or -1 out of memory (the buffer unchanged). */
int cb_buf_grow(cb_buf *buf, size_t more);

/* Appends len bytes, growing the buffer.  Returns 0, or -1 out of memory
 * (the buffer unchanged).  Inline: the packed states and ops are built a
 * few bytes at a time, and a call for each cost the matcher more than
 * the bytes did. */
static inline int cb_buf_append(cb_buf *buf, const void *data, size_t len)
{
    if (len > buf->cap - buf->len && cb_buf_grow(buf, len) != 0)
        return -1;
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}

#endif
