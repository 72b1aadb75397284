/* cb_http.c -- the HTTP server under the workbench and the matcher's
 * metrics (cb_http.h), on libmicrohttpd with a thread per connection, and
 * a watchdog thread that cuts connections past their deadlines. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "cb_http.h"
#include "cb_log.h"

/* libmicrohttpd's idle timeout: longer than a live stream's 15 s between
 * comments, so that it ends dead connections, not quiet streams */
#define CONNECTION_TIMEOUT_S 60
#define HEADER_S 10
#define BODY_S 30
#define PER_ADDRESS 32

/* Where a connection is, for its deadline. */
typedef enum conn_phase {
    WAIT_HEADERS, /* since it opened, or since its last response */
    WAIT_BODY,    /* since its headers came in */
    ANSWERING,    /* no deadline: a stream may last */
    CUT           /* shut down by the watchdog, not closed yet */
} conn_phase;

/* A connection as the watchdog sees it, from libmicrohttpd's STARTED
 * notice to its CLOSED one (which comes before the socket is closed, so a
 * connection in the list has its socket still open). */
typedef struct conn {
    struct conn *prev, *next;
    int fd;
    conn_phase phase;
    int64_t since_ms; /* monotonic */
    char peer[INET6_ADDRSTRLEN];
} conn;

struct cb_http_server {
    struct MHD_Daemon *d;
    cb_http_handler *handler;
    void *opaque;
    int port;
    cb_http_limits limits;
    pthread_mutex_t lock; /* conns, stopping */
    pthread_cond_t wake;
    pthread_t watchdog;
    int watching, stopping;
    conn *conns;
};

struct cb_http_req {
    struct MHD_Connection *c;
    const char *method;
    char path[1024];
    char peer[INET6_ADDRSTRLEN];
    cb_buf body;
    int too_big;
};

const char *cb_http_method(const cb_http_req *req) { return req->method; }
const char *cb_http_path(const cb_http_req *req) { return req->path; }
const char *cb_http_peer(const cb_http_req *req) { return req->peer; }

const char *cb_http_query(const cb_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *cb_http_header(const cb_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->c, MHD_HEADER_KIND, name);
}

const char *cb_http_cookie(const cb_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->c, MHD_COOKIE_KIND, name);
}

const char *cb_http_body(const cb_http_req *req, size_t *len)
{
    *len = req->body.len;
    return req->body.len ? (const char *)req->body.data : "";
}

int cb_http_add_header(cb_http_resp *resp, const char *name,
                       const char *value)
{
    if (resp->nheaders >= 4)
        return -1;
    snprintf(resp->headers[resp->nheaders++], sizeof(resp->headers[0]),
             "%s: %s", name, value);
    return 0;
}

/* libmicrohttpd's side of a stream. */
typedef struct stream {
    cb_http_stream_fn *fn;
    void (*free_fn)(void *);
    void *opaque;
} stream;

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *s = cls;

    (void)pos;
    long n = s->fn(s->opaque, buf, max);
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void free_stream(void *cls)
{
    stream *s = cls;

    if (s->free_fn)
        s->free_fn(s->opaque);
    free(s);
}

/* Headers every response carries: no caching of personal data, no
 * sniffing, no framing, no script but the page's own. */
static void add_common(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; "
                            "frame-ancestors 'none'; form-action 'self'");
}

static enum MHD_Result send_resp(struct MHD_Connection *c, cb_http_resp *rs)
{
    struct MHD_Response *r;
    enum MHD_Result ok;

    if (rs->stream != NULL) {
        stream *s = calloc(1, sizeof(*s));
        if (s == NULL) {
            if (rs->free_stream)
                rs->free_stream(rs->stream_opaque);
            return MHD_NO;
        }
        s->fn = rs->stream;
        s->free_fn = rs->free_stream;
        s->opaque = rs->stream_opaque;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                              read_stream, s, free_stream);
        if (r == NULL)
            free_stream(s);
    } else if (rs->fixed != NULL) {
        r = MHD_create_response_from_buffer(rs->fixed_len, (void *)rs->fixed,
                                            MHD_RESPMEM_PERSISTENT);
    } else {
        r = MHD_create_response_from_buffer(rs->body.len, rs->body.data,
                                            MHD_RESPMEM_MUST_COPY);
    }
    cb_buf_free(&rs->body);
    if (r == NULL)
        return MHD_NO;
    add_common(r);
    MHD_add_response_header(r, "Content-Type",
                            rs->type ? rs->type : "application/json");
    for (int i = 0; i < rs->nheaders; i++) {
        char *colon = strchr(rs->headers[i], ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        MHD_add_response_header(r, rs->headers[i], colon + 2);
    }
    ok = MHD_queue_response(c, (unsigned)(rs->status ? rs->status : 200), r);
    MHD_destroy_response(r);
    return ok;
}

/* ------------------------------------------------------------ deadlines */

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The text of a connection's peer address; "" when not known. */
static void peer_of(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    out[0] = '\0';
    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  out, (socklen_t)size);
}

/* Moves a connection to phase p, its clock started again. */
static void conn_enter(cb_http_server *s, struct MHD_Connection *c,
                       conn_phase p)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn *k = ci ? ci->socket_context : NULL;

    if (k == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (k->phase != CUT) {
        k->phase = p;
        k->since_ms = mono_ms();
    }
    pthread_mutex_unlock(&s->lock);
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    cb_http_server *s = cls;
    conn *k = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci == NULL)
            return;
        if ((k = calloc(1, sizeof(*k))) == NULL) {
            shutdown(ci->connect_fd, SHUT_RDWR); /* no deadline: refuse */
            return;
        }
        k->fd = ci->connect_fd;
        k->phase = WAIT_HEADERS;
        k->since_ms = mono_ms();
        peer_of(c, k->peer, sizeof(k->peer));
        pthread_mutex_lock(&s->lock);
        k->next = s->conns;
        if (s->conns)
            s->conns->prev = k;
        s->conns = k;
        pthread_mutex_unlock(&s->lock);
        *socket_context = k;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && k != NULL) {
        pthread_mutex_lock(&s->lock);
        if (k->prev)
            k->prev->next = k->next;
        else
            s->conns = k->next;
        if (k->next)
            k->next->prev = k->prev;
        pthread_mutex_unlock(&s->lock);
        free(k);
        *socket_context = NULL;
    }
}

/* The watchdog: once a second, shuts down the sockets of connections past
 * their deadline.  Their threads then see the connection end and close
 * it; the socket stays open until the CLOSED notice has taken the
 * connection out of the list under the lock, so the fd shut down here is
 * never another connection's. */
static void *watch_main(void *opaque)
{
    cb_http_server *s = opaque;

    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        int64_t now = mono_ms();
        for (conn *k = s->conns; k != NULL; k = k->next) {
            int limit = k->phase == WAIT_HEADERS ? s->limits.header_s
                        : k->phase == WAIT_BODY  ? s->limits.body_s
                                                 : 0;
            if (limit > 0 && now - k->since_ms >= (int64_t)limit * 1000) {
                cb_warn("web: %s sent no whole %s within %d s: closed",
                        k->peer, k->phase == WAIT_HEADERS ? "request headers"
                                                          : "request body",
                        limit);
                shutdown(k->fd, SHUT_RDWR);
                k->phase = CUT;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ------------------------------------------------------------- framing */

/* What the request's headers say about its length. */
typedef struct framing {
    int content_length, transfer_encoding, bad;
} framing;

static int all_digits(const char *v)
{
    if (*v == '\0')
        return 0;
    for (; *v; v++)
        if (*v < '0' || *v > '9')
            return 0;
    return 1;
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    framing *f = cls;

    (void)kind;
    if (strcasecmp(key, "Content-Length") == 0) {
        f->content_length++;
        f->bad |= value == NULL || !all_digits(value);
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->transfer_encoding++;
        f->bad |= value == NULL || strcasecmp(value, "chunked") != 0;
    }
    return MHD_YES;
}

/* Whether the request's length is beyond doubt: at most one
 * Content-Length, of digits; at most one Transfer-Encoding, "chunked";
 * not both.  libmicrohttpd takes the first of two lengths and reads a
 * body of an unknown coding until the connection ends; a proxy in front
 * may have read them otherwise (request smuggling). */
static int framing_ok(struct MHD_Connection *c)
{
    framing f = {0, 0, 0};

    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    return !f.bad && f.content_length <= 1 && f.transfer_encoding <= 1 &&
           !(f.content_length && f.transfer_encoding);
}

/* ------------------------------------------------------------- requests */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    cb_http_server *s = cls;
    cb_http_req *req = *con_cls;

    (void)version;
    if (req == NULL) { /* the headers are in; the body may follow */
        req = calloc(1, sizeof(*req));
        if (req == NULL)
            return MHD_NO;
        req->c = c;
        req->method = method;
        snprintf(req->path, sizeof(req->path), "%s", url);
        peer_of(c, req->peer, sizeof(req->peer));
        *con_cls = req;
        if (!framing_ok(c)) { /* answered now; the body is never read */
            static const char msg[] =
                "{\"error\":\"the request's length is ambiguous\"}";
            cb_http_resp rs;
            memset(&rs, 0, sizeof(rs));
            rs.status = 400;
            rs.fixed = msg;
            rs.fixed_len = sizeof(msg) - 1;
            cb_http_add_header(&rs, "Connection", "close");
            conn_enter(s, c, ANSWERING);
            return send_resp(c, &rs);
        }
        conn_enter(s, c, WAIT_BODY);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (req->body.len + *upload_data_size > CB_HTTP_MAX_BODY)
            req->too_big = 1;
        else if (cb_buf_append(&req->body, upload_data,
                               *upload_data_size) != 0)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* the whole request: NUL-terminate the body, handle it */
    if (cb_buf_append(&req->body, "", 1) != 0)
        return MHD_NO;
    req->body.len--;
    conn_enter(s, c, ANSWERING);
    cb_http_resp rs;
    memset(&rs, 0, sizeof(rs));
    if (req->too_big) {
        static const char msg[] = "{\"error\":\"the body is too large\"}";
        rs.status = 413;
        rs.fixed = msg;
        rs.fixed_len = sizeof(msg) - 1;
    } else {
        s->handler(req, &rs, s->opaque);
    }
    return send_resp(c, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    cb_http_req *req = *con_cls;

    (void)toe;
    conn_enter(cls, c, WAIT_HEADERS); /* the next request's clock */
    if (req != NULL) {
        cb_buf_free(&req->body);
        free(req);
        *con_cls = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    cb_warn("web: %s", msg);
}

cb_http_server *cb_http_start(const char *host, int port,
                              cb_http_handler *handler, void *opaque,
                              char *errstr, size_t errstr_size)
{
    return cb_http_start_limited(host, port, NULL, handler, opaque, errstr,
                                 errstr_size);
}

cb_http_server *cb_http_start_limited(const char *host, int port,
                                      const cb_http_limits *limits,
                                      cb_http_handler *handler, void *opaque,
                                      char *errstr, size_t errstr_size)
{
    struct sockaddr_in addr;
    pthread_condattr_t ca;
    cb_http_server *s;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(errstr, errstr_size, "'%s' is not an IPv4 address", host);
        return NULL;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->handler = handler;
    s->opaque = opaque;
    if (limits != NULL)
        s->limits = *limits;
    if (s->limits.header_s <= 0)
        s->limits.header_s = HEADER_S;
    if (s->limits.body_s <= 0)
        s->limits.body_s = BODY_S;
    if (s->limits.per_address == 0)
        s->limits.per_address = PER_ADDRESS;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->watchdog, NULL, watch_main, s) != 0) {
        snprintf(errstr, errstr_size, "cannot start a thread");
        goto fail;
    }
    s->watching = 1;
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(s->limits.per_address < 0 ? 0 : s->limits.per_address),
        MHD_OPTION_END);
    if (s->d == NULL) {
        snprintf(errstr, errstr_size, "cannot listen on %s:%d (in use, or "
                 "not an address of this machine)", host, port);
        goto fail;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    return s;
fail:
    cb_http_stop(s);
    return NULL;
}

int cb_http_port(const cb_http_server *s) { return s->port; }

void cb_http_stop(cb_http_server *s)
{
    if (s == NULL)
        return;
    if (s->watching) {
        pthread_mutex_lock(&s->lock);
        s->stopping = 1;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->watchdog, NULL);
    }
    if (s->d != NULL)
        MHD_stop_daemon(s->d); /* its CLOSED notices empty the list */
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int cb_http_split_listen(const char *text, char *host, size_t host_size,
                         int *port)
{
    const char *colon = strrchr(text, ':');
    char *end;
    long p;

    if (colon == NULL || (size_t)(colon - text) >= host_size ||
        colon == text)
        return -1;
    p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || p < 0 || p > 65535)
        return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    *port = (int)p;
    return 0;
}
