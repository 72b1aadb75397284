/* cb_leadrec.h -- the packed lead: how the matcher stores a subject's
 * lead (a field of cb:lead:{pN}:<b>, keyed by the subject) and sends it to
 * the lead topic (an 'L' entry of the outbox).  One encoder, one decoder,
 * and the lead as a cb_lead record for those who list leads.
 *
 * Layout 1, whole (little endian, cb_pack.h): what the outbox carries,
 * and what a lead bucket held before 2026-12-03 (still read):
 *   c16 id            the lead id's 16 hex digits (without its 'L')
 *   u8  kind          cb_subject_kind
 *   u8  reason        cb_lead_reason
 *   u8  priority      cb_priority
 *   u8  status        cb_lead_status
 *   u8  closed        cb_closed_reason, 255 while not closed
 *   i6  township      the township code as a number
 *   i3  opened        day (days since 1970-01-01, UTC+08:00)
 *   i3  closed_at     day, -1 while not closed
 *   u8-length strings: subject id, source (source_event_id), name
 * Bytes after the name are not read.
 *
 * Layout 2, kept (a lead bucket's value; its field is the subject's key,
 * which gives the subject id, so the value leaves it out):
 *   u8  2             (a byte no hex digit is: the layouts tell apart)
 *   c8  id            the 16 hex digits as 8 bytes
 *   u8  kind, reason, priority, status, closed   as above
 *   svar township     less the codes of the subject's county (a
 *                     person's number's first six digits, a USCC's
 *                     third to eighth, times 1,000; 0 when not digits)
 *   i3  opened, i3 closed_at
 *   u8-length strings: source, name
 * About 30 bytes fewer a lead.  Still read; written for a lead that
 * layout 3 cannot hold (none the rules make).
 *
 * Layout 3, kept compactly (what a lead bucket's value is since
 * the evening of 2026-12-04):
 *   u8  3
 *   c8  id            as layout 2
 *   uvar kind + 2 * (priority + 2 * (closed + 1 + 6 * (status + 4 *
 *                     reason))): the five small fields, 2 bytes
 *   svar township     as layout 2
 *   i3  opened
 *   [uvar closed_at - opened]   when closed
 *   eid source        cb_pack_eid (with the store's event-id forms)
 *   text name         cb_pack_text
 * About 17 bytes fewer than layout 2 a lead. */
#ifndef CB_LEADREC_H
#define CB_LEADREC_H

#include <stddef.h>
#include <stdint.h>

#include "cb_codec.h"
#include "cb_eidforms.h"
#include "cb_pack.h"
#include "cb_record.h"

#define CB_LEADREC_ID_DIGITS 16

/* A lead as stored. */
typedef struct cb_leadrec {
    char id[CB_LEADREC_ID_DIGITS + 1]; /* hex digits, NUL-terminated */
    int kind;      /* cb_subject_kind */
    int reason;    /* cb_lead_reason */
    int priority;  /* cb_priority */
    int status;    /* cb_lead_status */
    int closed;    /* cb_closed_reason, -1 while not closed */
    int64_t township;
    int32_t opened, closed_at; /* days; closed_at -1 while not closed */
    cb_str subject_id, source, name;
} cb_leadrec;

/* Packs l into out (replacing its contents): layout 1 (whole) when
 * whole, else layout 3 (as a lead bucket keeps it; layout 2 for a lead
 * it cannot hold), its source with forms (the store's event-id forms,
 * cb_eidforms.h, or NULL).  Returns 0, or -1 out of memory or for an id
 * that is not 16 lower-case hex digits (layouts 2 and 3). */
int cb_leadrec_encode(cb_eidforms *forms, const cb_leadrec *l, int whole,
                      cb_buf *out);

/* Reads a packed lead of any layout.  subject (len bytes, the subject
 * id as text) is the subject of a kept lead, the field it is kept under;
 * NULL reads layout 1 only.  forms: as cb_leadrec_encode's.  Returns 0,
 * or -1 when a field is missing. */
int cb_leadrec_decode(cb_eidforms *forms, const char *v, size_t len,
                      const char *subject, size_t subject_len,
                      cb_leadrec *l);

/* The stored lead as a record of the lead topic's schema ("L" + id,
 * township code as text, days as 00:00 UTC+08:00).  Returns 0, or -1
 * when a string does not fit the record's buffers. */
int cb_leadrec_to_lead(const cb_leadrec *l, cb_lead *out);

#endif
