/* test_truth.c -- the reference implementation of docs/RULES.md
 * (gen/cb_truth*.c) against expectations worked out by hand from that
 * document: every lead reason, closing, alert kind and timer, the death
 * notices that apply and the review items names raise (section 9), each
 * case applied in several orders and with every event delivered twice,
 * which must all give the same result. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_feed.h"
#include "cb_gen.h"
#include "cb_ident.h"
#include "cb_idkey.h"
#include "cb_text.h"
#include "cb_truth.h"

#define TW         "320923008"
#define TW2        "320923010"
#define MAX_EVENTS 64
#define MAX_EXPECT 16

/* ------------------------------------------------------------- events */

typedef struct event {
    cb_record rec;
    int snapshot;
    int refused; /* refused at the door: cb_truth_add_refused */
} event;

typedef struct xlead { /* an expected lead; NULL dates are not checked */
    char subject[CB_ID_SIZE];
    const char *reason, *priority, *status, *closed_reason;
    const char *opened_at, *closed_at;
    const char *township;
} xlead;

typedef struct xalert {
    const char *kind;
    char subject[CB_ID_SIZE];
    const char *period;
    int64_t amount;
    char evidence[512];
    const char *township; /* NULL: TW */
} xalert;

typedef struct xreview { /* an expected review item */
    const char *kind;
    char subject[CB_ID_SIZE];
    const char *names; /* "register|other" */
    char evidence[512];
    const char *township; /* NULL: TW */
    char other[CB_ID_SIZE]; /* other_id */
    int64_t amount;
} xreview;

typedef struct xprogress {
    const char *township;
    int year;
    int64_t enrolled;
} xprogress;

typedef struct tcase {
    const char *T;
    event ev[MAX_EVENTS];
    int n, seq;
    xlead leads[MAX_EXPECT];
    int nleads;
    xalert alerts[MAX_EXPECT];
    int nalerts;
    xprogress progress[MAX_EXPECT];
    int nprogress; /* -1: not checked */
    xreview reviews[MAX_EXPECT];
    int nreviews;
} tcase;

/* The tests' id key: bytes 00 01 .. 1f.  Made once, kept to the end. */
static const cb_idkey *tests_key(void)
{
    static cb_idkey *ids;
    char err[128];

    if (ids == NULL)
        ids = cb_idkey_from_hex("000102030405060708090a0b0c0d0e0f"
                                "101112131415161718191a1b1c1d1e1f",
                                err, sizeof(err));
    assert_non_null(ids);
    return ids;
}

static int32_t day(const char *ymd)
{
    int32_t d;

    assert_int_equal(cb_date_parse(ymd, strlen(ymd), &d), 0);
    return d;
}

static int64_t at(const char *ymd, const char *hms)
{
    char text[40];
    int64_t ms;

    snprintf(text, sizeof(text), "%sT%s+08:00", ymd, hms);
    assert_int_equal(cb_time_parse(text, strlen(text), &ms), 0);
    return ms;
}

/* A resident ID of Funing born on `birth` (YYYY-MM-DD). */
static void pid(char out[CB_ID_SIZE], const char *birth, int seq)
{
    snprintf(out, CB_ID_SIZE, "320923%.4s%.2s%.2s%03d", birth, birth + 5,
             birth + 8, seq);
    out[17] = cb_ident_person_check_char(out);
    out[18] = '\0';
}

static void uscc_of(char out[CB_ID_SIZE], int n)
{
    snprintf(out, CB_ID_SIZE, "91320923MA1M%05d", n);
    out[17] = cb_ident_uscc_check_char(out);
    out[18] = '\0';
}

static cb_record *push(tcase *c, cb_kind kind, const char *prefix,
                       const char **eid)
{
    event *e;

    assert_true(c->n < MAX_EVENTS);
    e = &c->ev[c->n++];
    memset(e, 0, sizeof(*e));
    e->rec.kind = kind;
    cb_record_clear(kind, &e->rec.u);
    snprintf(e->rec.u.household.event_id, CB_EVENT_ID_SIZE, "%s-%04d", prefix,
             ++c->seq);
    if (eid != NULL)
        *eid = e->rec.u.household.event_id; /* event_id comes first in all */
    return &e->rec;
}

/* A household row on `ymd` at 09:00. */
static const char *hh(tcase *c, const char *person, const char *ymd, int action,
                      const char *tw, int student)
{
    const char *eid;
    cb_household *h = &push(c, CB_KIND_HOUSEHOLD, "hh", &eid)->u.household;

    snprintf(h->person_id, sizeof(h->person_id), "%s", person);
    snprintf(h->name, sizeof(h->name), "王建国");
    h->sex = cb_ident_person_is_male(person) ? CB_SEX_M : CB_SEX_F;
    cb_ident_check_person(person, 18, &h->birth_date);
    h->action = action;
    snprintf(h->township_code, sizeof(h->township_code), "%s", tw);
    h->student = student;
    h->occurred_at = at(ymd, "09:00:00");
    return eid;
}

static const char *resident(tcase *c, const char *person, const char *ymd)
{
    return hh(c, person, ymd, CB_HH_RESIDENT, TW, -1);
}

static const char *death(tcase *c, const char *person, const char *date,
                         const char *reported, int source)
{
    const char *eid;
    cb_death *d = &push(c, CB_KIND_DEATH, "d", &eid)->u.death;

    snprintf(d->person_id, sizeof(d->person_id), "%s", person);
    d->date_of_death = day(date);
    d->source = source;
    d->occurred_at = at(reported, "10:00:00");
    return eid;
}

static cb_enrollment *enr_row(tcase *c, const char *person, int scheme,
                              int action, const char *ymd, const char **eid)
{
    cb_enrollment *e = &push(c, CB_KIND_ENROLLMENT, "e", eid)->u.enrollment;

    snprintf(e->person_id, sizeof(e->person_id), "%s", person);
    e->scheme = scheme;
    e->action = action;
    snprintf(e->region_code, sizeof(e->region_code), "320923");
    snprintf(e->township_code, sizeof(e->township_code), TW);
    e->occurred_at = at(ymd, "11:00:00");
    return e;
}

static const char *enr(tcase *c, const char *person, int scheme, int action,
                       const char *ymd)
{
    const char *eid;

    enr_row(c, person, scheme, action, ymd, &eid);
    return eid;
}

/* A snapshot enrollment. */
static void snap(tcase *c, const char *person, int scheme, const char *ymd)
{
    enr(c, person, scheme, CB_ENR_ENROLL, ymd);
    c->ev[c->n - 1].snapshot = 1;
}

/* A benefit or a contribution. */
static const char *fact(tcase *c, const char *person, int action, int scheme,
                        const char *period, int64_t amount, const char *ymd,
                        const char *region, int paid_by, int64_t tier)
{
    const char *eid;
    cb_enrollment *e = enr_row(c, person, scheme, action, ymd, &eid);

    snprintf(e->period, sizeof(e->period), "%s", period);
    e->amount_fen = amount;
    snprintf(e->region_code, sizeof(e->region_code), "%s", region);
    e->paid_by = paid_by;
    e->subsidy_tier = tier;
    return eid;
}

static const char *benefit(tcase *c, const char *person, int scheme,
                           const char *period, int64_t amount, const char *ymd)
{
    return fact(c, person, CB_ENR_BENEFIT, scheme, period, amount, ymd,
                "320923", -1, CB_LONG_NONE);
}

/* A roster row naming the person as the register does (hh). */
static const char *roster(tcase *c, const char *person, int identity,
                          const char *from, const char *to, const char *ymd)
{
    const char *eid;
    cb_assistance *a = &push(c, CB_KIND_ASSISTANCE, "a", &eid)->u.assistance;

    snprintf(a->person_id, sizeof(a->person_id), "%s", person);
    snprintf(a->name, sizeof(a->name), "王建国");
    a->identity = identity;
    a->valid_from = day(from);
    a->valid_to = to != NULL ? day(to) : CB_DATE_NONE;
    snprintf(a->township_code, sizeof(a->township_code), TW);
    a->occurred_at = at(ymd, "17:00:00");
    return eid;
}

static const char *biz(tcase *c, const char *code, int kind, int action,
                       const char *est, const char *ymd, const char *rep)
{
    const char *eid;
    cb_business *b = &push(c, CB_KIND_BUSINESS, "b", &eid)->u.business;

    snprintf(b->uscc, sizeof(b->uscc), "%s", code);
    snprintf(b->name, sizeof(b->name), "阜宁某厂");
    b->kind = kind;
    b->action = action;
    b->established_on = day(est);
    snprintf(b->township_code, sizeof(b->township_code), TW);
    if (rep != NULL)
        snprintf(b->legal_rep_id, sizeof(b->legal_rep_id), "%s", rep);
    b->occurred_at = at(ymd, "14:00:00");
    return eid;
}

/* Gives the last event a person's name: a household row's, a death
 * notice's or an assistance row's name, a business row's
 * legal_rep_name. */
static void named(tcase *c, const char *name)
{
    cb_record *r = &c->ev[c->n - 1].rec;
    char *to = r->kind == CB_KIND_HOUSEHOLD  ? r->u.household.name
               : r->kind == CB_KIND_DEATH    ? r->u.death.name
               : r->kind == CB_KIND_BUSINESS ? r->u.business.legal_rep_name
                                             : r->u.assistance.name;

    snprintf(to, CB_PERSON_NAME_SIZE, "%s", name);
}

/* Makes the last event a row refused at the door for its person's
 * number, written as `written` (household, death, assistance person_id,
 * business legal_rep_id). */
static void refused_as(tcase *c, const char *written)
{
    event *e = &c->ev[c->n - 1];
    cb_record *r = &e->rec;
    char *to = r->kind == CB_KIND_HOUSEHOLD  ? r->u.household.person_id
               : r->kind == CB_KIND_DEATH    ? r->u.death.person_id
               : r->kind == CB_KIND_BUSINESS ? r->u.business.legal_rep_id
                                             : r->u.assistance.person_id;

    snprintf(to, CB_ID_SIZE, "%s", written);
    e->refused = 1;
}

static void reg(tcase *c, const char *code, const char *ymd)
{
    cb_enrollment *e = enr_row(c, "", -1, CB_ENR_REGISTER_EMPLOYER, ymd, NULL);

    snprintf(e->uscc, sizeof(e->uscc), "%s", code);
}

/* ------------------------------------------------------- expectations */

static void lead(tcase *c, const char *subject, const char *reason,
                 const char *priority, const char *status,
                 const char *closed_reason, const char *opened_at,
                 const char *closed_at)
{
    xlead *x = &c->leads[c->nleads++];

    snprintf(x->subject, sizeof(x->subject), "%s", subject);
    x->reason = reason;
    x->priority = priority;
    x->status = status;
    x->closed_reason = closed_reason;
    x->opened_at = opened_at;
    x->closed_at = closed_at;
    x->township = NULL;
}

/* Sorts a NULL-terminated list of event ids bytewise into text, space
 * separated. */
static void evidence_of(char *out, va_list ap)
{
    const char *ids[32], *id;
    int n = 0;

    while ((id = va_arg(ap, const char *)) != NULL)
        ids[n++] = id;
    for (int i = 1; i < n; i++) /* insertion sort, bytewise */
        for (int j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *tmp = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = tmp;
        }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, " ");
        strcat(out, ids[i]);
    }
}

/* An expected alert; evidence is a NULL-terminated list of event ids, in
 * any order. */
static void alert(tcase *c, const char *kind, const char *subject,
                  const char *period, int64_t amount, ...)
{
    xalert *x = &c->alerts[c->nalerts++];
    va_list ap;

    x->kind = kind;
    snprintf(x->subject, sizeof(x->subject), "%s", subject);
    x->period = period;
    x->amount = amount;
    x->township = NULL;
    va_start(ap, amount);
    evidence_of(x->evidence, ap);
    va_end(ap);
}

/* An expected open review item; evidence is a NULL-terminated list of
 * event ids, in any order. */
static void review(tcase *c, const char *kind, const char *subject,
                   const char *names, ...)
{
    xreview *x = &c->reviews[c->nreviews++];
    va_list ap;

    x->kind = kind;
    snprintf(x->subject, sizeof(x->subject), "%s", subject);
    x->names = names;
    x->township = NULL;
    va_start(ap, names);
    evidence_of(x->evidence, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- cases */

static void working_age(tcase *c)
{
    char a[19], b[19];

    pid(a, "1995-03-04", 123), pid(b, "1975-03-04", 123);
    resident(c, a, "2025-01-02");
    resident(c, b, "2025-01-02");
    lead(c, a, "working_age_uninsured", "normal", "open", "", "2025-01-02", "");
    lead(c, b, "working_age_uninsured", "high", "open", "", "2025-01-02", "");
}

static void students_and_children(tcase *c)
{
    char a[19], b[19], d[19];

    pid(a, "2007-03-04", 123), pid(b, "2012-06-01", 123);
    pid(d, "2007-04-04", 123);
    hh(c, a, "2025-01-02", CB_HH_RESIDENT, TW, 1);
    resident(c, b, "2025-01-02");
    /* a student who left school: the latest student value wins */
    hh(c, d, "2025-01-02", CB_HH_RESIDENT, TW, 1);
    hh(c, d, "2025-07-15", CB_HH_ADDRESS_CHANGE, TW, 0);
    lead(c, d, "working_age_uninsured", "normal", "open", "", "2025-07-15", "");
}

/* Timers: 16 on T opens a lead, 16 the day after T does not; 45 on T is
 * high priority. */
static void birthdays(tcase *c)
{
    char a[19], b[19], d[19], e[19];

    pid(a, "2009-11-20", 123), pid(b, "2009-11-21", 123);
    pid(d, "1980-11-20", 123), pid(e, "1980-11-21", 123);
    resident(c, a, "2025-01-02");
    resident(c, b, "2025-01-02");
    resident(c, d, "2025-01-02");
    resident(c, e, "2025-01-02");
    lead(c, a, "working_age_uninsured", "normal", "open", "", "2025-11-20", "");
    lead(c, d, "working_age_uninsured", "high", "open", "", "2025-01-02", "");
    lead(c, e, "working_age_uninsured", "normal", "open", "", "2025-01-02", "");
}

/* Born on 29 February: 16 on 1 March of a common year. */
static void leap_day(tcase *c)
{
    char a[19];

    pid(a, "2008-02-29", 123);
    resident(c, a, "2023-01-02");
    lead(c, a, "working_age_uninsured", "normal", "open", "", "2024-02-29", "");
    c->T = "2025-02-28";
}

/* 16 on 29 February of a leap year: not yet the day before. */
static void leap_day_eve(tcase *c)
{
    char a[19];

    pid(a, "2008-02-29", 123);
    resident(c, a, "2023-01-02");
    c->T = "2024-02-28";
}

/* 45 on 1 March of a common year: high priority from that day. */
static void leap_day_45_before(tcase *c)
{
    char a[19];

    pid(a, "1980-02-29", 123);
    resident(c, a, "2024-01-02");
    lead(c, a, "working_age_uninsured", "normal", "open", "", "2024-01-02", "");
    c->T = "2025-02-28";
}

static void leap_day_45_on(tcase *c)
{
    char a[19];

    pid(a, "1980-02-29", 123);
    resident(c, a, "2024-01-02");
    lead(c, a, "working_age_uninsured", "high", "open", "", "2024-01-02", "");
    c->T = "2025-03-01";
}

static void elderly(tcase *c)
{
    char a[19], b[19], d[19];

    pid(a, "1950-05-05", 123), pid(b, "1951-05-05", 123);
    pid(d, "1952-05-05", 123);
    resident(c, a, "2025-01-02");
    resident(c, b, "2025-01-02");
    benefit(c, b, CB_SCHEME_RESIDENT_PENSION, "2025-09", 21500, "2025-09-05");
    resident(c, d, "2025-01-02"); /* four months ago: no longer draws */
    benefit(c, d, CB_SCHEME_RESIDENT_PENSION, "2025-07", 21500, "2025-07-05");
    lead(c, a, "elderly_no_pension", "normal", "open", "", "2025-01-02", "");
    lead(c, d, "elderly_no_pension", "normal", "open", "", "2025-01-02", "");
}

static void assisted(tcase *c)
{
    char a[19], b[19], d[19], e[19];

    pid(a, "1985-02-02", 123), pid(b, "1986-02-02", 123);
    pid(d, "1987-02-02", 123), pid(e, "1955-02-02", 123);
    resident(c, a, "2025-01-02");
    roster(c, a, CB_ID_MINIMUM_LIVING, "2025-01-01", "2025-12-31",
           "2025-06-30");
    resident(c, b, "2025-01-02"); /* roster over: working age instead */
    roster(c, b, CB_ID_LIFTED_OUT, "2024-01-01", "2025-06-30", "2024-06-30");
    /* in the employee pension from 2025-02-01: no basic pension is rule
     * 1's, so the assisted lead closes */
    resident(c, d, "2025-01-02");
    roster(c, d, CB_ID_SEVERE_DISABILITY, "2025-01-01", NULL, "2025-06-30");
    enr(c, d, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2025-02-01");
    /* enrolled in the resident pension on 2025-08-15: closed */
    resident(c, e, "2025-01-02");
    roster(c, e, CB_ID_LIFTED_OUT, "2025-07-01", "2026-06-30", "2025-06-30");
    enr(c, e, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-08-15");
    lead(c, a, "assisted_not_enrolled", "high", "open", "", "2025-01-02", "");
    lead(c, b, "working_age_uninsured", "normal", "open", "", "2025-01-02", "");
    lead(c, d, "assisted_not_enrolled", "high", "closed", "enrolled",
         "2025-01-02", "2025-02-01");
    lead(c, e, "assisted_not_enrolled", "high", "closed", "enrolled",
         "2025-01-02", "2025-08-15");
}

/* Insured as an employee: no lead while it lasts; its stop, the roster
 * still valid, opens the assisted lead again from the stop. */
static void assisted_employee(tcase *c)
{
    char a[19], b[19];

    pid(a, "1984-03-11", 123), pid(b, "1984-03-12", 123);
    resident(c, a, "2025-01-02");
    snap(c, a, CB_SCHEME_EMPLOYEE_PENSION, "2023-04-01");
    roster(c, a, CB_ID_MINIMUM_LIVING, "2025-01-01", NULL, "2025-01-20");
    resident(c, b, "2025-01-02");
    snap(c, b, CB_SCHEME_EMPLOYEE_PENSION, "2022-09-01");
    roster(c, b, CB_ID_LIFTED_OUT, "2025-01-01", "2025-12-31", "2025-01-20");
    enr(c, b, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_STOP, "2025-08-01");
    lead(c, b, "assisted_not_enrolled", "high", "open", "", "2025-08-01", "");
}

/* A renewed roster row that arrives before the one it renews. */
static void roster_latest_wins(tcase *c)
{
    char a[19];

    pid(a, "1985-02-02", 123);
    resident(c, a, "2025-01-02");
    roster(c, a, CB_ID_RELAPSE_MONITORING, "2025-10-01", "2026-06-30",
           "2025-09-30");
    roster(c, a, CB_ID_RELAPSE_MONITORING, "2025-07-01", "2025-08-31",
           "2025-06-30");
    lead(c, a, "assisted_not_enrolled", "high", "open", "", "2025-01-02", "");
}

static void business_owner(tcase *c)
{
    char a[19], b[19], d[19], e[19], s1[19], s2[19], s3[19];

    pid(a, "1990-07-07", 123), pid(b, "1991-07-07", 123);
    pid(d, "1992-07-07", 123), pid(e, "1993-07-07", 123);
    uscc_of(s1, 1), uscc_of(s2, 2), uscc_of(s3, 3);
    resident(c, a, "2025-01-02");
    resident(c, b, "2025-01-02");
    resident(c, d, "2025-01-02");
    resident(c, e, "2025-01-02");
    biz(c, s1, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01",
        "2025-03-02", a);
    /* s2: b represented it, then d took over */
    biz(c, s2, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01",
        "2025-03-02", b);
    biz(c, s2, CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, "2025-03-01", "2025-05-02",
        d);
    /* s3: deregistered, so e is only of working age */
    biz(c, s3, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01",
        "2025-03-02", e);
    biz(c, s3, CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, "2025-03-01",
        "2025-08-02", e);
    lead(c, a, "business_owner_uninsured", "normal", "open", "", "2025-01-02",
         "");
    lead(c, b, "working_age_uninsured", "normal", "open", "", "2025-01-02", "");
    lead(c, d, "business_owner_uninsured", "normal", "open", "", "2025-01-02",
         "");
    lead(c, e, "working_age_uninsured", "normal", "open", "", "2025-01-02", "");
}

/* The owner enrolls: closed with the owner's reason. */
static void business_owner_enrolls(tcase *c)
{
    char a[19], s[19];

    pid(a, "1990-07-07", 123), uscc_of(s, 4);
    resident(c, a, "2025-01-02");
    biz(c, s, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01", "2025-03-02",
        a);
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-10-01");
    lead(c, a, "business_owner_uninsured", "normal", "closed", "enrolled",
         "2025-01-02", "2025-10-01");
}

/* 30 days to register: T = est + 30 is in time, est + 31 is not; a
 * registration on day 30 is in time; late ones close the lead. */
static void employer_deadline(tcase *c)
{
    char s30[19], s31[19], early[19], late[19], gone[19], indiv[19], day31[19],
        rep[19];

    uscc_of(s30, 10), uscc_of(s31, 11), uscc_of(early, 12);
    uscc_of(late, 13), uscc_of(gone, 14), uscc_of(indiv, 15);
    uscc_of(day31, 16), pid(rep, "1980-01-01", 123);
    biz(c, s30, CB_BIZ_ENTERPRISE, CB_BIZ_ESTABLISHED, "2025-10-21",
        "2025-10-22", NULL);
    biz(c, s31, CB_BIZ_COOPERATIVE, CB_BIZ_ESTABLISHED, "2025-10-20",
        "2025-10-21", NULL);
    biz(c, early, CB_BIZ_BRANCH, CB_BIZ_ESTABLISHED, "2025-08-01", "2025-08-02",
        NULL);
    reg(c, early, "2025-08-31"); /* day 30: in time */
    biz(c, late, CB_BIZ_ENTERPRISE, CB_BIZ_ESTABLISHED, "2025-08-01",
        "2025-08-02", NULL);
    reg(c, late, "2025-09-15");
    biz(c, gone, CB_BIZ_ENTERPRISE, CB_BIZ_ESTABLISHED, "2025-08-01",
        "2025-08-02", NULL);
    biz(c, gone, CB_BIZ_ENTERPRISE, CB_BIZ_DEREGISTERED, "2025-08-01",
        "2025-10-01", NULL);
    biz(c, indiv, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-01-01",
        "2025-01-02", rep);
    /* registered on day 31: the reason never held the day before */
    biz(c, day31, CB_BIZ_ENTERPRISE, CB_BIZ_ESTABLISHED, "2025-08-01",
        "2025-08-02", NULL);
    reg(c, day31, "2025-09-01");
    lead(c, s31, "employer_unregistered", "normal", "open", "", "2025-11-20",
         "");
    lead(c, late, "employer_unregistered", "normal", "closed", "enrolled",
         "2025-09-01", "2025-09-15");
    lead(c, gone, "employer_unregistered", "normal", "closed", "deregistered",
         "2025-09-01", "2025-10-01");
}

static void closings(tcase *c)
{
    char dead[19], gone[19], moved[19], enrolled[19], before[19];

    pid(dead, "1980-01-11", 123), pid(gone, "1980-01-12", 123);
    pid(moved, "1980-01-13", 123), pid(enrolled, "1980-01-14", 123);
    pid(before, "1980-01-15", 123);
    resident(c, dead, "2025-01-02");
    death(c, dead, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    resident(c, gone, "2025-01-02");
    hh(c, gone, "2025-04-01", CB_HH_MOVE_OUT, TW, -1);
    resident(c, moved, "2025-01-02"); /* leaves TW for TW2: a new lead */
    hh(c, moved, "2025-04-01", CB_HH_MOVE_OUT, TW, -1);
    hh(c, moved, "2025-04-05", CB_HH_MOVE_IN, TW2, -1);
    resident(c, enrolled, "2025-01-02");
    enr(c, enrolled, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-05-01");
    resident(c, before, "2025-03-02"); /* insured before arriving */
    enr(c, before, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2024-05-01");
    lead(c, dead, "working_age_uninsured", "high", "closed", "deceased",
         "2025-01-02", "2025-06-01");
    lead(c, gone, "working_age_uninsured", "high", "closed", "moved_out",
         "2025-01-02", "2025-04-01");
    lead(c, moved, "working_age_uninsured", "high", "open", "", "2025-04-05",
         "");
    c->leads[c->nleads - 1].township = TW2;
    lead(c, enrolled, "working_age_uninsured", "high", "closed", "enrolled",
         "2025-01-02", "2025-05-01");
}

/* A late death notice closes on the date of death, not the report's. */
static void late_death_notice(tcase *c)
{
    char a[19];

    pid(a, "1990-01-11", 123);
    resident(c, a, "2025-01-02");
    death(c, a, "2025-03-01", "2025-10-20", CB_DEATH_HEALTH);
    death(c, a, "2025-03-01", "2025-10-25", CB_DEATH_CIVIL);
    lead(c, a, "working_age_uninsured", "normal", "closed", "deceased",
         "2025-01-02", "2025-03-01");
}

/* A move_out that sorts before its move_in: the latest row decides. */
static void move_out_before_move_in(tcase *c)
{
    char a[19];

    pid(a, "1990-01-11", 123);
    hh(c, a, "2025-08-01", CB_HH_MOVE_OUT, TW2, -1);
    hh(c, a, "2025-03-01", CB_HH_MOVE_IN, TW2, -1);
    lead(c, a, "working_age_uninsured", "normal", "closed", "moved_out",
         "2025-03-01", "2025-08-01");
    c->leads[0].township = TW2;
}

/* A stop reopens the lead on the day of the stop. */
static void stop_reopens(tcase *c)
{
    char a[19];

    pid(a, "1980-02-02", 123);
    resident(c, a, "2024-01-02");
    snap(c, a, CB_SCHEME_RESIDENT_PENSION, "2024-03-01");
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, "2025-03-01");
    lead(c, a, "working_age_uninsured", "high", "open", "", "2025-03-01", "");
}

static void paid_after_death(tcase *c)
{
    char a[19];
    const char *b[4], *d1, *d2;
    const char *months[4] = {"2025-05", "2025-06", "2025-07", "2025-08"};
    const char *paid[4] = {"2025-05-05", "2025-06-05", "2025-07-05",
                           "2025-08-05"};

    pid(a, "1950-01-01", 123);
    resident(c, a, "2025-01-02");
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-01-02");
    for (int i = 0; i < 4; i++)
        b[i] = benefit(c, a, CB_SCHEME_RESIDENT_PENSION, months[i], 21500,
                       paid[i]);
    d1 = death(c, a, "2025-05-20", "2025-09-10", CB_DEATH_HEALTH);
    d2 = death(c, a, "2025-05-20", "2025-09-12", CB_DEATH_POLICE);
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, "2025-09-15");
    alert(c, "paid_after_death", a, "", 3 * 21500, d1, d2, b[1], b[2], b[3],
          NULL);
    alert(c, "active_after_death", a, "", 0, d1, d2, NULL);
}

static void active_after_death(tcase *c)
{
    char a[19], b[19], d[19];
    const char *da, *dd;

    pid(a, "1960-01-01", 123), pid(b, "1961-01-01", 123);
    pid(d, "1962-01-01", 123);
    snap(c, a, CB_SCHEME_RESIDENT_MEDICAL, "2024-02-02");
    da = death(c, a, "2025-05-20", "2025-06-01", CB_DEATH_POLICE);
    snap(c, b, CB_SCHEME_RESIDENT_MEDICAL, "2024-02-02");
    enr(c, b, CB_SCHEME_RESIDENT_MEDICAL, CB_ENR_STOP, "2025-05-20");
    death(c, b, "2025-05-20", "2025-06-01", CB_DEATH_POLICE);
    /* enrolled after the death, and stopped: still active after it */
    dd = death(c, d, "2025-03-01", "2025-10-01", CB_DEATH_POLICE);
    enr(c, d, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-05-01");
    enr(c, d, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, "2025-10-05");
    /* nobody lives here and the alert has no fact: no township */
    alert(c, "active_after_death", a, "", 0, da, NULL);
    c->alerts[c->nalerts - 1].township = "";
    alert(c, "active_after_death", d, "", 0, dd, NULL);
    c->alerts[c->nalerts - 1].township = "";
}

static void dual_pensions(tcase *c)
{
    char a[19], b[19], d[19], e[19];
    const char *x, *y, *p, *q, *u, *v, *k1, *k2, *k3;

    pid(a, "1980-03-03", 123), pid(b, "1950-03-03", 123);
    pid(d, "1981-03-03", 123), pid(e, "1982-03-03", 123);
    x = fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_PENSION, "2025-06",
             80000, "2025-06-10", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    y = fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-06",
             20000, "2025-06-11", "320923", CB_PAID_SELF, CB_LONG_NONE);
    p = fact(c, b, CB_ENR_BENEFIT, CB_SCHEME_EMPLOYEE_PENSION, "2025-07",
             300000, "2025-07-05", "320923", -1, CB_LONG_NONE);
    q = fact(c, b, CB_ENR_BENEFIT, CB_SCHEME_EMPLOYEE_PENSION, "2025-07",
             250000, "2025-07-06", "320900", -1, CB_LONG_NONE);
    u = fact(c, d, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-03",
             20000, "2025-03-10", "320923", CB_PAID_SELF, CB_LONG_NONE);
    v = fact(c, d, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-03",
             30000, "2025-03-10", "321000", CB_PAID_SELF, CB_LONG_NONE);
    /* three facts, two pairs: the total less the largest pair's total */
    k1 = fact(c, e, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_PENSION, "2025-04",
              50000, "2025-04-10", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    k2 = fact(c, e, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_PENSION, "2025-04",
              30000, "2025-04-20", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    k3 = fact(c, e, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-04",
              20000, "2025-04-11", "320923", CB_PAID_SELF, CB_LONG_NONE);
    /* medical contributions are not pensions */
    fact(c, e, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_MEDICAL, "2025-05", 38000,
         "2025-05-11", "320923", CB_PAID_SELF, CB_LONG_NONE);
    fact(c, e, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-05", 20000,
         "2025-05-11", "320923", CB_PAID_SELF, CB_LONG_NONE);
    alert(c, "dual_pension_benefit", b, "2025-07", 250000, p, q, NULL);
    alert(c, "dual_pension_enrollment", a, "2025-06", 20000, x, y, NULL);
    alert(c, "dual_pension_enrollment", d, "2025-03", 20000, u, v, NULL);
    alert(c, "dual_pension_enrollment", e, "2025-04", 20000, k1, k2, k3, NULL);
}

static void duplicate_subsidy(tcase *c)
{
    char a[19], b[19];
    const char *x, *y, *p, *q, *r;

    pid(a, "1970-04-04", 123), pid(b, "1971-04-04", 123);
    x = fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-01",
             10000, "2025-01-10", "320923", CB_PAID_GOVERNMENT, 10000);
    y = fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-06",
             20000, "2025-06-10", "320923", CB_PAID_GOVERNMENT, 20000);
    /* older than 12 months (not kept), and 2024-12 alone in its year */
    fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2024-06", 20000,
         "2024-12-10", "320923", CB_PAID_GOVERNMENT, 20000);
    fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2024-12", 20000,
         "2024-12-10", "320923", CB_PAID_GOVERNMENT, 20000);
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2024-01-02");
    /* equal tiers: the larger amount is due */
    p = fact(c, b, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-02",
             10000, "2025-02-10", "320923", CB_PAID_GOVERNMENT, 10000);
    q = fact(c, b, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-03",
             15000, "2025-03-10", "320923", CB_PAID_GOVERNMENT, 10000);
    r = fact(c, b, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_MEDICAL, "2025-04",
             5000, "2025-04-10", "320923", CB_PAID_GOVERNMENT, 10000);
    alert(c, "duplicate_subsidy", a, "2025", 10000, x, y, NULL);
    alert(c, "duplicate_subsidy", b, "2025", 15000, p, q, r, NULL);
}

/* An alert's township: the residence, else the leaving row's, else the
 * fact with the latest period (the smaller event id on a tie). */
static void alert_township(tcase *c)
{
    char a[19], b[19];
    const char *x, *y, *p, *q;

    pid(a, "1980-03-03", 123), pid(b, "1981-03-03", 123);
    x = fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_PENSION, "2025-06",
             80000, "2025-06-10", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    snprintf(c->ev[c->n - 1].rec.u.enrollment.township_code, CB_CODE_SIZE, TW2);
    y = fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-06",
             20000, "2025-06-11", "320924", CB_PAID_SELF, CB_LONG_NONE);
    fact(c, a, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-05", 20000,
         "2025-05-11", "320924", CB_PAID_SELF, CB_LONG_NONE);
    alert(c, "dual_pension_enrollment", a, "2025-06", 20000, x, y, NULL);
    c->alerts[c->nalerts - 1].township = TW2;
    /* b left TW2: the leaving row's township */
    hh(c, b, "2025-02-01", CB_HH_MOVE_OUT, TW2, -1);
    p = fact(c, b, CB_ENR_BENEFIT, CB_SCHEME_EMPLOYEE_PENSION, "2025-06", 80000,
             "2025-06-10", "320923", -1, CB_LONG_NONE);
    q = fact(c, b, CB_ENR_BENEFIT, CB_SCHEME_RESIDENT_PENSION, "2025-06", 20000,
             "2025-06-11", "320923", -1, CB_LONG_NONE);
    alert(c, "dual_pension_benefit", b, "2025-06", 20000, p, q, NULL);
    c->alerts[c->nalerts - 1].township = TW2;
}

static void duplicate_delivery(tcase *c)
{
    char a[19];
    const char *f1, *d;

    pid(a, "1950-01-01", 123);
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2024-01-02");
    f1 = benefit(c, a, CB_SCHEME_RESIDENT_PENSION, "2025-08", 21500,
                 "2025-08-05");
    c->ev[c->n] = c->ev[c->n - 1]; /* the same event twice */
    c->n++;
    d = death(c, a, "2025-07-01", "2025-09-01", CB_DEATH_POLICE);
    c->ev[c->n] = c->ev[c->n - 1];
    c->n++;
    alert(c, "active_after_death", a, "", 0, d, NULL);
    c->alerts[c->nalerts - 1].township = "";
    alert(c, "paid_after_death", a, "", 21500, d, f1, NULL);
}

static void progress(tcase *c)
{
    char a[19], b[19], d[19], e[19];

    pid(a, "1980-06-01", 123), pid(b, "1981-06-01", 123);
    pid(d, "1982-06-01", 123), pid(e, "1983-06-01", 123);
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-03-01");
    enr(c, a, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2025-04-01");
    enr(c, b, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2024-12-30");
    enr(c, d, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-03-01");
    cb_enrollment *x = &c->ev[c->n - 1].rec.u.enrollment;
    snprintf(x->township_code, sizeof(x->township_code), TW2);
    enr(c, d, CB_SCHEME_RESIDENT_MEDICAL, CB_ENR_ENROLL, "2025-03-01");
    /* insured in the snapshot: not new */
    snap(c, e, CB_SCHEME_EMPLOYEE_PENSION, "2010-01-01");
    enr(c, e, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-03-01");
    /* after T: not counted yet */
    enr(c, e, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-12-01");
    pid(a, "1984-06-01", 123);
    enr(c, a, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2025-12-01");
    c->progress[0] = (xprogress){TW, 2024, 1};
    c->progress[1] = (xprogress){TW, 2025, 1};
    c->progress[2] = (xprogress){TW2, 2025, 1};
    c->nprogress = 3;
}

/* ------------------------------------------------ names (section 9) */

/* A death notice whose name is not the register name's is not applied:
 * the person stays alive (the lead stays open, no alert counts the notice)
 * and a death_unconfirmed item asks for a review, one per other name
 * however it is typed.  b draws a pension: nothing is judged paid after
 * the notice either. */
static void death_other_name(tcase *c)
{
    char a[19], b[19];
    const char *d1, *d2, *d3;
    const char *months[4] = {"2025-05", "2025-06", "2025-07", "2025-08"};
    const char *paid[4] = {"2025-05-05", "2025-06-05", "2025-07-05",
                           "2025-08-05"};

    pid(a, "1990-01-11", 123), pid(b, "1950-01-01", 123);
    resident(c, a, "2025-01-02");
    snap(c, a, CB_SCHEME_RESIDENT_MEDICAL, "2024-02-02");
    d1 = death(c, a, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "李四");
    d2 = death(c, a, "2025-06-01", "2025-06-20", CB_DEATH_CIVIL);
    named(c, "李 四");
    resident(c, b, "2025-01-02");
    snap(c, b, CB_SCHEME_RESIDENT_PENSION, "2010-01-01");
    for (int i = 0; i < 4; i++)
        benefit(c, b, CB_SCHEME_RESIDENT_PENSION, months[i], 21500, paid[i]);
    d3 = death(c, b, "2025-05-20", "2025-09-10", CB_DEATH_HEALTH);
    named(c, "张三");
    lead(c, a, "working_age_uninsured", "normal", "open", "", "2025-01-02", "");
    review(c, "death_unconfirmed", a, "王建国|李四", d1, d2, NULL);
    review(c, "death_unconfirmed", b, "王建国|张三", d3, NULL);
}

/* The same name typed another way is the register name, and such a notice
 * applies: spaces, an ideographic space, the separators of a minority
 * name, full-width letters. */
static void death_same_name(tcase *c)
{
    char a[19], b[19], d[19];
    static const char *const dots[4] = {"买买提.吐尔逊", "买买提・吐尔逊",
                                        "买买提•吐尔逊", "买买提．吐尔逊"};

    pid(a, "1980-01-11", 123), pid(b, "1980-01-12", 123);
    pid(d, "1980-01-13", 123);
    resident(c, a, "2025-01-02");
    death(c, a, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "王 建国");
    death(c, a, "2025-06-01", "2025-06-05", CB_DEATH_CIVIL);
    named(c, "王　建国");
    resident(c, b, "2025-01-02");
    named(c, "买买提·吐尔逊");
    for (int i = 0; i < 4; i++) {
        death(c, b, "2025-07-01", "2025-07-03", CB_DEATH_POLICE + i % 3);
        named(c, dots[i]);
    }
    resident(c, d, "2025-01-02");
    named(c, "MARIA SANTOS");
    death(c, d, "2025-08-01", "2025-08-02", CB_DEATH_CIVIL);
    named(c, "ＭＡＲＩＡ　ＳＡＮＴＯＳ");
    lead(c, a, "working_age_uninsured", "high", "closed", "deceased",
         "2025-01-02", "2025-06-01");
    lead(c, b, "working_age_uninsured", "high", "closed", "deceased",
         "2025-01-02", "2025-07-01");
    lead(c, d, "working_age_uninsured", "high", "closed", "deceased",
         "2025-01-02", "2025-08-01");
}

/* A household row that arrives after a notice and gives another name
 * withdraws the notice's effects until review; a change of register name
 * that makes them agree applies it.  Of d's notices only the applied one
 * dates the death and is evidence of the alerts, though the other says
 * an earlier day. */
static void death_and_renamed(tcase *c)
{
    char a[19], b[19], d[19];
    const char *n1, *n2, *n3, *f[4];
    const char *months[4] = {"2025-05", "2025-06", "2025-07", "2025-08"};
    const char *paid[4] = {"2025-05-05", "2025-06-05", "2025-07-05",
                           "2025-08-05"};

    pid(a, "1990-01-11", 123), pid(b, "1990-01-12", 123);
    pid(d, "1960-01-13", 123);
    resident(c, a, "2025-01-02");
    n1 = death(c, a, "2025-05-01", "2025-05-03", CB_DEATH_POLICE);
    named(c, "王建国");
    hh(c, a, "2025-08-01", CB_HH_ADDRESS_CHANGE, TW, -1);
    named(c, "王健国");
    lead(c, a, "working_age_uninsured", "normal", "open", "", "2025-08-01", "");
    review(c, "death_unconfirmed", a, "王健国|王建国", n1, NULL);
    resident(c, b, "2025-01-02");
    death(c, b, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "王健国");
    hh(c, b, "2025-03-01", CB_HH_ADDRESS_CHANGE, TW, -1);
    named(c, "王 健国");
    lead(c, b, "working_age_uninsured", "normal", "closed", "deceased",
         "2025-03-01", "2025-06-01");
    resident(c, d, "2025-01-02");
    snap(c, d, CB_SCHEME_RESIDENT_PENSION, "2020-01-01");
    for (int i = 0; i < 4; i++)
        f[i] = benefit(c, d, CB_SCHEME_RESIDENT_PENSION, months[i], 21500,
                       paid[i]);
    n2 = death(c, d, "2025-06-10", "2025-09-01", CB_DEATH_POLICE);
    n3 = death(c, d, "2025-04-01", "2025-09-02", CB_DEATH_CIVIL);
    named(c, "赵六");
    alert(c, "paid_after_death", d, "", 2 * 21500, n2, f[2], f[3], NULL);
    alert(c, "active_after_death", d, "", 0, n2, NULL);
    review(c, "death_unconfirmed", d, "王建国|赵六", n3, NULL);
}

/* name_mismatch: the names assistance rows and legal representatives'
 * business rows give, other than the register's: one item per normal
 * form, with every row carrying it, the other name as the row with the
 * smallest event id writes it.  The leads go on following the number.
 * d has only left (the leaving row's township); e has no household row,
 * so no register name to disagree with. */
static void name_mismatch(tcase *c)
{
    char a[19], b[19], d[19], e[19], s1[19], s2[19];
    const char *r1, *r2, *r3, *b1, *b2;

    pid(a, "1985-02-02", 123), pid(b, "1986-02-02", 123);
    pid(d, "1987-02-02", 123), pid(e, "1988-02-02", 123);
    uscc_of(s1, 5), uscc_of(s2, 6);
    resident(c, a, "2025-01-02");
    r1 = roster(c, a, CB_ID_MINIMUM_LIVING, "2025-01-01", "2025-06-30",
                "2024-12-30");
    named(c, "王小明");
    r2 = roster(c, a, CB_ID_MINIMUM_LIVING, "2025-07-01", "2025-12-31",
                "2025-06-30");
    named(c, "王　小明");
    roster(c, a, CB_ID_LIFTED_OUT, "2025-01-01", NULL, "2025-06-30");
    named(c, "王 建 国"); /* the register's, typed another way */
    b1 = biz(c, s1, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01",
             "2025-03-02", a);
    named(c, "李建国");
    b2 = biz(c, s1, CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, "2025-03-01",
             "2025-09-02", a);
    named(c, "李建国");
    resident(c, b, "2025-01-02");
    named(c, "MARIA SANTOS");
    biz(c, s2, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01",
        "2025-03-02", b);
    named(c, "ＭＡＲＩＡ SANTOS");
    hh(c, d, "2025-02-01", CB_HH_MOVE_OUT, TW2, -1);
    r3 = roster(c, d, CB_ID_MINIMUM_LIVING, "2025-01-01", "2025-12-31",
                "2024-12-30");
    named(c, "赵小红");
    roster(c, e, CB_ID_MINIMUM_LIVING, "2025-01-01", "2025-12-31",
           "2024-12-30");
    named(c, "某");
    lead(c, a, "assisted_not_enrolled", "high", "open", "", "2025-01-02", "");
    lead(c, b, "business_owner_uninsured", "normal", "open", "", "2025-01-02",
         "");
    review(c, "name_mismatch", a, "王建国|王小明", r1, r2, NULL);
    review(c, "name_mismatch", a, "王建国|李建国", b1, b2, NULL);
    review(c, "name_mismatch", d, "王建国|赵小红", r3, NULL);
    c->reviews[c->nreviews - 1].township = TW2;
}

/* A number as written with one slip: a copy of n with its check
 * character changed (how 0), one digit of the sequence changed (how 1),
 * or two adjacent characters swapped at `at` (how 2); never valid. */
static void slipped(char out[CB_ID_SIZE], const char *n, int how, int at)
{
    snprintf(out, CB_ID_SIZE, "%s", n);
    if (how == 0) {
        out[17] = out[17] == '0' ? '1' : '0';
    } else if (how == 1) {
        out[15] = out[15] == '7' ? '8' : '7';
    } else {
        char x = out[at];
        out[at] = out[at + 1];
        out[at + 1] = x;
    }
    assert_int_not_equal(cb_ident_check_person(out, 18, NULL), CB_IDENT_OK);
}

/* probable_typo (RULES.md 9.3): rows refused for a slip in a child's
 * number, each naming the child.  One item per number as written, its
 * evidence every suspect of it, the other name the smallest event id's;
 * and none of them applied (the stay stays in TW, no death). */
static void typo_one_candidate(tcase *c)
{
    char a[19], w1[19], w2[19], w3[19], s1[19];
    const char *d1, *a1, *h1, *b1;

    pid(a, "2015-04-03", 123);
    uscc_of(s1, 7);
    slipped(w1, a, 0, 0), slipped(w2, a, 2, 6), slipped(w3, a, 1, 0);
    resident(c, a, "2025-01-02");
    d1 = death(c, a, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "王建国");
    refused_as(c, w1);
    a1 = roster(c, a, CB_ID_MINIMUM_LIVING, "2025-01-01", NULL, "2025-02-01");
    named(c, "王 建国");
    refused_as(c, w1);
    h1 = hh(c, a, "2025-03-01", CB_HH_ADDRESS_CHANGE, TW2, -1);
    refused_as(c, w2);
    b1 = biz(c, s1, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, "2025-03-01",
             "2025-03-02", a);
    named(c, "王建国");
    refused_as(c, w3);
    review(c, "probable_typo", a, "王建国|王 建国", d1, a1, NULL);
    snprintf(c->reviews[c->nreviews - 1].other, CB_ID_SIZE, "%s", w1);
    review(c, "probable_typo", a, "王建国|王建国", h1, NULL);
    snprintf(c->reviews[c->nreviews - 1].other, CB_ID_SIZE, "%s", w2);
    review(c, "probable_typo", a, "王建国|王建国", b1, NULL);
    snprintf(c->reviews[c->nreviews - 1].other, CB_ID_SIZE, "%s", w3);
}

/* Suspects that raise nothing: one slip away from two children of the
 * same name (ambiguous), a name that is nobody's, and a legacy 15-digit
 * number (no check character: a slip in it is not seen). */
static void typo_no_item(tcase *c)
{
    char b1[19], b2[19], w[19], k[19], wk[19], d[19];

    pid(b1, "2014-07-08", 123), pid(b2, "2014-07-08", 125);
    /* b1 with b2's sequence: one character from each */
    snprintf(w, sizeof(w), "%s", b1);
    w[16] = '5';
    assert_int_not_equal(b1[17], b2[17]);
    assert_int_not_equal(cb_ident_check_person(w, 18, NULL), CB_IDENT_OK);
    resident(c, b1, "2025-01-02");
    resident(c, b2, "2025-01-02");
    death(c, b1, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "王建国");
    refused_as(c, w);
    pid(k, "2013-01-02", 123);
    slipped(wk, k, 0, 0);
    resident(c, k, "2025-01-02");
    roster(c, k, CB_ID_MINIMUM_LIVING, "2025-01-01", NULL, "2025-02-01");
    named(c, "李四");
    refused_as(c, wk);
    /* 1990-02-30 in the legacy form of d: refused (id_birth_date), no
     * suspect */
    pid(d, "1990-02-03", 123);
    resident(c, d, "2025-01-02");
    death(c, d, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "王建国");
    refused_as(c, "320923900230123");
    lead(c, d, "working_age_uninsured", "normal", "open", "", "2025-01-02",
         "");
}

/* Namesakes raise nothing: another birth date, another sex, or the same
 * of both where only one holds an active pension. */
static void namesakes(tcase *c)
{
    char n1[19], n2[19], n3[19], n4[19];

    pid(n1, "1955-03-03", 123), pid(n2, "1956-03-03", 123);
    pid(n3, "1955-03-03", 124), pid(n4, "1955-03-03", 125);
    const char *all[3] = {n1, n2, n3};
    for (int i = 0; i < 3; i++) {
        resident(c, all[i], "2025-01-02");
        enr(c, all[i], CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL,
            "2024-12-20");
        benefit(c, all[i], CB_SCHEME_EMPLOYEE_PENSION, "2025-10", 300000,
                "2025-10-20");
    }
    resident(c, n4, "2025-01-02");
    enr(c, n4, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2024-12-20");
    benefit(c, n4, CB_SCHEME_RESIDENT_PENSION, "2025-04", 20000, "2025-04-20");
    enr(c, n4, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, "2025-05-01");
    lead(c, n4, "elderly_no_pension", "normal", "open", "", "2025-05-01", "");
}

/* duplicate_identity: one man under two numbers, each drawing a pension;
 * the months both were paid count the smaller total, the months both
 * contributed too; a month only one was paid, or a benefit against a
 * contribution, does not.  A pair with no such month: amount 0, no
 * evidence. */
static void duplicate_identity(tcase *c)
{
    char p1[19], p2[19], q1[19], q2[19];
    const char *e1, *e2, *e3, *e4, *e6, *e7;

    pid(p1, "1958-09-09", 123), pid(p2, "1958-09-09", 125);
    pid(q1, "1957-01-01", 123), pid(q2, "1957-01-01", 125);
    resident(c, p1, "2025-01-02");
    hh(c, p2, "2025-01-02", CB_HH_RESIDENT, TW2, -1);
    enr(c, p1, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2024-12-20");
    enr(c, p2, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2024-12-20");
    e1 = benefit(c, p1, CB_SCHEME_RESIDENT_PENSION, "2025-09", 20000,
                 "2025-09-20");
    e2 = benefit(c, p2, CB_SCHEME_EMPLOYEE_PENSION, "2025-09", 300000,
                 "2025-09-20");
    e3 = benefit(c, p1, CB_SCHEME_RESIDENT_PENSION, "2025-10", 20000,
                 "2025-10-20");
    e4 = benefit(c, p2, CB_SCHEME_EMPLOYEE_PENSION, "2025-10", 300000,
                 "2025-10-20");
    benefit(c, p2, CB_SCHEME_EMPLOYEE_PENSION, "2025-07", 300000,
            "2025-07-20");
    e6 = fact(c, p1, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_PENSION, "2025-08",
              5000, "2025-08-15", "320923", CB_PAID_SELF, CB_LONG_NONE);
    e7 = fact(c, p2, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_PENSION, "2025-08",
              8000, "2025-08-15", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    fact(c, p2, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_PENSION, "2025-09", 8000,
         "2025-09-15", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    /* another scheme's money is not a pension's */
    fact(c, p1, CB_ENR_CONTRIBUTE, CB_SCHEME_RESIDENT_MEDICAL, "2025-09", 900,
         "2025-09-15", "320923", CB_PAID_SELF, CB_LONG_NONE);
    fact(c, p2, CB_ENR_CONTRIBUTE, CB_SCHEME_EMPLOYEE_MEDICAL, "2025-09", 900,
         "2025-09-15", "320923", CB_PAID_EMPLOYER, CB_LONG_NONE);
    review(c, "duplicate_identity", p1, "王建国|王建国", e1, e2, e3, e4, e6,
           e7, NULL);
    snprintf(c->reviews[c->nreviews - 1].other, CB_ID_SIZE, "%s", p2);
    c->reviews[c->nreviews - 1].amount = 2 * 20000 + 5000;
    resident(c, q2, "2025-01-02");
    hh(c, q1, "2025-01-02", CB_HH_RESIDENT, TW2, -1);
    enr(c, q1, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2024-12-20");
    enr(c, q2, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, "2024-12-20");
    review(c, "duplicate_identity", q1, "王建国|王建国", NULL);
    snprintf(c->reviews[c->nreviews - 1].other, CB_ID_SIZE, "%s", q2);
    c->reviews[c->nreviews - 1].township = TW2; /* A's */
}

/* Two numbers with the same name, birth date and sex, one of whose
 * pensions was stopped: no item, however the money overlaps. */
static void duplicate_stopped(tcase *c)
{
    char r1[19], r2[19];

    pid(r1, "1956-05-05", 123), pid(r2, "1956-05-05", 125);
    resident(c, r1, "2025-01-02");
    resident(c, r2, "2025-01-02");
    enr(c, r1, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2024-12-20");
    enr(c, r2, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, "2024-12-20");
    enr(c, r2, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_STOP, "2025-06-01");
    benefit(c, r1, CB_SCHEME_EMPLOYEE_PENSION, "2025-10", 300000,
            "2025-10-20");
    benefit(c, r2, CB_SCHEME_EMPLOYEE_PENSION, "2025-10", 300000,
            "2025-10-20");
}

typedef void(case_fn)(tcase *c);

typedef struct named_case {
    const char *name;
    case_fn *fn;
} named_case;

static const named_case cases[] = {
    {"working_age", working_age},
    {"students_and_children", students_and_children},
    {"birthdays", birthdays},
    {"leap_day", leap_day},
    {"leap_day_eve", leap_day_eve},
    {"leap_day_45_before", leap_day_45_before},
    {"leap_day_45_on", leap_day_45_on},
    {"elderly", elderly},
    {"assisted", assisted},
    {"assisted_employee", assisted_employee},
    {"roster_latest_wins", roster_latest_wins},
    {"business_owner", business_owner},
    {"business_owner_enrolls", business_owner_enrolls},
    {"employer_deadline", employer_deadline},
    {"closings", closings},
    {"late_death_notice", late_death_notice},
    {"move_out_before_move_in", move_out_before_move_in},
    {"stop_reopens", stop_reopens},
    {"paid_after_death", paid_after_death},
    {"active_after_death", active_after_death},
    {"dual_pensions", dual_pensions},
    {"duplicate_subsidy", duplicate_subsidy},
    {"alert_township", alert_township},
    {"duplicate_delivery", duplicate_delivery},
    {"progress", progress},
    {"death_other_name", death_other_name},
    {"death_same_name", death_same_name},
    {"death_and_renamed", death_and_renamed},
    {"name_mismatch", name_mismatch},
    {"typo_one_candidate", typo_one_candidate},
    {"typo_no_item", typo_no_item},
    {"namesakes", namesakes},
    {"duplicate_identity", duplicate_identity},
    {"duplicate_stopped", duplicate_stopped},
};

/* -------------------------------------------------------------- runner */

/* The whole result as text, to compare runs. */
static char *dump(const cb_truth_result *r)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    char d1[11], d2[11];

    assert_non_null(s);
    s[0] = '\0';
#define OUT(...)                                                               \
    do {                                                                       \
        int n_ = snprintf(NULL, 0, __VA_ARGS__);                               \
        while (len + (size_t)n_ + 1 > cap) {                                   \
            cap *= 2;                                                          \
            s = realloc(s, cap);                                               \
            assert_non_null(s);                                                \
        }                                                                      \
        snprintf(s + len, cap - len, __VA_ARGS__);                             \
        len += (size_t)n_;                                                     \
    } while (0)
    for (size_t i = 0; i < r->nleads; i++) {
        const cb_truth_lead *l = &r->leads[i];
        cb_date_format(l->opened_at, d1);
        if (l->closed_at != CB_DATE_NONE)
            cb_date_format(l->closed_at, d2);
        else
            snprintf(d2, sizeof(d2), "-");
        OUT("L %s %s %d %s %d %d %d %d %s %s %s\n", l->lead_id,
            l->township_code, l->subject_kind, l->subject_id, l->reason,
            l->priority, l->status, l->closed_reason, d1, d2, l->name);
    }
    for (size_t i = 0; i < r->nalerts; i++) {
        const cb_truth_alert *a = &r->alerts[i];
        OUT("A %s %d %s %s %s %" PRId64 " %s\n", a->alert_id, a->kind,
            a->subject_id, a->township_code, a->period, a->amount_at_risk_fen,
            a->evidence);
    }
    for (size_t i = 0; i < r->nprogress; i++)
        OUT("P %s %d %" PRId64 "\n", r->progress[i].township_code,
            r->progress[i].year, r->progress[i].enrolled);
    for (size_t i = 0; i < r->nreviews; i++) {
        const cb_truth_review *v = &r->reviews[i];
        OUT("R %s %d %s %s %s %s %s %d %" PRId64 "\n", v->review_id, v->kind,
            v->township_code, v->subject_id, v->other_id, v->names,
            v->evidence, v->status, v->amount_at_risk_fen);
    }
#undef OUT
    return s;
}

/* Applies the events of c in the given order (each twice when asked) to a
 * new truth, evaluates it, and returns both: the result's names point into
 * the truth. */
static cb_truth_result *run(const tcase *c, const int *order, int n, int twice,
                            cb_truth **truth)
{
    cb_truth *t = cb_truth_new(day(c->T), tests_key());
    cb_truth_result *r;
    char err[128];

    assert_non_null(t);
    for (int k = 0; k < n; k++) {
        const event *e = &c->ev[order[k]];
        for (int rep = 0; rep <= twice; rep++)
            assert_int_equal(
                e->refused
                    ? cb_truth_add_refused(t, e->rec.kind, &e->rec.u)
                    : cb_truth_add(t, e->rec.kind, &e->rec.u, e->snapshot),
                0);
    }
    r = cb_truth_eval(t, err, sizeof(err));
    assert_non_null(r);
    *truth = t;
    return r;
}

/* Fails with the case's name when two strings differ. */
static void same(const char *name, const char *what, const char *got,
                 const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("%s: %s is '%s', expected '%s'", name, what, got, want);
}

/* Checks the expectations of a case against a result. */
static void check(const char *name, const tcase *c, const cb_truth_result *r)
{
    if ((int)r->nleads != c->nleads)
        fail_msg("%s: %zu leads, expected %d", name, r->nleads, c->nleads);
    for (int i = 0; i < c->nleads; i++) {
        const xlead *x = &c->leads[i];
        const cb_truth_lead *l = NULL;
        char d[11];
        for (size_t k = 0; k < r->nleads; k++)
            if (strcmp(r->leads[k].subject_id, x->subject) == 0)
                l = &r->leads[k];
        if (l == NULL)
            fail_msg("%s: no lead for %s", name, x->subject);
        same(name, "reason", cb_symbol(CB_KIND_LEAD, "reason", l->reason),
             x->reason);
        same(name, "priority", cb_symbol(CB_KIND_LEAD, "priority", l->priority),
             x->priority);
        same(name, "status", cb_symbol(CB_KIND_LEAD, "status", l->status),
             x->status);
        same(name, "closed_reason",
             l->closed_reason >= 0
                 ? cb_symbol(CB_KIND_LEAD, "closed_reason", l->closed_reason)
                 : "",
             x->closed_reason);
        cb_date_format(l->opened_at, d);
        same(name, "opened_at", d, x->opened_at);
        if (l->closed_at != CB_DATE_NONE)
            cb_date_format(l->closed_at, d);
        else
            d[0] = '\0';
        same(name, "closed_at", d, x->closed_at);
        same(name, "lead township", l->township_code,
             x->township != NULL ? x->township : TW);
    }
    {
        if ((int)r->nalerts != c->nalerts)
            fail_msg("%s: %zu alerts, expected %d", name, r->nalerts,
                     c->nalerts);
        for (int i = 0; i < c->nalerts; i++) {
            const xalert *x = &c->alerts[i];
            const cb_truth_alert *a = NULL;
            for (size_t k = 0; k < r->nalerts; k++)
                if (strcmp(r->alerts[k].subject_id, x->subject) == 0 &&
                    strcmp(cb_symbol(CB_KIND_ALERT, "kind", r->alerts[k].kind),
                           x->kind) == 0 &&
                    strcmp(r->alerts[k].period, x->period) == 0)
                    a = &r->alerts[k];
            if (a == NULL)
                fail_msg("%s: no %s alert for %s %s", name, x->kind, x->subject,
                         x->period);
            if (a->amount_at_risk_fen != x->amount)
                fail_msg("%s: %s amount %" PRId64 ", expected %" PRId64, name,
                         x->kind, a->amount_at_risk_fen, x->amount);
            same(name, "evidence", a->evidence, x->evidence);
            same(name, "alert township", a->township_code,
                 x->township != NULL ? x->township : TW);
        }
    }
    if ((int)r->nreviews != c->nreviews)
        fail_msg("%s: %zu review items, expected %d", name, r->nreviews,
                 c->nreviews);
    for (int i = 0; i < c->nreviews; i++) {
        const xreview *x = &c->reviews[i];
        const cb_truth_review *v = NULL;
        for (size_t k = 0; k < r->nreviews; k++)
            if (strcmp(r->reviews[k].subject_id, x->subject) == 0 &&
                strcmp(cb_review_kind_symbol(r->reviews[k].kind), x->kind) ==
                    0 &&
                strcmp(r->reviews[k].names, x->names) == 0 &&
                strcmp(r->reviews[k].other_id, x->other) == 0)
                v = &r->reviews[k];
        if (v == NULL)
            fail_msg("%s: no %s item for %s naming %s", name, x->kind,
                     x->subject, x->names);
        same(name, "review evidence", v->evidence, x->evidence);
        same(name, "review township", v->township_code,
             x->township != NULL ? x->township : TW);
        same(name, "other_id", v->other_id, x->other);
        if (v->amount_at_risk_fen != x->amount)
            fail_msg("%s: review amount %" PRId64 ", expected %" PRId64, name,
                     v->amount_at_risk_fen, x->amount);
        same(name, "review status", cb_review_status_symbol(v->status),
             "open");
        if (v->review_id[0] != 'R' || strlen(v->review_id) != 17)
            fail_msg("%s: review id %s", name, v->review_id);
    }
    if (c->nprogress >= 0) {
        assert_int_equal((int)r->nprogress, c->nprogress);
        for (int i = 0; i < c->nprogress; i++) {
            assert_string_equal(r->progress[i].township_code,
                                c->progress[i].township);
            assert_int_equal(r->progress[i].year, c->progress[i].year);
            assert_int_equal(r->progress[i].enrolled, c->progress[i].enrolled);
        }
    }
}

static uint64_t rnd_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Every case, in its own order, reversed, in 6 shuffles, and with every
 * event delivered twice: the same result each time, and the expected
 * one. */
static void test_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        tcase *c = calloc(1, sizeof(*c));
        int order[MAX_EVENTS];
        char *first = NULL;
        uint64_t seed = 88172645463325252ULL + k;

        assert_non_null(c);
        c->T = "2025-11-20";
        c->nprogress = -1;
        cases[k].fn(c);
        for (int variant = 0; variant < 9; variant++) {
            for (int i = 0; i < c->n; i++)
                order[i] = variant == 1 ? c->n - 1 - i : i;
            if (variant >= 2 && variant < 8)
                for (int i = c->n - 1; i > 0; i--) {
                    int j = (int)(rnd_next(&seed) % (uint64_t)(i + 1));
                    int tmp = order[i];
                    order[i] = order[j];
                    order[j] = tmp;
                }
            cb_truth *t;
            cb_truth_result *r = run(c, order, c->n, variant == 8, &t);
            char *text = dump(r);
            if (first == NULL) {
                first = text;
                check(cases[k].name, c, r);
            } else {
                if (strcmp(first, text) != 0)
                    fail_msg("%s: order %d differs:\n%s\nvs\n%s", cases[k].name,
                             variant, text, first);
                free(text);
            }
            cb_truth_result_free(r);
            cb_truth_free(t);
        }
        free(first);
        free(c);
    }
}

/* The ids RULES.md defines, keyed with the test key: the expected digits
 * are Python's hmac.new(bytes(range(32)), text, sha256), an independent
 * HMAC-SHA-256. */
static void test_ids(void **state)
{
    char a[19];
    tcase *c = calloc(1, sizeof(*c));
    cb_truth *t;
    int order[2] = {0, 1};

    (void)state;

    assert_non_null(c);
    c->T = "2025-11-20";
    pid(a, "1995-03-04", 123);
    assert_string_equal(a, "320923199503041234");
    resident(c, a, "2025-01-02");
    /* "person|320923199503041234|320923008|2025-01-02" */
    cb_truth_result *r = run(c, order, 1, 0, &t);
    assert_int_equal(r->nleads, 1);
    assert_string_equal(r->leads[0].lead_id, "Lf4aa2738e56baf46");
    cb_truth_result_free(r);
    cb_truth_free(t);

    memset(c, 0, sizeof(*c));
    c->T = "2025-11-20";
    dual_pensions(c);
    int all[MAX_EVENTS];
    for (int i = 0; i < c->n; i++)
        all[i] = i;
    r = run(c, all, c->n, 0, &t);
    pid(a, "1980-03-03", 123);
    int found = 0;
    for (size_t i = 0; i < r->nalerts; i++)
        if (strcmp(r->alerts[i].subject_id, a) == 0) {
            /* "dual_pension_enrollment|320923198003031238|2025-06" */
            assert_string_equal(r->alerts[i].alert_id, "Addff204d63f5559e");
            found = 1;
        }
    assert_true(found);
    cb_truth_result_free(r);
    cb_truth_free(t);
    free(c);
}

static void remove_tree(const char *dir);

/* A review item's id is "R" and the digest of the text RULES.md 9.3 says,
 * "KIND|SUBJECT|OTHER" with the other name in its normal form: here
 * computed by cb_idkey_digest over that text as written, and once by
 * Python's hmac.new(bytes(range(32)), text, sha256).  reviews.csv has its
 * header and quotes a name with a comma. */
static void test_review_ids(void **state)
{
    char a[19], b[19], dir[] = "/tmp/test_truth_rv.XXXXXX", path[64];
    char text[128], want[CB_ID_DIGITS + 2], line[2][512], err[256];
    tcase *c = calloc(1, sizeof(*c));
    int order[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const char *d1;
    cb_truth *t;
    FILE *f;

    (void)state;
    assert_non_null(c);
    c->T = "2025-11-20";
    pid(a, "1995-03-04", 123), pid(b, "1990-01-11", 123);
    resident(c, a, "2025-01-02");
    roster(c, a, CB_ID_MINIMUM_LIVING, "2025-01-01", NULL, "2025-01-05");
    named(c, "王　小明"); /* normal form 王小明 */
    resident(c, b, "2025-01-02");
    d1 = death(c, b, "2025-06-01", "2025-06-03", CB_DEATH_POLICE);
    named(c, "李,四");
    cb_truth_result *r = run(c, order, c->n, 0, &t);
    assert_int_equal(r->nreviews, 2);
    for (size_t i = 0; i < r->nreviews; i++) {
        const cb_truth_review *v = &r->reviews[i];
        if (v->kind == CB_REVIEW_NAME_MISMATCH) {
            assert_string_equal(v->subject_id, "320923199503041234");
            assert_string_equal(v->review_id, "Rc38bb95fcab72adc");
            snprintf(text, sizeof(text), "name_mismatch|%s|王小明", a);
        } else {
            assert_int_equal(v->kind, CB_REVIEW_DEATH_UNCONFIRMED);
            assert_string_equal(v->subject_id, b);
            assert_string_equal(v->evidence, d1);
            snprintf(text, sizeof(text), "death_unconfirmed|%s|李,四", b);
        }
        want[0] = 'R';
        cb_idkey_digest(tests_key(), text, strlen(text), want + 1);
        assert_string_equal(v->review_id, want);
    }
    cb_truth_result_free(r);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(cb_truth_write(t, dir, NULL, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/reviews.csv", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line[0], sizeof(line[0]), f));
    assert_string_equal(line[0], "review_id,kind,township_code,subject_id,"
                                 "other_id,names,evidence,status,"
                                 "amount_at_risk_fen\n");
    assert_non_null(fgets(line[0], sizeof(line[0]), f));
    assert_non_null(fgets(line[1], sizeof(line[1]), f));
    assert_null(fgets(text, sizeof(text), f));
    assert_true(strcmp(line[0], line[1]) < 0); /* sorted by review_id */
    int k = strncmp(line[0], "Rc38bb95fcab72adc,", 18) == 0 ? 0 : 1;
    assert_string_equal(line[k], "Rc38bb95fcab72adc,name_mismatch,320923008,"
                                 "320923199503041234,,王建国|王　小明,a-0002,"
                                 "open,0\n");
    assert_non_null(strstr(line[1 - k], ",death_unconfirmed,320923008,"));
    assert_non_null(
        strstr(line[1 - k], ",,\"王建国|李,四\",d-0004,open,0\n"));
    fclose(f);
    remove_tree(dir);
    cb_truth_free(t);
    free(c);
}

/* Two stay rows of one second whose event ids share their 7 hash bits
 * ("tie-0", "tie-26", "tie-93"): the greater township wins, whatever the
 * order; and a move_out of that second beats a stay row. */
static void test_full_tie(void **state)
{
    char a[19], b[19];
    tcase *c = calloc(1, sizeof(*c));
    int order[3];

    (void)state;
    assert_non_null(c);
    c->T = "2025-11-20";
    pid(a, "1990-01-01", 123), pid(b, "1991-01-01", 123);
    hh(c, a, "2025-03-01", CB_HH_ADDRESS_CHANGE, TW, -1);
    hh(c, a, "2025-03-01", CB_HH_ADDRESS_CHANGE, TW2, -1);
    snprintf(c->ev[0].rec.u.household.event_id, CB_EVENT_ID_SIZE, "tie-0");
    snprintf(c->ev[1].rec.u.household.event_id, CB_EVENT_ID_SIZE, "tie-26");
    for (int v = 0; v < 2; v++) {
        cb_truth *t;
        order[0] = v, order[1] = 1 - v;
        cb_truth_result *r = run(c, order, 2, 0, &t);
        assert_int_equal(r->nleads, 1);
        assert_string_equal(r->leads[0].township_code, TW2);
        cb_truth_result_free(r);
        cb_truth_free(t);
    }
    memset(c, 0, sizeof(*c));
    c->T = "2025-11-20";
    hh(c, b, "2025-03-01", CB_HH_ADDRESS_CHANGE, TW, -1);
    hh(c, b, "2025-03-01", CB_HH_MOVE_OUT, TW, -1);
    hh(c, b, "2025-01-01", CB_HH_RESIDENT, TW, -1);
    snprintf(c->ev[0].rec.u.household.event_id, CB_EVENT_ID_SIZE, "tie-26");
    snprintf(c->ev[1].rec.u.household.event_id, CB_EVENT_ID_SIZE, "tie-93");
    for (int v = 0; v < 3; v++) {
        cb_truth *t;
        order[0] = v, order[1] = (v + 1) % 3, order[2] = (v + 2) % 3;
        cb_truth_result *r = run(c, order, 3, 0, &t);
        /* moved out on 2025-03-01 (had the stay won, the lead would be
         * open; the stay of that day also means no lead held the day
         * before, so there is none) */
        assert_int_equal(r->nleads, 0);
        cb_truth_result_free(r);
        cb_truth_free(t);
    }
    free(c);
}

/* The CSV files: header, quoting, dates. */
static void test_write(void **state)
{
    char dir[] = "/tmp/test_truth.XXXXXX", path[64], line[512], a[19];
    tcase *c = calloc(1, sizeof(*c));
    cb_truth *t;
    cb_truth_counts counts;
    char err[256];
    int order[2] = {0, 1};
    FILE *f;

    (void)state;
    assert_non_null(c);
    assert_non_null(mkdtemp(dir));
    c->T = "2025-11-20";
    pid(a, "1995-03-04", 123);
    resident(c, a, "2025-01-02");
    snprintf(c->ev[0].rec.u.household.name, CB_PERSON_NAME_SIZE, "王\"小\",明");
    cb_truth_result *r = run(c, order, 1, 0, &t);
    cb_truth_result_free(r);
    assert_int_equal(cb_truth_write(t, dir, &counts, err, sizeof(err)), 0);
    assert_int_equal(counts.leads, 1);
    assert_int_equal(counts.by_reason[CB_REASON_WORKING_AGE_UNINSURED], 1);
    assert_int_equal(counts.open, 1);
    snprintf(path, sizeof(path), "%s/leads.csv", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    assert_string_equal(line, "lead_id,township_code,subject_kind,subject_id,"
                              "reason,priority,status,closed_reason,"
                              "opened_at,closed_at,name,source_event_id\n");
    assert_non_null(fgets(line, sizeof(line), f));
    assert_string_equal(line, "Lf4aa2738e56baf46,320923008,person,"
                              "320923199503041234,working_age_uninsured,"
                              "normal,open,,2025-01-02,,\"王\"\"小\"\",明\","
                              "hh-0001\n");
    fclose(f);
    remove(path);
    snprintf(path, sizeof(path), "%s/alerts.csv", dir);
    remove(path);
    snprintf(path, sizeof(path), "%s/progress.csv", dir);
    remove(path);
    snprintf(path, sizeof(path), "%s/reviews.csv", dir);
    remove(path);
    rmdir(dir);
    /* A missing directory is an error with a reason. */
    assert_int_equal(
        cb_truth_write(t, "/nonexistent/dir", NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "leads.csv"));
    cb_truth_free(t);
    cb_truth_free(NULL);
    cb_truth_result_free(NULL);
    free(c);
}

/* ----------------------------------------------------- the generator */

/* Reads a whole file; NULL when it cannot. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return data;
}

static void same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);

    assert_non_null(x);
    assert_non_null(y);
    if (la != lb || memcmp(x, y, la) != 0)
        fail_msg("%s and %s differ", a, b);
    free(x);
    free(y);
}

static void remove_tree(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A row the producer refused for a person's number, as the truth takes it
 * (cb_truth_add_refused): the raw CSV row (UTF-8) split into its fields,
 * each parsed as the producer does but the number, kept as written. */
static void parse_refused(cb_kind kind, const char *raw, size_t len,
                          const char *number_field, cb_record *rec)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    char field[1024];
    size_t at = 0;

    rec->kind = kind;
    cb_record_clear(kind, &rec->u);
    for (int i = 0; i < info->nfields; i++) {
        size_t n = 0;
        cb_field_error err;
        if (at < len && raw[at] == '"') { /* quoted, "" for a quote */
            for (at++; at < len && n + 1 < sizeof(field); at++) {
                if (raw[at] == '"' && (at + 1 >= len || raw[at + 1] != '"')) {
                    at++;
                    break;
                }
                if (raw[at] == '"')
                    at++;
                field[n++] = raw[at];
            }
        } else {
            while (at < len && raw[at] != ',' && n + 1 < sizeof(field))
                field[n++] = raw[at++];
        }
        at++; /* the comma */
        field[n] = '\0';
        if (strcmp(info->fields[i].name, number_field) == 0) {
            assert_true(n < CB_ID_SIZE);
            memcpy(CB_FIELD_PTR(&rec->u, &info->fields[i]), field, n + 1);
        } else if (cb_field_parse(&info->fields[i], field, n, &rec->u,
                                  &err) != 0) {
            fail_msg("refused row, field %s: %s", info->fields[i].name,
                     err.reason);
        }
    }
}

/* The truth gen writes is what its files say: read back through the
 * producer's reader (cb_feed: parsing and every check), every record of
 * the snapshot and the feeds is good but the rows with a slip in a
 * person's number, refused for that alone (id_check, id_birth_date,
 * id_charset); a fresh truth folded from them (the refused rows as
 * refused) writes the same bytes.  In GB18030 too. */
static void test_gen_files_make_the_truth(void **state)
{
    static const char *const feeds[CB_GEN_NFILES] = {
        "snapshot/enrollment.csv", "feeds/business.csv",
        "feeds/household.csv",     "feeds/death.csv",
        "feeds/enrollment.csv",    "feeds/assistance.csv"};
    static const cb_kind kinds[CB_GEN_NFILES] = {
        CB_KIND_ENROLLMENT, CB_KIND_BUSINESS,   CB_KIND_HOUSEHOLD,
        CB_KIND_DEATH,      CB_KIND_ENROLLMENT, CB_KIND_ASSISTANCE};
    static const char *const outs[4] = {"leads.csv", "alerts.csv",
                                        "progress.csv", "reviews.csv"};
    char dir[] = "/tmp/test_truth_gen.XXXXXX", path[600], again[600], err[600];

    (void)state;
    assert_non_null(mkdtemp(dir));
    for (int enc = 0; enc < 2; enc++) {
        cb_gen_opts opts;
        cb_gen_summary sum;
        cb_truth *t;

        memset(&opts, 0, sizeof(opts));
        opts.people = 600;
        opts.seed = 11;
        opts.legacy_pct = CB_GEN_LEGACY_PCT; /* some 15-digit numbers too */
        opts.ids = tests_key();
        opts.out_dir = dir;
        opts.as_of = day("2025-11-20");
        opts.encoding = enc ? CB_ENC_GB18030 : CB_ENC_UTF8;
        if (cb_gen_run(&opts, &sum, err, sizeof(err)) != 0)
            fail_msg("gen: %s", err);
        t = cb_truth_new(opts.as_of, tests_key());
        assert_non_null(t);
        cb_text *text = cb_text_new(opts.encoding, err, sizeof(err));
        int64_t refused = 0;
        assert_non_null(text);
        for (int i = 0; i < CB_GEN_NFILES; i++) {
            cb_feed_opts fo;
            cb_feed *feed;
            cb_feed_item item;
            int64_t n = 0;
            int r;

            memset(&fo, 0, sizeof(fo));
            fo.kind = kinds[i];
            fo.format = CB_FORMAT_CSV;
            fo.encoding = opts.encoding;
            fo.validate.now_ms = cb_time_now();
            fo.validate.skew_ms = 5 * 60 * 1000;
            snprintf(path, sizeof(path), "%s/%s", dir, feeds[i]);
            feed = cb_feed_open(path, &fo, err, sizeof(err));
            if (feed == NULL)
                fail_msg("%s: %s", path, err);
            while ((r = cb_feed_next(feed, &item, err, sizeof(err))) == 1) {
                n++;
                if (item.ok) {
                    assert_int_equal(
                        cb_truth_add(t, kinds[i], &item.rec.u, i == 0), 0);
                    continue;
                }
                /* a slip in a person's number: refused for that alone */
                const char *num = kinds[i] == CB_KIND_BUSINESS
                                      ? "legal_rep_id"
                                      : "person_id";
                const char *u8;
                size_t u8len, bad;
                cb_record rec;
                if (item.err.field == NULL ||
                    strcmp(item.err.field, num) != 0 ||
                    (strcmp(item.err.reason, "id_check") != 0 &&
                     strcmp(item.err.reason, "id_birth_date") != 0 &&
                     strcmp(item.err.reason, "id_charset") != 0))
                    fail_msg("%s:%lld: %s: %s", feeds[i], (long long)item.line,
                             item.err.reason, item.err.detail);
                assert_int_equal(cb_text_to_utf8(text, item.raw, item.raw_len,
                                                 &u8, &u8len, &bad),
                                 0);
                parse_refused(kinds[i], u8, u8len, num, &rec);
                assert_int_equal(cb_truth_add_refused(t, kinds[i], &rec.u), 0);
                refused++;
            }
            assert_int_equal(r, 0);
            assert_int_equal(n, sum.rows[i]);
            cb_feed_free(feed);
        }
        cb_text_free(text);
        /* the injected slips at least, one more in a few rows */
        assert_true(refused >= 3);
        snprintf(again, sizeof(again), "%s/again", dir);
        assert_int_equal(mkdir(again, 0755), 0);
        assert_int_equal(cb_truth_write(t, again, NULL, err, sizeof(err)), 0);
        for (int i = 0; i < 4; i++) {
            snprintf(path, sizeof(path), "%s/truth/%s", dir, outs[i]);
            snprintf(again, sizeof(again), "%s/again/%s", dir, outs[i]);
            same_file(path, again);
        }
        cb_truth_free(t);
        remove_tree(dir);
        assert_int_equal(mkdir(dir, 0755), 0);
    }
    remove_tree(dir);
}

/* bad/expected.csv names every bad record of the bad files by line,
 * field and reason, and the reader agrees; the rest are good. */
static void test_gen_bad_files(void **state)
{
    static const char *const files[6] = {
        "bad/household.csv",  "bad/death.csv",    "bad/enrollment.csv",
        "bad/assistance.csv", "bad/business.csv", "bad/household.jsonl"};
    static const cb_kind kinds[6] = {CB_KIND_HOUSEHOLD,  CB_KIND_DEATH,
                                     CB_KIND_ENROLLMENT, CB_KIND_ASSISTANCE,
                                     CB_KIND_BUSINESS,   CB_KIND_HOUSEHOLD};
    char dir[] = "/tmp/test_truth_bad.XXXXXX", path[600], err[600];
    char got[8192], line[256];

    (void)state;
    assert_non_null(mkdtemp(dir));
    for (int enc = 0; enc < 2; enc++) {
        cb_gen_opts opts;
        cb_gen_summary sum;
        size_t len = 0, elen;
        int64_t records = 0;

        memset(&opts, 0, sizeof(opts));
        opts.people = 200;
        opts.seed = 3;
        opts.ids = tests_key();
        opts.out_dir = dir;
        opts.as_of = day("2025-11-20");
        opts.encoding = enc ? CB_ENC_GB18030 : CB_ENC_UTF8;
        if (cb_gen_run(&opts, &sum, err, sizeof(err)) != 0)
            fail_msg("gen: %s", err);
        len = (size_t)snprintf(got, sizeof(got), "file,line,field,reason\n");
        for (int i = 0; i < 6; i++) {
            cb_feed_opts fo;
            cb_feed *feed;
            cb_feed_item item;
            int r;

            memset(&fo, 0, sizeof(fo));
            fo.kind = kinds[i];
            fo.format = i == 5 ? CB_FORMAT_JSONL : CB_FORMAT_CSV;
            fo.encoding = i == 5 ? CB_ENC_UTF8 : opts.encoding;
            fo.validate.now_ms = cb_time_now();
            fo.validate.skew_ms = 5 * 60 * 1000;
            snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
            feed = cb_feed_open(path, &fo, err, sizeof(err));
            if (feed == NULL)
                fail_msg("%s: %s", path, err);
            while ((r = cb_feed_next(feed, &item, err, sizeof(err))) == 1) {
                records++;
                if (item.ok)
                    continue;
                int n = snprintf(line, sizeof(line), "%s,%lld,%s,%s\n",
                                 files[i], (long long)item.line,
                                 item.err.field ? item.err.field : "",
                                 item.err.reason);
                assert_true(len + (size_t)n < sizeof(got));
                memcpy(got + len, line, (size_t)n + 1);
                len += (size_t)n;
            }
            assert_int_equal(r, 0);
            cb_feed_free(feed);
        }
        assert_int_equal(records, sum.bad_records);
        snprintf(path, sizeof(path), "%s/bad/expected.csv", dir);
        char *want = slurp(path, &elen);
        assert_non_null(want);
        assert_string_equal(got, want);
        free(want);
        remove_tree(dir);
        assert_int_equal(mkdir(dir, 0755), 0);
    }
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_review_ids),
        cmocka_unit_test(test_full_tie),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_gen_files_make_the_truth),
        cmocka_unit_test(test_gen_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
