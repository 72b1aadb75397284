/* cb_validate.h -- what a single field cannot check: how the fields of a
 * feed record agree with each other, with the clock and with the township
 * table.
 *
 * cb_field_parse (cb_record.h) has already checked each field on its own
 * (identifiers, dates, enums, required fields).  These checks come after,
 * in this order, and the first that fails is the record's reason:
 *
 *   future_date          a date field (birth, establishment, death,
 *                        valid_from) after today (UTC+08:00, with the skew)
 *   future_time          occurred_at more than the skew in the future
 *   birth_date_mismatch  household birth_date differs from the ID's
 *   sex_mismatch         household sex differs from the ID's 17th digit
 *   death_before_birth   date_of_death before the ID's birth date
 *   bad_range            assistance valid_to before valid_from
 *   missing_field        a field the record's action needs (enrollment:
 *                        register_employer needs uscc; enroll and stop
 *                        need person_id and scheme; contribute needs
 *                        person_id, scheme, period, amount_fen, paid_by, and
 *                        subsidy_tier when the government pays; benefit
 *                        needs person_id, scheme, period, amount_fen;
 *                        business: an individual business needs
 *                        legal_rep_id)
 *   unexpected_field     a field that contradicts the action (a
 *                        register_employer row naming a person)
 *   unknown_township     a township code the loaded table does not have
 *
 * Pure: no I/O, the clock comes in the context. */
#ifndef CB_VALIDATE_H
#define CB_VALIDATE_H

#include <stdint.h>

#include "cb_record.h"
#include "cb_townships.h"

#define CB_VALIDATE_SKEW_MS (5 * 60 * 1000) /* default clock skew */

typedef struct cb_validate_ctx {
    int64_t now_ms;                /* the clock, ms since the epoch */
    int64_t skew_ms;               /* how far ahead a time may be */
    const cb_townships *townships; /* NULL: codes are not looked up */
} cb_validate_ctx;

/* Returns 0, or -1 with *err filled (reason, field, a sentence without
 * personal data). */
int cb_validate_record(cb_kind kind, const void *rec,
                       const cb_validate_ctx *ctx, cb_field_error *err);

/* As cb_validate_record for a record whose person's number (the field
 * cb_person_field names) was refused and is kept as written: the checks
 * that need a valid number (birth_date_mismatch, sex_mismatch,
 * death_before_birth) are skipped, the others made.  What decides whether
 * a refused record is a suspect (docs/RULES.md 9.3). */
int cb_validate_record_but_number(cb_kind kind, const void *rec,
                                  const cb_validate_ctx *ctx,
                                  cb_field_error *err);

#endif
