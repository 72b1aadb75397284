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

/* Only the first CB_MASK_BUFSZ - 1 bytes of id are looked at: longer
 * malformed text is shown as two characters and 61 stars.  A NULL id gives
 * the empty string. */
void cb_mask_id(const char *id, char *out)
{
    size_t n, i;

    if (id == NULL) {
        out[0] = '\0';
        return;
    }
    n = strnlen(id, CB_MASK_BUFSZ - 1);
    for (i = 0; i < n; i++) {
        int shown =
            n == CB_IDENT_LEN ? (i < 6 || i >= CB_IDENT_LEN - 4) : i < 2;
        out[i] = shown ? mask_keep(id[i]) : '*';
    }
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

static int is_id_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(unsigned char c)
{
    return is_id_char(c) || (c >= 'a' && c <= 'z');
}

/* Masks, in place, every run of exactly 18 characters from [0-9A-Z] with a
 * digit in it (what a resident ID or a USCC looks like) as cb_mask_id
 * does: the 8 characters after the first 6 become '*'. */
void cb_mask_ids_in_text(char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t j = i;
        int digit = 0;

        if (!is_alnum((unsigned char)s[i])) {
            i++;
            continue;
        }
        while (j < len && is_alnum((unsigned char)s[j])) {
            if (!is_id_char((unsigned char)s[j]))
                break;
            digit |= s[j] >= '0' && s[j] <= '9';
            j++;
        }
        if (j - i == CB_IDENT_LEN && digit &&
            (j == len || !is_alnum((unsigned char)s[j])))
            memset(s + i + 6, '*', 8);
        while (j < len && is_alnum((unsigned char)s[j]))
            j++;
        i = j;
    }
    /* A whole valid number glued to other letters or digits ("ID" +
     * number + "abc") is no run of its own, but it is still a number:
     * every 18 characters that pass a check are masked too. */
    for (i = 0; i + CB_IDENT_LEN <= len; i++)
        if (cb_ident_check_person(s + i, CB_IDENT_LEN, NULL) == CB_IDENT_OK ||
            cb_ident_check_uscc(s + i, CB_IDENT_LEN) == CB_IDENT_OK) {
            memset(s + i + 6, '*', 8);
            i += 13; /* every window up to here holds a '*' now */
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
