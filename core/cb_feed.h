/* cb_feed.h -- reads a feed file into validated records, one at a time,
 * and says why each bad one is bad.
 *
 * Formats (the fields: the schemas in schemas/):
 *  - CSV (RFC 4180, cb_csv.h) with a header row naming the columns in any
 *    order; unknown columns are ignored; a column of the record's table that
 *    the header lacks is absent in every row.  The header must name every
 *    required field, or the file is refused before any record is read.
 *    UTF-8 (a BOM is dropped) or GB18030, converted field by field.
 *  - JSON Lines: one object per line, the same keys; UTF-8 only.
 *
 * A record that fails is an item with ok = 0: its first line, its bytes as
 * read, the field and a stable reason (cb_field_parse's, cb_csv's structural
 * ones, field_count, undecodable_text, bad_json, bad_type, record_too_long,
 * then cb_validate_record's).  Reading goes on with the next record: bad
 * input costs that record, never the file. */
#ifndef CB_FEED_H
#define CB_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "cb_record.h"
#include "cb_text.h"
#include "cb_validate.h"

typedef enum cb_format {
    CB_FORMAT_CSV = 0,
    CB_FORMAT_JSONL
} cb_format;

/* "csv" or "jsonl" (also "json", "ndjson").  Returns 0 or -1. */
int cb_format_parse(const char *name, cb_format *format);

/* The format a file name's extension says (.csv, .jsonl, .json, .ndjson,
 * any case).  Returns 0 or -1 when it says none. */
int cb_format_guess(const char *path, cb_format *format);

typedef struct cb_feed_opts {
    cb_kind kind;         /* one of the five feeds */
    cb_format format;
    cb_encoding encoding; /* CSV only; JSON Lines are UTF-8 */
    cb_validate_ctx validate;
} cb_feed_opts;

typedef struct cb_feed cb_feed;

/* One record read from a feed; valid until the next cb_feed_next. */
typedef struct cb_feed_item {
    int64_t line;        /* the record's first line, from 1 */
    const char *raw;     /* its bytes as read, without the line end */
    size_t raw_len;
    int ok;              /* 1: rec holds a valid record */
    cb_field_error err;  /* when ok is 0 */
    cb_record rec;       /* when ok is 1, or suspect is */
    int suspect;         /* ok is 0 for a person's number alone (reason
                            id_check, id_birth_date or id_charset, 18
                            characters written): every other field is
                            valid, and rec holds the record with the
                            number as written (docs/RULES.md 9.3) */
} cb_feed_item;

/* Opens a feed: a path, or "-" for standard input (never closed).  Fails
 * (NULL with errstr) when the file cannot be opened, a CSV header is
 * missing or lacks a required column or names one twice, or JSON Lines are
 * asked for in GB18030. */
cb_feed *cb_feed_open(const char *path, const cb_feed_opts *opts,
                      char *errstr, size_t errstr_size);

/* Closes the file (not standard input) and frees the reader; NULL is
 * fine. */
void cb_feed_free(cb_feed *feed);

/* Reads the next record: 1 with *item filled, 0 at the end, -1 on a read
 * error or out of memory (errstr says which). */
int cb_feed_next(cb_feed *feed, cb_feed_item *item, char *errstr,
                 size_t errstr_size);

/* Bytes read so far, and the file's size (-1 when unknown: a pipe), for
 * progress reports. */
uint64_t cb_feed_offset(const cb_feed *feed);
int64_t cb_feed_size(const cb_feed *feed);

#endif
