/* cb_mask.c -- personal data hidden from whoever does not need it. */
#include <stdio.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_mask.h"
#include "cb_record.h"

/* A character shown by the mask: printable ASCII only, so that a mask never
 * carries half of a multi-byte character or a control character into a log
 * line. */
static char mask_keep(char c)
{
    return (c > ' ' && c < 0x7f) ? c : '*';
}

#define LEGACY_LEN 15 /* a resident number issued before 1999 */

/* Does id (n characters) read as a resident's number: 17 digits and a
 * digit or X (either case), or the 15 digits of the legacy form? */
static int person_like(const char *id, size_t n)
{
    if (n != CB_IDENT_LEN && n != LEGACY_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int digit = id[i] >= '0' && id[i] <= '9';
        if (!digit && !(i == CB_IDENT_LEN - 1 &&
                        (id[i] == 'X' || id[i] == 'x')))
            return 0;
    }
    return 1;
}

/* The one statement of what a mask shows of an identifier of n
 * characters: how many leading and trailing characters stay.
 *
 * A resident's number keeps its first 6 (the area that issued it) and
 * nothing else: its birth date, sequence and check character are what
 * would let a reader rebuild or confirm the whole number, and a lead's
 * dates can give the birth date away (opened_at on a 16th birthday), so
 * the sequence must not show either (docs/SECURITY.md, "Masks").  A
 * unified social credit code keeps 6 and 4: it is public, printed on the
 * business licence.  Anything else keeps 2. */
static void mask_plan(const char *id, size_t n, size_t *head, size_t *tail)
{
    *tail = 0;
    if (person_like(id, n))
        *head = 6;
    else if (n == CB_IDENT_LEN && cb_ident_check_uscc(id, n) == CB_IDENT_OK)
        *head = 6, *tail = 4;
    else
        *head = 2;
}

/* Only the first CB_MASK_BUFSZ - 1 bytes of id are looked at: longer
 * malformed text is shown as two characters and 61 stars.  A NULL id gives
 * the empty string. */
void cb_mask_id(const char *id, char *out)
{
    size_t n, head, tail;

    if (id == NULL) {
        out[0] = '\0';
        return;
    }
    n = strnlen(id, CB_MASK_BUFSZ - 1);
    mask_plan(id, n, &head, &tail);
    for (size_t i = 0; i < n; i++)
        out[i] = i < head || i + tail >= n ? mask_keep(id[i]) : '*';
    out[n] = '\0';
}

/* The length of the UTF-8 character that starts with byte c (1 for a byte
 * that cannot start one, so that bad text is still walked). */
static size_t utf8_char_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

void cb_mask_name(const char *name, char *out, size_t outsz)
{
    size_t len, first, n = 0;

    if (outsz == 0)
        return;
    out[0] = '\0';
    if (name == NULL || name[0] == '\0')
        return;
    len = strlen(name);
    first = utf8_char_len((unsigned char)name[0]);
    /* Text that is not UTF-8 is hidden whole: one star a byte. */
    if (cb_utf8_valid_prefix(name, len) != len || first > len)
        first = 0;
    if (first >= outsz)
        return;
    memcpy(out, name, first);
    n = first;
    for (size_t i = first; i < len && n + 1 < outsz;) {
        i += first ? utf8_char_len((unsigned char)name[i]) : 1;
        out[n++] = '*';
    }
    out[n] = '\0';
}

/* ------------------------------------------------- numbers in free text */

enum { CH_OTHER, CH_ID, CH_SEP };

/* One character of an identifier as text may write it, with its length in
 * bytes and, for CH_ID, its plain form: ASCII and full-width (U+FF10..19,
 * U+FF21..3A) digits and capitals, and x or its full-width form as X.
 * Separators that may stand between the digits of one number: space, tab,
 * '-', the ideographic space U+3000, the full-width hyphen U+FF0D, and the
 * dashes U+2010..2015.  Anything else ends a number. */
static int classify(const unsigned char *s, size_t left, char *plain,
                    size_t *len)
{
    unsigned char b = s[0];

    *len = 1;
    if ((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || b == 'x') {
        *plain = b == 'x' ? 'X' : (char)b;
        return CH_ID;
    }
    if (b == ' ' || b == '\t' || b == '-')
        return CH_SEP;
    if (left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return CH_OTHER;
    *len = 3;
    if (b == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) {
        *plain = (char)('0' + (s[2] - 0x90));
        return CH_ID;
    }
    if (b == 0xEF && s[1] == 0xBC && s[2] >= 0xA1 && s[2] <= 0xBA) {
        *plain = (char)('A' + (s[2] - 0xA1));
        return CH_ID;
    }
    if (b == 0xEF && s[1] == 0xBD && s[2] == 0x98) {
        *plain = 'X';
        return CH_ID;
    }
    if ((b == 0xEF && s[1] == 0xBC && s[2] == 0x8D) ||
        (b == 0xE3 && s[1] == 0x80 && s[2] == 0x80) ||
        (b == 0xE2 && s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0x95))
        return CH_SEP;
    *len = 1;
    return CH_OTHER;
}

/* A character of a number found in text: where it is, its byte length,
 * its plain form ('*' once masked). */
typedef struct idch {
    size_t pos;
    unsigned char len;
    char plain;
} idch;

/* Masks one character in place, keeping the text's length: '*' for an
 * ASCII one, the full-width asterisk U+FF0A for a full-width one. */
static void mask_char(unsigned char *s, idch *c)
{
    if (c->len == 3)
        memcpy(s + c->pos, "\xEF\xBC\x8A", 3);
    else
        s[c->pos] = '*';
    c->plain = '*';
}

/* Masks chars[0..n) (pointers into the ring, in text order) as mask_plan
 * says for their plain text. */
static void mask_run(unsigned char *s, idch **chars, size_t n)
{
    char plain[CB_IDENT_LEN] = {0}; /* n may be 0: GCC -O2 with the
                                       sanitizers warns otherwise */
    size_t head, tail;

    for (size_t i = 0; i < n; i++)
        plain[i] = chars[i]->plain;
    mask_plan(plain, n, &head, &tail);
    for (size_t i = head; i + tail < n; i++)
        mask_char(s, chars[i]);
}

/* Is p (15 digits) a legacy number's shape: a month and day at 8..11? */
static int legacy_like(const char *p)
{
    for (int i = 0; i < LEGACY_LEN; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    int month = (p[8] - '0') * 10 + (p[9] - '0');
    int day = (p[10] - '0') * 10 + (p[11] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* Masks the window of k characters that ends before the end-th character
 * of a number (ring[i % 18] holds its i-th) if it is whole: 18 that pass
 * the check of a resident's number or a USCC, or 15 digits shaped like a
 * legacy number. */
static void mask_window(unsigned char *s, idch *ring, size_t end, size_t k)
{
    idch *w[CB_IDENT_LEN];
    char plain[CB_IDENT_LEN] = {0}; /* k may be 0: GCC -O2 with the
                                       sanitizers warns otherwise */

    for (size_t i = 0; i < k; i++) {
        w[i] = &ring[(end - k + i) % CB_IDENT_LEN];
        plain[i] = w[i]->plain;
    }
    if (k == CB_IDENT_LEN ? cb_ident_check_person(plain, k, NULL) ==
                                    CB_IDENT_OK ||
                                cb_ident_check_uscc(plain, k) == CB_IDENT_OK
                          : legacy_like(plain))
        mask_run(s, w, k);
}

/* The windows a number's count-th character completes.  A 15-window is
 * looked at 3 characters late, once every 18-window around it has been
 * (a whole 18-character number is masked as one, not as the legacy shape
 * inside it); the last ones when the number ends (done = 1). */
static void mask_windows(unsigned char *s, idch *ring, size_t count, int done)
{
    const size_t lag = CB_IDENT_LEN - LEGACY_LEN;

    if (!done) {
        if (count >= CB_IDENT_LEN)
            mask_window(s, ring, count, CB_IDENT_LEN);
        if (count >= LEGACY_LEN + lag)
            mask_window(s, ring, count - lag, LEGACY_LEN);
        return;
    }
    for (size_t end = count > lag ? count - lag + 1 : 1; end <= count; end++)
        if (end >= LEGACY_LEN)
            mask_window(s, ring, end, LEGACY_LEN);
}

/* Each number in text is a run of identifier characters, separators
 * allowed between them.  A run of exactly 18 (with a digit) or 15
 * characters is masked whole, as cb_mask_id would mask its plain form; any
 * run is searched for windows that are whole numbers (mask_windows). */
void cb_mask_ids_in_text(char *text, size_t len)
{
    unsigned char *s = (unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        idch ring[CB_IDENT_LEN], head[CB_IDENT_LEN];
        size_t count = 0, n, j;
        int digit = 0;
        char plain;

        if (classify(s + i, len - i, &plain, &n) != CH_ID) {
            i += n;
            continue;
        }
        for (j = i; j < len; j += n) {
            int k = classify(s + j, len - j, &plain, &n);
            if (k == CH_SEP)
                continue;
            if (k != CH_ID)
                break;
            idch c = {j, (unsigned char)n, plain};
            digit |= plain >= '0' && plain <= '9';
            if (count < CB_IDENT_LEN)
                head[count] = c;
            ring[count % CB_IDENT_LEN] = c;
            count++;
            mask_windows(s, ring, count, 0);
        }
        mask_windows(s, ring, count, 1);
        if ((count == CB_IDENT_LEN && digit) || count == LEGACY_LEN) {
            idch *all[CB_IDENT_LEN];
            for (size_t k = 0; k < count; k++)
                all[k] = &head[k];
            mask_run(s, all, count);
        }
        i = j;
    }
}

cb_mask_kind cb_mask_field_kind(int kind, const cb_field *f, const void *rec)
{
    if (f->type != CB_FT_STRING)
        return CB_MASK_NONE;
    if (f->check == CB_FC_PERSON_ID || f->check == CB_FC_USCC)
        return CB_MASK_ID;
    if ((kind == CB_KIND_LEAD || kind == CB_KIND_ALERT) &&
        strcmp(f->name, "subject_id") == 0)
        return CB_MASK_ID;
    if (f->check == CB_FC_PERSON_NAME)
        return CB_MASK_NAME;
    if (kind == CB_KIND_LEAD && strcmp(f->name, "name") == 0 &&
        ((const cb_lead *)rec)->subject_kind == CB_SUBJECT_PERSON)
        return CB_MASK_NAME;
    return CB_MASK_NONE;
}

void cb_mask_field(int kind, const cb_field *f, const void *rec,
                   const char *text, char *out, size_t outsz)
{
    char id[CB_MASK_BUFSZ];

    switch (cb_mask_field_kind(kind, f, rec)) {
    case CB_MASK_ID:
        cb_mask_id(text, id);
        snprintf(out, outsz, "%s", id);
        break;
    case CB_MASK_NAME:
        cb_mask_name(text, out, outsz);
        break;
    default:
        snprintf(out, outsz, "%s", text);
    }
}

/* U+4E00..U+9FFF in UTF-8: E4 B8 80 .. E9 BF BF. */
static int is_han(const unsigned char *p, size_t left)
{
    if (left < 3 || p[0] < 0xE4 || p[0] > 0xE9 || (p[1] & 0xC0) != 0x80 ||
        (p[2] & 0xC0) != 0x80)
        return 0;
    return p[0] > 0xE4 || p[1] >= 0xB8;
}

size_t cb_mask_han_in_text(char *s, size_t len)
{
    unsigned char *u = (unsigned char *)s;
    size_t r = 0, w = 0;
    int in_run = 0;

    while (r < len) {
        if (is_han(u + r, len - r)) {
            if (in_run) {
                u[w++] = '*';
            } else {
                memmove(u + w, u + r, 3);
                w += 3;
            }
            in_run = 1;
            r += 3;
        } else {
            u[w++] = u[r++];
            in_run = 0;
        }
    }
    return w;
}
