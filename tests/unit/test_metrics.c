/* test_metrics.c -- the matcher's Prometheus text: exact lines for known
 * figures, label values escaped, the steps' histogram as an exact block,
 * up and ready, the lag read from librdkafka's statistics (and a document
 * that does not parse keeps the last lags). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_metrics.h"

static char *render_at(cb_metrics *mx, int64_t now_ms)
{
    cb_buf b = {0};
    assert_int_equal(cb_metrics_render(mx, now_ms, &b), 0);
    assert_int_equal(cb_buf_append(&b, "", 1), 0);
    return b.data;
}

static char *render(cb_metrics *mx)
{
    return render_at(mx, 1000);
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
    has(t, "canbao_matcher_up 0"); /* never turned */
    has(t, "canbao_matcher_redis_reconnects_total 0");
    assert_int_equal(cb_metrics_ready(mx), 1);
    free(t);
    cb_metrics_free(mx);
}

/* The steps' histogram, whole: cumulative buckets, +Inf equal to _count,
 * the sum; and up as of the clock given. */
static void test_steps(void **state)
{
    cb_metrics *mx = cb_metrics_new(NULL, 0);
    cb_metrics_figures f;
    char *t;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.redis_rtt_s = -1;
    cb_metrics_observe_step(&f, 0.0005); /* on a bound: in it */
    cb_metrics_observe_step(&f, 0.0007);
    cb_metrics_observe_step(&f, 0.003);
    cb_metrics_observe_step(&f, 0.25);
    cb_metrics_observe_step(&f, 7.0); /* past every bound */
    f.redis_reconnects = 2;
    f.turned_ms = 5000;
    cb_metrics_publish(mx, &f);
    t = render_at(mx, 35000);
    assert_non_null(strstr(t,
        "# HELP canbao_matcher_step_seconds Steps committed, by the time "
        "from their first command to their commit (Redis's round trips "
        "and the rules, behind the other steps in flight).\n"
        "# TYPE canbao_matcher_step_seconds histogram\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.0005\"} 1\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.001\"} 2\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.0025\"} 2\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.005\"} 3\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.01\"} 3\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.025\"} 3\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.05\"} 3\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.1\"} 3\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.25\"} 4\n"
        "canbao_matcher_step_seconds_bucket{le=\"0.5\"} 4\n"
        "canbao_matcher_step_seconds_bucket{le=\"1\"} 4\n"
        "canbao_matcher_step_seconds_bucket{le=\"5\"} 4\n"
        "canbao_matcher_step_seconds_bucket{le=\"+Inf\"} 5\n"
        "canbao_matcher_step_seconds_sum 7.2542\n"
        "canbao_matcher_step_seconds_count 5\n"));
    has(t, "# TYPE canbao_matcher_redis_reconnects_total counter");
    has(t, "canbao_matcher_redis_reconnects_total 2");
    has(t, "# TYPE canbao_matcher_up gauge");
    has(t, "canbao_matcher_up 1"); /* turned 30 s ago */
    has(t, "canbao_matcher_ready 0");
    free(t);
    t = render_at(mx, 35001);
    has(t, "canbao_matcher_up 0");
    free(t);
    cb_metrics_free(mx);
}

/* The stages: one sample of seconds and one of events per stage, named
 * as the latency bench reads them, the sums as counted. */
static void test_stages(void **state)
{
    cb_metrics *mx = cb_metrics_new(NULL, 0);
    cb_metrics_figures f;
    char *t;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.redis_rtt_s = -1;
    f.stage_seconds[CB_STAGE_ARRIVE] = 1.5;
    f.stage_ops[CB_STAGE_ARRIVE] = 300;
    f.stage_seconds[CB_STAGE_QUEUE] = 0.25;
    f.stage_seconds[CB_STAGE_STEP] = 2.125;
    f.stage_seconds[CB_STAGE_PUBLISH] = 0.0625;
    f.stage_ops[CB_STAGE_QUEUE] = f.stage_ops[CB_STAGE_STEP] =
        f.stage_ops[CB_STAGE_PUBLISH] = 310;
    cb_metrics_publish(mx, &f);
    t = render_at(mx, 1000);
    has(t, "# TYPE canbao_matcher_stage_seconds_total counter");
    has(t, "canbao_matcher_stage_seconds_total{stage=\"arrive\"} 1.5");
    has(t, "canbao_matcher_stage_seconds_total{stage=\"queue\"} 0.25");
    has(t, "canbao_matcher_stage_seconds_total{stage=\"step\"} 2.125");
    has(t, "canbao_matcher_stage_seconds_total{stage=\"publish\"} 0.0625");
    has(t, "# TYPE canbao_matcher_stage_events_total counter");
    has(t, "canbao_matcher_stage_events_total{stage=\"arrive\"} 300");
    has(t, "canbao_matcher_stage_events_total{stage=\"queue\"} 310");
    has(t, "canbao_matcher_stage_events_total{stage=\"step\"} 310");
    has(t, "canbao_matcher_stage_events_total{stage=\"publish\"} 310");
    assert_string_equal(cb_metrics_stage_name(CB_STAGES), "?");
    free(t);
    cb_metrics_free(mx);
}

/* Every sample follows its family's # HELP and # TYPE, and no family
 * comes twice. */
static void test_families(void **state)
{
    const char *topics[] = {"a\nb"};
    cb_metrics *mx = cb_metrics_new(topics, 1);
    const char *doc = "{\"topics\":{\"x\\\\y\":{\"partitions\":{"
                      "\"3\":{\"hi_offset\":4,\"app_offset\":1}}}}}";
    char *t, *save = NULL, family[128] = "";
    int helps = 0;
    (void)state;
    assert_int_equal(cb_metrics_take_stats(mx, doc, strlen(doc)), 0);
    t = render(mx);
    /* a newline in a label value is \n, a backslash \\ */
    has(t, "canbao_matcher_events_total{topic=\"a\\nb\"} 0");
    has(t, "canbao_matcher_consumer_lag{topic=\"x\\\\y\","
           "partition=\"3\"} 3");
    for (char *line = strtok_r(t, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "# HELP ", 7) == 0) {
            char *name = line + 7, *sp = strchr(name, ' ');
            assert_non_null(sp);
            *sp = '\0';
            /* one HELP per family */
            assert_false(strcmp(name, family) == 0);
            snprintf(family, sizeof(family), "%s", name);
            helps++;
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            assert_int_equal(strncmp(line + 7, family, strlen(family)), 0);
            assert_int_equal(line[7 + strlen(family)], ' ');
        } else {
            /* a sample of the family named last: name, or name_suffix */
            assert_int_equal(strncmp(line, family, strlen(family)), 0);
            assert_true(strchr("{ _", line[strlen(family)]) != NULL);
        }
    }
    assert_true(helps >= 15);
    free(t);
    cb_metrics_free(mx);
}

static void test_lag(void **state)
{
    const char *topics[] = {"a"};
    cb_metrics *mx = cb_metrics_new(topics, 1);
    /* taken to 90 of 100; nothing taken yet, fetching at 5 of 5; none
     * known (left out); the -1 partition (left out); one a rebalance took
     * away (left out) */
    const char *doc =
        "{\"topics\":{\"a\":{\"partitions\":{"
        "\"0\":{\"desired\":true,\"hi_offset\":100,\"app_offset\":90,"
        "\"next_offset\":95},"
        "\"1\":{\"hi_offset\":5,\"app_offset\":-1001,\"next_offset\":5},"
        "\"2\":{\"hi_offset\":-1,\"app_offset\":-1001,\"next_offset\":-1001,"
        "\"consumer_lag\":-1},"
        "\"-1\":{\"hi_offset\":7,\"app_offset\":0},"
        "\"3\":{\"desired\":false,\"hi_offset\":9,\"app_offset\":2}}}}}";
    char *t;
    (void)state;
    assert_int_equal(cb_metrics_take_stats(mx, doc, strlen(doc)), 0);
    assert_int_equal(cb_metrics_take_stats(mx, "{not json", 9), -1);
    t = render(mx);
    has(t, "canbao_matcher_consumer_lag{topic=\"a\",partition=\"0\"} 10");
    has(t, "canbao_matcher_consumer_lag{topic=\"a\",partition=\"1\"} 0");
    assert_null(strstr(t, "partition=\"2\""));
    assert_null(strstr(t, "partition=\"3\""));
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
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_lag),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
