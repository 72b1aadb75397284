/* cb_gen.h -- a synthetic county for demos and tests (`canbao gen`).
 *
 * Writes, under one directory:
 *   manifest.json                  seed, people, as_of, counts
 *   townships.csv                  the embedded township targets, as is
 *   snapshot/enrollment.csv        the insurance agency's snapshot
 *   feeds/{business,household,death,enrollment,assistance}.csv
 *                                  about 11 months of events up to as_of
 *   bad/{feed}.csv, bad/household.jsonl, bad/expected.csv
 *                                  records of every rejection reason
 *   truth/{leads,alerts,progress,reviews}.csv
 *                                  the ground truth on as_of, computed by
 *                                  cb_truth from the records written
 *
 * Names are now and then written as offices write them, and not always
 * the register's (cb_gen_names.h): the name defects, on unless
 * no_defects or CANBAO_GEN_DEFECTS=0.
 *
 * The same options give byte-identical files: everything comes from a
 * PRNG seeded with the seed, nothing from the clock.  Every row is dated
 * before 00:00 of as_of: the files are what is known when day as_of
 * begins.  Rows are streamed through spill files (a directory .gen-tmp
 * under the output, removed at the end) and sorted one month of one file
 * at a time; while they are generated, memory holds the truth's compact
 * per-subject state, which is evaluated and freed before the sorting. */
#ifndef CB_GEN_H
#define CB_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "cb_text.h"
#include "cb_truth.h"

#define CB_GEN_LEGACY_PCT 3 /* canbao gen's rate of legacy numbers */

#define CB_GEN_MIN_PEOPLE 100
#define CB_GEN_MAX_PEOPLE 10000000

/* The files gen writes rows into, in the order of the manifest. */
enum {
    CB_GEN_SNAPSHOT = 0, /* snapshot/enrollment.csv */
    CB_GEN_BUSINESS,     /* feeds/business.csv */
    CB_GEN_HOUSEHOLD,
    CB_GEN_DEATH,
    CB_GEN_ENROLLMENT,
    CB_GEN_ASSISTANCE,
    CB_GEN_NFILES
};

/* The bad/ files, in the order of the manifest. */
#define CB_GEN_NBAD 6

/* The relative path of a bad file ("bad/death.csv"), or NULL. */
const char *cb_gen_bad_path(int file);

/* Called now and then with what is being done and how far it is (0..1). */
typedef void(cb_gen_progress_fn)(void *opaque, const char *stage,
                                 double fraction);

typedef struct cb_gen_opts {
    int64_t people; /* the initial household register */
    uint64_t seed;
    const char *out_dir;          /* created if missing */
    int32_t as_of;                /* the evaluation day T (days since 1970) */
    cb_encoding encoding;         /* of the snapshot, feed and bad CSV files */
    int legacy_pct;               /* percent of the rows of persons born
                                     1900-1999 that write the legacy
                                     15-digit number (0: none; `canbao
                                     gen` uses CB_GEN_LEGACY_PCT) */
    const struct cb_idkey *ids;   /* keys the truth's lead and alert ids */
    cb_gen_progress_fn *progress; /* or NULL */
    void *progress_opaque;
    int no_defects; /* 1: every row names persons as the register does */
} cb_gen_opts;

#define CB_GEN_MAX_CASES 64

typedef struct cb_gen_summary {
    int64_t rows[CB_GEN_NFILES];   /* data rows written per file */
    int64_t bad_rows[CB_GEN_NBAD]; /* records per bad/ file */
    int64_t bad_records;           /* their sum */
    int ncases;
    const char *case_names[CB_GEN_MAX_CASES]; /* static strings */
    int64_t case_counts[CB_GEN_MAX_CASES];    /* injected, per kind */
    cb_truth_counts truth;
} cb_gen_summary;

/* The relative path of a file of CB_GEN_SNAPSHOT.. ("feeds/death.csv"). */
const char *cb_gen_file_path(int file);

/* Generates the county.  Returns 0 with *summary filled, or -1 with
 * errstr (the directory may then hold part of the output). */
int cb_gen_run(const cb_gen_opts *opts, cb_gen_summary *summary, char *errstr,
               size_t errstr_size);

#endif
