/* cb_api.c -- the workbench's routes (cb_api.h): the plumbing every route
 * shares (Redis connections, replies, sessions, CSRF and township checks),
 * sign-in, the page, health and metrics, and the table of routes.  The
 * lead routes are in cb_api_leads.c, the review queue in
 * cb_api_reviews.c, the county's views in cb_api_county.c, the live list
 * in cb_api_live.c. */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_api.h"
#include "cb_api_int.h"
#include "cb_audit.h"
#include "cb_auth.h"
#include "cb_embed.h"
#include "cb_idkey.h"
#include "cb_log.h"
#include "cb_record_json.h"
#include "cb_store.h"
#include "cb_time.h"

extern const cb_embedded_file cb_page_files[];

#define COOKIE "canbao_session"

const cb_refusal_reason cb_refusal_reasons[] = {
    {"cannot_afford", "缴费困难 cannot afford the contributions"},
    {"insured_elsewhere", "已在外地参保 insured elsewhere"},
    {"away_for_work", "外出务工联系不上 away for work, not reachable"},
    {"flexible_undecided", "灵活就业未选险种 flexible worker, scheme not chosen"},
    {"unwilling", "参保意识不强 does not see the need"},
    {"employer_refuses", "单位不愿为职工参保 employer will not enroll staff"},
    {"other", "其他 other (say why)"},
    {NULL, NULL}};

/* ------------------------------------------------------------ plumbing */

cb_store *cb_api_pool_get(cb_api *a, char *errstr, size_t errstr_size)
{
    cb_store *s = NULL;

    pthread_mutex_lock(&a->pool_lock);
    if (a->npool > 0)
        s = a->pool[--a->npool];
    pthread_mutex_unlock(&a->pool_lock);
    if (s == NULL)
        s = cb_store_from_config(a->cfg, a->ids, errstr, errstr_size);
    return s;
}

/* Gives a connection back; one that failed is dropped (its error is
 * sticky), and so is one more than the pool keeps. */
void cb_api_pool_put(cb_api *a, cb_store *s, int failed)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&a->pool_lock);
    if (!failed && a->npool < CB_API_POOL) {
        a->pool[a->npool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&a->pool_lock);
    cb_store_free(s);
}

void cb_api_reply_json(cb_http_resp *resp, int status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII |
                                      JSON_REAL_PRECISION(6)) : NULL;

    resp->status = status;
    resp->type = "application/json";
    if (text == NULL || cb_buf_append(&resp->body, text, strlen(text)) != 0)
        resp->status = 500;
    free(text);
    json_decref(j);
}

void cb_api_reply_csv(cb_http_resp *resp, char *text, size_t len,
                      const char *filename)
{
    char disposition[128];

    resp->status = 200;
    resp->type = "text/csv; charset=utf-8";
    if (cb_buf_append(&resp->body, text, len) != 0)
        resp->status = 500;
    free(text);
    snprintf(disposition, sizeof(disposition),
             "attachment; filename=\"%s\"", filename);
    cb_http_add_header(resp, "Content-Disposition", disposition);
}

void cb_api_reply_error(cb_http_resp *resp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cb_api_reply_json(resp, status, json_pack("{s:s}", "error", msg));
}

int64_t cb_api_now_ms(cb_api *a)
{
    int64_t now;
    char err[128];

    if (cb_config_now(a->cfg, &now, err, sizeof(err)) != 0)
        now = cb_time_now();
    return now;
}

/* A township code: 1-12 digits. */
int cb_api_code_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 12)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* A lead id: "L" and 16 lower-case hex digits. */
int cb_api_lead_id_ok(const char *s)
{
    if (s[0] != 'L' || strlen(s) != 17)
        return 0;
    for (int i = 1; i < 17; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* An enum symbol of a lead or alert field; -1 when not one. */
int cb_api_symbol_of(cb_kind kind, const char *field, const char *text)
{
    const cb_field *f = cb_field_find(cb_kind_info_get(kind), field,
                                      strlen(field));

    return f ? cb_enum_value(f, text, strlen(text)) : -1;
}

/* A positive integer query argument within [1, max]; def when absent.
 * Returns -1 when present and not one. */
long cb_api_int_arg(const cb_http_req *req, const char *name, long def,
                    long max)
{
    const char *v = cb_http_query(req, name);
    char *end;

    if (v == NULL || *v == '\0')
        return def;
    long n = strtol(v, &end, 10);
    return *end != '\0' || n < 1 || n > max ? -1 : n;
}

void cb_api_audit(cb_store *st, const cb_session *s,
                  const char *township, const char *action,
                  const char *target, const char *before, const char *after)
{
    /* the wall clock: an audit log says when people acted, whatever day
     * the rules reason on (CANBAO_NOW) */
    cb_audit_entry e = {NULL,         cb_time_now(), s->user.name,
                        cb_role_name(s->user.role),
                        township,     action,    target,
                        before,       after};
    char err[256];

    if (cb_audit_append(cb_store_redis(st), &e, err, sizeof(err)) != 0)
        cb_error("web: %s (%s by %s)", err, action, s->user.name);
}

/* The session of the request.  Returns 1 with *s; otherwise answers 401
 * (or 503 when Redis is down) and returns 0. */
static int need_session(cb_api *a, const cb_http_req *req,
                        cb_http_resp *resp, cb_store *st, cb_session *s)
{
    const char *token = cb_http_cookie(req, COOKIE);
    char err[256];

    if (token == NULL) {
        cb_api_reply_error(resp, 401, "sign in first");
        return 0;
    }
    int rc = cb_auth_session(cb_store_redis(st), token, a->idle_s, s, err,
                             sizeof(err));
    if (rc < 0) {
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return 0;
    }
    if (rc == 0) {
        cb_api_reply_error(resp, 401, "the session has ended; sign in again");
        return 0;
    }
    return 1;
}

/* Whether the request's Origin, when the browser sends one, is the
 * workbench's own: scheme, host and port.  The origin is --origin when
 * given, else "http://" (or "https://" with --secure-cookie, which says a
 * TLS proxy is in front) and the Host header. */
static int origin_ok(cb_api *a, const cb_http_req *req)
{
    const char *origin = cb_http_header(req, "Origin");
    const char *host = cb_http_header(req, "Host");
    char want[512];

    if (origin == NULL)
        return 1; /* not a browser's cross-site request */
    if (a->origin[0] != '\0')
        snprintf(want, sizeof(want), "%s", a->origin);
    else if (host != NULL)
        snprintf(want, sizeof(want), "%s://%s",
                 a->secure ? "https" : "http", host);
    else
        return 0;
    return strcasecmp(origin, want) == 0;
}

/* A change must carry the session's CSRF token, come as JSON, and (when
 * the browser says where from) come from this site.  Answers 403 or 415
 * and returns 0 otherwise. */
int cb_api_change_allowed(cb_api *a, const cb_http_req *req,
                          cb_http_resp *resp, const cb_session *s)
{
    const char *token = cb_http_header(req, "X-CSRF-Token");

    if (token == NULL || !cb_auth_token_eq(token, s->csrf)) {
        cb_api_reply_error(resp, 403, "missing or wrong X-CSRF-Token");
        return 0;
    }
    if (!origin_ok(a, req)) {
        cb_api_reply_error(resp, 403, "a change from another origin");
        return 0;
    }
    return 1;
}

int cb_api_json_body(const cb_http_req *req, cb_http_resp *resp,
                     json_t **out)
{
    const char *type = cb_http_header(req, "Content-Type");
    json_error_t jerr;
    size_t len;
    const char *body = cb_http_body(req, &len);

    if (type == NULL || strncmp(type, "application/json", 16) != 0) {
        cb_api_reply_error(resp, 415, "send JSON (Content-Type: application/json)");
        return 0;
    }
    *out = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL || !json_is_object(*out)) {
        cb_api_reply_error(resp, 400, "the body is not a JSON object: %s",
                    *out ? "not an object" : jerr.text);
        json_decref(*out);
        return 0;
    }
    return 1;
}

/* The township a request is about: its `township` argument, checked
 * against the account (a township account's own when absent; the county's
 * may be NULL, all).  Returns 1 with *code, or answers 400/403 and
 * returns 0. */
int cb_api_township_arg(const cb_http_req *req, cb_http_resp *resp,
                        const cb_session *s, const char **code)
{
    const char *t = cb_http_query(req, "township");

    if (t != NULL && *t == '\0')
        t = NULL;
    if (t != NULL && !cb_api_code_ok(t)) {
        cb_api_reply_error(resp, 400, "township is a township code");
        return 0;
    }
    if (s->user.role == CB_ROLE_TOWNSHIP) {
        if (t != NULL && strcmp(t, s->user.township) != 0) {
            cb_api_reply_error(resp, 403, "another township's data");
            return 0;
        }
        t = s->user.township;
    }
    *code = t;
    return 1;
}

int cb_api_may_see(const cb_session *s, const char *township)
{
    return s->user.role == CB_ROLE_COUNTY ||
           strcmp(s->user.township, township) == 0;
}

/* A lead as the lists show it: masked, with its age band. */
json_t *cb_api_lead_json(const cb_lead *l, int32_t today, int mask)
{
    json_t *j = cb_record_to_json(CB_KIND_LEAD, l, mask ? CB_JSON_MASK : 0);
    int band = cb_leadbook_age_band(l, today);

    if (j != NULL && band >= 0)
        json_object_set_new(j, "age_band",
                            json_string(cb_age_band_names[band]));
    return j;
}

/* ------------------------------------------------------------ session */

/* A failed sign-in in the audit log: the name (when it could be one: a
 * password typed into the name field is not kept), the client's address,
 * the time, and why; the account's role and township when it exists, so
 * that its township sees it.  Never the password. */
static void audit_failure(cb_store *st, const cb_http_req *req,
                          const cb_signin *how)
{
    cb_audit_entry e = {NULL, cb_time_now(),
                        how->outcome == CB_SIGNIN_BAD_NAME ? "-"
                                                           : how->user.name,
                        how->known_user ? cb_role_name(how->user.role) : "",
                        how->known_user ? how->user.township : "",
                        "sign_in_failed", cb_http_peer(req), "",
                        cb_signin_outcome_name(how->outcome)};
    char err[256];

    if (cb_audit_append(cb_store_redis(st), &e, err, sizeof(err)) != 0)
        cb_error("web: %s (a failed sign-in from %s)", err,
                 cb_http_peer(req));
}

static void post_session(cb_api *a, const cb_http_req *req,
                         cb_http_resp *resp, cb_store *st)
{
    json_t *body;
    const char *name, *password;
    cb_session s;
    cb_signin how;
    char err[256], cookie[256], wait[16];

    if (!origin_ok(a, req)) { /* no signing in a victim as someone else */
        cb_api_reply_error(resp, 403, "a sign-in from another origin");
        return;
    }
    if (!cb_api_json_body(req, resp, &body))
        return;
    if (json_unpack(body, "{s:s, s:s}", "name", &name, "password",
                    &password) != 0) {
        json_decref(body);
        cb_api_reply_error(resp, 400, "send {\"name\": .., \"password\": ..}");
        return;
    }
    int rc = cb_auth_sign_in(cb_store_redis(st), name, password,
                             cb_http_peer(req), cb_time_now(), a->idle_s, &s,
                             &how, err, sizeof(err));
    json_decref(body); /* name and password point into it */
    if (rc == 0 || rc == 2) {
        atomic_fetch_add(&a->signin_failures, 1);
        audit_failure(st, req, &how);
    }
    if (rc == 0) {
        cb_api_reply_error(resp, 401, "wrong name or password");
        return;
    }
    if (rc == 2) {
        snprintf(wait, sizeof(wait), "%d", how.retry_after_s);
        cb_http_add_header(resp, "Retry-After", wait);
        cb_api_reply_error(resp, 429, "too many sign-ins tried; try again in "
                           "%d s", how.retry_after_s);
        return;
    }
    if (rc < 0) {
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    atomic_fetch_add(&a->signins, 1);
    cb_api_audit(st, &s, s.user.township, "sign_in", cb_http_peer(req), "",
                 "");
    snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; %s; Max-Age=%d",
             s.token, a->cookie_flags, a->idle_s);
    cb_http_add_header(resp, "Set-Cookie", cookie);
    cb_api_reply_json(resp, 200,
               json_pack("{s:s, s:s, s:s, s:s?}", "csrf", s.csrf, "name",
                         s.user.name, "role", cb_role_name(s.user.role),
                         "township_code",
                         s.user.township[0] ? s.user.township : NULL));
}

static void get_session(const cb_session *s, cb_http_resp *resp)
{
    cb_api_reply_json(resp, 200,
               json_pack("{s:s, s:s, s:s, s:s?}", "csrf", s->csrf, "name",
                         s->user.name, "role", cb_role_name(s->user.role),
                         "township_code",
                         s->user.township[0] ? s->user.township : NULL));
}

static void delete_session(cb_api *a, const cb_http_req *req,
                           cb_http_resp *resp, cb_store *st,
                           const cb_session *s)
{
    char err[256], cookie[128];

    if (!cb_api_change_allowed(a, req, resp, s))
        return;
    if (cb_auth_sign_out(cb_store_redis(st), s->token, err, sizeof(err)) !=
        0) {
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    atomic_fetch_add(&a->signouts, 1);
    cb_leadbook_wake(a->book); /* its live streams look and end */
    cb_api_audit(st, s, s->user.township, "sign_out", "", "", "");
    snprintf(cookie, sizeof(cookie), COOKIE "=; Path=/; %s; Max-Age=0",
             a->cookie_flags);
    cb_http_add_header(resp, "Set-Cookie", cookie);
    cb_api_reply_json(resp, 200, json_pack("{s:b}", "signed_out", 1));
}

/* ------------------------------------------------------- page, health */

static void get_file(const char *name, cb_http_resp *resp)
{
    const cb_embedded_file *f = cb_embed_find(cb_page_files, name);
    const char *dot = strrchr(name, '.');

    if (f == NULL) {
        cb_api_reply_error(resp, 404, "no such page");
        return;
    }
    resp->status = 200;
    resp->fixed = f->data;
    resp->fixed_len = f->size;
    resp->type = dot && strcmp(dot, ".js") == 0 ? "text/javascript; "
                                                  "charset=utf-8"
                 : dot && strcmp(dot, ".css") == 0 ? "text/css; charset=utf-8"
                                                   : "text/html; "
                                                     "charset=utf-8";
}

static int following(cb_api *a)
{
    return a->following ? a->following(a->following_opaque) : 0;
}

static void get_metrics(cb_api *a, cb_http_resp *resp)
{
    char text[2048];
    int n = snprintf(
        text, sizeof(text),
        "# HELP canbao_web_requests_total HTTP requests served.\n"
        "# TYPE canbao_web_requests_total counter\n"
        "canbao_web_requests_total %lu\n"
        "# HELP canbao_web_responses_total Responses by class.\n"
        "# TYPE canbao_web_responses_total counter\n"
        "canbao_web_responses_total{class=\"4xx\"} %lu\n"
        "canbao_web_responses_total{class=\"5xx\"} %lu\n"
        "# HELP canbao_web_actions_total What people did.\n"
        "# TYPE canbao_web_actions_total counter\n"
        "canbao_web_actions_total{action=\"decide\"} %lu\n"
        "canbao_web_actions_total{action=\"view_lead\"} %lu\n"
        "canbao_web_actions_total{action=\"decide_review\"} %lu\n"
        "canbao_web_actions_total{action=\"view_review\"} %lu\n"
        "canbao_web_actions_total{action=\"export\"} %lu\n"
        "canbao_web_actions_total{action=\"sign_in\"} %lu\n"
        "canbao_web_actions_total{action=\"sign_in_failed\"} %lu\n"
        "# HELP canbao_web_leads Leads in the workbench's book.\n"
        "# TYPE canbao_web_leads gauge\n"
        "canbao_web_leads %zu\n"
        "# HELP canbao_web_following Whether the book follows the lead "
        "topic.\n"
        "# TYPE canbao_web_following gauge\n"
        "canbao_web_following %d\n",
        atomic_load(&a->requests), atomic_load(&a->status_4xx),
        atomic_load(&a->status_5xx), atomic_load(&a->decisions),
        atomic_load(&a->views), atomic_load(&a->verdicts),
        atomic_load(&a->review_views), atomic_load(&a->exports),
        atomic_load(&a->signins), atomic_load(&a->signin_failures),
        cb_leadbook_count(a->book), following(a));
    resp->status = 200;
    resp->type = "text/plain; version=0.0.4";
    cb_buf_append(&resp->body, text, (size_t)(n < 0 ? 0 : n));
}

static void get_refusal_reasons(cb_http_resp *resp)
{
    json_t *list = json_array();

    for (int i = 0; cb_refusal_reasons[i].code; i++)
        json_array_append_new(list,
                              json_pack("{s:s, s:s}", "code",
                                        cb_refusal_reasons[i].code, "label",
                                        cb_refusal_reasons[i].label));
    cb_api_reply_json(resp, 200, json_pack("{s:o}", "reasons", list));
}

/* ------------------------------------------------------------- routes */

static int is(const char *method, const char *want) {
    return strcmp(method, want) == 0;
}

static void route(cb_api *a, const cb_http_req *req, cb_http_resp *resp)
{
    const char *m = cb_http_method(req), *p = cb_http_path(req);
    char err[256];
    cb_session s;
    int failed = 0;

    if (is(m, "GET") && (strcmp(p, "/") == 0 || strcmp(p, "/index.html") == 0))
        return get_file("index.html", resp);
    if (is(m, "GET") && strncmp(p, "/static/", 8) == 0)
        return get_file(p + 8, resp);
    if (is(m, "GET") && strcmp(p, "/metrics") == 0)
        return get_metrics(a, resp);
    if (is(m, "GET") && strcmp(p, "/healthz") == 0)
        return cb_api_reply_json(resp, 200,
                          json_pack("{s:b, s:I, s:b}", "ok", 1, "leads",
                                    (json_int_t)cb_leadbook_count(a->book),
                                    "following", following(a)));
    if (strncmp(p, "/api/", 5) != 0)
        return cb_api_reply_error(resp, 404, "no such page");

    cb_store *st = cb_api_pool_get(a, err, sizeof(err));
    if (st == NULL)
        return cb_api_reply_error(resp, 503, "Redis: %s", err);
    if (strcmp(p, "/api/session") == 0 && is(m, "POST")) {
        post_session(a, req, resp, st);
    } else if (strcmp(p, "/api/refusal_reasons") == 0 && is(m, "GET")) {
        get_refusal_reasons(resp);
    } else if (!need_session(a, req, resp, st, &s)) {
        failed = resp->status == 503;
    } else if (strcmp(p, "/api/session") == 0) {
        if (is(m, "GET"))
            get_session(&s, resp);
        else if (is(m, "DELETE"))
            delete_session(a, req, resp, st, &s);
        else
            cb_api_reply_error(resp, 405, "GET, POST or DELETE");
    } else if (strcmp(p, "/api/leads") == 0 && is(m, "GET")) {
        cb_api_get_leads(a, req, resp, &s);
    } else if (strcmp(p, "/api/leads.csv") == 0 && is(m, "GET")) {
        cb_api_get_leads_csv(a, req, resp, st, &s);
    } else if (strncmp(p, "/api/leads/", 11) == 0 && is(m, "GET")) {
        cb_api_get_lead(a, req, resp, st, &s, p + 11);
    } else if (strncmp(p, "/api/leads/", 11) == 0 && is(m, "POST")) {
        cb_api_post_lead(a, req, resp, st, &s, p + 11, &failed);
    } else if (strcmp(p, "/api/reviews") == 0 && is(m, "GET")) {
        cb_api_get_reviews(req, resp, st, &s, &failed);
    } else if (strncmp(p, "/api/reviews/", 13) == 0 && is(m, "GET")) {
        cb_api_get_review(a, resp, st, &s, p + 13, &failed);
    } else if (strncmp(p, "/api/reviews/", 13) == 0 && is(m, "POST")) {
        cb_api_post_review(a, req, resp, st, &s, p + 13, &failed);
    } else if (strcmp(p, "/api/alerts") == 0 && is(m, "GET")) {
        cb_api_get_alerts(req, resp, st, &s, &failed);
    } else if (strcmp(p, "/api/report") == 0 && is(m, "GET")) {
        cb_api_get_report(a, req, resp, st, &s, &failed);
    } else if (strcmp(p, "/api/audit") == 0 && is(m, "GET")) {
        cb_api_get_audit(a, req, resp, st, &s, &failed);
    } else if (strcmp(p, "/api/events") == 0 && is(m, "GET")) {
        cb_api_get_events(a, resp, &s);
    } else {
        cb_api_reply_error(resp, 404, "no such route: %s %s", m, p);
    }
    cb_api_pool_put(a, st, failed || resp->status == 503);
}

void cb_api_handle(const cb_http_req *req, cb_http_resp *resp, void *opaque)
{
    cb_api *a = opaque;

    atomic_fetch_add(&a->requests, 1);
    route(a, req, resp);
    if (resp->status >= 500)
        atomic_fetch_add(&a->status_5xx, 1);
    else if (resp->status >= 400)
        atomic_fetch_add(&a->status_4xx, 1);
}

/* ------------------------------------------------------------ lifecycle */

cb_api *cb_api_new(const cb_config *cfg, int idle_s, char *errstr,
                   size_t errstr_size)
{
    cb_api *a = calloc(1, sizeof(*a));

    if (a == NULL || (a->book = cb_leadbook_new()) == NULL) {
        free(a);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    a->cfg = cfg;
    a->idle_s = idle_s;
    a->secure = strcmp(cb_config_get_or(cfg, "web.secure_cookie", "0"),
                       "1") == 0;
    a->cookie_flags = a->secure ? "HttpOnly; SameSite=Strict; Secure"
                                : "HttpOnly; SameSite=Strict";
    pthread_mutex_init(&a->pool_lock, NULL);
    /* a decision writes the store as the matcher does, with the same ids */
    if ((a->ids = cb_idkey_from_config(cfg, errstr, errstr_size)) == NULL) {
        cb_api_free(a);
        return NULL;
    }
    cb_store *st = cb_api_pool_get(a, errstr, errstr_size);
    if (st == NULL) {
        cb_api_free(a);
        return NULL;
    }
    cb_api_pool_put(a, st, 0);
    return a;
}

void cb_api_free(cb_api *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < a->npool; i++)
        cb_store_free(a->pool[i]);
    pthread_mutex_destroy(&a->pool_lock);
    cb_idkey_free(a->ids);
    cb_leadbook_free(a->book);
    free(a);
}

cb_leadbook *cb_api_book(cb_api *a) { return a->book; }

void cb_api_shutdown(cb_api *a)
{
    atomic_store(&a->stopping, 1);
    cb_leadbook_wake(a->book); /* the streams waiting for a change */
}

int cb_api_set_origin(cb_api *a, const char *origin)
{
    const char *rest = strncmp(origin, "https://", 8) == 0  ? origin + 8
                       : strncmp(origin, "http://", 7) == 0 ? origin + 7
                                                            : NULL;

    if (rest == NULL || *rest == '\0' || strchr(rest, '/') != NULL ||
        strlen(origin) >= sizeof(a->origin))
        return -1;
    snprintf(a->origin, sizeof(a->origin), "%s", origin);
    return 0;
}

void cb_api_set_following(cb_api *a, int (*fn)(void *), void *opaque)
{
    a->following = fn;
    a->following_opaque = opaque;
}

static int put_lead(const cb_lead *l, void *opaque)
{
    return cb_leadbook_put(opaque, l) < 0;
}

int cb_api_reload(void *opaque, char *errstr, size_t errstr_size)
{
    cb_api *a = opaque;
    cb_store *st = cb_api_pool_get(a, errstr, errstr_size);

    if (st == NULL)
        return -1;
    int rc = cb_store_each_lead(st, NULL, put_lead, a->book, errstr,
                                errstr_size);
    cb_api_pool_put(a, st, rc != 0);
    return rc;
}
