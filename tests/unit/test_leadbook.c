/* test_leadbook.c -- workbench/cb_leadbook.c: a put adds or replaces by id
 * (and says when nothing changed), a lead that changes township moves
 * between the townships' lists, selects filter, sort both ways and page
 * exactly as a plain filter-and-sort of the same leads does (checked
 * against one on 5,000 random leads), age bands turn on birthdays, and
 * the change ring gives the changes in order until it is outrun. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_leadbook.h"
#include "cb_time.h"

static cb_lead make(int n, const char *town, int status, int reason,
                    int priority, const char *birth /* YYYYMMDD or NULL */)
{
    cb_lead l;

    memset(&l, 0, sizeof(l));
    snprintf(l.lead_id, sizeof(l.lead_id), "L%016x", (unsigned)n);
    snprintf(l.township_code, sizeof(l.township_code), "%s", town);
    if (birth) {
        l.subject_kind = CB_SUBJECT_PERSON;
        snprintf(l.subject_id, sizeof(l.subject_id), "320923%s%04d", birth,
                 n % 10000);
    } else {
        l.subject_kind = CB_SUBJECT_EMPLOYER;
        snprintf(l.subject_id, sizeof(l.subject_id), "91320923MA%08u",
                 (unsigned)n % 100000000u);
    }
    snprintf(l.name, sizeof(l.name), "name %d", n);
    l.reason = reason;
    l.priority = priority;
    l.opened_at = (int64_t)(1000 + n % 97) * 86400000;
    l.status = status;
    l.closed_reason = status == CB_STATUS_CLOSED ? CB_CLOSED_ENROLLED : -1;
    return l;
}

typedef struct seen {
    char ids[600][CB_LEAD_ID_SIZE];
    int n;
} seen;

static int collect(const cb_lead *l, void *opaque)
{
    seen *s = opaque;

    snprintf(s->ids[s->n++], CB_LEAD_ID_SIZE, "%s", l->lead_id);
    return 0;
}

static void test_put_get_replace(void **unused)
{
    cb_leadbook *lb = cb_leadbook_new();
    cb_lead l = make(1, "320923001", CB_STATUS_OPEN, 0, 0, "19800101"), out;

    (void)unused;
    assert_int_equal(cb_leadbook_put(lb, &l), 1);
    assert_int_equal(cb_leadbook_put(lb, &l), 0); /* the same again */
    assert_int_equal(cb_leadbook_count(lb), 1);
    l.status = CB_STATUS_REFUSED;
    assert_int_equal(cb_leadbook_put(lb, &l), 1);
    assert_int_equal(cb_leadbook_count(lb), 1);
    assert_int_equal(cb_leadbook_get(lb, l.lead_id, &out), 1);
    assert_int_equal(out.status, CB_STATUS_REFUSED);
    assert_int_equal(cb_leadbook_get(lb, "L0000000000000002", &out), 0);
    cb_leadbook_free(lb);
}

static void test_township_move(void **unused)
{
    cb_leadbook *lb = cb_leadbook_new();
    cb_lead l = make(7, "320923001", CB_STATUS_OPEN, 0, 0, "19800101");
    cb_leadbook_query q = {"320923001", CB_LB_ANY, CB_LB_ANY, CB_LB_ANY,
                           CB_LB_ANY, CB_SORT_OPENED, 0,
                           cb_date_from_ymd(2025, 11, 20), 0, 0};
    size_t total;
    seen s = {.n = 0};

    (void)unused;
    cb_leadbook_put(lb, &l);
    snprintf(l.township_code, sizeof(l.township_code), "320923002");
    cb_leadbook_put(lb, &l);
    assert_int_equal(cb_leadbook_select(lb, &q, collect, &s, &total), 0);
    assert_int_equal(total, 0);
    q.township = "320923002";
    assert_int_equal(cb_leadbook_select(lb, &q, collect, &s, &total), 0);
    assert_int_equal(total, 1);
    assert_string_equal(s.ids[0], l.lead_id);
    cb_leadbook_free(lb);
}

static void test_age_bands(void **unused)
{
    int32_t today = cb_date_from_ymd(2025, 11, 20);
    cb_lead l;

    (void)unused;
    l = make(1, "1", 0, 0, 0, "19951121"); /* 29 until tomorrow */
    assert_int_equal(cb_leadbook_age_band(&l, today), CB_AGE_UNDER_30);
    l = make(1, "1", 0, 0, 0, "19951120"); /* 30 today */
    assert_int_equal(cb_leadbook_age_band(&l, today), CB_AGE_30_44);
    l = make(1, "1", 0, 0, 0, "19801120");
    assert_int_equal(cb_leadbook_age_band(&l, today), CB_AGE_45_59);
    l = make(1, "1", 0, 0, 0, "19651121");
    assert_int_equal(cb_leadbook_age_band(&l, today), CB_AGE_45_59);
    l = make(1, "1", 0, 0, 0, "19651120");
    assert_int_equal(cb_leadbook_age_band(&l, today), CB_AGE_60_PLUS);
    l = make(1, "1", 0, 0, 0, NULL);
    assert_int_equal(cb_leadbook_age_band(&l, today), -1);
}

/* The reference: every lead, filtered and sorted by the query's rules,
 * one comparison at a time. */
static cb_lead *ref_leads;
static int ref_sort, ref_today;

static int64_t ref_key(const cb_lead *l)
{
    int32_t b;
    switch (ref_sort) {
    case CB_SORT_PRIORITY:
        return l->priority;
    case CB_SORT_STATUS:
        return l->status;
    case CB_SORT_REASON:
        return l->reason;
    case CB_SORT_AGE:
        if (l->subject_kind != CB_SUBJECT_PERSON ||
            cb_date_parse_compact(l->subject_id + 6, 8, &b) != 0)
            return INT64_MAX;
        return b;
    }
    return l->opened_at;
}

static int ref_cmp(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    int64_t ka = ref_key(&ref_leads[a]), kb = ref_key(&ref_leads[b]);
    int64_t ta = ref_sort == CB_SORT_OPENED ? 0 : ref_leads[a].opened_at;
    int64_t tb = ref_sort == CB_SORT_OPENED ? 0 : ref_leads[b].opened_at;

    if (ka != kb)
        return ka < kb ? -1 : 1;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    return a < b ? -1 : a > b; /* insertion order */
}

static int ref_pass(const cb_lead *l, const cb_leadbook_query *q)
{
    if (q->township && strcmp(l->township_code, q->township) != 0)
        return 0;
    if (q->status == CB_LB_NOT_CLOSED ? l->status == CB_STATUS_CLOSED
        : q->status != CB_LB_ANY      ? l->status != q->status
                                      : 0)
        return 0;
    if (q->reason != CB_LB_ANY && l->reason != q->reason)
        return 0;
    if (q->priority != CB_LB_ANY && l->priority != q->priority)
        return 0;
    if (q->age_band != CB_LB_ANY &&
        cb_leadbook_age_band(l, q->today) != q->age_band)
        return 0;
    return 1;
}

static void test_select_matches_reference(void **unused)
{
    static const char *const towns[] = {"320923001", "320923002",
                                        "320923003"};
    static const char *const births[] = {"19500301", "19700615", "19851231",
                                         "20000229", NULL};
    enum { N = 5000 };
    cb_leadbook *lb = cb_leadbook_new();
    int order[N];

    (void)unused;
    ref_leads = calloc(N, sizeof(*ref_leads));
    srand(42);
    for (int i = 0; i < N; i++) {
        ref_leads[i] = make(i, towns[rand() % 3], rand() % 4, rand() % 5,
                            rand() % 2, births[rand() % 5]);
        assert_int_equal(cb_leadbook_put(lb, &ref_leads[i]), 1);
    }
    ref_today = cb_date_from_ymd(2025, 11, 20);
    for (int round = 0; round < 300; round++) {
        cb_leadbook_query q;
        memset(&q, 0, sizeof(q));
        q.township = rand() % 4 ? towns[rand() % 3] : NULL;
        q.status = rand() % 6 - 2;
        q.reason = rand() % 3 ? CB_LB_ANY : rand() % 5;
        q.priority = rand() % 3 ? CB_LB_ANY : rand() % 2;
        q.age_band = rand() % 3 ? CB_LB_ANY : rand() % 4;
        q.sort = rand() % 5;
        q.desc = rand() % 2;
        q.today = ref_today;
        q.offset = (size_t)(rand() % 300);
        q.limit = (size_t)(rand() % 60);
        int n = 0;
        for (int i = 0; i < N; i++)
            if (ref_pass(&ref_leads[i], &q))
                order[n++] = i;
        ref_sort = q.sort;
        qsort(order, (size_t)n, sizeof(int), ref_cmp);
        seen *s = calloc(1, sizeof(*s));
        size_t total;
        assert_int_equal(cb_leadbook_select(lb, &q, collect, s, &total), 0);
        assert_int_equal(total, n);
        size_t want = q.offset >= (size_t)n ? 0 : (size_t)n - q.offset;
        if (q.limit && want > q.limit)
            want = q.limit;
        assert_int_equal(s->n, want);
        for (int k = 0; k < s->n; k++) {
            size_t i = q.offset + (size_t)k;
            int idx = q.desc ? order[n - 1 - i] : order[i];
            assert_string_equal(s->ids[k], ref_leads[idx].lead_id);
        }
        free(s);
    }
    free(ref_leads);
    cb_leadbook_free(lb);
}

static void test_changes(void **unused)
{
    cb_leadbook *lb = cb_leadbook_new();
    cb_leadbook_change ch[8];

    (void)unused;
    uint64_t start = cb_leadbook_seq(lb);
    for (int i = 0; i < 3; i++) {
        cb_lead l = make(i, "320923001", i == 2 ? CB_STATUS_CLOSED : 0, 0, 0,
                         NULL);
        cb_leadbook_put(lb, &l);
    }
    assert_int_equal(cb_leadbook_changes(lb, start, ch, 8), 3);
    assert_int_equal(ch[0].seq, start + 1);
    assert_int_equal(ch[2].status, CB_STATUS_CLOSED);
    assert_string_equal(ch[2].township_code, "320923001");
    assert_int_equal(cb_leadbook_changes(lb, start + 3, ch, 8), 0);
    /* a wait with nothing new times out with the same sequence */
    assert_int_equal(cb_leadbook_wait(lb, start + 3, 10), start + 3);
    /* outrun: more changes than the ring keeps */
    for (int i = 0; i < 9000; i++) {
        cb_lead l = make(100 + i, "320923002", 0, 0, 0, NULL);
        cb_leadbook_put(lb, &l);
    }
    assert_int_equal(cb_leadbook_changes(lb, start, ch, 8), -1);
    assert_int_equal(cb_leadbook_changes(lb, cb_leadbook_seq(lb) - 2, ch, 8),
                     2);
    cb_leadbook_free(lb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_replace),
        cmocka_unit_test(test_township_move),
        cmocka_unit_test(test_age_bands),
        cmocka_unit_test(test_select_matches_reference),
        cmocka_unit_test(test_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
