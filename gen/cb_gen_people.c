/* cb_gen_people.c -- the background county: the initial household
 * register and each person's year (insurance, pensions, rosters, moves,
 * deaths, businesses), newborns and newcomers, and the employers already
 * registered with the insurance agency.  Rates are plausible for a rural
 * county, not measured. */
#include <stdio.h>
#include <string.h>

#include "cb_gen_int.h"
#include "cb_gen_names.h"

#define RNG (&g->rng)

/* What a person's insurance looks like. */
enum {
    CAT_CHILD,     /* under 16 on T */
    CAT_STUDENT,   /* 16-59, at school */
    CAT_EMPLOYEE,  /* working age, employee pension */
    CAT_RESIDENT,  /* working age, resident pension */
    CAT_UNINSURED, /* working age, no pension */
    CAT_PEN_EMP,   /* 60+, draws the employee pension */
    CAT_PEN_RES,   /* 60+, draws the resident pension */
    CAT_PEN_NONE   /* 60+, no pension */
};

/* One person's year. */
typedef struct life {
    gen_person p;
    int32_t last;  /* the last day of insurance events: death or T */
    int32_t death; /* CB_DATE_NONE when alive */
    int32_t gone;  /* left the county, or CB_DATE_NONE */
    int32_t moved; /* moved to township new_tw, or CB_DATE_NONE */
    int new_tw;
    int on[6];  /* schemes enrolled, as emitted so far */
    int roster; /* identity, or -1 */
} life;

static int32_t clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The township a person lives in on day d. */
static int tw_on(const life *L, int32_t d)
{
    return L->moved != CB_DATE_NONE && d >= L->moved ? L->new_tw : L->p.tw;
}

/* May a contribution be paid on day d (alive, still here)? */
static int paying(const life *L, int32_t d)
{
    return d <= L->last && (L->gone == CB_DATE_NONE || d < L->gone);
}

static int64_t at(cb_gen_ctx *g, int32_t day)
{
    return cb_gen_ms(day, cb_gen_office_sec(g));
}

static int enroll(cb_gen_ctx *g, life *L, int scheme, int32_t day)
{
    if (day > L->last || day > g->E)
        return 0;
    L->on[scheme] = 1;
    return cb_gen_enroll(g, day < g->S, &L->p, scheme, CB_ENR_ENROLL,
                         cb_gen_region(0), tw_on(L, day), at(g, day),
                         CB_TIME_NONE);
}

static int stop(cb_gen_ctx *g, life *L, int scheme, int32_t day)
{
    if (day > L->last || day > g->E || !L->on[scheme])
        return 0;
    L->on[scheme] = 0;
    return cb_gen_enroll(g, day < g->S, &L->p, scheme, CB_ENR_STOP,
                         cb_gen_region(0), tw_on(L, day), at(g, day),
                         CB_TIME_NONE);
}

/* Resident pension tiers, fen a year. */
static int64_t pick_tier(cb_gen_ctx *g)
{
    static const int64_t tiers[] = {10000, 10000, 10000, 10000,  20000,
                                    20000, 30000, 50000, 100000, 200000};
    return tiers[cb_gen_rng_below(RNG, 10)];
}

static int contribute(cb_gen_ctx *g, life *L, int scheme, int32_t day,
                      int64_t amount, int paid_by, int64_t tier)
{
    if (!paying(L, day) || day > g->E)
        return 0;
    return cb_gen_fact(g, day < g->S, &L->p, CB_ENR_CONTRIBUTE, scheme,
                       cb_month_of_date(day), amount, paid_by, tier,
                       cb_gen_region(0), tw_on(L, day), at(g, day),
                       CB_TIME_NONE, NULL);
}

/* Monthly employer contributions from month `from` while employed (paid
 * the 15th, before day `until`). */
static int monthly_contributions(cb_gen_ctx *g, life *L, int32_t from,
                                 int32_t until, int64_t wage)
{
    for (int32_t m = from; m <= cb_month_of_date(g->T); m++) {
        int32_t pay = cb_gen_month_day(m, 15);
        if (pay < g->S || pay >= until)
            continue;
        if (contribute(g, L, CB_SCHEME_EMPLOYEE_PENSION, pay, wage,
                       CB_PAID_EMPLOYER, CB_LONG_NONE) != 0)
            return -1;
    }
    return 0;
}

/* A pension paid the 5th of every month after the 60th birthday (and
 * after `from`), for the three months before the stream (the snapshot)
 * and through the stream, while alive. */
static int pension(cb_gen_ctx *g, life *L, int scheme, int32_t from,
                   int64_t amount)
{
    int32_t first = cb_month_of_date(cb_gen_add_years(L->p.birth, 60)) + 1;
    int32_t m0 = cb_month_of_date(g->S) - 3;

    if (cb_month_of_date(from) + 1 > first)
        first = cb_month_of_date(from) + 1;
    for (int32_t m = first > m0 ? first : m0; m <= cb_month_of_date(g->T);
         m++) {
        int32_t pay = cb_gen_month_day(m, 5);
        if (pay > L->last || pay > g->E)
            break;
        if (cb_gen_fact(
                g, pay < g->S, &L->p, CB_ENR_BENEFIT, scheme, m, amount, -1,
                CB_LONG_NONE, cb_gen_region(0), tw_on(L, pay),
                cb_gen_ms(pay, cb_gen_rng_range(RNG, 9 * 3600, 12 * 3600)),
                CB_TIME_NONE, NULL) != 0)
            return -1;
    }
    return 0;
}

/* The roster pushes of the stream: by 30 June and by 20 November of each
 * year (the 30th and the 19th). */
static int pushes(const cb_gen_ctx *g, int32_t out[8])
{
    int ys, ye, m, d, n = 0;

    cb_date_to_ymd(g->S, &ys, &m, &d);
    cb_date_to_ymd(g->T, &ye, &m, &d);
    for (int y = ys; y <= ye && n < 8; y++) {
        int32_t june = cb_date_from_ymd(y, 6, 30);
        int32_t nov = cb_date_from_ymd(y, 11, 19);
        if (june > g->S && june <= g->E)
            out[n++] = june;
        if (nov > g->S && nov <= g->E && n < 8)
            out[n++] = nov;
    }
    return n;
}

/* Hardship identities by weight. */
static int pick_identity(cb_gen_ctx *g)
{
    uint32_t u = cb_gen_rng_below(RNG, 100);

    return u < 35   ? CB_ID_MINIMUM_LIVING
           : u < 45 ? CB_ID_EXTREME_POVERTY
           : u < 60 ? CB_ID_RELAPSE_MONITORING
           : u < 90 ? CB_ID_LIFTED_OUT
                    : CB_ID_SEVERE_DISABILITY;
}

/* A roster member's rows at every push while alive and here; the
 * government pays the resident pension's minimum tier for the year of a
 * June push.  Returns the first push day, or CB_DATE_NONE. */
static int roster_rows(cb_gen_ctx *g, life *L, int32_t *first)
{
    int32_t p[8];
    int n = pushes(g, p);

    *first = CB_DATE_NONE;
    for (int i = 0; i < n; i++) {
        int y, m, d;
        int32_t from, to;
        if (p[i] > L->last || (L->gone != CB_DATE_NONE && p[i] >= L->gone))
            break;
        cb_date_to_ymd(p[i], &y, &m, &d);
        from = cb_date_from_ymd(y, 7, 1);
        to = L->roster == CB_ID_SEVERE_DISABILITY
                 ? CB_DATE_NONE
                 : cb_date_from_ymd(y + 1, 6, 30);
        if (m == 11 && cb_gen_rng_chance(RNG, 0.08))
            to = cb_date_from_ymd(y, 11, 30); /* leaves the roster */
        if (*first == CB_DATE_NONE)
            *first = p[i];
        if (cb_gen_roster(
                g, &L->p, L->roster, from, to, tw_on(L, p[i]),
                cb_gen_ms(p[i], cb_gen_rng_range(RNG, 14 * 3600, 18 * 3600)),
                CB_TIME_NONE, NULL) != 0)
            return -1;
        if (to != CB_DATE_NONE && to < g->T)
            break;
    }
    return 0;
}

/* Resident pension contributions: one a year, by the person or, for a
 * roster member in a year with a June push, by the government. */
static int yearly_contributions(cb_gen_ctx *g, life *L, int32_t since)
{
    int ys, ye, m, d;

    cb_date_to_ymd(g->S, &ys, &m, &d);
    cb_date_to_ymd(g->T, &ye, &m, &d);
    for (int y = ys; y <= ye; y++) {
        int32_t lo = cb_month_from_ym(y, 1), hi = cb_month_from_ym(y, 12);
        int32_t ms = cb_month_of_date(since > g->S ? since : g->S);
        int32_t june = cb_date_from_ymd(y, 6, 30);
        int32_t pay;

        if (lo < ms)
            lo = ms;
        if (hi > cb_month_of_date(g->T))
            hi = cb_month_of_date(g->T);
        if (lo > hi)
            continue;
        if (L->roster >= 0 && june > g->S && june <= g->E && june <= L->last) {
            pay = clamp(cb_date_from_ymd(y, 7, 20), since, g->E);
            if (contribute(g, L, CB_SCHEME_RESIDENT_PENSION, pay, 10000,
                           CB_PAID_GOVERNMENT, 10000) != 0)
                return -1;
            continue;
        }
        pay = cb_gen_month_day(cb_gen_rng_range(RNG, lo, hi),
                               cb_gen_rng_range(RNG, 1, 28));
        if (pay < since)
            pay = since;
        int64_t tier = pick_tier(g);
        if (contribute(g, L, CB_SCHEME_RESIDENT_PENSION, pay, tier,
                       CB_PAID_SELF, CB_LONG_NONE) != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------- insurance */

static int working_age(cb_gen_ctx *g, life *L, int cat)
{
    int32_t old = g->S - 30;

    if (cat == CAT_EMPLOYEE) {
        int32_t since = clamp(cb_gen_add_years(L->p.birth, 18) +
                                  cb_gen_rng_range(RNG, 0, 3650),
                              cb_date_from_ymd(1995, 1, 1), old);
        int64_t wage = cb_gen_rng_range(RNG, 600, 2000) * 100;
        int32_t until = g->T + 1;
        if (enroll(g, L, CB_SCHEME_EMPLOYEE_PENSION, since) != 0 ||
            enroll(g, L, CB_SCHEME_EMPLOYEE_MEDICAL, since) != 0)
            return -1;
        if (cb_gen_rng_chance(RNG, 0.03)) { /* loses the job */
            until = cb_gen_rng_range(RNG, g->S + 1, g->E);
            if (stop(g, L, CB_SCHEME_EMPLOYEE_PENSION, until) != 0 ||
                stop(g, L, CB_SCHEME_EMPLOYEE_MEDICAL, until) != 0)
                return -1;
        }
        if (monthly_contributions(g, L, cb_month_of_date(g->S), until, wage) !=
            0)
            return -1;
        if (until <= g->E && cb_gen_rng_chance(RNG, 0.4)) {
            int32_t d = until + cb_gen_rng_range(RNG, 15, 90);
            if (enroll(g, L, CB_SCHEME_RESIDENT_PENSION, d) != 0 ||
                enroll(g, L, CB_SCHEME_RESIDENT_MEDICAL, d) != 0 ||
                contribute(g, L, CB_SCHEME_RESIDENT_PENSION, d + 10,
                           pick_tier(g), CB_PAID_SELF, CB_LONG_NONE) != 0)
                return -1;
        }
        return 0;
    }
    if (cat == CAT_RESIDENT) {
        int32_t since = clamp(
            cb_gen_add_years(L->p.birth, 16) + cb_gen_rng_range(RNG, 0, 1500),
            cb_date_from_ymd(2010, 1, 1) + cb_gen_rng_range(RNG, 0, 700), old);
        if (enroll(g, L, CB_SCHEME_RESIDENT_PENSION, since) != 0 ||
            enroll(g, L, CB_SCHEME_RESIDENT_MEDICAL, since) != 0)
            return -1;
        return yearly_contributions(g, L, since);
    }
    /* uninsured: some enroll during the year (the expansion campaign) */
    if (cb_gen_rng_chance(RNG, 0.7) &&
        enroll(g, L, CB_SCHEME_RESIDENT_MEDICAL,
               clamp(cb_gen_add_years(L->p.birth, 16),
                     cb_date_from_ymd(2012, 1, 1), old)) != 0)
        return -1;
    if (cb_gen_rng_chance(RNG, 0.3)) {
        int32_t d = cb_gen_rng_range(RNG, g->S + 1, g->E);
        if (d > L->last || (L->gone != CB_DATE_NONE && d >= L->gone))
            return 0;
        if (cb_gen_rng_chance(RNG, 0.15)) { /* a job */
            if (enroll(g, L, CB_SCHEME_EMPLOYEE_PENSION, d) != 0)
                return -1;
            return monthly_contributions(
                g, L, cb_month_of_date(d) + 1, g->T + 1,
                cb_gen_rng_range(RNG, 600, 2000) * 100);
        }
        if (enroll(g, L, CB_SCHEME_RESIDENT_PENSION, d) != 0)
            return -1;
        return yearly_contributions(g, L, d);
    }
    return 0;
}

static int elderly(cb_gen_ctx *g, life *L, int cat)
{
    int32_t old = g->S - 30;

    if (cat == CAT_PEN_EMP) {
        int32_t since = clamp(cb_gen_add_years(L->p.birth, 25) +
                                  cb_gen_rng_range(RNG, 0, 5000),
                              cb_date_from_ymd(1995, 1, 1), old);
        if (enroll(g, L, CB_SCHEME_EMPLOYEE_PENSION, since) != 0 ||
            enroll(g, L, CB_SCHEME_EMPLOYEE_MEDICAL, since) != 0)
            return -1;
        return pension(g, L, CB_SCHEME_EMPLOYEE_PENSION, since,
                       cb_gen_rng_range(RNG, 2000, 4000) * 100);
    }
    if (cat == CAT_PEN_RES) {
        int32_t since =
            clamp(cb_date_from_ymd(2010, 1, 1) + cb_gen_rng_range(RNG, 0, 700),
                  cb_gen_add_years(L->p.birth, 16), old);
        if (enroll(g, L, CB_SCHEME_RESIDENT_PENSION, since) != 0 ||
            enroll(g, L, CB_SCHEME_RESIDENT_MEDICAL, since) != 0)
            return -1;
        return pension(g, L, CB_SCHEME_RESIDENT_PENSION, since,
                       cb_gen_rng_range(RNG, 200, 400) * 100);
    }
    if (cb_gen_rng_chance(RNG, 0.6) &&
        enroll(g, L, CB_SCHEME_RESIDENT_MEDICAL,
               cb_date_from_ymd(2012, 1, 1) + cb_gen_rng_range(RNG, 0, 3000)) !=
            0)
        return -1;
    if (cb_gen_rng_chance(RNG, 0.25)) { /* brought into the pension */
        int32_t d = cb_gen_rng_range(RNG, g->S + 1, g->E);
        if (d > L->last || (L->gone != CB_DATE_NONE && d >= L->gone))
            return 0;
        if (enroll(g, L, CB_SCHEME_RESIDENT_PENSION, d) != 0)
            return -1;
        return pension(g, L, CB_SCHEME_RESIDENT_PENSION, d,
                       cb_gen_rng_range(RNG, 200, 400) * 100);
    }
    return 0;
}

/* --------------------------------------------------------- businesses */

static int businesses(cb_gen_ctx *g, life *L, int age)
{
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];

    if (age >= 20 && age <= 59 && cb_gen_rng_chance(RNG, 0.03)) {
        int32_t f = cb_gen_rng_range(RNG, g->S + 1, g->T - 1);
        int32_t seen = clamp(f + cb_gen_rng_range(RNG, 0, 7), f, g->E);
        if (f <= L->last && (L->gone == CB_DATE_NONE || f < L->gone)) {
            int tw = tw_on(L, f);
            cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
            cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, tw, name, sizeof(name));
            if (cb_gen_biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED,
                           f, tw, &L->p, at(g, seen), CB_TIME_NONE) != 0)
                return -1;
            int32_t d = f + cb_gen_rng_range(RNG, 30, 200);
            if (cb_gen_rng_chance(RNG, 0.08) && d <= g->E &&
                cb_gen_biz(g, code, name, CB_BIZ_INDIVIDUAL,
                           CB_BIZ_DEREGISTERED, f, tw, &L->p, at(g, d),
                           CB_TIME_NONE) != 0)
                return -1;
        }
    } else if (age >= 25 && age <= 59 && cb_gen_rng_chance(RNG, 0.025)) {
        /* an older business, seen in the stream through a change */
        int32_t est = g->S - cb_gen_rng_range(RNG, 100, 3000);
        int32_t c = cb_gen_rng_range(RNG, g->S + 1, g->E);
        if (c <= L->last && (L->gone == CB_DATE_NONE || c < L->gone)) {
            int tw = tw_on(L, c);
            cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
            cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, tw, name, sizeof(name));
            if (cb_gen_biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED,
                           est, tw, &L->p, at(g, c), CB_TIME_NONE) != 0)
                return -1;
        }
    }
    if (age >= 25 && age <= 59 && cb_gen_rng_chance(RNG, 0.003)) {
        /* founds an enterprise; most register within 30 days */
        uint32_t u = cb_gen_rng_below(RNG, 100);
        int kind = u < 75   ? CB_BIZ_ENTERPRISE
                   : u < 90 ? CB_BIZ_COOPERATIVE
                            : CB_BIZ_BRANCH;
        int32_t f = cb_gen_rng_range(RNG, g->S - 20, g->T - 1);
        int32_t seen = clamp(f + cb_gen_rng_range(RNG, 0, 10), g->S + 1, g->E);
        int tw = tw_on(L, f);
        int32_t r = CB_DATE_NONE;
        cb_gen_uscc(g, kind, code);
        cb_gen_org_name(g, kind, tw, name, sizeof(name));
        if (cb_gen_biz(g, code, name, kind, CB_BIZ_ESTABLISHED, f, tw, &L->p,
                       at(g, seen), CB_TIME_NONE) != 0)
            return -1;
        u = cb_gen_rng_below(RNG, 100);
        if (u < 65)
            r = f + cb_gen_rng_range(RNG, 1, 30);
        else if (u < 80)
            r = f + cb_gen_rng_range(RNG, 31, 150);
        if (r != CB_DATE_NONE && r <= g->E &&
            cb_gen_reg(g, r < g->S, code, tw, at(g, r), CB_TIME_NONE, NULL) !=
                0)
            return -1;
        int32_t d = f + cb_gen_rng_range(RNG, 20, 250);
        if (cb_gen_rng_chance(RNG, 0.05) && d <= g->E && d > g->S &&
            cb_gen_biz(g, code, name, kind, CB_BIZ_DEREGISTERED, f, tw, &L->p,
                       at(g, d), CB_TIME_NONE) != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ a life */

/* Age on T, by the county's pyramid. */
static int pick_age(cb_gen_ctx *g)
{
    uint32_t u = cb_gen_rng_below(RNG, 100);

    if (u < 15)
        return cb_gen_rng_range(RNG, 1, 15);
    if (u < 23)
        return cb_gen_rng_range(RNG, 16, 22);
    if (u < 50)
        return cb_gen_rng_range(RNG, 23, 44);
    if (u < 75)
        return cb_gen_rng_range(RNG, 45, 59);
    if (u < 93)
        return cb_gen_rng_range(RNG, 60, 74);
    return cb_gen_rng_range(RNG, 75, 99);
}

/* The chance of dying within the year, by age. */
static double mortality(int age)
{
    return age < 40   ? 0.0008
           : age < 60 ? 0.003
           : age < 75 ? 0.015
           : age < 85 ? 0.05
                      : 0.12;
}

static int death_notices(cb_gen_ctx *g, life *L)
{
    int32_t d = L->death;
    int32_t police = clamp(d + cb_gen_rng_range(RNG, 1, 10), d, g->E);

    if (cb_gen_death(g, &L->p, d, CB_DEATH_POLICE, at(g, police), CB_TIME_NONE,
                     NULL) != 0)
        return -1;
    if (cb_gen_rng_chance(RNG, 0.3) &&
        cb_gen_death(g, &L->p, d, CB_DEATH_CIVIL,
                     at(g, clamp(d + cb_gen_rng_range(RNG, 3, 25), d, g->E)),
                     CB_TIME_NONE, NULL) != 0)
        return -1;
    if (cb_gen_rng_chance(RNG, 0.15) &&
        cb_gen_death(g, &L->p, d, CB_DEATH_HEALTH,
                     at(g, clamp(d + cb_gen_rng_range(RNG, 0, 5), d, g->E)),
                     CB_TIME_NONE, NULL) != 0)
        return -1;
    /* the agency ends every enrollment on the day of death, after anything
     * else that day */
    for (int s = 0; s < 6; s++) {
        if (!L->on[s])
            continue;
        L->on[s] = 0;
        if (cb_gen_enroll(
                g, 0, &L->p, s, CB_ENR_STOP, cb_gen_region(0), tw_on(L, d),
                cb_gen_ms(d, 23 * 3600 + cb_gen_rng_range(RNG, 0, 3599)),
                CB_TIME_NONE) != 0)
            return -1;
    }
    return cb_gen_names_wrong_death(g, &L->p, d);
}

/* Household rows of a move: within the county (an address change, or a
 * move_out and a move_in), or away. */
static int moves(cb_gen_ctx *g, life *L)
{
    if (L->gone != CB_DATE_NONE)
        return cb_gen_hh(g, &L->p, CB_HH_MOVE_OUT, L->p.tw, at(g, L->gone), -1,
                         CB_TIME_NONE, NULL);
    if (L->moved == CB_DATE_NONE)
        return 0;
    if (cb_gen_rng_chance(RNG, 0.7))
        return cb_gen_hh(g, &L->p, CB_HH_ADDRESS_CHANGE, L->new_tw,
                         at(g, L->moved), -1, CB_TIME_NONE, NULL);
    int32_t out = L->moved - cb_gen_rng_range(RNG, 1, 10);
    if (out <= g->S)
        out = L->moved;
    if (cb_gen_hh(g, &L->p, CB_HH_MOVE_OUT, L->p.tw,
                  cb_gen_ms(out, 8 * 3600 + cb_gen_rng_range(RNG, 0, 3600)), -1,
                  CB_TIME_NONE, NULL) != 0)
        return -1;
    return cb_gen_hh(
        g, &L->p, CB_HH_MOVE_IN, L->new_tw,
        cb_gen_ms(L->moved, 10 * 3600 + cb_gen_rng_range(RNG, 0, 7200)), -1,
        CB_TIME_NONE, NULL);
}

/* The rest of a life after its household rows: insurance, roster,
 * businesses, death. */
static int live(cb_gen_ctx *g, life *L, int student)
{
    int age = cb_age_on(L->p.birth, g->T), cat;
    uint32_t u = cb_gen_rng_below(RNG, 100);

    if (age < 16)
        cat = CAT_CHILD;
    else if (age < 60 && student == 1)
        cat = CAT_STUDENT;
    else if (age < 60)
        cat = u < 30 && cb_gen_add_years(L->p.birth, 18) < g->S - 30
                  ? CAT_EMPLOYEE
              : u < 82 && cb_gen_add_years(L->p.birth, 16) < g->S - 30
                  ? CAT_RESIDENT
                  : CAT_UNINSURED;
    else
        cat = u < 25 ? CAT_PEN_EMP : u < 90 ? CAT_PEN_RES : CAT_PEN_NONE;

    L->roster = -1;
    if (age >= 16 && cat != CAT_EMPLOYEE && cat != CAT_PEN_EMP &&
        cat != CAT_STUDENT && cb_gen_rng_chance(RNG, 0.035))
        L->roster = pick_identity(g);

    switch (cat) {
    case CAT_CHILD:
    case CAT_STUDENT:
        if (cb_gen_rng_chance(RNG, 0.92) &&
            enroll(g, L, CB_SCHEME_RESIDENT_MEDICAL,
                   clamp(L->p.birth + cb_gen_rng_range(RNG, 30, 365),
                         L->p.birth, g->E)) != 0)
            return -1;
        break;
    case CAT_EMPLOYEE:
    case CAT_RESIDENT:
    case CAT_UNINSURED:
        if (working_age(g, L, cat) != 0)
            return -1;
        break;
    default:
        if (elderly(g, L, cat) != 0)
            return -1;
        break;
    }
    if (L->roster >= 0) {
        int32_t first;
        if (roster_rows(g, L, &first) != 0)
            return -1;
        /* some of those not in the resident pension are brought in */
        if (first != CB_DATE_NONE && !L->on[CB_SCHEME_RESIDENT_PENSION] &&
            cb_gen_rng_chance(RNG, 0.3)) {
            int32_t d = first + cb_gen_rng_range(RNG, 10, 60);
            if (d <= g->E && paying(L, d)) {
                if (enroll(g, L, CB_SCHEME_RESIDENT_PENSION, d) != 0 ||
                    contribute(g, L, CB_SCHEME_RESIDENT_PENSION,
                               clamp(d + 5, d, g->E), 10000, CB_PAID_GOVERNMENT,
                               10000) != 0)
                    return -1;
            }
        }
    }
    if (businesses(g, L, age) != 0)
        return -1;
    if (L->death != CB_DATE_NONE && death_notices(g, L) != 0)
        return -1;
    return 0;
}

/* A person of the initial register. */
static int register_person(cb_gen_ctx *g)
{
    life L;
    int age = pick_age(g), student = -1, aS;
    int32_t birth =
        cb_gen_add_years(g->T, -age) - cb_gen_rng_range(RNG, 0, 364);
    double u;

    memset(&L, 0, sizeof(L));
    if (birth >= g->S)
        birth = g->S - 1 - cb_gen_rng_range(RNG, 0, 200);
    if (cb_gen_person(g, &L.p, birth, (int)cb_gen_rng_below(RNG, 2),
                      cb_gen_rng_chance(RNG, 0.93)
                          ? 0
                          : 1 + (int)cb_gen_rng_below(RNG, 8),
                      cb_gen_tw_pick(g)) != 0)
        return -1;
    aS = cb_age_on(birth, g->S);
    if (aS >= 6 && aS <= 15)
        student = 1;
    else if (aS >= 16 && aS <= 22)
        student = cb_gen_rng_chance(RNG, 0.55) ? 1 : 0;
    else if (aS >= 23 && aS <= 24)
        student = 0;
    if (cb_gen_hh(g, &L.p, CB_HH_RESIDENT, L.p.tw, cb_gen_ms(g->S, 0), student,
                  CB_TIME_NONE, NULL) != 0)
        return -1;
    g->register_used++;

    L.death = L.gone = L.moved = CB_DATE_NONE;
    L.new_tw = L.p.tw;
    age = cb_age_on(birth, g->T);
    u = (double)cb_gen_rng_below(RNG, 1000000) / 1e6;
    if (u < mortality(age))
        L.death = cb_gen_rng_range(RNG, g->S + 1, g->T - 3);
    else if (u < mortality(age) + 0.008)
        L.gone = cb_gen_rng_range(RNG, g->S + 1, g->E);
    else if (u < mortality(age) + 0.02) {
        L.moved = cb_gen_rng_range(RNG, g->S + 12, g->T - 1);
        L.new_tw = cb_gen_tw_other(g, L.p.tw);
    }
    L.last = L.death != CB_DATE_NONE ? L.death : g->E;
    if (L.death == CB_DATE_NONE && L.gone == CB_DATE_NONE)
        cb_gen_names_living(g, &L.p);
    if (moves(g, &L) != 0)
        return -1;
    return live(g, &L, student);
}

/* A child born during the stream. */
static int newborn(cb_gen_ctx *g)
{
    life L;
    int32_t b = cb_gen_rng_range(RNG, g->S + 1, g->T - 1);
    int32_t seen = clamp(b + cb_gen_rng_range(RNG, 0, 20), b, g->E);

    memset(&L, 0, sizeof(L));
    if (cb_gen_person(g, &L.p, b, (int)cb_gen_rng_below(RNG, 2), 0,
                      cb_gen_tw_pick(g)) != 0)
        return -1;
    L.death = L.gone = L.moved = CB_DATE_NONE;
    L.last = g->E;
    if (cb_gen_hh(g, &L.p, CB_HH_BIRTH, L.p.tw, at(g, seen), -1, CB_TIME_NONE,
                  NULL) != 0)
        return -1;
    if (cb_gen_rng_chance(RNG, 0.5))
        return enroll(g, &L, CB_SCHEME_RESIDENT_MEDICAL,
                      seen + cb_gen_rng_range(RNG, 5, 60));
    return 0;
}

/* Someone moving into the county during the stream. */
static int newcomer(cb_gen_ctx *g)
{
    life L;
    int age = cb_gen_rng_range(RNG, 18, 55);
    int32_t birth =
        cb_gen_add_years(g->T, -age) - cb_gen_rng_range(RNG, 0, 364);
    int32_t i = cb_gen_rng_range(RNG, g->S + 1, g->E);

    memset(&L, 0, sizeof(L));
    if (cb_gen_person(g, &L.p, birth, (int)cb_gen_rng_below(RNG, 2),
                      cb_gen_rng_chance(RNG, 0.3)
                          ? 0
                          : 1 + (int)cb_gen_rng_below(RNG, 15),
                      cb_gen_tw_pick(g)) != 0)
        return -1;
    L.death = L.gone = L.moved = CB_DATE_NONE;
    L.last = g->E;
    if (cb_gen_hh(g, &L.p, CB_HH_MOVE_IN, L.p.tw, at(g, i), 0, CB_TIME_NONE,
                  NULL) != 0)
        return -1;
    if (cb_gen_rng_chance(RNG, 0.4)) { /* insures here */
        int32_t d = i + cb_gen_rng_range(RNG, 10, 90);
        if (cb_gen_rng_chance(RNG, 0.3)) {
            if (enroll(g, &L, CB_SCHEME_EMPLOYEE_PENSION, d) != 0)
                return -1;
            return monthly_contributions(
                g, &L, cb_month_of_date(d) + 1, g->T + 1,
                cb_gen_rng_range(RNG, 600, 2000) * 100);
        }
        if (enroll(g, &L, CB_SCHEME_RESIDENT_PENSION, d) != 0)
            return -1;
        return yearly_contributions(g, &L, d);
    }
    return 0;
}

/* An employer registered with the agency before the stream. */
static int old_employer(cb_gen_ctx *g)
{
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];
    uint32_t u = cb_gen_rng_below(RNG, 100);
    int kind = u < 75   ? CB_BIZ_ENTERPRISE
               : u < 90 ? CB_BIZ_COOPERATIVE
                        : CB_BIZ_BRANCH;
    int tw = cb_gen_tw_pick(g);
    int32_t est =
        cb_gen_rng_range(RNG, cb_date_from_ymd(1995, 1, 1), g->S - 60);

    cb_gen_uscc(g, kind, code);
    cb_gen_org_name(g, kind, tw, name, sizeof(name));
    if (cb_gen_reg(g, 1, code, tw, at(g, est + cb_gen_rng_range(RNG, 1, 30)),
                   CB_TIME_NONE, NULL) != 0)
        return -1;
    u = cb_gen_rng_below(RNG, 100);
    if (u < 5) /* a change of name or address, seen in the stream */
        return cb_gen_biz(g, code, name, kind, CB_BIZ_CHANGED, est, tw, NULL,
                          at(g, cb_gen_rng_range(RNG, g->S + 1, g->E)),
                          CB_TIME_NONE);
    if (u < 7)
        return cb_gen_biz(g, code, name, kind, CB_BIZ_DEREGISTERED, est, tw,
                          NULL, at(g, cb_gen_rng_range(RNG, g->S + 1, g->E)),
                          CB_TIME_NONE);
    return 0;
}

int cb_gen_people(cb_gen_ctx *g, int64_t count)
{
    int64_t births = count * 6 / 1000, comers = count * 8 / 1000;
    int64_t employers = count / 60 + 10;
    int64_t total = count + births + comers + employers, done = 0;

    for (int64_t i = 0; i < count; i++, done++) {
        if (register_person(g) != 0)
            return -1;
        if (g->opts->progress != NULL && done % 65536 == 0)
            g->opts->progress(g->opts->progress_opaque, "people",
                              (double)done / total);
    }
    for (int64_t i = 0; i < births; i++, done++)
        if (newborn(g) != 0)
            return -1;
    for (int64_t i = 0; i < comers; i++, done++)
        if (newcomer(g) != 0)
            return -1;
    for (int64_t i = 0; i < employers; i++, done++) {
        if (old_employer(g) != 0)
            return -1;
        if (g->opts->progress != NULL && done % 65536 == 0)
            g->opts->progress(g->opts->progress_opaque, "people",
                              (double)done / total);
    }
    return 0;
}
