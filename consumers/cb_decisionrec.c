/* cb_decisionrec.c -- the packed team decision (cb_decisionrec.h):
 * written by the step that applies a decision op, read by the steps that
 * re-evaluate the lead and by the workbench that shows it. */
#include "cb_decisionrec.h"
#include "cb_pack.h"

int cb_decisionrec_encode(const cb_decisionrec *d, cb_buf *out)
{
    cb_pack w;

    out->len = 0;
    cb_pack_init(&w, out);
    cb_pack_int(&w, d->decision, 1);
    cb_pack_int(&w, d->day, 3);
    cb_pack_str(&w, d->why ? d->why : "", d->why_len, 2);
    return w.failed ? -1 : 0;
}

int cb_decisionrec_decode(const char *v, size_t len, cb_decisionrec *d)
{
    cb_unpack r;

    cb_unpack_init(&r, v, len);
    d->decision = (int)cb_unpack_uint(&r, 1);
    d->day = (int32_t)cb_unpack_int(&r, 3);
    d->why_len = (size_t)cb_unpack_uint(&r, 2);
    d->why = cb_unpack_bytes(&r, d->why_len);
    return cb_unpack_done(&r);
}
