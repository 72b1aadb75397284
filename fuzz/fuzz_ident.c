/* fuzz_ident.c -- libFuzzer target: the identifier validators
 * (core/cb_ident.c) and the masks (core/cb_mask.c).  A resident ID or USCC
 * the validator takes has 18 characters whose last is the check character
 * recomputed from the first 17; the 18-digit form of a number in either
 * form is a valid ID, the number itself for 18 characters, the 15 digits
 * with 19 inserted for a legacy one; a mask of anything keeps within its buffer
 * and never shows a whole valid ID; and text masked by cb_mask_ids_in_text
 * holds no whole number in any form it may be written in: read back with
 * full-width digits and capitals made ASCII, x made X and separators
 * dropped (plain_of, written apart from the masker's own reading), no 18
 * characters pass a check and no 15 digits have a legacy number's month
 * and day. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_mask.h"

/* Text as a reader would take a number out of it: one byte per
 * character, full-width digits and capitals (EF BC 90..99, A1..BA) and x
 * as ASCII, separators (space, tab, '-', U+3000, U+FF0D, U+2010..2015)
 * dropped, anything else kept as '.'.  Returns the length. */
static size_t plain_of(const unsigned char *s, size_t n, char *out)
{
    size_t i = 0, m = 0;

    while (i < n) {
        unsigned char b = s[i];
        if (b == ' ' || b == '\t' || b == '-') {
            i++;
        } else if (b == 'x' || (b >= '0' && b <= '9') ||
                   (b >= 'A' && b <= 'Z')) {
            out[m++] = b == 'x' ? 'X' : (char)b;
            i++;
        } else if (i + 2 < n && b == 0xEF && s[i + 1] == 0xBC &&
                   s[i + 2] >= 0x90 && s[i + 2] <= 0x99) {
            out[m++] = (char)('0' + s[i + 2] - 0x90);
            i += 3;
        } else if (i + 2 < n && b == 0xEF && s[i + 1] == 0xBC &&
                   s[i + 2] >= 0xA1 && s[i + 2] <= 0xBA) {
            out[m++] = (char)('A' + s[i + 2] - 0xA1);
            i += 3;
        } else if (i + 2 < n && b == 0xEF && s[i + 1] == 0xBD &&
                   s[i + 2] == 0x98) {
            out[m++] = 'X';
            i += 3;
        } else if (i + 2 < n &&
                   ((b == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) ||
                    (b == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x8D) ||
                    (b == 0xE2 && s[i + 1] == 0x80 && s[i + 2] >= 0x90 &&
                     s[i + 2] <= 0x95))) {
            i += 3;
        } else {
            out[m++] = '.';
            i++;
        }
    }
    return m;
}

/* 15 digits with a month 01-12 at 8..9 and a day 01-31 at 10..11. */
static int legacy_shape(const char *p)
{
    for (int i = 0; i < 15; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    int month = (p[8] - '0') * 10 + p[9] - '0';
    int day = (p[10] - '0') * 10 + p[11] - '0';
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* libFuzzer calls this with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int32_t birth;
    char buf[CB_MASK_BUFSZ], text[256], plain[256];

    if (cb_ident_check_person(s, size, &birth) == CB_IDENT_OK) {
        if (size != 18 || cb_ident_person_check_char(s) != s[17])
            abort();
    }
    char full[CB_IDENT_LEN + 1];
    if (cb_ident_person_canonical(s, size, full, &birth) == CB_IDENT_OK) {
        if (strlen(full) != 18 ||
            cb_ident_check_person(full, 18, NULL) != CB_IDENT_OK)
            abort();
        if (size == 18 ? memcmp(full, s, 18) != 0
                       : size != 15 || memcmp(full, s, 6) != 0 ||
                             memcmp(full + 6, "19", 2) != 0 ||
                             memcmp(full + 8, s + 6, 9) != 0)
            abort();
    } else if (full[0] != '\0') {
        abort(); /* a refusal leaves no number behind */
    }
    if (cb_ident_check_uscc(s, size) == CB_IDENT_OK) {
        if (size != 18 || cb_ident_uscc_check_char(s) != s[17])
            abort();
    }
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, s, n);
    text[n] = '\0';
    cb_mask_id(text, buf); /* looks at CB_MASK_BUFSZ - 1 bytes at most */
    if (strlen(buf) >= CB_MASK_BUFSZ)
        abort();
    if (n == 18 && cb_ident_check_person(text, 18, NULL) == CB_IDENT_OK &&
        strcmp(buf, text) == 0)
        abort(); /* a valid ID comes out masked */
    cb_mask_ids_in_text(text, n);
    if (strlen(text) != strnlen(s, n))
        abort(); /* the length is kept */
    size_t m = plain_of((const unsigned char *)text, n, plain);
    for (size_t i = 0; i + 15 <= m; i++) {
        if (i + 18 <= m &&
            (cb_ident_check_person(plain + i, 18, NULL) == CB_IDENT_OK ||
             cb_ident_check_uscc(plain + i, 18) == CB_IDENT_OK))
            abort(); /* no whole valid number survives in text */
        if (legacy_shape(plain + i))
            abort(); /* nor a legacy one */
    }
    return 0;
}
