/* cb_api_int.h -- what the parts of the workbench's routes (cb_api.c,
 * cb_api_leads.c, cb_api_reviews.c, cb_api_county.c, cb_api_live.c)
 * share; not for other
 * modules, which use cb_api.h. */
#ifndef CB_API_INT_H
#define CB_API_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cb_api.h"
#include "cb_audit.h"
#include "cb_auth.h"
#include "cb_record_json.h"
#include "cb_store.h"

#define CB_API_POOL 8 /* Redis connections kept between requests */

struct cb_api {
    const cb_config *cfg;
    struct cb_idkey *ids; /* the id key (owned): decisions remake ids */
    int idle_s;
    const char *cookie_flags; /* "HttpOnly; SameSite=Strict[; Secure]" */
    int secure;               /* behind TLS: the page's origin is https */
    char origin[256];         /* the page's origin when set, else "" */
    cb_leadbook *book;
    pthread_mutex_t pool_lock;
    cb_store *pool[CB_API_POOL];
    int npool;
    atomic_int stopping;
    atomic_uint signouts; /* sign-outs so far: live streams look at once */
    int (*following)(void *);
    void *following_opaque;
    atomic_ulong requests, status_4xx, status_5xx, decisions, views,
        exports, signins, signin_failures, verdicts, review_views;
};

/* A Redis connection (a store) from the pool, or a new one; NULL with
 * errstr.  Give it back with cb_api_pool_put, failed when it failed. */
cb_store *cb_api_pool_get(cb_api *a, char *errstr, size_t errstr_size);
void cb_api_pool_put(cb_api *a, cb_store *s, int failed);

/* Replies: a JSON value (taken), or {"error": ...}. */
void cb_api_reply_json(cb_http_resp *resp, int status, json_t *j);

/* Replies 200 with CSV text (taken, len bytes) as a download named
 * filename. */
void cb_api_reply_csv(cb_http_resp *resp, char *text, size_t len,
                      const char *filename);
void cb_api_reply_error(cb_http_resp *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The clock the rules reason on (config "now", else the wall clock). */
int64_t cb_api_now_ms(cb_api *a);

/* Checks of input: a township code, a lead id; an enum symbol's value
 * (-1 none); a positive integer query argument (def when absent, -1 when
 * bad). */
int cb_api_code_ok(const char *s);
int cb_api_lead_id_ok(const char *s);
int cb_api_symbol_of(cb_kind kind, const char *field, const char *text);
long cb_api_int_arg(const cb_http_req *req, const char *name, long def,
                    long max);

/* Appends to the audit log (a failure is logged, not answered). */
void cb_api_audit(cb_store *st, const cb_session *s, const char *township,
                  const char *action, const char *target, const char *before,
                  const char *after);

/* Whether a change may go on (CSRF token; an Origin, when sent, equal to
 * the workbench's scheme, host and port); answers 403 if not. */
int cb_api_change_allowed(cb_api *a, const cb_http_req *req,
                          cb_http_resp *resp, const cb_session *s);
/* The request's JSON object body into *out; answers 400/415 if not. */
int cb_api_json_body(const cb_http_req *req, cb_http_resp *resp,
                     json_t **out);
/* The township a request is about, checked against the account; answers
 * 400/403 if not allowed.  *code NULL: every township (the county). */
int cb_api_township_arg(const cb_http_req *req, cb_http_resp *resp,
                        const cb_session *s, const char **code);
int cb_api_may_see(const cb_session *s, const char *township);
/* A lead as JSON (masked when mask), with its age band on today. */
json_t *cb_api_lead_json(const cb_lead *l, int32_t today, int mask);

/* The routes of cb_api_leads.c; failed is set on Redis trouble. */
void cb_api_get_leads(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      const cb_session *s);
void cb_api_get_leads_csv(cb_api *a, const cb_http_req *req,
                          cb_http_resp *resp, cb_store *st,
                          const cb_session *s);
void cb_api_get_lead(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                     cb_store *st, const cb_session *s, const char *id);
void cb_api_post_lead(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      cb_store *st, const cb_session *s, const char *id,
                      int *failed);

/* The routes of cb_api_reviews.c: the queue (masked; township, kind and
 * status filters, status open by default), one item whole (audited as
 * view_review), a verdict on one (audited as decide_review).  A township
 * account sees and decides its own township's items only (another's is
 * answered 404, as no item); failed is set on Redis trouble. */
void cb_api_get_reviews(const cb_http_req *req, cb_http_resp *resp,
                        cb_store *st, const cb_session *s, int *failed);
void cb_api_get_review(cb_api *a, cb_http_resp *resp, cb_store *st,
                       const cb_session *s, const char *id, int *failed);
void cb_api_post_review(cb_api *a, const cb_http_req *req,
                        cb_http_resp *resp, cb_store *st,
                        const cb_session *s, const char *id, int *failed);

/* The routes of cb_api_county.c. */
void cb_api_get_alerts(const cb_http_req *req, cb_http_resp *resp,
                       cb_store *st, const cb_session *s, int *failed);
void cb_api_get_report(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                       cb_store *st, const cb_session *s, int *failed);
void cb_api_get_audit(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      cb_store *st, const cb_session *s, int *failed);

/* The route of cb_api_live.c: a stream that ends when the session does. */
void cb_api_get_events(cb_api *a, cb_http_resp *resp, const cb_session *s);

#endif
