/* cb_truth_rules.c -- docs/RULES.md sections 4-8 for the ground truth: a
 * pure evaluation of the subject states (cb_truth_int.h) on day T, in the
 * document's order -- a person's lead reason on a day, the lead of each
 * subject on T, the alerts, progress -- and the result they make, with the
 * review items of section 9 (cb_truth_review.c).  A person's death is that
 * of the applied notices only (9.3).  Team decisions (section 7) are not
 * the truth's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_err.h"
#include "cb_truth_int.h"

/* ---------------------------------------------------------- evaluation */

/* An individual business and its representative, for owner(D). */
typedef struct own_ent {
    uint64_t rep;
    uint32_t emp;
} own_ent;

/* A person as the rules see it. */
typedef struct pview {
    const cb_truth *t;
    const person *p;
    int32_t birth;
    const own_ent *own; /* the person's individual businesses */
    size_t nown;
    const char *reg; /* the register name's normal form, NULL when none */
    int32_t death;   /* of the applied notices; CB_DATE_NONE when none */
    uint32_t death_tw; /* the township of the applied notice with the
                          smallest event id */
} pview;

static int32_t birth_of(uint64_t key)
{
    uint64_t ymd = key / 1000 % 100000000;

    return cb_date_from_ymd((int)(ymd / 10000), (int)(ymd / 100 % 100),
                            (int)(ymd % 100));
}

static int moved_out(const person *p)
{
    return p->leave_st != NONE_STAMP &&
           (p->stay_st == NONE_STAMP || p->leave_st >= p->stay_st);
}

static int resident(const pview *v, int32_t d)
{
    const person *p = v->p;

    if (p->stay_st == NONE_STAMP || p->stay_since > d)
        return 0;
    return !moved_out(p) || p->leave_out > d;
}

static int alive(const pview *v, int32_t d)
{
    return v->death == CB_DATE_NONE || v->death > d;
}

static int enrolled(const pview *v, int scheme, int32_t d)
{
    for (uint32_t i = v->p->schemes; i != 0;
         i = AT(v->t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(v->t->schemes, scheme_ent, i);
        if (s->scheme == scheme)
            return s->on && s->since <= d;
    }
    return 0;
}

static int basic(const pview *v, int32_t d)
{
    return enrolled(v, CB_SCHEME_EMPLOYEE_PENSION, d) ||
           enrolled(v, CB_SCHEME_RESIDENT_PENSION, d);
}

/* A basic-pension benefit for the month of d or one of the two before. */
static int draws(const pview *v, int32_t d)
{
    int32_t m = cb_month_of_date(d);

    for (uint32_t i = v->p->facts; i != 0;
         i = AT(v->t->facts, fact_ent, i)->next) {
        const fact_ent *f = AT(v->t->facts, fact_ent, i);
        if (IS_BENEFIT(f) && is_basic(SCHEME(f)) && f->month > m - CB_PENSION_WINDOW_MONTHS &&
            f->month <= m)
            return 1;
    }
    return 0;
}

static int on_roster(const pview *v, int32_t d)
{
    for (uint32_t i = v->p->roster; i != 0;
         i = AT(v->t->rosters, roster_ent, i)->next) {
        const roster_ent *r = AT(v->t->rosters, roster_ent, i);
        if (r->from <= d && r->to >= d)
            return 1;
    }
    return 0;
}

static int owner(const pview *v, int32_t d)
{
    for (size_t i = 0; i < v->nown; i++) {
        const employer *b = AT(v->t->employers, employer, v->own[i].emp);
        if (b->est != CB_DATE_NONE && b->est <= d &&
            (b->dereg == CB_DATE_NONE || b->dereg > d))
            return 1;
    }
    return 0;
}

/* The person's lead reason on day d (RULES.md section 4), or -1. */
static int person_reason(const pview *v, int32_t d, int *priority)
{
    int age, b;

    if (!resident(v, d) || !alive(v, d))
        return -1;
    age = cb_age_on(v->birth, d);
    if (age < CB_AGE_LEADS)
        return -1;
    *priority = CB_PRIORITY_NORMAL;
    b = basic(v, d);
    if (on_roster(v, d) && !b) {
        *priority = CB_PRIORITY_HIGH;
        return CB_REASON_ASSISTED_NOT_ENROLLED;
    }
    if (age >= CB_AGE_ELDERLY && !draws(v, d) && !b)
        return CB_REASON_ELDERLY_NO_PENSION;
    if (age < CB_AGE_ELDERLY && owner(v, d) && !b)
        return CB_REASON_BUSINESS_OWNER_UNINSURED;
    if (age < CB_AGE_ELDERLY && v->p->student != 1 && !b) {
        if (age >= CB_AGE_PRIORITY)
            *priority = CB_PRIORITY_HIGH;
        return CB_REASON_WORKING_AGE_UNINSURED;
    }
    return -1;
}

/* Growable arrays of the result. */
typedef struct rows {
    cb_truth_result *r;
    size_t lead_cap, alert_cap;
} rows;

static cb_truth_lead *new_lead(rows *w)
{
    cb_truth_result *r = w->r;

    if (r->nleads == w->lead_cap) {
        size_t cap = w->lead_cap ? w->lead_cap * 2 : 256;
        cb_truth_lead *l = realloc(r->leads, cap * sizeof(*l));
        if (l == NULL)
            return NULL;
        r->leads = l;
        w->lead_cap = cap;
    }
    memset(&r->leads[r->nleads], 0, sizeof(r->leads[0]));
    return &r->leads[r->nleads++];
}

static void set_lead_id(const cb_truth *t, cb_truth_lead *l, const char *kind,
                        const char *subject, const char *township,
                        int32_t since)
{
    char date[11];

    cb_date_format(since, date);
    l->lead_id[0] = 'L';
    cb_idkey_lead(t->ids, kind, subject, strlen(subject), township, date,
                  l->lead_id + 1);
}

/* ------------------------------------------------------ a lead's source */

/* RULES.md 5, source_event_id: among the facts that could have decided a
 * status, the one of the latest date (the earliest, for a closing by the
 * first of several rows); on one date a row before the clock, and of two
 * rows the smaller event id.  A candidate is a date and an event id, or
 * NULL for the clock. */
typedef struct cause {
    int32_t date; /* CB_DATE_NONE: none yet */
    const char *eid;
} cause;

/* Does (date, eid) come before c on the same date? */
static int cause_wins_tie(const cause *c, const char *eid)
{
    if (eid == NULL)
        return 0;
    return c->eid == NULL || strcmp(eid, c->eid) < 0;
}

static void cause_latest(cause *c, int32_t date, const char *eid)
{
    if (c->date == CB_DATE_NONE || date > c->date ||
        (date == c->date && cause_wins_tie(c, eid))) {
        c->date = date;
        c->eid = eid;
    }
}

static void cause_earliest(cause *c, int32_t date, const char *eid)
{
    if (c->date == CB_DATE_NONE || date < c->date ||
        (date == c->date && cause_wins_tie(c, eid))) {
        c->date = date;
        c->eid = eid;
    }
}

/* The source text of a cause into out (CB_EVENT_ID_SIZE bytes). */
static void cause_text(const cause *c, char *out)
{
    char date[11];

    if (c->eid != NULL) {
        snprintf(out, CB_EVENT_ID_SIZE, "%s", c->eid);
        return;
    }
    cb_date_format(c->date, date);
    snprintf(out, CB_EVENT_ID_SIZE, "timer:%s", date);
}

/* The source of a person's lead: closed, the row that closed it (the
 * applied notice of the death date, the leaving row, the enrollment of the
 * closing date); open, what opened_at dates (the stay row, the 16th
 * birthday, the latest stop of a basic pension). */
static void person_source(const pview *v, int closed, int32_t closed_at,
                          int32_t T, char *out)
{
    const cb_truth *t = v->t;
    const person *p = v->p;
    cause c = {CB_DATE_NONE, NULL};

    if (closed == CB_CLOSED_DECEASED) {
        for (uint32_t i = p->deaths; i != 0;
             i = AT(t->deaths, named_ent, i)->next) {
            const named_ent *d = AT(t->deaths, named_ent, i);
            if (d->date == closed_at && cb_truth_notice_applied(t, d, v->reg))
                cause_earliest(&c, d->date, str_at(t, d->eid));
        }
    } else if (closed == CB_CLOSED_MOVED_OUT) {
        cause_latest(&c, p->leave_out, str_at(t, p->leave_eid));
    } else if (closed == CB_CLOSED_ENROLLED) {
        for (uint32_t i = p->schemes; i != 0;
             i = AT(t->schemes, scheme_ent, i)->next) {
            const scheme_ent *s = AT(t->schemes, scheme_ent, i);
            if (is_basic(s->scheme) && s->on && s->since == closed_at)
                cause_earliest(&c, s->since, str_at(t, s->eid));
        }
    } else {
        cause_latest(&c, cb_birthday(v->birth, CB_AGE_LEADS), NULL);
        cause_latest(&c, p->stay_since, str_at(t, p->stay_eid));
        for (uint32_t i = p->schemes; i != 0;
             i = AT(t->schemes, scheme_ent, i)->next) {
            const scheme_ent *s = AT(t->schemes, scheme_ent, i);
            if (is_basic(s->scheme) && !s->on && s->since <= T)
                cause_latest(&c, s->since, str_at(t, s->eid));
        }
    }
    cause_text(&c, out);
}

/* The source of an employer's lead: the deregistration or the
 * registration that closed it; open, the later of its business row and
 * the day the lead opens. */
static void employer_source(const cb_truth *t, const employer *b, int closed,
                            char *out)
{
    cause c = {CB_DATE_NONE, NULL};

    if (closed == CB_CLOSED_DEREGISTERED) {
        cause_latest(&c, b->dereg, str_at(t, b->dereg_eid));
    } else if (closed == CB_CLOSED_ENROLLED) {
        cause_latest(&c, b->reg, str_at(t, b->reg_eid));
    } else {
        cause_latest(&c, b->est + CB_EMPLOYER_LEAD_OPENS, NULL);
        cause_latest(&c, b->biz_date, str_at(t, b->biz_eid));
    }
    cause_text(&c, out);
}

/* The lead of a person on T (RULES.md section 5), appended to the rows. */
static int person_lead(rows *w, const pview *v, int32_t T)
{
    const cb_truth *t = v->t;
    const person *p = v->p;
    int prio = CB_PRIORITY_NORMAL, reason, closed = -1;
    int32_t closed_at = CB_DATE_NONE, opened, enrolled_on = CB_DATE_NONE;
    cb_truth_lead *l;

    if (p->stay_st == NONE_STAMP)
        return 0;
    reason = person_reason(v, T, &prio);
    if (reason < 0 && v->death != CB_DATE_NONE && v->death <= T &&
        (reason = person_reason(v, v->death - 1, &prio)) >= 0)
        closed = CB_CLOSED_DECEASED, closed_at = v->death;
    if (reason < 0 && closed < 0 && moved_out(p) && p->leave_out <= T &&
        (reason = person_reason(v, p->leave_out - 1, &prio)) >= 0)
        closed = CB_CLOSED_MOVED_OUT, closed_at = p->leave_out;
    if (reason < 0 && closed < 0) {
        for (uint32_t i = p->schemes; i != 0;
             i = AT(t->schemes, scheme_ent, i)->next) {
            const scheme_ent *s = AT(t->schemes, scheme_ent, i);
            if (is_basic(s->scheme) && s->on && s->since <= T &&
                (enrolled_on == CB_DATE_NONE || s->since < enrolled_on))
                enrolled_on = s->since;
        }
        if (enrolled_on != CB_DATE_NONE &&
            (reason = person_reason(v, enrolled_on - 1, &prio)) >= 0)
            closed = CB_CLOSED_ENROLLED, closed_at = enrolled_on;
    }
    if (reason < 0)
        return 0;
    /* Opened: the latest of arriving, turning 16 and the last stop of a
     * basic pension. */
    opened = p->stay_since;
    if (cb_birthday(v->birth, CB_AGE_LEADS) > opened)
        opened = cb_birthday(v->birth, CB_AGE_LEADS);
    for (uint32_t i = p->schemes; i != 0;
         i = AT(t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(t->schemes, scheme_ent, i);
        if (is_basic(s->scheme) && !s->on && s->since <= T && s->since > opened)
            opened = s->since;
    }
    l = new_lead(w);
    if (l == NULL)
        return -1;
    cb_truth_person_id(p->key, l->subject_id);
    snprintf(l->township_code, sizeof(l->township_code), "%s",
             code_str(t, p->stay_tw));
    set_lead_id(t, l, "person", l->subject_id, l->township_code, p->stay_since);
    l->subject_kind = CB_SUBJECT_PERSON;
    l->reason = reason;
    l->priority = prio;
    l->status = closed < 0 ? CB_STATUS_OPEN : CB_STATUS_CLOSED;
    l->closed_reason = closed;
    l->opened_at = opened;
    l->closed_at = closed_at;
    l->name = str_at(t, p->name);
    person_source(v, closed, closed_at, T, l->source_event_id);
    return 0;
}

/* Is an employer's lead reason true on day d (rule 5)? */
static int employer_reason(const employer *b, int32_t d)
{
    if (b->kind != CB_BIZ_ENTERPRISE && b->kind != CB_BIZ_COOPERATIVE &&
        b->kind != CB_BIZ_BRANCH)
        return 0;
    if (b->est == CB_DATE_NONE)
        return 0;
    if (b->reg != CB_DATE_NONE && b->reg <= b->est + CB_EMPLOYER_GRACE_DAYS)
        return 0; /* registered in time: never a lead */
    if (d <= b->est + CB_EMPLOYER_GRACE_DAYS)
        return 0;
    if (b->dereg != CB_DATE_NONE && b->dereg <= d)
        return 0;
    return b->reg == CB_DATE_NONE || b->reg > d;
}

static int employer_lead(rows *w, const cb_truth *t, const employer *b,
                         int32_t T)
{
    int closed = -1;
    int32_t closed_at = CB_DATE_NONE;
    cb_truth_lead *l;

    if (!employer_reason(b, T)) {
        if (b->dereg != CB_DATE_NONE && b->dereg <= T &&
            employer_reason(b, b->dereg - 1))
            closed = CB_CLOSED_DEREGISTERED, closed_at = b->dereg;
        else if (b->reg != CB_DATE_NONE && b->reg <= T &&
                 employer_reason(b, b->reg - 1))
            closed = CB_CLOSED_ENROLLED, closed_at = b->reg;
        else
            return 0;
    }
    l = new_lead(w);
    if (l == NULL)
        return -1;
    snprintf(l->subject_id, sizeof(l->subject_id), "%s", b->uscc);
    snprintf(l->township_code, sizeof(l->township_code), "%s",
             code_str(t, b->tw));
    set_lead_id(t, l, "employer", b->uscc, l->township_code, b->est);
    l->subject_kind = CB_SUBJECT_EMPLOYER;
    l->reason = CB_REASON_EMPLOYER_UNREGISTERED;
    l->priority = CB_PRIORITY_NORMAL;
    l->status = closed < 0 ? CB_STATUS_OPEN : CB_STATUS_CLOSED;
    l->closed_reason = closed;
    l->opened_at = b->est + CB_EMPLOYER_LEAD_OPENS;
    l->closed_at = closed_at;
    l->name = str_at(t, b->name);
    employer_source(t, b, closed, l->source_event_id);
    return 0;
}

/* ------------------------------------------------------------- alerts */

/* Scratch space for one person's alerts. */
typedef struct scratch {
    const fact_ent **facts; /* the person's facts */
    size_t nfacts, facts_cap;
    const fact_ent **sel; /* the facts of one alert */
    size_t nsel;
    const char **eids; /* the evidence of one alert */
    size_t neids, eids_cap;
} scratch;

/* Room for n facts and n + ndeaths event ids. */
static int scratch_reserve(scratch *sc, size_t n, size_t ndeaths)
{
    if (n > sc->facts_cap) {
        size_t cap = sc->facts_cap ? sc->facts_cap : 64;
        while (cap < n)
            cap *= 2;
        const fact_ent **f = realloc(sc->facts, cap * sizeof(*f));
        if (f == NULL)
            return -1;
        sc->facts = f;
        const fact_ent **s = realloc(sc->sel, cap * sizeof(*s));
        if (s == NULL)
            return -1;
        sc->sel = s;
        sc->facts_cap = cap;
    }
    if (n + ndeaths > sc->eids_cap) {
        size_t cap = sc->eids_cap ? sc->eids_cap : 128;
        while (cap < n + ndeaths)
            cap *= 2;
        const char **e = realloc(sc->eids, cap * sizeof(*e));
        if (e == NULL)
            return -1;
        sc->eids = e;
        sc->eids_cap = cap;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cb_truth_alert *new_alert(rows *w)
{
    cb_truth_result *r = w->r;

    if (r->nalerts == w->alert_cap) {
        size_t cap = w->alert_cap ? w->alert_cap * 2 : 256;
        cb_truth_alert *a = realloc(r->alerts, cap * sizeof(*a));
        if (a == NULL)
            return NULL;
        r->alerts = a;
        w->alert_cap = cap;
    }
    memset(&r->alerts[r->nalerts], 0, sizeof(r->alerts[0]));
    return &r->alerts[r->nalerts++];
}

/* Adds the applied death notices' event ids to the evidence. */
static void add_death_eids(const pview *v, scratch *sc)
{
    for (uint32_t i = v->p->deaths; i != 0;
         i = AT(v->t->deaths, named_ent, i)->next) {
        const named_ent *d = AT(v->t->deaths, named_ent, i);
        if (cb_truth_notice_applied(v->t, d, v->reg))
            sc->eids[sc->neids++] = str_at(v->t, d->eid);
    }
}

/* Appends an alert with the evidence in sc->eids and the facts in
 * sc->sel (for its township when the person has no residence). */
static int add_alert(rows *w, const pview *v, scratch *sc, int kind,
                     const char *period, int64_t amount)
{
    const cb_truth *t = v->t;
    cb_truth_alert *a = new_alert(w);
    size_t len = 0;
    const char *tw;

    if (a == NULL)
        return -1;
    a->kind = kind;
    cb_truth_person_id(v->p->key, a->subject_id);
    snprintf(a->period, sizeof(a->period), "%s", period);
    a->amount_at_risk_fen = amount;
    a->alert_id[0] = 'A';
    cb_idkey_alert(t->ids, cb_symbol(CB_KIND_ALERT, "kind", kind),
                   a->subject_id, strlen(a->subject_id), period,
                   a->alert_id + 1);
    /* Township: the stay's, the leaving row's, the fact with the latest
     * period (the smaller event id on a tie), or the first applied death
     * notice's (by event id). */
    if (v->p->stay_st != NONE_STAMP) {
        tw = code_str(t, v->p->stay_tw);
    } else if (v->p->leave_st != NONE_STAMP) {
        tw = code_str(t, v->p->leave_tw);
    } else {
        const fact_ent *best = NULL;
        for (size_t i = 0; i < sc->nsel; i++) {
            const fact_ent *f = sc->sel[i];
            if (best == NULL || f->month > best->month ||
                (f->month == best->month &&
                 strcmp(str_at(t, f->eid), str_at(t, best->eid)) < 0))
                best = f;
        }
        if (best != NULL)
            tw = code_str(t, best->township);
        else if (v->death != CB_DATE_NONE)
            tw = code_str(t, v->death_tw);
        else
            tw = "";
    }
    snprintf(a->township_code, sizeof(a->township_code), "%s", tw);
    if (sc->neids > 1)
        qsort(sc->eids, sc->neids, sizeof(sc->eids[0]), cmp_str);
    for (size_t i = 0; i < sc->neids; i++)
        len += strlen(sc->eids[i]) + 1;
    a->evidence = malloc(len + 1);
    if (a->evidence == NULL)
        return -1;
    a->evidence[0] = '\0';
    len = 0;
    for (size_t i = 0; i < sc->neids; i++) {
        size_t k = strlen(sc->eids[i]);
        if (i > 0)
            a->evidence[len++] = ' ';
        memcpy(a->evidence + len, sc->eids[i], k);
        len += k;
    }
    a->evidence[len] = '\0';
    return 0;
}

/* Orders facts by kind (contribution, benefit), then period. */
static int cmp_fact(const void *a, const void *b)
{
    const fact_ent *x = *(const fact_ent *const *)a;
    const fact_ent *y = *(const fact_ent *const *)b;

    if (IS_BENEFIT(x) != IS_BENEFIT(y))
        return IS_BENEFIT(x) ? 1 : -1;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    return 0;
}

/* paid_after_death and active_after_death (RULES.md section 6). */
static int death_alerts(rows *w, const pview *v, scratch *sc)
{
    const person *p = v->p;
    int32_t dm = cb_month_of_date(v->death);
    int64_t amount = 0;
    int active = 0;

    sc->nsel = sc->neids = 0;
    for (size_t i = 0; i < sc->nfacts; i++) {
        const fact_ent *f = sc->facts[i];
        if (IS_BENEFIT(f) && f->month > dm) {
            amount += f->amount;
            sc->sel[sc->nsel++] = f;
            sc->eids[sc->neids++] = str_at(v->t, f->eid);
        }
    }
    if (sc->nsel > 0) {
        add_death_eids(v, sc);
        if (add_alert(w, v, sc, CB_ALERT_PAID_AFTER_DEATH, "", amount) != 0)
            return -1;
    }
    for (uint32_t i = p->schemes; i != 0;
         i = AT(v->t->schemes, scheme_ent, i)->next) {
        const scheme_ent *s = AT(v->t->schemes, scheme_ent, i);
        if (s->on || s->since > v->death)
            active = 1;
    }
    if (!active)
        return 0;
    sc->nsel = sc->neids = 0;
    add_death_eids(v, sc);
    return add_alert(w, v, sc, CB_ALERT_ACTIVE_AFTER_DEATH, "", 0);
}

/* dual_pension_enrollment and dual_pension_benefit: per month, basic
 * pension facts under two or more (scheme, region) pairs.  sc->facts is
 * sorted by kind and period. */
static int dual_alerts(rows *w, const pview *v, scratch *sc)
{
    size_t i = 0;

    while (i < sc->nfacts) {
        const fact_ent *first = sc->facts[i];
        size_t j = i, npairs = 0;
        int64_t total = 0, largest = 0;

        sc->nsel = sc->neids = 0;
        for (;
             j < sc->nfacts && IS_BENEFIT(sc->facts[j]) == IS_BENEFIT(first) &&
             sc->facts[j]->month == first->month;
             j++) {
            const fact_ent *f = sc->facts[j];
            if (!is_basic(SCHEME(f)))
                continue;
            sc->sel[sc->nsel++] = f;
            sc->eids[sc->neids++] = str_at(v->t, f->eid);
            total += f->amount;
        }
        /* The total of each pair, counted at its first fact. */
        for (size_t a = 0; a < sc->nsel; a++) {
            int seen = 0;
            int64_t pair = 0;
            for (size_t b = 0; b < a && !seen; b++)
                seen = SCHEME(sc->sel[b]) == SCHEME(sc->sel[a]) &&
                       sc->sel[b]->region == sc->sel[a]->region;
            if (seen)
                continue;
            npairs++;
            for (size_t b = a; b < sc->nsel; b++)
                if (SCHEME(sc->sel[b]) == SCHEME(sc->sel[a]) &&
                    sc->sel[b]->region == sc->sel[a]->region)
                    pair += sc->sel[b]->amount;
            if (pair > largest)
                largest = pair;
        }
        if (npairs >= 2) {
            char period[8];
            cb_month_format(first->month, period);
            if (add_alert(w, v, sc,
                          IS_BENEFIT(first) ? CB_ALERT_DUAL_PENSION_BENEFIT
                                            : CB_ALERT_DUAL_PENSION_ENROLLMENT,
                          period, total - largest) != 0)
                return -1;
        }
        i = j;
    }
    return 0;
}

/* Is fact a due before fact b among government-paid contributions: the
 * higher tier, then the larger amount, then the smaller event id? */
static int due_before(const cb_truth *t, const fact_ent *a, const fact_ent *b)
{
    if (a->tier != b->tier)
        return a->tier > b->tier;
    if (a->amount != b->amount)
        return a->amount > b->amount;
    return strcmp(str_at(t, a->eid), str_at(t, b->eid)) < 0;
}

/* duplicate_subsidy: two or more government-paid contributions in a
 * year. */
static int subsidy_alerts(rows *w, const pview *v, scratch *sc)
{
    size_t i = 0;

    while (i < sc->nfacts) {
        const fact_ent *first = sc->facts[i];
        int year = (int)((first->month - (first->month < 0 ? 11 : 0)) / 12);
        size_t j = i;
        const fact_ent *due = NULL;
        int64_t total = 0;

        if (IS_BENEFIT(first))
            break; /* contributions come first */
        sc->nsel = sc->neids = 0;
        for (; j < sc->nfacts && !IS_BENEFIT(sc->facts[j]); j++) {
            const fact_ent *f = sc->facts[j];
            int y = (int)((f->month - (f->month < 0 ? 11 : 0)) / 12);
            if (y != year)
                break;
            if (f->paid_by != CB_PAID_GOVERNMENT)
                continue;
            sc->sel[sc->nsel++] = f;
            sc->eids[sc->neids++] = str_at(v->t, f->eid);
            total += f->amount;
            if (due == NULL || due_before(v->t, f, due))
                due = f;
        }
        if (sc->nsel >= 2) {
            char period[16];
            snprintf(period, sizeof(period), "%04d", 1970 + year);
            if (add_alert(w, v, sc, CB_ALERT_DUPLICATE_SUBSIDY, period,
                          total - due->amount) != 0)
                return -1;
        }
        i = j;
    }
    return 0;
}

static int person_alerts(rows *w, const pview *v, scratch *sc)
{
    size_t n = 0, ndeaths = 0;

    for (uint32_t i = v->p->facts; i != 0;
         i = AT(v->t->facts, fact_ent, i)->next)
        n++;
    for (uint32_t i = v->p->deaths; i != 0;
         i = AT(v->t->deaths, named_ent, i)->next)
        ndeaths++;
    if (n == 0 && v->death == CB_DATE_NONE)
        return 0;
    if (scratch_reserve(sc, n, ndeaths) != 0)
        return -1;
    sc->nfacts = 0;
    for (uint32_t i = v->p->facts; i != 0;
         i = AT(v->t->facts, fact_ent, i)->next)
        sc->facts[sc->nfacts++] = AT(v->t->facts, fact_ent, i);
    if (sc->nfacts > 1)
        qsort(sc->facts, sc->nfacts, sizeof(sc->facts[0]), cmp_fact);
    if (v->death != CB_DATE_NONE && death_alerts(w, v, sc) != 0)
        return -1;
    if (dual_alerts(w, v, sc) != 0)
        return -1;
    return subsidy_alerts(w, v, sc);
}

/* ----------------------------------------------------------- progress */

typedef struct tally_ent {
    const char *township;
    int year;
} tally_ent;

static int cmp_tally(const void *a, const void *b)
{
    const tally_ent *x = a, *y = b;
    int c = strcmp(x->township, y->township);

    if (c != 0)
        return c;
    return (x->year > y->year) - (x->year < y->year);
}

/* Progress (RULES.md section 8): per township and year, the persons the
 * feed enrolled in a basic pension, on or before T, whom the snapshot had
 * in none. */
static int progress(const cb_truth *t, cb_truth_result *r)
{
    tally_ent *all = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;

    for (size_t e = 1; e < t->persons.n; e++) {
        const person *p = AT(t->persons, person, e);
        if (p->snap_basic)
            continue;
        for (uint32_t i = p->marks; i != 0;
             i = AT(t->marks, mark_ent, i)->next) {
            const mark_ent *k = AT(t->marks, mark_ent, i);
            int y, m, d;
            if (k->date > t->as_of)
                continue;
            if (n == cap) {
                size_t c = cap ? cap * 2 : 256;
                tally_ent *a = realloc(all, c * sizeof(*a));
                if (a == NULL)
                    goto out;
                all = a;
                cap = c;
            }
            cb_date_to_ymd(k->date, &y, &m, &d);
            all[n].township = code_str(t, k->township);
            all[n++].year = y;
        }
    }
    if (n > 0)
        qsort(all, n, sizeof(*all), cmp_tally);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && cmp_tally(&all[i], &all[j]) == 0)
            j++;
        cb_truth_progress *g =
            realloc(r->progress, (r->nprogress + 1) * sizeof(*g));
        if (g == NULL)
            goto out;
        r->progress = g;
        g = &r->progress[r->nprogress++];
        snprintf(g->township_code, sizeof(g->township_code), "%s",
                 all[i].township);
        g->year = all[i].year;
        g->enrolled = (int64_t)(j - i);
        i = j;
    }
    rc = 0;
out:
    free(all);
    return rc;
}

/* ------------------------------------------------------------- result */

static int cmp_own(const void *a, const void *b)
{
    const own_ent *x = a, *y = b;

    if (x->rep != y->rep)
        return x->rep < y->rep ? -1 : 1;
    return (x->emp > y->emp) - (x->emp < y->emp);
}

static int cmp_lead(const void *a, const void *b)
{
    return strcmp(((const cb_truth_lead *)a)->lead_id,
                  ((const cb_truth_lead *)b)->lead_id);
}

static int cmp_alert(const void *a, const void *b)
{
    return strcmp(((const cb_truth_alert *)a)->alert_id,
                  ((const cb_truth_alert *)b)->alert_id);
}

static int cmp_review(const void *a, const void *b)
{
    return strcmp(((const cb_truth_review *)a)->review_id,
                  ((const cb_truth_review *)b)->review_id);
}

cb_truth_result *cb_truth_eval(cb_truth *t, char *errstr, size_t errstr_size)
{
    cb_truth_result *r = calloc(1, sizeof(*r));
    rows w = {r, 0, 0};
    review_rows rv = {NULL, 0, 0};
    scratch sc;
    own_ent *own = NULL;
    size_t nown = 0;
    char reg[NORM_SIZE];

    memset(&sc, 0, sizeof(sc));
    if (r == NULL)
        goto nomem;
    /* Individual businesses by representative, for owner(D). */
    own = malloc(t->employers.n * sizeof(*own));
    if (own == NULL)
        goto nomem;
    for (size_t e = 1; e < t->employers.n; e++) {
        const employer *b = AT(t->employers, employer, e);
        if (b->kind == CB_BIZ_INDIVIDUAL && b->rep != 0) {
            own[nown].rep = b->rep;
            own[nown++].emp = (uint32_t)e;
        }
        if (employer_lead(&w, t, b, t->as_of) != 0)
            goto nomem;
    }
    if (nown > 1)
        qsort(own, nown, sizeof(*own), cmp_own);
    for (size_t e = 1; e < t->persons.n; e++) {
        const person *p = AT(t->persons, person, e);
        pview v = {t, p, birth_of(p->key), NULL, 0, NULL, CB_DATE_NONE, 0};
        size_t lo = 0, hi = nown, end;
        /* The businesses this person represents. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (own[mid].rep < p->key)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (end = lo; end < nown && own[end].rep == p->key; end++)
            ;
        v.own = own + lo;
        v.nown = end - lo;
        /* The register name, and the death of the notices it agrees with
         * (RULES.md 9.3). */
        v.reg = cb_truth_register_norm(t, p, reg);
        v.death = cb_truth_applied_death(t, p, v.reg, &v.death_tw);
        if (person_lead(&w, &v, t->as_of) != 0 ||
            person_alerts(&w, &v, &sc) != 0 ||
            cb_truth_person_reviews(t, p, v.reg, &rv) != 0)
            goto nomem;
    }
    if (cb_truth_ident_reviews(t, &rv) != 0)
        goto nomem;
    r->reviews = rv.v;
    r->nreviews = rv.n;
    rv.v = NULL;
    rv.n = 0;
    if (progress(t, r) != 0)
        goto nomem;
    if (r->nleads > 0)
        qsort(r->leads, r->nleads, sizeof(r->leads[0]), cmp_lead);
    if (r->nalerts > 0)
        qsort(r->alerts, r->nalerts, sizeof(r->alerts[0]), cmp_alert);
    if (r->nreviews > 0)
        qsort(r->reviews, r->nreviews, sizeof(r->reviews[0]), cmp_review);
    free(own);
    free(sc.facts);
    free(sc.sel);
    free(sc.eids);
    return r;
nomem:
    cb_err_set(errstr, errstr_size, "out of memory evaluating the rules");
    for (size_t i = 0; i < rv.n; i++) {
        free(rv.v[i].names);
        free(rv.v[i].evidence);
    }
    free(rv.v);
    free(own);
    free(sc.facts);
    free(sc.sel);
    free(sc.eids);
    cb_truth_result_free(r);
    return NULL;
}
