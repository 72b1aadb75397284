/* cb_output.h -- what the listing commands print: a table for people
 * (columns aligned, Chinese characters counted two wide), CSV for
 * spreadsheets (RFC 4180, the contract's column names), or JSON.
 * Personal data is masked unless the caller says the reader is entitled
 * (cb_mask.h). */
#ifndef CB_OUTPUT_H
#define CB_OUTPUT_H

#include <stdio.h>

#include "cb_record.h"

typedef enum cb_out_format {
    CB_OUT_TABLE = 0,
    CB_OUT_CSV,
    CB_OUT_JSON
} cb_out_format;

/* The value of a --format option: "table", "csv" or "json".  Returns 0,
 * or -1 with errstr saying what --format takes. */
int cb_out_format_parse(const char *name, cb_out_format *format, char *errstr,
                        size_t errstr_size);

/* Rows of text cells under named columns.  Tables are printed at the end
 * (their widths need every row); CSV and JSON rows go out as they come. */
typedef struct cb_out cb_out;

/* A writer to fp.  headers: ncols column names (kept by pointer).  For
 * JSON, numeric columns (nonzero in is_number, or NULL for none) are
 * written as numbers; rows become objects of a JSON array.  NULL when out
 * of memory. */
cb_out *cb_out_new(FILE *fp, cb_out_format format, int ncols,
                   const char *const *headers, const int *is_number);

/* Adds a row of ncols cells (copied).  Returns 0 or -1. */
int cb_out_row(cb_out *out, const char *const *cells);

/* Prints what is buffered and the end of the JSON array; frees the
 * writer.  NULL is fine. */
void cb_out_finish(cb_out *out);

/* The lead columns of "canbao leads" in docs/COMMANDS.md, in their order:
 * what `canbao leads` and the workbench's CSV export write. */
#define CB_LEAD_COLUMNS 12
extern const char *const cb_lead_columns[CB_LEAD_COLUMNS];

/* The text of a record's fields under the given column names, masked when
 * `mask` (cells point into buf, which must hold ncols * 512 bytes). */
void cb_out_record_cells(cb_kind kind, const void *rec,
                         const char *const *cols, int ncols, int mask,
                         char *buf, const char **cells);

#endif
