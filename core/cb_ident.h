/* cb_ident.h -- the two identifiers canbao keys everything on, validated at
 * the door (cb_mask.h masks them on the way out).
 *
 *  - Resident ID number (公民身份号码), GB 11643-1999: 6 digits of the
 *    registering region, 8 digits of birth date (YYYYMMDD), 3 digits of
 *    sequence (odd for men, even for women), and a check character computed
 *    with ISO 7064 MOD 11-2 (0..9 or X).  Numbers issued before 1999 have
 *    the legacy 15-digit form: the region, the birth date as YYMMDD (in
 *    19YY), the sequence, no check character.  A legacy number *is* the
 *    18-digit number made from it (docs/RULES.md 9.1), which
 *    cb_ident_person_canonical gives.
 *  - Unified social credit code (统一社会信用代码), GB 32100-2015: 18
 *    characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (the digits and the
 *    capitals without I, O, Z, S, V), the last a MOD 31 check character.
 *
 * Pure functions over caller buffers: no allocation, no global state. */
#ifndef CB_IDENT_H
#define CB_IDENT_H

#include <stddef.h>
#include <stdint.h>

#define CB_IDENT_LEN 18 /* both identifiers are 18 characters */
#define CB_IDENT_LEGACY_LEN 15 /* a resident number issued before 1999 */

typedef enum cb_ident_err {
    CB_IDENT_OK = 0,
    CB_IDENT_LENGTH,     /* not 18 characters (nor 15, where the legacy
                            form is taken) */
    CB_IDENT_CHARSET,    /* a character outside the identifier's alphabet */
    CB_IDENT_BIRTH_DATE, /* resident ID: digits 7-14 are not a real date,
                            or one before 1900-01-01; a legacy number:
                            digits 7-12 are not a real date in 19YY */
    CB_IDENT_CHECK       /* the check character does not match (an
                            18-character number only) */
} cb_ident_err;

/* A short English phrase for the error ("wrong check character", ...). */
const char *cb_ident_strerror(cb_ident_err err);

/* A stable token for the error, used as a rejection reason in dead letters
 * and metrics: "ok", "id_length", "id_charset", "id_birth_date",
 * "id_check". */
const char *cb_ident_reason(cb_ident_err err);

/* The check character ('0'-'9' or 'X') of the first 17 characters of a
 * resident ID, which must be digits (the caller checks). */
char cb_ident_person_check_char(const char *body17);

/* Validates a resident ID of len bytes in its 18-character form only (a
 * legacy number is CB_IDENT_LENGTH here).  A lower-case 'x' is refused: the
 * standard writes a capital X and canbao keys on the exact text.  On success
 * and if birth is not NULL, stores the birth date (days since 1970-01-01). */
cb_ident_err cb_ident_check_person(const char *id, size_t len,
                                   int32_t *birth);

/* The 18-character form of a resident number as written, len bytes:
 *  - 18 characters are validated as cb_ident_check_person does and copied;
 *  - 15 are a legacy number: 15 digits (else CB_IDENT_CHARSET) whose YYMMDD
 *    is a real date of 19YY (else CB_IDENT_BIRTH_DATE), which becomes the
 *    region, 19, YYMMDD, the sequence and the check character computed over
 *    those 17 digits;
 *  - any other length is CB_IDENT_LENGTH.
 * On success out holds the 18 characters and a NUL, and birth, when not
 * NULL, the birth date; on failure out is the empty string.  out may not
 * overlap id. */
cb_ident_err cb_ident_person_canonical(const char *id, size_t len,
                                       char out[CB_IDENT_LEN + 1],
                                       int32_t *birth);

/* 1 for a man, 0 for a woman, from the last digit of the sequence of a
 * number already validated: the 17th character of an 18-character ID, the
 * 15th of a legacy number (which must then end there, with a NUL). */
int cb_ident_person_is_male(const char *id);

/* The check character of the first 17 characters of a USCC, which must be
 * from the USCC alphabet (the caller checks). */
char cb_ident_uscc_check_char(const char *body17);

/* Validates a unified social credit code of len bytes. */
cb_ident_err cb_ident_check_uscc(const char *code, size_t len);

#endif
