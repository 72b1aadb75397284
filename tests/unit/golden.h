/* golden.h -- what the golden-byte tests of the packed formats share: a
 * short string from C text, and bytes compared with hex written in the
 * test.  Include after cmocka.h. */
#ifndef CB_TEST_GOLDEN_H
#define CB_TEST_GOLDEN_H

#include <stdio.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_pack.h"

/* A cb_str holding text (at most 255 bytes). */
static inline cb_str S(const char *text)
{
    cb_str s;

    memset(&s, 0, sizeof(s));
    s.len = (uint8_t)strlen(text);
    memcpy(s.s, text, s.len);
    return s;
}

/* The bytes of b as lower-case hex equal want, its spaces ignored. */
static inline void assert_hex(const cb_buf *b, const char *want)
{
    char got[1024], w[1024];
    size_t n = 0;

    assert_true(b->len * 2 < sizeof(got));
    for (size_t i = 0; i < b->len; i++)
        snprintf(got + 2 * i, 3, "%02x", (unsigned char)b->data[i]);
    got[2 * b->len] = '\0';
    for (const char *p = want; *p; p++)
        if (*p != ' ' && n + 1 < sizeof(w))
            w[n++] = *p;
    w[n] = '\0';
    assert_string_equal(got, w);
}

#endif
