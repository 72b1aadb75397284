/* cb_reviewrec.h -- the packed review item: how the matcher stores a
 * review item (docs/RULES.md 9.3; a field of cb:rev:{pN}, keyed by the
 * review id's 16 hex digits), and the item as the cells of a line of
 * `canbao reviews`.  One encoder, one decoder.  Review items go to no
 * Kafka topic: the store is where they are read.
 *
 * Layout (little endian, cb_pack.h):
 *   u8  kind            cb_review_kind
 *   u8  status          cb_review_status
 *   u8-length string    subject id (the 18-digit number)
 *   u8-length string    other id ("" for name_mismatch, death_unconfirmed)
 *   i6  township        the township code as a number, 0 when none
 *   u8-length string    the register name
 *   u8-length string    the other name, as its evidence row of the
 *                       smallest event id writes it
 *   u16-length string   evidence: event ids, one space between
 *   i8  raised          ms since the epoch: when the item first appeared
 *   i8  resolved        ms since the epoch: when it was decided,
 *                       CB_TIME_NONE while open
 *   i8  amount          the amount at risk in fen (duplicate_identity);
 *                       only when not 0: an item without it ends above
 * and nothing after. */
#ifndef CB_REVIEWREC_H
#define CB_REVIEWREC_H

#include <stddef.h>
#include <stdint.h>

#include "cb_codec.h"
#include "cb_pack.h"
#include "cb_record.h"

#define CB_REVIEWREC_EVIDENCE_MAX 65535 /* bytes of evidence a u16 holds */

/* A review item as stored. */
typedef struct cb_reviewrec {
    int kind;   /* cb_review_kind */
    int status; /* cb_review_status */
    cb_str subject_id, other_id;
    int64_t township;
    cb_str register_name, other_name;
    const char *evidence; /* not owned: into the decoded bytes, or the
                             caller's */
    size_t evidence_len;
    int64_t raised, resolved; /* ms; resolved CB_TIME_NONE while open */
    int64_t amount;           /* fen at risk, 0 for most kinds */
} cb_reviewrec;

/* Packs r into out (replacing its contents).  Returns 0, or -1 out of
 * memory or for evidence longer than CB_REVIEWREC_EVIDENCE_MAX. */
int cb_reviewrec_encode(const cb_reviewrec *r, cb_buf *out);

/* Reads a packed review item; r->evidence points into v.  Returns 0, or -1
 * when a field is missing or bytes follow the last. */
int cb_reviewrec_decode(const char *v, size_t len, cb_reviewrec *r);

/* Which items a list shows (canbao reviews, the workbench's queue): of
 * one township (its code as text; NULL: any), kind and status (-1:
 * any). */
typedef struct cb_review_filter {
    const char *township;
    int kind, status;
} cb_review_filter;

/* Whether the filter keeps item r. */
int cb_review_filter_keeps(const cb_review_filter *f, const cb_reviewrec *r);

/* The columns of `canbao reviews` (docs/COMMANDS.md), in their order. */
#define CB_REVIEW_COLUMNS 11
extern const char *const cb_review_columns[CB_REVIEW_COLUMNS];

/* The CSV has the first CB_REVIEW_CSV_COLUMNS of them (the columns other
 * programs read, up to resolved_at); the table and JSON add the amount at
 * risk (amount_at_risk_fen). */
#define CB_REVIEW_CSV_COLUMNS 10

/* Room for the cells of one item (cb_reviewrec_cells). */
#define CB_REVIEW_CELLS_SIZE (CB_REVIEWREC_EVIDENCE_MAX + 3072)

/* The text of an item under cb_review_columns: its id "R" + id_digits,
 * its symbols, township code, names "register|other", times as the lead
 * CSV writes them (empty while open); with mask, ID numbers keep their
 * first 6 characters and each name its first (cb_mask.h).  cells point
 * into buf, which holds CB_REVIEW_CELLS_SIZE bytes. */
void cb_reviewrec_cells(const cb_reviewrec *r, const char *id_digits,
                        int mask, char *buf, const char **cells);

#endif
