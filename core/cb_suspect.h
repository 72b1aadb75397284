/* cb_suspect.h -- suspects (docs/RULES.md 9.3): feed records refused at the
 * door for a person's number alone, which the dead-letter topic carries
 * whole (the dead letter's `record`), and which a reviewer's `correct`
 * re-produces with the candidate's number.
 *
 * The producer side is in the feed reader (cb_feed_item.suspect) and
 * `canbao produce`; here is what the matcher needs: a suspect read back
 * from its dead letter, and its record given another number. */
#ifndef CB_SUSPECT_H
#define CB_SUSPECT_H

#include <stddef.h>

#include "cb_buf.h"
#include "cb_codec.h"
#include "cb_record.h"

/* A suspect (docs/RULES.md 9.3): a feed record refused for a person's
 * number, every other field valid.  Its pointers point into its own rec:
 * a copy made with memcpy points into the original. */
typedef struct cb_suspect {
    cb_kind kind;               /* its feed */
    cb_record rec;              /* the record, the number as written */
    char number[CB_ID_SIZE];    /* the number as written (18 characters) */
    const char *name;           /* the row's name of the person, into rec ("" none) */
    const char *event_id;       /* into rec */
    const char *township_code;  /* into rec, "" when none */
} cb_suspect;

/* The suspect of a dead letter: 1 with *s filled when dl is one (its
 * record field present, feed one of the five, reason id_check,
 * id_birth_date or id_charset on the feed's person-number field, a
 * name given), 0 when dl is not a suspect, -1 with errstr when its
 * record does not decode.  An enrollment row names nobody: its dead
 * letter is never a suspect.  dl's spans stay valid (the record decodes
 * into another kind's memory of the codec); s holds no pointer into the
 * codec. */
int cb_suspect_from_deadletter(cb_codec *codec, const cb_deadletter *dl,
                               cb_suspect *s, char *errstr, size_t errstr_size);

/* Puts number (18 characters) in the record's person-number field; the
 * number as written stays in s->number.  Returns 0, or -1 when number is
 * not 18 characters. */
int cb_suspect_set_number(cb_suspect *s, const char *number);

/* A feed-topic value of kind (value, len bytes: Avro single-object
 * encoding) with number (18 characters) put in its person-number field,
 * encoded again into out (replacing its contents): a corrected suspect's
 * record.  The record keeps its event id and every other field.  Returns
 * 0, or -1 with errstr when the value does not decode, is not a kind
 * record, or number is not 18 characters. */
int cb_suspect_renumber(cb_codec *codec, cb_kind kind, const void *value,
                        size_t len, const char *number, cb_buf *out,
                        char *errstr, size_t errstr_size);

#endif
