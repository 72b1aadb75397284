/* cb_name.c -- the normal form of persons' names (cb_name.h). */
#include "cb_name.h"

#include <stdint.h>
#include <string.h>

#define MIDDLE_DOT 0x00B7

/* The code point of the UTF-8 sequence at s (n bytes left) and its length
 * in *used; a byte that does not start a well-formed sequence is returned
 * as itself (a value above 0x10FFFF is never made) with *used 1 and
 * *raw 1. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *used,
                        int *raw)
{
    uint32_t cp;
    size_t need;

    *raw = 0;
    *used = 1;
    if (s[0] < 0x80)
        return s[0];
    if ((s[0] & 0xE0) == 0xC0) {
        need = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        need = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        need = 4;
        cp = s[0] & 0x07;
    } else {
        *raw = 1;
        return s[0];
    }
    if (need > n) {
        *raw = 1;
        return s[0];
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *raw = 1;
            return s[0];
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    *used = need;
    return cp;
}

static size_t put_cp(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int cb_name_normalize(const char *in, size_t len, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, n = 0;

    if (size == 0)
        return -1;
    while (i < len) {
        unsigned char buf[4];
        size_t used, w;
        int raw;
        uint32_t cp = next_cp(s + i, len - i, &used, &raw);

        if (raw) {
            buf[0] = s[i];
            w = 1;
        } else {
            if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x3000) {
                i += used;
                continue;
            }
            if (cp >= 0xFF01 && cp <= 0xFF5E)
                cp -= 0xFEE0;
            if (cp == '.' || cp == 0x30FB || cp == 0x2022)
                cp = MIDDLE_DOT;
            w = put_cp(cp, buf);
        }
        if (n + w >= size) {
            out[0] = '\0';
            return -1;
        }
        memcpy(out + n, buf, w);
        n += w;
        i += used;
    }
    out[n] = '\0';
    return (int)n;
}

int cb_name_same(const char *a, size_t alen, const char *b, size_t blen)
{
    /* a normal form is at most twice as long as its name ('.' becomes
     * the two bytes of U+00B7; everything else keeps or loses bytes) */
    char na[1024], nb[1024];
    int la, lb;

    if (alen >= sizeof(na) / 2 || blen >= sizeof(nb) / 2)
        return alen == blen && memcmp(a, b, alen) == 0;
    la = cb_name_normalize(a, alen, na, sizeof(na));
    lb = cb_name_normalize(b, blen, nb, sizeof(nb));
    return la == lb && memcmp(na, nb, (size_t)la) == 0;
}
