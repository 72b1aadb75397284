/* cb_townships.h -- the township table: codes, names and annual expansion
 * targets, as seed 003's table gives them (data/townships-funing.csv):
 *
 *     township_code,township,target_total,target_2019,target_2020,...
 *
 * Loading checks what such tables get wrong: every row's years must add up
 * to its total, codes must be unique 6-12 digit codes, targets whole
 * numbers.  Column totals per year are kept, so a caller can show them next
 * to a document's own figures (seed 003's prose says 21,760 for 2021 where
 * its table sums to 27,060). */
#ifndef CB_TOWNSHIPS_H
#define CB_TOWNSHIPS_H

#include <stddef.h>
#include <stdint.h>

#define CB_TOWNSHIPS_MAX_YEARS 16

typedef struct cb_township {
    char code[13];
    char name[96];
    int64_t total;                           /* target_total */
    int64_t target[CB_TOWNSHIPS_MAX_YEARS];  /* per year of the table */
} cb_township;

typedef struct cb_townships {
    cb_township *rows;
    size_t count;
    int years[CB_TOWNSHIPS_MAX_YEARS]; /* the years of the target columns */
    int nyears;
    int64_t year_total[CB_TOWNSHIPS_MAX_YEARS]; /* column sums */
    int64_t grand_total;                        /* sum of target_total */
    /* Rows whose years do not add up to their total (each also named in
     * the warnings). */
    size_t bad_sums;
    char *warnings; /* one line each, or NULL; owned */
} cb_townships;

/* Parses a township table from a file.  Structural problems (no such
 * file, a header without township_code / township / target_total, a
 * malformed row, a duplicate code, a target that is not a whole number)
 * fail: -1 with errstr naming the line.  Rows whose years do not sum to
 * their total load, and are counted in bad_sums with a warning line each:
 * the caller decides whether that is fatal.  On success the caller owns
 * *t and releases it with cb_townships_term. */
int cb_townships_load(cb_townships *t, const char *path, char *errstr,
                      size_t errstr_size);

/* The same from bytes in memory (an embedded table). */
int cb_townships_parse(cb_townships *t, const char *data, size_t len,
                       const char *name, char *errstr, size_t errstr_size);

void cb_townships_term(cb_townships *t);

/* The row of a code, or NULL. */
const cb_township *cb_townships_find(const cb_townships *t, const char *code,
                                     size_t len);

/* The index of a year among the target columns, or -1. */
int cb_townships_year_index(const cb_townships *t, int year);

#endif
