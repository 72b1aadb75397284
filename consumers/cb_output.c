/* cb_output.c -- tables, CSV and JSON for the listing commands. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cb_csv.h"
#include "cb_mask.h"
#include "cb_output.h"

#define CELL_MAX 512

struct cb_out {
    FILE *fp;
    cb_out_format format;
    int ncols;
    const char *const *headers;
    const int *is_number;
    char **cells; /* table: every row's cells, row-major */
    size_t nrows, cap;
    size_t rows_out; /* JSON: rows written */
};

int cb_out_format_parse(const char *name, cb_out_format *format, char *errstr,
                        size_t errstr_size)
{
    static const char *const names[] = {"table", "csv", "json"};

    for (int i = 0; i < 3; i++) {
        if (strcmp(name, names[i]) == 0) {
            *format = (cb_out_format)i;
            return 0;
        }
    }
    snprintf(errstr, errstr_size, "--format is table, csv or json, not '%s'",
             name);
    return -1;
}

cb_out *cb_out_new(FILE *fp, cb_out_format format, int ncols,
                   const char *const *headers, const int *is_number)
{
    cb_out *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return NULL;
    o->fp = fp;
    o->format = format;
    o->ncols = ncols;
    o->headers = headers;
    o->is_number = is_number;
    if (format == CB_OUT_CSV) {
        const char *sep = "";
        for (int c = 0; c < ncols; c++) {
            fprintf(fp, "%s%s", sep, headers[c]);
            sep = ",";
        }
        fputc('\n', fp);
    } else if (format == CB_OUT_JSON) {
        fputc('[', fp);
    }
    return o;
}

int cb_out_row(cb_out *o, const char *const *cells)
{
    if (o->format == CB_OUT_CSV) {
        for (int c = 0; c < o->ncols; c++) {
            if (c > 0)
                fputc(',', o->fp);
            cb_csv_put_field(o->fp, cells[c], strlen(cells[c]));
        }
        fputc('\n', o->fp);
        return 0;
    }
    if (o->format == CB_OUT_JSON) {
        json_t *obj = json_object();
        for (int c = 0; c < o->ncols; c++) {
            if (cells[c][0] == '\0')
                continue; /* absent */
            json_object_set_new(
                obj, o->headers[c],
                o->is_number && o->is_number[c]
                    ? json_integer(strtoll(cells[c], NULL, 10))
                    : json_string(cells[c]));
        }
        char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(o->fp, "%s\n%s", o->rows_out ? "," : "", s ? s : "{}");
        free(s);
        json_decref(obj);
        o->rows_out++;
        return 0;
    }
    if (o->nrows == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        char **n = realloc(o->cells, cap * (size_t)o->ncols * sizeof(*n));
        if (n == NULL)
            return -1;
        o->cells = n;
        o->cap = cap;
    }
    for (int c = 0; c < o->ncols; c++) {
        char *s = strdup(cells[c]);
        if (s == NULL)
            return -1;
        o->cells[o->nrows * (size_t)o->ncols + (size_t)c] = s;
    }
    o->nrows++;
    return 0;
}

/* Columns a text takes on a terminal: East Asian wide characters take
 * two. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned cp;
        int n;
        if (*p < 0x80) {
            cp = *p, n = 1;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F, n = 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F, n = 3;
        } else {
            cp = *p & 0x07, n = 4;
        }
        for (int i = 1; i < n && p[i]; i++)
            cp = (cp << 6) | (p[i] & 0x3F);
        w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                               (cp >= 0xAC00 && cp <= 0xD7A3) ||
                               (cp >= 0xF900 && cp <= 0xFAFF) ||
                               (cp >= 0xFE30 && cp <= 0xFE4F) ||
                               (cp >= 0xFF00 && cp <= 0xFF60) ||
                               (cp >= 0x20000 && cp <= 0x3FFFD)))
                 ? 2
                 : 1;
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return w;
}

void cb_out_finish(cb_out *o)
{
    if (o == NULL)
        return;
    if (o->format == CB_OUT_JSON) {
        fputs(o->rows_out ? "\n]\n" : "]\n", o->fp);
    } else if (o->format == CB_OUT_TABLE) {
        size_t *w = calloc((size_t)o->ncols, sizeof(*w));
        for (int c = 0; w && c < o->ncols; c++) {
            w[c] = display_width(o->headers[c]);
            for (size_t r = 0; r < o->nrows; r++) {
                size_t x = display_width(o->cells[r * (size_t)o->ncols +
                                                  (size_t)c]);
                if (x > w[c])
                    w[c] = x;
            }
        }
        for (long r = -1; w && r < (long)o->nrows; r++) {
            for (int c = 0; c < o->ncols; c++) {
                const char *s = r < 0 ? o->headers[c]
                                      : o->cells[(size_t)r * (size_t)o->ncols +
                                                 (size_t)c];
                fputs(s, o->fp);
                if (c + 1 < o->ncols)
                    fprintf(o->fp, "%*s", (int)(w[c] - display_width(s) + 2),
                            "");
            }
            fputc('\n', o->fp);
        }
        free(w);
        for (size_t i = 0; i < o->nrows * (size_t)o->ncols; i++)
            free(o->cells[i]);
        free(o->cells);
    }
    fflush(o->fp);
    free(o);
}

void cb_out_record_cells(cb_kind kind, const void *rec,
                         const char *const *cols, int ncols, int mask,
                         char *buf, const char **cells)
{
    const cb_kind_info *info = cb_kind_info_get(kind);

    for (int c = 0; c < ncols; c++) {
        char *cell = buf + (size_t)c * CELL_MAX;
        const cb_field *f = cb_field_find(info, cols[c], strlen(cols[c]));
        cell[0] = '\0';
        if (f != NULL && cb_field_format(f, rec, cell, CELL_MAX) >= 0 &&
            mask && cb_mask_field_kind(kind, f, rec) != CB_MASK_NONE) {
            char raw[CELL_MAX];
            memcpy(raw, cell, CELL_MAX);
            cb_mask_field(kind, f, rec, raw, cell, CELL_MAX);
        }
        cells[c] = cell;
    }
}

const char *const cb_lead_columns[CB_LEAD_COLUMNS] = {
    "lead_id",  "township_code", "subject_kind", "subject_id",
    "name",     "reason",        "priority",     "opened_at",
    "status",   "closed_reason", "closed_at",    "source_event_id"};
