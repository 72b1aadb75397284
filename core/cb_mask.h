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
 * cb_mask_id would. */
void cb_mask_ids_in_text(char *s, size_t len);

#endif
