/* cb_csv.h -- a streaming RFC 4180 reader that survives bad input, and
 * the writer of one field that every CSV export uses (cb_csv_put_field).
 *
 * Fields are separated by commas and records by CRLF or LF; a field may be
 * quoted, and then holds commas, line breaks and doubled quotes.  The reader
 * works on bytes: it does not decode text, so it reads UTF-8 and GB18030
 * alike (no GB18030 trail byte is ever a comma, a quote, CR or LF).
 *
 * Bad structure costs one record, never the file: a quote inside an
 * unquoted field, text after a closing quote, or a quoted field that is not
 * closed within CB_CSV_MAX_RECORD bytes is reported as a malformed record
 * (with its first line's bytes), and reading resumes on the next line.
 * Empty lines are skipped.  A UTF-8 or GB18030 byte-order mark at the start
 * of the input is dropped.
 *
 * Not thread-safe; one reader per input. */
#ifndef CB_CSV_H
#define CB_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CB_CSV_MAX_RECORD (1 << 20) /* bytes of one record, at most */
#define CB_CSV_MAX_FIELDS 256

typedef struct cb_csv cb_csv;

/* Reads more input: returns the number of bytes stored in buf (at most
 * size), 0 at the end, or -1 on a read error (errno set). */
typedef long (cb_csv_read_fn)(void *opaque, char *buf, size_t size);

typedef struct cb_csv_row {
    int64_t line;       /* the line the record starts on, from 1 */
    const char *raw;    /* the record's bytes as read, without the final
                           line break */
    size_t raw_len;
    const char *error;  /* NULL, or why the record is malformed: then
                           nfields is 0 and raw holds its first line */
    size_t nfields;
    const char *const *fields; /* each NUL-terminated, quotes removed */
    const size_t *lens;
} cb_csv_row;

/* A reader over a file descriptor (not closed by the reader). */
cb_csv *cb_csv_new_fd(int fd);

/* A reader over a read function. */
cb_csv *cb_csv_new(cb_csv_read_fn *read, void *opaque);

/* Frees the reader; NULL is fine. */
void cb_csv_free(cb_csv *csv);

/* Reads the next record.  Returns 1 and fills *row (valid until the next
 * call), 0 at the end of the input, or -1 on a read error or out of memory
 * (cb_csv_strerror says which).  A malformed record is a record: 1 with
 * row->error set. */
int cb_csv_next(cb_csv *csv, cb_csv_row *row);

/* The reason of the last -1 from cb_csv_next. */
const char *cb_csv_strerror(const cb_csv *csv);

/* Bytes consumed so far (for progress reports). */
uint64_t cb_csv_offset(const cb_csv *csv);

/* Writes one field of an export (len bytes of s) to fp: quoted when it
 * holds a comma, a quote or a line break, quotes doubled.  A field that
 * starts with '=', '+', '-', '@', a tab or a carriage return gets a "'" in
 * front, so that a spreadsheet opening the file shows it as text and never
 * runs it as a formula (OWASP, "CSV Injection"): feed data such as a
 * business's name reaches the exports township staff open. */
void cb_csv_put_field(FILE *fp, const char *s, size_t len);

#endif
