/* test_suspect.c -- suspects (docs/RULES.md 9.3): a feed record refused for
 * its person's number alone is read whole by the feed reader, carried in
 * its dead letter, read back by cb_suspect_from_deadletter, and renumbered
 * into a record that validates; anything else is not a suspect. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_embed.h"
#include "cb_feed.h"
#include "cb_schema.h"
#include "cb_suspect.h"

#define GOOD  "320923198001011233" /* a man born 1980-01-01 */
#define OTHER "320923197505052341" /* valid, another person */
#define SLIP  "320923198001011234" /* GOOD with a wrong check character */

/* One CSV record per feed: a header, and a row with %s for the number. */
static const struct {
    cb_kind kind;
    const char *header, *row;
} feeds[CB_FEED_COUNT] = {
    {CB_KIND_BUSINESS,
     "event_id,uscc,name,kind,action,established_on,township_code,"
     "legal_rep_id,legal_rep_name,occurred_at\n",
     "b1,91320923MA1M123453,Acme,individual,established,2025-09-01,"
     "320923008,%s,王五,2025-09-02T10:00:00+08:00\n"},
    {CB_KIND_HOUSEHOLD,
     "event_id,person_id,name,sex,birth_date,action,township_code,"
     "occurred_at\n",
     "h1,%s,王五,M,1980-01-01,resident,320923008,"
     "2025-01-01T00:00:00+08:00\n"},
    {CB_KIND_DEATH,
     "event_id,person_id,name,date_of_death,source,occurred_at\n",
     "d1,%s,王五,2025-06-18,police,2025-06-20T11:00:00+08:00\n"},
    {CB_KIND_ENROLLMENT,
     "event_id,person_id,scheme,action,period,amount_fen,paid_by,"
     "region_code,township_code,occurred_at\n",
     "e1,%s,resident_pension,contribute,2025-05,20000,self,320923,"
     "320923008,2025-05-05T08:00:00+08:00\n"},
    {CB_KIND_ASSISTANCE,
     "event_id,person_id,name,identity,valid_from,valid_to,township_code,"
     "occurred_at\n",
     "a1,%s,王五,minimum_living,2025-01-01,2025-12-31,320923008,"
     "2025-06-30T17:00:00+08:00\n"},
};

static const char *const event_ids[CB_FEED_COUNT] = {"b1", "h1", "d1", "e1",
                                                     "a1"};

typedef struct fixture {
    cb_codec *codec;
    cb_buf rec_buf, dl_buf;
    char path[64];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    char err[256];

    fx->codec = cb_codec_new(err, sizeof(err));
    if (fx->codec == NULL)
        fail_msg("codec: %s", err);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    cb_codec_free(fx->codec);
    cb_buf_free(&fx->rec_buf);
    cb_buf_free(&fx->dl_buf);
    free(fx);
    return 0;
}

static cb_feed_opts opts_for(cb_kind kind, cb_format format)
{
    cb_feed_opts o;

    memset(&o, 0, sizeof(o));
    o.kind = kind;
    o.format = format;
    o.encoding = CB_ENC_UTF8;
    assert_int_equal(cb_time_parse("2026-11-23T12:00:00+08:00", 25,
                                   &o.validate.now_ms),
                     0);
    o.validate.skew_ms = CB_VALIDATE_SKEW_MS;
    return o;
}

/* Reads the one record of a feed file holding text into *item (the feed
 * kept open in *feed for the item's views). */
static void read_one(fixture *fx, cb_kind kind, cb_format format,
                     const char *text, cb_feed **feed, cb_feed_item *item)
{
    cb_feed_opts o = opts_for(kind, format);
    char err[256];
    int fd;

    strcpy(fx->path, "/tmp/canbao-test-suspect.XXXXXX");
    fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    *feed = cb_feed_open(fx->path, &o, err, sizeof(err));
    if (*feed == NULL)
        fail_msg("open: %s", err);
    assert_int_equal(cb_feed_next(*feed, item, err, sizeof(err)), 1);
    unlink(fx->path);
}

static void read_csv(fixture *fx, int i, const char *number, cb_feed **feed,
                     cb_feed_item *item)
{
    char text[1024];

    snprintf(text, sizeof(text), "%s", feeds[i].header);
    snprintf(text + strlen(text), sizeof(text) - strlen(text), feeds[i].row,
             number);
    read_one(fx, feeds[i].kind, CB_FORMAT_CSV, text, feed, item);
}

/* The dead letter `canbao produce` sends for a refused item, encoded and
 * decoded again into *dl (its spans into the codec). */
static void dead_letter(fixture *fx, cb_kind kind, const cb_feed_item *item,
                        cb_deadletter *dl)
{
    cb_deadletter out;
    cb_record back;
    char err[256];

    cb_record_clear(CB_KIND_DEADLETTER, &out);
    snprintf(out.feed, sizeof(out.feed), "%s", cb_kind_info_get(kind)->name);
    snprintf(out.file, sizeof(out.file), "f.csv");
    out.line = item->line;
    if (item->err.field != NULL)
        snprintf(out.field, sizeof(out.field), "%s", item->err.field);
    snprintf(out.reason, sizeof(out.reason), "%s", item->err.reason);
    out.raw.ptr = item->raw;
    out.raw.len = item->raw_len;
    out.rejected_at = 1;
    if (item->suspect) {
        if (cb_codec_encode(fx->codec, kind, &item->rec.u, &fx->rec_buf, err,
                            sizeof(err)) != 0)
            fail_msg("encode: %s", err);
        out.record.ptr = fx->rec_buf.data;
        out.record.len = fx->rec_buf.len;
    }
    if (cb_codec_encode(fx->codec, CB_KIND_DEADLETTER, &out, &fx->dl_buf, err,
                        sizeof(err)) != 0 ||
        cb_codec_decode_record(fx->codec, fx->dl_buf.data, fx->dl_buf.len,
                               &back, err, sizeof(err)) != 0)
        fail_msg("dead letter: %s", err);
    assert_int_equal(back.kind, CB_KIND_DEADLETTER);
    *dl = back.u.deadletter;
}

/* A wrong check character on every feed: a suspect, read back whole;
 * enrollment rows name nobody, so theirs carries the record but is no
 * suspect. */
static void test_wrong_check_every_feed(void **state)
{
    fixture *fx = *state;

    for (int i = 0; i < CB_FEED_COUNT; i++) {
        cb_kind kind = feeds[i].kind;
        const cb_field *pf = cb_person_field(kind);
        cb_feed *feed;
        cb_feed_item item;
        cb_deadletter dl;
        cb_suspect s;
        char err[256] = "", raw[512];

        read_csv(fx, i, SLIP, &feed, &item);
        assert_int_equal(item.ok, 0);
        assert_string_equal(item.err.reason, "id_check");
        assert_string_equal(item.err.field, pf->name);
        assert_int_equal(item.suspect, 1);
        assert_string_equal((const char *)CB_FIELD_CPTR(&item.rec.u, pf),
                            SLIP);
        dead_letter(fx, kind, &item, &dl);
        assert_non_null(dl.record.ptr);
        assert_true(dl.raw.len < sizeof(raw));
        memcpy(raw, dl.raw.ptr, dl.raw.len);

        int r = cb_suspect_from_deadletter(fx->codec, &dl, &s, err,
                                           sizeof(err));
        if (kind == CB_KIND_ENROLLMENT) {
            assert_int_equal(r, 0);
        } else {
            if (r != 1)
                fail_msg("%s: %d %s", cb_kind_info_get(kind)->name, r, err);
            assert_int_equal(s.kind, kind);
            assert_int_equal(s.rec.kind, kind);
            assert_string_equal(s.number, SLIP);
            assert_string_equal(s.name, "王五");
            assert_string_equal(s.event_id, event_ids[i]);
            assert_string_equal(s.township_code,
                                kind == CB_KIND_DEATH ? "" : "320923008");
        }
        /* the dead letter's own views outlive the record's decoding */
        assert_memory_equal(dl.raw.ptr, raw, dl.raw.len);
        cb_feed_free(feed);
    }
}

/* The other reasons of a suspect, and JSON Lines. */
static void test_other_reasons_and_jsonl(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *number, *reason;
    } cases[] = {
        {"320923198002301233", "id_birth_date"}, /* 1980-02-30 */
        {"32092319800101123x", "id_charset"},
        {"3209231980O1011233", "id_charset"},
    };
    cb_feed *feed;
    cb_feed_item item;

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        read_csv(fx, CB_KIND_HOUSEHOLD, cases[c].number, &feed, &item);
        assert_string_equal(item.err.reason, cases[c].reason);
        assert_int_equal(item.suspect, 1);
        assert_string_equal(item.rec.u.household.person_id, cases[c].number);
        cb_feed_free(feed);
    }
    read_one(fx, CB_KIND_ASSISTANCE, CB_FORMAT_JSONL,
             "{\"event_id\":\"a9\",\"person_id\":\"" SLIP "\",\"name\":\"李四\","
             "\"identity\":\"lifted_out\",\"valid_from\":\"2025-01-01\","
             "\"township_code\":\"320923008\","
             "\"occurred_at\":\"2025-06-30T17:00:00+08:00\"}\n",
             &feed, &item);
    assert_int_equal(item.ok, 0);
    assert_string_equal(item.err.reason, "id_check");
    assert_int_equal(item.suspect, 1);
    assert_string_equal(item.rec.u.assistance.name, "李四");
    cb_feed_free(feed);
}

/* Not suspects: a wrong length, a 15-digit number, another bad field
 * (before or after the number), a record that fails validation
 * otherwise; their dead letters carry no record. */
static void test_not_suspects(void **state)
{
    fixture *fx = *state;
    static const char *const texts[] = {
        /* 17 characters */
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h1,32092319800101123,王五,M,1980-01-01,resident,320923008,"
        "2025-01-01T00:00:00+08:00\n",
        /* a legacy number with a bad date */
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h1,320923801301123,王五,M,1980-01-01,resident,320923008,"
        "2025-01-01T00:00:00+08:00\n",
        /* a bad date after the number */
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h1," SLIP ",王五,M,1980-13-01,resident,320923008,"
        "2025-01-01T00:00:00+08:00\n",
        /* a bad enum */
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h1," SLIP ",王五,Q,1980-01-01,resident,320923008,"
        "2025-01-01T00:00:00+08:00\n",
        /* a bad event id before the number */
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h 1," SLIP ",王五,M,1980-01-01,resident,320923008,"
        "2025-01-01T00:00:00+08:00\n",
        /* valid fields, but in the future */
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h1," SLIP ",王五,M,1980-01-01,resident,320923008,"
        "2030-01-01T00:00:00+08:00\n",
    };
    static const char *const reasons[] = {"id_length", "id_birth_date",
                                          "id_check", "id_check",
                                          "bad_token", "id_check"};

    for (size_t c = 0; c < sizeof(texts) / sizeof(texts[0]); c++) {
        cb_feed *feed;
        cb_feed_item item;
        cb_deadletter dl;
        cb_suspect s;
        char err[256];

        read_one(fx, CB_KIND_HOUSEHOLD, CB_FORMAT_CSV, texts[c], &feed,
                 &item);
        assert_int_equal(item.ok, 0);
        assert_string_equal(item.err.reason, reasons[c]);
        assert_int_equal(item.suspect, 0);
        dead_letter(fx, CB_KIND_HOUSEHOLD, &item, &dl);
        assert_null(dl.record.ptr);
        assert_int_equal(
            cb_suspect_from_deadletter(fx->codec, &dl, &s, err, sizeof(err)),
            0);
        cb_feed_free(feed);
    }
}

/* A good record is no suspect either. */
static void test_good_record(void **state)
{
    fixture *fx = *state;
    cb_feed *feed;
    cb_feed_item item;

    read_csv(fx, CB_KIND_HOUSEHOLD, GOOD, &feed, &item);
    assert_int_equal(item.ok, 1);
    assert_int_equal(item.suspect, 0);
    cb_feed_free(feed);
}

/* A dead letter that is not a suspect's though it carries a record, and
 * one whose record does not decode. */
static void test_deadletter_refusals(void **state)
{
    fixture *fx = *state;
    cb_feed *feed;
    cb_feed_item item;
    cb_deadletter dl;
    cb_suspect s;
    char err[256];

    read_csv(fx, CB_KIND_HOUSEHOLD, SLIP, &feed, &item);
    dead_letter(fx, CB_KIND_HOUSEHOLD, &item, &dl);
    snprintf(dl.reason, sizeof(dl.reason), "bad_date");
    assert_int_equal(
        cb_suspect_from_deadletter(fx->codec, &dl, &s, err, sizeof(err)), 0);
    snprintf(dl.reason, sizeof(dl.reason), "id_check");
    snprintf(dl.field, sizeof(dl.field), "name");
    assert_int_equal(
        cb_suspect_from_deadletter(fx->codec, &dl, &s, err, sizeof(err)), 0);
    snprintf(dl.field, sizeof(dl.field), "person_id");
    snprintf(dl.feed, sizeof(dl.feed), "lead");
    assert_int_equal(
        cb_suspect_from_deadletter(fx->codec, &dl, &s, err, sizeof(err)), 0);
    snprintf(dl.feed, sizeof(dl.feed), "death"); /* a household record */
    assert_int_equal(
        cb_suspect_from_deadletter(fx->codec, &dl, &s, err, sizeof(err)), -1);
    snprintf(dl.feed, sizeof(dl.feed), "household");
    dl.record.len = 5;
    assert_int_equal(
        cb_suspect_from_deadletter(fx->codec, &dl, &s, err, sizeof(err)), -1);
    cb_feed_free(feed);
}

/* Corrected: the candidate's number in, encoded, decoded: it validates,
 * with its own event id; both ways (the suspect, and the bytes). */
static void test_set_number(void **state)
{
    fixture *fx = *state;
    cb_feed_opts o = opts_for(CB_KIND_HOUSEHOLD, CB_FORMAT_CSV);

    for (int i = 0; i < CB_FEED_COUNT; i++) {
        cb_kind kind = feeds[i].kind;
        const cb_field *pf = cb_person_field(kind);
        cb_feed *feed;
        cb_feed_item item;
        cb_deadletter dl;
        cb_suspect s;
        cb_record back;
        cb_field_error ferr;
        cb_buf value = {0}, out = {0};
        char err[256];

        read_csv(fx, i, SLIP, &feed, &item);
        dead_letter(fx, kind, &item, &dl);
        if (kind != CB_KIND_ENROLLMENT) {
            assert_int_equal(cb_suspect_from_deadletter(fx->codec, &dl, &s,
                                                        err, sizeof(err)),
                             1);
            assert_int_equal(cb_suspect_set_number(&s, "123"), -1);
            assert_int_equal(cb_suspect_set_number(&s, GOOD), 0);
            assert_string_equal(s.number, SLIP);
            if (cb_codec_encode(fx->codec, kind, &s.rec.u, &out, err,
                                sizeof(err)) != 0 ||
                cb_codec_decode_record(fx->codec, out.data, out.len, &back,
                                       err, sizeof(err)) != 0)
                fail_msg("%s", err);
            assert_string_equal((const char *)CB_FIELD_CPTR(&back.u, pf),
                                GOOD);
            if (cb_validate_record(kind, &back.u, &o.validate, &ferr) != 0)
                fail_msg("%s: %s", ferr.reason, ferr.detail);
        }
        /* the bytes way, as the publisher does it */
        value.len = 0;
        assert_int_equal(cb_buf_append(&value, dl.record.ptr, dl.record.len),
                         0);
        if (cb_suspect_renumber(fx->codec, kind, value.data, value.len, GOOD,
                                &out, err, sizeof(err)) != 0 ||
            cb_codec_decode_record(fx->codec, out.data, out.len, &back, err,
                                   sizeof(err)) != 0)
            fail_msg("%s", err);
        assert_int_equal(back.kind, kind);
        assert_string_equal((const char *)CB_FIELD_CPTR(&back.u, pf), GOOD);
        assert_string_equal(back.u.household.event_id, event_ids[i]);
        if (cb_validate_record(kind, &back.u, &o.validate, &ferr) != 0)
            fail_msg("%s: %s", ferr.reason, ferr.detail);
        assert_int_equal(cb_suspect_renumber(fx->codec, kind, value.data,
                                             value.len, "1", &out, err,
                                             sizeof(err)),
                         -1);
        assert_int_equal(cb_suspect_renumber(fx->codec, (kind + 1) % 5,
                                             value.data, value.len, GOOD,
                                             &out, err, sizeof(err)),
                         -1);
        assert_int_equal(cb_suspect_renumber(fx->codec, kind, value.data, 4,
                                             GOOD, &out, err, sizeof(err)),
                         -1);
        cb_buf_free(&value);
        cb_buf_free(&out);
        cb_feed_free(feed);
    }
    (void)OTHER;
}

/* A dead letter written before `record` (schemas/history/deadletter-1):
 * its datum is today's without the last field's null, behind its own
 * fingerprint; it decodes, record absent. */
static void test_old_deadletter(void **state)
{
    fixture *fx = *state;
    const cb_embedded_file *v1 =
        cb_embed_find(cb_schema_history_files, "deadletter-1.avsc");
    cb_deadletter dl;
    cb_record back;
    uint64_t fp;
    char err[256];

    assert_non_null(v1);
    assert_int_equal(cb_schema_fingerprint(v1->data, v1->size, &fp, err,
                                           sizeof(err)),
                     0);
    assert_true(fp != cb_codec_fingerprint(fx->codec, CB_KIND_DEADLETTER));
    cb_record_clear(CB_KIND_DEADLETTER, &dl);
    snprintf(dl.feed, sizeof(dl.feed), "household");
    snprintf(dl.file, sizeof(dl.file), "old.csv");
    dl.line = 7;
    snprintf(dl.reason, sizeof(dl.reason), "id_check");
    dl.raw.ptr = "x";
    dl.raw.len = 1;
    dl.rejected_at = 5;
    assert_int_equal(cb_codec_encode(fx->codec, CB_KIND_DEADLETTER, &dl,
                                     &fx->dl_buf, err, sizeof(err)),
                     0);
    assert_int_equal(fx->dl_buf.data[fx->dl_buf.len - 1], 0); /* null */
    fx->dl_buf.len--;
    for (int i = 0; i < 8; i++)
        fx->dl_buf.data[2 + i] = (char)(fp >> (8 * i));
    if (cb_codec_decode_record(fx->codec, fx->dl_buf.data, fx->dl_buf.len,
                               &back, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(back.kind, CB_KIND_DEADLETTER);
    assert_int_equal(back.u.deadletter.line, 7);
    assert_int_equal(back.u.deadletter.rejected_at, 5);
    assert_null(back.u.deadletter.record.ptr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_check_every_feed),
        cmocka_unit_test(test_other_reasons_and_jsonl),
        cmocka_unit_test(test_not_suspects),
        cmocka_unit_test(test_good_record),
        cmocka_unit_test(test_deadletter_refusals),
        cmocka_unit_test(test_set_number),
        cmocka_unit_test(test_old_deadletter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
