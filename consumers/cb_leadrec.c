/* cb_leadrec.c -- the packed lead (cb_leadrec.h): written by the step
 * that changes a lead, read back by the next step, by the lead commands,
 * the workbench and the matcher's lead topic. */
#include <string.h>

#include "cb_leadrec.h"
#include "cb_time.h"

#define CLOSED_NONE 255 /* the closed byte of a lead not closed */

int cb_leadrec_encode(const cb_leadrec *l, cb_buf *out)
{
    cb_pack w;

    out->len = 0;
    cb_pack_init(&w, out);
    cb_pack_bytes(&w, l->id, CB_LEADREC_ID_DIGITS);
    cb_pack_int(&w, l->kind, 1);
    cb_pack_int(&w, l->reason, 1);
    cb_pack_int(&w, l->priority, 1);
    cb_pack_int(&w, l->status, 1);
    cb_pack_int(&w, l->closed >= 0 ? l->closed : CLOSED_NONE, 1);
    cb_pack_int(&w, l->township, 6);
    cb_pack_int(&w, l->opened, 3);
    cb_pack_int(&w, l->closed_at, 3);
    cb_pack_str(&w, l->subject_id.s, l->subject_id.len, 1);
    cb_pack_str(&w, l->source.s, l->source.len, 1);
    cb_pack_str(&w, l->name.s, l->name.len, 1);
    return w.failed ? -1 : 0;
}

int cb_leadrec_decode(const char *v, size_t len, cb_leadrec *l)
{
    cb_unpack r;
    const char *id;
    int closed;

    cb_unpack_init(&r, v, len);
    if ((id = cb_unpack_bytes(&r, CB_LEADREC_ID_DIGITS)) == NULL)
        return -1;
    memcpy(l->id, id, CB_LEADREC_ID_DIGITS);
    l->id[CB_LEADREC_ID_DIGITS] = '\0';
    l->kind = (int)cb_unpack_uint(&r, 1);
    l->reason = (int)cb_unpack_uint(&r, 1);
    l->priority = (int)cb_unpack_uint(&r, 1);
    l->status = (int)cb_unpack_uint(&r, 1);
    closed = (int)cb_unpack_uint(&r, 1);
    l->closed = closed == CLOSED_NONE ? -1 : closed;
    l->township = cb_unpack_int(&r, 6);
    l->opened = (int32_t)cb_unpack_int(&r, 3);
    l->closed_at = (int32_t)cb_unpack_int(&r, 3);
    cb_unpack_str(&r, 1, &l->subject_id);
    cb_unpack_str(&r, 1, &l->source);
    cb_unpack_str(&r, 1, &l->name);
    return r.failed ? -1 : 0;
}

int cb_leadrec_to_lead(const cb_leadrec *l, cb_lead *out)
{
    cb_record_clear(CB_KIND_LEAD, out);
    out->lead_id[0] = 'L';
    memcpy(out->lead_id + 1, l->id, CB_LEADREC_ID_DIGITS + 1);
    out->subject_kind = l->kind;
    out->reason = l->reason;
    out->priority = l->priority;
    out->status = l->status;
    if (cb_str_to_text(&l->subject_id, out->subject_id,
                       sizeof(out->subject_id)) != 0 ||
        cb_str_to_text(&l->source, out->source_event_id,
                       sizeof(out->source_event_id)) != 0 ||
        cb_str_to_text(&l->name, out->name, sizeof(out->name)) != 0)
        return -1;
    cb_code_to_text(l->township, out->township_code,
                    sizeof(out->township_code));
    out->opened_at = cb_time_of_date(l->opened);
    if (l->closed >= 0) {
        out->closed_reason = l->closed;
        out->closed_at = cb_time_of_date(l->closed_at);
    }
    return 0;
}
