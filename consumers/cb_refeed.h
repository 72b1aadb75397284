/* cb_refeed.h -- the value of an outbox "F" entry: a corrected suspect
 * (docs/RULES.md 9.3, "Correcting") that the publisher re-produces into
 * its feed topic with the candidate's number (cb_outbox.c).
 *
 * Packed as the other outbox values (cb_pack.h):
 *   u8 kind | str1 number | str1 written | str1 review_id | str1 file |
 *   i8 line | str2 record
 * where str1 is a u8 length and the bytes, str2 a u16 length and the
 * bytes. */
#ifndef CB_REFEED_H
#define CB_REFEED_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_pack.h"

typedef struct cb_refeed {
    int kind;          /* cb_kind: the feed */
    cb_str number;     /* the candidate's 18-digit number: the new key */
    cb_str written;    /* the number as written */
    cb_str review_id;  /* "R" + 16 hex */
    cb_str file;       /* the dead letter's file */
    int64_t line;      /* and line */
    const char *record; /* the feed-topic value, number as written */
    size_t record_len;  /* (at most 65535 bytes) */
} cb_refeed;

/* Packs r into out, replacing its contents.  Returns 0, or -1 out of
 * memory or when the record is longer than 65535 bytes or kind is not a
 * feed. */
int cb_refeed_pack(const cb_refeed *r, cb_buf *out);

/* Reads what cb_refeed_pack packed.  The cb_str fields are copied into
 * *r; record points into p, valid as long as p is.  Returns 0, or -1 for
 * bytes cut short, followed by more, or naming no feed. */
int cb_refeed_unpack(const void *p, size_t n, cb_refeed *r);

#endif
