/* cb_mask.h -- personal data hidden from whoever does not need it: ID
 * numbers, persons' names, and ID numbers inside free text (a dead letter's
 * raw record).  Lists, exports, logs and pages show masked values unless
 * the reader is entitled to the whole (docs/SECURITY.md: --unmasked, a lead's
 * own page).  Pure functions over caller buffers. */
#ifndef CB_MASK_H
#define CB_MASK_H

#include <stddef.h>

#define CB_MASK_BUFSZ 64

/* Masks an ID number.  A resident's number (18 characters, or the 15
 * digits of the legacy form) keeps its first 6, the area that issued it:
 * "320923************".  A unified social credit code, which is public,
 * keeps its first 6 and last 4: "913209********123G".  Other text is masked
 * whole but for its first two characters, so that a malformed number never
 * leaks either (docs/SECURITY.md, "Masks", says why); only
 * printable ASCII is ever shown, and only the first CB_MASK_BUFSZ - 1
 * bytes are looked at.  out must hold CB_MASK_BUFSZ bytes; it is always
 * NUL-terminated (empty for a NULL id). */
void cb_mask_id(const char *id, char *out);

/* Masks a person's name: its first character (the family name, as a
 * Chinese name is written) stays and every further character becomes one
 * '*': "王建国" -> "王**".  Text that is not valid UTF-8 becomes one '*'
 * per byte.  Writes at most outsz bytes, NUL included. */
void cb_mask_name(const char *name, char *out, size_t outsz);

/* Masks, in place and keeping the length, every ID number inside free text
 * (a decision's note, a dead letter's raw record), however it is written:
 * digits and capitals ASCII or full-width, x or X, with spaces, tabs,
 * hyphens, dashes or ideographic spaces between them.  A run of such
 * characters that is 18 long (with a digit) or 15 long is masked as
 * cb_mask_id masks its plain form; inside any longer run, every 18
 * characters that pass the check of a resident's number or a USCC, and
 * every 15 digits shaped like a legacy number, are masked too.  A masked
 * character becomes '*', a full-width one U+FF0A. */
void cb_mask_ids_in_text(char *s, size_t len);

/* Masks, in place, the Chinese names a raw record may hold: in every run
 * of CJK ideographs (UTF-8, U+4E00..U+9FFF) each character after the first
 * becomes one '*', so the text gets shorter.  Returns the new length.  It
 * cannot tell a person's name from a township's or a firm's, so it masks
 * them all: for text
 * whose fields are unknown (a dead letter's raw bytes), over-masking is
 * the safe side. */
size_t cb_mask_han_in_text(char *s, size_t len);

/* What masking does to a field of a record. */
typedef enum cb_mask_kind {
    CB_MASK_NONE = 0,
    CB_MASK_ID,  /* an ID number or USCC: cb_mask_id */
    CB_MASK_NAME /* a person's name: cb_mask_name */
} cb_mask_kind;

/* Every resident-ID and USCC field is an ID, and so is a lead's or an
 * alert's subject_id; every person-name field is a name, and so is a
 * lead's name when its subject is a person (an employer's name is public).
 * kind is a cb_kind, f a field of it, rec the record. */
struct cb_field;
cb_mask_kind cb_mask_field_kind(int kind, const struct cb_field *f,
                                const void *rec);

/* Writes the masked form of a field's text into out (outsz bytes). */
void cb_mask_field(int kind, const struct cb_field *f, const void *rec,
                   const char *text, char *out, size_t outsz);

#endif
