/* cb_pack.h -- the little-endian fields of canbao's packed records: ops
 * (cb_ops.c), states (cb_state.c), leads (cb_leadrec.c), alerts
 * (cb_alertrec.c) and decisions (cb_decisionrec.c).
 *
 * Integers are the low n bytes (1..8) of a two's complement value, as
 * Python's struct.pack writes them; strings are a length of 1 or 2 bytes
 * and the bytes.  A writer or reader that fails (out of memory, a string
 * too long for its length, a field past the end) sets `failed` and does
 * nothing more, so a record is built or read with one check at the end. */
#ifndef CB_PACK_H
#define CB_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"

/* A short string of a packed record (a u8 length in the packing). */
typedef struct cb_str {
    uint8_t len;
    char s[255];
} cb_str;

/* Bytewise order of two short strings: <0, 0, >0. */
int cb_str_cmp(const cb_str *a, const cb_str *b);

/* A short string as C text into buf (of size bytes).  Returns 0, or -1
 * (buf "") when it does not fit with its NUL. */
int cb_str_to_text(const cb_str *s, char *buf, size_t size);

/* A township code packed as a number, as text into buf (of size bytes):
 * codes have 6 to 12 digits, and 0 (none), or a number no code has, is
 * "". */
void cb_code_to_text(int64_t code, char *buf, size_t size);

/* A county's township codes are its six digits and three more: from
 * county * CB_CODE_COUNTY_SPAN to the next county's.  States pack a
 * township code as its difference from its county's first. */
#define CB_CODE_COUNTY_SPAN 1000

/* The first township code of the county whose six digits start at digits
 * (a resident number's first six, a USCC's third to eighth), or 0 when
 * the six are not all digits. */
int64_t cb_code_county_base(const char *digits);

/* A writer appending to buf (not owned). */
typedef struct cb_pack {
    cb_buf *buf;
    int failed;
    struct cb_eidforms *forms; /* event-id forms (cb_pack_eid), or NULL */
} cb_pack;

/* n bytes behind a length of lenbytes (1 or 2); fails when n does not fit
 * the length. */
void cb_pack_str(cb_pack *w, const void *p, size_t n, int lenbytes);

/* A reader of len bytes at p (not owned). */
typedef struct cb_unpack {
    const unsigned char *p, *end;
    int failed;
    struct cb_eidforms *forms; /* event-id forms (cb_unpack_eid), or NULL */
} cb_unpack;

/* A string behind a length of lenbytes into out; fails when it is longer
 * than out holds (out->len is then 0). */
void cb_unpack_str(cb_unpack *r, int lenbytes, cb_str *out);
/* Whether n elements of at least `each` bytes can still follow: a count
 * read from the record is checked before anything is allocated for it. */
int cb_unpack_room(cb_unpack *r, size_t n, size_t each);
/* 0 when every field was there and nothing follows them, else -1. */
int cb_unpack_done(const cb_unpack *r);

/* The fields themselves, inline: states and ops are packed and read field
 * by field on the matcher's hot path. */

static inline void cb_pack_init(cb_pack *w, cb_buf *buf)
{
    w->buf = buf;
    w->failed = 0;
    w->forms = NULL;
}

static inline void cb_pack_bytes(cb_pack *w, const void *p, size_t n)
{
    if (!w->failed && cb_buf_append(w->buf, p, n) != 0)
        w->failed = 1;
}

/* Where up to n more bytes go, written in place (the caller then adds
 * what it wrote to .len); NULL, and failed, when out of memory. */
static inline unsigned char *cb_pack_room(cb_pack *w, size_t n)
{
    if (w->failed || (w->buf->cap - w->buf->len < n &&
                      cb_buf_grow(w->buf, n) != 0)) {
        w->failed = 1;
        return NULL;
    }
    return (unsigned char *)w->buf->data + w->buf->len;
}

/* The low n bytes (1..8) of v, written in place. */
static inline void cb_pack_int(cb_pack *w, int64_t v, int n)
{
    uint64_t u = (uint64_t)v;
    unsigned char *d = cb_pack_room(w, 8);

    if (d == NULL)
        return;
    for (int i = 0; i < n; i++)
        d[i] = (unsigned char)(u >> (8 * i));
    w->buf->len += (size_t)n;
}

static inline void cb_unpack_init(cb_unpack *r, const void *p, size_t len)
{
    r->p = p;
    r->end = len > 0 ? r->p + len : r->p;
    r->failed = 0;
    r->forms = NULL;
}

/* The next n bytes, or NULL (and failed) when fewer are left. */
static inline const char *cb_unpack_bytes(cb_unpack *r, size_t n)
{
    const char *p = (const char *)r->p;

    if (r->failed || (size_t)(r->end - r->p) < n) {
        r->failed = 1;
        return NULL;
    }
    r->p += n;
    return p;
}

static inline uint64_t cb_unpack_uint(cb_unpack *r, int n)
{
    const unsigned char *p = (const unsigned char *)cb_unpack_bytes(
        r, (size_t)n);
    uint64_t v = 0;

    if (p == NULL)
        return 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* n bytes (1..8) as a signed integer (two's complement). */
static inline int64_t cb_unpack_int(cb_unpack *r, int n)
{
    uint64_t v = cb_unpack_uint(r, n);

    if (n < 8 && (v >> (8 * n - 1)) & 1)
        v |= ~(uint64_t)0 << (8 * n);
    return (int64_t)v;
}

/* ----------------------------------------------------- compact fields
 *
 * Variable-length fields for lists whose neighbours look alike (a
 * person's facts, a name group's holders): an unsigned integer in 7-bit
 * groups, low first, the top bit saying another follows (LEB128, 1 to 10
 * bytes); a signed one zigzagged first (0, -1, 1, -2... as 0, 1, 2,
 * 3...); and an event id packed against the one before it in the list. */

void cb_pack_uvar(cb_pack *w, uint64_t v);
void cb_pack_svar(cb_pack *w, int64_t v);
/* v less base as an svar, wrapping as two's complement rather than
 * overflowing (cb_unpack_svar_from gives v back from the same base). */
void cb_pack_svar_from(cb_pack *w, int64_t v, int64_t base);
uint64_t cb_unpack_uvar(cb_unpack *r);
int64_t cb_unpack_svar(cb_unpack *r);
/* base plus an svar, wrapping as two's complement rather than
 * overflowing: bytes from a damaged store cannot make it undefined. */
int64_t cb_unpack_svar_from(cb_unpack *r, int64_t base);

/* An event id (any bytes, up to 255) packed against prev, the id before
 * it in the list (prevlen 0: none).  An id that ends in 1 to 18 digits,
 * like "en-000786313", is its prefix and its number: with the prefix and
 * the count of digits of prev, the difference of the numbers alone (one
 * varint, "same as before" in its low bits: 3 bytes for ids a few
 * hundred thousand apart); otherwise the number, the count of digits and
 * the prefix, or, when the writer's table of forms (w->forms,
 * cb_eidforms.h) has the prefix and count, the number and the form's
 * index in one byte.  Any other id is its length and bytes.
 *
 *   uvar head; head & 3:  0  raw: head >> 2 bytes follow
 *                         1  number head >> 2, then u1 digits, s1 prefix
 *                         2  number head >> 2, then u1 index of the form
 *                         3  prev's prefix and digits; number prev's
 *                            plus the zigzagged head >> 2 */
void cb_pack_eid(cb_pack *w, const char *s, size_t n, const char *prev,
                 size_t prevlen);

/* Reads an id packed by cb_pack_eid against the same prev into out; an
 * index of a form needs the reader's table (r->forms) to have it. */
void cb_unpack_eid(cb_unpack *r, const char *prev, size_t prevlen,
                   cb_str *out);

/* A name (any bytes, up to 255) in fewer bytes than its UTF-8: Chinese
 * names and company names are CJK unified ideographs (U+4E00-U+9FFF),
 * three bytes each in UTF-8, two here.
 *
 *   uvar head; head & 1:  0  head >> 1 bytes of text follow:
 *                            00-7F      that ASCII byte
 *                            80-D1 xx   the ideograph U+4E00 +
 *                                       ((first & 0x7F) << 8 | xx)
 *                            FF        then one other UTF-8 character,
 *                                       whole (2 to 4 bytes)
 *                         1  raw: head >> 1 bytes follow as they are
 *
 * The writer packs as text whenever the name is UTF-8 and its text is not
 * longer than the name, else raw: a name packs to one sequence of bytes. */
void cb_pack_text(cb_pack *w, const char *s, size_t n);

/* Reads a name packed by cb_pack_text into out; fails on bytes that are
 * not such a packing or a name longer than out holds. */
void cb_unpack_text(cb_unpack *r, cb_str *out);

#endif
