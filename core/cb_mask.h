/* cb_mask.h -- personal data hidden from whoever does not need it: ID
 * numbers, persons' names, and ID numbers inside free text (a dead letter's
 * raw record).  Lists, exports, logs and pages show masked values unless
 * the reader is entitled to the whole (CONTRACT.md: --unmasked, a lead's
 * own page).  Pure functions over caller buffers. */
#ifndef CB_MASK_H
#define CB_MASK_H

#include <stddef.h>

#define CB_MASK_BUFSZ 64

/* Masks an ID number: the first 6 and last 4 characters of an
 * 18-character number stay, the 8 between become '*'
 * ("320923********1234").  Other text is masked whole but for its first two
 * characters, so that a malformed number never leaks either; only
 * printable ASCII is ever shown, and only the first CB_MASK_BUFSZ - 1
 * bytes are looked at.  out must hold CB_MASK_BUFSZ bytes; it is always
 * NUL-terminated (empty for a NULL id). */
void cb_mask_id(const char *id, char *out);

/* Masks a person's name: its first character (the family name, as a
 * Chinese name is written) stays and every further character becomes one
 * '*': "王建国" -> "王**".  Text that is not valid UTF-8 becomes one '*'
 * per byte.  Writes at most outsz bytes, NUL included. */
void cb_mask_name(const char *name, char *out, size_t outsz);

/* Masks, in place, every run of exactly 18 characters of [0-9A-Z] that
 * holds a digit (what an ID number or a USCC looks like) inside text, as
 * cb_mask_id would; and any 18 characters anywhere, even inside a longer
 * word, that pass the check of a resident ID or a USCC (found by
 * fuzz/fuzz_ident.c: "...002Xm0" showed a whole number). */
void cb_mask_ids_in_text(char *s, size_t len);

/* Masks, in place, the Chinese names a raw record may hold: in every run
 * of CJK ideographs (UTF-8, U+4E00..U+9FFF) each character after the first
 * becomes one '*', so the text gets shorter.  Returns the new length.  It cannot tell a person's
 * name from a township's or a firm's, so it masks them all: for text
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
