/* cb_rules.c -- leads, timers, alerts and review items of a decoded
 * state, and the rules' other decisions the matcher's step takes
 * (RULES.md): the one place the matcher states the rules. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_name.h"
#include "cb_policy.h"
#include "cb_rules.h"
#include "cb_time.h"

/* The two basic pension schemes, in the order a lead closed by enrolling
 * looks at them. */
#define S_FIRST_BASIC CB_SCHEME_EMPLOYEE_PENSION
#define S_LAST_BASIC  CB_SCHEME_RESIDENT_PENSION

/* ------------------------------------------------------ names, deaths */

static int str_eq(const cb_str *a, const cb_str *b)
{
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* The normal form of the register name (RULES.md 9.2) into *out: 1, or 0
 * when the person has no register name. */
static int register_norm(const cb_person *p, cb_str *out)
{
    char buf[sizeof(out->s) + 1];
    int n;

    if (!p->has_name || p->name.len == 0)
        return 0;
    n = cb_name_normalize(p->name.s, p->name.len, buf, sizeof(buf));
    if (n < 0) {
        *out = p->name; /* longer than any record's name: as it is */
        return 1;
    }
    memcpy(out->s, buf, (size_t)n);
    out->len = (uint8_t)n;
    return 1;
}

/* The verdict standing on the person's item (kind, other), or NULL. */
static const cb_verdict *verdict_on(const cb_person *p, int kind,
                                    const cb_str *other)
{
    for (size_t i = 0; i < p->nverdicts; i++)
        if (p->verdicts[i].kind == kind && str_eq(&p->verdicts[i].other,
                                                  other))
            return &p->verdicts[i];
    return NULL;
}

int cb_rules_notice_applies(const cb_person *p, const cb_notice *n)
{
    cb_str reg;
    const cb_verdict *v;

    if (n->name.len == 0 || !register_norm(p, &reg) || str_eq(&n->norm, &reg))
        return 1;
    v = verdict_on(p, CB_REVIEW_DEATH_UNCONFIRMED, &n->norm);
    return v != NULL && v->verdict == CB_VERDICT_CONFIRM;
}

/* The person's death (RULES.md 2, of the applied notices): 1 with the
 * earliest date_of_death in *date, or 0 when no notice applies. */
static int death_of(const cb_person *p, int32_t *date)
{
    int has = 0;

    for (size_t i = 0; i < p->nnotices; i++) {
        const cb_notice *n = &p->notices[i];
        if ((!has || n->date < *date) && cb_rules_notice_applies(p, n)) {
            *date = n->date;
            has = 1;
        }
    }
    return has;
}

/* Dead on or before d. */
static int dead_by(const cb_person *p, int32_t d)
{
    int32_t death;

    return death_of(p, &death) && death <= d;
}

/* ------------------------------------------------------------ persons */

static int moved_out(const cb_person *p)
{
    return p->has_leave && (!p->has_stay || p->leave.st >= p->stay.st);
}

static int resident(const cb_person *p, int32_t d)
{
    if (!p->has_stay || p->stay.since > d)
        return 0;
    return !(moved_out(p) && p->leave.out <= d);
}

static int enrolled(const cb_person *p, int s, int32_t d)
{
    return p->has_scheme[s] && p->schemes[s].on == 1 &&
           p->schemes[s].date <= d;
}

/* Draws a basic pension: a benefit paid for one of the months of the
 * pension window that ends with d's. */
static int draws(const cb_person *p, int32_t d)
{
    int32_t m = cb_month_of_date(d);

    for (size_t i = 0; i < p->nfacts; i++) {
        const cb_fact *f = &p->facts[i];
        if (f->k == CB_FACT_BENEFIT && cb_scheme_is_basic_pension(f->scheme) &&
            f->period > m - CB_PENSION_WINDOW_MONTHS && f->period <= m)
            return 1;
    }
    return 0;
}

static int on_roster(const cb_person *p, int32_t d)
{
    for (size_t i = 0; i < p->nroster; i++) {
        const cb_roster_state *r = &p->roster[i];
        if (r->from <= d && (r->to == CB_DATE_OPEN_END || r->to >= d))
            return 1;
    }
    return 0;
}

/* basic(D): in a basic pension scheme, employee or resident, on d. */
static int basic(const cb_person *p, int32_t d)
{
    return enrolled(p, CB_SCHEME_EMPLOYEE_PENSION, d) ||
           enrolled(p, CB_SCHEME_RESIDENT_PENSION, d);
}

static int owner(const cb_person *p, int32_t d)
{
    for (size_t i = 0; i < p->nown; i++) {
        const cb_own_state *o = &p->own[i];
        if (o->active == 1 && o->est <= d && (o->dereg == 0 || o->dereg > d))
            return 1;
    }
    return 0;
}

/* The reason (and priority) a person's lead has on day d: 1, or 0 when
 * the person is no lead that day. */
static int person_reason(const cb_person *p, int32_t d, int *reason,
                         int *priority)
{
    int age;

    if (!resident(p, d) || dead_by(p, d))
        return 0;
    age = cb_age_on(p->birth, d);
    if (age < CB_AGE_LEADS)
        return 0;
    *priority = CB_PRIORITY_NORMAL;
    /* every person reason is about someone in no basic pension: a roster
     * member insured as an employee is no lead either (the government-paid
     * tier is for those with none; the resident pension on top would be a
     * dual enrollment) */
    if (basic(p, d))
        return 0;
    if (on_roster(p, d)) {
        *reason = CB_REASON_ASSISTED_NOT_ENROLLED;
        *priority = CB_PRIORITY_HIGH;
        return 1;
    }
    if (age >= CB_AGE_ELDERLY) {
        *reason = CB_REASON_ELDERLY_NO_PENSION;
        return !draws(p, d);
    }
    if (owner(p, d)) {
        *reason = CB_REASON_BUSINESS_OWNER_UNINSURED;
        return 1;
    }
    if (p->has_student && p->student.v == 1)
        return 0;
    *reason = CB_REASON_WORKING_AGE_UNINSURED;
    *priority = age >= CB_AGE_PRIORITY ? CB_PRIORITY_HIGH : CB_PRIORITY_NORMAL;
    return 1;
}

/* ------------------------------------------------------ a lead's source */

/* The fact a lead's source names (RULES.md 5, source_event_id), chosen
 * among candidates: the latest date wins; on one date a row beats a timer
 * (eid NULL), and of two rows the smaller event id wins. */
typedef struct src_pick {
    int has;
    int32_t date;
    const cb_str *eid; /* NULL: the clock ("timer:" and the date) */
} src_pick;

static void src_latest(src_pick *b, int32_t date, const cb_str *eid)
{
    if (b->has && (date < b->date ||
                   (date == b->date &&
                    (eid == NULL ||
                     (b->eid != NULL && cb_str_cmp(eid, b->eid) >= 0)))))
        return;
    b->has = 1;
    b->date = date;
    b->eid = eid;
}

/* The same, the earliest date winning (a closing by the first of several
 * rows: a death, an enrollment); ties as src_latest. */
static void src_earliest(src_pick *b, int32_t date, const cb_str *eid)
{
    if (b->has && (date > b->date ||
                   (date == b->date && b->eid != NULL &&
                    (eid == NULL || cb_str_cmp(eid, b->eid) >= 0))))
        return;
    b->has = 1;
    b->date = date;
    b->eid = eid;
}

/* "<what>:YYYY-MM-DD" into *out. */
static void src_dated(cb_str *out, const char *what, int32_t day)
{
    char date[11];
    int n;

    cb_date_format(day, date);
    n = snprintf(out->s, sizeof(out->s), "%s:%s", what, date);
    out->len = (uint8_t)(n < 0 ? 0 : n >= (int)sizeof(out->s)
                                          ? (int)sizeof(out->s) - 1 : n);
}

static void src_text(cb_str *out, const src_pick *b)
{
    if (b->eid != NULL)
        *out = *b->eid;
    else
        src_dated(out, "timer", b->date);
}

/* The source of an open person lead: the fact opened_at dates -- the stay
 * row, the 16th birthday (the clock) or the latest stop of a basic
 * pension on or before today. */
static void person_open_source(const cb_person *p, int32_t today,
                               cb_str *out)
{
    src_pick b = {0, 0, NULL};

    src_latest(&b, cb_birthday(p->birth, CB_AGE_LEADS), NULL);
    src_latest(&b, p->stay.since, &p->eids.stay);
    for (int s = S_FIRST_BASIC; s <= S_LAST_BASIC; s++)
        if (p->has_scheme[s] && p->schemes[s].on == 0 &&
            p->schemes[s].date <= today)
            src_latest(&b, p->schemes[s].date, cb_person_basic_eid_c(p, s));
    src_text(out, &b);
}

/* Whether an applied notice applies only because a reviewer confirmed
 * its item (its name is not the register name's): 1 with the verdict's
 * day in *day. */
static int notice_confirmed(const cb_person *p, const cb_notice *n,
                            int32_t *day)
{
    cb_str reg;
    const cb_verdict *v;

    if (n->name.len == 0 || !register_norm(p, &reg) || str_eq(&n->norm, &reg))
        return 0;
    v = verdict_on(p, CB_REVIEW_DEATH_UNCONFIRMED, &n->norm);
    if (v == NULL || v->verdict != CB_VERDICT_CONFIRM)
        return 0;
    *day = cb_date_of_time(v->at);
    return 1;
}

/* The source of a person lead closed on l->closed_at for l->closed. */
static void person_closed_source(const cb_person *p, const cb_rule_lead *l,
                                 cb_str *out)
{
    src_pick b = {0, 0, NULL};
    const cb_notice *first = NULL;
    int32_t day;

    switch (l->closed) {
    case CB_CLOSED_DECEASED:
        /* the applied notice of the death date (the smallest id among
         * those of that date), or the verdict that made it apply */
        for (size_t i = 0; i < p->nnotices; i++) {
            const cb_notice *n = &p->notices[i];
            if (n->date == l->closed_at && cb_rules_notice_applies(p, n) &&
                (first == NULL || cb_str_cmp(&n->eid, &first->eid) < 0))
                first = n;
        }
        if (first != NULL && notice_confirmed(p, first, &day))
            src_dated(out, "review:confirm", day);
        else if (first != NULL)
            *out = first->eid;
        return;
    case CB_CLOSED_MOVED_OUT:
        *out = p->eids.leave;
        return;
    default: /* enrolled: the enrollment of the closing date */
        for (int s = S_FIRST_BASIC; s <= S_LAST_BASIC; s++)
            if (p->has_scheme[s] && p->schemes[s].on == 1 &&
                p->schemes[s].date == l->closed_at)
                src_earliest(&b, p->schemes[s].date,
                             cb_person_basic_eid_c(p, s));
        if (b.has)
            src_text(out, &b);
        return;
    }
}

static void employer_source(const cb_employer *e, const cb_rule_lead *l,
                            cb_str *out)
{
    src_pick b = {0, 0, NULL};

    if (l->closed == CB_CLOSED_DEREGISTERED) {
        *out = e->dereg_eid;
    } else if (l->closed == CB_CLOSED_ENROLLED) {
        *out = e->reg_eid;
    } else {
        /* open: the latest of the business row and the day the lead
         * opens */
        src_latest(&b, e->est + CB_EMPLOYER_LEAD_OPENS, NULL);
        src_latest(&b, (int32_t)cb_stamp_day(e->st), &e->biz_eid);
        src_text(out, &b);
    }
}

/* A lead closed on `day` (no later than today) for `why`, when the
 * person was a lead the day before. */
static int person_closes(const cb_person *p, int32_t day, int32_t today,
                         int why, cb_rule_lead *l)
{
    if (day > today || !person_reason(p, day - 1, &l->reason, &l->priority))
        return 0;
    l->status = CB_STATUS_CLOSED;
    l->closed = why;
    l->closed_at = day;
    return 1;
}

int cb_rules_person_lead(const cb_person *p, int32_t today,
                         cb_rule_lead *l)
{
    memset(l, 0, sizeof(*l));
    if (!p->has_stay)
        return 0;
    if (person_reason(p, today, &l->reason, &l->priority)) {
        l->status = CB_STATUS_OPEN;
        l->closed = -1;
        l->closed_at = -1;
    } else {
        int32_t death;
        int found = death_of(p, &death) &&
                    person_closes(p, death, today, CB_CLOSED_DECEASED, l);
        if (!found && moved_out(p))
            found = person_closes(p, p->leave.out, today, CB_CLOSED_MOVED_OUT,
                                  l);
        if (!found) {
            int32_t e = -1;
            for (int s = S_FIRST_BASIC; s <= S_LAST_BASIC; s++) {
                const cb_scheme_state *x = &p->schemes[s];
                if (p->has_scheme[s] && x->on == 1 && x->date <= today &&
                    (e < 0 || x->date < e))
                    e = x->date;
            }
            found = e >= 0 &&
                    person_closes(p, e, today, CB_CLOSED_ENROLLED, l);
        }
        if (!found)
            return 0;
    }
    l->kind = CB_SUBJECT_PERSON;
    l->township = p->stay.tw;
    l->since = p->stay.since;
    /* opened: the latest of arriving, coming of age (CB_AGE_LEADS), the
     * last pension stop */
    int32_t opened = cb_birthday(p->birth, CB_AGE_LEADS);
    if (p->stay.since > opened)
        opened = p->stay.since;
    for (int s = S_FIRST_BASIC; s <= S_LAST_BASIC; s++) {
        const cb_scheme_state *x = &p->schemes[s];
        if (p->has_scheme[s] && x->on == 0 && x->date <= today &&
            x->date > opened)
            opened = x->date;
    }
    l->opened = opened;
    if (p->has_name)
        l->name = p->name;
    if (l->status == CB_STATUS_OPEN)
        person_open_source(p, today, &l->source);
    else
        person_closed_source(p, l, &l->source);
    return 1;
}

static void candidate(int32_t *best, int32_t d, int32_t today)
{
    if (d > today && (*best < 0 || d < *best))
        *best = d;
}

int32_t cb_rules_person_next(const cb_person *p, int32_t today)
{
    static const int thresholds[] = {CB_AGE_LEADS, CB_AGE_PRIORITY,
                                     CB_AGE_ELDERLY};
    int32_t best = -1;

    for (size_t i = 0; i < sizeof(thresholds) / sizeof(*thresholds); i++)
        candidate(&best, cb_birthday(p->birth, thresholds[i]), today);
    for (size_t i = 0; i < p->nroster; i++) {
        candidate(&best, p->roster[i].from, today);
        if (p->roster[i].to != CB_DATE_OPEN_END)
            candidate(&best, p->roster[i].to + 1, today);
    }
    for (size_t i = 0; i < p->nfacts; i++) {
        const cb_fact *f = &p->facts[i];
        if (f->k == CB_FACT_BENEFIT && cb_scheme_is_basic_pension(f->scheme)) {
            /* the pension window moves past the benefit's month */
            int32_t m = f->period + CB_PENSION_WINDOW_MONTHS;
            candidate(&best, cb_date_from_ymd(1970 + m / 12, m % 12 + 1, 1),
                      today);
        }
    }
    for (size_t i = 0; i < p->nown; i++) {
        candidate(&best, p->own[i].est, today);
        if (p->own[i].dereg != 0)
            candidate(&best, p->own[i].dereg, today);
    }
    if (p->has_stay)
        candidate(&best, p->stay.since, today);
    return best;
}

/* ---------------------------------------------------------- employers */

static int employer_reason(const cb_employer *e, int32_t d)
{
    int32_t deadline = e->est + CB_EMPLOYER_GRACE_DAYS;

    if (!e->has_biz || e->kind == CB_BIZ_INDIVIDUAL)
        return 0;
    if (e->has_dereg && e->dereg <= d)
        return 0;
    if (e->has_reg && e->reg <= deadline)
        return 0;
    if (d <= deadline)
        return 0;
    return !(e->has_reg && e->reg <= d);
}

int cb_rules_employer_lead(const cb_employer *e, int32_t today,
                           cb_rule_lead *l)
{
    memset(l, 0, sizeof(*l));
    if (!e->has_biz)
        return 0;
    l->reason = CB_REASON_EMPLOYER_UNREGISTERED;
    l->priority = CB_PRIORITY_NORMAL;
    if (employer_reason(e, today)) {
        l->status = CB_STATUS_OPEN;
        l->closed = -1;
        l->closed_at = -1;
    } else if (e->has_dereg && e->dereg <= today &&
               employer_reason(e, e->dereg - 1)) {
        l->status = CB_STATUS_CLOSED;
        l->closed = CB_CLOSED_DEREGISTERED;
        l->closed_at = e->dereg;
    } else if (e->has_reg && e->reg <= today &&
               employer_reason(e, e->reg - 1)) {
        l->status = CB_STATUS_CLOSED;
        l->closed = CB_CLOSED_ENROLLED;
        l->closed_at = e->reg;
    } else {
        return 0;
    }
    l->kind = CB_SUBJECT_EMPLOYER;
    l->township = e->tw;
    l->since = e->est;
    l->opened = e->est + CB_EMPLOYER_LEAD_OPENS;
    l->name = e->name;
    employer_source(e, l, &l->source);
    return 1;
}

int32_t cb_rules_employer_next(const cb_employer *e, int32_t today)
{
    int32_t opens = e->est + CB_EMPLOYER_LEAD_OPENS;

    return e->has_biz && opens > today ? opens : -1;
}

/* -------------------------------------------------------------- alerts */

/* A list of facts (pointers into the person), grown as needed. */
typedef struct fact_list {
    const cb_fact **v;
    size_t n, cap;
} fact_list;

static int fact_push(fact_list *l, const cb_fact *f)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const cb_fact **v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = f;
    return 0;
}

/* The applied death notice of the smallest event id, or NULL. */
static const cb_notice *first_applied_notice(const cb_person *p)
{
    const cb_notice *best = NULL;

    for (size_t i = 0; i < p->nnotices; i++) {
        const cb_notice *n = &p->notices[i];
        if ((best == NULL || cb_str_cmp(&n->eid, &best->eid) < 0) &&
            cb_rules_notice_applies(p, n))
            best = n;
    }
    return best;
}

/* The township an alert is shown in: where the person lives, else where
 * they left, else where the latest of the facts behind it was paid (the
 * smallest event id among those of one month), else where the first
 * applied death notice came from. */
static int64_t alert_township(const cb_person *p, const fact_list *facts)
{
    const cb_fact *best = NULL;
    const cb_notice *first;

    if (p->has_stay)
        return p->stay.tw;
    if (p->has_leave)
        return p->leave.tw;
    for (size_t i = 0; i < facts->n; i++) {
        const cb_fact *f = facts->v[i];
        if (best == NULL || f->period > best->period ||
            (f->period == best->period && cb_str_cmp(&f->eid, &best->eid) < 0))
            best = f;
    }
    if (best != NULL)
        return best->township;
    first = first_applied_notice(p);
    return first != NULL ? first->tw : 0;
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return cb_str_cmp(*(const cb_str *const *)a, *(const cb_str *const *)b);
}

/* Adds an alert whose evidence is the applied death notices (when
 * with_deaths) and the event ids of facts. */
static int add_alert(const cb_person *p, cb_rule_alerts *out, int kind,
                     const char *period, int64_t amount, int with_deaths,
                     const fact_list *facts)
{
    cb_rule_alert *a;
    size_t n = (with_deaths ? p->nnotices : 0) + facts->n, k = 0;

    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 4;
        cb_rule_alert *v = realloc(out->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        out->v = v;
        out->cap = cap;
    }
    a = &out->v[out->n];
    memset(a, 0, sizeof(*a));
    a->evidence = malloc((n ? n : 1) * sizeof(*a->evidence));
    if (a->evidence == NULL)
        return -1;
    if (with_deaths)
        for (size_t i = 0; i < p->nnotices; i++)
            if (cb_rules_notice_applies(p, &p->notices[i]))
                a->evidence[k++] = &p->notices[i].eid;
    for (size_t i = 0; i < facts->n; i++)
        a->evidence[k++] = &facts->v[i]->eid;
    qsort(a->evidence, k, sizeof(*a->evidence), str_ptr_cmp);
    a->nevidence = k;
    a->kind = kind;
    snprintf(a->period, sizeof(a->period), "%s", period);
    a->amount = amount;
    a->township = alert_township(p, facts);
    out->n++;
    return 0;
}

/* The alerts of a death (of date `death`): paid after it, active after
 * it. */
static int after_death(const cb_person *p, int32_t death,
                       cb_rule_alerts *out)
{
    int32_t dm = cb_month_of_date(death);
    fact_list facts = {0};
    int64_t amount = 0;
    int active = 0, rc = -1;

    for (size_t i = 0; i < p->nfacts; i++) {
        const cb_fact *f = &p->facts[i];
        if (f->k == CB_FACT_BENEFIT && f->period > dm) {
            amount += f->amount;
            if (fact_push(&facts, f) != 0)
                goto out;
        }
    }
    if (facts.n > 0 && add_alert(p, out, CB_ALERT_PAID_AFTER_DEATH, "",
                                 amount, 1, &facts) != 0)
        goto out;
    for (int s = 0; s < CB_SCHEMES; s++)
        if (p->has_scheme[s] &&
            (p->schemes[s].on == 1 || p->schemes[s].date > death))
            active = 1;
    facts.n = 0;
    if (active && add_alert(p, out, CB_ALERT_ACTIVE_AFTER_DEATH, "", 0, 1,
                            &facts) != 0)
        goto out;
    rc = 0;
out:
    free(facts.v);
    return rc;
}

static int int32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The distinct values of periods[0..n), sorted, in place; the count. */
static size_t distinct(int32_t *v, size_t n)
{
    size_t k = 0;

    qsort(v, n, sizeof(*v), int32_cmp);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

/* Two basic pensions in one month (two scheme/region pairs), of
 * contributions (k = CB_FACT_CONTRIBUTION) or benefits. */
static int dual(const cb_person *p, int k, cb_rule_alerts *out)
{
    int32_t *periods = malloc((p->nfacts ? p->nfacts : 1) * sizeof(*periods));
    int64_t (*pair_sum)[3] = malloc((p->nfacts ? p->nfacts : 1) *
                                    sizeof(*pair_sum));
    fact_list facts = {0};
    size_t np = 0;
    int rc = -1;

    if (periods == NULL || pair_sum == NULL)
        goto out;
    for (size_t i = 0; i < p->nfacts; i++)
        if (p->facts[i].k == k &&
            cb_scheme_is_basic_pension(p->facts[i].scheme))
            periods[np++] = p->facts[i].period;
    np = distinct(periods, np);
    for (size_t m = 0; m < np; m++) {
        size_t npairs = 0;
        int64_t total = 0, largest = 0;
        facts.n = 0;
        for (size_t i = 0; i < p->nfacts; i++) {
            const cb_fact *f = &p->facts[i];
            size_t j;
            if (f->k != k || !cb_scheme_is_basic_pension(f->scheme) ||
                f->period != periods[m])
                continue;
            for (j = 0; j < npairs; j++)
                if (pair_sum[j][0] == f->scheme && pair_sum[j][1] == f->region)
                    break;
            if (j == npairs) {
                pair_sum[j][0] = f->scheme;
                pair_sum[j][1] = f->region;
                pair_sum[j][2] = 0;
                npairs++;
            }
            pair_sum[j][2] += f->amount;
            total += f->amount;
            if (fact_push(&facts, f) != 0)
                goto out;
        }
        if (npairs < 2)
            continue;
        for (size_t j = 0; j < npairs; j++)
            if (pair_sum[j][2] > largest)
                largest = pair_sum[j][2];
        char ym[8];
        cb_month_format(periods[m], ym);
        if (add_alert(p, out,
                      k == CB_FACT_CONTRIBUTION
                          ? CB_ALERT_DUAL_PENSION_ENROLLMENT
                          : CB_ALERT_DUAL_PENSION_BENEFIT,
                      ym, total - largest, 0, &facts) != 0)
            goto out;
    }
    rc = 0;
out:
    free(periods);
    free(pair_sum);
    free(facts.v);
    return rc;
}

/* Government-paid contributions, more than one in a year: all but the one
 * due (the highest tier, then the largest amount, then the smallest event
 * id) are at risk. */
static int dup_subsidy(const cb_person *p, cb_rule_alerts *out)
{
    int32_t *years = malloc((p->nfacts ? p->nfacts : 1) * sizeof(*years));
    fact_list facts = {0};
    size_t ny = 0;
    int rc = -1;

    if (years == NULL)
        goto out;
    for (size_t i = 0; i < p->nfacts; i++)
        if (p->facts[i].k == CB_FACT_CONTRIBUTION &&
            p->facts[i].paid == CB_PAID_GOVERNMENT)
            years[ny++] = 1970 + p->facts[i].period / 12;
    ny = distinct(years, ny);
    for (size_t y = 0; y < ny; y++) {
        const cb_fact *due = NULL;
        int64_t amount = 0;
        facts.n = 0;
        for (size_t i = 0; i < p->nfacts; i++) {
            const cb_fact *f = &p->facts[i];
            if (f->k != CB_FACT_CONTRIBUTION ||
                f->paid != CB_PAID_GOVERNMENT ||
                1970 + f->period / 12 != years[y])
                continue;
            if (fact_push(&facts, f) != 0)
                goto out;
            if (due == NULL || f->tier > due->tier ||
                (f->tier == due->tier &&
                 (f->amount > due->amount ||
                  (f->amount == due->amount &&
                   cb_str_cmp(&f->eid, &due->eid) < 0))))
                due = f;
        }
        if (facts.n < 2)
            continue;
        for (size_t i = 0; i < facts.n; i++)
            if (facts.v[i] != due)
                amount += facts.v[i]->amount;
        char year[8];
        snprintf(year, sizeof(year), "%d", (int)years[y]);
        if (add_alert(p, out, CB_ALERT_DUPLICATE_SUBSIDY, year, amount, 0,
                      &facts) != 0)
            goto out;
    }
    rc = 0;
out:
    free(years);
    free(facts.v);
    return rc;
}

int cb_rules_person_alerts(const cb_person *p, cb_rule_alerts *out)
{
    int32_t death;

    if (death_of(p, &death) && after_death(p, death, out) != 0)
        return -1;
    if (p->nfacts == 0)
        return 0;
    if (dual(p, CB_FACT_CONTRIBUTION, out) != 0 ||
        dual(p, CB_FACT_BENEFIT, out) != 0)
        return -1;
    return dup_subsidy(p, out);
}

void cb_rule_alerts_free(cb_rule_alerts *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].evidence);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

/* -------------------------------------------------------- review items */

/* Room for one more item in *out, zeroed, or NULL out of memory. */
static cb_rule_review *push_review(cb_rule_reviews *out)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 4;
        cb_rule_review *v = realloc(out->v, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        out->v = v;
        out->cap = cap;
    }
    memset(&out->v[out->n], 0, sizeof(out->v[0]));
    return &out->v[out->n++];
}

/* What an item of kind and other name takes from the person, whatever its
 * evidence: whether it holds (a register name, and another name than
 * it), its status and when it was decided, its township but for the
 * evidence's (RULES.md 9.3). */
static void review_common(const cb_person *p, const cb_str *reg, int has_reg,
                          cb_rule_review *r, int kind, const cb_str *other)
{
    const cb_verdict *v = verdict_on(p, kind, other);

    r->kind = kind;
    r->other = other;
    r->holds = has_reg && !str_eq(other, reg);
    r->status = v != NULL ? (int)cb_review_status_after(v->verdict)
                          : CB_REVIEW_OPEN;
    r->resolved_at = v != NULL ? v->at : CB_TIME_NONE;
    r->township = p->has_stay ? p->stay.tw : p->has_leave ? p->leave.tw : 0;
}

/* death_unconfirmed, one per normal form of the notices' names. */
static int notice_reviews(const cb_person *p, const cb_str *reg, int has_reg,
                          cb_rule_reviews *out)
{
    for (size_t i = 0; i < p->nnotices; i++) {
        const cb_notice *n = &p->notices[i], *first = NULL;
        size_t j, k = 0;
        if (n->name.len == 0)
            continue;
        for (j = 0; j < i; j++) /* that name's item is made already */
            if (p->notices[j].name.len > 0 &&
                str_eq(&p->notices[j].norm, &n->norm))
                break;
        if (j < i)
            continue;
        cb_rule_review *r = push_review(out);
        if (r == NULL)
            return -1;
        review_common(p, reg, has_reg, r, CB_REVIEW_DEATH_UNCONFIRMED,
                      &n->norm);
        r->evidence = malloc((p->nnotices - i) * sizeof(*r->evidence));
        if (r->evidence == NULL)
            return -1;
        for (j = i; j < p->nnotices; j++) {
            const cb_notice *x = &p->notices[j];
            if (x->name.len == 0 || !str_eq(&x->norm, &n->norm))
                continue;
            r->evidence[k++] = &x->eid;
            if (first == NULL || cb_str_cmp(&x->eid, &first->eid) < 0)
                first = x;
        }
        qsort(r->evidence, k, sizeof(*r->evidence), str_ptr_cmp);
        r->nevidence = k;
        r->written = &first->name;
        if (!p->has_stay && !p->has_leave)
            r->township = first->tw;
    }
    return 0;
}

int cb_rules_person_reviews(const cb_person *p, cb_rule_reviews *out)
{
    cb_str reg;
    int has_reg = register_norm(p, &reg);

    if (notice_reviews(p, &reg, has_reg, out) != 0)
        return -1;
    /* name_mismatch, one per alias (a normal form of other sources) */
    for (size_t i = 0; i < p->naliases; i++) {
        const cb_alias *a = &p->aliases[i];
        cb_rule_review *r = push_review(out);
        if (r == NULL)
            return -1;
        review_common(p, &reg, has_reg, r, CB_REVIEW_NAME_MISMATCH, &a->norm);
        r->evidence = malloc((a->neids ? a->neids : 1) *
                             sizeof(*r->evidence));
        if (r->evidence == NULL)
            return -1;
        for (size_t k = 0; k < a->neids; k++)
            r->evidence[k] = &a->eids[k];
        qsort(r->evidence, a->neids, sizeof(*r->evidence), str_ptr_cmp);
        r->nevidence = a->neids;
        r->written = &a->name;
        /* no stay and no leaving row: no household row, so no register
         * name, and the item does not hold; its rows' townships are not
         * kept */
    }
    return 0;
}

void cb_rule_reviews_free(cb_rule_reviews *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].evidence);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* -------------------------------------------------- around the rules */

int cb_rules_op_may_change_reviews(int op_kind)
{
    return op_kind == CB_OP_HH || op_kind == CB_OP_DEATH ||
           op_kind == CB_OP_ROSTER || op_kind == CB_OP_OWN ||
           op_kind == CB_OP_REVIEW;
}

int cb_rules_op_may_change_lead(int op_kind, int fact_kind)
{
    if (op_kind == CB_OP_SUSPECT || op_kind == CB_OP_GROUP)
        return 0; /* feeds and groups have no lead */
    if (op_kind == CB_OP_PROBE)
        return 0; /* a probe changes what the group hears, nothing else */
    return op_kind != CB_OP_FACT || fact_kind != CB_FACT_CONTRIBUTION;
}

int cb_rules_person_holder(const cb_person *p, const char *id,
                           int with_facts, cb_holder *h)
{
    size_t n = 0;

    memset(h, 0, sizeof(*h));
    if (!p->has_name)
        return 0;
    h->id.s = id;
    h->id.len = CB_IDENT_LEN;
    h->name.s = p->name.s;
    h->name.len = p->name.len;
    h->township = p->has_stay ? p->stay.tw : p->has_leave ? p->leave.tw : 0;
    for (int s = S_FIRST_BASIC; s <= S_LAST_BASIC; s++)
        if (p->has_scheme[s] && p->schemes[s].on)
            h->pension = 1;
    for (size_t i = 0; with_facts && i < p->nfacts; i++)
        n += cb_scheme_is_basic_pension(p->facts[i].scheme);
    if (n == 0)
        return 1;
    h->facts = calloc(n, sizeof(*h->facts));
    if (h->facts == NULL)
        return -1;
    for (size_t i = 0; i < p->nfacts; i++) {
        const cb_fact *f = &p->facts[i];
        cb_group_fact *g;
        if (!cb_scheme_is_basic_pension(f->scheme))
            continue;
        g = &h->facts[h->nfacts++];
        g->period = f->period;
        g->k = f->k;
        g->amount = f->amount;
        g->eid.s = f->eid.s;
        g->eid.len = f->eid.len;
    }
    return 1;
}

int cb_rules_group_needs(const cb_person *p, const cb_holder *h)
{
    return h->pension || p->probed;
}

int cb_rules_takes_decision(const cb_rule_lead *l)
{
    return l->status == CB_STATUS_OPEN;
}

void cb_rules_decide(cb_rule_lead *l, int decision, int32_t day)
{
    const char *sym = cb_decision_symbol(decision);
    char what[48];

    if (!cb_rules_takes_decision(l) || sym == NULL)
        return;
    snprintf(what, sizeof(what), "decision:%s", sym);
    src_dated(&l->source, what, day);
    switch (decision) {
    case CB_DECISION_CONTACTED:
        l->status = CB_STATUS_CONTACTED;
        break;
    case CB_DECISION_REFUSED:
        l->status = CB_STATUS_REFUSED;
        break;
    case CB_DECISION_ENROLLED:
    case CB_DECISION_INVALID:
        l->status = CB_STATUS_CLOSED;
        l->closed = decision == CB_DECISION_ENROLLED ? CB_CLOSED_ENROLLED
                                                     : CB_CLOSED_INVALID;
        l->closed_at = day;
        break;
    default:
        break;
    }
}

int cb_rules_end_reason(int64_t township, const cb_rule_lead *next)
{
    return next != NULL && next->township != township ? CB_CLOSED_MOVED_OUT
                                                      : CB_CLOSED_INVALID;
}

void cb_rules_lead_id(const cb_idkey *ids, const cb_rule_lead *l,
                      const char *subject, size_t subject_len,
                      char out[CB_ID_DIGITS + 1])
{
    char since[11], township[24];

    cb_date_format(l->since, since);
    snprintf(township, sizeof(township), "%" PRId64, l->township);
    cb_idkey_lead(ids, cb_symbol(CB_KIND_LEAD, "subject_kind", l->kind),
                  subject, subject_len, township, since, out);
}

void cb_rules_alert_id(const cb_idkey *ids, int kind, const char *subject,
                       size_t subject_len, const char *period,
                       char out[CB_ID_DIGITS + 1])
{
    cb_idkey_alert(ids, cb_symbol(CB_KIND_ALERT, "kind", kind), subject,
                   subject_len, period, out);
}

void cb_rules_review_id(const cb_idkey *ids, int kind, const char *subject,
                        size_t subject_len, const cb_str *other,
                        char out[CB_ID_DIGITS + 1])
{
    cb_idkey_review(ids, cb_review_kind_symbol(kind), subject, subject_len,
                    other->s, other->len, out);
}

void cb_rules_forget_old_facts(cb_person *p, int32_t today)
{
    cb_person_drop_facts(p, cb_month_of_date(today) - CB_FACT_WINDOW_MONTHS);
}
