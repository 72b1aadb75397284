/* cmd_match.c -- `canbao match`: runs the matcher (cb_matcher.h) until
 * stopped, or until the feeds have been quiet for --until-idle seconds. */
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_commands.h"
#include "cb_http.h"
#include "cb_kafka.h"
#include "cb_log.h"
#include "cb_idkey.h"
#include "cb_matcher.h"
#include "cb_store.h"

#define DEFAULT_BATCH 2000 /* events a step, at most */
#define DEFAULT_CACHE_MB 256
#define MAX_CACHE_MB (1L << 20)

/* The consumer's fetch responses (up to 1 MB each) and librdkafka's
 * buffers of them come and go by the thousand.  Once a block of that size
 * has been freed, glibc raises its mmap threshold and serves the next ones
 * from its heaps, which keep the pages: the drain's RSS went 178-212 MB.
 * With blocks of 128 kB and more mapped and unmapped each time it stays
 * 156-190 MB with a larger queue (docs/PERFORMANCE.md, "The matcher's
 * memory").  MALLOC_MMAP_THRESHOLD_ in the environment still wins. */
static void map_large_blocks(void)
{
#ifdef __GLIBC__
    if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL)
        (void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

static const struct option match_opts[] = {
    {"until-idle", required_argument, NULL, 'i'},
    {"group", required_argument, NULL, 'g'},
    {"partitions", required_argument, NULL, 'p'},
    {"batch", required_argument, NULL, 'n'},
    {"cache-mb", required_argument, NULL, 'm'},
    {"buckets", required_argument, NULL, 'B'},
    {"metrics", required_argument, NULL, 'M'},
    {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_match = {
    .name = "match",
    .synopsis = "",
    .summary = "Runs the matcher: events in, leads and alerts out.",
    .description =
        "Consumes the five feeds as a consumer group, keeps enrollment state\n"
        "in Redis, opens and closes leads and raises alerts (docs/RULES.md),\n"
        "and publishes them to canbao.lead.v1 and canbao.alert.v1.  Every\n"
        "event is applied once, however often it is delivered: the offsets\n"
        "live in Redis with the state they cover.  CANBAO_NOW fixes the day\n"
        "the rules are evaluated on (for tests and replays).",
    .options_help =
        "  -i, --until-idle SECONDS      exit 0 once no event arrived for "
        "that long\n"
        "  -g, --group ID                consumer group (default "
        "canbao-matcher;\n"
        "                                config: group=)\n"
        "  -p, --partitions N            of every input topic (default 16;\n"
        "                                config: partitions=)\n"
        "  -n, --batch N                 events per Redis step (default "
        "2000, at most 5000)\n"
        "  -m, --cache-mb N              keep up to N MiB of states and leads "
        "between\n"
        "                                steps, not read again while no other "
        "writer\n"
        "                                touches their partition (default "
        "256; 0: none;\n"
        "                                config: cache_mb=)\n"
        "  -B, --buckets N               state buckets a partition of a "
        "store not yet\n"
        "                                written: a power of two, about "
        "people a\n"
        "                                partition / 60 (default 1024, or "
        "the store's\n"
        "                                own; config: buckets=)\n"
        "  -M, --metrics HOST:PORT       serve /metrics (Prometheus text), "
        "/healthz\n"
        "                                and /readyz there (port 0: any; "
        "config:\n"
        "                                metrics.listen=; default: none)\n",
    .shortopts = "i:g:p:n:m:M:B:",
    .longopts = match_opts,
    .min_args = 0,
    .max_args = 0,
};

typedef struct match_args {
    long idle, partitions, batch, cache_mb;
    unsigned buckets; /* 0: the config's, or the store's */
    const char *group;
    const char *metrics;
} match_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    match_args *a = opaque;

    switch (opt) {
    case 'i':
        return cb_cli_parse_int(arg, "--until-idle", 1, 86400, &a->idle,
                                errstr, errstr_size);
    case 'g':
        a->group = arg;
        return 0;
    case 'M':
        a->metrics = arg;
        return 0;
    case 'p':
        return cb_cli_parse_int(arg, "--partitions", 1, 1024, &a->partitions,
                                errstr, errstr_size);
    case 'n':
        return cb_cli_parse_int(arg, "--batch", 1, CB_STORE_MAX_BATCH, &a->batch, errstr,
                                errstr_size);
    case 'm':
        return cb_cli_parse_int(arg, "--cache-mb", 0, MAX_CACHE_MB,
                                &a->cache_mb, errstr, errstr_size);
    case 'B':
        return cb_store_parse_buckets(arg, "--buckets", &a->buckets, errstr,
                                      errstr_size);
    }
    return -1;
}

int cb_cmd_match(int argc, char **argv)
{
    match_args a = {0, -1, DEFAULT_BATCH, -1, 0, NULL, NULL};
    cb_matcher_opts o;
    cb_matcher_stats st;
    cb_cli cli;
    char err[512];
    int rc;

    rc = cb_cli_parse(&cli, &cb_spec_match, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    memset(&o, 0, sizeof(o));
    o.cfg = &cli.cfg;
    o.metrics_listen = a.metrics ? a.metrics
                                 : cb_config_get(&cli.cfg, "metrics.listen");
    if (o.metrics_listen != NULL) {
        char host[256];
        int port;
        if (cb_http_split_listen(o.metrics_listen, host, sizeof(host),
                                 &port) != 0) {
            cb_cli_term(&cli);
            return cb_cli_usage_error(&cb_spec_match, "--metrics is "
                                      "HOST:PORT, not '%s'",
                                      o.metrics_listen);
        }
    }
    o.group = a.group ? a.group
                      : cb_config_get_or(&cli.cfg, "group", "canbao-matcher");
    o.partitions = (int)a.partitions;
    if (a.partitions < 0) {
        long p = CB_TOPIC_PARTITIONS;
        const char *v = cb_config_get(&cli.cfg, "partitions");
        if (v != NULL &&
            cb_cli_parse_int(v, "partitions", 1, 1024, &p, err, sizeof(err)))
        {
            cb_cli_term(&cli);
            return cb_cli_usage_error(&cb_spec_match, "%s", err);
        }
        o.partitions = (int)p;
    }
    if (a.cache_mb < 0) {
        long mb = DEFAULT_CACHE_MB;
        const char *v = cb_config_get(&cli.cfg, "cache_mb");
        if (v != NULL && cb_cli_parse_int(v, "cache_mb", 0, MAX_CACHE_MB,
                                          &mb, err, sizeof(err))) {
            cb_cli_term(&cli);
            return cb_cli_usage_error(&cb_spec_match, "%s", err);
        }
        a.cache_mb = mb;
    }
    o.cache_bytes = (size_t)a.cache_mb << 20;
    o.buckets = a.buckets;
    if (o.buckets == 0 &&
        cb_store_config_buckets(&cli.cfg, &o.buckets, err, sizeof(err)) != 0) {
        cb_cli_term(&cli);
        return cb_cli_usage_error(&cb_spec_match, "%s", err);
    }
    o.batch_max = (int)a.batch;
    o.idle_exit_s = (int)a.idle;
    o.now_ms = -1;
    if (cb_config_get(&cli.cfg, "now") != NULL &&
        cb_config_now(&cli.cfg, &o.now_ms, err, sizeof(err)) != 0) {
        cb_cli_term(&cli);
        return cb_cli_usage_error(&cb_spec_match, "%s", err);
    }
    cb_idkey *ids = cb_idkey_from_config(&cli.cfg, err, sizeof(err));
    if (ids == NULL) {
        cb_cli_term(&cli);
        return cb_cli_fail(&cb_spec_match, "%s", err);
    }
    o.ids = ids;
    o.stop_requested = cb_cli_stop_requested;
    cb_cli_catch_stop_signals();
    map_large_blocks();
    rc = cb_matcher_run(&o, &st, err, sizeof(err));
    cb_idkey_free(ids);
    printf("match: %" PRIu64 " messages, %" PRIu64 " events applied, %" PRIu64
           " skipped as already applied, %" PRIu64 " timers, %" PRIu64
           " lead changes, %" PRIu64 " alert changes, %" PRIu64
           " published, %" PRIu64 " dead-lettered\n",
           st.messages, st.applied, st.skipped, st.ticks, st.leads_changed,
           st.alerts_changed, st.published, st.dead_lettered);
    if (st.conflicts > 0)
        printf("match: %" PRIu64 " steps redone: another writer committed "
               "to their partition first\n", st.conflicts);
    if (st.cache_hits + st.cache_misses > 0)
        printf("match: cache: %" PRIu64 " subjects found, %" PRIu64
               " read (%.1f%% found); %" PRIu64 " times a partition was "
               "moved on by another writer, %" PRIu64 " emptied for room\n",
               st.cache_hits, st.cache_misses,
               100.0 * (double)st.cache_hits /
                   (double)(st.cache_hits + st.cache_misses),
               st.cache_stale, st.cache_evicted);
    if (st.applied > 0 && st.last_step_ms > st.first_message_ms) {
        double secs = (double)(st.last_step_ms - st.first_message_ms) /
                      1000.0;
        printf("match: %" PRIu64 " events in %.2f s from the first message "
               "to the last step: %.0f events/s\n",
               st.applied, secs, (double)st.applied / secs);
        /* the system's monotonic clock: matchers of one group are timed
         * together from these (bench/match.sh scale) */
        cb_info("first message at %" PRId64 " ms, last step at %" PRId64
                " ms (monotonic clock)", st.first_message_ms,
                st.last_step_ms);
    }
    fflush(stdout);
    cb_cli_term(&cli);
    if (rc != 0)
        return cb_cli_fail(&cb_spec_match, "%s", err);
    return CB_EXIT_OK;
}
