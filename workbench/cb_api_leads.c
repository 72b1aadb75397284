/* cb_api_leads.c -- the lead routes of the workbench (cb_api.h): the
 * filtered list, its CSV export, one lead with its whole ID, decisions. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_api_int.h"
#include <stdatomic.h>

#include "cb_mask.h"
#include "cb_output.h"
#include "cb_time.h"

#define MAX_PER_PAGE 500

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
    q->today = cb_date_of_time(cb_api_now_ms(a));
    if ((v = cb_http_query(req, "status")) != NULL && *v) {
        q->status = strcmp(v, "all") == 0 ? CB_LB_ANY
                                          : cb_api_symbol_of(CB_KIND_LEAD, "status",
                                                      v);
        if (q->status == -1 && strcmp(v, "all") != 0)
            goto bad_status;
    }
    if ((v = cb_http_query(req, "reason")) != NULL && *v &&
        (q->reason = cb_api_symbol_of(CB_KIND_LEAD, "reason", v)) < 0) {
        cb_api_reply_error(resp, 400, "reason is not a lead reason");
        return 0;
    }
    if ((v = cb_http_query(req, "priority")) != NULL && *v &&
        (q->priority = cb_api_symbol_of(CB_KIND_LEAD, "priority", v)) < 0) {
        cb_api_reply_error(resp, 400, "priority is high or normal");
        return 0;
    }
    if ((v = cb_http_query(req, "age_band")) != NULL && *v) {
        q->age_band = -2;
        for (int i = 0; i < CB_AGE_BANDS; i++)
            if (strcmp(v, cb_age_band_names[i]) == 0)
                q->age_band = i;
        if (q->age_band == -2) {
            cb_api_reply_error(resp, 400, "age_band is under_30, 30_44, 45_59 or "
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
            cb_api_reply_error(resp, 400, "sort is opened, priority, age, status or "
                        "reason");
            return 0;
        }
    }
    if ((v = cb_http_query(req, "order")) != NULL && *v) {
        if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0) {
            cb_api_reply_error(resp, 400, "order is asc or desc");
            return 0;
        }
        q->desc = strcmp(v, "desc") == 0;
    }
    return 1;
bad_status:
    cb_api_reply_error(resp, 400, "status is open, contacted, refused, closed or "
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

    json_array_append_new(p->list, cb_api_lead_json(l, p->today, 1));
    return 0;
}

void cb_api_get_leads(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      const cb_session *s)
{
    const char *township;
    cb_leadbook_query q;
    size_t total;

    if (!cb_api_township_arg(req, resp, s, &township) ||
        !lead_query(a, req, resp, township, &q))
        return;
    long page = cb_api_int_arg(req, "page", 1, 1000000);
    long per = cb_api_int_arg(req, "per_page", 50, MAX_PER_PAGE);
    if (page < 0 || per < 0) {
        cb_api_reply_error(resp, 400, "page is 1 or more, per_page 1 to %d",
                    MAX_PER_PAGE);
        return;
    }
    q.offset = (size_t)(page - 1) * (size_t)per;
    q.limit = (size_t)per;
    page_out p = {json_array(), q.today};
    if (cb_leadbook_select(a->book, &q, add_lead, &p, &total) != 0) {
        json_decref(p.list);
        cb_api_reply_error(resp, 500, "out of memory");
        return;
    }
    cb_api_reply_json(resp, 200,
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

void cb_api_get_leads_csv(cb_api *a, const cb_http_req *req,
                          cb_http_resp *resp, cb_store *st,
                          const cb_session *s)
{
    const char *township;
    cb_leadbook_query q;
    size_t total, len = 0;
    char *text = NULL, what[256];

    if (!cb_api_township_arg(req, resp, s, &township) ||
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
        cb_api_reply_error(resp, 500, "out of memory");
        return;
    }
    int rc = cb_leadbook_select(a->book, &q, add_csv, c, &total);
    cb_out_finish(c->out);
    free(c);
    fclose(fp);
    if (rc != 0) {
        free(text);
        cb_api_reply_error(resp, 500, "out of memory");
        return;
    }
    cb_api_reply_csv(resp, text, len, "leads.csv");
    snprintf(what, sizeof(what), "leads township=%s status=%s reason=%s "
             "rows=%zu", township ? township : "all",
             cb_http_query(req, "status") ? cb_http_query(req, "status") : "",
             cb_http_query(req, "reason") ? cb_http_query(req, "reason") : "",
             total);
    atomic_fetch_add(&a->exports, 1);
    cb_api_audit(st, s, township ? township : "", "export", what, "", "");
}

/* The lead a request names, checked against the account.  Returns 1 with
 * *l, or answers 400/404 and returns 0.  Another township's lead gets the
 * very answer of one that does not exist, so that a township account
 * cannot learn which ids exist by trying them. */
static int lead_of(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                   const cb_session *s, const char *id, cb_lead *l)
{
    (void)req;
    if (!cb_api_lead_id_ok(id)) {
        cb_api_reply_error(resp, 400, "a lead id is L and 16 hex digits");
        return 0;
    }
    if (!cb_leadbook_get(a->book, id, l) ||
        !cb_api_may_see(s, l->township_code)) {
        cb_api_reply_error(resp, 404, "no lead %s", id);
        return 0;
    }
    return 1;
}

void cb_api_get_lead(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
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
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    json_t *j = cb_api_lead_json(&l, cb_date_of_time(cb_api_now_ms(a)), 0);
    if (rc == 1 && cb_decision_symbol(decision) != NULL) {
        cb_date_format(day, dayt);
        json_object_set_new(j, "decision",
                            json_pack("{s:s, s:s, s:s}", "decision",
                                      cb_decision_symbol(decision), "day",
                                      dayt, "reason", why));
    }
    atomic_fetch_add(&a->views, 1);
    cb_api_audit(st, s, l.township_code, "view_lead", id, "", "");
    cb_api_reply_json(resp, 200, j);
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

void cb_api_post_lead(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                      cb_store *st, const cb_session *s, const char *id,
                      int *failed)
{
    json_t *body;
    const char *decision = NULL, *code = NULL, *note = NULL;
    cb_lead l;
    int d = -1;

    if (!cb_api_change_allowed(a, req, resp, s) || !lead_of(a, req, resp, s, id, &l) ||
        !cb_api_json_body(req, resp, &body))
        return;
    if (json_unpack(body, "{s:s, s?s, s?s}", "decision", &decision,
                    "reason_code", &code, "reason", &note) != 0) {
        json_decref(body);
        cb_api_reply_error(resp, 400, "send {\"decision\": .., \"reason_code\": .., "
                    "\"reason\": ..}");
        return;
    }
    d = cb_decision_value(decision);
    int known = code == NULL;
    for (int i = 0; code && cb_refusal_reasons[i].code; i++)
        if (strcmp(code, cb_refusal_reasons[i].code) == 0)
            known = 1;
    size_t note_len = note ? strlen(note) : 0;
    const char *bad =
        d < 0 ? "decision is contacted, refused, enrolled or invalid"
        : !known ? "reason_code is not one of /api/refusal_reasons"
        : d == CB_DECISION_REFUSED && code == NULL
            ? "a refusal needs a reason_code"
        : code && strcmp(code, "other") == 0 && note_len == 0
            ? "reason_code other needs a reason"
        : note_len > CB_DECISION_WHY_MAX ? "reason is at most 1000 bytes"
        : note && cb_utf8_valid_prefix(note, note_len) != note_len
            ? "reason is not UTF-8"
            : NULL;
    if (bad != NULL) {
        json_decref(body);
        cb_api_reply_error(resp, 400, "%s", bad);
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
    int rc = cb_store_decide(st, id, d, why, cb_api_now_ms(a), &now_lead, err,
                             sizeof(err));
    if (rc <= 0) {
        cb_api_reply_error(resp, rc < 0 ? 503 : 404, "%s",
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
             cb_decision_symbol(d), why[0] ? ": " : "", why);
    cb_api_audit(st, s, l->township_code, "decide", id, before, after);
    cb_api_reply_json(resp, 200, cb_api_lead_json(&now_lead, cb_date_of_time(cb_api_now_ms(a)),
                                    1));
    return 1;
}
