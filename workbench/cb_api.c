/* cb_api.c -- the workbench's routes (cb_api.h). */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_api.h"
#include "cb_audit.h"
#include "cb_auth.h"
#include "cb_embed.h"
#include "cb_log.h"
#include "cb_mask.h"
#include "cb_output.h"
#include "cb_record_json.h"
#include "cb_report.h"
#include "cb_store.h"
#include "cb_time.h"

extern const cb_embedded_file cb_page_files[];

#define POOL 8            /* Redis connections kept between requests */
#define MAX_PER_PAGE 500
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

static const char *const decision_names[] = {"contacted", "refused",
                                             "enrolled", "invalid"};

struct cb_api {
    const cb_config *cfg;
    int idle_s;
    cb_leadbook *book;
    pthread_mutex_t pool_lock;
    cb_store *pool[POOL];
    int npool;
    atomic_int stopping;
    int (*following)(void *);
    void *following_opaque;
    atomic_ulong requests, status_4xx, status_5xx, decisions, views,
        exports, signins, signin_failures;
};

/* ------------------------------------------------------------ plumbing */

static cb_store *pool_get(cb_api *a, char *errstr, size_t errstr_size)
{
    cb_store *s = NULL;

    pthread_mutex_lock(&a->pool_lock);
    if (a->npool > 0)
        s = a->pool[--a->npool];
    pthread_mutex_unlock(&a->pool_lock);
    if (s == NULL)
        s = cb_store_from_config(a->cfg, errstr, errstr_size);
    return s;
}

/* Gives a connection back; one that failed is dropped (its error is
 * sticky), and so is one more than the pool keeps. */
static void pool_put(cb_api *a, cb_store *s, int failed)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&a->pool_lock);
    if (!failed && a->npool < POOL) {
        a->pool[a->npool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&a->pool_lock);
    cb_store_free(s);
}

static void reply_json(cb_http_resp *resp, int status, json_t *j)
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

static void reply_error(cb_http_resp *resp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply_json(resp, status, json_pack("{s:s}", "error", msg));
}

static int64_t now_ms(cb_api *a)
{
    int64_t now;
    char err[128];

    if (cb_config_now(a->cfg, &now, err, sizeof(err)) != 0)
        now = cb_time_now();
    return now;
}

/* A township code: 1-12 digits. */
static int code_ok(const char *s)
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
static int lead_id_ok(const char *s)
{
    if (s[0] != 'L' || strlen(s) != 17)
        return 0;
    for (int i = 1; i < 17; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* An enum symbol of a lead or alert field; -1 when not one. */
static int symbol_of(cb_kind kind, const char *field, const char *text)
{
    const cb_field *f = cb_field_find(cb_kind_info_get(kind), field,
                                      strlen(field));

    return f ? cb_enum_value(f, text, strlen(text)) : -1;
}

/* A positive integer query argument within [1, max]; def when absent.
 * Returns -1 when present and not one. */
static long int_arg(const cb_http_req *req, const char *name, long def,
                    long max)
{
    const char *v = cb_http_query(req, name);
    char *end;

    if (v == NULL || *v == '\0')
        return def;
    long n = strtol(v, &end, 10);
    return *end != '\0' || n < 1 || n > max ? -1 : n;
}

static void audit(cb_store *st, const cb_session *s,
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
        reply_error(resp, 401, "sign in first");
        return 0;
    }
    int rc = cb_auth_session(cb_store_redis(st), token, a->idle_s, s, err,
                             sizeof(err));
    if (rc < 0) {
        reply_error(resp, 503, "Redis: %s", err);
        return 0;
    }
    if (rc == 0) {
        reply_error(resp, 401, "the session has ended; sign in again");
        return 0;
    }
    return 1;
}

/* A change must carry the session's CSRF token, come as JSON, and (when
 * the browser says where from) come from this site.  Answers 403 or 415
 * and returns 0 otherwise. */
static int change_allowed(const cb_http_req *req, cb_http_resp *resp,
                          const cb_session *s)
{
    const char *token = cb_http_header(req, "X-CSRF-Token");
    const char *origin = cb_http_header(req, "Origin");
    const char *host = cb_http_header(req, "Host");

    if (token == NULL || !cb_auth_token_eq(token, s->csrf)) {
        reply_error(resp, 403, "missing or wrong X-CSRF-Token");
        return 0;
    }
    if (origin != NULL && host != NULL) {
        const char *o = strstr(origin, "://");
        if (o == NULL || strcmp(o + 3, host) != 0) {
            reply_error(resp, 403, "a change from another origin");
            return 0;
        }
    }
    return 1;
}

static int json_body(const cb_http_req *req, cb_http_resp *resp,
                     json_t **out)
{
    const char *type = cb_http_header(req, "Content-Type");
    json_error_t jerr;
    size_t len;
    const char *body = cb_http_body(req, &len);

    if (type == NULL || strncmp(type, "application/json", 16) != 0) {
        reply_error(resp, 415, "send JSON (Content-Type: application/json)");
        return 0;
    }
    *out = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL || !json_is_object(*out)) {
        reply_error(resp, 400, "the body is not a JSON object: %s",
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
static int township_arg(const cb_http_req *req, cb_http_resp *resp,
                        const cb_session *s, const char **code)
{
    const char *t = cb_http_query(req, "township");

    if (t != NULL && *t == '\0')
        t = NULL;
    if (t != NULL && !code_ok(t)) {
        reply_error(resp, 400, "township is a township code");
        return 0;
    }
    if (s->user.role == CB_ROLE_TOWNSHIP) {
        if (t != NULL && strcmp(t, s->user.township) != 0) {
            reply_error(resp, 403, "another township's data");
            return 0;
        }
        t = s->user.township;
    }
    *code = t;
    return 1;
}

static int may_see(const cb_session *s, const char *township)
{
    return s->user.role == CB_ROLE_COUNTY ||
           strcmp(s->user.township, township) == 0;
}

/* A lead as the lists show it: masked, with its age band. */
static json_t *lead_json(const cb_lead *l, int32_t today, int mask)
{
    json_t *j = cb_record_to_json(CB_KIND_LEAD, l, mask ? CB_JSON_MASK : 0);
    int band = cb_leadbook_age_band(l, today);

    if (j != NULL && band >= 0)
        json_object_set_new(j, "age_band",
                            json_string(cb_age_band_names[band]));
    return j;
}

/* ------------------------------------------------------------ session */

static void post_session(cb_api *a, const cb_http_req *req,
                         cb_http_resp *resp, cb_store *st)
{
    json_t *body;
    const char *name, *password;
    cb_session s;
    char err[256], cookie[256];

    if (!json_body(req, resp, &body))
        return;
    if (json_unpack(body, "{s:s, s:s}", "name", &name, "password",
                    &password) != 0) {
        json_decref(body);
        reply_error(resp, 400, "send {\"name\": .., \"password\": ..}");
        return;
    }
    int rc = cb_auth_sign_in(cb_store_redis(st), name, password, a->idle_s,
                             &s, err, sizeof(err));
    if (rc != 1) {
        if (rc == 0 || rc == 2)
            atomic_fetch_add(&a->signin_failures, 1);
        if (rc == 0)
            reply_error(resp, 401, "wrong name or password");
        else if (rc == 2)
            reply_error(resp, 429, "too many failed sign-ins; wait 15 "
                        "minutes");
        else
            reply_error(resp, 503, "Redis: %s", err);
        json_decref(body);
        return;
    }
    json_decref(body);
    atomic_fetch_add(&a->signins, 1);
    audit(st, &s, s.user.township, "sign_in", "", "", "");
    snprintf(cookie, sizeof(cookie),
             COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
             s.token, a->idle_s);
    cb_http_add_header(resp, "Set-Cookie", cookie);
    reply_json(resp, 200,
               json_pack("{s:s, s:s, s:s, s:s?}", "csrf", s.csrf, "name",
                         s.user.name, "role", cb_role_name(s.user.role),
                         "township_code",
                         s.user.township[0] ? s.user.township : NULL));
}

static void get_session(const cb_session *s, cb_http_resp *resp)
{
    reply_json(resp, 200,
               json_pack("{s:s, s:s, s:s, s:s?}", "csrf", s->csrf, "name",
                         s->user.name, "role", cb_role_name(s->user.role),
                         "township_code",
                         s->user.township[0] ? s->user.township : NULL));
}

static void delete_session(const cb_http_req *req, cb_http_resp *resp,
                           cb_store *st, const cb_session *s)
{
    char err[256];

    if (!change_allowed(req, resp, s))
        return;
    if (cb_auth_sign_out(cb_store_redis(st), s->token, err, sizeof(err)) !=
        0) {
        reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    audit(st, s, s->user.township, "sign_out", "", "", "");
    cb_http_add_header(resp, "Set-Cookie",
                       COOKIE "=; Path=/; HttpOnly; SameSite=Strict; "
                              "Max-Age=0");
    reply_json(resp, 200, json_pack("{s:b}", "signed_out", 1));
}

/* -------------------------------------------------------------- leads */

/* The filters of a lead list from the query.  Returns 1, or answers 400
 * and returns 0. */
static int lead_query(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      const char *township, cb_leadbook_query *q)
{
    static const char *const sorts[] = {"opened", "priority", "age",
                                        "status", "reason"};
    const char *v;

    memset(q, 0, sizeof(*q));
    q->township = township;
    q->status = CB_LB_NOT_CLOSED;
    q->reason = q->priority = q->age_band = CB_LB_ANY;
    q->today = cb_date_of_time(now_ms(a));
    if ((v = cb_http_query(req, "status")) != NULL && *v) {
        q->status = strcmp(v, "all") == 0 ? CB_LB_ANY
                                          : symbol_of(CB_KIND_LEAD, "status",
                                                      v);
        if (q->status == -1 && strcmp(v, "all") != 0)
            goto bad_status;
    }
    if ((v = cb_http_query(req, "reason")) != NULL && *v &&
        (q->reason = symbol_of(CB_KIND_LEAD, "reason", v)) < 0) {
        reply_error(resp, 400, "reason is not a lead reason");
        return 0;
    }
    if ((v = cb_http_query(req, "priority")) != NULL && *v &&
        (q->priority = symbol_of(CB_KIND_LEAD, "priority", v)) < 0) {
        reply_error(resp, 400, "priority is high or normal");
        return 0;
    }
    if ((v = cb_http_query(req, "age_band")) != NULL && *v) {
        q->age_band = -2;
        for (int i = 0; i < CB_AGE_BANDS; i++)
            if (strcmp(v, cb_age_band_names[i]) == 0)
                q->age_band = i;
        if (q->age_band == -2) {
            reply_error(resp, 400, "age_band is under_30, 30_44, 45_59 or "
                        "60_plus");
            return 0;
        }
    }
    if ((v = cb_http_query(req, "sort")) != NULL && *v) {
        q->sort = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(v, sorts[i]) == 0)
                q->sort = i;
        if (q->sort < 0) {
            reply_error(resp, 400, "sort is opened, priority, age, status or "
                        "reason");
            return 0;
        }
    }
    if ((v = cb_http_query(req, "order")) != NULL && *v) {
        if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0) {
            reply_error(resp, 400, "order is asc or desc");
            return 0;
        }
        q->desc = strcmp(v, "desc") == 0;
    }
    return 1;
bad_status:
    reply_error(resp, 400, "status is open, contacted, refused, closed or "
                "all");
    return 0;
}

typedef struct page_out {
    json_t *list;
    int32_t today;
} page_out;

static int add_lead(const cb_lead *l, void *opaque)
{
    page_out *p = opaque;

    json_array_append_new(p->list, lead_json(l, p->today, 1));
    return 0;
}

static void get_leads(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      const cb_session *s)
{
    const char *township;
    cb_leadbook_query q;
    size_t total;

    if (!township_arg(req, resp, s, &township) ||
        !lead_query(a, req, resp, township, &q))
        return;
    long page = int_arg(req, "page", 1, 1000000);
    long per = int_arg(req, "per_page", 50, MAX_PER_PAGE);
    if (page < 0 || per < 0) {
        reply_error(resp, 400, "page is 1 or more, per_page 1 to %d",
                    MAX_PER_PAGE);
        return;
    }
    q.offset = (size_t)(page - 1) * (size_t)per;
    q.limit = (size_t)per;
    page_out p = {json_array(), q.today};
    if (cb_leadbook_select(a->book, &q, add_lead, &p, &total) != 0) {
        json_decref(p.list);
        reply_error(resp, 500, "out of memory");
        return;
    }
    reply_json(resp, 200,
               json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total,
                         "page", (json_int_t)page, "per_page",
                         (json_int_t)per, "leads", p.list));
}

typedef struct csv_out {
    cb_out *out;
    char buf[CB_LEAD_COLUMNS * 512];
} csv_out;

static int add_csv(const cb_lead *l, void *opaque)
{
    csv_out *c = opaque;
    const char *cells[CB_LEAD_COLUMNS];

    cb_out_record_cells(CB_KIND_LEAD, l, cb_lead_columns, CB_LEAD_COLUMNS, 1,
                        c->buf, cells);
    return cb_out_row(c->out, cells);
}

static void get_leads_csv(cb_api *a, const cb_http_req *req,
                          cb_http_resp *resp, cb_store *st,
                          const cb_session *s)
{
    const char *township;
    cb_leadbook_query q;
    size_t total, len = 0;
    char *text = NULL, what[256];

    if (!township_arg(req, resp, s, &township) ||
        !lead_query(a, req, resp, township, &q))
        return;
    FILE *fp = open_memstream(&text, &len);
    csv_out *c = malloc(sizeof(*c));
    if (fp == NULL || c == NULL ||
        (c->out = cb_out_new(fp, CB_OUT_CSV, CB_LEAD_COLUMNS, cb_lead_columns,
                             NULL)) == NULL) {
        if (fp)
            fclose(fp);
        free(text);
        free(c);
        reply_error(resp, 500, "out of memory");
        return;
    }
    int rc = cb_leadbook_select(a->book, &q, add_csv, c, &total);
    cb_out_finish(c->out);
    free(c);
    fclose(fp);
    if (rc != 0) {
        free(text);
        reply_error(resp, 500, "out of memory");
        return;
    }
    resp->status = 200;
    resp->type = "text/csv; charset=utf-8";
    cb_buf_append(&resp->body, text, len);
    free(text);
    cb_http_add_header(resp, "Content-Disposition",
                       "attachment; filename=\"leads.csv\"");
    snprintf(what, sizeof(what), "leads township=%s status=%s reason=%s "
             "rows=%zu", township ? township : "all",
             cb_http_query(req, "status") ? cb_http_query(req, "status") : "",
             cb_http_query(req, "reason") ? cb_http_query(req, "reason") : "",
             total);
    atomic_fetch_add(&a->exports, 1);
    audit(st, s, township ? township : "", "export", what, "", "");
}

/* The lead a request names, checked against the account.  Returns 1 with
 * *l, or answers 400/403/404 and returns 0. */
static int lead_of(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                   const cb_session *s, const char *id, cb_lead *l)
{
    (void)req;
    if (!lead_id_ok(id)) {
        reply_error(resp, 400, "a lead id is L and 16 hex digits");
        return 0;
    }
    if (!cb_leadbook_get(a->book, id, l)) {
        reply_error(resp, 404, "no lead %s", id);
        return 0;
    }
    if (!may_see(s, l->township_code)) {
        reply_error(resp, 403, "another township's lead");
        return 0;
    }
    return 1;
}

static void get_lead(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                     cb_store *st, const cb_session *s, const char *id)
{
    cb_lead l;
    int decision;
    int32_t day;
    char why[1024], err[256], dayt[11];

    if (!lead_of(a, req, resp, s, id, &l))
        return;
    int rc = cb_store_get_decision(st, id, &decision, &day, why, sizeof(why),
                                   err, sizeof(err));
    if (rc < 0) {
        reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    json_t *j = lead_json(&l, cb_date_of_time(now_ms(a)), 0);
    if (rc == 1 && decision >= 0 && decision < 4) {
        cb_date_format(day, dayt);
        json_object_set_new(j, "decision",
                            json_pack("{s:s, s:s, s:s}", "decision",
                                      decision_names[decision], "day", dayt,
                                      "reason", why));
    }
    atomic_fetch_add(&a->views, 1);
    audit(st, s, l.township_code, "view_lead", id, "", "");
    reply_json(resp, 200, j);
}

static const char *status_text(const cb_lead *l, char *buf, size_t size)
{
    const char *st = cb_symbol(CB_KIND_LEAD, "status", l->status);
    const char *cr = l->closed_reason >= 0
                         ? cb_symbol(CB_KIND_LEAD, "closed_reason",
                                     l->closed_reason)
                         : NULL;

    snprintf(buf, size, "%s%s%s", st ? st : "?", cr ? " " : "", cr ? cr : "");
    return buf;
}

static int post_decision(cb_api *a, cb_http_resp *resp, cb_store *st,
                         const cb_session *s, const cb_lead *l,
                         const char *id, int d, const char *code,
                         const char *note);

static void post_lead(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      cb_store *st, const cb_session *s, const char *id,
                      int *failed)
{
    json_t *body;
    const char *decision = NULL, *code = NULL, *note = NULL;
    cb_lead l;
    int d = -1;

    if (!change_allowed(req, resp, s) || !lead_of(a, req, resp, s, id, &l) ||
        !json_body(req, resp, &body))
        return;
    if (json_unpack(body, "{s:s, s?s, s?s}", "decision", &decision,
                    "reason_code", &code, "reason", &note) != 0) {
        json_decref(body);
        reply_error(resp, 400, "send {\"decision\": .., \"reason_code\": .., "
                    "\"reason\": ..}");
        return;
    }
    for (int i = 0; i < 4; i++)
        if (strcmp(decision, decision_names[i]) == 0)
            d = i;
    int known = code == NULL;
    for (int i = 0; code && cb_refusal_reasons[i].code; i++)
        if (strcmp(code, cb_refusal_reasons[i].code) == 0)
            known = 1;
    size_t note_len = note ? strlen(note) : 0;
    const char *bad =
        d < 0 ? "decision is contacted, refused, enrolled or invalid"
        : !known ? "reason_code is not one of /api/refusal_reasons"
        : d == 1 && code == NULL ? "a refusal needs a reason_code"
        : code && strcmp(code, "other") == 0 && note_len == 0
            ? "reason_code other needs a reason"
        : note_len > 1000 ? "reason is at most 1000 bytes"
        : note && cb_utf8_valid_prefix(note, note_len) != note_len
            ? "reason is not UTF-8"
            : NULL;
    if (bad != NULL) {
        json_decref(body);
        reply_error(resp, 400, "%s", bad);
        return;
    }
    int decided = post_decision(a, resp, st, s, &l, id, d, code, note);
    *failed = decided < 0;
    json_decref(body); /* decision, code and note point into it */
}

/* Records decision d on lead l (as the list had it) and answers with the
 * lead after.  Returns 1, 0 (no such lead) or -1 (Redis trouble). */
static int post_decision(cb_api *a, cb_http_resp *resp, cb_store *st,
                         const cb_session *s, const cb_lead *l,
                         const char *id, int d, const char *code,
                         const char *note)
{
    char why[1100], err[512], before[64], now_text[64], after[1200];
    cb_lead now_lead;
    size_t note_len = note ? strlen(note) : 0;

    /* The reason kept: "code: note", ID numbers in the note masked. */
    snprintf(why, sizeof(why), "%s%s%s", code ? code : "",
             code && note_len ? ": " : "", note ? note : "");
    cb_mask_ids_in_text(why, strlen(why));
    int rc = cb_store_decide(st, id, d, why, now_ms(a), &now_lead, err,
                             sizeof(err));
    if (rc <= 0) {
        reply_error(resp, rc < 0 ? 503 : 404, "%s",
                    rc < 0 ? err : "no such lead in the store");
        return rc;
    }
    cb_leadbook_put(a->book, &now_lead);
    atomic_fetch_add(&a->decisions, 1);
    /* before: the lead's status; after: its status now, the decision and
     * the reason given */
    status_text(l, before, sizeof(before));
    snprintf(after, sizeof(after), "%s; %s%s%s",
             status_text(&now_lead, now_text, sizeof(now_text)),
             decision_names[d], why[0] ? ": " : "", why);
    audit(st, s, l->township_code, "decide", id, before, after);
    reply_json(resp, 200, lead_json(&now_lead, cb_date_of_time(now_ms(a)),
                                    1));
    return 1;
}

/* ------------------------------------------------------------- alerts */

typedef struct alert_list {
    const char *township;
    int kind;
    json_t *list;
} alert_list;

static int add_alert(const cb_alert *al, void *opaque)
{
    alert_list *l = opaque;

    if (l->township && strcmp(al->township_code, l->township) != 0)
        return 0;
    if (l->kind >= 0 && al->kind != l->kind)
        return 0;
    json_array_append_new(l->list,
                          cb_record_to_json(CB_KIND_ALERT, al, CB_JSON_MASK));
    return 0;
}

static void get_alerts(const cb_http_req *req, cb_http_resp *resp,
                       cb_store *st, const cb_session *s, int *failed)
{
    alert_list l = {NULL, -1, NULL};
    const char *k = cb_http_query(req, "kind");
    char err[256];

    if (!township_arg(req, resp, s, &l.township))
        return;
    if (k != NULL && *k && (l.kind = symbol_of(CB_KIND_ALERT, "kind", k)) < 0) {
        reply_error(resp, 400, "kind is not an alert kind");
        return;
    }
    l.list = json_array();
    if (cb_store_each_alert(st, add_alert, &l, err, sizeof(err)) != 0) {
        *failed = 1;
        json_decref(l.list);
        reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    reply_json(resp, 200,
               json_pack("{s:I, s:o}", "total",
                         (json_int_t)json_array_size(l.list), "alerts",
                         l.list));
}

/* ------------------------------------------------------------- report */

static int count_into(const cb_lead *l, void *opaque)
{
    cb_report_count(opaque, l);
    return 0;
}

typedef struct alert_count {
    cb_report *rp;
    int64_t (*by_kind)[5]; /* per row */
} alert_count;

static int count_alert(const cb_alert *al, void *opaque)
{
    alert_count *c = opaque;
    cb_report_row *r = cb_report_row_of(c->rp, al->township_code);

    if (r != NULL && al->kind >= 0 && al->kind < 5)
        c->by_kind[r - c->rp->rows][al->kind]++;
    return 0;
}

static void get_report(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                       cb_store *st, const cb_session *s, int *failed)
{
    const char *township, *as_of_text = cb_http_query(req, "as_of");
    int32_t as_of = cb_date_of_time(now_ms(a));
    cb_report rp;
    char err[256], day[11];
    int y, m, d;

    if (!township_arg(req, resp, s, &township))
        return;
    if (as_of_text != NULL && *as_of_text &&
        cb_date_parse(as_of_text, strlen(as_of_text), &as_of) != 0) {
        reply_error(resp, 400, "as_of is a date YYYY-MM-DD");
        return;
    }
    cb_date_to_ymd(as_of, &y, &m, &d);
    long year = int_arg(req, "year", y, 9999);
    if (year < 1970) {
        reply_error(resp, 400, "year is 1970 to 9999");
        return;
    }
    if (cb_report_load(st, (int)year, as_of, &rp, err, sizeof(err)) != 0) {
        *failed = strstr(err, "no township table") == NULL;
        reply_error(resp, *failed ? 503 : 404, "%s", err);
        return;
    }
    cb_leadbook_each(a->book, count_into, &rp);
    alert_count ac = {&rp, calloc(rp.n ? rp.n : 1, sizeof(*ac.by_kind))};
    if (ac.by_kind == NULL ||
        cb_store_each_alert(st, count_alert, &ac, err, sizeof(err)) != 0) {
        *failed = ac.by_kind != NULL;
        free(ac.by_kind);
        cb_report_free(&rp);
        reply_error(resp, 503, "%s", ac.by_kind ? err : "out of memory");
        return;
    }
    json_t *rows = json_array();
    for (size_t i = 0; i < rp.n; i++) {
        const cb_report_row *r = &rp.rows[i];
        if (township && strcmp(r->code, township) != 0)
            continue;
        json_t *open = json_object(), *alerts = json_object();
        int64_t total = 0;
        for (int k = 0; k < CB_REPORT_REASONS; k++) {
            json_object_set_new(open, cb_symbol(CB_KIND_LEAD, "reason", k),
                                json_integer(r->open[k]));
            total += r->open[k];
        }
        for (int k = 0; k < 5; k++)
            json_object_set_new(alerts, cb_symbol(CB_KIND_ALERT, "kind", k),
                                json_integer(ac.by_kind[i][k]));
        json_t *row = json_pack("{s:s, s:s, s:o, s:I, s:o, s:I, s:o, s:o}",
                                "township_code", r->code, "township",
                                r->name, "target",
                                r->target >= 0 ? json_integer(r->target)
                                               : json_null(),
                                "enrolled", (json_int_t)r->enrolled,
                                "percent",
                                r->target > 0
                                    ? json_real(
                                          (double)(int)(1000.0 *
                                                        (double)r->enrolled /
                                                        (double)r->target) /
                                          10.0)
                                    : json_null(),
                                "open_leads", (json_int_t)total,
                                "open_by_reason", open, "alerts_by_kind",
                                alerts);
        json_array_append_new(rows, row);
    }
    cb_date_format(as_of, day);
    free(ac.by_kind);
    cb_report_free(&rp);
    reply_json(resp, 200, json_pack("{s:I, s:s, s:o}", "year",
                                    (json_int_t)year, "as_of", day,
                                    "townships", rows));
}

/* -------------------------------------------------------------- audit */

typedef struct audit_out {
    json_t *list;
    cb_out *csv;
} audit_out;

static int add_audit(const cb_audit_entry *e, void *opaque)
{
    audit_out *o = opaque;
    char at[CB_TIME_BUFSZ];

    cb_time_format(e->at, at);
    if (o->csv) {
        const char *cells[9] = {e->id,       at,       e->who,
                                e->role,     e->township, e->action,
                                e->target,   e->before, e->after};
        return cb_out_row(o->csv, cells);
    }
    json_array_append_new(
        o->list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                           "id", e->id, "at", at, "who", e->who, "role",
                           e->role, "township", e->township, "action",
                           e->action, "target", e->target, "before",
                           e->before, "after", e->after));
    return 0;
}

static void get_audit(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      cb_store *st, const cb_session *s, int *failed)
{
    static const char *const cols[9] = {"id",     "at",     "who",
                                        "role",   "township", "action",
                                        "target", "before", "after"};
    const char *township, *format = cb_http_query(req, "format");
    audit_out o = {NULL, NULL};
    char err[256], *text = NULL;
    size_t len = 0;
    FILE *fp = NULL;

    if (!township_arg(req, resp, s, &township))
        return;
    long limit = int_arg(req, "limit", 0, 1000000);
    if (limit < 0) {
        reply_error(resp, 400, "limit is 1 or more");
        return;
    }
    int csv = format != NULL && strcmp(format, "csv") == 0;
    if (format != NULL && !csv && strcmp(format, "json") != 0) {
        reply_error(resp, 400, "format is json or csv");
        return;
    }
    if (csv) {
        if ((fp = open_memstream(&text, &len)) == NULL ||
            (o.csv = cb_out_new(fp, CB_OUT_CSV, 9, cols, NULL)) == NULL) {
            if (fp)
                fclose(fp);
            free(text);
            reply_error(resp, 500, "out of memory");
            return;
        }
    } else {
        o.list = json_array();
    }
    int rc = cb_audit_each(cb_store_redis(st), township, (size_t)limit,
                           add_audit, &o, err, sizeof(err));
    if (csv) {
        cb_out_finish(o.csv);
        fclose(fp);
    }
    if (rc != 0) {
        *failed = 1;
        free(text);
        json_decref(o.list);
        reply_error(resp, 503, "%s", err);
        return;
    }
    if (csv) {
        resp->status = 200;
        resp->type = "text/csv; charset=utf-8";
        cb_buf_append(&resp->body, text, len);
        free(text);
        cb_http_add_header(resp, "Content-Disposition",
                           "attachment; filename=\"audit.csv\"");
        atomic_fetch_add(&a->exports, 1);
        audit(st, s, township ? township : "", "export", "audit", "", "");
        return;
    }
    reply_json(resp, 200, json_pack("{s:I, s:o}", "total",
                                    (json_int_t)json_array_size(o.list),
                                    "entries", o.list));
}

/* --------------------------------------------------------------- live */

/* A live list: server-sent events, one `lead` event per change of a lead
 * the account may see, a comment every 15 s to keep the line open, and a
 * `reload` event when the changes outran what the book keeps. */
typedef struct live {
    cb_api *a;
    uint64_t seq;
    int county;
    char township[CB_CODE_SIZE];
    int started;
} live;

static long live_next(void *opaque, char *buf, size_t max)
{
    live *l = opaque;
    cb_leadbook_change ch[16];
    size_t used = 0;

    if (atomic_load(&l->a->stopping))
        return -1;
    if (!l->started) {
        l->started = 1;
        return snprintf(buf, max, "retry: 3000\n\n");
    }
    long n = cb_leadbook_changes(l->a->book, l->seq, ch, 16);
    if (n == 0) {
        cb_leadbook_wait(l->a->book, l->seq, 15000);
        if (atomic_load(&l->a->stopping))
            return -1;
        n = cb_leadbook_changes(l->a->book, l->seq, ch, 16);
    }
    if (n < 0) {
        l->seq = cb_leadbook_seq(l->a->book);
        return snprintf(buf, max, "event: reload\ndata: {}\n\n");
    }
    for (long i = 0; i < n; i++) {
        const cb_leadbook_change *c = &ch[i];
        const char *st = cb_symbol(CB_KIND_LEAD, "status", c->status);
        if (!l->county && strcmp(c->township_code, l->township) != 0) {
            l->seq = c->seq;
            continue;
        }
        char line[256];
        int k = snprintf(line, sizeof(line),
                         "event: lead\ndata: {\"lead_id\":\"%s\","
                         "\"township_code\":\"%s\",\"status\":\"%s\"}\n\n",
                         c->lead_id, c->township_code, st ? st : "");
        if (k < 0 || used + (size_t)k >= max)
            break;
        memcpy(buf + used, line, (size_t)k);
        used += (size_t)k;
        l->seq = c->seq;
    }
    if (used == 0)
        return snprintf(buf, max, ":\n\n"); /* nothing of ours: keep open */
    return (long)used;
}

static void get_events(cb_api *a, cb_http_resp *resp, const cb_session *s)
{
    live *l = calloc(1, sizeof(*l));

    if (l == NULL) {
        reply_error(resp, 500, "out of memory");
        return;
    }
    l->a = a;
    l->seq = cb_leadbook_seq(a->book);
    l->county = s->user.role == CB_ROLE_COUNTY;
    snprintf(l->township, sizeof(l->township), "%s", s->user.township);
    resp->status = 200;
    resp->type = "text/event-stream";
    resp->stream = live_next;
    resp->free_stream = free;
    resp->stream_opaque = l;
}

/* ------------------------------------------------------- page, health */

static void get_file(const char *name, cb_http_resp *resp)
{
    const cb_embedded_file *f = cb_embed_find(cb_page_files, name);
    const char *dot = strrchr(name, '.');

    if (f == NULL) {
        reply_error(resp, 404, "no such page");
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
        atomic_load(&a->views), atomic_load(&a->exports),
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
    reply_json(resp, 200, json_pack("{s:o}", "reasons", list));
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
        return reply_json(resp, 200,
                          json_pack("{s:b, s:I, s:b}", "ok", 1, "leads",
                                    (json_int_t)cb_leadbook_count(a->book),
                                    "following", following(a)));
    if (strncmp(p, "/api/", 5) != 0)
        return reply_error(resp, 404, "no such page");

    cb_store *st = pool_get(a, err, sizeof(err));
    if (st == NULL)
        return reply_error(resp, 503, "Redis: %s", err);
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
            delete_session(req, resp, st, &s);
        else
            reply_error(resp, 405, "GET, POST or DELETE");
    } else if (strcmp(p, "/api/leads") == 0 && is(m, "GET")) {
        get_leads(a, req, resp, &s);
    } else if (strcmp(p, "/api/leads.csv") == 0 && is(m, "GET")) {
        get_leads_csv(a, req, resp, st, &s);
    } else if (strncmp(p, "/api/leads/", 11) == 0 && is(m, "GET")) {
        get_lead(a, req, resp, st, &s, p + 11);
    } else if (strncmp(p, "/api/leads/", 11) == 0 && is(m, "POST")) {
        post_lead(a, req, resp, st, &s, p + 11, &failed);
    } else if (strcmp(p, "/api/alerts") == 0 && is(m, "GET")) {
        get_alerts(req, resp, st, &s, &failed);
    } else if (strcmp(p, "/api/report") == 0 && is(m, "GET")) {
        get_report(a, req, resp, st, &s, &failed);
    } else if (strcmp(p, "/api/audit") == 0 && is(m, "GET")) {
        get_audit(a, req, resp, st, &s, &failed);
    } else if (strcmp(p, "/api/events") == 0 && is(m, "GET")) {
        get_events(a, resp, &s);
    } else {
        reply_error(resp, 404, "no such route: %s %s", m, p);
    }
    pool_put(a, st, failed || resp->status == 503);
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
    pthread_mutex_init(&a->pool_lock, NULL);
    cb_store *st = pool_get(a, errstr, errstr_size);
    if (st == NULL) {
        cb_api_free(a);
        return NULL;
    }
    pool_put(a, st, 0);
    return a;
}

void cb_api_free(cb_api *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < a->npool; i++)
        cb_store_free(a->pool[i]);
    pthread_mutex_destroy(&a->pool_lock);
    cb_leadbook_free(a->book);
    free(a);
}

cb_leadbook *cb_api_book(cb_api *a) { return a->book; }

void cb_api_shutdown(cb_api *a)
{
    atomic_store(&a->stopping, 1);
    cb_leadbook_wake(a->book); /* the streams waiting for a change */
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
    cb_store *st = pool_get(a, errstr, errstr_size);

    if (st == NULL)
        return -1;
    int rc = cb_store_each_lead(st, NULL, put_lead, a->book, errstr,
                                errstr_size);
    pool_put(a, st, rc != 0);
    return rc;
}
