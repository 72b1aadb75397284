/* cb_decisionrec.h -- the packed team decision: how the matcher stores a
 * township team's decision on a lead (a field of cb:dec:{pN}, keyed by the
 * lead id's 16 hex digits), for the steps that re-evaluate the lead and
 * for those who show it.  One encoder, one decoder.
 *
 * Layout (little endian, cb_pack.h):
 *   u8  decision       cb_decision
 *   i3  day            the day it was taken (days since 1970-01-01)
 *   u16-length string  the reason the team gave (up to
 *                      CB_DECISION_WHY_MAX bytes when cb_ops_decide made
 *                      it)
 * and nothing after. */
#ifndef CB_DECISIONREC_H
#define CB_DECISIONREC_H

#include <stddef.h>
#include <stdint.h>

#include "cb_codec.h"
#include "cb_record.h"

typedef struct cb_decisionrec {
    int decision; /* cb_decision */
    int32_t day;
    const char *why; /* not owned: into the decoded bytes, or the
                        caller's; why_len bytes, no NUL */
    size_t why_len;
} cb_decisionrec;

/* Packs d into out (replacing its contents).  Returns 0, or -1 out of
 * memory or for a reason longer than 65535 bytes. */
int cb_decisionrec_encode(const cb_decisionrec *d, cb_buf *out);

/* Reads a packed decision; d->why points into v.  Returns 0, or -1 when a
 * field is missing or bytes follow the reason.  The decision's value is
 * not checked (cb_decision_symbol says whether it is one). */
int cb_decisionrec_decode(const char *v, size_t len, cb_decisionrec *d);

#endif
