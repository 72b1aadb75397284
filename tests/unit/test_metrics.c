/* test_metrics.c -- the matcher's Prometheus text: exact lines for known
 * figures, label values escaped, the lag read from librdkafka's
 * statistics (and a document that does not parse keeps the last lags). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cb_metrics.h"

static char *render(cb_metrics *mx)
{
    cb_buf b = {0};
    assert_int_equal(cb_metrics_render(mx, &b), 0);
    assert_int_equal(cb_buf_append(&b, "", 1), 0);
    return b.data;
}

/* Is line a whole line of text? */
static void has(const char *text, const char *line)
{
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[strlen(line)] == '\n')
            return;
    fail_msg("no line '%s'", line);
}

static void test_figures(void **state)
{
    const char *topics[] = {"canbao.business.v1", NULL, "t\"q\\x"};
    cb_metrics *mx = cb_metrics_new(topics, 3);
    cb_metrics_figures f;
    char *t;
    (void)state;
    assert_non_null(mx);
    memset(&f, 0, sizeof(f));
    f.events[0] = 42;
    f.events[2] = 7;
    f.applied = 40;
    f.leads[CB_REASON_WORKING_AGE_UNINSURED][CB_STATUS_OPEN] = 3;
    f.alerts[CB_ALERT_PAID_AFTER_DEATH][1] = 2;
    f.dead[CB_DEAD_WRONG_PARTITION] = 1;
    f.redis_rtt_s = 0.25;
    f.assigned = 16;
    f.ready = 1;
    cb_metrics_publish(mx, &f);
    t = render(mx);
    has(t, "# HELP canbao_matcher_events_total Messages taken from each "
           "input topic.");
    has(t, "# TYPE canbao_matcher_events_total counter");
    has(t, "canbao_matcher_events_total{topic=\"canbao.business.v1\"} 42");
    /* a quote and a backslash escaped; a NULL name left out */
    has(t, "canbao_matcher_events_total{topic=\"t\\\"q\\\\x\"} 7");
    assert_null(strstr(t, "topic=\"\""));
    has(t, "canbao_matcher_applied_total 40");
    has(t, "canbao_matcher_leads_total{reason=\"working_age_uninsured\","
           "status=\"open\"} 3");
    has(t, "canbao_matcher_alerts_total{kind=\"paid_after_death\","
           "change=\"withdrawn\"} 2");
    has(t, "canbao_matcher_alerts_total{kind=\"paid_after_death\","
           "change=\"raised\"} 0");
    has(t, "canbao_matcher_dead_lettered_total{reason=\"wrong_partition\"} 1");
    has(t, "canbao_matcher_redis_rtt_seconds 0.25");
    has(t, "canbao_matcher_assigned_partitions 16");
    has(t, "canbao_matcher_ready 1");
    assert_int_equal(cb_metrics_ready(mx), 1);
    free(t);
    cb_metrics_free(mx);
}

static void test_lag(void **state)
{
    const char *topics[] = {"a"};
    cb_metrics *mx = cb_metrics_new(topics, 1);
    /* taken to 90 of 100; nothing taken yet, fetching at 5 of 5; none
     * known (left out); the -1 partition (left out) */
    const char *doc =
        "{\"topics\":{\"a\":{\"partitions\":{"
        "\"0\":{\"hi_offset\":100,\"app_offset\":90,\"next_offset\":95},"
        "\"1\":{\"hi_offset\":5,\"app_offset\":-1001,\"next_offset\":5},"
        "\"2\":{\"hi_offset\":-1,\"app_offset\":-1001,\"next_offset\":-1001,"
        "\"consumer_lag\":-1},"
        "\"-1\":{\"hi_offset\":7,\"app_offset\":0}}}}}";
    char *t;
    (void)state;
    assert_int_equal(cb_metrics_take_stats(mx, doc, strlen(doc)), 0);
    assert_int_equal(cb_metrics_take_stats(mx, "{not json", 9), -1);
    t = render(mx);
    has(t, "canbao_matcher_consumer_lag{topic=\"a\",partition=\"0\"} 10");
    has(t, "canbao_matcher_consumer_lag{topic=\"a\",partition=\"1\"} 0");
    assert_null(strstr(t, "partition=\"2\""));
    assert_null(strstr(t, "partition=\"-1\""));
    /* no PING yet: no round-trip sample */
    assert_null(strstr(t, "canbao_matcher_redis_rtt_seconds "));
    free(t);
    cb_metrics_free(mx);
}

static void test_live(void **state)
{
    cb_metrics *mx = cb_metrics_new(NULL, 0);
    cb_metrics_figures f;
    (void)state;
    memset(&f, 0, sizeof(f));
    assert_false(cb_metrics_live(mx, 1000, 30000)); /* never turned */
    f.turned_ms = 1000;
    cb_metrics_publish(mx, &f);
    assert_true(cb_metrics_live(mx, 31000, 30000));
    assert_false(cb_metrics_live(mx, 31001, 30000));
    cb_metrics_free(mx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_lag),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
