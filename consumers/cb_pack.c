/* cb_pack.c -- little-endian fields of packed records (cb_pack.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_eidforms.h"
#include "cb_pack.h"

int cb_str_cmp(const cb_str *a, const cb_str *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);

    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

int cb_str_to_text(const cb_str *s, char *buf, size_t size)
{
    if ((size_t)s->len >= size) {
        if (size > 0)
            buf[0] = '\0';
        return -1;
    }
    memcpy(buf, s->s, s->len);
    buf[s->len] = '\0';
    return 0;
}

void cb_code_to_text(int64_t code, char *buf, size_t size)
{
    int n = -1;

    if (code > 0 && code <= INT64_C(999999999999))
        n = snprintf(buf, size, "%" PRId64, code);
    if (n < 0 || (size_t)n >= size)
        buf[0] = '\0';
}

int64_t cb_code_county_base(const char *digits)
{
    int64_t county = 0;

    for (int i = 0; i < 6; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return 0;
        county = county * 10 + (digits[i] - '0');
    }
    return county * CB_CODE_COUNTY_SPAN;
}

void cb_pack_str(cb_pack *w, const void *p, size_t n, int lenbytes)
{
    if (n >> (8 * lenbytes) != 0) {
        w->failed = 1;
        return;
    }
    cb_pack_int(w, (int64_t)n, lenbytes);
    cb_pack_bytes(w, p, n);
}

void cb_unpack_str(cb_unpack *r, int lenbytes, cb_str *out)
{
    size_t n = (size_t)cb_unpack_uint(r, lenbytes);
    const char *p = cb_unpack_bytes(r, n);

    out->len = 0;
    if (p == NULL || n > sizeof(out->s)) {
        r->failed = 1;
        return;
    }
    memcpy(out->s, p, n);
    out->len = (uint8_t)n;
}

int cb_unpack_room(cb_unpack *r, size_t n, size_t each)
{
    if (r->failed || n > (size_t)(r->end - r->p) / each) {
        r->failed = 1;
        return 0;
    }
    return 1;
}

int cb_unpack_done(const cb_unpack *r)
{
    return r->failed || r->p != r->end ? -1 : 0;
}

/* ------------------------------------------------------- compact fields */

void cb_pack_uvar(cb_pack *w, uint64_t v)
{
    unsigned char *b = cb_pack_room(w, 10); /* the longest is 10 bytes */
    size_t n = 0;

    if (b == NULL)
        return;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            b[n] |= 0x80;
        n++;
    } while (v != 0);
    w->buf->len += n;
}

void cb_pack_svar(cb_pack *w, int64_t v)
{
    uint64_t u = (uint64_t)v;

    cb_pack_uvar(w, (u << 1) ^ (v < 0 ? ~(uint64_t)0 : 0));
}

void cb_pack_svar_from(cb_pack *w, int64_t v, int64_t base)
{
    cb_pack_svar(w, (int64_t)((uint64_t)v - (uint64_t)base));
}

uint64_t cb_unpack_uvar(cb_unpack *r)
{
    uint64_t v = 0;

    for (int shift = 0; shift < 64; shift += 7) {
        const unsigned char *b =
            (const unsigned char *)cb_unpack_bytes(r, 1);
        if (b == NULL)
            return 0;
        v |= (uint64_t)(*b & 0x7f) << shift;
        if ((*b & 0x80) == 0)
            return v;
    }
    r->failed = 1; /* more than 10 bytes */
    return 0;
}

int64_t cb_unpack_svar(cb_unpack *r)
{
    uint64_t u = cb_unpack_uvar(r);

    return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

int64_t cb_unpack_svar_from(cb_unpack *r, int64_t base)
{
    return (int64_t)((uint64_t)base + (uint64_t)cb_unpack_svar(r));
}

#define EID_DIGITS_MAX 18 /* numbers below 10^18: they fit an int64 */

/* An id's trailing digits: their count (0 when there are none or more
 * than EID_DIGITS_MAX, or the prefix is longer than a u1 length holds)
 * and their value. */
static size_t eid_split(const char *s, size_t n, uint64_t *num)
{
    size_t d = 0;

    while (d < n && s[n - 1 - d] >= '0' && s[n - 1 - d] <= '9')
        d++;
    if (d == 0 || d > EID_DIGITS_MAX || n - d > 255)
        return 0;
    *num = 0;
    for (size_t i = n - d; i < n; i++)
        *num = *num * 10 + (uint64_t)(s[i] - '0');
    return d;
}

void cb_pack_eid(cb_pack *w, const char *s, size_t n, const char *prev,
                 size_t prevlen)
{
    uint64_t num, pnum = 0;
    size_t d = n <= 255 ? eid_split(s, n, &num) : 0;
    size_t pd = prevlen > 0 ? eid_split(prev, prevlen, &pnum) : 0;
    int code;

    if (n > 255) {
        w->failed = 1;
        return;
    }
    if (d == 0) {
        cb_pack_uvar(w, (uint64_t)n << 2);
        cb_pack_bytes(w, s, n);
    } else if (d == pd && n == prevlen &&
               memcmp(s, prev, n - d) == 0) {
        int64_t delta = (int64_t)(num - pnum);
        uint64_t z = ((uint64_t)delta << 1) ^
                     (delta < 0 ? ~(uint64_t)0 : 0);
        cb_pack_uvar(w, z << 2 | 3);
    } else if ((code = w->forms != NULL
                           ? cb_eidforms_code(w->forms, s, n - d,
                                              (unsigned)d)
                           : -1) >= 0) {
        cb_pack_uvar(w, num << 2 | 2);
        cb_pack_int(w, code, 1);
    } else {
        cb_pack_uvar(w, num << 2 | 1);
        cb_pack_int(w, (int64_t)d, 1);
        cb_pack_str(w, s, n - d, 1);
    }
}

/* Writes d digits of num after the prefix already in out. */
static void eid_digits(cb_unpack *r, cb_str *out, uint64_t num, size_t d)
{
    if (d == 0 || d > EID_DIGITS_MAX || out->len + d > sizeof(out->s)) {
        r->failed = 1;
        out->len = 0;
        return;
    }
    for (size_t i = d; i-- > 0;) {
        out->s[out->len + i] = (char)('0' + num % 10);
        num /= 10;
    }
    if (num != 0) { /* more digits than the id had */
        r->failed = 1;
        out->len = 0;
        return;
    }
    out->len = (uint8_t)(out->len + d);
}

void cb_unpack_eid(cb_unpack *r, const char *prev, size_t prevlen,
                   cb_str *out)
{
    uint64_t head = cb_unpack_uvar(r), num, pnum = 0;
    size_t d;

    out->len = 0;
    if (r->failed)
        return;
    switch (head & 3) {
    case 0: {
        size_t n = (size_t)(head >> 2);
        const char *p = n <= sizeof(out->s) ? cb_unpack_bytes(r, n) : NULL;
        if (p == NULL) {
            r->failed = 1;
            return;
        }
        memcpy(out->s, p, n);
        out->len = (uint8_t)n;
        return;
    }
    case 1:
        num = head >> 2;
        d = (size_t)cb_unpack_uint(r, 1);
        cb_unpack_str(r, 1, out);
        if (!r->failed)
            eid_digits(r, out, num, d);
        return;
    case 2: {
        const char *prefix;
        size_t plen;
        unsigned digits;
        unsigned code = (unsigned)cb_unpack_uint(r, 1);
        if (r->failed || r->forms == NULL ||
            cb_eidforms_form(r->forms, code, &prefix, &plen, &digits) != 0) {
            r->failed = 1;
            return;
        }
        memcpy(out->s, prefix, plen);
        out->len = (uint8_t)plen;
        eid_digits(r, out, head >> 2, digits);
        return;
    }
    case 3:
        d = prevlen > 0 ? eid_split(prev, prevlen, &pnum) : 0;
        if (d == 0) {
            r->failed = 1;
            return;
        }
        head >>= 2;
        num = pnum + (uint64_t)(int64_t)((head >> 1) ^ (0 - (head & 1)));
        memcpy(out->s, prev, prevlen - d);
        out->len = (uint8_t)(prevlen - d);
        eid_digits(r, out, num, d);
        return;
    default:
        r->failed = 1;
    }
}

/* ------------------------------------------------------------- names */

#define TEXT_CJK_FIRST 0x4E00u /* the ideographs a 2-byte code stands for */
#define TEXT_CJK_LAST  0x9FFFu
#define TEXT_ESCAPE    0xFF    /* another UTF-8 character follows, whole */

/* Whether a UTF-8 character of len bytes and code point cp is one a
 * 2-byte code stands for (the writer writes it so, and only it). */
static int text_coded(size_t len, uint32_t cp)
{
    return len == 3 && cp >= TEXT_CJK_FIRST && cp <= TEXT_CJK_LAST;
}

/* The length of the UTF-8 character starting at s (n bytes left) and its
 * code point, or 0 when the bytes are not one (a stray continuation byte,
 * a character cut short).  Overlong forms are taken as they come: the
 * bytes, not the code point, are what round-trips. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    *cp = c;
    return len;
}

/* The name's text form into out (room for 2 * n bytes); its length, or
 * -1 when the name is not UTF-8. */
static long text_of(const unsigned char *s, size_t n, unsigned char *out)
{
    size_t i = 0, o = 0;

    while (i < n) {
        uint32_t cp;
        size_t len = utf8_char(s + i, n - i, &cp);

        if (len == 0)
            return -1;
        if (len == 1) {
            out[o++] = s[i];
        } else if (text_coded(len, cp)) {
            uint32_t off = cp - TEXT_CJK_FIRST;
            out[o++] = (unsigned char)(0x80 | off >> 8);
            out[o++] = (unsigned char)(off & 0xFF);
        } else {
            out[o++] = TEXT_ESCAPE;
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    return (long)o;
}

void cb_pack_text(cb_pack *w, const char *s, size_t n)
{
    unsigned char text[2 * 255];
    long t;

    if (n > 255) {
        w->failed = 1;
        return;
    }
    t = text_of((const unsigned char *)s, n, text);
    if (t >= 0 && (size_t)t <= n) {
        cb_pack_uvar(w, (uint64_t)t << 1);
        cb_pack_bytes(w, text, (size_t)t);
    } else {
        cb_pack_uvar(w, (uint64_t)n << 1 | 1);
        cb_pack_bytes(w, s, n);
    }
}

/* Appends n bytes to out, failing r when they do not fit. */
static void text_put(cb_unpack *r, cb_str *out, const void *p, size_t n)
{
    if (out->len + n > sizeof(out->s)) {
        r->failed = 1;
        return;
    }
    memcpy(out->s + out->len, p, n);
    out->len = (uint8_t)(out->len + n);
}

void cb_unpack_text(cb_unpack *r, cb_str *out)
{
    uint64_t head = cb_unpack_uvar(r);
    size_t n = (size_t)(head >> 1);
    const unsigned char *p, *end;

    out->len = 0;
    if (r->failed || head >> 1 > 255) { /* no name packs longer */
        r->failed = 1;
        return;
    }
    p = (const unsigned char *)cb_unpack_bytes(r, n);
    if (p == NULL)
        return;
    if (head & 1) {
        text_put(r, out, p, n);
        return;
    }
    for (end = p + n; p < end && !r->failed;) {
        if (*p < 0x80) {
            text_put(r, out, p++, 1);
        } else if (*p <= 0x80 + ((TEXT_CJK_LAST - TEXT_CJK_FIRST) >> 8)) {
            /* a first byte up to D1 keeps the code within U+9FFF */
            uint32_t cp;
            unsigned char u[3];
            if (end - p < 2) {
                r->failed = 1;
                break;
            }
            cp = TEXT_CJK_FIRST + ((uint32_t)(p[0] & 0x7F) << 8 | p[1]);
            u[0] = (unsigned char)(0xE0 | cp >> 12);
            u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            u[2] = (unsigned char)(0x80 | (cp & 0x3F));
            text_put(r, out, u, 3);
            p += 2;
        } else if (*p == TEXT_ESCAPE && end - p > 1) {
            uint32_t cp;
            size_t len = utf8_char(p + 1, (size_t)(end - p - 1), &cp);
            /* one character that is not ASCII and not an ideograph the
             * 2-byte codes stand for: the writer writes no other */
            if (len < 2 || text_coded(len, cp)) {
                r->failed = 1;
                break;
            }
            text_put(r, out, p + 1, len);
            p += 1 + len;
        } else {
            r->failed = 1;
        }
    }
    if (r->failed)
        out->len = 0;
}
