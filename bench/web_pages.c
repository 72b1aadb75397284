/* web_pages.c -- benchmark: how fast `canbao web` answers a township's
 * filtered lead list when the township has N leads.
 *
 *   web_pages BROKERS URL COOKIE TOWNSHIP N REQUESTS
 *
 * Produces N synthetic leads of TOWNSHIP to canbao.lead.v1 (as the matcher
 * would publish them; a running `canbao web` follows the topic), waits
 * until the workbench holds them (GET /healthz), then sends REQUESTS
 * GET /api/leads with a random filter (status, reason, priority, age band),
 * sort, order and page, one after another on one keep-alive connection,
 * with COOKIE ("canbao_session=...").  Each request is timed from the
 * first byte sent to the last byte of the body.  Prints p50, p90, p99, max
 * and the mean.  A figure, not a test. */
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_time.h"
#include "cb_codec.h"
#include "cb_ident.h"
#include "cb_kafka.h"
#include "cb_time.h"

static void die(const char *what, const char *err)
{
    fprintf(stderr, "web_pages: %s: %s\n", what, err);
    exit(1);
}

/* ------------------------------------------------------------ the leads */

static void produce_leads(const char *brokers, const char *township, long n)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cb_codec *codec = cb_codec_new(err, sizeof(err));
    cb_buf buf = {0};

    if (codec == NULL)
        die("codec", err);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
                          sizeof(err)) ||
        rd_kafka_conf_set(conf, "linger.ms", "20", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000",
                          err, sizeof(err)))
        die("config", err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (p == NULL)
        die("kafka", err);
    srand(7);
    for (long i = 0; i < n; i++) {
        cb_lead l;
        char body[40];
        cb_record_clear(CB_KIND_LEAD, &l);
        snprintf(l.lead_id, sizeof(l.lead_id), "L%016lx",
                 0xbe0c0000000000UL + (unsigned long)i);
        snprintf(l.township_code, sizeof(l.township_code), "%s", township);
        l.subject_kind = CB_SUBJECT_PERSON;
        /* born 1940-2005, a distinct person each */
        snprintf(body, sizeof(body), "320923%04d%02d%02d%03ld",
                 1940 + rand() % 66, 1 + rand() % 12, 1 + rand() % 28,
                 i % 1000);
        memcpy(l.subject_id, body, 17);
        l.subject_id[17] = cb_ident_person_check_char(body);
        snprintf(l.name, sizeof(l.name), "张三");
        l.reason = rand() % 5;
        l.priority = rand() % 2;
        l.opened_at = cb_time_now() - (int64_t)(rand() % 300) * 86400000;
        l.status = rand() % 4;
        l.closed_reason = l.status == CB_STATUS_CLOSED ? CB_CLOSED_ENROLLED
                                                       : -1;
        l.closed_at = l.status == CB_STATUS_CLOSED ? cb_time_now()
                                                   : CB_TIME_NONE;
        snprintf(l.source_event_id, sizeof(l.source_event_id), "bench-%ld",
                 i);
        if (cb_codec_encode(codec, CB_KIND_LEAD, &l, &buf, err,
                            sizeof(err)) != 0)
            die("encode", err);
        while (rd_kafka_producev(
                   p, RD_KAFKA_V_TOPIC(cb_topic_name(CB_KIND_LEAD)),
                   /* keyed by lead, so the leads spread over the
                    * partitions and stay within what the embedded broker
                    * keeps of each (about 5 MB) */
                   RD_KAFKA_V_KEY(l.lead_id, strlen(l.lead_id)),
                   RD_KAFKA_V_VALUE(buf.data, buf.len),
                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                   RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
        rd_kafka_poll(p, 0);
    }
    if (rd_kafka_flush(p, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("flush", "leads not delivered in 60 s");
    rd_kafka_destroy(p);
    cb_buf_free(&buf);
    cb_codec_free(codec);
}

/* ------------------------------------------------------------- the HTTP */

typedef struct conn {
    int fd;
    char host[64];
    int port;
    char *buf;
    size_t cap;
} conn;

static void conn_open(conn *c)
{
    struct sockaddr_in a;
    int one = 1;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)c->port);
    inet_pton(AF_INET, c->host, &a.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        die("connect", c->host);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* One GET; returns the status and leaves the body in c->buf. */
static int get(conn *c, const char *path, const char *cookie, size_t *blen)
{
    char req[2048];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: %s\r\n"
                     "Connection: keep-alive\r\n\r\n",
                     path, c->host, c->port, cookie ? cookie : "");
    if (write(c->fd, req, (size_t)n) != n)
        die("write", path);
    size_t used = 0, head = 0, clen = 0;
    for (;;) {
        if (used + 65536 > c->cap) {
            c->cap = (used + 65536) * 2;
            c->buf = realloc(c->buf, c->cap);
        }
        ssize_t r = read(c->fd, c->buf + used, c->cap - used - 1);
        if (r <= 0)
            die("read", path);
        used += (size_t)r;
        c->buf[used] = '\0';
        if (head == 0) {
            char *end = strstr(c->buf, "\r\n\r\n");
            if (end == NULL)
                continue;
            head = (size_t)(end - c->buf) + 4;
            char *cl = strcasestr(c->buf, "\r\nContent-Length:");
            if (cl == NULL || cl > end)
                die("response", "no Content-Length");
            clen = (size_t)strtoul(cl + 17, NULL, 10);
        }
        if (used >= head + clen)
            break;
    }
    int status = strncmp(c->buf, "HTTP/1.1 ", 9) == 0 ? atoi(c->buf + 9)
                                                      : 0;
    *blen = clen;
    memmove(c->buf, c->buf + head, clen);
    c->buf[clen] = '\0';
    return status;
}

int main(int argc, char **argv)
{
    static const char *const statuses[] = {"", "open", "contacted",
                                           "refused", "all"};
    static const char *const reasons[] = {
        "", "working_age_uninsured", "elderly_no_pension",
        "assisted_not_enrolled"};
    static const char *const bands[] = {"", "under_30", "45_59", "60_plus"};
    static const char *const sorts[] = {"opened", "priority", "age",
                                        "status"};
    conn c = {0};

    if (argc != 7)
        die("usage", "web_pages BROKERS URL COOKIE TOWNSHIP N REQUESTS");
    const char *brokers = argv[1], *url = argv[2], *cookie = argv[3],
               *town = argv[4];
    long n = atol(argv[5]), requests = atol(argv[6]);
    if (sscanf(url, "http://%63[^:]:%d", c.host, &c.port) != 2 || n < 1 ||
        requests < 1)
        die("usage", "URL is http://HOST:PORT/, N and REQUESTS positive");

    conn_open(&c);
    size_t blen;
    get(&c, "/healthz", NULL, &blen);
    long before = strtol(strstr(c.buf, "\"leads\":") + 8, NULL, 10);
    int64_t t0 = bench_mono_us();
    produce_leads(brokers, town, n);
    printf("produced %ld leads of township %s in %.1f s\n", n, town,
           (double)(bench_mono_us() - t0) / 1e6);
    for (;;) { /* until the workbench holds them all */
        get(&c, "/healthz", NULL, &blen);
        long now = strtol(strstr(c.buf, "\"leads\":") + 8, NULL, 10);
        if (now >= before + n)
            break;
        usleep(200 * 1000);
    }
    printf("the workbench holds them %.1f s after the first was produced\n",
           (double)(bench_mono_us() - t0) / 1e6);

    int64_t *lat = calloc((size_t)requests, sizeof(*lat));
    long total_rows = 0;
    srand(11);
    for (long i = 0; i < requests; i++) {
        char path[512];
        snprintf(path, sizeof(path),
                 "/api/leads?township=%s&status=%s&reason=%s&age_band=%s"
                 "&sort=%s&order=%s&page=%d&per_page=50",
                 town, statuses[rand() % 5], reasons[rand() % 4],
                 bands[rand() % 4], sorts[rand() % 4],
                 rand() % 2 ? "asc" : "desc", 1 + rand() % 20);
        int64_t s = bench_mono_us();
        int st = get(&c, path, cookie, &blen);
        lat[i] = bench_mono_us() - s;
        if (st != 200 || strncmp(c.buf, "{\"total\":", 9) != 0)
            die("response", c.buf);
        total_rows += strtol(c.buf + 9, NULL, 10);
    }
    qsort(lat, (size_t)requests, sizeof(*lat), bench_cmp64);
    double mean = 0;
    for (long i = 0; i < requests; i++)
        mean += (double)lat[i];
    mean /= (double)requests;
    printf("%ld filtered pages of 50 (the filters matched %ld leads on "
           "average): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, "
           "mean %.2f ms\n",
           requests, total_rows / requests, (double)lat[requests / 2] / 1e3,
           (double)lat[requests * 90 / 100] / 1e3,
           (double)lat[requests * 99 / 100] / 1e3,
           (double)lat[requests - 1] / 1e3, mean / 1e3);
    free(lat);
    free(c.buf);
    close(c.fd);
    return 0;
}
