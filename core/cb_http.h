/* cb_http.h -- a small HTTP server on libmicrohttpd: a request comes in
 * whole (its body gathered, at most CB_HTTP_MAX_BODY bytes), a handler
 * fills a response, the server sends it.  Nothing here knows canbao's
 * routes: the workbench's are in cb_api.c, the matcher's metrics in
 * cb_metrics.c.  A library of its own (canbao_http), so that only the
 * programs that serve HTTP link libmicrohttpd.
 *
 * Each connection has a thread of its own (MHD_USE_THREAD_PER_CONNECTION),
 * so a handler may block, and a streamed response (server-sent events)
 * may wait for its next chunk.  Handlers run on many threads at once.
 *
 * Since a connection costs a thread, a client must not hold one for
 * nothing: a request's headers must be in within header_s seconds of the
 * connection opening (or of the previous response on it), its body within
 * body_s more, however slowly the bytes trickle in (libmicrohttpd's own
 * timeout is an idle one, which a byte every few seconds restarts); and
 * one address holds at most per_address connections at once.  A request
 * whose length is ambiguous (Content-Length twice or not a number,
 * Transfer-Encoding other than one "chunked", or both headers) is refused
 * with 400 and the connection closed, before any handler sees it. */
#ifndef CB_HTTP_H
#define CB_HTTP_H

#include <stddef.h>

#include "cb_buf.h"

#define CB_HTTP_MAX_BODY 65536

typedef struct cb_http_req cb_http_req;

/* The request's method ("GET") and path without its query ("/api/leads"). */
const char *cb_http_method(const cb_http_req *req);
const char *cb_http_path(const cb_http_req *req);
/* The client's address as text ("127.0.0.2"): the peer of the TCP
 * connection, which behind a proxy is the proxy.  "" when unknown. */
const char *cb_http_peer(const cb_http_req *req);
/* A query argument, a header (any case) or a cookie; NULL when absent. */
const char *cb_http_query(const cb_http_req *req, const char *name);
const char *cb_http_header(const cb_http_req *req, const char *name);
const char *cb_http_cookie(const cb_http_req *req, const char *name);
/* The body (NUL-terminated) and its length. */
const char *cb_http_body(const cb_http_req *req, size_t *len);

/* Writes the next chunk of a streamed response into buf (at most max
 * bytes) and returns its length; may wait.  Returns -1 to end the
 * stream. */
typedef long (cb_http_stream_fn)(void *opaque, char *buf, size_t max);

typedef struct cb_http_resp {
    int status;             /* default 200 */
    const char *type;       /* Content-Type, default application/json */
    cb_buf body;            /* owned by the server once the handler returns */
    const void *fixed;      /* or a body that outlives the server */
    size_t fixed_len;
    char headers[4][512];   /* extra "Name: value" lines */
    int nheaders;
    cb_http_stream_fn *stream; /* or a stream, then free_stream(opaque) */
    void (*free_stream)(void *opaque);
    void *stream_opaque;
} cb_http_resp;

/* Adds a header line to a response.  Returns 0, or -1 when full. */
int cb_http_add_header(cb_http_resp *resp, const char *name,
                       const char *value);

typedef void (cb_http_handler)(const cb_http_req *req, cb_http_resp *resp,
                               void *opaque);

typedef struct cb_http_server cb_http_server;

/* What a client may hold (above); 0 in a field takes its default. */
typedef struct cb_http_limits {
    int header_s;    /* default 10 */
    int body_s;      /* default 30 */
    int per_address; /* connections of one address, default 32; -1: any */
} cb_http_limits;

/* Listens on host:port (port 0: any free port) and serves with handler,
 * with the default limits.  Returns NULL with errstr. */
cb_http_server *cb_http_start(const char *host, int port,
                              cb_http_handler *handler, void *opaque,
                              char *errstr, size_t errstr_size);

/* The same with limits (NULL: the defaults). */
cb_http_server *cb_http_start_limited(const char *host, int port,
                                      const cb_http_limits *limits,
                                      cb_http_handler *handler, void *opaque,
                                      char *errstr, size_t errstr_size);

/* The port it listens on. */
int cb_http_port(const cb_http_server *s);

/* Stops listening, waits for the connections' threads, frees (NULL
 * allowed). */
void cb_http_stop(cb_http_server *s);

/* "HOST:PORT" (a --listen option) into its parts; port 0 means any free
 * port.  Returns 0 or -1. */
int cb_http_split_listen(const char *text, char *host, size_t host_size,
                         int *port);

#endif
