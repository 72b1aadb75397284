/* cb_record_json.h -- records as JSON objects (jansson): what `canbao tail`,
 * `canbao avro` and the JSON outputs print, and what JSON Lines feeds are
 * read with.
 *
 * One key per field of the kind's table (cb_record.h), with the field's
 * name.  Values:
 *   string, text   a JSON string
 *   enum           its symbol, "employee_pension"
 *   date           "YYYY-MM-DD"
 *   time           ISO 8601 in UTC+08:00, as cb_time_format writes it
 *   long           a JSON integer
 *   bool           true / false
 *   bytes          a string in base64 (RFC 4648, standard alphabet, padded)
 * An absent optional field has no key at all.
 *
 * Reading goes through cb_field_parse, so a JSON feed is validated exactly
 * as a CSV feed is. */
#ifndef CB_RECORD_JSON_H
#define CB_RECORD_JSON_H

#include <jansson.h>

#include "cb_record.h"

/* Flags of cb_record_to_json.  CB_JSON_MASK masks personal data
 * (cb_mask.h): every resident-ID and USCC field and the subject_id of leads
 * and alerts (cb_mask_id), persons' names (cb_mask_name; a lead's name when
 * its subject is a person), and anything that looks like an ID number
 * inside text and bytes fields such as a dead letter's raw record. */
#define CB_JSON_MASK 0x1

/* A new JSON object for the record (the struct of `kind`); the caller owns
 * the reference.  Text that is not valid UTF-8 is written with U+FFFD in
 * place of the bad bytes.  Returns NULL when out of memory or for an
 * unknown kind. */
json_t *cb_record_to_json(cb_kind kind, const void *rec, int flags);

/* Fills rec (the struct of `kind`, cleared first) from a JSON object.
 * Each field's value may be a string, a number or (for a bool field) a
 * boolean; it is turned into the field's text form and handed to
 * cb_field_parse, so the checks are those of the CSV path.  null and a
 * missing key mean absent (an error for a required field).  Unknown keys
 * are ignored.  TEXT views point into obj, which must outlive rec.  A kind
 * with a BYTES field (deadletter) needs cb_record_from_json_owned; here
 * such a field is refused.  A suspect's number (cb_field_keep_written) is
 * kept as written and the other fields read on: when they all parse, the
 * refusal is the number's with err->written set.  Returns 0, or -1 with
 * *err filled. */
int cb_record_from_json(cb_kind kind, const json_t *obj, void *rec,
                        cb_field_error *err);

/* As cb_record_from_json, and also decodes BYTES fields from base64 into
 * one block of memory stored in *owned (NULL when there was nothing to
 * decode), which the caller frees with free() once rec is no longer used
 * -- on failure too. */
int cb_record_from_json_owned(cb_kind kind, const json_t *obj, void *rec,
                              void **owned, cb_field_error *err);

#endif
