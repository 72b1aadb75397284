/* test_feed.c -- feed files into records: CSV in UTF-8 and GB18030, JSON
 * Lines, header mapping, and a bad record costing only itself, with its
 * line, field and reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_feed.h"

static char path[64];

static const char *write_file(const char *data, size_t len)
{
    int fd;
    strcpy(path, "/tmp/canbao-test-feed.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static cb_feed_opts opts_for(cb_kind kind, cb_format format, cb_encoding enc)
{
    cb_feed_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = kind;
    o.format = format;
    o.encoding = enc;
    assert_int_equal(cb_time_parse("2026-11-23T12:00:00+08:00", 25,
                                   &o.validate.now_ms),
                     0);
    o.validate.skew_ms = CB_VALIDATE_SKEW_MS;
    return o;
}

/* Reads a whole feed into "line:ok" or "line:reason/field" lines. */
static char *read_all(const char *data, size_t len, cb_kind kind,
                      cb_format format, cb_encoding enc, char **names)
{
    cb_feed_opts o = opts_for(kind, format, enc);
    char err[256];
    cb_feed *feed;
    cb_feed_item item;
    char *out = calloc(1, 8192);
    size_t used = 0, nn = 0;
    int r;

    feed = cb_feed_open(write_file(data, len), &o, err, sizeof(err));
    if (feed == NULL)
        fail_msg("open: %s", err);
    while ((r = cb_feed_next(feed, &item, err, sizeof(err))) == 1) {
        if (item.ok) {
            used += (size_t)sprintf(out + used, "%ld:ok\n", (long)item.line);
            if (names != NULL && kind == CB_KIND_HOUSEHOLD)
                names[nn++] = strdup(item.rec.u.household.name);
        } else {
            used += (size_t)sprintf(out + used, "%ld:%s/%s\n",
                                    (long)item.line, item.err.reason,
                                    item.err.field ? item.err.field : "-");
        }
    }
    assert_int_equal(r, 0);
    assert_int_equal(cb_feed_offset(feed), len);
    assert_int_equal(cb_feed_size(feed), (int64_t)len);
    cb_feed_free(feed);
    unlink(path);
    return out;
}

#define HH_HEADER "occurred_at,extra,event_id,person_id,name,sex,birth_date,"   \
                  "action,township_code\r\n"
#define HH_TAIL   ",320923198001011233,%s,M,1980-01-01,resident,320923008\r\n"

static void test_csv_utf8(void **state)
{
    char data[4096];
    int n = 0;
    char *names[8] = {0};
    (void)state;

    n += sprintf(data + n, "\xEF\xBB\xBF" HH_HEADER); /* BOM, CRLF */
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,x,h1" HH_TAIL,
                 "\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd");
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,\"a,\"\"b\",h2" HH_TAIL,
                 "\"Wang\nJianguo\""); /* a line break inside quotes */
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,x,h3" HH_TAIL,
                 "W\xff"); /* not UTF-8 */
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,x,h 4" HH_TAIL, "W");
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,x\r\n");
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,x,h6,\"open" HH_TAIL,
                 "W");
    n += sprintf(data + n, "2099-01-01T00:00:00+08:00,x,h7" HH_TAIL, "W");
    n += sprintf(data + n, "2025-01-01T00:00:00+08:00,x,h8" HH_TAIL, "W");
    char *got = read_all(data, (size_t)n, CB_KIND_HOUSEHOLD, CB_FORMAT_CSV,
                         CB_ENC_UTF8, names);
    assert_string_equal(got, "2:ok\n"
                             "3:ok\n"
                             "5:undecodable_text/name\n"
                             "6:bad_token/event_id\n"
                             "7:field_count/-\n"
                             "8:unterminated_quote/-\n"
                             "9:future_time/occurred_at\n"
                             "10:ok\n");
    assert_string_equal(names[0], "\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd");
    assert_string_equal(names[1], "Wang\nJianguo");
    for (int i = 0; i < 8; i++)
        free(names[i]);
    free(got);
}

static void test_csv_gb18030(void **state)
{
    /* 王建国 and 阜宁 in GB18030; then a byte GB18030 does not have. */
    static const char data[] =
        "event_id,person_id,name,sex,birth_date,action,township_code,"
        "occurred_at\n"
        "h1,320923198001011233,\xcd\xf5\xbd\xa8\xb9\xfa,M,1980-01-01,resident,"
        "320923008,2025-01-01T00:00:00+08:00\n"
        "h2,320923198001011233,\xb8\xb7\xc4\xfe,M,1980-01-01,resident,"
        "320923008,2025-01-01T00:00:00+08:00\n"
        "h3,320923198001011233,\xff\xff,M,1980-01-01,resident,"
        "320923008,2025-01-01T00:00:00+08:00\n";
    char *names[4] = {0};
    (void)state;

    char *got = read_all(data, sizeof(data) - 1, CB_KIND_HOUSEHOLD,
                         CB_FORMAT_CSV, CB_ENC_GB18030, names);
    assert_string_equal(got, "2:ok\n3:ok\n4:undecodable_text/name\n");
    assert_string_equal(names[0], "\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd");
    assert_string_equal(names[1], "\xe9\x98\x9c\xe5\xae\x81");
    for (int i = 0; i < 4; i++)
        free(names[i]);
    free(got);
}

static void test_header_refusals(void **state)
{
    static const struct {
        const char *data, *want;
    } rows[] = {
        {"", "empty"},
        {"event_id,person_id,name,sex,birth_date,action,occurred_at\n",
         "township_code"},
        {"event_id,event_id,person_id,name,sex,birth_date,action,"
         "township_code,occurred_at\n",
         "twice"},
        {"\"event_id,person_id\n", "malformed"},
    };
    char err[256];
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cb_feed_opts o = opts_for(CB_KIND_HOUSEHOLD, CB_FORMAT_CSV,
                                  CB_ENC_UTF8);
        cb_feed *feed = cb_feed_open(
            write_file(rows[i].data, strlen(rows[i].data)), &o, err,
            sizeof(err));
        unlink(path);
        if (feed != NULL)
            fail_msg("row %zu opened", i);
        if (strstr(err, rows[i].want) == NULL)
            fail_msg("row %zu: '%s' lacks '%s'", i, err, rows[i].want);
    }
    cb_feed_opts o = opts_for(CB_KIND_HOUSEHOLD, CB_FORMAT_JSONL,
                              CB_ENC_GB18030);
    assert_null(cb_feed_open("/dev/null", &o, err, sizeof(err)));
    o = opts_for(CB_KIND_HOUSEHOLD, CB_FORMAT_CSV, CB_ENC_UTF8);
    assert_null(cb_feed_open("/nonexistent/x.csv", &o, err, sizeof(err)));
}

static void test_jsonl(void **state)
{
    static const char data[] =
        "{\"event_id\":\"d1\",\"person_id\":\"320923198001011233\","
        "\"date_of_death\":\"2025-06-18\",\"source\":\"police\","
        "\"occurred_at\":\"2025-06-20T11:00:00+08:00\",\"unknown\":[1]}\n"
        "\n"
        "   \r\n"
        "not json\n"
        "[1,2]\n"
        "{\"event_id\":\"d2\",\"person_id\":\"320923198001011233\","
        "\"date_of_death\":\"2025-06-18\",\"source\":\"police\"}\n"
        "{\"event_id\":\"d3\",\"person_id\":{},\"date_of_death\":"
        "\"2025-06-18\",\"source\":\"police\",\"occurred_at\":"
        "\"2025-06-20T11:00:00+08:00\"}\n"
        "{\"event_id\":\"d4\",\"name\":\"\xff\"}\n"
        "{\"event_id\":\"d5\",\"event_id\":\"d5\"}\n"
        "{\"event_id\":\"d6\",\"person_id\":\"320923198001011233\","
        "\"date_of_death\":\"1970-06-18\",\"source\":\"police\","
        "\"occurred_at\":\"2025-06-20T11:00:00+08:00\"}\r\n"
        "{\"event_id\":\"d7\",\"person_id\":\"320923198001011233\","
        "\"date_of_death\":\"2025-06-18\",\"source\":\"health\","
        "\"occurred_at\":\"2025-06-20T11:00:00+08:00\"}";
    (void)state;
    char *got = read_all(data, sizeof(data) - 1, CB_KIND_DEATH,
                         CB_FORMAT_JSONL, CB_ENC_UTF8, NULL);
    assert_string_equal(got, "1:ok\n"
                             "4:bad_json/-\n"
                             "5:bad_json/-\n"
                             "6:missing_field/occurred_at\n"
                             "7:bad_type/person_id\n"
                             "8:undecodable_text/-\n"
                             "9:bad_json/-\n"
                             "10:death_before_birth/date_of_death\n"
                             "11:ok\n");
    free(got);
}

static void test_format_names(void **state)
{
    cb_format f;
    (void)state;
    assert_int_equal(cb_format_guess("a/b.CSV", &f), 0);
    assert_int_equal(f, CB_FORMAT_CSV);
    assert_int_equal(cb_format_guess("x.ndjson", &f), 0);
    assert_int_equal(f, CB_FORMAT_JSONL);
    assert_int_equal(cb_format_guess("a.d/file", &f), -1);
    assert_int_equal(cb_format_guess("-", &f), -1);
    assert_int_equal(cb_format_parse("xml", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_utf8),
        cmocka_unit_test(test_csv_gb18030),
        cmocka_unit_test(test_header_refusals),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
