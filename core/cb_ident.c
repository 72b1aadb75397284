/* cb_ident.c -- resident ID numbers (GB 11643-1999) and unified social
 * credit codes (GB 32100-2015): check characters, validation. */
#include "cb_ident.h"

#include "cb_time.h"

#include <string.h>

/* The earliest birth date canbao takes from an ID number. */
#define PERSON_BIRTH_MIN_YEAR 1900

/* The USCC characters in the order of their values 0..30. */
#define USCC_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"

/* ---------------------------------------------------------------- errors */

const char *cb_ident_strerror(cb_ident_err err)
{
    switch (err) {
    case CB_IDENT_OK:
        return "valid";
    case CB_IDENT_LENGTH:
        return "not 18 characters long";
    case CB_IDENT_CHARSET:
        return "character outside the identifier's alphabet";
    case CB_IDENT_BIRTH_DATE:
        return "birth date is not a real date from 1900-01-01 on";
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

int cb_ident_person_is_male(const char *id)
{
    return (id[16] - '0') % 2;
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
