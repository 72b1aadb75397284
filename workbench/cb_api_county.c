/* cb_api_county.c -- what the county office watches (cb_api.h): alerts
 * with their evidence, progress against the targets (with the open leads
 * and review items, as `canbao report` counts them), the audit log. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_api_int.h"
#include <stdatomic.h>

#include "cb_output.h"
#include "cb_report.h"
#include "cb_time.h"

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

void cb_api_get_alerts(const cb_http_req *req, cb_http_resp *resp,
                       cb_store *st, const cb_session *s, int *failed)
{
    alert_list l = {NULL, -1, NULL};
    const char *k = cb_http_query(req, "kind");
    char err[256];

    if (!cb_api_township_arg(req, resp, s, &l.township))
        return;
    if (k != NULL && *k && (l.kind = cb_api_symbol_of(CB_KIND_ALERT, "kind", k)) < 0) {
        cb_api_reply_error(resp, 400, "kind is not an alert kind");
        return;
    }
    l.list = json_array();
    if (cb_store_each_alert(st, add_alert, &l, err, sizeof(err)) != 0) {
        *failed = 1;
        json_decref(l.list);
        cb_api_reply_error(resp, 503, "Redis: %s", err);
        return;
    }
    cb_api_reply_json(resp, 200,
               json_pack("{s:I, s:o}", "total",
                         (json_int_t)json_array_size(l.list), "alerts",
                         l.list));
}

/* ------------------------------------------------------------- report */

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

void cb_api_get_report(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
                       cb_store *st, const cb_session *s, int *failed)
{
    const char *township, *as_of_text = cb_http_query(req, "as_of");
    int32_t as_of = cb_date_of_time(cb_api_now_ms(a));
    cb_report rp;
    char err[256], day[11];
    int y, m, d;

    if (!cb_api_township_arg(req, resp, s, &township))
        return;
    if (as_of_text != NULL && *as_of_text &&
        cb_date_parse(as_of_text, strlen(as_of_text), &as_of) != 0) {
        cb_api_reply_error(resp, 400, "as_of is a date YYYY-MM-DD");
        return;
    }
    cb_date_to_ymd(as_of, &y, &m, &d);
    long year = cb_api_int_arg(req, "year", y, 9999);
    if (year < 1970) {
        cb_api_reply_error(resp, 400, "year is 1970 to 9999");
        return;
    }
    if (cb_report_load(st, (int)year, as_of, &rp, err, sizeof(err)) != 0) {
        *failed = strstr(err, "no township table") == NULL;
        cb_api_reply_error(resp, *failed ? 503 : 404, "%s", err);
        return;
    }
    cb_leadbook_each(a->book, cb_report_count, &rp);
    if (cb_store_each_review(st, cb_report_count_review, &rp, err,
                             sizeof(err)) != 0) {
        *failed = 1;
        cb_report_free(&rp);
        cb_api_reply_error(resp, 503, "%s", err);
        return;
    }
    alert_count ac = {&rp, calloc(rp.n ? rp.n : 1, sizeof(*ac.by_kind))};
    if (ac.by_kind == NULL ||
        cb_store_each_alert(st, count_alert, &ac, err, sizeof(err)) != 0) {
        *failed = ac.by_kind != NULL;
        free(ac.by_kind);
        cb_report_free(&rp);
        cb_api_reply_error(resp, 503, "%s", ac.by_kind ? err : "out of memory");
        return;
    }
    json_t *rows = json_array();
    for (size_t i = 0; i < rp.n; i++) {
        const cb_report_row *r = &rp.rows[i];
        if (township && strcmp(r->code, township) != 0)
            continue;
        json_t *open = json_object(), *alerts = json_object(),
               *reviews = json_object();
        int64_t total = 0;
        for (int k = 0; k < CB_REPORT_REVIEW_KINDS; k++)
            json_object_set_new(reviews, cb_review_kind_symbol(k),
                                json_integer(r->open_reviews[k]));
        for (int k = 0; k < CB_REPORT_REASONS; k++) {
            json_object_set_new(open, cb_symbol(CB_KIND_LEAD, "reason", k),
                                json_integer(r->open[k]));
            total += r->open[k];
        }
        for (int k = 0; k < 5; k++)
            json_object_set_new(alerts, cb_symbol(CB_KIND_ALERT, "kind", k),
                                json_integer(ac.by_kind[i][k]));
        json_t *row = json_pack("{s:s, s:s, s:o, s:I, s:o, s:I, s:o, s:o, "
                                "s:o}",
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
                                alerts, "open_reviews_by_kind", reviews);
        json_array_append_new(rows, row);
    }
    cb_date_format(as_of, day);
    free(ac.by_kind);
    cb_report_free(&rp);
    cb_api_reply_json(resp, 200, json_pack("{s:I, s:s, s:o}", "year",
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

void cb_api_get_audit(cb_api *a, const cb_http_req *req, cb_http_resp *resp,
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

    if (!cb_api_township_arg(req, resp, s, &township))
        return;
    long limit = cb_api_int_arg(req, "limit", 0, 1000000);
    if (limit < 0) {
        cb_api_reply_error(resp, 400, "limit is 1 or more");
        return;
    }
    int csv = format != NULL && strcmp(format, "csv") == 0;
    if (format != NULL && !csv && strcmp(format, "json") != 0) {
        cb_api_reply_error(resp, 400, "format is json or csv");
        return;
    }
    if (csv) {
        if ((fp = open_memstream(&text, &len)) == NULL ||
            (o.csv = cb_out_new(fp, CB_OUT_CSV, 9, cols, NULL)) == NULL) {
            if (fp)
                fclose(fp);
            free(text);
            cb_api_reply_error(resp, 500, "out of memory");
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
        cb_api_reply_error(resp, 503, "%s", err);
        return;
    }
    if (csv) {
        cb_api_reply_csv(resp, text, len, "audit.csv");
        atomic_fetch_add(&a->exports, 1);
        cb_api_audit(st, s, township ? township : "", "export", "audit", "", "");
        return;
    }
    cb_api_reply_json(resp, 200, json_pack("{s:I, s:o}", "total",
                                    (json_int_t)json_array_size(o.list),
                                    "entries", o.list));
}
