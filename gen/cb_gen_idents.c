/* cb_gen_idents.c -- slips in persons' numbers, namesakes and persons
 * under two numbers in the generated county (cb_gen_idents.h).  The
 * rates are plausible for hand-kept registers, not measured. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cb_gen_idents.h"
#include "cb_ident.h"
#include "cb_name.h"

/* Of the household, death, assistance rows and business rows naming a
 * legal representative: a copy sent again with a slip in the number. */
#define RATE_SLIP 0.004
/* Of the register: persons who are also registered under a second
 * number (duplicate_identity). */
#define RATE_DUPLICATE 0.0005

struct cb_gen_idents {
    cb_gen_rng rng;
    int defects;
    int hold; /* > 0: no random slips (the cases' own rows) */
    int64_t trials, drawn;           /* random slips: rows, slips */
    int64_t refused[CB_GEN_NFILES];  /* slipped rows written, per file */
    int64_t pairs;                   /* duplicate_identity pairs made */
};

#define IRNG (&g->idents->rng)

/* --------------------------------------------------------------- slips */

/* Writes into out a slip of id (18 characters): a wrong check character,
 * a digit substituted, or two adjacent characters swapped, chosen among
 * those `canbao produce` refuses for the number itself (id_check,
 * id_birth_date, id_charset); never a valid number. */
static void make_slip(cb_gen_ctx *g, const char *id, char out[CB_ID_SIZE])
{
    for (;;) {
        uint32_t how = cb_gen_rng_below(IRNG, 10);
        cb_ident_err ie;

        memcpy(out, id, CB_ID_SIZE);
        if (how < 4) { /* the check character */
            static const char checks[] = "0123456789X";
            char c;
            do
                c = checks[cb_gen_rng_below(IRNG, 11)];
            while (c == id[17]);
            out[17] = c;
        } else if (how < 8) { /* a digit of the 17 */
            uint32_t at = cb_gen_rng_below(IRNG, 17);
            char c;
            do
                c = (char)('0' + cb_gen_rng_below(IRNG, 10));
            while (c == id[at]);
            out[at] = c;
        } else { /* two neighbours swapped */
            uint32_t at = cb_gen_rng_below(IRNG, 17);
            if (id[at] == id[at + 1])
                continue;
            out[at] = id[at + 1];
            out[at + 1] = id[at];
        }
        ie = cb_ident_check_person(out, 18, NULL);
        if (ie == CB_IDENT_CHECK || ie == CB_IDENT_BIRTH_DATE ||
            ie == CB_IDENT_CHARSET)
            return;
    }
}

/* The person's number field of a record of file, or NULL when the row
 * names no person by number and name. */
static char *number_of(cb_record *rec)
{
    switch (rec->kind) {
    case CB_KIND_HOUSEHOLD:
        return rec->u.household.person_id;
    case CB_KIND_DEATH:
        return rec->u.death.name[0] ? rec->u.death.person_id : NULL;
    case CB_KIND_ASSISTANCE:
        return rec->u.assistance.name[0] ? rec->u.assistance.person_id : NULL;
    case CB_KIND_BUSINESS:
        return rec->u.business.legal_rep_id[0] &&
                       rec->u.business.legal_rep_name[0]
                   ? rec->u.business.legal_rep_id
                   : NULL;
    default:
        return NULL;
    }
}

static int64_t *occurred_of(cb_record *rec)
{
    switch (rec->kind) {
    case CB_KIND_HOUSEHOLD:
        return &rec->u.household.occurred_at;
    case CB_KIND_DEATH:
        return &rec->u.death.occurred_at;
    case CB_KIND_ASSISTANCE:
        return &rec->u.assistance.occurred_at;
    default:
        return &rec->u.business.occurred_at;
    }
}

/* Writes rec (a copy) again with number `written` and a fresh event id,
 * `later` seconds after it (not past the last day), as a refused row. */
static int refused_copy(cb_gen_ctx *g, int file, const cb_record *rec,
                        const char *written, int later)
{
    cb_record copy = *rec;
    char *num = number_of(&copy);
    int64_t *at = occurred_of(&copy);

    snprintf(num, CB_ID_SIZE, "%s", written);
    if (*at + (int64_t)later * 1000 < cb_gen_ms(g->T, 0))
        *at += (int64_t)later * 1000;
    g->idents->refused[file]++;
    return cb_gen_refused(g, file, &copy, CB_TIME_NONE);
}

int cb_gen_idents_after(cb_gen_ctx *g, int file, const cb_record *rec)
{
    cb_gen_idents *d = g->idents;
    cb_record tmp = *rec;
    char full[CB_ID_SIZE], slip[CB_ID_SIZE];
    const char *num = number_of(&tmp);

    if (!d->defects || d->hold > 0 || num == NULL ||
        (file != CB_GEN_HOUSEHOLD && file != CB_GEN_DEATH &&
         file != CB_GEN_ASSISTANCE && file != CB_GEN_BUSINESS))
        return 0;
    d->trials++;
    if (!cb_gen_rng_chance(IRNG, RATE_SLIP))
        return 0;
    /* the slip is in the 18-digit form, whichever the row wrote */
    if (cb_ident_person_canonical(num, strlen(num), full, NULL) !=
        CB_IDENT_OK)
        return 0;
    d->drawn++;
    make_slip(g, full, slip);
    return refused_copy(g, file, rec, slip,
                        cb_gen_rng_range(IRNG, 60, 3 * 3600));
}

/* ------------------------------------------------------------- persons */

static int64_t office(cb_gen_ctx *g, int32_t day)
{
    return cb_gen_ms(day, cb_gen_rng_range(IRNG, 8 * 3600, 18 * 3600 - 1));
}

/* Gives p a `resident` row at the stream's start: a person of the
 * initial register. */
static int register_person(cb_gen_ctx *g, const gen_person *p)
{
    g->register_used++;
    return cb_gen_hh(g, p, CB_HH_RESIDENT, p->tw, cb_gen_ms(g->S, 0), -1,
                     CB_TIME_NONE, NULL);
}

/* A person born `birth`, of sex male, in region 0 (Funing). */
static int person(cb_gen_ctx *g, gen_person *p, int32_t birth, int male)
{
    return cb_gen_person(g, p, birth, male, 0, cb_gen_tw_pick(g));
}

/* A namesake of p born the same day with the same sex and the next
 * number of the day: the same name, a number that differs from p's in
 * the last digit of the sequence (and the check character) only. */
static int twin(cb_gen_ctx *g, const gen_person *p, gen_person *q)
{
    for (int tries = 0; tries < 8; tries++) {
        if (person(g, q, p->birth, p->male) != 0)
            return -1;
        snprintf(q->name, sizeof(q->name), "%s", p->name);
        if (memcmp(q->id, p->id, 16) == 0 && q->id[17] != p->id[17])
            return 0;
    }
    snprintf(g->err, sizeof(g->err), "no namesake number for a slip");
    return -1;
}

/* A row that names p (assistance or death notice) with its number
 * written `written` and the name `name`, refused. */
static int refused_row(cb_gen_ctx *g, const gen_person *p, const char *name,
                       const char *written, int k)
{
    cb_record rec;
    int32_t day = g->E - cb_gen_rng_range(IRNG, 5, 120);

    if (k % 2 == 0) {
        cb_assistance *a = &rec.u.assistance;
        rec.kind = CB_KIND_ASSISTANCE;
        cb_record_clear(CB_KIND_ASSISTANCE, a);
        snprintf(a->person_id, sizeof(a->person_id), "%s", written);
        snprintf(a->name, sizeof(a->name), "%s", name);
        a->identity = CB_ID_MINIMUM_LIVING;
        a->valid_from = day;
        snprintf(a->township_code, sizeof(a->township_code), "%s",
                 cb_gen_tw(g, p->tw));
        a->occurred_at = office(g, day);
        g->idents->refused[CB_GEN_ASSISTANCE]++;
        return cb_gen_refused(g, CB_GEN_ASSISTANCE, &rec, CB_TIME_NONE);
    }
    cb_death *d = &rec.u.death;
    rec.kind = CB_KIND_DEATH;
    cb_record_clear(CB_KIND_DEATH, d);
    snprintf(d->person_id, sizeof(d->person_id), "%s", written);
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->date_of_death = day - 3;
    d->source = CB_DEATH_CIVIL;
    snprintf(d->township_code, sizeof(d->township_code), "%s",
             cb_gen_tw(g, p->tw));
    d->occurred_at = office(g, day);
    g->idents->refused[CB_GEN_DEATH]++;
    return cb_gen_refused(g, CB_GEN_DEATH, &rec, CB_TIME_NONE);
}

/* -------------------------------------------------------------- cases */

/* A slip of a registered person's number on a row naming the person: a
 * probable_typo item (the random slips make more). */
static int slip_one(cb_gen_ctx *g, int k)
{
    gen_person p;
    char w[CB_ID_SIZE];

    if (person(g, &p, cb_gen_add_years(g->T, -(20 + k % 50)) -
                          cb_gen_rng_range(IRNG, 1, 300),
               k % 2) != 0 ||
        register_person(g, &p) != 0)
        return -1;
    make_slip(g, p.id, w);
    if (refused_row(g, &p, p.name, w, k) != 0)
        return -1;
    cb_gen_count_case(g, "probable_typo");
    return 0;
}

/* Two registered namesakes born the same day whose numbers differ in the
 * last digit of the sequence: a row with the first's sequence digit and
 * the second's check character is one slip from each -- nothing. */
static int slip_ambiguous(cb_gen_ctx *g, int k)
{
    gen_person p, q;
    char w[CB_ID_SIZE];

    if (person(g, &p, cb_gen_add_years(g->T, -(25 + k % 40)), k % 2) != 0 ||
        twin(g, &p, &q) != 0 || register_person(g, &p) != 0 ||
        register_person(g, &q) != 0)
        return -1;
    memcpy(w, q.id, CB_ID_SIZE);
    w[17] = p.id[17];
    if (refused_row(g, &p, p.name, w, k) != 0)
        return -1;
    cb_gen_count_case(g, "typo_ambiguous");
    return 0;
}

/* A slip of a registered person's number on a row whose name is another
 * person's: no candidate, nothing. */
static int slip_nobody(cb_gen_ctx *g, int k)
{
    gen_person p, x;
    char w[CB_ID_SIZE];

    if (person(g, &p, cb_gen_add_years(g->T, -(30 + k % 30)), k % 2) != 0 ||
        register_person(g, &p) != 0)
        return -1;
    do /* someone else's name, never registered */
        if (person(g, &x, p.birth, p.male) != 0)
            return -1;
    while (cb_name_same(x.name, strlen(x.name), p.name, strlen(p.name)));
    make_slip(g, p.id, w);
    if (refused_row(g, &p, x.name, w, k + 1) != 0)
        return -1;
    cb_gen_count_case(g, "typo_name_of_nobody");
    return 0;
}

/* Enrolls p in a basic pension before the stream (the snapshot). */
static int pension(cb_gen_ctx *g, const gen_person *p, int scheme,
                   const char *region)
{
    return cb_gen_enroll(g, 1, p, scheme, CB_ENR_ENROLL, region, p->tw,
                         cb_gen_ms(g->S - cb_gen_rng_range(IRNG, 30, 2000),
                                   36000),
                         CB_TIME_NONE);
}

/* A benefit (or a contribution) of p for month m. */
static int money(cb_gen_ctx *g, const gen_person *p, int benefit, int scheme,
                 int32_t m, int64_t amount, const char *region)
{
    int32_t day = cb_gen_month_day(m, benefit ? 20 : 15);

    return cb_gen_fact(g, 0, p, benefit ? CB_ENR_BENEFIT : CB_ENR_CONTRIBUTE,
                       scheme, m, amount, benefit ? -1 : CB_PAID_SELF,
                       CB_LONG_NONE, region, p->tw, office(g, day),
                       CB_TIME_NONE, NULL);
}

/* Namesakes who raise nothing: the same name and an active pension each,
 * but another birth date (k even) or another sex (k odd); and (k % 3 ==
 * 0) one of the same of both whose pension was stopped. */
static int namesakes(cb_gen_ctx *g, int k)
{
    gen_person p, q, r;
    int32_t M = cb_month_of_date(g->E) - 1;

    if (person(g, &p, cb_gen_add_years(g->T, -(62 + k % 15)), k % 2) != 0)
        return -1;
    if (person(g, &q, k % 2 ? p.birth : p.birth - 1 - k % 200,
               k % 2 ? !p.male : p.male) != 0)
        return -1;
    snprintf(q.name, sizeof(q.name), "%s", p.name);
    if (register_person(g, &p) != 0 || register_person(g, &q) != 0 ||
        pension(g, &p, CB_SCHEME_RESIDENT_PENSION, "320923") != 0 ||
        pension(g, &q, CB_SCHEME_RESIDENT_PENSION, "320923") != 0 ||
        money(g, &p, 1, CB_SCHEME_RESIDENT_PENSION, M, 23000, "320923") ||
        money(g, &q, 1, CB_SCHEME_RESIDENT_PENSION, M, 23000, "320923"))
        return -1;
    cb_gen_count_case(g, "namesake_other_birth_or_sex");
    if (k % 3 != 0)
        return 0;
    if (twin(g, &p, &r) != 0 || register_person(g, &r) != 0 ||
        pension(g, &r, CB_SCHEME_RESIDENT_PENSION, "320923") != 0 ||
        money(g, &r, 1, CB_SCHEME_RESIDENT_PENSION, M - 2, 23000, "320923") ||
        cb_gen_enroll(g, 0, &r, CB_SCHEME_RESIDENT_PENSION, CB_ENR_STOP,
                      "320923", r.tw, office(g, cb_gen_month_day(M - 1, 3)),
                      CB_TIME_NONE) != 0)
        return -1;
    cb_gen_count_case(g, "namesake_one_pension");
    return 0;
}

/* One person under two numbers, both with an active pension: drawing a
 * pension under both (variant 0, 1), paying into both (2), or under both
 * in different months (3: amount 0).  The second number is the next of
 * the same day, or now and then of another region. */
static int duplicate(cb_gen_ctx *g, int k)
{
    gen_person p, q;
    int v = k % 4;
    int32_t M = cb_month_of_date(g->E) - 1;
    int age = v == 2 ? 45 + k % 14 : 61 + k % 20;
    const char *region_q = "320923";

    if (person(g, &p, cb_gen_add_years(g->T, -age) -
                          cb_gen_rng_range(IRNG, 1, 300),
               k % 2) != 0)
        return -1;
    if (k % 5 == 4) { /* registered first elsewhere */
        if (cb_gen_person(g, &q, p.birth, p.male, 1 + k % 8,
                          cb_gen_tw_pick(g)) != 0)
            return -1;
        region_q = cb_gen_region(1 + k % 8);
    } else if (person(g, &q, p.birth, p.male) != 0) {
        return -1;
    }
    snprintf(q.name, sizeof(q.name), "%s", p.name);
    if (register_person(g, &p) != 0 || register_person(g, &q) != 0 ||
        pension(g, &p, CB_SCHEME_RESIDENT_PENSION, "320923") != 0 ||
        pension(g, &q, CB_SCHEME_EMPLOYEE_PENSION, region_q) != 0)
        return -1;
    int months = 2 + (int)cb_gen_rng_below(IRNG, 2);
    for (int i = 0; i < months; i++) {
        int32_t m = M - i;
        int rc;
        if (v == 2)
            rc = money(g, &p, 0, CB_SCHEME_RESIDENT_PENSION, m, 30000,
                       "320923") ||
                 money(g, &q, 0, CB_SCHEME_EMPLOYEE_PENSION, m,
                       cb_gen_rng_range(IRNG, 80000, 160000), region_q);
        else if (v == 3)
            rc = money(g, &p, 1, CB_SCHEME_RESIDENT_PENSION, m - 2 * i,
                       cb_gen_rng_range(IRNG, 18000, 30000), "320923") ||
                 money(g, &q, 1, CB_SCHEME_EMPLOYEE_PENSION, m - 2 * i - 1,
                       cb_gen_rng_range(IRNG, 250000, 420000), region_q);
        else
            rc = money(g, &p, 1, CB_SCHEME_RESIDENT_PENSION, m,
                       cb_gen_rng_range(IRNG, 18000, 30000), "320923") ||
                 money(g, &q, 1, CB_SCHEME_EMPLOYEE_PENSION, m,
                       cb_gen_rng_range(IRNG, 250000, 420000), region_q);
        if (rc != 0)
            return -1;
    }
    g->idents->pairs++;
    cb_gen_count_case(g, v == 3 ? "duplicate_identity_no_overlap"
                                : "duplicate_identity");
    return 0;
}

int cb_gen_idents_cases(cb_gen_ctx *g, int per_kind, int64_t people)
{
    int64_t pairs = (int64_t)((double)people * RATE_DUPLICATE + 0.5);
    int rc = 0;

    if (!g->idents->defects)
        return 0;
    if (pairs < 4 * (int64_t)per_kind)
        pairs = 4 * (int64_t)per_kind;
    g->idents->hold++;
    for (int k = 0; k < per_kind && rc == 0; k++)
        rc = slip_one(g, k) || slip_ambiguous(g, k) || slip_nobody(g, k) ||
             namesakes(g, k);
    for (int64_t k = 0; k < pairs && rc == 0; k++)
        rc = duplicate(g, (int)k);
    g->idents->hold--;
    return rc != 0 ? -1 : 0;
}

/* ------------------------------------------------------------ state */

cb_gen_idents *cb_gen_idents_new(uint64_t seed, int defects)
{
    cb_gen_idents *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    /* another stream than the county's and the names': "idents" */
    cb_gen_rng_seed(&d->rng, seed ^ 0x6964656e7473ULL);
    d->defects = defects;
    return d;
}

void cb_gen_idents_free(cb_gen_idents *d)
{
    free(d);
}

void cb_gen_idents_manifest(const cb_gen_ctx *g, FILE *f)
{
    const cb_gen_idents *d = g->idents;
    int first = 1;

    fprintf(f,
            "{\n    \"on\": %s,\n    \"rates\": {\n"
            "      \"slip\": %g,\n      \"duplicate_identity\": %g\n    },\n"
            "    \"slip_trials\": %" PRId64 ",\n    \"slips_drawn\": %" PRId64
            ",\n    \"duplicate_pairs\": %" PRId64 ",\n    \"refused_rows\": {",
            d->defects ? "true" : "false", RATE_SLIP, RATE_DUPLICATE,
            d->trials, d->drawn, d->pairs);
    for (int i = 0; i < CB_GEN_NFILES; i++) {
        if (i != CB_GEN_HOUSEHOLD && i != CB_GEN_DEATH &&
            i != CB_GEN_ASSISTANCE && i != CB_GEN_BUSINESS)
            continue;
        fprintf(f, "%s\n      \"%s\": %" PRId64, first ? "" : ",",
                cb_gen_file_path(i), d->refused[i]);
        first = 0;
    }
    fputs("\n    }\n  }", f);
}
