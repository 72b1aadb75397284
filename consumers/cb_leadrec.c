/* cb_leadrec.c -- the packed lead (cb_leadrec.h): written by the step
 * that changes a lead (kept in its bucket, whole in the outbox), read back
 * by the next step, by the lead commands, the workbench and the matcher's
 * lead topic. */
#include <string.h>

#include "cb_idkey.h"
#include "cb_leadrec.h"
#include "cb_time.h"

#define CLOSED_NONE 255 /* the closed byte of a lead not closed */

#define KEPT 2 /* layout 2's first byte */

_Static_assert(CB_LEADREC_ID_DIGITS == CB_ID_DIGITS,
               "a lead's id digits are an id's (cb_id_to_bytes)");

/* The first township code of the county a subject id names (layout 2):
 * a person's number's first six digits, a USCC's third to eighth; 0 when
 * they are not digits. */
static int64_t county_base(int kind, const char *id, size_t len)
{
    size_t at = kind == CB_SUBJECT_EMPLOYER ? 2 : 0;

    return len < at + 6 ? 0 : cb_code_county_base(id + at);
}

int cb_leadrec_encode(const cb_leadrec *l, int whole, cb_buf *out)
{
    cb_pack w;

    out->len = 0;
    cb_pack_init(&w, out);
    if (whole) {
        cb_pack_bytes(&w, l->id, CB_LEADREC_ID_DIGITS);
    } else {
        unsigned char raw[CB_ID_DIGITS / 2];
        if (cb_id_to_bytes(l->id, raw) != 0)
            return -1;
        cb_pack_int(&w, KEPT, 1);
        cb_pack_bytes(&w, raw, sizeof(raw));
    }
    cb_pack_int(&w, l->kind, 1);
    cb_pack_int(&w, l->reason, 1);
    cb_pack_int(&w, l->priority, 1);
    cb_pack_int(&w, l->status, 1);
    cb_pack_int(&w, l->closed >= 0 ? l->closed : CLOSED_NONE, 1);
    if (whole)
        cb_pack_int(&w, l->township, 6);
    else
        cb_pack_svar(&w, l->township - county_base(l->kind, l->subject_id.s,
                                                   l->subject_id.len));
    cb_pack_int(&w, l->opened, 3);
    cb_pack_int(&w, l->closed_at, 3);
    if (whole)
        cb_pack_str(&w, l->subject_id.s, l->subject_id.len, 1);
    cb_pack_str(&w, l->source.s, l->source.len, 1);
    cb_pack_str(&w, l->name.s, l->name.len, 1);
    return w.failed ? -1 : 0;
}

int cb_leadrec_decode(const char *v, size_t len, const char *subject,
                      size_t subject_len, cb_leadrec *l)
{
    cb_unpack r;
    const char *id;
    int closed, kept = len > 0 && (unsigned char)v[0] == KEPT;

    cb_unpack_init(&r, v, len);
    if (kept) {
        if (subject == NULL || subject_len > sizeof(l->subject_id.s))
            return -1;
        (void)cb_unpack_uint(&r, 1);
        if ((id = cb_unpack_bytes(&r, CB_ID_DIGITS / 2)) == NULL)
            return -1;
        cb_id_from_bytes((const unsigned char *)id, l->id);
    } else {
        if ((id = cb_unpack_bytes(&r, CB_LEADREC_ID_DIGITS)) == NULL)
            return -1;
        memcpy(l->id, id, CB_LEADREC_ID_DIGITS);
    }
    l->id[CB_LEADREC_ID_DIGITS] = '\0';
    l->kind = (int)cb_unpack_uint(&r, 1);
    l->reason = (int)cb_unpack_uint(&r, 1);
    l->priority = (int)cb_unpack_uint(&r, 1);
    l->status = (int)cb_unpack_uint(&r, 1);
    closed = (int)cb_unpack_uint(&r, 1);
    l->closed = closed == CLOSED_NONE ? -1 : closed;
    if (kept) {
        memcpy(l->subject_id.s, subject, subject_len);
        l->subject_id.len = (uint8_t)subject_len;
        l->township = county_base(l->kind, subject, subject_len) +
                      cb_unpack_svar(&r);
    } else {
        l->township = cb_unpack_int(&r, 6);
    }
    l->opened = (int32_t)cb_unpack_int(&r, 3);
    l->closed_at = (int32_t)cb_unpack_int(&r, 3);
    if (!kept)
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
