/* cb_gen.c -- the generator's run: directories, the township table, the
 * injected cases and the background county, sorted output, the bad files,
 * the ground truth and the manifest. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cb_embed.h"
#include "cb_gen_idents.h"
#include "cb_gen_int.h"
#include "cb_gen_names.h"

#define TOWNSHIPS_FILE "townships-funing.csv"

static int make_dir(cb_gen_ctx *g, const char *dir, const char *sub)
{
    char path[1200];

    snprintf(path, sizeof(path), "%s%s%s", dir, sub[0] ? "/" : "", sub);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        snprintf(g->err, sizeof(g->err), "cannot create %s: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Share of the register that a generated county is asked to enroll in
 * the --as-of year: seed 003 has targets for 2019-2021 only, and a demo
 * report for another year needs one to measure against. */
#define GEN_TARGET_PER_MILLE 50

/* The township table, and cumulative weights by target_total. */
static int load_townships(cb_gen_ctx *g, const cb_embedded_file **file)
{
    double total = 0, run = 0;

    *file = cb_embed_find(cb_data_files, TOWNSHIPS_FILE);
    if (*file == NULL) {
        snprintf(g->err, sizeof(g->err), "%s is not embedded", TOWNSHIPS_FILE);
        return -1;
    }
    if (cb_townships_parse(&g->tws, (*file)->data, (*file)->size,
                           TOWNSHIPS_FILE, g->err, sizeof(g->err)) != 0)
        return -1;
    if (g->tws.count == 0) {
        snprintf(g->err, sizeof(g->err), "%s has no township", TOWNSHIPS_FILE);
        return -1;
    }
    g->tw_cum = malloc(g->tws.count * sizeof(double));
    if (g->tw_cum == NULL) {
        snprintf(g->err, sizeof(g->err), "out of memory");
        return -1;
    }
    for (size_t i = 0; i < g->tws.count; i++)
        total += (double)(g->tws.rows[i].total > 0 ? g->tws.rows[i].total : 1);
    for (size_t i = 0; i < g->tws.count; i++) {
        run += (double)(g->tws.rows[i].total > 0 ? g->tws.rows[i].total : 1);
        g->tw_cum[i] = run / total;
    }
    g->tw_cum[g->tws.count - 1] = 1.0;
    return 0;
}

/* townships.csv of the generated county: seed 003's table as it is, plus a
 * target column for the evaluation year when the table has none.  The
 * county target (GEN_TARGET_PER_MILLE of the register) is shared among the
 * townships in proportion to their seed totals by largest remainder, so
 * the column adds up exactly; each row's target_total grows by its share,
 * so every row still adds up. */
static int write_townships(cb_gen_ctx *g)
{
    const cb_townships *t = &g->tws;
    int year, month, day;
    int64_t county, given = 0, *share = NULL;
    double *rest = NULL;
    FILE *f = NULL;
    char path[1200];
    int rc = -1;

    cb_date_to_ymd(g->T, &year, &month, &day);
    (void)month;
    (void)day;
    share = calloc(t->count, sizeof(*share));
    rest = calloc(t->count, sizeof(*rest));
    if (share == NULL || rest == NULL) {
        snprintf(g->err, sizeof(g->err), "out of memory");
        goto out;
    }
    county = (g->opts->people * GEN_TARGET_PER_MILLE + 999) / 1000;
    if (cb_townships_year_index(t, year) < 0) {
        for (size_t i = 0; i < t->count; i++) {
            double exact = t->grand_total > 0
                ? (double)county * (double)t->rows[i].total /
                      (double)t->grand_total
                : (double)county / (double)t->count;
            share[i] = (int64_t)exact;
            rest[i] = exact - (double)share[i];
            given += share[i];
        }
        while (given < county) {
            size_t best = 0;
            for (size_t i = 1; i < t->count; i++)
                if (rest[i] > rest[best])
                    best = i;
            share[best]++;
            rest[best] = -1.0;
            given++;
        }
    }
    snprintf(path, sizeof(path), "%s/townships.csv", g->opts->out_dir);
    f = fopen(path, "w");
    if (f == NULL)
        goto io;
    fprintf(f, "township_code,township,target_total");
    for (int y = 0; y < t->nyears; y++)
        fprintf(f, ",target_%d", t->years[y]);
    if (given > 0)
        fprintf(f, ",target_%d", year);
    fputc('\n', f);
    for (size_t i = 0; i < t->count; i++) {
        const cb_township *r = &t->rows[i];
        fprintf(f, "%s,%s,%" PRId64, r->code, r->name, r->total + share[i]);
        for (int y = 0; y < t->nyears; y++)
            fprintf(f, ",%" PRId64, r->target[y]);
        if (given > 0)
            fprintf(f, ",%" PRId64, share[i]);
        fputc('\n', f);
    }
    if (ferror(f))
        goto io;
    rc = fclose(f);
    f = NULL;
    if (rc != 0)
        goto io;
    goto out;
io:
    snprintf(g->err, sizeof(g->err), "cannot write %s: %s", path,
             strerror(errno));
    rc = -1;
out:
    if (f != NULL)
        fclose(f);
    free(share);
    free(rest);
    return rc;
}

/* A JSON object of names and counts, for the manifest. */
static void json_counts(FILE *f, const char *indent, const char *const *names,
                        const int64_t *counts, int n)
{
    fputs("{", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s\n%s  \"%s\": %" PRId64, i ? "," : "", indent, names[i],
                counts[i]);
    fprintf(f, "\n%s}", indent);
}

static int write_manifest(cb_gen_ctx *g, const cb_gen_summary *s)
{
    static const char *const reasons[5] = {
        "assisted_not_enrolled", "elderly_no_pension",
        "business_owner_uninsured", "working_age_uninsured",
        "employer_unregistered"};
    static const char *const closed[5] = {"enrolled", "deceased", "moved_out",
                                          "deregistered", "invalid"};
    static const char *const kinds[5] = {
        "paid_after_death", "dual_pension_enrollment", "dual_pension_benefit",
        "duplicate_subsidy", "active_after_death"};
    const char *review_kinds[CB_REVIEW_KIND_COUNT];
    const char *files[CB_GEN_NFILES], *bad[CB_GEN_NBAD];
    const cb_truth_counts *t = &s->truth;
    char path[1200], as_of[11], start[11];
    int64_t status[4] = {t->open, t->closed, t->high, t->normal};
    static const char *const status_names[4] = {"open", "closed", "high",
                                                "normal"};
    FILE *f;

    for (int i = 0; i < CB_GEN_NFILES; i++)
        files[i] = cb_gen_file_path(i);
    for (int i = 0; i < CB_GEN_NBAD; i++)
        bad[i] = cb_gen_bad_path(i);
    for (int i = 0; i < CB_REVIEW_KIND_COUNT; i++)
        review_kinds[i] = cb_review_kind_symbol(i);
    cb_date_format(g->T, as_of);
    cb_date_format(g->S, start);
    snprintf(path, sizeof(path), "%s/manifest.json", g->opts->out_dir);
    f = fopen(path, "w");
    if (f == NULL) {
        snprintf(g->err, sizeof(g->err), "cannot create %s: %s", path,
                 strerror(errno));
        return -1;
    }
    fprintf(f,
            "{\n  \"seed\": %" PRIu64 ",\n  \"people\": %" PRId64
            ",\n  \"as_of\": \"%s\",\n  \"stream_start\": \"%s\",\n"
            "  \"encoding\": \"%s\",\n  \"legacy_ids_pct\": %d,\n"
            "  \"files\": ",
            g->opts->seed, g->opts->people, as_of, start,
            cb_encoding_name(g->opts->encoding), g->opts->legacy_pct);
    json_counts(f, "  ", files, s->rows, CB_GEN_NFILES);
    fputs(",\n  \"bad_files\": ", f);
    json_counts(f, "  ", bad, s->bad_rows, CB_GEN_NBAD);
    fprintf(f, ",\n  \"bad_records\": %" PRId64 ",\n  \"injected\": ",
            s->bad_records);
    json_counts(f, "  ", s->case_names, s->case_counts, s->ncases);
    fputs(",\n  \"name_defects\": ", f);
    cb_gen_names_manifest(g, f);
    fputs(",\n  \"ident_defects\": ", f);
    cb_gen_idents_manifest(g, f);
    fprintf(f,
            ",\n  \"truth\": {\n    \"leads\": %" PRId64 ",\n"
            "    \"leads_by_status\": ",
            t->leads);
    json_counts(f, "    ", status_names, status, 4);
    fputs(",\n    \"leads_by_reason\": ", f);
    json_counts(f, "    ", reasons, t->by_reason, 5);
    fputs(",\n    \"closed_by_reason\": ", f);
    json_counts(f, "    ", closed, t->by_closed_reason, 5);
    fprintf(f, ",\n    \"alerts\": %" PRId64 ",\n    \"alerts_by_kind\": ",
            t->alerts);
    json_counts(f, "    ", kinds, t->by_alert_kind, 5);
    fprintf(f,
            ",\n    \"progress_rows\": %" PRId64
            ",\n    \"progress_enrolled\": %" PRId64
            ",\n    \"reviews\": %" PRId64 ",\n    \"reviews_by_kind\": ",
            t->progress_rows, t->progress_enrolled, t->reviews);
    json_counts(f, "    ", review_kinds, t->by_review_kind,
                CB_REVIEW_KIND_COUNT);
    fputs("\n  }\n}\n", f);
    if (ferror(f) || fclose(f) != 0) {
        snprintf(g->err, sizeof(g->err), "cannot write %s", path);
        return -1;
    }
    return 0;
}

/* The names' and the numbers' states, with the defects on unless the options or
 * CANBAO_GEN_DEFECTS=0 turn them off. */
static int name_defects(cb_gen_ctx *g)
{
    const char *env = getenv("CANBAO_GEN_DEFECTS");
    int on = !g->opts->no_defects;

    if (env != NULL && *env != '\0') {
        if (strcmp(env, "0") != 0 && strcmp(env, "1") != 0) {
            snprintf(g->err, sizeof(g->err),
                     "CANBAO_GEN_DEFECTS must be 0 or 1, not '%.40s'", env);
            return -1;
        }
        on = on && env[0] == '1';
    }
    g->names = cb_gen_names_new(g->opts->seed, on);
    g->idents = cb_gen_idents_new(g->opts->seed, on);
    if (g->names == NULL || g->idents == NULL) {
        snprintf(g->err, sizeof(g->err), "out of memory");
        return -1;
    }
    return 0;
}

/* Injected cases per kind: every variant from 400 people on, more in a
 * big county. */
static int cases_per_kind(int64_t people)
{
    if (people < 400)
        return 1;
    if (people < 100000)
        return 4;
    return 4 + (int)(people / 100000);
}

int cb_gen_run(const cb_gen_opts *opts, cb_gen_summary *summary, char *errstr,
               size_t errstr_size)
{
    cb_gen_ctx *g = calloc(1, sizeof(*g));
    const cb_embedded_file *tw_file;
    char dir[1200];
    int rc = -1;

    memset(summary, 0, sizeof(*summary));
    if (g == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    g->opts = opts;
    g->T = opts->as_of;
    g->E = opts->as_of - 1;
    g->S = cb_gen_month_day(cb_month_of_date(opts->as_of) - 10, 1);
    if (opts->people < CB_GEN_MIN_PEOPLE || opts->people > CB_GEN_MAX_PEOPLE) {
        snprintf(g->err, sizeof(g->err), "people must be %d to %d",
                 CB_GEN_MIN_PEOPLE, CB_GEN_MAX_PEOPLE);
        goto out;
    }
    if (g->T < cb_date_from_ymd(2000, 1, 1) ||
        g->T > cb_date_from_ymd(2090, 12, 31)) {
        snprintf(g->err, sizeof(g->err), "as_of must be between 2000 and 2090");
        goto out;
    }
    cb_gen_rng_seed(&g->rng, opts->seed);
    if (name_defects(g) != 0)
        goto out;
    g->id_first_day = cb_date_from_ymd(1900, 1, 1);
    g->id_days = g->T - g->id_first_day + 1;
    g->id_count = calloc((size_t)CB_GEN_NREGIONS * (size_t)g->id_days * 2,
                         sizeof(uint16_t));
    g->truth = cb_truth_new(g->T, opts->ids);
    if (g->id_count == NULL || g->truth == NULL) {
        snprintf(g->err, sizeof(g->err), "out of memory");
        goto out;
    }
    if (make_dir(g, opts->out_dir, "") != 0 ||
        make_dir(g, opts->out_dir, "snapshot") != 0 ||
        make_dir(g, opts->out_dir, "feeds") != 0 ||
        make_dir(g, opts->out_dir, "bad") != 0 ||
        make_dir(g, opts->out_dir, "truth") != 0 ||
        load_townships(g, &tw_file) != 0)
        goto out;
    g->out = cb_gen_out_new(opts->out_dir, g->S, g->T, g->err, sizeof(g->err));
    if (g->out == NULL)
        goto out;

    /* The cases first: they take their persons from the register. */
    if (cb_gen_cases(g, cases_per_kind(opts->people)) != 0 ||
        cb_gen_names_cases(g, cases_per_kind(opts->people)) != 0 ||
        cb_gen_idents_cases(g, cases_per_kind(opts->people), opts->people) !=
            0)
        goto out;
    if (g->register_used > opts->people) {
        snprintf(g->err, sizeof(g->err),
                 "the injected cases alone need %" PRId64 " people",
                 g->register_used);
        goto out;
    }
    if (cb_gen_people(g, opts->people - g->register_used) != 0 ||
        cb_gen_bad(g, summary->bad_rows) != 0 ||
        write_townships(g) != 0)
        goto out;
    /* The truth before the sorting, so that its state is gone by then. */
    if (opts->progress != NULL)
        opts->progress(opts->progress_opaque, "truth", 0.0);
    snprintf(dir, sizeof(dir), "%s/truth", opts->out_dir);
    if (cb_truth_write(g->truth, dir, &summary->truth, g->err,
                       sizeof(g->err)) != 0)
        goto out;
    cb_truth_free(g->truth);
    g->truth = NULL;
    if (cb_gen_out_finish(g->out, opts->encoding, summary->rows, opts->progress,
                          opts->progress_opaque, g->err, sizeof(g->err)) != 0)
        goto out;
    for (int i = 0; i < CB_GEN_NBAD; i++)
        summary->bad_records += summary->bad_rows[i];
    summary->ncases = g->ncases;
    for (int i = 0; i < g->ncases; i++) {
        summary->case_names[i] = g->case_names[i];
        summary->case_counts[i] = g->case_counts[i];
    }
    if (write_manifest(g, summary) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        snprintf(errstr, errstr_size, "%s", g->err);
    cb_gen_out_free(g->out);
    cb_truth_free(g->truth);
    cb_gen_names_free(g->names);
    cb_gen_idents_free(g->idents);
    cb_townships_term(&g->tws);
    free(g->tw_cum);
    free(g->id_count);
    free(g);
    return rc;
}
