/* test_codec.c -- the Avro single-object codec: round trips of every kind,
 * the message header, refusal of bad messages, and schema evolution both
 * ways (tests/data/household-v2.avsc). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_codec.h"
#include "cb_schema.h"

static const char PERSON_ID[] = "320923198001011233";
static const char USCC[] = "91320923MA1XXXXXXB";
/* a dead letter's raw bytes: a NUL and bytes that are not UTF-8 */
static const char RAW[] = "320923198001011233,\xd5\xc5\xc8\xfd\0,\xff";
#define RAW_LEN (sizeof(RAW) - 1)

/* --------------------------------------------------------------- helpers */

/* Fills a string field to exactly n bytes (n < its size) with UTF-8 text,
 * multi-byte characters first. */
static void fill_text(char *p, size_t n)
{
    size_t i = 0;

    while (i + 3 <= n && i < 30) {
        memcpy(p + i, "\xe5\xbc\xa0", 3); /* 张 */
        i += 3;
    }
    for (; i < n; i++)
        p[i] = (char)('a' + i % 26);
    p[n] = '\0';
}

/* A record of `kind` with every required field set, and with `full` every
 * optional one too, to the edges of what the struct holds. */
static void fill_record(cb_kind kind, void *rec, int full)
{
    const cb_kind_info *info = cb_kind_info_get(kind);

    cb_record_clear(kind, rec);
    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        void *p = CB_FIELD_PTR(rec, f);

        if (!full && !f->required)
            continue;
        switch (f->type) {
        case CB_FT_STRING:
            switch (f->check) {
            case CB_FC_PERSON_ID:
                snprintf(p, f->size, "%s", PERSON_ID);
                break;
            case CB_FC_USCC:
                snprintf(p, f->size, "%s", USCC);
                break;
            case CB_FC_CODE:
                snprintf(p, f->size, "%s", full ? "320923100001" : "320923");
                break;
            case CB_FC_MONTH:
                snprintf(p, f->size, "2024-03");
                break;
            case CB_FC_PERIOD:
                snprintf(p, f->size, "%s", full ? "2024-12" : "2024");
                break;
            case CB_FC_TOKEN:
                memset(p, 'e', f->size - 1);
                ((char *)p)[full ? f->size - 1 : 1] = '\0';
                break;
            default:
                if (strcmp(f->name, "subject_id") == 0)
                    snprintf(p, f->size, "%s", full ? USCC : PERSON_ID);
                else
                    fill_text(p, full ? f->size - 1 : 1);
            }
            break;
        case CB_FT_ENUM:
            *(int *)p = full ? f->nsymbols - 1 : 0;
            break;
        case CB_FT_DATE:
            *(int32_t *)p = full ? -25567 : 19783; /* 1900-01-01 */
            break;
        case CB_FT_TIME:
            *(int64_t *)p =
                full ? INT64_C(-2208988800123) : INT64_C(1709258400000);
            break;
        case CB_FT_LONG:
            *(int64_t *)p = full ? INT64_MAX : 0;
            break;
        case CB_FT_BOOL:
            *(int *)p = full ? 1 : 0;
            break;
        case CB_FT_TEXT:
            ((cb_span *)p)->ptr = full ? "ev-1 ev-2 \xe6\xad\xbb" : "e";
            ((cb_span *)p)->len = strlen(((cb_span *)p)->ptr);
            break;
        case CB_FT_BYTES:
            /* the minimal record has present but empty bytes */
            ((cb_span *)p)->ptr = full ? RAW : "";
            ((cb_span *)p)->len = full ? RAW_LEN : 0;
            break;
        }
    }
}

static void assert_records_equal(cb_kind kind, const void *a, const void *b)
{
    const cb_kind_info *info = cb_kind_info_get(kind);

    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        const void *pa = CB_FIELD_CPTR(a, f), *pb = CB_FIELD_CPTR(b, f);
        int same = 1;

        if (cb_field_is_absent(f, a) != cb_field_is_absent(f, b))
            fail_msg("%s.%s: present in one record only", info->name, f->name);
        if (cb_field_is_absent(f, a))
            continue;
        switch (f->type) {
        case CB_FT_STRING:
            same = strcmp(pa, pb) == 0;
            break;
        case CB_FT_ENUM:
        case CB_FT_BOOL:
            same = *(const int *)pa == *(const int *)pb;
            break;
        case CB_FT_DATE:
            same = *(const int32_t *)pa == *(const int32_t *)pb;
            break;
        case CB_FT_TIME:
        case CB_FT_LONG:
            same = *(const int64_t *)pa == *(const int64_t *)pb;
            break;
        case CB_FT_TEXT:
        case CB_FT_BYTES: {
            const cb_span *sa = pa, *sb = pb;
            same = sa->len == sb->len &&
                   (sa->len == 0 || memcmp(sa->ptr, sb->ptr, sa->len) == 0);
            break;
        }
        }
        if (!same)
            fail_msg("%s.%s differs after the round trip", info->name, f->name);
    }
}

static cb_codec *new_codec(void)
{
    char err[512] = "";
    cb_codec *codec = cb_codec_new(err, sizeof(err));

    if (codec == NULL)
        fail_msg("cb_codec_new: %s", err);
    return codec;
}

/* Reads a file of the source tree (CANBAO_SOURCE_DIR); caller frees. */
static char *read_source_file(const char *rel)
{
    const char *dir = getenv("CANBAO_SOURCE_DIR");
    char path[1024];
    FILE *fp;
    long n;
    char *text;

    if (dir == NULL)
        fail_msg("CANBAO_SOURCE_DIR is not set (ctest sets it)");
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
    text[n] = '\0';
    fclose(fp);
    return text;
}

static uint64_t message_fp(const cb_buf *b)
{
    uint64_t fp = 0;

    assert_int_equal(cb_codec_peek_fingerprint(b->data, b->len, &fp), 0);
    return fp;
}

/* ---------------------------------------------------------- round trips */

static void test_round_trip_every_kind(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    char err[512];

    (void)state;
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        for (int full = 0; full <= 1; full++) {
            cb_record in, out;
            cb_kind kind;

            fill_record((cb_kind)k, &in.u, full);
            if (cb_codec_encode(codec, (cb_kind)k, &in.u, &buf, err,
                                sizeof(err)) != 0)
                fail_msg("encode %s (%s): %s",
                         cb_kind_info_get((cb_kind)k)->name,
                         full ? "full" : "minimal", err);
            memset(&out, 0x5a, sizeof(out)); /* no leftovers count */
            if (cb_codec_decode(codec, buf.data, buf.len, &kind, &out.u, err,
                                sizeof(err)) != 0)
                fail_msg("decode %s (%s): %s",
                         cb_kind_info_get((cb_kind)k)->name,
                         full ? "full" : "minimal", err);
            assert_int_equal(kind, k);
            assert_records_equal((cb_kind)k, &in.u, &out.u);
            /* the tagged form says the same */
            assert_int_equal(cb_codec_decode_record(codec, buf.data, buf.len,
                                                    &out, err, sizeof(err)),
                             0);
            assert_int_equal(out.kind, k);
            assert_records_equal((cb_kind)k, &in.u, &out.u);
        }
    }
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* C3 01, then the fingerprint of the schema's canonical form in
 * little-endian order, then the datum. */
static void test_header(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    char err[512];

    (void)state;
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        const char *json = cb_codec_schema_json(codec, (cb_kind)k);
        uint64_t fp = 0, want;
        cb_record rec;

        assert_non_null(json);
        assert_int_equal(
            cb_schema_fingerprint(json, strlen(json), &want, err, sizeof(err)),
            0);
        assert_true(cb_codec_fingerprint(codec, (cb_kind)k) == want);
        fill_record((cb_kind)k, &rec.u, 0);
        assert_int_equal(
            cb_codec_encode(codec, (cb_kind)k, &rec.u, &buf, err, sizeof(err)),
            0);
        assert_true(buf.len > CB_CODEC_HEADER_SZ);
        assert_int_equal((unsigned char)buf.data[0], 0xC3);
        assert_int_equal((unsigned char)buf.data[1], 0x01);
        for (int i = 0; i < 8; i++)
            assert_int_equal((unsigned char)buf.data[2 + i],
                             (unsigned)(want >> (8 * i)) & 0xff);
        assert_int_equal(cb_codec_peek_fingerprint(buf.data, buf.len, &fp), 0);
        assert_true(fp == want);
    }
    assert_int_equal(cb_codec_peek_fingerprint("\xC3\x01", 2, &(uint64_t){0}),
                     -1);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* A known household message, for the refusal tests. */
static void encode_household(cb_codec *codec, cb_buf *buf)
{
    cb_household h;
    char err[512];

    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    if (cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, buf, err, sizeof(err)))
        fail_msg("encode: %s", err);
}

/* ------------------------------------------------------------- refusals */

static void test_unknown_fingerprint(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_record rec;
    char err[512] = "", hex[32];
    uint64_t fp;

    (void)state;
    encode_household(codec, &buf);
    buf.data[5] ^= 0x40;
    fp = message_fp(&buf);
    snprintf(hex, sizeof(hex), "%016" PRIx64, fp);
    assert_int_equal(cb_codec_decode_record(codec, buf.data, buf.len, &rec, err,
                                            sizeof(err)),
                     -1);
    if (strstr(err, hex) == NULL)
        fail_msg("the error does not name fingerprint %s: %s", hex, err);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

static void test_bad_marker(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_record rec;
    char err[512] = "";

    (void)state;
    encode_household(codec, &buf);
    buf.data[0] = (char)0xC2;
    assert_int_equal(cb_codec_decode_record(codec, buf.data, buf.len, &rec, err,
                                            sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "C3 01"));
    buf.data[0] = (char)0xC3;
    buf.data[1] = 0x02;
    assert_int_equal(cb_codec_decode_record(codec, buf.data, buf.len, &rec, err,
                                            sizeof(err)),
                     -1);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

static void test_truncated(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_record rec;
    char err[512];

    (void)state;
    encode_household(codec, &buf);
    for (size_t n = 0; n < buf.len; n++) {
        /* a copy of exactly n bytes, so that ASan sees any overread */
        char *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, buf.data, n);
        err[0] = '\0';
        if (cb_codec_decode_record(codec, cut, n, &rec, err, sizeof(err)) != -1)
            fail_msg("a message cut to %zu of %zu bytes decoded", n, buf.len);
        assert_true(err[0] != '\0');
        free(cut);
    }
    /* one byte too many is refused as well */
    assert_int_equal(buf.cap > buf.len, 1);
    buf.data[buf.len] = 0;
    assert_int_equal(cb_codec_decode_record(codec, buf.data, buf.len + 1, &rec,
                                            err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "after its end"));
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* Datums of random bytes, and the lengths avro-c 1.11.1 would trust. */
static void test_garbage(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_record rec;
    char err[512], msg[64];
    uint32_t x = 2024;
    int decoded = 0;

    (void)state;
    encode_household(codec, &buf);
    memcpy(msg, buf.data, CB_CODEC_HEADER_SZ);
    for (int round = 0; round < 50000; round++) {
        size_t n = CB_CODEC_HEADER_SZ + (size_t)round % 50;
        for (size_t i = CB_CODEC_HEADER_SZ; i < n; i++) {
            x = x * 1103515245u + 12345u;
            msg[i] = (char)(x >> 16);
            /* small lengths and indexes now and then, to get deeper */
            if ((x >> 8) % 3 == 0)
                msg[i] = (char)((x >> 20) % 8);
        }
        if (cb_codec_decode_record(codec, msg, n, &rec, err, sizeof(err)) == 0)
            decoded++;
    }
    print_message("%d of 50000 random datums decoded\n", decoded);

    /* valid messages of every kind with a few bytes changed: these get
     * through the header and deep into the datum */
    decoded = 0;
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        cb_record in;
        fill_record((cb_kind)k, &in.u, k % 2);
        assert_int_equal(
            cb_codec_encode(codec, (cb_kind)k, &in.u, &buf, err, sizeof(err)),
            0);
        for (int round = 0; round < 5000; round++) {
            char *m = malloc(buf.len);
            size_t n = buf.len;
            assert_non_null(m);
            memcpy(m, buf.data, buf.len);
            for (int j = 0; j < 1 + round % 3; j++) {
                x = x * 1103515245u + 12345u;
                m[CB_CODEC_HEADER_SZ +
                  (x >> 8) % (buf.len - CB_CODEC_HEADER_SZ)] = (char)(x >> 24);
            }
            if (round % 7 == 0)
                n -= (x >> 4) % (n - CB_CODEC_HEADER_SZ);
            if (cb_codec_decode_record(codec, m, n, &rec, err, sizeof(err)) ==
                0)
                decoded++;
            free(m);
        }
    }
    print_message("%d of %d changed messages decoded\n", decoded,
                  CB_KIND_COUNT * 5000);

    /* a string length of 2^31 - 1, and a negative one, right after the
     * header (event_id is the first field) */
    memcpy(msg + CB_CODEC_HEADER_SZ,
           "\xfe\xff\xff\xff\x0f"
           "abc",
           8);
    assert_int_equal(cb_codec_decode_record(codec, msg, CB_CODEC_HEADER_SZ + 8,
                                            &rec, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "past the end"));
    memcpy(msg + CB_CODEC_HEADER_SZ,
           "\x03"
           "abc",
           4);
    assert_int_equal(cb_codec_decode_record(codec, msg, CB_CODEC_HEADER_SZ + 4,
                                            &rec, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "negative"));
    /* an over-long varint */
    memcpy(msg + CB_CODEC_HEADER_SZ, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
           10);
    assert_int_equal(cb_codec_decode_record(codec, msg, CB_CODEC_HEADER_SZ + 10,
                                            &rec, err, sizeof(err)),
                     -1);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

static void test_encode_refusals(void **state)
{
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_household h;
    cb_enrollment e;
    char err[512];

    (void)state;
    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    h.sex = 2; /* only M and F */
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "household.sex"));

    fill_record(CB_KIND_ENROLLMENT, &e, 1);
    e.paid_by = 7;
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_ENROLLMENT, &e, &buf, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "enrollment.paid_by"));

    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    h.event_id[0] = '\0'; /* required, absent */
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "household.event_id is required"));

    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    h.student = 2;
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err, sizeof(err)),
        -1);

    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    h.name[1] = (char)0xff; /* not UTF-8 */
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "UTF-8"));

    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    memset(h.name, 'a', sizeof(h.name)); /* no NUL */
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err, sizeof(err)),
        -1);

    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_COUNT, &h, &buf, err, sizeof(err)), -1);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* ------------------------------------------------------------ evolution */

/* Writes a household message with avro-c directly, in the schema given
 * (v1 or v2); nationality is set when the schema has it (NULL: null);
 * township, when not NULL, replaces h's township_code. */
static size_t write_household(const char *json, const cb_household *h,
                              const char *nationality, const char *township,
                              char *out, size_t cap)
{
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t rec, v, b;
    avro_writer_t w;
    uint64_t fp;
    char err[256];
    size_t len;

    assert_int_equal(avro_schema_from_json_length(json, strlen(json), &schema),
                     0);
    iface = avro_generic_class_from_schema(schema);
    assert_int_equal(avro_generic_value_new(iface, &rec), 0);
#define SET(name, call)                                                        \
    assert_int_equal(avro_value_get_by_name(&rec, name, &v, NULL), 0);         \
    assert_int_equal(call, 0)
    SET("event_id", avro_value_set_string(&v, h->event_id));
    SET("person_id", avro_value_set_string(&v, h->person_id));
    SET("name", avro_value_set_string(&v, h->name));
    SET("sex", avro_value_set_enum(&v, h->sex));
    SET("birth_date", avro_value_set_int(&v, h->birth_date));
    SET("action", avro_value_set_enum(&v, h->action));
    SET("township_code",
        avro_value_set_string(&v, township ? township : h->township_code));
    SET("student", avro_value_set_branch(&v, h->student < 0 ? 0 : 1, &b));
    if (h->student >= 0)
        assert_int_equal(avro_value_set_boolean(&b, h->student), 0);
    else
        assert_int_equal(avro_value_set_null(&b), 0);
    SET("occurred_at", avro_value_set_long(&v, h->occurred_at));
    if (avro_value_get_by_name(&rec, "nationality", &v, NULL) == 0) {
        assert_int_equal(avro_value_set_branch(&v, nationality ? 1 : 0, &b), 0);
        if (nationality != NULL)
            assert_int_equal(avro_value_set_string(&b, nationality), 0);
        else
            assert_int_equal(avro_value_set_null(&b), 0);
    }
#undef SET
    assert_int_equal(
        cb_schema_fingerprint(json, strlen(json), &fp, err, sizeof(err)), 0);
    out[0] = (char)0xC3;
    out[1] = 0x01;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (char)(fp >> (8 * i));
    w = avro_writer_memory(out + CB_CODEC_HEADER_SZ,
                           (int64_t)(cap - CB_CODEC_HEADER_SZ));
    assert_int_equal(avro_value_write(w, &rec), 0);
    len = CB_CODEC_HEADER_SZ + (size_t)avro_writer_tell(w);
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return len;
}

/* The string value of a field of a generic record, NULL when null. */
static const char *field_string(avro_value_t *rec, const char *name)
{
    avro_value_t v, b = {NULL, NULL};
    const char *s = NULL;
    size_t size = 0;
    int d = -1;

    assert_int_equal(avro_value_get_by_name(rec, name, &v, NULL), 0);
    if (avro_value_get_type(&v) == AVRO_UNION) {
        assert_int_equal(avro_value_get_discriminant(&v, &d), 0);
        if (d == 0)
            return NULL;
        assert_int_equal(avro_value_get_current_branch(&v, &b), 0);
        v = b;
    }
    assert_int_equal(avro_value_get_string(&v, &s, &size), 0);
    return s;
}

/* A v1 message read with v2 as the reader: the same values, and null for
 * the field v1 lacks. */
static void test_old_writer_new_reader(void **state)
{
    char *v2 = read_source_file("tests/data/household-v2.avsc");
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_household h, out;
    avro_value_t *value;
    cb_kind kind;
    char err[512];
    int32_t days;
    avro_value_t v;

    (void)state;
    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    assert_int_equal(
        cb_codec_encode(codec, CB_KIND_HOUSEHOLD, &h, &buf, err, sizeof(err)),
        0);
    if (cb_codec_set_reader(codec, CB_KIND_HOUSEHOLD, v2, err, sizeof(err)))
        fail_msg("set_reader v2: %s", err);
    for (int round = 0; round < 3; round++) { /* values are reused */
        if (cb_codec_decode_value(codec, buf.data, buf.len, &kind, &value, err,
                                  sizeof(err)) != 0)
            fail_msg("decode v1 with v2 reader: %s", err);
        assert_int_equal(kind, CB_KIND_HOUSEHOLD);
        assert_null(field_string(value, "nationality"));
        assert_string_equal(field_string(value, "person_id"), h.person_id);
        assert_string_equal(field_string(value, "name"), h.name);
        assert_int_equal(avro_value_get_by_name(value, "birth_date", &v, NULL),
                         0);
        assert_int_equal(avro_value_get_int(&v, &days), 0);
        assert_int_equal(days, h.birth_date);
        /* the struct decode goes on working for the shared fields */
        assert_int_equal(cb_codec_decode(codec, buf.data, buf.len, &kind, &out,
                                         err, sizeof(err)),
                         0);
        assert_records_equal(CB_KIND_HOUSEHOLD, &h, &out);
    }

    /* with v2 also a known writer, a v2 message keeps its new field */
    {
        char msg[1024];
        size_t n = write_household(v2, &h, "CN", NULL, msg, sizeof(msg));
        if (cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD, v2, err,
                                sizeof(err)) != 0)
            fail_msg("add_writer v2: %s", err);
        assert_int_equal(cb_codec_decode_value(codec, msg, n, &kind, &value,
                                               err, sizeof(err)),
                         0);
        assert_string_equal(field_string(value, "nationality"), "CN");
        /* and v1 messages still come through the v1 writer */
        assert_int_equal(cb_codec_decode_value(codec, buf.data, buf.len, &kind,
                                               &value, err, sizeof(err)),
                         0);
        assert_null(field_string(value, "nationality"));
    }
    free(v2);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* A v2 message (new field set) read by a v1 reader: the new field is
 * skipped, everything else is there. */
static void test_new_writer_old_reader(void **state)
{
    char *v2 = read_source_file("tests/data/household-v2.avsc");
    cb_codec *codec = new_codec();
    cb_household h, out;
    char msg[1024], err[512] = "";
    avro_value_t *value;
    cb_kind kind;
    size_t n;

    (void)state;
    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    n = write_household(v2, &h, "CN", NULL, msg, sizeof(msg));
    /* not known yet: refused, naming the fingerprint */
    assert_int_equal(
        cb_codec_decode(codec, msg, n, &kind, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown writer schema"));
    if (cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD, v2, err, sizeof(err)))
        fail_msg("add_writer v2: %s", err);
    /* adding it twice is harmless */
    assert_int_equal(
        cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD, v2, err, sizeof(err)), 0);
    for (int round = 0; round < 3; round++) {
        memset(&out, 0x5a, sizeof(out));
        if (cb_codec_decode(codec, msg, n, &kind, &out, err, sizeof(err)))
            fail_msg("decode v2 with v1 reader: %s", err);
        assert_int_equal(kind, CB_KIND_HOUSEHOLD);
        assert_records_equal(CB_KIND_HOUSEHOLD, &h, &out);
    }
    assert_int_equal(
        cb_codec_decode_value(codec, msg, n, &kind, &value, err, sizeof(err)),
        0);
    assert_int_equal(avro_value_get_by_name(value, "nationality",
                                            &(avro_value_t){0}, NULL) == 0,
                     0);
    /* a v2 writer with nationality null as well */
    n = write_household(v2, &h, NULL, NULL, msg, sizeof(msg));
    assert_int_equal(
        cb_codec_decode(codec, msg, n, &kind, &out, err, sizeof(err)), 0);
    assert_records_equal(CB_KIND_HOUSEHOLD, &h, &out);
    free(v2);
    cb_codec_free(codec);
}

/* Schemas that do not fit are refused with the kind and field named, and
 * leave the codec working. */
static void test_schema_refusals(void **state)
{
    char *v2 = read_source_file("tests/data/household-v2.avsc");
    char *bad = malloc(strlen(v2) + 64), *p;
    cb_codec *codec = new_codec();
    cb_buf buf = {0};
    cb_household out;
    cb_kind kind;
    char err[512] = "";

    (void)state;
    assert_non_null(bad);
    /* a reader whose sex enum has its symbols the other way round */
    strcpy(bad, v2);
    p = strstr(bad, "[\"M\", \"F\"]");
    assert_non_null(p);
    memcpy(p, "[\"F\", \"M\"]", 10);
    assert_int_equal(
        cb_codec_set_reader(codec, CB_KIND_HOUSEHOLD, bad, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "household.sex"));
    /* a reader for the wrong kind */
    assert_int_equal(
        cb_codec_set_reader(codec, CB_KIND_DEATH, v2, err, sizeof(err)), -1);
    /* a writer lacking a reader field that has no default */
    strcpy(bad, "{\"type\":\"record\",\"name\":\"HouseholdEvent\","
                "\"namespace\":\"org.canbao\",\"fields\":[{\"name\":"
                "\"event_id\",\"type\":\"string\"}]}");
    assert_int_equal(
        cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD, bad, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "no default"));
    /* not JSON, not a schema */
    assert_int_equal(
        cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD, "{", err, sizeof(err)),
        -1);
    assert_int_equal(cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD,
                                         "{\"type\":\"nosuch\"}", err,
                                         sizeof(err)),
                     -1);
    /* the built-in schema of another kind is that kind's already */
    assert_int_equal(
        cb_codec_add_writer(codec, CB_KIND_HOUSEHOLD,
                            cb_codec_schema_json(codec, CB_KIND_DEATH), err,
                            sizeof(err)),
        -1);
    /* still works */
    encode_household(codec, &buf);
    assert_int_equal(cb_codec_decode(codec, buf.data, buf.len, &kind, &out, err,
                                     sizeof(err)),
                     0);
    free(bad);
    free(v2);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* A string longer than the struct keeps is refused at decode, not cut. */
static void test_string_too_long(void **state)
{
    cb_codec *codec = new_codec();
    const char *v1 = cb_codec_schema_json(codec, CB_KIND_HOUSEHOLD);
    cb_household h, out;
    char msg[1024], err[512] = "";
    cb_kind kind;
    size_t n;

    (void)state;
    fill_record(CB_KIND_HOUSEHOLD, &h, 1);
    n = write_household(v1, &h, NULL, NULL, msg, sizeof(msg));
    assert_int_equal(
        cb_codec_decode(codec, msg, n, &kind, &out, err, sizeof(err)), 0);
    assert_records_equal(CB_KIND_HOUSEHOLD, &h, &out);
    /* township_code keeps 12 bytes */
    n = write_household(v1, &h, NULL, "3209231000012345678", msg, sizeof(msg));
    assert_int_equal(
        cb_codec_decode(codec, msg, n, &kind, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "household.township_code is 19 bytes"));
    cb_codec_free(codec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_kind),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_unknown_fingerprint),
        cmocka_unit_test(test_bad_marker),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_old_writer_new_reader),
        cmocka_unit_test(test_new_writer_old_reader),
        cmocka_unit_test(test_schema_refusals),
        cmocka_unit_test(test_string_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
