/* cb_alertrec.h -- the packed alert: how the matcher stores an alert (a
 * field of cb:alert:{pN}, keyed by the alert id's 16 hex digits) and sends
 * it to the alert topic (an 'A' or 'X' entry of the outbox).  One encoder,
 * one decoder, and the alert as a cb_alert record for those who list
 * alerts.
 *
 * Layout (little endian, cb_pack.h):
 *   u8  kind            cb_alert_kind
 *   u8-length string    subject id
 *   i6  township        the township code as a number, 0 while unknown
 *   u8-length string    period: "YYYY-MM", "YYYY" or ""
 *   i6  amount          fen at risk
 *   u16-length string   evidence: event ids, one space between
 *   f8  raised          ms since the epoch, a double in the host's byte
 *                       order (the first matcher's Lua packed it so; every
 *                       host canbao runs on is little endian)
 * Bytes after `raised` are not read. */
#ifndef CB_ALERTREC_H
#define CB_ALERTREC_H

#include <stddef.h>
#include <stdint.h>

#include "cb_codec.h"
#include "cb_pack.h"
#include "cb_record.h"

#define CB_ALERTREC_EVIDENCE_MAX 65535 /* bytes of evidence a u16 holds */

/* An alert as stored. */
typedef struct cb_alertrec {
    int kind; /* cb_alert_kind */
    cb_str subject_id, period;
    int64_t township, amount;
    const char *evidence; /* not owned: into the decoded bytes */
    size_t evidence_len;
    double raised;
} cb_alertrec;

/* Packs a into out (replacing its contents).  Returns 0, or -1 out of
 * memory or for evidence longer than CB_ALERTREC_EVIDENCE_MAX. */
int cb_alertrec_encode(const cb_alertrec *a, cb_buf *out);

/* Reads a packed alert; a->evidence points into v.  Returns 0, or -1 when
 * a field is missing. */
int cb_alertrec_decode(const char *v, size_t len, cb_alertrec *a);

/* The stored alert as a record of the alert topic's schema, its id "A" +
 * id_digits (the hash field); evidence points where a's does.  Returns 0,
 * or -1 when a string does not fit the record's buffers. */
int cb_alertrec_to_alert(const cb_alertrec *a, const char *id_digits,
                         cb_alert *out);

#endif
