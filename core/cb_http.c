/* cb_http.c -- the HTTP server under the workbench and the matcher's
 * metrics (cb_http.h), on libmicrohttpd with a thread per connection. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_http.h"
#include "cb_log.h"

#define CONNECTION_TIMEOUT_S 60 /* idle keep-alive connections */

struct cb_http_server {
    struct MHD_Daemon *d;
    cb_http_handler *handler;
    void *opaque;
    int port;
};

struct cb_http_req {
    struct MHD_Connection *c;
    const char *method;
    char path[1024];
    cb_buf body;
    int too_big;
};

const char *cb_http_method(const cb_http_req *req) { return req->method; }
const char *cb_http_path(const cb_http_req *req) { return req->path; }

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
        *con_cls = req;
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

    (void)cls, (void)c, (void)toe;
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
    struct sockaddr_in addr;
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
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_END);
    if (s->d == NULL) {
        snprintf(errstr, errstr_size, "cannot listen on %s:%d (in use, or "
                 "not an address of this machine)", host, port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    return s;
}

int cb_http_port(const cb_http_server *s) { return s->port; }

void cb_http_stop(cb_http_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->d);
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
