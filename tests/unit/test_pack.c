/* test_pack.c -- consumers/cb_pack.c: integers of every width round-trip
 * with their sign, in the bytes struct.pack writes; a string too long for
 * its length fails the writer; a reader that runs past the end fails and
 * reads zeros, and says whether bytes are left over; varints and event
 * ids packed against their neighbours round-trip, and every truncation of
 * them is refused; names packed as text round-trip in fewer bytes, and
 * bytes that are no such packing are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_eidforms.h"
#include "cb_pack.h"

static void test_ints(void **unused)
{
    static const int64_t values[] = {0, 1, -1, 127, -128, 4095, -70000,
                                     INT64_MAX, INT64_MIN};
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;

    (void)unused;
    cb_pack_init(&w, &b);
    cb_pack_int(&w, -2, 3); /* struct.pack("<i", -2)[:3] */
    assert_false(w.failed);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "\xfe\xff\xff", 3);
    for (int n = 1; n <= 8; n++)
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            int64_t v = values[i];
            int64_t lo = n == 8 ? INT64_MIN : -((int64_t)1 << (8 * n - 1));
            int64_t hi = n == 8 ? INT64_MAX : ((int64_t)1 << (8 * n - 1)) - 1;
            if (v < lo || v > hi)
                continue;
            b.len = 0;
            cb_pack_int(&w, v, n);
            cb_unpack_init(&r, b.data, b.len);
            assert_int_equal(cb_unpack_int(&r, n), v);
            assert_int_equal(cb_unpack_done(&r), 0);
            cb_unpack_init(&r, b.data, b.len);
            assert_int_equal(cb_unpack_uint(&r, n),
                             n == 8 ? (uint64_t)v
                                    : (uint64_t)v & ((1ULL << (8 * n)) - 1));
        }
    cb_buf_free(&b);
}

static void test_strings(void **unused)
{
    char big[300];
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;
    cb_str s;

    (void)unused;
    memset(big, 'z', sizeof(big));
    cb_pack_init(&w, &b);
    cb_pack_str(&w, "abc", 3, 1);
    cb_pack_str(&w, big, sizeof(big), 2);
    assert_false(w.failed);
    assert_int_equal(b.len, 1 + 3 + 2 + sizeof(big));
    cb_unpack_init(&r, b.data, b.len);
    cb_unpack_str(&r, 1, &s);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.s, "abc", 3);
    /* 300 bytes do not fit a cb_str */
    cb_unpack_str(&r, 2, &s);
    assert_true(r.failed);
    assert_int_equal(s.len, 0);
    /* 256 bytes do not fit a one-byte length */
    cb_pack_str(&w, big, 256, 1);
    assert_true(w.failed);
    cb_buf_free(&b);
}

static void test_short_and_long(void **unused)
{
    const char bytes[] = {5, 0, 'h', 'i'};
    cb_unpack r;

    (void)unused;
    cb_unpack_init(&r, bytes, sizeof(bytes));
    assert_int_equal(cb_unpack_uint(&r, 2), 5);
    assert_null(cb_unpack_bytes(&r, 5)); /* only 2 left */
    assert_true(r.failed);
    assert_int_equal(cb_unpack_uint(&r, 1), 0);
    assert_int_equal(cb_unpack_done(&r), -1);
    /* bytes left over are refused too */
    cb_unpack_init(&r, bytes, sizeof(bytes));
    assert_int_equal(cb_unpack_uint(&r, 2), 5);
    assert_int_equal(cb_unpack_done(&r), -1);
    assert_true(cb_unpack_room(&r, 2, 1));
    assert_false(cb_unpack_room(&r, 2, 2));
    assert_true(r.failed);
    /* nothing at all */
    cb_unpack_init(&r, NULL, 0);
    assert_int_equal(cb_unpack_done(&r), 0);
    assert_int_equal(cb_unpack_int(&r, 3), 0);
    assert_int_equal(cb_unpack_done(&r), -1);
}

static void test_varints(void **unused)
{
    static const int64_t values[] = {0, 1, -1, 63, -64, 64, 127, 128,
                                     300, -70000, INT64_MAX, INT64_MIN};
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;

    (void)unused;
    cb_pack_init(&w, &b);
    cb_pack_uvar(&w, 300); /* 0xac 0x02 */
    cb_pack_svar(&w, -2);  /* 3 */
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "\xac\x02\x03", 3);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        b.len = 0;
        cb_pack_uvar(&w, (uint64_t)values[i]);
        cb_pack_svar(&w, values[i]);
        cb_unpack_init(&r, b.data, b.len);
        assert_int_equal(cb_unpack_uvar(&r), (uint64_t)values[i]);
        assert_int_equal(cb_unpack_svar(&r), values[i]);
        assert_int_equal(cb_unpack_done(&r), 0);
        /* every truncation fails */
        for (size_t n = 0; n < b.len; n++) {
            cb_unpack_init(&r, b.data, n);
            (void)cb_unpack_uvar(&r);
            (void)cb_unpack_svar(&r);
            assert_int_equal(cb_unpack_done(&r), -1);
        }
    }
    /* eleven bytes of continuation are none */
    cb_unpack_init(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    (void)cb_unpack_uvar(&r);
    assert_true(r.failed);
    cb_buf_free(&b);
}

/* Packs ids[] as a list (each against the one before) and reads it back;
 * returns the bytes it took. */
static size_t eid_list(cb_eidforms *forms, const char *const *ids,
                       size_t n)
{
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;
    cb_str prev = {0}, s;
    size_t len;

    cb_pack_init(&w, &b);
    w.forms = forms;
    for (size_t i = 0; i < n; i++)
        cb_pack_eid(&w, ids[i], strlen(ids[i]), i ? ids[i - 1] : NULL,
                    i ? strlen(ids[i - 1]) : 0);
    assert_false(w.failed);
    cb_unpack_init(&r, b.data, b.len);
    r.forms = forms;
    for (size_t i = 0; i < n; i++) {
        cb_unpack_eid(&r, prev.s, prev.len, &s);
        assert_false(r.failed);
        assert_int_equal(s.len, strlen(ids[i]));
        assert_memory_equal(s.s, ids[i], s.len);
        prev = s;
    }
    assert_int_equal(cb_unpack_done(&r), 0);
    /* every truncation fails */
    for (size_t k = 0; k < b.len; k++) {
        cb_unpack_init(&r, b.data, k);
        r.forms = forms;
        prev.len = 0;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_unpack_eid(&r, prev.s, prev.len, &s);
            prev = s;
        }
        assert_int_equal(cb_unpack_done(&r), -1);
    }
    len = b.len;
    cb_buf_free(&b);
    return len;
}

static void test_eids(void **unused)
{
    static const char *const gen[] = {"en-000786313", "en-000795791",
                                      "en-000700001", "en-000700001"};
    static const char *const odd[] = {
        "", "x", "1", "007", "abc-", "en-000786313", "dn-000786313",
        "en-00786313", "en-000786313x", "en-9999999999999999999",
        "en-999999999999999999", "en-000000000000000000", "\xff\x01-5"};
    char big[300];
    cb_buf b = {0};
    cb_pack w;

    (void)unused;
    /* 9 bytes for the first id, then about 3 for each near it */
    assert_int_equal(eid_list(NULL, gen, 1), 9);
    assert_int_equal(eid_list(NULL, gen, 4), 9 + 3 + 3 + 1);
    /* ids of every form, each against the one before */
    eid_list(NULL, odd, sizeof(odd) / sizeof(odd[0]));
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        eid_list(NULL, &odd[i], 1);
    /* longer than 255 bytes fails the writer */
    memset(big, '7', sizeof(big));
    cb_pack_init(&w, &b);
    cb_pack_eid(&w, big, sizeof(big), NULL, 0);
    assert_true(w.failed);
    cb_buf_free(&b);
}

/* A value packed against a base: any two int64s round trip, the
 * difference wrapping rather than overflowing (damaged bytes decode to
 * such values, and are packed again). */
static void test_varints_from(void **unused)
{
    static const int64_t v[] = {0, 1, -1, 320923008, INT64_MAX, INT64_MIN};
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;

    (void)unused;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
            b.len = 0;
            cb_pack_init(&w, &b);
            cb_pack_svar_from(&w, v[i], v[k]);
            assert_false(w.failed);
            cb_unpack_init(&r, b.data, b.len);
            assert_true(cb_unpack_svar_from(&r, v[k]) == v[i]);
            assert_int_equal(cb_unpack_done(&r), 0);
        }
    /* a township of its county: 1 byte */
    b.len = 0;
    cb_pack_init(&w, &b);
    cb_pack_svar_from(&w, 320923008, 320923000);
    assert_int_equal(b.len, 1);
    cb_buf_free(&b);
}

/* The store's list of forms, as a test keeps it: what the hook pushes
 * to and reloads from (down: it refuses to push). */
static struct {
    char entries[CB_EIDFORMS_MAX + 10][CB_EIDFORMS_ENTRY_SIZE];
    size_t n;
    int calls, down;
} list;

static void reload(cb_eidforms *t)
{
    const char *e[CB_EIDFORMS_MAX + 10];
    size_t lens[CB_EIDFORMS_MAX + 10];

    for (size_t i = 0; i < list.n; i++) {
        e[i] = list.entries[i];
        lens[i] = strlen(list.entries[i]);
    }
    cb_eidforms_set(t, e, lens, list.n);
}

static void miss(cb_eidforms *t, const char *entry, void *opaque)
{
    (void)opaque;
    list.calls++;
    if (entry != NULL && !list.down && list.n < CB_EIDFORMS_MAX)
        snprintf(list.entries[list.n++], CB_EIDFORMS_ENTRY_SIZE, "%s",
                 entry);
    reload(t);
}

/* Packed with the store's forms: an id whose form has an index takes the
 * index in one byte where its prefix and count took five or more; a
 * writer's miss records the form, a reader's miss reloads the list. */
static void test_eid_forms(void **unused)
{
    static const char *const gen[] = {"en-000786313", "en-000795791",
                                      "hh-000700001", "en-000700001"};
    static const char *const odd[] = {
        "", "x", "1", "007", "abc-", "en-000786313", "dn-000786313",
        "en-00786313", "en-000786313x", "en-999999999999999999"};
    cb_eidforms *w = cb_eidforms_new(), *r = cb_eidforms_new();
    cb_buf b = {0};
    cb_pack p;
    cb_unpack u;
    cb_str out;

    (void)unused;
    memset(&list, 0, sizeof(list));
    /* a table of its own: en- with 9 digits is index 0 */
    assert_int_equal(cb_eidforms_add(w, "en-", 3, 9), 0);
    assert_int_equal(cb_eidforms_add(w, "hh-", 3, 9), 1);
    assert_int_equal(cb_eidforms_code(w, "en-", 3, 9), 0);
    assert_int_equal(cb_eidforms_code(w, "en-", 3, 8), -1);
    assert_int_equal(eid_list(w, gen, 1), 5); /* was 9 */
    /* the hh- id after an en- one: 5 bytes, not 9 */
    assert_int_equal(eid_list(w, gen, 4), 5 + 3 + 5 + 5);
    assert_int_equal(eid_list(NULL, gen, 4), 9 + 3 + 9 + 9);
    eid_list(w, odd, sizeof(odd) / sizeof(odd[0]));
    /* a reader without the table, or whose index names no form, refuses */
    cb_pack_init(&p, &b);
    p.forms = w;
    cb_pack_eid(&p, "hh-000000042", 12, NULL, 0);
    assert_false(p.failed);
    assert_int_equal(b.len, 3); /* uvar 42 << 2 | 2, the index */
    cb_unpack_init(&u, b.data, b.len);
    cb_unpack_eid(&u, NULL, 0, &out);
    assert_true(u.failed);
    cb_unpack_init(&u, b.data, b.len);
    u.forms = r; /* empty, no hook */
    cb_unpack_eid(&u, NULL, 0, &out);
    assert_true(u.failed);

    /* the store's hook: a writer's first id of a form records it */
    cb_eidforms_on_miss(w, miss, NULL);
    cb_eidforms_on_miss(r, miss, NULL);
    reload(w);
    assert_int_equal(cb_eidforms_count(w), 0);
    assert_int_equal(eid_list(w, gen, 1), 5);
    assert_int_equal(list.calls, 1);
    assert_string_equal(list.entries[0], "9:en-");
    assert_int_equal(eid_list(w, gen, 4), 5 + 3 + 5 + 5);
    assert_int_equal(list.calls, 2); /* hh- */
    assert_string_equal(list.entries[1], "9:hh-");
    /* a reader meets index 1 and reloads the list once */
    b.len = 0;
    cb_pack_init(&p, &b);
    p.forms = w;
    cb_pack_eid(&p, "hh-000000042", 12, NULL, 0);
    cb_unpack_init(&u, b.data, b.len);
    u.forms = r;
    cb_unpack_eid(&u, NULL, 0, &out);
    assert_false(u.failed);
    assert_int_equal(out.len, 12);
    assert_memory_equal(out.s, "hh-000000042", 12);
    assert_int_equal(list.calls, 3);
    /* a form the store will not take is asked for once, packed whole */
    list.down = 1;
    static const char *const dn[] = {"dn-1", "dn-2"};
    assert_int_equal(eid_list(w, dn, 2), 6 + 1);
    assert_int_equal(list.calls, 4);
    assert_int_equal(eid_list(w, dn, 1), 6);
    assert_int_equal(list.calls, 4);
    /* an index past the list's end: one reload, then refused */
    b.len = 0;
    cb_pack_init(&p, &b);
    cb_pack_uvar(&p, 42 << 2 | 2);
    cb_pack_int(&p, 7, 1);
    cb_unpack_init(&u, b.data, b.len);
    u.forms = r;
    cb_unpack_eid(&u, NULL, 0, &out);
    assert_true(u.failed);
    assert_int_equal(list.calls, 5);
    /* a full list takes no more forms, and asks nothing */
    list.down = 0;
    while (list.n < CB_EIDFORMS_MAX + 3) { /* "1:f" and two letters */
        snprintf(list.entries[list.n], CB_EIDFORMS_ENTRY_SIZE, "1:f%c%c",
                 list.n >= 26 ? (int)('a' + list.n / 26 - 1) : 'z',
                 (int)('a' + list.n % 26));
        list.n++;
    }
    reload(w);
    assert_int_equal(cb_eidforms_count(w), CB_EIDFORMS_MAX);
    int calls = list.calls;
    assert_int_equal(cb_eidforms_code(w, "zz-", 3, 4), -1);
    assert_int_equal(list.calls, calls);
    assert_int_equal(cb_eidforms_code(w, "fiu", 3, 1), 254); /* 9*26+20 */
    assert_int_equal(cb_eidforms_code(w, "fiv", 3, 1), -1);
    cb_buf_free(&b);
    cb_eidforms_free(w);
    cb_eidforms_free(r);
}

/* The list's entries: what names a form and what keeps its index and
 * names none. */
static void test_eid_form_entries(void **unused)
{
    static const char *const e[] = {
        "9:hh-", "18:x", "1:", "19:x", "0:x", "09:x", ":x", "9x", "",
        "123:x", "9:0123456789012345678901234567890123", "9:ev2024-",
        "9:abcdefghijklmnopqrstuvwxyzabcdef",
        "9:abcdefghijklmnopqrstuvwxyzabcdefg"};
    static const int ok[] = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    size_t lens[sizeof(e) / sizeof(e[0])];
    char buf[CB_EIDFORMS_ENTRY_SIZE], nul[3] = {'a', 0, 'b'};
    cb_eidforms *t = cb_eidforms_new();
    const char *prefix;
    size_t plen;
    unsigned digits;

    (void)unused;
    for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
        lens[i] = strlen(e[i]);
    cb_eidforms_set(t, e, lens, sizeof(e) / sizeof(e[0]));
    assert_int_equal(cb_eidforms_count(t), sizeof(e) / sizeof(e[0]));
    for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
        assert_int_equal(cb_eidforms_form(t, (unsigned)i, &prefix, &plen,
                                          &digits) == 0, ok[i]);
    assert_int_equal(cb_eidforms_form(t, 1, &prefix, &plen, &digits), 0);
    assert_int_equal(digits, 18);
    assert_int_equal(plen, 1);
    assert_int_equal(cb_eidforms_code(t, "", 0, 1), 2);
    assert_int_equal(cb_eidforms_entry("hh-", 3, 9, buf), 0);
    assert_string_equal(buf, "9:hh-");
    assert_int_equal(cb_eidforms_entry("x", 1, 18, buf), 0);
    assert_string_equal(buf, "18:x");
    assert_int_equal(cb_eidforms_entry("x", 1, 19, buf), -1);
    assert_int_equal(cb_eidforms_entry("x", 1, 0, buf), -1);
    assert_int_equal(cb_eidforms_entry(nul, 3, 2, buf), -1);
    /* a prefix with a digit: the timers' ids would make a form a month */
    assert_int_equal(cb_eidforms_entry("timer:2022-04-", 14, 2, buf), -1);
    assert_int_equal(cb_eidforms_add(t, nul, 3, 2), -1);
    cb_eidforms_free(t);
}

/* A county's first township code from its six digits, wherever they
 * stand in an id; none when one of them is not a digit. */
/* Packs name as text and reads it back; returns the packed length. */
static size_t text_round_trip(const char *name, size_t n)
{
    cb_buf b = {0};
    cb_pack w;
    cb_unpack r;
    cb_str out;
    size_t len;

    cb_pack_init(&w, &b);
    cb_pack_text(&w, name, n);
    assert_false(w.failed);
    cb_unpack_init(&r, b.data, b.len);
    cb_unpack_text(&r, &out);
    assert_false(r.failed);
    assert_int_equal(cb_unpack_done(&r), 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.s, name, n);
    /* every truncation is refused */
    for (size_t k = 0; k < b.len; k++) {
        cb_unpack_init(&r, b.data, k);
        cb_unpack_text(&r, &out);
        assert_true(r.failed);
        assert_int_equal(out.len, 0);
    }
    len = b.len;
    cb_buf_free(&b);
    return len;
}

/* Reads bytes as a packed name: 0, or -1 when refused. */
static int text_read(const char *bytes, size_t n)
{
    cb_unpack r;
    cb_str out;

    cb_unpack_init(&r, bytes, n);
    cb_unpack_text(&r, &out);
    return r.failed || cb_unpack_done(&r) != 0 ? -1 : 0;
}

static void test_text(void **unused)
{
    /* U+738B U+8D85 U+4FCA: 9 bytes of UTF-8, 6 of text and a head */
    static const char wang[] = "\xe7\x8e\x8b\xe8\xb6\x85\xe4\xbf\x8a";
    /* with U+00B7 (escaped: 0xFF and its 2 bytes) between ideographs */
    static const char dot[] = "\xe9\x98\xbf\xc2\xb7\xe5\x8a\x9b";
    /* U+4E00 and U+9FFF, the first and the last of the 2-byte codes, and
     * U+20000 (4 bytes, escaped) */
    static const char ends[] = "\xe4\xb8\x80\xe9\xbf\xbf\xf0\xa0\x80\x80";
    char big[255];
    cb_buf b = {0};
    cb_pack w;

    (void)unused;
    assert_int_equal(text_round_trip("", 0), 1);
    assert_int_equal(text_round_trip("MARIA SANTOS", 12), 13);
    assert_int_equal(text_round_trip(wang, 9), 7);
    assert_int_equal(text_round_trip(dot, 8), 1 + 2 + 3 + 2);
    assert_int_equal(text_round_trip(ends, 10), 1 + 2 + 2 + 5);
    /* not UTF-8 (a character cut short, a stray continuation byte), or
     * longer as text (Cyrillic: 2 bytes each, 3 escaped): raw */
    assert_int_equal(text_round_trip("\xe7\x8e", 2), 3);
    assert_int_equal(text_round_trip("a\x80", 2), 3);
    assert_int_equal(text_round_trip("\xd0\x98\xd0\xb2", 4), 5);
    /* 85 ideographs (255 bytes) as 170 and a 2-byte head; 255 ASCII bytes */
    for (int i = 0; i < 85; i++)
        memcpy(big + 3 * i, wang, 3);
    assert_int_equal(text_round_trip(big, 255), 172);
    memset(big, 'x', sizeof(big));
    assert_int_equal(text_round_trip(big, 255), 257);
    /* the bytes packed are the text form: head 6 << 1 */
    cb_pack_init(&w, &b);
    cb_pack_text(&w, wang, 9);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "\x0c\xa5\x8b\xbf\x85\x81\xca", 7);
    cb_pack_text(&w, big, 256);
    assert_true(w.failed);
    cb_buf_free(&b);

    /* refused: a 2-byte code past U+9FFF's (0xD2), an escape of an
     * ideograph or of ASCII, an escape at the end, a code cut short,
     * text that reads longer than a name, a head past 255 bytes */
    assert_int_equal(text_read("\x04\xd2\x00", 3), -1);
    assert_int_equal(text_read("\x08\xff\xe7\x8e\x8b", 5), -1);
    assert_int_equal(text_read("\x04\xff\x41", 3), -1);
    assert_int_equal(text_read("\x02\xff", 2), -1);
    assert_int_equal(text_read("\x02\xa5", 2), -1);
    {
        char buf[2 + 180];
        buf[0] = (char)0xe8; /* uvar 180 << 1 = 360 */
        buf[1] = 0x02;
        memset(buf + 2, 0xa5, 180);
        assert_int_equal(text_read(buf, sizeof(buf)), -1); /* 270 bytes */
        buf[0] = (char)0x80; /* 256 << 1 = 512: 0x80 0x04 */
        buf[1] = 0x04;
        assert_int_equal(text_read(buf, sizeof(buf)), -1);
    }
    /* and read: raw bytes that text would have packed shorter */
    assert_int_equal(text_read("\x07\xe7\x8e\x8b", 4), 0);
}

static void test_county_base(void **unused)
{
    (void)unused;
    assert_int_equal(cb_code_county_base("320923198001011234"), 320923000);
    assert_int_equal(cb_code_county_base("91320923MA1XXXXXXB" + 2),
                     320923000);
    assert_int_equal(cb_code_county_base("000000"), 0);
    assert_int_equal(cb_code_county_base("32092X"), 0);
    assert_int_equal(cb_code_county_base("ABCDEF"), 0);
    assert_int_equal(CB_CODE_COUNTY_SPAN, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_short_and_long),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_varints_from),
        cmocka_unit_test(test_eids),
        cmocka_unit_test(test_eid_forms),
        cmocka_unit_test(test_eid_form_entries),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_county_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
