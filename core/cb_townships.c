/* cb_townships.c -- township targets: parsed, checked, looked up. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_csv.h"
#include "cb_err.h"
#include "cb_record.h"
#include "cb_townships.h"

typedef struct mem_src {
    const char *data;
    size_t len, pos;
} mem_src;

static long read_mem(void *opaque, char *buf, size_t size)
{
    mem_src *m = opaque;
    size_t n = m->len - m->pos;

    if (n > size)
        n = size;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (long)n;
}

/* Appends one line to the warnings. */
static void warn(cb_townships *t, const char *line)
{
    size_t old = t->warnings ? strlen(t->warnings) : 0;
    char *w = realloc(t->warnings, old + strlen(line) + 2);

    if (w == NULL)
        return; /* the count in bad_sums still tells */
    memcpy(w + old, line, strlen(line));
    w[old + strlen(line)] = '\n';
    w[old + strlen(line) + 1] = '\0';
    t->warnings = w;
}

/* A whole, non-negative number of at most 15 digits. */
static int parse_count(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;

    if (len == 0 || len > 15)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cb_townships_parse(cb_townships *t, const char *data, size_t len,
                       const char *name, char *errstr, size_t errstr_size)
{
    mem_src src = {data, len, 0};
    cb_csv *csv = cb_csv_new(read_mem, &src);
    cb_csv_row row;
    int col_code = -1, col_name = -1, col_total = -1;
    int col_year[CB_TOWNSHIPS_MAX_YEARS];
    size_t ncols = 0, cap = 0;
    int r, rc = -1;

    memset(t, 0, sizeof(*t));
    if (csv == NULL)
        return cb_err_set(errstr, errstr_size, "out of memory");

    r = cb_csv_next(csv, &row);
    if (r != 1 || row.error != NULL) {
        cb_err_set(errstr, errstr_size, "%s: no header row", name);
        goto out;
    }
    ncols = row.nfields;
    for (size_t i = 0; i < row.nfields; i++) {
        const char *h = row.fields[i];
        int year;
        char tail;
        if (strcmp(h, "township_code") == 0)
            col_code = (int)i;
        else if (strcmp(h, "township") == 0)
            col_name = (int)i;
        else if (strcmp(h, "target_total") == 0)
            col_total = (int)i;
        else if (sscanf(h, "target_%4d%c", &year, &tail) == 1 &&
                 year >= 1900 && year <= 9999) {
            if (t->nyears == CB_TOWNSHIPS_MAX_YEARS) {
                cb_err_set(errstr, errstr_size, "%s: more than %d target years",
                           name, CB_TOWNSHIPS_MAX_YEARS);
                goto out;
            }
            t->years[t->nyears] = year;
            col_year[t->nyears++] = (int)i;
        }
    }
    if (col_code < 0 || col_name < 0 || col_total < 0) {
        cb_err_set(errstr, errstr_size, "%s: the header needs township_code, "
                   "township and target_total", name);
        goto out;
    }

    while ((r = cb_csv_next(csv, &row)) == 1) {
        cb_township *tw;
        int64_t sum = 0;
        if (row.error != NULL) {
            cb_err_set(errstr, errstr_size,
                       "%s:%" PRId64 ": malformed row (%s)", name, row.line,
                       row.error);
            goto out;
        }
        if (row.nfields != ncols) {
            cb_err_set(errstr, errstr_size, "%s:%" PRId64 ": %zu fields, the "
                       "header has %zu", name, row.line, row.nfields, ncols);
            goto out;
        }
        if (t->count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            cb_township *n = realloc(t->rows, ncap * sizeof(*n));
            if (n == NULL) {
                cb_err_set(errstr, errstr_size, "out of memory");
                goto out;
            }
            t->rows = n;
            cap = ncap;
        }
        tw = &t->rows[t->count];
        memset(tw, 0, sizeof(*tw));
        {
            const char *c = row.fields[col_code];
            size_t cl = row.lens[col_code];
            int digits = cl >= 6 && cl <= 12;
            for (size_t i = 0; digits && i < cl; i++)
                digits = c[i] >= '0' && c[i] <= '9';
            if (!digits) {
                cb_err_set(errstr, errstr_size, "%s:%" PRId64 ": township_code "
                           "must be 6 to 12 digits", name, row.line);
                goto out;
            }
            if (cb_townships_find(t, c, cl) != NULL) {
                cb_err_set(errstr, errstr_size,
                           "%s:%" PRId64 ": township_code %s "
                           "appears twice", name, row.line, c);
                goto out;
            }
            memcpy(tw->code, c, cl);
        }
        if (row.lens[col_name] == 0 || row.lens[col_name] >= sizeof(tw->name) ||
            cb_utf8_valid_prefix(row.fields[col_name], row.lens[col_name]) !=
                row.lens[col_name]) {
            cb_err_set(errstr, errstr_size,
                       "%s:%" PRId64 ": township name missing, "
                       "too long or not UTF-8", name, row.line);
            goto out;
        }
        memcpy(tw->name, row.fields[col_name], row.lens[col_name]);
        if (parse_count(row.fields[col_total], row.lens[col_total],
                        &tw->total) != 0) {
            cb_err_set(errstr, errstr_size,
                       "%s:%" PRId64 ": target_total is not "
                       "a whole number", name, row.line);
            goto out;
        }
        for (int y = 0; y < t->nyears; y++) {
            int c = col_year[y];
            if (parse_count(row.fields[c], row.lens[c], &tw->target[y]) !=
                0) {
                cb_err_set(errstr, errstr_size,
                           "%s:%" PRId64 ": target_%d is not "
                           "a whole number", name, row.line, t->years[y]);
                goto out;
            }
            sum += tw->target[y];
            t->year_total[y] += tw->target[y];
        }
        t->grand_total += tw->total;
        if (t->nyears > 0 && sum != tw->total) {
            char line[256];
            snprintf(line, sizeof(line), "%s:%" PRId64 ": %s (%s): the years "
                     "add up to %" PRId64 ", target_total says %" PRId64,
                     name, row.line, tw->code, tw->name, sum, tw->total);
            warn(t, line);
            t->bad_sums++;
        }
        t->count++;
    }
    if (r < 0) {
        cb_err_set(errstr, errstr_size, "%s: %s", name, cb_csv_strerror(csv));
        goto out;
    }
    if (t->count == 0) {
        cb_err_set(errstr, errstr_size, "%s: no townships", name);
        goto out;
    }
    rc = 0;
out:
    cb_csv_free(csv);
    if (rc != 0)
        cb_townships_term(t);
    return rc;
}

int cb_townships_load(cb_townships *t, const char *path, char *errstr,
                      size_t errstr_size)
{
    FILE *fp = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0;
    int rc;

    memset(t, 0, sizeof(*t));
    if (fp == NULL)
        return cb_err_set(errstr, errstr_size, "cannot open %s: %s", path,
                          strerror(errno));
    for (;;) {
        if (cap - len < 4096) {
            char *n;
            if (cap > (16u << 20)) { /* a township table is small */
                free(data);
                fclose(fp);
                return cb_err_set(errstr, errstr_size, "%s: too large", path);
            }
            cap = cap ? cap * 2 : 8192;
            n = realloc(data, cap);
            if (n == NULL) {
                free(data);
                fclose(fp);
                return cb_err_set(errstr, errstr_size, "out of memory");
            }
            data = n;
        }
        size_t got = fread(data + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        free(data);
        fclose(fp);
        return cb_err_set(errstr, errstr_size, "cannot read %s", path);
    }
    fclose(fp);
    rc = cb_townships_parse(t, data, len, path, errstr, errstr_size);
    free(data);
    return rc;
}

void cb_townships_term(cb_townships *t)
{
    free(t->rows);
    free(t->warnings);
    memset(t, 0, sizeof(*t));
}

const cb_township *cb_townships_find(const cb_townships *t, const char *code,
                                     size_t len)
{
    /* A county has a few dozen townships: a scan is fine. */
    for (size_t i = 0; i < t->count; i++)
        if (strlen(t->rows[i].code) == len &&
            memcmp(t->rows[i].code, code, len) == 0)
            return &t->rows[i];
    return NULL;
}

int cb_townships_year_index(const cb_townships *t, int year)
{
    for (int i = 0; i < t->nyears; i++)
        if (t->years[i] == year)
            return i;
    return -1;
}
