/* cb_feed.c -- feed files (CSV or JSON Lines, UTF-8 or GB18030) into
 * validated records, bad ones named with their line and reason. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_csv.h"
#include "cb_err.h"
#include "cb_feed.h"
#include "cb_record_json.h"

#define JSONL_MAX_LINE (1 << 20)
#define READ_CHUNK     (64 * 1024)

struct cb_feed {
    cb_feed_opts opts;
    const cb_kind_info *info;
    int fd;
    int own_fd;
    int64_t size;

    /* CSV */
    cb_csv *csv;
    cb_text *text;
    size_t ncols;                     /* of the header */
    int col_of[CB_CSV_MAX_FIELDS];    /* per table field: column or -1 */

    /* JSON Lines */
    char *buf;
    size_t len, pos, cap;
    int eof;
    uint64_t consumed; /* bytes before buf[0] */
    int64_t line;      /* line number of buf[pos] */
    json_t *obj;       /* the last line's object (TEXT views point in) */
    char head[256];    /* the start of a line too long to keep */
};

int cb_format_parse(const char *name, cb_format *format)
{
    if (strcasecmp(name, "csv") == 0) {
        *format = CB_FORMAT_CSV;
        return 0;
    }
    if (strcasecmp(name, "jsonl") == 0 || strcasecmp(name, "json") == 0 ||
        strcasecmp(name, "ndjson") == 0) {
        *format = CB_FORMAT_JSONL;
        return 0;
    }
    return -1;
}

int cb_format_guess(const char *path, cb_format *format)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');

    if (dot == NULL || (slash != NULL && dot < slash))
        return -1;
    return cb_format_parse(dot + 1, format);
}

/* ---------------------------------------------------------------- CSV */

/* Maps the header's columns to the table's fields. */
static int read_header(cb_feed *feed, char *errstr, size_t errstr_size)
{
    cb_csv_row row;
    int r;

    for (int i = 0; i < feed->info->nfields; i++)
        feed->col_of[i] = -1;
    r = cb_csv_next(feed->csv, &row);
    if (r < 0)
        return cb_err_set(errstr, errstr_size, "%s",
                          cb_csv_strerror(feed->csv));
    if (r == 0)
        return cb_err_set(errstr, errstr_size,
                          "the file is empty: no header row");
    if (row.error != NULL)
        return cb_err_set(errstr, errstr_size,
                          "the header row is malformed (%s)", row.error);
    feed->ncols = row.nfields;
    for (size_t c = 0; c < row.nfields; c++) {
        const cb_field *f = cb_field_find(feed->info, row.fields[c],
                                          row.lens[c]);
        int i;
        if (f == NULL)
            continue; /* unknown columns are ignored */
        i = (int)(f - feed->info->fields);
        if (feed->col_of[i] >= 0)
            return cb_err_set(errstr, errstr_size,
                              "the header names column %s twice", f->name);
        feed->col_of[i] = (int)c;
    }
    for (int i = 0; i < feed->info->nfields; i++)
        if (feed->info->fields[i].required && feed->col_of[i] < 0)
            return cb_err_set(errstr, errstr_size,
                              "the header lacks the required column %s",
                              feed->info->fields[i].name);
    return 0;
}

static void reject(cb_feed_item *item, const char *reason,
                   const char *field, const char *detail)
{
    item->ok = 0;
    item->err.written = 0;
    item->err.reason = reason;
    item->err.field = field;
    snprintf(item->err.detail, sizeof(item->err.detail), "%s", detail);
}

static int next_csv(cb_feed *feed, cb_feed_item *item, char *errstr,
                    size_t errstr_size)
{
    cb_field_error kept; /* a suspect's number, kept as written */
    cb_csv_row row;
    int r = cb_csv_next(feed->csv, &row);

    if (r < 0)
        return cb_err_set(errstr, errstr_size, "%s",
                          cb_csv_strerror(feed->csv));
    if (r == 0)
        return 0;
    item->line = row.line;
    item->raw = row.raw;
    item->raw_len = row.raw_len;
    item->ok = 1;
    if (row.error != NULL) {
        reject(item, row.error, NULL, "the CSV structure of the record is "
               "broken");
        return 1;
    }
    if (row.nfields != feed->ncols) {
        char d[96];
        snprintf(d, sizeof(d), "%zu fields where the header has %zu",
                 row.nfields, feed->ncols);
        reject(item, "field_count", NULL, d);
        return 1;
    }
    cb_record_clear(feed->opts.kind, &item->rec.u);
    item->rec.kind = feed->opts.kind;
    kept.reason = NULL;
    for (int i = 0; i < feed->info->nfields; i++) {
        const cb_field *f = &feed->info->fields[i];
        int c = feed->col_of[i];
        const char *text;
        size_t len, bad;
        int t;

        if (c < 0)
            continue;
        t = cb_text_to_utf8(feed->text, row.fields[c], row.lens[c], &text,
                            &len, &bad);
        if (t == -2)
            return cb_err_set(errstr, errstr_size, "out of memory");
        if (t != 0) {
            char d[96];
            snprintf(d, sizeof(d), "%s holds bytes that are not %s text "
                     "(at byte %zu)", f->name,
                     cb_encoding_name(feed->opts.encoding), bad + 1);
            reject(item, "undecodable_text", f->name, d);
            if (kept.reason != NULL)
                item->err = kept; /* the number stays the reason */
            return 1;
        }
        if (cb_field_parse(f, text, len, &item->rec.u, &item->err) != 0) {
            /* a suspect's number is kept as written, and the rest read
             * (docs/RULES.md 9.3) */
            if (kept.reason == NULL &&
                cb_field_keep_written(feed->opts.kind, f, text, len,
                                      &item->rec.u, &item->err)) {
                kept = item->err;
                continue;
            }
            item->ok = 0;
            if (kept.reason != NULL)
                item->err = kept;
            return 1;
        }
    }
    if (kept.reason != NULL) {
        item->ok = 0;
        item->err = kept;
        item->err.written = 1;
    }
    return 1;
}

/* --------------------------------------------------------- JSON Lines */

/* Reads more bytes after the buffered ones.  1 when some came, 0 at the
 * end, -1 on error. */
static int jsonl_fill(cb_feed *feed, char *errstr, size_t errstr_size)
{
    ssize_t n;

    if (feed->eof)
        return 0;
    if (feed->pos > 0) {
        memmove(feed->buf, feed->buf + feed->pos, feed->len - feed->pos);
        feed->consumed += feed->pos;
        feed->len -= feed->pos;
        feed->pos = 0;
    }
    if (feed->cap - feed->len < READ_CHUNK) {
        size_t cap = feed->cap * 2;
        char *b = realloc(feed->buf, cap);
        if (b == NULL)
            return cb_err_set(errstr, errstr_size, "out of memory");
        feed->buf = b;
        feed->cap = cap;
    }
    do
        n = read(feed->fd, feed->buf + feed->len, feed->cap - feed->len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return cb_err_set(errstr, errstr_size, "read error: %s",
                          strerror(errno));
    if (n == 0) {
        feed->eof = 1;
        return 0;
    }
    feed->len += (size_t)n;
    return 1;
}

/* Is the line only white space? */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* A phrase for a jansson error code. */
static const char *json_problem(enum json_error_code code)
{
    switch (code) {
    case json_error_invalid_utf8:
        return "bytes that are not UTF-8";
    case json_error_premature_end_of_input:
        return "the line ends too early";
    case json_error_end_of_input_expected:
        return "text after the object";
    case json_error_duplicate_key:
        return "a key given twice";
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return "a NUL character";
    case json_error_numeric_overflow:
        return "a number too large";
    case json_error_stack_overflow:
        return "nesting too deep";
    default:
        return "invalid syntax";
    }
}

/* A line longer than JSONL_MAX_LINE: reported with its first bytes, and
 * skipped to its end without keeping it. */
static int skip_long_line(cb_feed *feed, cb_feed_item *item, char *errstr,
                          size_t errstr_size)
{
    char *nl;

    memcpy(feed->head, feed->buf + feed->pos, sizeof(feed->head));
    item->line = feed->line++;
    item->raw = feed->head;
    item->raw_len = sizeof(feed->head);
    reject(item, "record_too_long", NULL,
           "a line longer than 1 MiB (its first 256 bytes kept)");
    for (;;) {
        nl = memchr(feed->buf + feed->pos, '\n', feed->len - feed->pos);
        if (nl != NULL) {
            feed->pos = (size_t)(nl - feed->buf) + 1;
            return 1;
        }
        feed->pos = feed->len; /* drop what was seen, read on */
        int r = jsonl_fill(feed, errstr, errstr_size);
        if (r < 0)
            return -1;
        if (r == 0)
            return 1;
    }
}

static int next_jsonl(cb_feed *feed, cb_feed_item *item, char *errstr,
                      size_t errstr_size)
{
    char *nl;
    size_t start, end;
    json_error_t jerr;

    json_decref(feed->obj);
    feed->obj = NULL;
    for (;;) {
        nl = memchr(feed->buf + feed->pos, '\n', feed->len - feed->pos);
        if ((nl == NULL && feed->len - feed->pos > JSONL_MAX_LINE) ||
            (nl != NULL &&
             (size_t)(nl - (feed->buf + feed->pos)) > JSONL_MAX_LINE))
            return skip_long_line(feed, item, errstr, errstr_size);
        if (nl == NULL && !feed->eof) {
            if (jsonl_fill(feed, errstr, errstr_size) < 0)
                return -1;
            continue;
        }
        if (nl == NULL && feed->pos == feed->len)
            return 0; /* the end */
        start = feed->pos;
        end = nl != NULL ? (size_t)(nl - feed->buf) : feed->len;
        feed->pos = nl != NULL ? end + 1 : end;
        item->line = feed->line++;
        if (!blank(feed->buf + start, end - start))
            break;
    }
    if (end > start && feed->buf[end - 1] == '\r')
        end--;
    item->raw = feed->buf + start;
    item->raw_len = end - start;
    item->ok = 1;

    feed->obj = json_loadb(item->raw, item->raw_len, JSON_REJECT_DUPLICATES,
                           &jerr);
    if (feed->obj == NULL) {
        /* jansson's own text quotes the input, which may be personal data:
         * say what is wrong and where, not what is there. */
        char d[96];
        snprintf(d, sizeof(d), "not a JSON object: %s at column %d",
                 json_problem(json_error_code(&jerr)), jerr.column);
        reject(item, json_error_code(&jerr) == json_error_invalid_utf8
                         ? "undecodable_text"
                         : "bad_json",
               NULL, d);
        return 1;
    }
    if (!json_is_object(feed->obj)) {
        reject(item, "bad_json", NULL, "the line is JSON but not an object");
        return 1;
    }
    item->rec.kind = feed->opts.kind;
    if (cb_record_from_json(feed->opts.kind, feed->obj, &item->rec.u,
                            &item->err) != 0)
        item->ok = 0;
    return 1;
}

/* -------------------------------------------------------------- common */

cb_feed *cb_feed_open(const char *path, const cb_feed_opts *opts,
                      char *errstr, size_t errstr_size)
{
    cb_feed *feed = calloc(1, sizeof(*feed));
    struct stat st;
    char err[256];

    if (feed == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    feed->opts = *opts;
    feed->info = cb_kind_info_get(opts->kind);
    feed->fd = -1;
    feed->size = -1;
    feed->line = 1;
    if (feed->info == NULL || opts->kind >= CB_FEED_COUNT) {
        cb_err_set(errstr, errstr_size, "not a feed kind");
        goto fail;
    }
    if (opts->format == CB_FORMAT_JSONL && opts->encoding != CB_ENC_UTF8) {
        cb_err_set(errstr, errstr_size, "JSON Lines are UTF-8; --encoding "
                   "applies to CSV");
        goto fail;
    }
    if (strcmp(path, "-") == 0) {
        feed->fd = STDIN_FILENO;
    } else {
        feed->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (feed->fd < 0) {
            cb_err_set(errstr, errstr_size, "cannot open: %s", strerror(errno));
            goto fail;
        }
        feed->own_fd = 1;
    }
    if (fstat(feed->fd, &st) == 0 && S_ISREG(st.st_mode))
        feed->size = st.st_size;

    if (opts->format == CB_FORMAT_CSV) {
        feed->text = cb_text_new(opts->encoding, err, sizeof(err));
        feed->csv = cb_csv_new_fd(feed->fd);
        if (feed->text == NULL || feed->csv == NULL) {
            cb_err_set(errstr, errstr_size, "%s",
                       feed->text == NULL ? err : "out of memory");
            goto fail;
        }
        if (read_header(feed, errstr, errstr_size) != 0)
            goto fail;
    } else {
        feed->cap = 4 * READ_CHUNK;
        feed->buf = malloc(feed->cap);
        if (feed->buf == NULL) {
            cb_err_set(errstr, errstr_size, "out of memory");
            goto fail;
        }
    }
    return feed;
fail:
    cb_feed_free(feed);
    return NULL;
}

void cb_feed_free(cb_feed *feed)
{
    if (feed == NULL)
        return;
    cb_csv_free(feed->csv);
    cb_text_free(feed->text);
    json_decref(feed->obj);
    free(feed->buf);
    if (feed->own_fd)
        close(feed->fd);
    free(feed);
}

int cb_feed_next(cb_feed *feed, cb_feed_item *item, char *errstr,
                 size_t errstr_size)
{
    int r = feed->opts.format == CB_FORMAT_CSV
                ? next_csv(feed, item, errstr, errstr_size)
                : next_jsonl(feed, item, errstr, errstr_size);
    cb_field_error other;

    item->suspect = 0;
    if (r == 1 && item->ok &&
        cb_validate_record(feed->opts.kind, &item->rec.u,
                           &feed->opts.validate, &item->err) != 0) {
        item->ok = 0;
        item->err.written = 0;
    }
    /* refused for its number alone: a suspect when the rest validates */
    if (r == 1 && !item->ok && item->err.written)
        item->suspect =
            cb_validate_record_but_number(feed->opts.kind, &item->rec.u,
                                          &feed->opts.validate,
                                          &other) == 0;
    return r;
}

uint64_t cb_feed_offset(const cb_feed *feed)
{
    if (feed->csv != NULL)
        return cb_csv_offset(feed->csv);
    return feed->consumed + feed->pos;
}

int64_t cb_feed_size(const cb_feed *feed)
{
    return feed->size;
}
