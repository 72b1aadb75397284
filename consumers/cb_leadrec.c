/* cb_leadrec.c -- the packed lead (cb_leadrec.h): written by the step
 * that changes a lead (kept in its bucket, whole in the outbox), read back
 * by the next step, by the lead commands, the workbench and the matcher's
 * lead topic. */
#include <stdint.h>
#include <string.h>

#include "cb_eidforms.h"
#include "cb_idkey.h"
#include "cb_leadrec.h"
#include "cb_time.h"

#define CLOSED_NONE 255 /* the closed byte of a lead not closed */

#define KEPT 2 /* layout 2's first byte */
#define KEPT_COMPACT 3 /* layout 3's */

/* Layout 3's one varint for the five small fields: kind, priority,
 * closed + 1, status and reason in a mixed radix, the first least
 * significant.  A lead whose fields do not fit the radixes (none the
 * rules make) keeps layout 2. */
#define R_KIND     2
#define R_PRIORITY 2
#define R_CLOSED   (CB_CLOSED_INVALID + 2) /* -1 (not closed) to INVALID */
#define R_STATUS   CB_LEAD_STATUS_COUNT
#define R_REASON   CB_LEAD_REASON_COUNT

static int compact_fits(const cb_leadrec *l)
{
    return l->kind >= 0 && l->kind < R_KIND && l->priority >= 0 &&
           l->priority < R_PRIORITY && l->closed >= -1 &&
           l->closed + 1 < R_CLOSED && l->status >= 0 &&
           l->status < R_STATUS && l->reason >= 0 && l->reason < R_REASON &&
           (l->closed >= 0 || l->closed_at == -1) &&
           (l->closed < 0 || l->closed_at >= l->opened);
}

static uint64_t compact_fields(const cb_leadrec *l)
{
    return (uint64_t)l->kind +
           R_KIND * ((uint64_t)l->priority +
                     R_PRIORITY * ((uint64_t)(l->closed + 1) +
                                   R_CLOSED * ((uint64_t)l->status +
                                               R_STATUS *
                                                   (uint64_t)l->reason)));
}

/* The five fields of layout 3's varint v into *l; -1 when v is past
 * what the radixes hold. */
static int compact_read(uint64_t v, cb_leadrec *l)
{
    l->kind = (int)(v % R_KIND);
    v /= R_KIND;
    l->priority = (int)(v % R_PRIORITY);
    v /= R_PRIORITY;
    l->closed = (int)(v % R_CLOSED) - 1;
    v /= R_CLOSED;
    l->status = (int)(v % R_STATUS);
    v /= R_STATUS;
    if (v >= R_REASON)
        return -1;
    l->reason = (int)v;
    return 0;
}

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

/* Layout 3 into w: as layout 2, the five small fields in one varint,
 * closed_at only when closed (as days after opened), the source packed
 * as an event id (cb_pack_eid, with the store's forms) and the name as
 * text (cb_pack_text). */
static void encode_compact(cb_pack *w, const cb_leadrec *l,
                           const unsigned char raw[CB_ID_DIGITS / 2])
{
    cb_pack_int(w, KEPT_COMPACT, 1);
    cb_pack_bytes(w, raw, CB_ID_DIGITS / 2);
    cb_pack_uvar(w, compact_fields(l));
    cb_pack_svar_from(w, l->township,
                      county_base(l->kind, l->subject_id.s,
                                  l->subject_id.len));
    cb_pack_int(w, l->opened, 3);
    if (l->closed >= 0)
        cb_pack_uvar(w, (uint64_t)(l->closed_at - l->opened));
    cb_pack_eid(w, l->source.s, l->source.len, NULL, 0);
    cb_pack_text(w, l->name.s, l->name.len);
}

int cb_leadrec_encode(cb_eidforms *forms, const cb_leadrec *l, int whole,
                      cb_buf *out)
{
    cb_pack w;

    out->len = 0;
    cb_pack_init(&w, out);
    w.forms = forms;
    if (!whole && compact_fits(l)) {
        unsigned char raw[CB_ID_DIGITS / 2];
        if (cb_id_to_bytes(l->id, raw) != 0)
            return -1;
        encode_compact(&w, l, raw);
        return w.failed ? -1 : 0;
    }
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
        cb_pack_svar_from(&w, l->township,
                          county_base(l->kind, l->subject_id.s,
                                      l->subject_id.len));
    cb_pack_int(&w, l->opened, 3);
    cb_pack_int(&w, l->closed_at, 3);
    if (whole)
        cb_pack_str(&w, l->subject_id.s, l->subject_id.len, 1);
    cb_pack_str(&w, l->source.s, l->source.len, 1);
    cb_pack_str(&w, l->name.s, l->name.len, 1);
    return w.failed ? -1 : 0;
}

/* Reads layout 3 (after its first byte) into *l. */
static int decode_compact(cb_unpack *r, const char *subject,
                          size_t subject_len, cb_leadrec *l)
{
    const char *id = cb_unpack_bytes(r, CB_ID_DIGITS / 2);

    if (id == NULL || compact_read(cb_unpack_uvar(r), l) != 0)
        return -1;
    cb_id_from_bytes((const unsigned char *)id, l->id);
    l->id[CB_LEADREC_ID_DIGITS] = '\0';
    memcpy(l->subject_id.s, subject, subject_len);
    l->subject_id.len = (uint8_t)subject_len;
    l->township = cb_unpack_svar_from(r, county_base(l->kind, subject,
                                                     subject_len));
    l->opened = (int32_t)cb_unpack_int(r, 3);
    l->closed_at = -1;
    if (l->closed >= 0) {
        uint64_t d = cb_unpack_uvar(r);
        if (d > INT32_MAX - (uint64_t)(l->opened > 0 ? l->opened : 0))
            return -1;
        l->closed_at = (int32_t)(l->opened + (int64_t)d);
    }
    cb_unpack_eid(r, NULL, 0, &l->source);
    cb_unpack_text(r, &l->name);
    return r->failed || cb_unpack_done(r) != 0 ? -1 : 0;
}

int cb_leadrec_decode(cb_eidforms *forms, const char *v, size_t len,
                      const char *subject, size_t subject_len,
                      cb_leadrec *l)
{
    cb_unpack r;
    const char *id;
    unsigned first = len > 0 ? (unsigned char)v[0] : 0;
    int closed, kept = first == KEPT;

    cb_unpack_init(&r, v, len);
    r.forms = forms;
    if (first == KEPT || first == KEPT_COMPACT) {
        if (subject == NULL || subject_len > sizeof(l->subject_id.s))
            return -1;
        (void)cb_unpack_uint(&r, 1);
        if (first == KEPT_COMPACT)
            return decode_compact(&r, subject, subject_len, l);
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
        l->township = cb_unpack_svar_from(&r, county_base(l->kind, subject,
                                                          subject_len));
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
