/* cb_metrics.c -- the matcher's figures, rendered for Prometheus and
 * served over HTTP (cb_metrics.h). */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_http.h"
#include "cb_metrics.h"
#include "cb_time.h"

#define STALL_MS 30000 /* /healthz: the loop must have turned since */

typedef struct lag {
    char *topic;
    int partition;
    int64_t lag;
} lag;

struct cb_metrics {
    pthread_mutex_t mu;
    cb_metrics_figures f;
    char *topics[CB_METRICS_TOPICS];
    lag *lags;
    size_t nlags;
    cb_http_server *http;
};

static const char *const dead_reasons[CB_DEAD_REASONS] = {
    "undecodable", "unappliable", "wrong_partition"};

const char *cb_metrics_dead_reason(int reason)
{
    return dead_reasons[reason];
}

/* A step is a few Redis round trips: under a millisecond on loopback, tens
 * of milliseconds behind a busy Redis or across a network. */
static const double step_bounds[CB_METRICS_STEP_BOUNDS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

cb_metrics *cb_metrics_new(const char *const *topics, int ntopics)
{
    cb_metrics *mx = calloc(1, sizeof(*mx));

    if (mx == NULL)
        return NULL;
    pthread_mutex_init(&mx->mu, NULL);
    mx->f.redis_rtt_s = -1;
    for (int t = 0; t < ntopics && t < CB_METRICS_TOPICS; t++)
        if (topics[t] != NULL && (mx->topics[t] = strdup(topics[t])) == NULL) {
            cb_metrics_free(mx);
            return NULL;
        }
    return mx;
}

static void lags_free(lag *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i].topic);
    free(l);
}

void cb_metrics_free(cb_metrics *mx)
{
    if (mx == NULL)
        return;
    if (mx->http != NULL)
        cb_http_stop(mx->http);
    for (int t = 0; t < CB_METRICS_TOPICS; t++)
        free(mx->topics[t]);
    lags_free(mx->lags, mx->nlags);
    pthread_mutex_destroy(&mx->mu);
    free(mx);
}

const char *cb_metrics_stage_name(int stage)
{
    static const char *const names[CB_STAGES] = {"arrive", "queue", "step",
                                                 "publish"};
    return stage >= 0 && stage < CB_STAGES ? names[stage] : "?";
}

void cb_metrics_observe_step(cb_metrics_figures *f, double seconds)
{
    int b = 0;

    while (b < CB_METRICS_STEP_BOUNDS && seconds > step_bounds[b])
        b++;
    f->step_buckets[b]++;
    f->step_seconds += seconds;
}

void cb_metrics_publish(cb_metrics *mx, const cb_metrics_figures *f)
{
    pthread_mutex_lock(&mx->mu);
    mx->f = *f;
    pthread_mutex_unlock(&mx->mu);
}

static int64_t int_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* A partition's lag: the high watermark less the position the matcher
 * has taken messages to (app_offset); before it has taken any, less the
 * fetch position; else librdkafka's consumer_lag (from the committed
 * offset, which the matcher does not use).  -1 when unknown. */
static int64_t lag_of(json_t *p)
{
    int64_t hi = int_of(p, "hi_offset"), app = int_of(p, "app_offset"),
            next = int_of(p, "next_offset");

    if (hi >= 0 && app >= 0)
        return hi > app ? hi - app : 0;
    if (hi >= 0 && next >= 0)
        return hi > next ? hi - next : 0;
    return int_of(p, "consumer_lag");
}

int cb_metrics_take_stats(cb_metrics *mx, const char *json, size_t len)
{
    json_t *root = json_loadb(json, len, 0, NULL), *topics, *tv;
    const char *tname;
    lag *l = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;

    if (root == NULL)
        return -1;
    topics = json_object_get(root, "topics");
    if (!json_is_object(topics))
        goto out;
    json_object_foreach(topics, tname, tv)
    {
        json_t *parts = json_object_get(tv, "partitions"), *pv;
        const char *pname;
        json_object_foreach(parts, pname, pv)
        {
            int p = atoi(pname);
            int64_t v = lag_of(pv);
            /* not desired: not assigned to this matcher (any more); its
             * figures are stale, and another matcher reports it */
            if (p < 0 || v < 0 || json_is_false(json_object_get(pv,
                                                                "desired")))
                continue;
            if (n == cap) {
                size_t c = cap ? cap * 2 : 64;
                lag *g = realloc(l, c * sizeof(*g));
                if (g == NULL)
                    goto out;
                l = g;
                cap = c;
            }
            if ((l[n].topic = strdup(tname)) == NULL)
                goto out;
            l[n].partition = p;
            l[n++].lag = v;
        }
    }
    pthread_mutex_lock(&mx->mu);
    lags_free(mx->lags, mx->nlags);
    mx->lags = l;
    mx->nlags = n;
    pthread_mutex_unlock(&mx->mu);
    l = NULL;
    n = 0;
    rc = 0;
out:
    lags_free(l, n);
    json_decref(root);
    return rc;
}

int cb_metrics_escape(cb_buf *out, const char *s)
{
    for (; *s; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" :
                        *s == '\n' ? "\\n" : NULL;
        if (cb_buf_append(out, e ? e : s, e ? 2 : 1) != 0)
            return -1;
    }
    return 0;
}

/* printf into out; returns 0 or -1. */
__attribute__((format(printf, 2, 3))) static int put(cb_buf *out,
                                                     const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    return cb_buf_append(out, line, (size_t)n);
}

static int family(cb_buf *out, const char *name, const char *type,
                  const char *help)
{
    return put(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} v */
static int labeled(cb_buf *out, const char *name, const char *label,
                   const char *value, uint64_t v)
{
    return put(out, "%s{%s=\"", name, label) ||
           cb_metrics_escape(out, value) || put(out, "\"} %" PRIu64 "\n", v);
}

static int counter(cb_buf *out, const char *name, const char *help,
                   uint64_t v)
{
    return family(out, name, "counter", help) ||
           put(out, "%s %" PRIu64 "\n", name, v);
}

static int gauge(cb_buf *out, const char *name, const char *help, double v)
{
    return family(out, name, "gauge", help) ||
           put(out, "%s %.9g\n", name, v);
}

/* Has the loop turned within stall_ms of now_ms? */
static int alive(const cb_metrics_figures *f, int64_t now_ms,
                 int64_t stall_ms)
{
    return f->turned_ms > 0 && now_ms - f->turned_ms <= stall_ms;
}

/* The steps' histogram: cumulative buckets, then _sum and _count. */
static int step_histogram(cb_buf *out, const cb_metrics_figures *f)
{
    const char *name = "canbao_matcher_step_seconds";
    uint64_t n = 0;
    int rc = family(out, name, "histogram",
                    "Steps committed, by the time from their first command "
                    "to their commit (Redis's round trips and the rules, "
                    "behind the other steps in flight).");

    for (int b = 0; b < CB_METRICS_STEP_BUCKETS; b++) {
        char le[32];
        n += f->step_buckets[b];
        if (b < CB_METRICS_STEP_BOUNDS)
            snprintf(le, sizeof(le), "%g", step_bounds[b]);
        else
            snprintf(le, sizeof(le), "+Inf");
        rc |= put(out, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, le, n);
    }
    return rc | put(out, "%s_sum %.9g\n%s_count %" PRIu64 "\n", name,
                    f->step_seconds, name, n);
}

/* Each stage's time summed over its ops, and the ops: their quotient is
 * an op's mean time in the stage. */
static int stages(cb_buf *out, const cb_metrics_figures *f)
{
    int rc = family(out, "canbao_matcher_stage_seconds_total", "counter",
                    "Time the events spent in each stage of the matcher, "
                    "summed over them: arrive (from the event's Kafka "
                    "timestamp to the matcher taking it), queue (in its "
                    "partition's batch), step, publish (to its outbox "
                    "entries handed to the producer).");

    for (int g = 0; g < CB_STAGES; g++)
        rc |= put(out, "canbao_matcher_stage_seconds_total{stage=\"%s\"} "
                  "%.9g\n", cb_metrics_stage_name(g), f->stage_seconds[g]);
    rc |= family(out, "canbao_matcher_stage_events_total", "counter",
                 "The events each stage's time is summed over.");
    for (int g = 0; g < CB_STAGES; g++)
        rc |= labeled(out, "canbao_matcher_stage_events_total", "stage",
                      cb_metrics_stage_name(g), f->stage_ops[g]);
    return rc;
}

static int render_locked(cb_metrics *mx, int64_t now_ms, cb_buf *out)
{
    const cb_metrics_figures *f = &mx->f;
    int rc = 0;

    rc |= family(out, "canbao_matcher_events_total", "counter",
                 "Messages taken from each input topic.");
    for (int t = 0; t < CB_METRICS_TOPICS; t++)
        if (mx->topics[t] != NULL)
            rc |= labeled(out, "canbao_matcher_events_total", "topic",
                          mx->topics[t], f->events[t]);
    rc |= counter(out, "canbao_matcher_applied_total",
                  "Events applied to the state by a step.", f->applied);
    rc |= counter(out, "canbao_matcher_skipped_total",
                  "Redeliveries below the offsets Redis holds, skipped.",
                  f->skipped);
    rc |= counter(out, "canbao_matcher_steps_total",
                  "Steps committed to Redis.", f->steps);
    rc |= counter(out, "canbao_matcher_conflicts_total",
                  "Steps redone because another writer committed first.",
                  f->conflicts);
    rc |= counter(out, "canbao_matcher_timers_total",
                  "Timers that fell due and were applied.", f->timers);
    rc |= family(out, "canbao_matcher_leads_total", "counter",
                 "Lead changes published, by reason and status.");
    for (int r = 0; r < CB_METRICS_REASONS; r++)
        for (int s = 0; s < CB_METRICS_STATUSES; s++) {
            const char *rn = cb_symbol(CB_KIND_LEAD, "reason", r),
                       *sn = cb_symbol(CB_KIND_LEAD, "status", s);
            if (rn == NULL || sn == NULL)
                continue;
            rc |= put(out, "canbao_matcher_leads_total{reason=\"") ||
                  cb_metrics_escape(out, rn) ||
                  put(out, "\",status=\"") || cb_metrics_escape(out, sn) ||
                  put(out, "\"} %" PRIu64 "\n", f->leads[r][s]);
        }
    rc |= family(out, "canbao_matcher_alerts_total", "counter",
                 "Alert changes published, by kind: raised (or grown) and "
                 "withdrawn.");
    for (int k = 0; k < CB_METRICS_ALERT_KINDS; k++) {
        const char *kn = cb_symbol(CB_KIND_ALERT, "kind", k);
        if (kn == NULL)
            continue;
        for (int w = 0; w < 2; w++)
            rc |= put(out, "canbao_matcher_alerts_total{kind=\"") ||
                  cb_metrics_escape(out, kn) ||
                  put(out, "\",change=\"%s\"} %" PRIu64 "\n",
                      w ? "withdrawn" : "raised", f->alerts[k][w]);
    }
    rc |= family(out, "canbao_matcher_dead_lettered_total", "counter",
                 "Messages sent to the dead-letter topic, by reason.");
    for (int d = 0; d < CB_DEAD_REASONS; d++)
        rc |= labeled(out, "canbao_matcher_dead_lettered_total", "reason",
                      dead_reasons[d], f->dead[d]);
    rc |= family(out, "canbao_matcher_consumer_lag", "gauge",
                 "Messages behind the end of each partition (librdkafka "
                 "statistics).");
    for (size_t i = 0; i < mx->nlags; i++)
        rc |= put(out, "canbao_matcher_consumer_lag{topic=\"") ||
              cb_metrics_escape(out, mx->lags[i].topic) ||
              put(out, "\",partition=\"%d\"} %" PRId64 "\n",
                  mx->lags[i].partition, mx->lags[i].lag);
    rc |= counter(out, "canbao_matcher_redis_failures_total",
                  "Redis failures ridden out (the matcher stops consuming "
                  "until Redis is back).", f->redis_failures);
    rc |= counter(out, "canbao_matcher_redis_reconnects_total",
                  "Connections to Redis made again after a failure.",
                  f->redis_reconnects);
    if (f->redis_rtt_s >= 0)
        rc |= gauge(out, "canbao_matcher_redis_rtt_seconds",
                    "Round trip of the last PING to Redis (to every master "
                    "of a cluster).", f->redis_rtt_s);
    rc |= step_histogram(out, f);
    rc |= stages(out, f);
    rc |= gauge(out, "canbao_matcher_assigned_partitions",
                "State partitions held: partition N of every input topic.",
                f->assigned);
    rc |= gauge(out, "canbao_matcher_up",
                "1 while the matcher's loop has turned within the last 30 s "
                "(as /healthz).",
                alive(f, now_ms, STALL_MS));
    rc |= gauge(out, "canbao_matcher_ready",
                "1 when assigned and Redis answers (as /readyz).", f->ready);
    return rc ? -1 : 0;
}

int cb_metrics_render(cb_metrics *mx, int64_t now_ms, cb_buf *out)
{
    int rc;

    pthread_mutex_lock(&mx->mu);
    rc = render_locked(mx, now_ms, out);
    pthread_mutex_unlock(&mx->mu);
    return rc;
}

int cb_metrics_live(cb_metrics *mx, int64_t now_ms, int64_t stall_ms)
{
    int r;

    pthread_mutex_lock(&mx->mu);
    r = alive(&mx->f, now_ms, stall_ms);
    pthread_mutex_unlock(&mx->mu);
    return r;
}

int cb_metrics_ready(cb_metrics *mx)
{
    int r;

    pthread_mutex_lock(&mx->mu);
    r = mx->f.ready;
    pthread_mutex_unlock(&mx->mu);
    return r;
}

static void text(cb_http_resp *resp, int status, const char *body)
{
    resp->status = status;
    resp->type = "text/plain; charset=utf-8";
    cb_buf_append(&resp->body, body, strlen(body));
}

static void handle(const cb_http_req *req, cb_http_resp *resp, void *opaque)
{
    cb_metrics *mx = opaque;
    const char *path = cb_http_path(req);

    if (strcmp(cb_http_method(req), "GET") != 0)
        return text(resp, 405, "GET only\n");
    if (strcmp(path, "/metrics") == 0) {
        if (cb_metrics_render(mx, cb_clock_ms(), &resp->body) != 0)
            return text(resp, 500, "out of memory\n");
        resp->status = 200;
        resp->type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (strcmp(path, "/healthz") == 0) {
        if (cb_metrics_live(mx, cb_clock_ms(), STALL_MS))
            text(resp, 200, "ok\n");
        else
            text(resp, 503, "the matcher's loop has not turned for 30 s\n");
    } else if (strcmp(path, "/readyz") == 0) {
        if (cb_metrics_ready(mx))
            text(resp, 200, "ready\n");
        else
            text(resp, 503, "not ready: no partitions yet, or Redis is "
                            "failing\n");
    } else {
        text(resp, 404, "/metrics, /healthz, /readyz\n");
    }
}

int cb_metrics_serve(cb_metrics *mx, const char *listen, char *errstr,
                     size_t errstr_size)
{
    char host[256];
    int port;

    if (cb_http_split_listen(listen, host, sizeof(host), &port) != 0) {
        snprintf(errstr, errstr_size, "the metrics address is HOST:PORT, "
                 "not '%s'", listen);
        return -1;
    }
    mx->http = cb_http_start(host, port, handle, mx, errstr, errstr_size);
    return mx->http ? cb_http_port(mx->http) : -1;
}
