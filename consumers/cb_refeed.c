/* cb_refeed.c -- outbox "F" entries packed and read (cb_refeed.h). */
#include <string.h>

#include "cb_record.h"
#include "cb_refeed.h"

int cb_refeed_pack(const cb_refeed *r, cb_buf *out)
{
    cb_pack w;

    if (r->kind < 0 || r->kind >= CB_FEED_COUNT)
        return -1;
    out->len = 0;
    cb_pack_init(&w, out);
    cb_pack_int(&w, r->kind, 1);
    cb_pack_str(&w, r->number.s, r->number.len, 1);
    cb_pack_str(&w, r->written.s, r->written.len, 1);
    cb_pack_str(&w, r->review_id.s, r->review_id.len, 1);
    cb_pack_str(&w, r->file.s, r->file.len, 1);
    cb_pack_int(&w, r->line, 8);
    cb_pack_str(&w, r->record, r->record_len, 2);
    return w.failed ? -1 : 0;
}

int cb_refeed_unpack(const void *p, size_t n, cb_refeed *r)
{
    cb_unpack u;

    memset(r, 0, sizeof(*r));
    cb_unpack_init(&u, p, n);
    r->kind = (int)cb_unpack_uint(&u, 1);
    cb_unpack_str(&u, 1, &r->number);
    cb_unpack_str(&u, 1, &r->written);
    cb_unpack_str(&u, 1, &r->review_id);
    cb_unpack_str(&u, 1, &r->file);
    r->line = cb_unpack_int(&u, 8);
    r->record_len = (size_t)cb_unpack_uint(&u, 2);
    r->record = cb_unpack_bytes(&u, r->record_len);
    if (u.failed || r->kind >= CB_FEED_COUNT) {
        r->record = NULL;
        r->record_len = 0;
        return -1;
    }
    return cb_unpack_done(&u);
}
