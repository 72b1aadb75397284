/* cb_ident.c -- resident ID numbers (GB 11643-1999, and the legacy
 * 15-digit form) and unified social credit codes (GB 32100-2015): check
 * characters, validation, the 18-character form of a legacy number. */
#include "cb_ident.h"

#include "cb_time.h"

#include <string.h>

/* The earliest birth date canbao takes from an ID number. */
#define PERSON_BIRTH_MIN_YEAR 1900

/* A legacy number's birth year is 19YY: this is the 19. */
#define LEGACY_CENTURY "19"

/* The USCC characters in the order of their values 0..30. */
#define USCC_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"

/* ---------------------------------------------------------------- errors */

const char *cb_ident_strerror(cb_ident_err err)
{
    switch (err) {
    case CB_IDENT_OK:
        return "valid";
    case CB_IDENT_LENGTH:
        return "not 18 characters long (nor 15 digits, for a resident "
               "number where the legacy form is taken)";
    case CB_IDENT_CHARSET:
        return "character outside the identifier's alphabet";
    case CB_IDENT_BIRTH_DATE:
        return "birth date is not a real date from 1900-01-01 on (in "
               "19YY for a 15-digit number)";
    case CB_IDENT_CHECK:
        return "wrong check character";
    }
    return "unknown identifier error";
}

const char *cb_ident_reason(cb_ident_err err)
{
    switch (err) {
    case CB_IDENT_OK:
        return "ok";
    case CB_IDENT_LENGTH:
        return "id_length";
    case CB_IDENT_CHARSET:
        return "id_charset";
    case CB_IDENT_BIRTH_DATE:
        return "id_birth_date";
    case CB_IDENT_CHECK:
        return "id_check";
    }
    return "id_unknown";
}

/* ---------------------------------------------------------------- person */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ISO 7064 MOD 11-2: the weights are 2^(17-i) mod 11 for position i, and
 * the check character is the value that brings the weighted sum to 1
 * (mod 11). */
char cb_ident_person_check_char(const char *body17)
{
    static const int weight[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                   3, 7, 9,  10, 5, 8, 4, 2};
    static const char check[11] = {'1', '0', 'X', '9', '8', '7',
                                   '6', '5', '4', '3', '2'};
    int sum = 0;

    for (int i = 0; i < 17; i++)
        sum += (body17[i] - '0') * weight[i];
    return check[sum % 11];
}

cb_ident_err cb_ident_check_person(const char *id, size_t len, int32_t *birth)
{
    int32_t born, earliest;

    if (id == NULL || len != CB_IDENT_LEN)
        return CB_IDENT_LENGTH;
    for (size_t i = 0; i < 17; i++) {
        if (!is_digit(id[i]))
            return CB_IDENT_CHARSET;
    }
    if (!is_digit(id[17]) && id[17] != 'X')
        return CB_IDENT_CHARSET;
    earliest = cb_date_from_ymd(PERSON_BIRTH_MIN_YEAR, 1, 1);
    if (cb_date_parse_compact(id + 6, 8, &born) != 0 || born < earliest)
        return CB_IDENT_BIRTH_DATE;
    if (cb_ident_person_check_char(id) != id[17])
        return CB_IDENT_CHECK;
    if (birth != NULL)
        *birth = born;
    return CB_IDENT_OK;
}

/* A legacy number: 15 digits, YYMMDD a real date of 19YY.  The 18
 * characters go to out (NUL-terminated) and the date to *born. */
static cb_ident_err legacy_to_18(const char *id, char *out, int32_t *born)
{
    for (size_t i = 0; i < CB_IDENT_LEGACY_LEN; i++) {
        if (!is_digit(id[i]))
            return CB_IDENT_CHARSET;
    }
    memcpy(out, id, 6);
    memcpy(out + 6, LEGACY_CENTURY, 2);
    memcpy(out + 8, id + 6, CB_IDENT_LEGACY_LEN - 6);
    if (cb_date_parse_compact(out + 6, 8, born) != 0)
        return CB_IDENT_BIRTH_DATE;
    out[17] = cb_ident_person_check_char(out);
    out[18] = '\0';
    return CB_IDENT_OK;
}

cb_ident_err cb_ident_person_canonical(const char *id, size_t len,
                                       char out[CB_IDENT_LEN + 1],
                                       int32_t *birth)
{
    char tmp[CB_IDENT_LEN + 1];
    int32_t born = CB_DATE_NONE;
    cb_ident_err err;

    out[0] = '\0';
    if (id != NULL && len == CB_IDENT_LEGACY_LEN) {
        err = legacy_to_18(id, tmp, &born);
    } else {
        err = cb_ident_check_person(id, len, &born);
        if (err == CB_IDENT_OK) {
            memcpy(tmp, id, CB_IDENT_LEN);
            tmp[CB_IDENT_LEN] = '\0';
        }
    }
    if (err != CB_IDENT_OK)
        return err;
    memcpy(out, tmp, sizeof(tmp));
    if (birth != NULL)
        *birth = born;
    return CB_IDENT_OK;
}

int cb_ident_person_is_male(const char *id)
{
    /* an 18-character number has a digit at 15, a legacy one its end */
    int last = id[CB_IDENT_LEGACY_LEN] == '\0' ? CB_IDENT_LEGACY_LEN - 1
                                                : 16;
    return (id[last] - '0') % 2;
}

/* ---------------------------------------------------------------- USCC */

/* The value 0..30 of a character of the USCC alphabet, or -1. */
static int uscc_value(char c)
{
    static const char alphabet[] = USCC_ALPHABET;
    const char *p;

    if (c == '\0')
        return -1;
    p = strchr(alphabet, c);
    return p == NULL ? -1 : (int)(p - alphabet);
}

/* Weights are 3^(i-1) mod 31 for position i; the check character makes the
 * weighted sum of all 18 a multiple of 31. */
char cb_ident_uscc_check_char(const char *body17)
{
    static const char alphabet[] = USCC_ALPHABET;
    static const int weight[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                   29, 25, 13, 8,  24, 10, 30, 28};
    int sum = 0;

    for (int i = 0; i < 17; i++)
        sum += uscc_value(body17[i]) * weight[i];
    return alphabet[(31 - sum % 31) % 31];
}

cb_ident_err cb_ident_check_uscc(const char *code, size_t len)
{
    if (code == NULL || len != CB_IDENT_LEN)
        return CB_IDENT_LENGTH;
    for (size_t i = 0; i < CB_IDENT_LEN; i++) {
        if (uscc_value(code[i]) < 0)
            return CB_IDENT_CHARSET;
    }
    if (cb_ident_uscc_check_char(code) != code[17])
        return CB_IDENT_CHECK;
    return CB_IDENT_OK;
}
