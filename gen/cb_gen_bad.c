/* cb_gen_bad.c -- bad/: feed files with records of every rejection reason
 * between good ones, and bad/expected.csv saying where each is and why
 * (file, line of the record's start, field, reason).  Nothing here is part
 * of the county: neither these records nor the good ones around them reach
 * the ground truth. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_gen_int.h"
#include "cb_ident.h"

#define RNG          (&g->rng)
#define MAX_EXPECTED 128

/* One column changed from a good record, written raw (no quoting), and
 * the rejection expected (reason NULL: the record is good). */
typedef struct change {
    const char *column; /* NULL: append an extra column; "": change
                           nothing (the record itself is bad) */
    const char *raw;
    const char *field;  /* "" when the reason is about the row */
    const char *reason; /* NULL: good */
} change;

typedef struct expected {
    char file[32];
    int64_t line;
    char field[32];
    char reason[32];
} expected;

typedef struct bad_ctx {
    cb_gen_ctx *g;
    FILE *f;
    cb_gen_iconv *cv;
    cb_encoding enc;
    char file[32];
    int64_t line;                 /* the line the next record starts on */
    int64_t records[CB_GEN_NBAD]; /* per file, in cb_gen_bad_path order */
    int cur;                      /* the file being written */
    int n;                        /* event ids */
    expected exp[MAX_EXPECTED];
    int nexp;
} bad_ctx;

/* Writes text (UTF-8, perhaps with deliberate bad bytes) and counts its
 * line breaks. */
static int put(bad_ctx *b, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            b->line++;
    return cb_gen_write_text(b->f, b->cv, b->enc, text, len);
}

static int expect(bad_ctx *b, int64_t line, const char *field,
                  const char *reason)
{
    expected *e;

    if (b->nexp == MAX_EXPECTED) {
        snprintf(b->g->err, sizeof(b->g->err), "too many bad records");
        return -1;
    }
    e = &b->exp[b->nexp++];
    snprintf(e->file, sizeof(e->file), "%s", b->file);
    e->line = line;
    snprintf(e->field, sizeof(e->field), "%s", field);
    snprintf(e->reason, sizeof(e->reason), "%s", reason);
    return 0;
}

/* Writes a record of kind as a CSV row, with one change applied. */
static int row(bad_ctx *b, cb_kind kind, const void *rec, const change *c)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    char line[4096], field[1024];
    size_t len = 0;
    int64_t first = b->line;

    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        if (i > 0)
            line[len++] = ',';
        if (c != NULL && c->column != NULL && c->column[0] != '\0' &&
            strcmp(c->column, f->name) == 0) {
            size_t k = strlen(c->raw);
            if (len + k >= sizeof(line) - 64)
                return -1;
            memcpy(line + len, c->raw, k);
            len += k;
            continue;
        }
        if (cb_field_format(f, rec, field, sizeof(field)) < 0 ||
            cb_gen_csv_append(line, sizeof(line) - 64, &len, field) != 0)
            return -1;
    }
    if (c != NULL && c->column == NULL) {
        memcpy(line + len, ",extra", 6);
        len += 6;
    }
    line[len++] = '\n';
    b->records[b->cur]++;
    if (put(b, line, len) != 0)
        return -1;
    if (c != NULL && c->reason != NULL)
        return expect(b, first, c->field, c->reason);
    return 0;
}

/* Opens bad/<name> and writes the header of kind. */
static int open_file(bad_ctx *b, const char *name, cb_kind kind)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    char path[1200];

    snprintf(b->file, sizeof(b->file), "bad/%s", name);
    for (int i = 0; i < CB_GEN_NBAD; i++)
        if (strcmp(cb_gen_bad_path(i), b->file) == 0)
            b->cur = i;
    snprintf(path, sizeof(path), "%s/%s", b->g->opts->out_dir, b->file);
    b->f = fopen(path, "w");
    if (b->f == NULL) {
        snprintf(b->g->err, sizeof(b->g->err), "cannot create %s: %s", path,
                 strerror(errno));
        return -1;
    }
    b->line = 1;
    for (int i = 0; i < info->nfields; i++) {
        if (put(b, info->fields[i].name, strlen(info->fields[i].name)) != 0 ||
            put(b, i + 1 < info->nfields ? "," : "\n", 1) != 0)
            return -1;
    }
    return 0;
}

static int close_file(bad_ctx *b)
{
    int bad = ferror(b->f);

    if (fclose(b->f) != 0 || bad) {
        b->f = NULL;
        snprintf(b->g->err, sizeof(b->g->err), "cannot write %s", b->file);
        return -1;
    }
    b->f = NULL;
    return 0;
}

/* Writes good records of a kind with each change in turn, a good one
 * between any two; make() fills a fresh good record. */
typedef void(make_fn)(bad_ctx *b, void *rec);

static int rows(bad_ctx *b, cb_kind kind, make_fn *make, const change *cs,
                int n)
{
    cb_record rec;

    for (int i = 0; i < n; i++) {
        make(b, &rec.u);
        if (row(b, kind, &rec.u, NULL) != 0)
            return -1;
        make(b, &rec.u);
        if (row(b, kind, &rec.u, &cs[i]) != 0)
            return -1;
    }
    make(b, &rec.u);
    return row(b, kind, &rec.u, NULL);
}

static int64_t at(cb_gen_ctx *g, int32_t day)
{
    return cb_gen_ms(day, cb_gen_office_sec(g));
}

/* ------------------------------------------------------------- records */

static void make_household(bad_ctx *b, void *out)
{
    cb_gen_ctx *g = b->g;
    cb_household *h = out;
    gen_person p;
    int32_t birth = g->S - cb_gen_rng_range(RNG, 7000, 20000);

    cb_record_clear(CB_KIND_HOUSEHOLD, h);
    cb_gen_person(g, &p, birth, (int)cb_gen_rng_below(RNG, 2), 0,
                  cb_gen_tw_pick(g));
    snprintf(h->event_id, sizeof(h->event_id), "bad-hh-%04d", ++b->n);
    snprintf(h->person_id, sizeof(h->person_id), "%s", p.id);
    snprintf(h->name, sizeof(h->name), "%s", p.name);
    h->sex = p.male ? CB_SEX_M : CB_SEX_F;
    h->birth_date = p.birth;
    h->action = CB_HH_RESIDENT;
    snprintf(h->township_code, sizeof(h->township_code), "%s",
             cb_gen_tw(g, p.tw));
    h->occurred_at = cb_gen_ms(g->S, 0);
}

static void make_death(bad_ctx *b, void *out)
{
    cb_gen_ctx *g = b->g;
    cb_death *d = out;
    gen_person p;

    cb_record_clear(CB_KIND_DEATH, d);
    cb_gen_person(g, &p, g->S - cb_gen_rng_range(RNG, 20000, 30000), 1, 0,
                  cb_gen_tw_pick(g));
    snprintf(d->event_id, sizeof(d->event_id), "bad-dn-%04d", ++b->n);
    snprintf(d->person_id, sizeof(d->person_id), "%s", p.id);
    snprintf(d->name, sizeof(d->name), "%s", p.name);
    d->date_of_death = g->T - 30;
    d->source = CB_DEATH_POLICE;
    snprintf(d->township_code, sizeof(d->township_code), "%s",
             cb_gen_tw(g, p.tw));
    d->occurred_at = at(g, g->T - 28);
}

static void make_enrollment(bad_ctx *b, void *out)
{
    cb_gen_ctx *g = b->g;
    cb_enrollment *e = out;
    gen_person p;

    cb_record_clear(CB_KIND_ENROLLMENT, e);
    cb_gen_person(g, &p, g->S - cb_gen_rng_range(RNG, 7000, 20000), 0, 0,
                  cb_gen_tw_pick(g));
    snprintf(e->event_id, sizeof(e->event_id), "bad-en-%04d", ++b->n);
    snprintf(e->person_id, sizeof(e->person_id), "%s", p.id);
    e->scheme = CB_SCHEME_RESIDENT_PENSION;
    e->action = CB_ENR_CONTRIBUTE;
    cb_month_format(cb_month_of_date(g->T) - 1, e->period);
    e->amount_fen = 20000;
    e->paid_by = CB_PAID_SELF;
    snprintf(e->region_code, sizeof(e->region_code), "320923");
    snprintf(e->township_code, sizeof(e->township_code), "%s",
             cb_gen_tw(g, p.tw));
    e->occurred_at = at(g, g->T - 40);
}

static void make_assistance(bad_ctx *b, void *out)
{
    cb_gen_ctx *g = b->g;
    cb_assistance *a = out;
    gen_person p;

    cb_record_clear(CB_KIND_ASSISTANCE, a);
    cb_gen_person(g, &p, g->S - cb_gen_rng_range(RNG, 7000, 20000), 0, 0,
                  cb_gen_tw_pick(g));
    snprintf(a->event_id, sizeof(a->event_id), "bad-as-%04d", ++b->n);
    snprintf(a->person_id, sizeof(a->person_id), "%s", p.id);
    snprintf(a->name, sizeof(a->name), "%s", p.name);
    a->identity = CB_ID_MINIMUM_LIVING;
    a->valid_from = g->T - 100;
    a->valid_to = g->T + 200;
    snprintf(a->township_code, sizeof(a->township_code), "%s",
             cb_gen_tw(g, p.tw));
    a->occurred_at = at(g, g->T - 100);
}

static void make_business(bad_ctx *b, void *out)
{
    cb_gen_ctx *g = b->g;
    cb_business *r = out;
    gen_person p;
    int tw = cb_gen_tw_pick(g);

    cb_record_clear(CB_KIND_BUSINESS, r);
    cb_gen_person(g, &p, g->S - cb_gen_rng_range(RNG, 9000, 20000), 1, 0, tw);
    snprintf(r->event_id, sizeof(r->event_id), "bad-bz-%04d", ++b->n);
    cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, r->uscc);
    cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, tw, r->name, sizeof(r->name));
    r->kind = CB_BIZ_INDIVIDUAL;
    r->action = CB_BIZ_ESTABLISHED;
    r->established_on = g->T - 60;
    snprintf(r->township_code, sizeof(r->township_code), "%s",
             cb_gen_tw(g, tw));
    snprintf(r->legal_rep_id, sizeof(r->legal_rep_id), "%s", p.id);
    snprintf(r->legal_rep_name, sizeof(r->legal_rep_name), "%s", p.name);
    r->occurred_at = at(g, g->T - 58);
}

/* ---------------------------------------------------------- bad values */

/* A valid resident ID born on `birth` (YYYYMMDD), sequence 123. */
static void person_id(char out[CB_ID_SIZE], const char *birth)
{
    snprintf(out, CB_ID_SIZE, "320923%s123", birth);
    out[17] = cb_ident_person_check_char(out);
    out[18] = '\0';
}

static int household_file(bad_ctx *b)
{
    char bad_date_id[CB_ID_SIZE], future_id[CB_ID_SIZE];
    char short_id[CB_ID_SIZE], letter_id[CB_ID_SIZE];
    char check_id[CB_ID_SIZE], long_name[200];
    cb_record rec;
    cb_household *h = &rec.u.household;

    /* IDs wrong in one way each */
    snprintf(bad_date_id, sizeof(bad_date_id), "32092319991332123");
    bad_date_id[17] = cb_ident_person_check_char(bad_date_id);
    bad_date_id[18] = '\0';
    person_id(future_id, "20990101");
    person_id(check_id, "19800101");
    check_id[17] = check_id[17] == '1' ? '2' : '1';
    person_id(short_id, "19800101");
    short_id[17] = '\0';
    person_id(letter_id, "19800101");
    letter_id[3] = 'A';
    long_name[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(long_name, "王");

    const change cs[] = {
        {"name", "", "name", "missing_field"},
        {"name", long_name, "name", "too_long"},
        {"event_id", "hh bad 1", "event_id", "bad_token"},
        {"person_id", short_id, "person_id", "id_length"},
        {"person_id", letter_id, "person_id", "id_charset"},
        {"person_id", bad_date_id, "person_id", "id_birth_date"},
        {"person_id", check_id, "person_id", "id_check"},
        {"sex", "X", "sex", "unknown_enum"},
        {"birth_date", "2020-02-30", "birth_date", "bad_date"},
        {"occurred_at", "2025-03-01 09:00:00", "occurred_at", "bad_time"},
        {"student", "yes", "student", "bad_bool"},
        {"township_code", "3209A3008", "township_code", "bad_code"},
        {"name", "王\xFF明", "name", "undecodable_text"},
        {"occurred_at", "2099-01-01T09:00:00+08:00", "occurred_at",
         "future_time"},
        {"name", "王\"明", "", "stray_quote"},
        {"name", "\"王明\"x", "", "text_after_quote"},
        {NULL, NULL, "", "field_count"},
    };
    if (open_file(b, "household.csv", CB_KIND_HOUSEHOLD) != 0 ||
        rows(b, CB_KIND_HOUSEHOLD, make_household, cs,
             (int)(sizeof(cs) / sizeof(cs[0]))) != 0)
        return -1;
    /* a good record whose quoted name holds a line break */
    make_household(b, h);
    snprintf(h->name, sizeof(h->name), "陈\n桂兰");
    if (row(b, CB_KIND_HOUSEHOLD, h, NULL) != 0)
        return -1;
    /* cross-field: a birth date and ID in 2099, one that differs from
     * its ID, a sex that differs from its ID */
    make_household(b, h);
    snprintf(h->person_id, sizeof(h->person_id), "%s", future_id);
    h->birth_date = cb_date_from_ymd(2099, 1, 1);
    h->sex = cb_ident_person_is_male(future_id) ? CB_SEX_M : CB_SEX_F;
    change fd = {"", NULL, "birth_date", "future_date"};
    if (row(b, CB_KIND_HOUSEHOLD, h, &fd) != 0)
        return -1;
    make_household(b, h);
    h->birth_date += 1;
    change bm = {"", NULL, "birth_date", "birth_date_mismatch"};
    if (row(b, CB_KIND_HOUSEHOLD, h, &bm) != 0)
        return -1;
    make_household(b, h);
    h->sex = h->sex == CB_SEX_M ? CB_SEX_F : CB_SEX_M;
    change sm = {"", NULL, "sex", "sex_mismatch"};
    if (row(b, CB_KIND_HOUSEHOLD, h, &sm) != 0)
        return -1;
    make_household(b, h);
    if (row(b, CB_KIND_HOUSEHOLD, h, NULL) != 0)
        return -1;
    return close_file(b);
}

static int death_file(bad_ctx *b)
{
    cb_record rec;
    cb_death *d = &rec.u.death;
    const change cs[] = {
        {"source", "hospital", "source", "unknown_enum"},
        {"date_of_death", "2025-13-01", "date_of_death", "bad_date"},
        {"date_of_death", "2099-05-01", "date_of_death", "future_date"},
        {"person_id", "", "person_id", "missing_field"},
    };

    if (open_file(b, "death.csv", CB_KIND_DEATH) != 0 ||
        rows(b, CB_KIND_DEATH, make_death, cs,
             (int)(sizeof(cs) / sizeof(cs[0]))) != 0)
        return -1;
    make_death(b, d);
    d->date_of_death = cb_date_from_ymd(1930, 1, 1);
    change db = {"", NULL, "date_of_death", "death_before_birth"};
    if (row(b, CB_KIND_DEATH, d, &db) != 0)
        return -1;
    make_death(b, d);
    if (row(b, CB_KIND_DEATH, d, NULL) != 0)
        return -1;
    return close_file(b);
}

static int enrollment_file(bad_ctx *b)
{
    cb_gen_ctx *g = b->g;
    cb_record rec;
    cb_enrollment *e = &rec.u.enrollment;
    char uscc_i[CB_ID_SIZE], uscc_check[CB_ID_SIZE], uscc_ok[CB_ID_SIZE];
    const change cs[] = {
        {"period", "2025-13", "period", "bad_month"},
        {"amount_fen", "12.5", "amount_fen", "bad_number"},
        {"amount_fen", "-100", "amount_fen", "bad_amount"},
        {"scheme", "pension", "scheme", "unknown_enum"},
        {"region_code", "32092", "region_code", "bad_code"},
        {"paid_by", "", "paid_by", "missing_field"},
        {"occurred_at", "2099-01-01T09:00:00+08:00", "occurred_at",
         "future_time"},
    };

    cb_gen_uscc(g, CB_BIZ_ENTERPRISE, uscc_ok);
    snprintf(uscc_i, sizeof(uscc_i), "%s", uscc_ok);
    uscc_i[12] = 'I';
    snprintf(uscc_check, sizeof(uscc_check), "%s", uscc_ok);
    uscc_check[17] = uscc_check[17] == '1' ? '2' : '1';
    if (open_file(b, "enrollment.csv", CB_KIND_ENROLLMENT) != 0 ||
        rows(b, CB_KIND_ENROLLMENT, make_enrollment, cs,
             (int)(sizeof(cs) / sizeof(cs[0]))) != 0)
        return -1;
    /* what an action needs, and what it must not have */
    make_enrollment(b, e);
    e->paid_by = CB_PAID_GOVERNMENT;
    change tier = {"", NULL, "subsidy_tier", "missing_field"};
    if (row(b, CB_KIND_ENROLLMENT, e, &tier) != 0)
        return -1;
    make_enrollment(b, e);
    e->action = CB_ENR_BENEFIT;
    e->paid_by = -1;
    e->amount_fen = CB_LONG_NONE;
    change amount = {"", NULL, "amount_fen", "missing_field"};
    if (row(b, CB_KIND_ENROLLMENT, e, &amount) != 0)
        return -1;
    make_enrollment(b, e);
    e->action = CB_ENR_ENROLL;
    e->scheme = -1;
    e->period[0] = '\0';
    e->amount_fen = CB_LONG_NONE;
    e->paid_by = -1;
    change scheme = {"", NULL, "scheme", "missing_field"};
    if (row(b, CB_KIND_ENROLLMENT, e, &scheme) != 0)
        return -1;
    make_enrollment(b, e);
    e->action = CB_ENR_REGISTER_EMPLOYER;
    e->person_id[0] = '\0';
    e->scheme = -1;
    e->period[0] = '\0';
    e->amount_fen = CB_LONG_NONE;
    e->paid_by = -1;
    change uscc = {"", NULL, "uscc", "missing_field"};
    if (row(b, CB_KIND_ENROLLMENT, e, &uscc) != 0)
        return -1;
    make_enrollment(b, e);
    e->action = CB_ENR_REGISTER_EMPLOYER;
    snprintf(e->uscc, sizeof(e->uscc), "%s", uscc_ok);
    e->scheme = -1;
    e->period[0] = '\0';
    e->amount_fen = CB_LONG_NONE;
    e->paid_by = -1;
    change person = {"", NULL, "person_id", "unexpected_field"};
    if (row(b, CB_KIND_ENROLLMENT, e, &person) != 0)
        return -1;
    make_enrollment(b, e);
    change charset = {"uscc", uscc_i, "uscc", "id_charset"};
    if (row(b, CB_KIND_ENROLLMENT, e, &charset) != 0)
        return -1;
    make_enrollment(b, e);
    change check = {"uscc", uscc_check, "uscc", "id_check"};
    if (row(b, CB_KIND_ENROLLMENT, e, &check) != 0)
        return -1;
    make_enrollment(b, e);
    if (row(b, CB_KIND_ENROLLMENT, e, NULL) != 0)
        return -1;
    return close_file(b);
}

static int assistance_file(bad_ctx *b)
{
    cb_record rec;
    cb_assistance *a = &rec.u.assistance;
    const change cs[] = {
        {"identity", "poor", "identity", "unknown_enum"},
        {"valid_from", "2099-01-01", "valid_from", "future_date"},
        {"valid_from", "", "valid_from", "missing_field"},
        {"valid_to", "2025-06-31", "valid_to", "bad_date"},
    };

    if (open_file(b, "assistance.csv", CB_KIND_ASSISTANCE) != 0 ||
        rows(b, CB_KIND_ASSISTANCE, make_assistance, cs,
             (int)(sizeof(cs) / sizeof(cs[0]))) != 0)
        return -1;
    make_assistance(b, a);
    a->valid_to = a->valid_from - 1;
    change range = {"", NULL, "valid_to", "bad_range"};
    if (row(b, CB_KIND_ASSISTANCE, a, &range) != 0)
        return -1;
    make_assistance(b, a);
    if (row(b, CB_KIND_ASSISTANCE, a, NULL) != 0)
        return -1;
    return close_file(b);
}

static int business_file(bad_ctx *b)
{
    cb_record rec;
    cb_business *r = &rec.u.business;
    char long_name[512], short_uscc[CB_ID_SIZE];
    const change cs[] = {
        {"legal_rep_id", "", "legal_rep_id", "missing_field"},
        {"established_on", "2099-01-01", "established_on", "future_date"},
        {"kind", "company", "kind", "unknown_enum"},
        {"established_on", "2025-02-29", "established_on", "bad_date"},
        {"uscc", short_uscc, "uscc", "id_length"},
        {"name", long_name, "name", "too_long"},
    };

    long_name[0] = '\0';
    for (int i = 0; i < 20; i++) /* 300 bytes */
        strcat(long_name, "阜宁县某某");
    snprintf(short_uscc, sizeof(short_uscc), "91320923MA1M2345");
    if (open_file(b, "business.csv", CB_KIND_BUSINESS) != 0 ||
        rows(b, CB_KIND_BUSINESS, make_business, cs,
             (int)(sizeof(cs) / sizeof(cs[0]))) != 0)
        return -1;
    /* a good record whose quoted name holds a comma and quotes */
    make_business(b, r);
    snprintf(r->name, sizeof(r->name), "阜宁县\"兴旺\"农资店,二部");
    if (row(b, CB_KIND_BUSINESS, r, NULL) != 0)
        return -1;
    /* last: a quote that never closes, to the end of the file */
    make_business(b, r);
    change open = {"name", "\"阜宁县某某厂", "", "unterminated_quote"};
    if (row(b, CB_KIND_BUSINESS, r, &open) != 0)
        return -1;
    return close_file(b);
}

/* JSON Lines (always UTF-8): a line that is not JSON, one that is JSON
 * but not an object, a blank line (skipped), and a field error. */
static int jsonl_file(bad_ctx *b)
{
    cb_gen_ctx *g = b->g;
    char path[1200], line[1024], id[CB_ID_SIZE];
    cb_household h;

    snprintf(b->file, sizeof(b->file), "bad/household.jsonl");
    b->cur = CB_GEN_NBAD - 1;
    snprintf(path, sizeof(path), "%s/%s", g->opts->out_dir, b->file);
    b->f = fopen(path, "w");
    if (b->f == NULL) {
        snprintf(g->err, sizeof(g->err), "cannot create %s: %s", path,
                 strerror(errno));
        return -1;
    }
    b->line = 1;
    for (int i = 0; i < 6; i++) {
        char birth[11], at_text[CB_TIME_BUFSZ];
        make_household(b, &h);
        cb_date_format(h.birth_date, birth);
        cb_time_format(h.occurred_at, at_text);
        snprintf(id, sizeof(id), "%s", h.person_id);
        if (i == 4)
            id[17] = id[17] == '1' ? '2' : '1';
        snprintf(line, sizeof(line),
                 "{\"event_id\":\"%s\",\"person_id\":\"%s\",\"name\":\"%s\","
                 "\"sex\":\"%s\",\"birth_date\":\"%s\",\"action\":"
                 "\"resident\",\"township_code\":\"%s\",\"occurred_at\":"
                 "\"%s\"}\n",
                 h.event_id, id, h.name, h.sex == CB_SEX_M ? "M" : "F", birth,
                 h.township_code, at_text);
        if (i == 4 && expect(b, b->line, "person_id", "id_check") != 0)
            return -1;
        b->records[b->cur]++;
        if (put(b, line, strlen(line)) != 0)
            return -1;
        if (i == 1) {
            if (expect(b, b->line, "", "bad_json") != 0 ||
                put(b, "this is not JSON\n", 17) != 0)
                return -1;
            b->records[b->cur]++;
        }
        if (i == 2) {
            if (expect(b, b->line, "", "bad_json") != 0 ||
                put(b, "[1, 2, 3]\n\n", 11) != 0)
                return -1;
            b->records[b->cur]++;
        }
    }
    return close_file(b);
}

static const char *const bad_paths[CB_GEN_NBAD] = {
    "bad/household.csv",  "bad/death.csv",    "bad/enrollment.csv",
    "bad/assistance.csv", "bad/business.csv", "bad/household.jsonl"};

const char *cb_gen_bad_path(int file)
{
    return file >= 0 && file < CB_GEN_NBAD ? bad_paths[file] : NULL;
}

int cb_gen_bad(cb_gen_ctx *g, int64_t records[CB_GEN_NBAD])
{
    bad_ctx *b = calloc(1, sizeof(*b));
    char path[1200];
    FILE *f = NULL;
    int rc = -1;

    if (b == NULL) {
        snprintf(g->err, sizeof(g->err), "out of memory");
        return -1;
    }
    b->g = g;
    b->enc = g->opts->encoding;
    if (b->enc == CB_ENC_GB18030 && (b->cv = cb_gen_iconv_new()) == NULL) {
        snprintf(g->err, sizeof(g->err),
                 "this system's iconv cannot write GB18030");
        goto out;
    }
    if (household_file(b) != 0 || death_file(b) != 0 ||
        enrollment_file(b) != 0 || assistance_file(b) != 0 ||
        business_file(b) != 0)
        goto out;
    b->enc = CB_ENC_UTF8; /* JSON Lines are UTF-8 */
    if (jsonl_file(b) != 0)
        goto out;
    snprintf(path, sizeof(path), "%s/bad/expected.csv", g->opts->out_dir);
    f = fopen(path, "w");
    if (f == NULL) {
        snprintf(g->err, sizeof(g->err), "cannot create %s: %s", path,
                 strerror(errno));
        goto out;
    }
    fputs("file,line,field,reason\n", f);
    for (int i = 0; i < b->nexp; i++)
        fprintf(f, "%s,%lld,%s,%s\n", b->exp[i].file, (long long)b->exp[i].line,
                b->exp[i].field, b->exp[i].reason);
    if (ferror(f) || fclose(f) != 0) {
        f = NULL;
        snprintf(g->err, sizeof(g->err), "cannot write %s", path);
        goto out;
    }
    f = NULL;
    memcpy(records, b->records, sizeof(b->records));
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    if (b->f != NULL)
        fclose(b->f);
    cb_gen_iconv_free(b->cv);
    free(b);
    return rc;
}
