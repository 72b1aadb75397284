/* cb_gen_cases.c -- injected cases: for every lead reason, closing and
 * alert kind, subjects whose rows make it happen, with late and
 * out-of-order variants (a late death notice, a move_out filed before its
 * move_in, a benefit filed before its enrollment, a registration filed
 * weeks after its date, the same event delivered twice).  Dates count back
 * from T; what each case yields is worked out from docs/RULES.md in its
 * comment, and cb_truth decides it from the rows all the same. */
#include <stdio.h>
#include <string.h>

#include "cb_gen_int.h"

#define RNG  (&g->rng)
#define NONE CB_TIME_NONE

static int64_t at(cb_gen_ctx *g, int32_t day)
{
    return cb_gen_ms(day, cb_gen_office_sec(g));
}

/* Someone aged `age` on T (the birthday 1-300 days before T). */
static int32_t born(cb_gen_ctx *g, int age)
{
    return cb_gen_add_years(g->T, -age) - cb_gen_rng_range(RNG, 1, 300);
}

/* A person of the initial register (a `resident` row at the stream's
 * start) or, with region > 0 and no row, someone from elsewhere. */
static int person(cb_gen_ctx *g, gen_person *p, int32_t birth, int region,
                  int in_register, int student)
{
    if (cb_gen_person(g, p, birth, (int)cb_gen_rng_below(RNG, 2), region,
                      cb_gen_tw_pick(g)) != 0)
        return -1;
    if (!in_register)
        return 0;
    g->register_used++;
    return cb_gen_hh(g, p, CB_HH_RESIDENT, p->tw, cb_gen_ms(g->S, 0), student,
                     NONE, NULL);
}

static int snap_enroll(cb_gen_ctx *g, const gen_person *p, int scheme,
                       int32_t day)
{
    return cb_gen_enroll(g, 1, p, scheme, CB_ENR_ENROLL, cb_gen_region(0),
                         p->tw, at(g, day), NONE);
}

static int feed_enroll(cb_gen_ctx *g, const gen_person *p, int scheme,
                       int action, int32_t day, int64_t place)
{
    return cb_gen_enroll(g, 0, p, scheme, action, cb_gen_region(0), p->tw,
                         at(g, day), place);
}

/* A benefit for month m paid on its 5th (in the snapshot before the
 * stream). */
static int benefit(cb_gen_ctx *g, const gen_person *p, int scheme,
                   const char *region, int32_t m, int64_t amount, int64_t place,
                   cb_record *keep)
{
    int32_t pay = cb_gen_month_day(m, 5);

    return cb_gen_fact(
        g, pay < g->S, p, CB_ENR_BENEFIT, scheme, m, amount, -1, CB_LONG_NONE,
        region, p->tw,
        cb_gen_ms(pay, 9 * 3600 + cb_gen_rng_range(RNG, 0, 7200)), place, keep);
}

/* Benefits for months first..last that are paid by T. */
static int benefits(cb_gen_ctx *g, const gen_person *p, int scheme,
                    const char *region, int32_t first, int32_t last,
                    int64_t amount)
{
    for (int32_t m = first; m <= last; m++)
        if (cb_gen_month_day(m, 5) <= g->E &&
            benefit(g, p, scheme, region, m, amount, NONE, NULL) != 0)
            return -1;
    return 0;
}

static int contribution(cb_gen_ctx *g, const gen_person *p, int scheme,
                        const char *region, int32_t m, int64_t amount,
                        int paid_by, int64_t tier)
{
    int32_t pay = cb_gen_month_day(m, 10);

    if (pay <= g->S)
        pay = g->S + 1;
    if (pay > g->E)
        pay = g->E;
    return cb_gen_fact(g, 0, p, CB_ENR_CONTRIBUTE, scheme, m, amount, paid_by,
                       tier, region, p->tw, at(g, pay), NONE, NULL);
}

static int biz(cb_gen_ctx *g, const char *code, const char *name, int kind,
               int action, int32_t est, int tw, const gen_person *rep,
               int32_t day, int64_t place)
{
    return cb_gen_biz(g, code, name, kind, action, est, tw, rep, at(g, day),
                      place);
}

/* ------------------------------------------------------ person leads */

/* On a roster valid on T, in no basic pension: open, assisted, high.
 * Variants: a roster row delivered twice; lifted_out; an open-ended
 * severe_disability of someone in the resident medical scheme (still a
 * lead: medical insurance is no pension); a renewal filed before the row
 * it renews (the latest row by occurred_at wins). */
static int assisted_open(cb_gen_ctx *g, int k)
{
    gen_person p;
    cb_record keep;
    int32_t T = g->T;

    if (person(g, &p, born(g, 30 + k % 25), 0, 1, -1) != 0)
        return -1;
    switch (k % 4) {
    case 0:
        if (cb_gen_roster(g, &p, CB_ID_MINIMUM_LIVING, T - 100, T + 265, p.tw,
                          at(g, T - 100), NONE, &keep) != 0 ||
            cb_gen_again(g, CB_GEN_ASSISTANCE, &keep, at(g, T - 90)) != 0)
            return -1;
        break;
    case 1:
        if (cb_gen_roster(g, &p, CB_ID_LIFTED_OUT, T - 100, T + 265, p.tw,
                          at(g, T - 100), NONE, NULL) != 0)
            return -1;
        break;
    case 2:
        if (snap_enroll(g, &p, CB_SCHEME_RESIDENT_MEDICAL, g->S - 400) != 0 ||
            cb_gen_roster(g, &p, CB_ID_SEVERE_DISABILITY, T - 150, CB_DATE_NONE,
                          p.tw, at(g, T - 150), NONE, NULL) != 0)
            return -1;
        break;
    default:
        if (cb_gen_roster(g, &p, CB_ID_RELAPSE_MONITORING, T - 200, T - 120,
                          p.tw, at(g, T - 200), NONE, NULL) != 0 ||
            cb_gen_roster(g, &p, CB_ID_RELAPSE_MONITORING, T - 119, T + 200,
                          p.tw, at(g, T - 119), at(g, T - 205), NULL) != 0)
            return -1;
        break;
    }
    cb_gen_count_case(g, "assisted_not_enrolled_open");
    return 0;
}

/* On a roster from T-150, enrolled in the resident pension at T-120 with
 * the government paying: closed enrolled, reason assisted (it held the
 * day before), one toward progress. */
static int assisted_enrolled(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T;

    if (person(g, &p, born(g, 35 + k % 20), 0, 1, -1) != 0 ||
        cb_gen_roster(g, &p, CB_ID_EXTREME_POVERTY, T - 150, T + 200, p.tw,
                      at(g, T - 150), NONE, NULL) != 0 ||
        feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, T - 120,
                    NONE) != 0 ||
        contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0),
                     cb_month_of_date(T - 115), 10000, CB_PAID_GOVERNMENT,
                     10000) != 0)
        return -1;
    cb_gen_count_case(g, "assisted_not_enrolled_closed_enrolled");
    return 0;
}

/* Roster members and the employee pension: rule 1 asks for no basic
 * pension, so one insured as an employee is no lead (the resident pension
 * on top would be a dual enrollment).  Each time, all three: in the
 * employee pension since before the stream, on a roster from T-150 (no
 * lead); in it since before the stream, on a roster from T-200, stopped
 * at T-100 (open, assisted, opened_at the stop); on a roster from T-150,
 * a job from T-60 (closed enrolled at T-60, reason assisted: it held the
 * day before; one toward progress). */
static int assisted_employee(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T;

    if (person(g, &p, born(g, 30 + k % 25), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION, g->S - 900) != 0 ||
        cb_gen_roster(g, &p, CB_ID_MINIMUM_LIVING, T - 150, T + 215, p.tw,
                      at(g, T - 150), NONE, NULL) != 0)
        return -1;
    cb_gen_count_case(g, "assisted_insured_as_employee_no_lead");
    if (person(g, &p, born(g, 32 + k % 25), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION, g->S - 1500) != 0 ||
        cb_gen_roster(g, &p, CB_ID_SEVERE_DISABILITY, T - 200, CB_DATE_NONE,
                      p.tw, at(g, T - 200), NONE, NULL) != 0 ||
        feed_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_STOP, T - 100,
                    NONE) != 0)
        return -1;
    cb_gen_count_case(g, "assisted_not_enrolled_employee_pension_stopped");
    if (person(g, &p, born(g, 25 + k % 25), 0, 1, -1) != 0 ||
        cb_gen_roster(g, &p, CB_ID_LIFTED_OUT, T - 150, T + 200, p.tw,
                      at(g, T - 150), NONE, NULL) != 0 ||
        feed_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_ENROLL, T - 60,
                    NONE) != 0)
        return -1;
    cb_gen_count_case(g, "assisted_not_enrolled_closed_employee");
    return 0;
}

/* 60 or more, no pension drawn in the last three months, none enrolled:
 * open, elderly.  Variants: never insured; a resident pensioner whose
 * pension stopped at T-140 (opened_at = the stop); 60 exactly on T. */
static int elderly_open(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T, mS = cb_month_of_date(g->S);

    switch (k % 3) {
    case 0:
        if (person(g, &p, born(g, 65 + k % 20), 0, 1, -1) != 0)
            return -1;
        break;
    case 1:
        if (person(g, &p, born(g, 66 + k % 10), 0, 1, -1) != 0 ||
            snap_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                        cb_date_from_ymd(2012, 3, 1)) != 0 ||
            benefits(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0),
                     mS - 3, cb_month_of_date(T - 150), 23000) != 0 ||
            feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, T - 140,
                        NONE) != 0)
            return -1;
        break;
    default:
        if (person(g, &p, cb_gen_add_years(T, -60), 0, 1, -1) != 0)
            return -1;
        break;
    }
    cb_gen_count_case(g, "elderly_no_pension_open");
    return 0;
}

/* Never insured, 62-76, enrolled in the resident pension at E = T-120,
 * drawing it from the month after; the first benefit is filed before the
 * enrollment.  Closed enrolled, reason elderly (no benefit for E's month
 * or the two before), one toward progress. */
static int elderly_enrolled(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t E = g->T - 120, m = cb_month_of_date(E) + 1;

    if (person(g, &p, born(g, 62 + k % 15), 0, 1, -1) != 0 ||
        feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, E,
                    NONE) != 0 ||
        benefit(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0), m, 21500,
                at(g, E - 3), NULL) != 0 ||
        benefits(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0), m + 1,
                 cb_month_of_date(g->T), 21500) != 0)
        return -1;
    cb_gen_count_case(g, "elderly_no_pension_closed_enrolled");
    return 0;
}

/* Legal representative of an individual business, uninsured: open,
 * business owner.  Variants: the business changes hands (the former
 * representative is only of working age now); a second business of the
 * owner deregistered (the first still counts). */
static int owner_open(cb_gen_ctx *g, int k)
{
    gen_person p, b;
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];
    int32_t T = g->T;

    if (person(g, &p, born(g, 30 + k % 20), 0, 1, -1) != 0)
        return -1;
    cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
    cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, p.tw, name, sizeof(name));
    switch (k % 3) {
    case 0:
        if (biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, T - 150,
                p.tw, &p, T - 148, NONE) != 0)
            return -1;
        break;
    case 1:
        if (person(g, &b, born(g, 40), 0, 1, -1) != 0 ||
            biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, T - 200,
                p.tw, &b, T - 199, NONE) != 0 ||
            biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, T - 200, p.tw,
                &p, T - 60, NONE) != 0)
            return -1;
        break;
    default:
        if (biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, T - 150,
                p.tw, &p, T - 148, NONE) != 0)
            return -1;
        cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
        if (biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, T - 220,
                p.tw, &p, T - 219, NONE) != 0 ||
            biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, T - 220,
                p.tw, &p, T - 30, NONE) != 0)
            return -1;
        break;
    }
    cb_gen_count_case(g, "business_owner_uninsured_open");
    return 0;
}

/* The owner's only business deregistered at T-30: open, working age. */
static int owner_deregistered(cb_gen_ctx *g, int k)
{
    gen_person p;
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];
    int32_t T = g->T;

    if (person(g, &p, born(g, 28 + k % 15), 0, 1, -1) != 0)
        return -1;
    cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
    cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, p.tw, name, sizeof(name));
    if (biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, T - 200, p.tw,
            &p, T - 198, NONE) != 0 ||
        biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, T - 200,
            p.tw, &p, T - 30, NONE) != 0)
        return -1;
    cb_gen_count_case(g, "business_owner_deregistered");
    return 0;
}

/* The owner enrolls at T-40: closed enrolled, reason business owner. */
static int owner_enrolled(cb_gen_ctx *g, int k)
{
    gen_person p;
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];
    int32_t T = g->T;

    if (person(g, &p, born(g, 33 + k % 20), 0, 1, -1) != 0)
        return -1;
    cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
    cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, p.tw, name, sizeof(name));
    if (biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, T - 200, p.tw,
            &p, T - 197, NONE) != 0 ||
        feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL, T - 40,
                    NONE) != 0)
        return -1;
    cb_gen_count_case(g, "business_owner_uninsured_closed_enrolled");
    return 0;
}

/* Working age on the edges: 16 on T (open, opened_at T) and 16 the day
 * after (none); 45 on T (high), its resident row delivered twice; a
 * student who left school at T-90 (open from then); an employee whose
 * pension stopped at T-100 (open from the stop); a newcomer from another
 * province at T-80 (open there, from then). */
static int working_edges(cb_gen_ctx *g, int k)
{
    gen_person p;
    cb_record keep;
    int32_t T = g->T;
    (void)k;

    if (person(g, &p, cb_gen_add_years(T, -16), 0, 1, 1) != 0)
        return -1;
    /* at school until 16, then not: the latest student value wins */
    if (cb_gen_hh(g, &p, CB_HH_ADDRESS_CHANGE, p.tw, at(g, T - 200), 0, NONE,
                  NULL) != 0)
        return -1;
    cb_gen_count_case(g, "working_age_16_on_T");
    if (person(g, &p, cb_gen_add_years(T, -16) + 1, 0, 1, 0) != 0)
        return -1;
    cb_gen_count_case(g, "working_age_16_after_T_no_lead");
    if (cb_gen_person(g, &p, cb_gen_add_years(T, -45), 1, 0,
                      cb_gen_tw_pick(g)) != 0 ||
        cb_gen_hh(g, &p, CB_HH_RESIDENT, p.tw, cb_gen_ms(g->S, 0), -1, NONE,
                  &keep) != 0 ||
        cb_gen_again(g, CB_GEN_HOUSEHOLD, &keep, at(g, g->S + 10)) != 0)
        return -1;
    g->register_used++;
    cb_gen_count_case(g, "working_age_45_on_T_high");
    if (person(g, &p, born(g, 19), 0, 1, 1) != 0 ||
        cb_gen_hh(g, &p, CB_HH_ADDRESS_CHANGE, p.tw, at(g, T - 90), 0, NONE,
                  NULL) != 0)
        return -1;
    cb_gen_count_case(g, "working_age_left_school");
    if (person(g, &p, born(g, 40), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION, g->S - 3000) != 0 ||
        feed_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION, CB_ENR_STOP, T - 100,
                    NONE) != 0)
        return -1;
    cb_gen_count_case(g, "working_age_pension_stopped");
    if (person(g, &p, born(g, 33), 11, 0, -1) != 0 ||
        cb_gen_hh(g, &p, CB_HH_MOVE_IN, p.tw, at(g, T - 80), -1, NONE, NULL) !=
            0)
        return -1;
    cb_gen_count_case(g, "working_age_newcomer");
    return 0;
}

/* ------------------------------------------------------------ closings */

/* Uninsured, dies at D = T-150: closed deceased on D.  Variants: notices
 * from police, civil affairs and health for the same death; one late
 * notice months after; the police notice delivered twice. */
static int deceased(cb_gen_ctx *g, int k)
{
    gen_person p;
    cb_record keep;
    int32_t D = g->T - 150;

    if (person(g, &p, born(g, 30 + k % 28), 0, 1, -1) != 0)
        return -1;
    switch (k % 3) {
    case 0:
        if (cb_gen_death(g, &p, D, CB_DEATH_POLICE, at(g, D + 2), NONE, NULL) !=
                0 ||
            cb_gen_death(g, &p, D, CB_DEATH_CIVIL, at(g, D + 15), NONE, NULL) !=
                0 ||
            cb_gen_death(g, &p, D, CB_DEATH_HEALTH, at(g, D + 1), NONE, NULL) !=
                0)
            return -1;
        break;
    case 1:
        if (cb_gen_death(g, &p, D, CB_DEATH_POLICE, at(g, g->T - 10), NONE,
                         NULL) != 0)
            return -1;
        break;
    default:
        if (cb_gen_death(g, &p, D, CB_DEATH_POLICE, at(g, D + 3), NONE,
                         &keep) != 0 ||
            cb_gen_again(g, CB_GEN_DEATH, &keep, at(g, D + 20)) != 0)
            return -1;
        break;
    }
    cb_gen_count_case(g, "closed_deceased");
    return 0;
}

/* Uninsured, leaves the county at T-120: closed moved_out.  Variant: a
 * newcomer who arrived at T-200 and left at T-100, the move_out filed
 * before the move_in. */
static int moved_out(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T;

    if (k % 2 == 0) {
        if (person(g, &p, born(g, 25 + k % 20), 0, 1, -1) != 0 ||
            cb_gen_hh(g, &p, CB_HH_MOVE_OUT, p.tw, at(g, T - 120), -1, NONE,
                      NULL) != 0)
            return -1;
    } else {
        if (person(g, &p, born(g, 28 + k % 15), 9, 0, -1) != 0 ||
            cb_gen_hh(g, &p, CB_HH_MOVE_OUT, p.tw, at(g, T - 100), -1,
                      at(g, T - 205), NULL) != 0 ||
            cb_gen_hh(g, &p, CB_HH_MOVE_IN, p.tw, at(g, T - 200), -1, NONE,
                      NULL) != 0)
            return -1;
    }
    cb_gen_count_case(g, "closed_moved_out");
    return 0;
}

/* Moves within the county: move_out of A at T-90 and move_in to B at
 * T-88, or an address change to B at T-70: a new lead, open in B. */
static int moved_within(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T;
    int b;

    if (person(g, &p, born(g, 24 + k % 30), 0, 1, -1) != 0)
        return -1;
    b = cb_gen_tw_other(g, p.tw);
    if (k % 2 == 0) {
        if (cb_gen_hh(g, &p, CB_HH_MOVE_OUT, p.tw, at(g, T - 90), -1, NONE,
                      NULL) != 0 ||
            cb_gen_hh(g, &p, CB_HH_MOVE_IN, b, at(g, T - 88), -1, NONE, NULL) !=
                0)
            return -1;
    } else if (cb_gen_hh(g, &p, CB_HH_ADDRESS_CHANGE, b, at(g, T - 70), -1,
                         NONE, NULL) != 0) {
        return -1;
    }
    cb_gen_count_case(g, "moved_within_county_new_lead");
    return 0;
}

/* Uninsured, enrolls: closed enrolled.  Variants: the resident pension;
 * the employee pension (a job); both, the earlier closes. */
static int enrolled(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T;

    if (person(g, &p, born(g, 22 + k % 35), 0, 1, -1) != 0)
        return -1;
    if (k % 3 != 1 && feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                                  CB_ENR_ENROLL, T - 60, NONE) != 0)
        return -1;
    if (k % 3 != 0 && feed_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION,
                                  CB_ENR_ENROLL, T - 75, NONE) != 0)
        return -1;
    cb_gen_count_case(g, "closed_enrolled");
    return 0;
}

/* ------------------------------------------------------------ employers */

static const int org_kinds[3] = {CB_BIZ_ENTERPRISE, CB_BIZ_COOPERATIVE,
                                 CB_BIZ_BRANCH};

/* An employer established on est, seen two days later; its code, name
 * (when name is not NULL) and township come back. */
static int employer(cb_gen_ctx *g, int kind, int32_t est, char *code, int *tw,
                    char *name_out)
{
    char name[CB_ORG_NAME_SIZE];
    int32_t seen = est + 2 <= g->E ? est + 2 : g->E;

    *tw = cb_gen_tw_pick(g);
    cb_gen_uscc(g, kind, code);
    cb_gen_org_name(g, kind, *tw, name, sizeof(name));
    if (name_out != NULL)
        memcpy(name_out, name, sizeof(name));
    return biz(g, code, name, kind, CB_BIZ_ESTABLISHED, est, *tw, NULL, seen,
               NONE);
}

/* Employers and their 30 days. */
static int employers(cb_gen_ctx *g, int k)
{
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];
    cb_record keep;
    int32_t T = g->T, est;
    int tw, kind = org_kinds[k % 3];

    /* never registered: open, opened_at est + 31 */
    if (employer(g, kind, T - 100, code, &tw, NULL) != 0)
        return -1;
    cb_gen_count_case(g, "employer_unregistered_open");
    /* established 31 days before T: open since today */
    if (employer(g, kind, T - 31, code, &tw, NULL) != 0)
        return -1;
    cb_gen_count_case(g, "employer_unregistered_open_day31");
    /* 30 days before T: still in time, no lead */
    if (employer(g, kind, T - 30, code, &tw, NULL) != 0)
        return -1;
    cb_gen_count_case(g, "employer_day30_no_lead");
    /* registered 45 days after: closed enrolled */
    est = T - 150;
    if (employer(g, kind, est, code, &tw, NULL) != 0 ||
        cb_gen_reg(g, 0, code, tw, at(g, est + 45), NONE, NULL) != 0)
        return -1;
    cb_gen_count_case(g, "employer_closed_enrolled");
    /* registered on day 30: no lead */
    if (employer(g, kind, est, code, &tw, NULL) != 0 ||
        cb_gen_reg(g, 0, code, tw, at(g, est + 30), NONE, NULL) != 0)
        return -1;
    cb_gen_count_case(g, "employer_registered_day30_no_lead");
    /* registered on day 10, filed weeks later: no lead */
    if (employer(g, kind, est, code, &tw, NULL) != 0 ||
        cb_gen_reg(g, 0, code, tw, at(g, est + 10), at(g, T - 5), NULL) != 0)
        return -1;
    cb_gen_count_case(g, "employer_registration_filed_late_no_lead");
    /* registered on day 60, delivered twice: closed enrolled, once */
    if (employer(g, kind, est, code, &tw, NULL) != 0 ||
        cb_gen_reg(g, 0, code, tw, at(g, est + 60), NONE, &keep) != 0 ||
        cb_gen_again(g, CB_GEN_ENROLLMENT, &keep, at(g, est + 70)) != 0)
        return -1;
    cb_gen_count_case(g, "employer_registration_twice");
    /* never registered, deregistered at est + 90: closed deregistered */
    est = T - 200;
    if (employer(g, kind, est, code, &tw, name) != 0)
        return -1;
    if (biz(g, code, name, kind, CB_BIZ_DEREGISTERED, est, tw, NULL, est + 90,
            NONE) != 0)
        return -1;
    cb_gen_count_case(g, "employer_closed_deregistered");
    return 0;
}

/* --------------------------------------------------------------- alerts */

/* A resident pensioner dead at D = T-170 whose death is reported at T-70
 * (health) and T-68 (police): the benefits after D's month are paid after
 * death.  Variants: the agency stops the pension at T-65 (after the death:
 * active_after_death too), one benefit delivered twice; or the stop is
 * dated on D but filed at T-65 (no active_after_death). */
static int paid_after_death(cb_gen_ctx *g, int k)
{
    gen_person p;
    cb_record keep;
    int32_t T = g->T, D = T - 170, mS = cb_month_of_date(g->S);
    int64_t amount = 20000 + 100 * (k % 50);

    if (person(g, &p, born(g, 70 + k % 15), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                    cb_date_from_ymd(2011, 5, 1)) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_RESIDENT_MEDICAL,
                    cb_date_from_ymd(2011, 5, 1)) != 0 ||
        benefits(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0), mS - 3,
                 cb_month_of_date(T - 72) - 1, amount) != 0 ||
        benefit(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0),
                cb_month_of_date(T - 72), amount, NONE, &keep) != 0 ||
        cb_gen_death(g, &p, D, CB_DEATH_HEALTH, at(g, T - 70), NONE, NULL) !=
            0 ||
        cb_gen_death(g, &p, D, CB_DEATH_POLICE, at(g, T - 68), NONE, NULL) != 0)
        return -1;
    if (k % 2 == 0) {
        if (cb_gen_again(g, CB_GEN_ENROLLMENT, &keep, at(g, T - 71)) != 0 ||
            feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, T - 65,
                        NONE) != 0 ||
            feed_enroll(g, &p, CB_SCHEME_RESIDENT_MEDICAL, CB_ENR_STOP, T - 65,
                        NONE) != 0)
            return -1;
        cb_gen_count_case(g, "paid_after_death_stopped_late");
    } else {
        if (cb_gen_enroll(g, 0, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP,
                          cb_gen_region(0), p.tw, cb_gen_ms(D, 23 * 3600),
                          at(g, T - 65)) != 0 ||
            cb_gen_enroll(g, 0, &p, CB_SCHEME_RESIDENT_MEDICAL, CB_ENR_STOP,
                          cb_gen_region(0), p.tw, cb_gen_ms(D, 23 * 3600 + 1),
                          at(g, T - 65)) != 0)
            return -1;
        cb_gen_count_case(g, "paid_after_death_stopped_on_death_day");
    }
    return 0;
}

/* Contributions to two basic pensions (or one in two regions) for a
 * month M = month(T-100).  Variants: employee and resident pension
 * (amount: the resident's); the resident pension here and in Sheyang
 * (320924); two employee rows and a resident one (the total less the
 * largest pair's). */
static int dual_enrollment(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t M = cb_month_of_date(g->T - 100);
    const char *here = cb_gen_region(0);

    if (person(g, &p, born(g, 35 + k % 20), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                    cb_date_from_ymd(2015, 4, 1)) != 0)
        return -1;
    switch (k % 3) {
    case 0:
        if (snap_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION,
                        cb_date_from_ymd(2019, 4, 1)) != 0)
            return -1;
        for (int32_t m = M - 2; m <= M + 1; m++)
            if (contribution(g, &p, CB_SCHEME_EMPLOYEE_PENSION, here, m, 120000,
                             CB_PAID_EMPLOYER, CB_LONG_NONE) != 0)
                return -1;
        if (contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, here, M, 20000,
                         CB_PAID_SELF, CB_LONG_NONE) != 0)
            return -1;
        cb_gen_count_case(g, "dual_pension_enrollment_two_schemes");
        break;
    case 1:
        if (contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, here, M, 20000,
                         CB_PAID_SELF, CB_LONG_NONE) != 0 ||
            contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(2), M,
                         30000, CB_PAID_SELF, CB_LONG_NONE) != 0)
            return -1;
        cb_gen_count_case(g, "dual_pension_enrollment_two_regions");
        break;
    default:
        if (contribution(g, &p, CB_SCHEME_EMPLOYEE_PENSION, here, M, 50000,
                         CB_PAID_EMPLOYER, CB_LONG_NONE) != 0 ||
            contribution(g, &p, CB_SCHEME_EMPLOYEE_PENSION, here, M, 30000,
                         CB_PAID_EMPLOYER, CB_LONG_NONE) != 0 ||
            contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, here, M, 20000,
                         CB_PAID_SELF, CB_LONG_NONE) != 0)
            return -1;
        cb_gen_count_case(g, "dual_pension_enrollment_three_rows");
        break;
    }
    return 0;
}

/* Two pensions for the same months.  Variants: the employee and the
 * resident pension for the last three months (three alerts); the employee
 * pension from two regions for two months. */
static int dual_benefit(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t M = cb_month_of_date(g->T - 30);

    if (person(g, &p, born(g, 65 + k % 15), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_EMPLOYEE_PENSION,
                    cb_date_from_ymd(2001, 9, 1)) != 0 ||
        benefits(g, &p, CB_SCHEME_EMPLOYEE_PENSION, cb_gen_region(0),
                 cb_month_of_date(g->S) - 3, cb_month_of_date(g->T),
                 250000 + 1000 * (k % 50)) != 0)
        return -1;
    if (k % 2 == 0) {
        if (snap_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                        cb_date_from_ymd(2012, 9, 1)) != 0 ||
            benefits(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0), M - 2,
                     M, 21000) != 0)
            return -1;
        cb_gen_count_case(g, "dual_pension_benefit_two_schemes");
    } else {
        if (benefits(g, &p, CB_SCHEME_EMPLOYEE_PENSION, cb_gen_region(6), M - 1,
                     M, 180000) != 0)
            return -1;
        cb_gen_count_case(g, "dual_pension_benefit_two_regions");
    }
    return 0;
}

/* On two rosters, and the government paid for the year twice, at tiers
 * 10000 and 20000 (the higher is due: the other is at risk); or three
 * times, at 20000, 10000 and 10000. */
static int duplicate_subsidy(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T;
    int y, m, d;
    const char *here = cb_gen_region(0);

    cb_date_to_ymd(T, &y, &m, &d);
    if (person(g, &p, born(g, 30 + k % 25), 0, 1, -1) != 0 ||
        snap_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                    cb_date_from_ymd(2016, 2, 1)) != 0 ||
        cb_gen_roster(g, &p, CB_ID_MINIMUM_LIVING, T - 250, T + 100, p.tw,
                      at(g, T - 250), NONE, NULL) != 0 ||
        cb_gen_roster(g, &p, CB_ID_SEVERE_DISABILITY, T - 250, CB_DATE_NONE,
                      p.tw, at(g, T - 250), NONE, NULL) != 0 ||
        contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, here,
                     cb_month_from_ym(y, 1), 10000, CB_PAID_GOVERNMENT,
                     10000) != 0 ||
        contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, here,
                     cb_month_from_ym(y, m), 20000, CB_PAID_GOVERNMENT,
                     20000) != 0)
        return -1;
    if (k % 2 == 1 && contribution(g, &p, CB_SCHEME_RESIDENT_PENSION, here,
                                   cb_month_from_ym(y, m > 1 ? m - 1 : 1),
                                   10000, CB_PAID_GOVERNMENT, 10000) != 0)
        return -1;
    cb_gen_count_case(g, k % 2 ? "duplicate_subsidy_three_payments"
                               : "duplicate_subsidy_two_tiers");
    return 0;
}

/* Enrollments active after a death.  Variants: an uninsured person in the
 * resident medical scheme, never stopped (and a lead closed deceased); an
 * enrollment that starts after the death, reported late, then stopped
 * (still active after it); a pensioner whose pension is stopped 40 days
 * after the death. */
static int active_after_death(cb_gen_ctx *g, int k)
{
    gen_person p;
    int32_t T = g->T, D;

    switch (k % 3) {
    case 0:
        D = T - 120;
        if (person(g, &p, born(g, 50 + k % 9), 0, 1, -1) != 0 ||
            snap_enroll(g, &p, CB_SCHEME_RESIDENT_MEDICAL,
                        cb_date_from_ymd(2014, 1, 1)) != 0 ||
            cb_gen_death(g, &p, D, CB_DEATH_POLICE, at(g, D + 2), NONE, NULL) !=
                0)
            return -1;
        cb_gen_count_case(g, "active_after_death_never_stopped");
        break;
    case 1:
        D = T - 200;
        if (person(g, &p, born(g, 62 + k % 10), 0, 1, -1) != 0 ||
            feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_ENROLL,
                        T - 150, NONE) != 0 ||
            cb_gen_death(g, &p, D, CB_DEATH_CIVIL, at(g, T - 30), NONE, NULL) !=
                0 ||
            feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, T - 20,
                        NONE) != 0)
            return -1;
        cb_gen_count_case(g, "active_after_death_enrolled_after_death");
        break;
    default:
        D = T - 100;
        if (person(g, &p, born(g, 68 + k % 10), 0, 1, -1) != 0 ||
            snap_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION,
                        cb_date_from_ymd(2013, 6, 1)) != 0 ||
            benefits(g, &p, CB_SCHEME_RESIDENT_PENSION, cb_gen_region(0),
                     cb_month_of_date(g->S) - 3,
                     cb_gen_month_day(cb_month_of_date(D), 5) <= D
                         ? cb_month_of_date(D)
                         : cb_month_of_date(D) - 1,
                     24000) != 0 ||
            cb_gen_death(g, &p, D, CB_DEATH_POLICE, at(g, D + 3), NONE, NULL) !=
                0 ||
            feed_enroll(g, &p, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP, D + 40,
                        NONE) != 0)
            return -1;
        cb_gen_count_case(g, "active_after_death_stopped_late");
        break;
    }
    return 0;
}

/* --------------------------------------------------------------- driver */

typedef int(case_fn)(cb_gen_ctx *g, int k);

static case_fn *const cases[] = {
    assisted_open,      assisted_enrolled,  assisted_employee,
    elderly_open,       elderly_enrolled,   owner_open,
    owner_deregistered, owner_enrolled,     working_edges,
    deceased,           moved_out,          moved_within,
    enrolled,           employers,          paid_after_death,
    dual_enrollment,    dual_benefit,       duplicate_subsidy,
    active_after_death,
};

int cb_gen_cases(cb_gen_ctx *g, int per_kind)
{
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
        for (int k = 0; k < per_kind; k++)
            if (cases[c](g, k) != 0)
                return -1;
    return 0;
}
