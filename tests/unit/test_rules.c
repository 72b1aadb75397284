/* test_rules.c -- consumers/cb_rules.c against the text of docs/RULES.md:
 * each row of each table is a sentence of the rules (quoted in `rule`)
 * made into a state on a day T and what the rules must say of it -- the
 * person reasons by age and status and their priorities (section 4), the
 * employer's 30 days (4, rule 5), the closing reasons (5), the timers'
 * next day (1), the alert kinds (6), what a team's decision does (7),
 * which death notices apply and the review items names make (9.3), and
 * the matcher's pieces around them: how a lead that goes is last heard of,
 * the text of ids, the facts' window, a lead's source_event_id (5).
 * Links only the rules'
 * library. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_idkey.h"
#include "cb_policy.h"
#include "cb_rules.h"
#include "cb_time.h"

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))
#define TW  320923008LL
#define TW2 320923100LL
#define PERSON "320923198001011233"
#define USCC   "91320923MA1XXXXXXB"
#define KEY "000102030405060708090a0b0c0d0e0f" \
            "101112131415161718191a1b1c1d1e1f"

/* T, the evaluation day of every row: 2024-06-15. */
static int32_t T;

static int setup(void **state)
{
    (void)state;
    T = cb_date_from_ymd(2024, 6, 15);
    return 0;
}

static cb_str S(const char *text)
{
    cb_str s;

    memset(&s, 0, sizeof(s));
    s.len = (uint8_t)strlen(text);
    memcpy(s.s, text, s.len);
    return s;
}

/* ----------------------------------------------------------- persons */

/* What a row's person has on T (all dates relative to T). */
enum {
    P_RESIDENT = 1 << 0,   /* a stay since T - 100 */
    P_ROSTER = 1 << 1,     /* on a roster since T - 50, open-ended */
    P_EMPLOYEE = 1 << 2,   /* enrolled in employee_pension since T - 200,
                              before arriving */
    P_RESIDENT_PEN = 1 << 3, /* the same in resident_pension */
    P_OWNER = 1 << 4,      /* represents an individual business */
    P_STUDENT = 1 << 5,
    P_DRAWS = 1 << 6,      /* a basic-pension benefit for last month */
    P_DIED = 1 << 7,       /* died on T - 1 */
    P_MOVED_OUT = 1 << 8,  /* moved out on T - 1 */
    P_ENROLLED_T1 = 1 << 9, /* enrolled in resident_pension on T - 1 */
    P_OTHER_MEDICAL = 1 << 10, /* enrolled in resident_medical only */
    P_EMPLOYEE_T1 = 1 << 11, /* enrolled in employee_pension on T - 1 */
};

static void *alloc_one(size_t size)
{
    void *p = calloc(1, size);

    assert_non_null(p);
    return p;
}

/* A person of `age` on T (born that many years before T) with `has`. */
static void make_person(cb_person *p, int age, unsigned has)
{
    int y, m, d;

    cb_person_init(p);
    cb_date_to_ymd(T, &y, &m, &d);
    p->birth = cb_date_from_ymd(y - age, m, d);
    if (has & P_RESIDENT) {
        p->has_stay = 1;
        p->stay.tw = TW;
        p->stay.since = T - 100;
        p->stay.st = cb_stamp_of(T - 100, 0);
    }
    if (has & P_ROSTER) {
        p->roster = alloc_one(sizeof(*p->roster));
        p->roster[0] = (cb_roster_state){CB_ID_MINIMUM_LIVING, T - 50,
                                         CB_DATE_OPEN_END, 0};
        p->nroster = 1;
    }
    if (has & (P_EMPLOYEE | P_RESIDENT_PEN | P_ENROLLED_T1 |
               P_OTHER_MEDICAL | P_EMPLOYEE_T1)) {
        int s = (has & (P_EMPLOYEE | P_EMPLOYEE_T1))
                    ? CB_SCHEME_EMPLOYEE_PENSION
                : (has & P_OTHER_MEDICAL) ? CB_SCHEME_RESIDENT_MEDICAL
                                          : CB_SCHEME_RESIDENT_PENSION;
        p->has_scheme[s] = 1;
        p->schemes[s].on = 1;
        p->schemes[s].date =
            (has & (P_ENROLLED_T1 | P_EMPLOYEE_T1)) ? T - 1 : T - 200;
    }
    if (has & P_OWNER) {
        p->own = alloc_one(sizeof(*p->own));
        p->own[0].uscc = S(USCC);
        p->own[0].active = 1;
        p->own[0].est = T - 200;
        p->nown = 1;
    }
    if (has & P_STUDENT) {
        p->has_student = 1;
        p->student.v = 1;
    }
    if (has & P_DRAWS) {
        p->facts = alloc_one(sizeof(*p->facts));
        p->facts[0].k = CB_FACT_BENEFIT;
        p->facts[0].scheme = CB_SCHEME_EMPLOYEE_PENSION;
        p->facts[0].period = cb_month_of_date(T) - 1;
        p->facts[0].amount = 100000;
        p->facts[0].eid = S("b-1");
        p->nfacts = 1;
    }
    if (has & P_DIED) {
        p->notices = alloc_one(sizeof(*p->notices));
        p->notices[0].eid = S("d-1");
        p->notices[0].date = T - 1;
        p->nnotices = 1;
    }
    if (has & P_MOVED_OUT) {
        p->has_leave = 1;
        p->leave.tw = TW;
        p->leave.out = T - 1;
        p->leave.st = cb_stamp_of(T - 1, 0);
    }
}

typedef struct person_row {
    const char *rule;
    int age;
    unsigned has;
    int lead;   /* 0: none */
    int reason, priority, status, closed;
    int closed_at; /* relative to T, when closed */
} person_row;

#define NONE 0, -1, -1, -1, -1, 0
#define OPEN(reason, priority) \
    1, reason, priority, CB_STATUS_OPEN, -1, 0
#define CLOSED(reason, priority, why, at) \
    1, reason, priority, CB_STATUS_CLOSED, why, at

static const person_row person_rows[] = {
    /* section 4, rule 1 */
    {"1. assisted_not_enrolled, high: resident, alive, 16+, roster, not "
     "basic(D)",
     16, P_RESIDENT | P_ROSTER,
     OPEN(CB_REASON_ASSISTED_NOT_ENROLLED, CB_PRIORITY_HIGH)},
    {"Rule 1 also needs age 16: nobody younger can join",
     15, P_RESIDENT | P_ROSTER, NONE},
    {"1. ... not basic(D): insured as an employee, a roster member is no "
     "lead", 40, P_RESIDENT | P_ROSTER | P_EMPLOYEE, NONE},
    {"1. ... not basic(D): nor an elderly one insured as an employee",
     70, P_RESIDENT | P_ROSTER | P_EMPLOYEE, NONE},
    {"1. roster(D) and enrolled(resident_pension): no lead",
     40, P_RESIDENT | P_ROSTER | P_RESIDENT_PEN, NONE},
    {"the first reason that holds: rule 1 before rule 2",
     75, P_RESIDENT | P_ROSTER,
     OPEN(CB_REASON_ASSISTED_NOT_ENROLLED, CB_PRIORITY_HIGH)},
    /* rule 2 */
    {"2. elderly_no_pension, normal: 60+, not draws, not basic",
     60, P_RESIDENT,
     OPEN(CB_REASON_ELDERLY_NO_PENSION, CB_PRIORITY_NORMAL)},
    {"2. ... not draws(D): a pension drawn from elsewhere",
     65, P_RESIDENT | P_DRAWS, NONE},
    {"2. ... not basic(D)", 61, P_RESIDENT | P_RESIDENT_PEN, NONE},
    {"2. an elderly owner is an elderly lead", 62,
     P_RESIDENT | P_OWNER,
     OPEN(CB_REASON_ELDERLY_NO_PENSION, CB_PRIORITY_NORMAL)},
    /* rule 3 */
    {"3. business_owner_uninsured, normal: 16 <= age <= 59, owner",
     59, P_RESIDENT | P_OWNER,
     OPEN(CB_REASON_BUSINESS_OWNER_UNINSURED, CB_PRIORITY_NORMAL)},
    {"3. an owner who is a student is still an owner", 20,
     P_RESIDENT | P_OWNER | P_STUDENT,
     OPEN(CB_REASON_BUSINESS_OWNER_UNINSURED, CB_PRIORITY_NORMAL)},
    {"3. ... not basic(D)", 40, P_RESIDENT | P_OWNER | P_EMPLOYEE, NONE},
    /* rule 4 */
    {"4. working_age_uninsured: 16 <= age <= 59, normal before 45",
     16, P_RESIDENT,
     OPEN(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_NORMAL)},
    {"4. ... normal before 45", 44, P_RESIDENT,
     OPEN(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_NORMAL)},
    {"4. ... priority high from age 45", 45, P_RESIDENT,
     OPEN(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_HIGH)},
    {"4. ... high up to 59", 59, P_RESIDENT,
     OPEN(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_HIGH)},
    {"4. ... not a student", 19, P_RESIDENT | P_STUDENT, NONE},
    {"4. ... not basic(D): employee_pension", 30, P_RESIDENT | P_EMPLOYEE,
     NONE},
    {"basic(D) is a pension scheme: medical insurance is not",
     30, P_RESIDENT | P_OTHER_MEDICAL,
     OPEN(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_NORMAL)},
    {"no reason before 16", 15, P_RESIDENT, NONE},
    {"Every person reason needs residence in the county", 30, 0, NONE},
    /* section 5: closing */
    {"5.1 deceased: a reason held on the day before the death date",
     50, P_RESIDENT | P_DIED,
     CLOSED(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_HIGH,
            CB_CLOSED_DECEASED, -1)},
    {"5.2 moved_out: a reason held on the day before `out`",
     30, P_RESIDENT | P_MOVED_OUT,
     CLOSED(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_NORMAL,
            CB_CLOSED_MOVED_OUT, -1)},
    {"5.4 enrolled: a basic pension since <= T and a reason the day before",
     30, P_RESIDENT | P_ENROLLED_T1,
     CLOSED(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_NORMAL,
            CB_CLOSED_ENROLLED, -1)},
    {"5.4 enrolled: the reason that held, assisted, closes",
     30, P_RESIDENT | P_ROSTER | P_ENROLLED_T1,
     CLOSED(CB_REASON_ASSISTED_NOT_ENROLLED, CB_PRIORITY_HIGH,
            CB_CLOSED_ENROLLED, -1)},
    {"5.4 enrolled: an assisted lead closes on an employee pension too",
     30, P_RESIDENT | P_ROSTER | P_EMPLOYEE_T1,
     CLOSED(CB_REASON_ASSISTED_NOT_ENROLLED, CB_PRIORITY_HIGH,
            CB_CLOSED_ENROLLED, -1)},
    {"5.1 deceased comes before moved_out", 30,
     P_RESIDENT | P_DIED | P_MOVED_OUT,
     CLOSED(CB_REASON_WORKING_AGE_UNINSURED, CB_PRIORITY_NORMAL,
            CB_CLOSED_DECEASED, -1)},
    {"None otherwise: became a student, the lead leaves the store",
     18, P_RESIDENT | P_STUDENT, NONE},
};

static void test_person_leads(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(person_rows); i++) {
        const person_row *r = &person_rows[i];
        cb_person p;
        cb_rule_lead l;
        make_person(&p, r->age, r->has);
        int got = cb_rules_person_lead(&p, T, &l);
        if (got != r->lead)
            fail_msg("row %zu (%s): lead %d, want %d", i, r->rule, got,
                     r->lead);
        if (got && (l.reason != r->reason || l.priority != r->priority ||
                    l.status != r->status || l.closed != r->closed ||
                    (r->closed >= 0 && l.closed_at != T + r->closed_at) ||
                    (r->closed < 0 && l.closed_at != -1) ||
                    l.kind != CB_SUBJECT_PERSON || l.township != TW))
            fail_msg("row %zu (%s): reason %d priority %d status %d closed "
                     "%d at T%+d", i, r->rule, l.reason, l.priority,
                     l.status, l.closed, (int)(l.closed_at - T));
        cb_person_free(&p);
    }
}

/* opened_at: the latest of residence since, the 16th birthday and the
 * latest stop of a basic pension scheme. */
static void test_person_opened(void **state)
{
    cb_person p;
    cb_rule_lead l;

    (void)state;
    make_person(&p, 30, P_RESIDENT);
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.opened, T - 100);
    assert_int_equal(l.since, T - 100);
    p.has_scheme[CB_SCHEME_EMPLOYEE_PENSION] = 1;
    p.schemes[CB_SCHEME_EMPLOYEE_PENSION].on = 0; /* stopped on T - 10 */
    p.schemes[CB_SCHEME_EMPLOYEE_PENSION].date = T - 10;
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.opened, T - 10);
    cb_person_free(&p);

    /* a roster member whose employee pension stopped on T - 20: assisted
     * again, from the stop */
    make_person(&p, 30, P_RESIDENT | P_ROSTER | P_EMPLOYEE);
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 0);
    p.schemes[CB_SCHEME_EMPLOYEE_PENSION].on = 0;
    p.schemes[CB_SCHEME_EMPLOYEE_PENSION].date = T - 20;
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.reason, CB_REASON_ASSISTED_NOT_ENROLLED);
    assert_int_equal(l.status, CB_STATUS_OPEN);
    assert_int_equal(l.opened, T - 20);
    cb_person_free(&p);

    make_person(&p, 16, P_RESIDENT); /* 16 today */
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.opened, T);
    assert_int_equal(l.opened, cb_birthday(p.birth, CB_AGE_LEADS));
    cb_person_free(&p);
}

/* --------------------------------------------------------- employers */

typedef struct employer_row {
    const char *rule;
    int kind;           /* cb_business_kind */
    int est;            /* established_on, relative to T */
    int reg, dereg;     /* relative to T; 99: none */
    int lead, status, closed, closed_at;
} employer_row;

#define NO 99

static const employer_row employer_rows[] = {
    {"5. D > established_on + 30 days: not on the 30th day",
     CB_BIZ_ENTERPRISE, -30, NO, NO, 0, -1, -1, 0},
    {"5. ... open from the 31st day", CB_BIZ_ENTERPRISE, -31, NO, NO, 1,
     CB_STATUS_OPEN, -1, 0},
    {"5. kind is enterprise, cooperative or branch", CB_BIZ_COOPERATIVE,
     -100, NO, NO, 1, CB_STATUS_OPEN, -1, 0},
    {"5. ... branch", CB_BIZ_BRANCH, -100, NO, NO, 1, CB_STATUS_OPEN, -1, 0},
    {"5. ... an individual business is no employer lead",
     CB_BIZ_INDIVIDUAL, -100, NO, NO, 0, -1, -1, 0},
    {"5. registered on or before established_on + 30: no lead at any D",
     CB_BIZ_ENTERPRISE, -100, -70, NO, 0, -1, -1, 0},
    {"5.4 enrolled: registered on or before T, the reason the day before",
     CB_BIZ_ENTERPRISE, -100, -5, NO, 1, CB_STATUS_CLOSED,
     CB_CLOSED_ENROLLED, -5},
    {"5. not registered on or before D: a registration after T",
     CB_BIZ_ENTERPRISE, -100, 5, NO, 1, CB_STATUS_OPEN, -1, 0},
    {"5.3 deregistered: on or before T, the reason the day before",
     CB_BIZ_ENTERPRISE, -100, NO, -3, 1, CB_STATUS_CLOSED,
     CB_CLOSED_DEREGISTERED, -3},
    {"5.3 deregistered comes before enrolled", CB_BIZ_ENTERPRISE, -100, -2,
     -3, 1, CB_STATUS_CLOSED, CB_CLOSED_DEREGISTERED, -3},
    {"5. deregistered within the 30 days: no lead", CB_BIZ_ENTERPRISE, -100,
     NO, -80, 0, -1, -1, 0},
};

static void test_employer_leads(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(employer_rows); i++) {
        const employer_row *r = &employer_rows[i];
        cb_employer e;
        cb_rule_lead l;
        cb_employer_init(&e);
        e.has_biz = 1;
        e.kind = r->kind;
        e.est = T + r->est;
        e.tw = TW;
        e.name = S("Shop");
        if (r->reg != NO) {
            e.has_reg = 1;
            e.reg = T + r->reg;
        }
        if (r->dereg != NO) {
            e.has_dereg = 1;
            e.dereg = T + r->dereg;
        }
        int got = cb_rules_employer_lead(&e, T, &l);
        if (got != r->lead)
            fail_msg("row %zu (%s): lead %d, want %d", i, r->rule, got,
                     r->lead);
        if (got && (l.status != r->status || l.closed != r->closed ||
                    (r->closed >= 0 && l.closed_at != T + r->closed_at) ||
                    l.reason != CB_REASON_EMPLOYER_UNREGISTERED ||
                    l.priority != CB_PRIORITY_NORMAL ||
                    l.kind != CB_SUBJECT_EMPLOYER ||
                    l.opened != e.est + CB_EMPLOYER_GRACE_DAYS + 1 ||
                    l.since != e.est))
            fail_msg("row %zu (%s): status %d closed %d at T%+d opened T%+d",
                     i, r->rule, l.status, l.closed, (int)(l.closed_at - T),
                     (int)(l.opened - T));
    }
}

/* ------------------------------------------------------------ timers */

/* The next day a person's outcome can change with no event. */
static void test_person_next(void **state)
{
    cb_person p;
    int y, m, d;

    (void)state;
    cb_date_to_ymd(T, &y, &m, &d);
    /* a birthday: 16, 45 and 60 */
    static const int ages[] = {CB_AGE_LEADS, CB_AGE_PRIORITY,
                               CB_AGE_ELDERLY};
    for (size_t i = 0; i < N_ROWS(ages); i++) {
        make_person(&p, ages[i] - 1, P_RESIDENT);
        p.birth = cb_date_from_ymd(y - ages[i], m, d) + 10; /* in 10 days */
        assert_int_equal(cb_rules_person_next(&p, T), T + 10);
        cb_person_free(&p);
    }
    /* the day after a roster's end */
    make_person(&p, 30, P_RESIDENT | P_ROSTER);
    p.roster[0].to = T + 5;
    assert_int_equal(cb_rules_person_next(&p, T), T + 6);
    /* an open-ended roster row ends never */
    p.roster[0].to = CB_DATE_OPEN_END;
    int32_t next = cb_rules_person_next(&p, T);
    assert_true(next > T + 6);
    cb_person_free(&p);
    /* the pension window: a benefit for last month stops counting on the
     * first day of the third month after it */
    make_person(&p, 70, P_RESIDENT | P_DRAWS);
    int32_t lm = cb_month_of_date(T) - 1 + CB_PENSION_WINDOW_MONTHS;
    assert_int_equal(cb_rules_person_next(&p, T),
                     cb_date_from_ymd(1970 + lm / 12, lm % 12 + 1, 1));
    assert_int_equal(cb_rules_person_next(&p, T),
                     cb_date_from_ymd(2024, 8, 1));
    cb_person_free(&p);
    /* a business's deregistration */
    make_person(&p, 80, P_RESIDENT | P_OWNER);
    p.own[0].dereg = T + 3;
    assert_int_equal(cb_rules_person_next(&p, T), T + 3);
    cb_person_free(&p);
    /* nothing ahead */
    make_person(&p, 80, P_RESIDENT);
    assert_int_equal(cb_rules_person_next(&p, T), -1);
    cb_person_free(&p);
}

/* An employer's: the day its lead opens, established_on + 31. */
static void test_employer_next(void **state)
{
    cb_employer e;

    (void)state;
    cb_employer_init(&e);
    assert_int_equal(cb_rules_employer_next(&e, T), -1);
    e.has_biz = 1;
    e.est = T - 10;
    assert_int_equal(cb_rules_employer_next(&e, T), T + 21);
    e.est = T - 31;
    assert_int_equal(cb_rules_employer_next(&e, T), -1);
}

/* ------------------------------------------------------------ alerts */

static void add_fact(cb_person *p, int k, int scheme, int64_t region,
                     int32_t period, int64_t amount, int paid, int64_t tier,
                     int64_t township, const char *eid)
{
    cb_fact *v = realloc(p->facts, (p->nfacts + 1) * sizeof(*v));

    assert_non_null(v);
    p->facts = v;
    memset(&v[p->nfacts], 0, sizeof(*v));
    v[p->nfacts] = (cb_fact){k, scheme, paid, region, amount, tier, township,
                             period, S(eid)};
    p->nfacts++;
}

static void evidence(const cb_rule_alert *a, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < a->nevidence; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%.*s", i ? " " : "",
                              a->evidence[i]->len, a->evidence[i]->s);
}

typedef struct alert_row {
    const char *rule;
    int kind;
    const char *period;
    int64_t amount;
    const char *evidence;
} alert_row;

/* A person who died on 2024-01-10, with a pension after it, enrolled
 * still, paid twice for one month, subsidised twice in one year. */
static const alert_row alert_rows[] = {
    {"paid_after_death: benefits for a period after the month of d; every "
     "death notice and those benefits",
     CB_ALERT_PAID_AFTER_DEATH, "", 300, "b-feb b-mar d-1 d-2"},
    {"active_after_death: a scheme whose latest state is enrolled; amount "
     "0, every death notice",
     CB_ALERT_ACTIVE_AFTER_DEATH, "", 0, "d-1 d-2"},
    {"dual_pension_enrollment: two (scheme, region) pairs in a month; the "
     "total less the largest pair's",
     CB_ALERT_DUAL_PENSION_ENROLLMENT, "2023-11", 30, "c-a c-b c-c"},
    {"dual_pension_benefit: the same over benefits",
     CB_ALERT_DUAL_PENSION_BENEFIT, "2023-12", 40, "b-x b-y"},
    {"duplicate_subsidy: the highest tier is due, the others at risk",
     CB_ALERT_DUPLICATE_SUBSIDY, "2023", 50, "c-a s-1"},
};

static void test_person_alerts(void **state)
{
    cb_person p;
    cb_rule_alerts out = {0};
    int32_t nov = cb_month_from_ym(2023, 11), dec = cb_month_from_ym(2023, 12);
    char ev[256];

    (void)state;
    make_person(&p, 70, P_RESIDENT | P_RESIDENT_PEN);
    p.notices = alloc_one(2 * sizeof(*p.notices));
    p.notices[0].eid = S("d-1");
    p.notices[0].date = cb_date_from_ymd(2024, 1, 10);
    p.notices[1].eid = S("d-2");
    p.notices[1].date = cb_date_from_ymd(2024, 2, 10);
    p.nnotices = 2;
    /* benefits after January 2024 (not January itself) */
    add_fact(&p, CB_FACT_BENEFIT, 0, 320900, cb_month_from_ym(2024, 1), 999,
             255, -1, TW, "b-jan");
    add_fact(&p, CB_FACT_BENEFIT, 0, 320900, cb_month_from_ym(2024, 2), 100,
             255, -1, TW, "b-feb");
    add_fact(&p, CB_FACT_BENEFIT, 5, 320900, cb_month_from_ym(2024, 3), 200,
             255, -1, TW, "b-mar");
    /* November: employee pension here (100 + 20) and resident pension
     * elsewhere (30): 150 less the largest pair, 120 */
    add_fact(&p, CB_FACT_CONTRIBUTION, 0, 320900, nov, 100, CB_PAID_GOVERNMENT,
             200, TW, "c-a");
    add_fact(&p, CB_FACT_CONTRIBUTION, 0, 320900, nov, 20, CB_PAID_SELF, -1,
             TW, "c-b");
    add_fact(&p, CB_FACT_CONTRIBUTION, 1, 110100, nov, 30, CB_PAID_SELF, -1,
             TW, "c-c");
    /* December: two benefits from two regions, 40 and 70 */
    add_fact(&p, CB_FACT_BENEFIT, 0, 320900, dec, 40, 255, -1, TW, "b-x");
    add_fact(&p, CB_FACT_BENEFIT, 0, 110100, dec, 70, 255, -1, TW, "b-y");
    /* 2023: government paid twice, tiers 200 (c-a) and 100 */
    add_fact(&p, CB_FACT_CONTRIBUTION, 3, 320900, cb_month_from_ym(2023, 2),
             50, CB_PAID_GOVERNMENT, 100, TW, "s-1");
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.n, N_ROWS(alert_rows));
    for (size_t i = 0; i < N_ROWS(alert_rows); i++) {
        const alert_row *r = &alert_rows[i];
        size_t k = 0;
        while (k < out.n && out.v[k].kind != r->kind)
            k++;
        if (k == out.n)
            fail_msg("row %zu (%s): no alert", i, r->rule);
        const cb_rule_alert *a = &out.v[k];
        evidence(a, ev, sizeof(ev));
        if (strcmp(a->period, r->period) != 0 || a->amount != r->amount ||
            strcmp(ev, r->evidence) != 0 || a->township != TW)
            fail_msg("row %zu (%s): period '%s' amount %lld evidence '%s'",
                     i, r->rule, a->period, (long long)a->amount, ev);
    }
    cb_rule_alerts_free(&out);

    /* active_after_death leaves when the enrollment stopped in time */
    p.schemes[CB_SCHEME_RESIDENT_PENSION].on = 0;
    p.schemes[CB_SCHEME_RESIDENT_PENSION].date = p.notices[0].date;
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    for (size_t k = 0; k < out.n; k++)
        assert_int_not_equal(out.v[k].kind, CB_ALERT_ACTIVE_AFTER_DEATH);
    cb_rule_alerts_free(&out);
    cb_person_free(&p);
}

/* An alert's township: the stay's, else the leaving row's, else the
 * latest fact's, else the death notice's. */
static void test_alert_township(void **state)
{
    cb_person p;
    cb_rule_alerts out = {0};

    (void)state;
    make_person(&p, 70, 0);
    p.notices = alloc_one(sizeof(*p.notices));
    p.notices[0].eid = S("d-1");
    p.notices[0].date = cb_date_from_ymd(2024, 1, 10);
    p.notices[0].tw = TW2 + 1;
    p.nnotices = 1;
    p.has_scheme[0] = 1;
    p.schemes[0].on = 1;
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].township, TW2 + 1); /* the death notice's */
    cb_rule_alerts_free(&out);
    add_fact(&p, CB_FACT_BENEFIT, 0, 1, cb_month_from_ym(2024, 2), 1, 255,
             -1, TW2, "b-1");
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.v[0].township, TW2); /* the fact's */
    cb_rule_alerts_free(&out);
    p.has_leave = 1;
    p.leave.tw = TW;
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.v[0].township, TW); /* the leaving row's */
    cb_rule_alerts_free(&out);
    cb_person_free(&p);
}

/* --------------------------------------------------- team decisions */

typedef struct decision_row {
    const char *rule;
    int status_before;
    int decision;
    int status, closed; /* after */
} decision_row;

static const decision_row decision_rows[] = {
    {"contacted sets the status of an open lead", CB_STATUS_OPEN,
     CB_DECISION_CONTACTED, CB_STATUS_CONTACTED, -1},
    {"refused sets the status of an open lead", CB_STATUS_OPEN,
     CB_DECISION_REFUSED, CB_STATUS_REFUSED, -1},
    {"enrolled closes it with that closed_reason", CB_STATUS_OPEN,
     CB_DECISION_ENROLLED, CB_STATUS_CLOSED, CB_CLOSED_ENROLLED},
    {"invalid closes it with that closed_reason", CB_STATUS_OPEN,
     CB_DECISION_INVALID, CB_STATUS_CLOSED, CB_CLOSED_INVALID},
    {"a closed lead takes no decision", CB_STATUS_CLOSED,
     CB_DECISION_CONTACTED, CB_STATUS_CLOSED, CB_CLOSED_DECEASED},
    {"no decision: nothing changes", CB_STATUS_OPEN, CB_DECISION_COUNT,
     CB_STATUS_OPEN, -1},
};

static void test_decisions(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(decision_rows); i++) {
        const decision_row *r = &decision_rows[i];
        cb_rule_lead l;
        memset(&l, 0, sizeof(l));
        l.status = r->status_before;
        l.closed = r->status_before == CB_STATUS_CLOSED ? CB_CLOSED_DECEASED
                                                        : -1;
        l.closed_at = r->status_before == CB_STATUS_CLOSED ? T - 9 : -1;
        assert_int_equal(cb_rules_takes_decision(&l),
                         r->status_before == CB_STATUS_OPEN);
        cb_rules_decide(&l, r->decision, T - 2);
        if (l.status != r->status || l.closed != r->closed)
            fail_msg("row %zu (%s): status %d closed %d", i, r->rule,
                     l.status, l.closed);
        if (r->closed >= 0)
            assert_int_equal(l.closed_at,
                             r->status_before == CB_STATUS_CLOSED ? T - 9
                                                                  : T - 2);
        else
            assert_int_equal(l.closed_at, -1);
    }
}

/* ------------------------------------ death notices and review items */

/* A person of RULES.md 9.3's rows, built with the ops the matcher applies
 * (so that names have their normal forms): a register name (a household
 * row on T - 100, when reg is not NULL), death notices, other sources'
 * names (assistance rows; their tw is not kept) and verdicts. */
typedef struct named {
    const char *eid, *name; /* name NULL: a notice that names nobody */
    int days;               /* date_of_death, relative to T */
    int64_t tw;
} named;

typedef struct verdict {
    int kind, verdict;
    const char *other; /* the normal form */
} verdict;

static void apply_op(cb_person *p, const cb_op *op)
{
    int progress;

    assert_int_equal(cb_person_apply(p, op, &progress), 0);
}

static void make_named(cb_person *p, const char *reg, int resident,
                       const named *notices, const named *aliases,
                       const verdict *verdicts)
{
    cb_op op;
    int y, m, d;

    cb_person_init(p);
    cb_date_to_ymd(T, &y, &m, &d);
    p->birth = cb_date_from_ymd(y - 50, m, d);
    if (reg != NULL) {
        memset(&op, 0, sizeof(op));
        op.kind = CB_OP_HH;
        op.action = resident ? CB_HH_RESIDENT : CB_HH_MOVE_OUT;
        op.date = T - 100;
        op.township = TW;
        op.student = -1;
        op.name = S(reg);
        op.eid = S("hh-1");
        apply_op(p, &op);
    }
    for (const named *n = notices; n && n->eid; n++) {
        memset(&op, 0, sizeof(op));
        op.kind = CB_OP_DEATH;
        op.eid = S(n->eid);
        op.death = T + n->days;
        op.township = n->tw;
        op.name = S(n->name ? n->name : "");
        apply_op(p, &op);
    }
    for (const named *n = aliases; n && n->eid; n++) {
        memset(&op, 0, sizeof(op));
        op.kind = CB_OP_ROSTER;
        op.identity = CB_ID_LIFTED_OUT;
        op.from = T - 1000;
        op.to = T - 900;
        op.eid = S(n->eid);
        op.name = S(n->name);
        apply_op(p, &op);
    }
    for (const verdict *v = verdicts; v && v->other; v++) {
        memset(&op, 0, sizeof(op));
        op.kind = CB_OP_REVIEW;
        op.rkind = v->kind;
        op.verdict = v->verdict;
        op.at = 1000;
        op.other = S(v->other);
        apply_op(p, &op);
    }
}

/* Which notices apply: each row a person with one notice. */
typedef struct notice_row {
    const char *rule;
    const char *reg;   /* the register name, NULL: none */
    const char *name;  /* the notice's, NULL: none */
    int verdict;       /* on its death_unconfirmed item, -1: none */
    int applies;
} notice_row;

static const notice_row notice_rows[] = {
    {"applied: those without a name", "王建国", NULL, -1, 1},
    {"applied: those of a person with no register name", NULL, "李四", -1,
     1},
    {"applied: those whose name's normal form equals the register name's",
     "王建国", "王建国", -1, 1},
    {"9.2: ASCII white space and U+3000 removed", "王建国",
     " 王\t建　国 ", -1, 1},
    {"9.2: full-width ASCII as ASCII", "Zhang San",
     "Ｚｈａｎｇ San", -1,
     1},
    {"9.2: the separators of a minority name as U+00B7", "买买提·艾力",
     "买买提.艾力", -1, 1},
    {"9.2: ... U+30FB and U+2022 too", "买买提・艾力",
     "买买提•艾力", -1, 1},
    {"9.2: nothing else changes: 王小明 and 王晓明 are two names", "王小明",
     "王晓明", -1, 0},
    {"not applied while its item is open", "王建国", "李四", -1, 0},
    {"Confirmed, it applies", "王建国", "李四", CB_VERDICT_CONFIRM, 1},
    {"never once it is rejected", "王建国", "李四", CB_VERDICT_REJECT, 0},
    {"a verdict on the same name's other item does nothing", "王建国",
     "李四", CB_VERDICT_CORRECT, 0},
};

static void test_notices_applied(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(notice_rows); i++) {
        const notice_row *r = &notice_rows[i];
        named n[] = {{"d-1", r->name, -10, TW}, {NULL, NULL, 0, 0}};
        char other[256];
        cb_str norm;
        cb_person p;

        make_named(&p, r->reg, 1, n, NULL, NULL);
        if (r->verdict >= 0) {
            /* the verdict names the notice's normal form */
            norm = p.notices[0].norm;
            snprintf(other, sizeof(other), "%.*s", norm.len, norm.s);
            verdict v[] = {{CB_REVIEW_DEATH_UNCONFIRMED, r->verdict, other},
                           {0, 0, NULL}};
            cb_op op;
            memset(&op, 0, sizeof(op));
            op.kind = CB_OP_REVIEW;
            op.rkind = v[0].kind;
            op.verdict = v[0].verdict;
            op.other = norm;
            apply_op(&p, &op);
        }
        int got = cb_rules_notice_applies(&p, &p.notices[0]);
        if (got != r->applies)
            fail_msg("row %zu (%s): applies %d", i, r->rule, got);
        cb_person_free(&p);
    }
}

/* Whether an alert's evidence names the event id. */
static int names_id(const cb_rule_alert *a, const char *eid)
{
    for (size_t i = 0; i < a->nevidence; i++)
        if (a->evidence[i]->len == strlen(eid) &&
            memcmp(a->evidence[i]->s, eid, a->evidence[i]->len) == 0)
            return 1;
    return 0;
}

/* What an unapplied notice does (nothing) and an applied one (its own
 * date), to leads and alerts. */
static void test_deaths_applied(void **state)
{
    cb_person p;
    cb_rule_lead l;
    cb_rule_alerts out = {0};
    named one[] = {{"d-1", "李四", -10, TW2}, {NULL, NULL, 0, 0}};
    named two[] = {{"d-2", "李四", -20, TW2},
                   {"d-3", "王建国", -5, TW2 + 1},
                   {NULL, NULL, 0, 0}};
    verdict yes[] = {{CB_REVIEW_DEATH_UNCONFIRMED, CB_VERDICT_CONFIRM, "李四"},
                     {0, 0, NULL}};
    verdict no[] = {{CB_REVIEW_DEATH_UNCONFIRMED, CB_VERDICT_REJECT, "李四"},
                    {0, 0, NULL}};

    (void)state;
    /* another name, open: the lead stays open, no alert counts it */
    make_named(&p, "王建国", 1, one, NULL, NULL);
    p.has_scheme[CB_SCHEME_RESIDENT_MEDICAL] = 1;
    p.schemes[CB_SCHEME_RESIDENT_MEDICAL].on = 1;
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.status, CB_STATUS_OPEN);
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.n, 0);
    cb_person_free(&p);

    /* confirmed: closed deceased on the notice's own date, and alerted */
    make_named(&p, "王建国", 1, one, NULL, yes);
    p.has_scheme[CB_SCHEME_RESIDENT_MEDICAL] = 1;
    p.schemes[CB_SCHEME_RESIDENT_MEDICAL].on = 1;
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.status, CB_STATUS_CLOSED);
    assert_int_equal(l.closed, CB_CLOSED_DECEASED);
    assert_int_equal(l.closed_at, T - 10);
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].kind, CB_ALERT_ACTIVE_AFTER_DEATH);
    assert_int_equal(out.v[0].nevidence, 1);
    cb_rule_alerts_free(&out);
    cb_person_free(&p);

    /* two notices, the earlier with another name: the death is the later
     * one's, and only it is evidence; confirmed, the earlier date */
    for (int confirmed = 0; confirmed < 2; confirmed++) {
        make_named(&p, NULL, 1, two, NULL, confirmed ? yes : no);
        /* no register name yet: both apply */
        assert_int_equal(cb_rules_notice_applies(&p, &p.notices[0]), 1);
        cb_person_free(&p);
        make_named(&p, "王建国", 0, two, NULL, confirmed ? yes : no);
        p.has_scheme[CB_SCHEME_RESIDENT_MEDICAL] = 1;
        p.schemes[CB_SCHEME_RESIDENT_MEDICAL].on = 1;
        p.facts = alloc_one(sizeof(*p.facts));
        p.facts[0] = (cb_fact){CB_FACT_BENEFIT, 0, 255, 1, 70, -1, TW,
                               cb_month_of_date(T - 20) + 1, S("b-1")};
        p.nfacts = 1;
        assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
        int paid = 0;
        for (size_t k = 0; k < out.n; k++) {
            const cb_rule_alert *a = &out.v[k];
            size_t want = confirmed ? 2 : 1;
            if (a->kind == CB_ALERT_PAID_AFTER_DEATH)
                paid = 1, want++;
            assert_int_equal(a->nevidence, want);
            assert_int_equal(names_id(a, "d-2"), confirmed);
            assert_int_equal(names_id(a, "d-3"), 1);
        }
        /* paid a month after the earlier date, not after the later one */
        assert_int_equal(paid, confirmed ||
                                   cb_month_of_date(T - 5) <
                                       cb_month_of_date(T - 20) + 1);
        cb_rule_alerts_free(&out);
        cb_person_free(&p);
    }
}

/* The township of an alert with no stay or leaving row: the applied
 * notice with the smallest id, not an unapplied one. */
static void test_alert_township_applied(void **state)
{
    cb_person p;
    cb_rule_alerts out = {0};
    named two[] = {{"d-1", "李四", -20, TW2},
                   {"d-2", NULL, -5, TW2 + 1},
                   {NULL, NULL, 0, 0}};

    (void)state;
    make_named(&p, "王建国", 1, two, NULL, NULL);
    p.has_stay = 0; /* the register name without a stay: a test's person */
    p.has_scheme[0] = 1;
    p.schemes[0].on = 1;
    assert_int_equal(cb_rules_person_alerts(&p, &out), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].township, TW2 + 1);
    cb_rule_alerts_free(&out);
    cb_person_free(&p);
}

/* The review items of a person: one per kind and other normal form. */
typedef struct review_want {
    int kind, holds, status;
    int64_t township;
    const char *written, *evidence;
} review_want;

typedef struct review_row {
    const char *rule;
    const char *reg;
    int resident;
    named notices[4], aliases[4];
    verdict verdicts[3];
    review_want want[4];
} review_row;

#define END {NULL, NULL, 0, 0}
#define DU CB_REVIEW_DEATH_UNCONFIRMED
#define NM CB_REVIEW_NAME_MISMATCH

static const review_row review_rows[] = {
    {"name_mismatch: a name an assistance row gives, not the register's",
     "王建国", 1, {END}, {{"a-2", "王建", 0, TW2}, {"a-1", "王 建", 0, TW2 + 1},
                          END},
     {{0, 0, NULL}},
     {{NM, 1, CB_REVIEW_OPEN, TW, "王 建", "a-1 a-2"}}},
    {"the same name typed otherwise makes none", "王建国", 1, {END},
     {{"a-1", "王　建国", 0, TW2}, END}, {{0, 0, NULL}},
     {{NM, 0, CB_REVIEW_OPEN, TW, "王　建国", "a-1"}}},
    {"a person with no register name has none", NULL, 1, {END},
     {{"a-1", "王建", 0, TW2}, END}, {{0, 0, NULL}},
     {{NM, 0, CB_REVIEW_OPEN, 0, "王建", "a-1"}}},
    {"death_unconfirmed: a notice's other name; one item per normal form",
     "王建国", 1,
     {{"d-2", "李 四", -3, TW2}, {"d-1", "李四", -9, TW2 + 1},
      {"d-3", NULL, -1, 0}, END},
     {END}, {{0, 0, NULL}},
     {{DU, 1, CB_REVIEW_OPEN, TW, "李四", "d-1 d-2"}}},
    {"Death notices are not a source of name_mismatch", "王建国", 1,
     {{"d-1", "李四", -9, TW2}, END}, {{"a-1", "李四", 0, TW2}, END},
     {{0, 0, NULL}},
     {{DU, 1, CB_REVIEW_OPEN, TW, "李四", "d-1"},
      {NM, 1, CB_REVIEW_OPEN, TW, "李四", "a-1"}}},
    {"status from the verdict; township: the leaving row's", "王建国", 0,
     {{"d-1", "李四", -9, TW2}, END}, {{"a-1", "赵五", 0, TW2}, END},
     {{DU, CB_VERDICT_CONFIRM, "李四"}, {NM, CB_VERDICT_REJECT, "赵五"},
      {0, 0, NULL}},
     {{DU, 1, CB_REVIEW_CONFIRMED, TW, "李四", "d-1"},
      {NM, 1, CB_REVIEW_REJECTED, TW, "赵五", "a-1"}}},
};

static void test_person_reviews(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(review_rows); i++) {
        const review_row *r = &review_rows[i];
        cb_rule_reviews out = {0};
        cb_person p;
        size_t nwant = 0;

        make_named(&p, r->reg, r->resident, r->notices, r->aliases,
                   r->verdicts);
        assert_int_equal(cb_rules_person_reviews(&p, &out), 0);
        while (nwant < 4 && r->want[nwant].written != NULL)
            nwant++;
        if (out.n != nwant)
            fail_msg("row %zu (%s): %zu items, want %zu", i, r->rule, out.n,
                     nwant);
        for (size_t k = 0; k < nwant; k++) {
            const review_want *w = &r->want[k];
            const cb_rule_review *g = &out.v[k];
            char ev[256];
            size_t n = 0;
            ev[0] = '\0';
            for (size_t j = 0; j < g->nevidence; j++)
                n += (size_t)snprintf(ev + n, sizeof(ev) - n, "%s%.*s",
                                      j ? " " : "", g->evidence[j]->len,
                                      g->evidence[j]->s);
            if (g->kind != w->kind || g->holds != w->holds ||
                g->status != w->status || g->township != w->township ||
                g->written->len != strlen(w->written) ||
                memcmp(g->written->s, w->written, g->written->len) != 0 ||
                strcmp(ev, w->evidence) != 0 ||
                (g->status == CB_REVIEW_OPEN) !=
                    (g->resolved_at == CB_TIME_NONE))
                fail_msg("row %zu (%s) item %zu: kind %d holds %d status %d "
                         "township %lld written '%.*s' evidence '%s'",
                         i, r->rule, k, g->kind, g->holds, g->status,
                         (long long)g->township, g->written->len,
                         g->written->s, ev);
        }
        cb_rule_reviews_free(&out);
        cb_person_free(&p);
    }
}

/* A register name that comes to agree with a notice applies it; one
 * that disagrees takes it back (RULES.md 9.3). */
static void test_register_name_changes(void **state)
{
    cb_person p;
    cb_rule_reviews out = {0};
    named one[] = {{"d-1", "李四", -10, TW2}, END};
    cb_op op;

    (void)state;
    make_named(&p, "李四", 1, one, NULL, NULL);
    assert_int_equal(cb_rules_notice_applies(&p, &p.notices[0]), 1);
    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_HH;
    op.action = CB_HH_ADDRESS_CHANGE;
    op.date = T - 50;
    op.township = TW;
    op.student = -1;
    op.name = S("王建国");
    op.eid = S("hh-2");
    apply_op(&p, &op);
    assert_int_equal(cb_rules_notice_applies(&p, &p.notices[0]), 0);
    assert_int_equal(cb_rules_person_reviews(&p, &out), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].holds, 1);
    cb_rule_reviews_free(&out);
    op.date = T - 40;
    op.name = S("李 四");
    op.eid = S("hh-3");
    apply_op(&p, &op);
    assert_int_equal(cb_rules_notice_applies(&p, &p.notices[0]), 1);
    assert_int_equal(cb_rules_person_reviews(&p, &out), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].holds, 0);
    cb_rule_reviews_free(&out);
    cb_person_free(&p);
}

/* ----------------------------------------- around the rules: the store */

/* A lead that leaves the store, or that a new lead replaces, is last
 * heard of closed: moved_out when the new lead is in another township,
 * else invalid. */
static void test_end_reasons(void **state)
{
    cb_rule_lead next;

    (void)state;
    memset(&next, 0, sizeof(next));
    next.township = TW2;
    assert_int_equal(cb_rules_end_reason(TW, &next), CB_CLOSED_MOVED_OUT);
    next.township = TW;
    assert_int_equal(cb_rules_end_reason(TW, &next), CB_CLOSED_INVALID);
    assert_int_equal(cb_rules_end_reason(TW, NULL), CB_CLOSED_INVALID);
}

/* lead_id over person|<id>|<township>|<since>, alert_id over
 * <kind>|<subject_id>|<period>, under the id key. */
static void test_id_texts(void **state)
{
    char err[128], got[CB_ID_DIGITS + 1], want[CB_ID_DIGITS + 1];
    const char *text;
    cb_idkey *k = cb_idkey_from_hex(KEY, err, sizeof(err));
    cb_rule_lead l;

    (void)state;
    assert_non_null(k);
    memset(&l, 0, sizeof(l));
    l.kind = CB_SUBJECT_PERSON;
    l.township = TW;
    l.since = cb_date_from_ymd(2024, 1, 2);
    cb_rules_lead_id(k, &l, PERSON, strlen(PERSON), got);
    text = "person|" PERSON "|320923008|2024-01-02";
    cb_idkey_digest(k, text, strlen(text), want);
    assert_string_equal(got, want);
    l.kind = CB_SUBJECT_EMPLOYER;
    cb_rules_lead_id(k, &l, USCC, strlen(USCC), got);
    text = "employer|" USCC "|320923008|2024-01-02";
    cb_idkey_digest(k, text, strlen(text), want);
    assert_string_equal(got, want);

    cb_rules_alert_id(k, CB_ALERT_DUAL_PENSION_BENEFIT, PERSON,
                      strlen(PERSON), "2023-12", got);
    text = "dual_pension_benefit|" PERSON "|2023-12";
    cb_idkey_digest(k, text, strlen(text), want);
    assert_string_equal(got, want);
    cb_rules_alert_id(k, CB_ALERT_ACTIVE_AFTER_DEATH, PERSON, strlen(PERSON),
                      "", got);
    text = "active_after_death|" PERSON "|";
    cb_idkey_digest(k, text, strlen(text), want);
    assert_string_equal(got, want);

    /* review_id over <kind>|<subject_id>|<other>, other a normal form */
    cb_str other = S("李四");
    cb_rules_review_id(k, CB_REVIEW_DEATH_UNCONFIRMED, PERSON,
                       strlen(PERSON), &other, got);
    text = "death_unconfirmed|" PERSON "|李四";
    cb_idkey_digest(k, text, strlen(text), want);
    assert_string_equal(got, want);
    other = S("Li\xc2\xb7Si");
    cb_rules_review_id(k, CB_REVIEW_NAME_MISMATCH, PERSON, strlen(PERSON),
                       &other, got);
    text = "name_mismatch|" PERSON "|Li\xc2\xb7Si";
    cb_idkey_digest(k, text, strlen(text), want);
    assert_string_equal(got, want);
    cb_idkey_free(k);
}

/* Facts whose period is more than 12 months before T's month are not
 * kept. */
static void test_fact_window(void **state)
{
    cb_person p;
    int32_t m = cb_month_of_date(T);

    (void)state;
    cb_person_init(&p);
    add_fact(&p, CB_FACT_BENEFIT, 0, 1, m - 13, 1, 255, -1, TW, "f-13");
    add_fact(&p, CB_FACT_BENEFIT, 0, 1, m - 12, 1, 255, -1, TW, "f-12");
    add_fact(&p, CB_FACT_CONTRIBUTION, 0, 1, m, 1, 255, -1, TW, "f-0");
    cb_rules_forget_old_facts(&p, T);
    assert_int_equal(p.nfacts, 2);
    assert_int_equal(p.facts[0].period, m - CB_FACT_WINDOW_MONTHS);
    assert_int_equal(p.facts[1].period, m);
    cb_person_free(&p);
}

/* Only a contribution leaves the lead as it was. */
static void test_lead_inputs(void **state)
{
    (void)state;
    assert_false(cb_rules_op_may_change_lead(CB_OP_FACT,
                                             CB_FACT_CONTRIBUTION));
    assert_true(cb_rules_op_may_change_lead(CB_OP_FACT, CB_FACT_BENEFIT));
    assert_true(cb_rules_op_may_change_lead(CB_OP_HH, -1));
    assert_true(cb_rules_op_may_change_lead(CB_OP_TICK, -1));
    assert_true(cb_rules_op_may_change_lead(CB_OP_DECIDE, -1));
    assert_true(cb_rules_op_may_change_lead(CB_OP_REVIEW, -1));
    assert_false(cb_rules_op_may_change_lead(CB_OP_PROBE, -1));
    /* review items: the register, deaths, names, verdicts */
    static const int changes[] = {CB_OP_HH, CB_OP_DEATH, CB_OP_ROSTER,
                                  CB_OP_OWN, CB_OP_REVIEW};
    static const int not[] = {CB_OP_ENR, CB_OP_FACT, CB_OP_TICK,
                              CB_OP_DECIDE, CB_OP_BIZ, CB_OP_REG,
                              CB_OP_PROBE};
    for (size_t i = 0; i < N_ROWS(changes); i++)
        assert_true(cb_rules_op_may_change_reviews(changes[i]));
    for (size_t i = 0; i < N_ROWS(not); i++)
        assert_false(cb_rules_op_may_change_reviews(not[i]));
}

/* Who tells its name's group about itself (cb_rules_group_needs): a
 * named pensioner, or a named person a group asked about (a probe op);
 * a named person with neither, or only other schemes, does not. */
static void test_group_needs(void **state)
{
    static const char id[] = "320923197001011234";
    cb_person p;
    cb_holder h;
    cb_op op;

    (void)state;
    make_named(&p, "Wang Fang", 1, NULL, NULL, NULL);
    assert_int_equal(cb_rules_person_holder(&p, id, 0, &h), 1);
    assert_false(cb_rules_group_needs(&p, &h));
    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_PROBE;
    apply_op(&p, &op);
    assert_int_equal(p.probed, 1);
    assert_true(cb_rules_group_needs(&p, &h));
    cb_person_free(&p);

    /* by scheme: another scheme is not a pension, a resident pension is */
    static const struct {
        unsigned has;
        int needed;
    } rows[] = {{P_RESIDENT | P_OTHER_MEDICAL, 0},
                {P_RESIDENT | P_RESIDENT_PEN, 1}};
    for (size_t i = 0; i < N_ROWS(rows); i++) {
        make_person(&p, 40, rows[i].has);
        p.has_name = 1;
        p.name = S("Li Na");
        assert_int_equal(cb_rules_person_holder(&p, id, 0, &h), 1);
        assert_int_equal(cb_rules_group_needs(&p, &h), rows[i].needed);
        cb_person_free(&p);
    }
}

/* --------------------------------------------------- a lead's source */

/* One op of a source row: kind CB_OP_HH (action), CB_OP_ENR (scheme, on),
 * CB_OP_DEATH (days: date_of_death), CB_OP_FACT, CB_OP_BIZ (action),
 * CB_OP_REG; dated T + date. */
typedef struct src_op {
    int kind;
    const char *eid;
    int date, action, scheme, on, days;
} src_op;

static cb_op src_make(const src_op *x, int32_t est)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = x->kind;
    op.eid = S(x->eid);
    op.date = T + x->date;
    op.s24 = 3600;
    op.township = TW;
    op.student = -1;
    op.action = x->action;
    op.scheme = x->scheme;
    op.on = x->on;
    op.death = T + x->days;
    op.k = CB_FACT_CONTRIBUTION;
    op.period = cb_month_of_date(T + x->date);
    op.amount = 100;
    op.bkind = CB_BIZ_ENTERPRISE;
    op.est = est;
    op.subject = S(USCC);
    op.name = S(x->kind == CB_OP_BIZ ? "Works" : "");
    return op;
}

typedef struct src_row {
    const char *rule;
    int employer;
    int birth_year, birth_month, birth_day; /* a person's */
    src_op ops[5];                         /* up to the first kind 0 */
    int status, closed;
    const char *source;
} src_row;

#define HH(eid, date) {CB_OP_HH, eid, date, CB_HH_RESIDENT, 0, 0, 0}
#define OUT(eid, date) {CB_OP_HH, eid, date, CB_HH_MOVE_OUT, 0, 0, 0}
#define ENR(eid, date, s, on) {CB_OP_ENR, eid, date, 0, s, on, 0}
#define DIE(eid, date, days) {CB_OP_DEATH, eid, date, 0, 0, 0, days}
#define PAY(eid, date) {CB_OP_FACT, eid, date, 0, CB_SCHEME_RESIDENT_PENSION, 0, 0}
#define BIZ(eid, date, a) {CB_OP_BIZ, eid, date, a, 0, 0, 0}
#define REG(eid, date) {CB_OP_REG, eid, date, 0, 0, 0, 0}
#define EP CB_SCHEME_EMPLOYEE_PENSION
#define RP CB_SCHEME_RESIDENT_PENSION
#define OPENED CB_STATUS_OPEN, -1
#define CLOSED_BY(why) CB_STATUS_CLOSED, why

/* T is 2024-06-15; a person born 2008-06-05 turns 16 on T - 10. */
static const src_row src_rows[] = {
    {"open: the stay row, when opened_at is its date", 0, 1980, 1, 1,
     {HH("hh-1", -100)}, OPENED, "hh-1"},
    {"open: the 16th birthday, by the clock", 0, 2008, 6, 5,
     {HH("hh-1", -100)}, OPENED, "timer:2024-06-05"},
    {"open: on one date a row before the timer", 0, 2008, 6, 5,
     {HH("hh-1", -10)}, OPENED, "hh-1"},
    {"open: the latest stop of a basic pension", 0, 1980, 1, 1,
     {HH("hh-1", -100), ENR("e-1", -200, EP, 1), ENR("e-2", -20, EP, 0)},
     OPENED, "e-2"},
    {"open: two rows of one date, the smaller event id (stop)", 0, 1980, 1,
     1, {HH("hh-1", -100), ENR("e-1", -300, RP, 1), ENR("a-2", -100, RP, 0)},
     OPENED, "a-2"},
    {"open: two rows of one date, the smaller event id (stay)", 0, 1980, 1,
     1, {HH("hh-1", -100), ENR("x-1", -300, RP, 1), ENR("x-2", -100, RP, 0)},
     OPENED, "hh-1"},
    {"enrolled: the enrollment, not a later contribution (issue 20)", 0,
     1980, 1, 1,
     {HH("hh-1", -100), ENR("en-7", -10, RP, 1), PAY("en-8", -2)},
     CLOSED_BY(CB_CLOSED_ENROLLED), "en-7"},
    {"enrolled: the earlier of the two schemes", 0, 1980, 1, 1,
     {HH("hh-1", -100), ENR("e-9", -5, EP, 1), ENR("e-5", -10, RP, 1)},
     CLOSED_BY(CB_CLOSED_ENROLLED), "e-5"},
    {"enrolled: both on one date, the smaller event id", 0, 1980, 1, 1,
     {HH("hh-1", -100), ENR("e-9", -10, EP, 1), ENR("e-3", -10, RP, 1)},
     CLOSED_BY(CB_CLOSED_ENROLLED), "e-3"},
    {"deceased: the notice of the death date", 0, 1980, 1, 1,
     {HH("hh-1", -100), DIE("d-1", -1, -3), DIE("d-2", -2, -5)},
     CLOSED_BY(CB_CLOSED_DECEASED), "d-2"},
    {"deceased: notices of one date, the smaller event id", 0, 1980, 1, 1,
     {HH("hh-1", -100), DIE("d-7", -1, -5), DIE("d-4", -2, -5)},
     CLOSED_BY(CB_CLOSED_DECEASED), "d-4"},
    {"moved_out: the leaving row", 0, 1980, 1, 1,
     {HH("hh-1", -100), OUT("hh-2", -3)}, CLOSED_BY(CB_CLOSED_MOVED_OUT),
     "hh-2"},
    {"employer open: the day it opens, after its row", 1, 0, 0, 0,
     {BIZ("b-1", -99, CB_BIZ_ESTABLISHED)}, OPENED, "timer:2024-04-07"},
    {"employer open: its row, after the day it opens", 1, 0, 0, 0,
     {BIZ("b-1", -10, CB_BIZ_ESTABLISHED)}, OPENED, "b-1"},
    {"deregistered: the earliest deregistration", 1, 0, 0, 0,
     {BIZ("b-1", -99, CB_BIZ_ESTABLISHED),
      BIZ("b-3", -5, CB_BIZ_DEREGISTERED),
      BIZ("b-2", -8, CB_BIZ_DEREGISTERED)},
     CLOSED_BY(CB_CLOSED_DEREGISTERED), "b-2"},
    {"enrolled: the earliest registration, of one date the smaller id", 1,
     0, 0, 0,
     {BIZ("b-1", -99, CB_BIZ_ESTABLISHED), REG("r-8", -8), REG("r-5", -8),
      REG("r-1", -2)},
     CLOSED_BY(CB_CLOSED_ENROLLED), "r-5"},
};

/* The lead of a row's ops, applied forward (backward when back) to a new
 * subject: 1 and *l, or 0. */
static int src_lead(const src_row *r, int back, cb_rule_lead *l)
{
    size_t n = 0;
    int32_t est = T - 100;
    int has;

    while (n < N_ROWS(r->ops) && r->ops[n].kind != 0)
        n++;
    if (r->employer) {
        cb_employer e;
        cb_employer_init(&e);
        for (size_t i = 0; i < n; i++) {
            cb_own_change ch[CB_OWN_CHANGES_MAX];
            int nch;
            cb_op op = src_make(&r->ops[back ? n - 1 - i : i], est);
            cb_employer_apply(&e, &op, ch, &nch);
        }
        return cb_rules_employer_lead(&e, T, l);
    }
    cb_person p;
    cb_person_init(&p);
    p.birth = cb_date_from_ymd(r->birth_year, r->birth_month, r->birth_day);
    for (size_t i = 0; i < n; i++) {
        cb_op op = src_make(&r->ops[back ? n - 1 - i : i], est);
        apply_op(&p, &op);
    }
    has = cb_rules_person_lead(&p, T, l);
    cb_person_free(&p);
    return has;
}

/* source_event_id (RULES.md 5): the event behind the fact that decided
 * the lead's status, in either order of its rows. */
static void test_sources(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(src_rows); i++) {
        const src_row *r = &src_rows[i];
        for (int back = 0; back < 2; back++) {
            cb_rule_lead l;
            char got[256];
            if (!src_lead(r, back, &l))
                fail_msg("row %zu (%s): no lead", i, r->rule);
            cb_str_to_text(&l.source, got, sizeof(got));
            if (l.status != r->status || l.closed != r->closed ||
                strcmp(got, r->source) != 0)
                fail_msg("row %zu (%s), %s: status %d closed %d source %s",
                         i, r->rule, back ? "backward" : "forward", l.status,
                         l.closed, got);
        }
    }
}

/* A confirmed death notice names the verdict's day; a team's decision
 * names the decision and its day. */
static void test_sources_review_decision(void **state)
{
    named n[] = {{"d-1", "李四", -10, TW}, {NULL, NULL, 0, 0}};
    cb_person p;
    cb_rule_lead l;
    cb_op op;
    char got[256];

    (void)state;
    make_named(&p, "王建国", 1, n, NULL, NULL);
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.status, CB_STATUS_OPEN);
    cb_str_to_text(&l.source, got, sizeof(got));
    assert_string_equal(got, "hh-1");
    /* the team refuses on T - 1 */
    cb_rules_decide(&l, CB_DECISION_REFUSED, T - 1);
    cb_str_to_text(&l.source, got, sizeof(got));
    assert_string_equal(got, "decision:refused:2024-06-14");
    /* a decision a lead does not take leaves its source */
    l.status = CB_STATUS_CLOSED;
    cb_rules_decide(&l, CB_DECISION_CONTACTED, T);
    cb_str_to_text(&l.source, got, sizeof(got));
    assert_string_equal(got, "decision:refused:2024-06-14");
    /* confirmed on T - 2 (at 00:00 UTC, 08:00 in the county) */
    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_REVIEW;
    op.rkind = CB_REVIEW_DEATH_UNCONFIRMED;
    op.verdict = CB_VERDICT_CONFIRM;
    op.at = (int64_t)(T - 2) * 86400000;
    op.other = p.notices[0].norm;
    apply_op(&p, &op);
    assert_int_equal(cb_rules_person_lead(&p, T, &l), 1);
    assert_int_equal(l.closed, CB_CLOSED_DECEASED);
    cb_str_to_text(&l.source, got, sizeof(got));
    assert_string_equal(got, "review:confirm:2024-06-13");
    cb_person_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_leads),
        cmocka_unit_test(test_person_opened),
        cmocka_unit_test(test_employer_leads),
        cmocka_unit_test(test_person_next),
        cmocka_unit_test(test_employer_next),
        cmocka_unit_test(test_person_alerts),
        cmocka_unit_test(test_alert_township),
        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_notices_applied),
        cmocka_unit_test(test_deaths_applied),
        cmocka_unit_test(test_alert_township_applied),
        cmocka_unit_test(test_person_reviews),
        cmocka_unit_test(test_register_name_changes),
        cmocka_unit_test(test_end_reasons),
        cmocka_unit_test(test_id_texts),
        cmocka_unit_test(test_fact_window),
        cmocka_unit_test(test_lead_inputs),
        cmocka_unit_test(test_group_needs),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_sources_review_decision),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
