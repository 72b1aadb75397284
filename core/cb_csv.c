/* cb_csv.c -- RFC 4180 records out of a byte stream, one malformed record
 * at a time at worst. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_csv.h"

#define READ_CHUNK (64 * 1024)

struct cb_csv {
    cb_csv_read_fn *read;
    void *opaque;
    int fd; /* for cb_csv_new_fd */

    char *buf;      /* input bytes; [pos, len) not yet consumed */
    size_t len, pos, cap;
    int eof;        /* the read function said 0 */
    int started;    /* the byte-order mark check is done */
    uint64_t consumed; /* bytes before buf[0] */
    int64_t line;   /* line number of buf[pos] */

    char *out;      /* unquoted field text, NUL-separated */
    size_t out_cap;
    const char *fields[CB_CSV_MAX_FIELDS];
    size_t lens[CB_CSV_MAX_FIELDS];
    size_t offs[CB_CSV_MAX_FIELDS];

    char err[128];
};

static long read_fd(void *opaque, char *buf, size_t size)
{
    cb_csv *csv = opaque;
    ssize_t n;

    do
        n = read(csv->fd, buf, size);
    while (n < 0 && errno == EINTR);
    return (long)n;
}

cb_csv *cb_csv_new(cb_csv_read_fn *readfn, void *opaque)
{
    cb_csv *csv = calloc(1, sizeof(*csv));

    if (csv == NULL)
        return NULL;
    csv->read = readfn;
    csv->opaque = opaque;
    csv->fd = -1;
    csv->line = 1;
    csv->cap = 2 * READ_CHUNK;
    csv->buf = malloc(csv->cap);
    csv->out_cap = READ_CHUNK;
    csv->out = malloc(csv->out_cap);
    if (csv->buf == NULL || csv->out == NULL) {
        cb_csv_free(csv);
        return NULL;
    }
    return csv;
}

cb_csv *cb_csv_new_fd(int fd)
{
    cb_csv *csv = cb_csv_new(read_fd, NULL);

    if (csv != NULL) {
        csv->opaque = csv;
        csv->fd = fd;
    }
    return csv;
}

void cb_csv_free(cb_csv *csv)
{
    if (csv == NULL)
        return;
    free(csv->buf);
    free(csv->out);
    free(csv);
}

const char *cb_csv_strerror(const cb_csv *csv)
{
    return csv->err;
}

uint64_t cb_csv_offset(const cb_csv *csv)
{
    return csv->consumed + csv->pos;
}

/* Reads more input after what is buffered, moving the unconsumed bytes to
 * the front first.  Returns 1 when bytes were added, 0 at the end, -1 on
 * error. */
static int fill(cb_csv *csv)
{
    long n;

    if (csv->eof)
        return 0;
    if (csv->pos > 0) {
        memmove(csv->buf, csv->buf + csv->pos, csv->len - csv->pos);
        csv->consumed += csv->pos;
        csv->len -= csv->pos;
        csv->pos = 0;
    }
    if (csv->cap - csv->len < READ_CHUNK) {
        size_t cap = csv->cap * 2;
        char *b = realloc(csv->buf, cap);
        if (b == NULL) {
            snprintf(csv->err, sizeof(csv->err), "out of memory");
            return -1;
        }
        csv->buf = b;
        csv->cap = cap;
    }
    n = csv->read(csv->opaque, csv->buf + csv->len, csv->cap - csv->len);
    if (n < 0) {
        snprintf(csv->err, sizeof(csv->err), "read error: %s",
                 strerror(errno));
        return -1;
    }
    if (n == 0) {
        csv->eof = 1;
        return 0;
    }
    csv->len += (size_t)n;
    return 1;
}

/* Makes room for `more` bytes of field text. */
static int out_reserve(cb_csv *csv, size_t used, size_t more)
{
    if (used + more <= csv->out_cap)
        return 0;
    size_t cap = csv->out_cap;
    while (cap < used + more)
        cap *= 2;
    char *o = realloc(csv->out, cap);
    if (o == NULL) {
        snprintf(csv->err, sizeof(csv->err), "out of memory");
        return -1;
    }
    csv->out = o;
    csv->out_cap = cap;
    return 0;
}

/* Drops a byte-order mark at the very start: UTF-8 EF BB BF, or GB18030
 * 84 31 95 33. */
static int skip_bom(cb_csv *csv)
{
    while (csv->len - csv->pos < 4 && !csv->eof)
        if (fill(csv) < 0)
            return -1;
    if (csv->len - csv->pos >= 3 &&
        memcmp(csv->buf + csv->pos, "\xEF\xBB\xBF", 3) == 0)
        csv->pos += 3;
    else if (csv->len - csv->pos >= 4 &&
             memcmp(csv->buf + csv->pos, "\x84\x31\x95\x33", 4) == 0)
        csv->pos += 4;
    csv->started = 1;
    return 0;
}

/* Makes k bytes from *i readable, unless the input ends first, keeping the
 * record that starts at *start in the buffer (a refill moves it to the
 * front; *start and *i move with it).  Returns 1 when the bytes are there,
 * 0 when the input ends before, -1 on a read error, -2 when the record
 * would pass CB_CSV_MAX_RECORD. */
static int need(cb_csv *csv, size_t *start, size_t *i, size_t k)
{
    while (csv->len - *i < k) {
        size_t off = *i - *start;
        int r;

        if (csv->eof)
            return 0;
        if (off >= CB_CSV_MAX_RECORD)
            return -2;
        csv->pos = *start;
        r = fill(csv);
        *start = csv->pos;
        *i = *start + off;
        if (r <= 0)
            return r;
    }
    return 1;
}

/* Reports the record that starts at `start` on `line` as malformed: its
 * first line is its raw text, and reading resumes on the next line, so
 * that every line of the input is either in a good record or reported. */
static int malformed(cb_csv *csv, cb_csv_row *row, size_t start,
                     int64_t line, const char *why)
{
    size_t i = start;
    char *nl;

    /* Find the end of the first line, reading more if needed. */
    for (;;) {
        nl = memchr(csv->buf + i, '\n', csv->len - i);
        if (nl != NULL)
            break;
        i = csv->len;
        int r = need(csv, &start, &i, 1);
        if (r < 0 && r != -2)
            return -1;
        if (r != 1)
            break;
    }
    size_t end = nl != NULL ? (size_t)(nl - csv->buf) : csv->len;
    row->line = line;
    row->raw = csv->buf + start;
    row->raw_len = end - start;
    if (row->raw_len > 0 && row->raw[row->raw_len - 1] == '\r')
        row->raw_len--;
    row->error = why;
    row->nfields = 0;
    row->fields = csv->fields;
    row->lens = csv->lens;
    csv->pos = nl != NULL ? end + 1 : end;
    csv->line = line + 1;
    return 1;
}

/* Appends one byte of field text. */
static int out_put(cb_csv *csv, size_t *used, char c)
{
    if (out_reserve(csv, *used, 2) < 0)
        return -1;
    csv->out[(*used)++] = c;
    return 0;
}

#define NEED(k)                                                            \
    do {                                                                   \
        r = need(csv, &start, &i, (k));                                    \
        if (r == -1)                                                       \
            return -1;                                                     \
        if (r == -2)                                                       \
            return malformed(csv, row, start, line,                        \
                             quoted == 1 ? "unterminated_quote"            \
                                         : "record_too_long");             \
    } while (0)

int cb_csv_next(cb_csv *csv, cb_csv_row *row)
{
    size_t i, start, used = 0, nf = 0;
    int64_t line;
    int r, quoted = 0;

    if (!csv->started && skip_bom(csv) < 0)
        return -1;

    /* Skip empty lines (LF or CR LF alone).  Never read past a line end
     * that is already there: on a pipe, a record must come out as soon as
     * its line is complete. */
    for (;;) {
        start = i = csv->pos;
        line = csv->line;
        NEED(1);
        if (i == csv->len)
            return 0; /* the end */
        if (csv->buf[i] == '\r')
            NEED(2);
        if (csv->buf[i] == '\n') {
            csv->pos = i + 1;
            csv->line++;
        } else if (csv->buf[i] == '\r' && i + 1 < csv->len &&
                   csv->buf[i + 1] == '\n') {
            csv->pos = i + 2;
            csv->line++;
        } else {
            break;
        }
    }

    for (;;) { /* one field per turn; i is at its first byte */
        size_t fstart = used;

        quoted = 0;
        if (nf == CB_CSV_MAX_FIELDS)
            return malformed(csv, row, start, line, "too_many_fields");
        NEED(1);
        if (i < csv->len && csv->buf[i] == '"') {
            quoted = 1;
            i++;
        }
        for (;;) {
            char c;

            NEED(1);
            if (i == csv->len)
                break;
            c = csv->buf[i];
            /* A quote or a CR needs the byte after it, where there is one. */
            if (c == '"' || c == '\r')
                NEED(2);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < csv->len && csv->buf[i + 1] == '"') {
                        if (out_put(csv, &used, '"') < 0)
                            return -1;
                        i += 2;
                        continue;
                    }
                    quoted = 2; /* closed */
                    i++;
                    break;
                }
                if (c == '\n')
                    csv->line++;
            } else {
                if (c == ',' || c == '\n')
                    break;
                if (c == '\r' && (i + 1 == csv->len || csv->buf[i + 1] == '\n'))
                    break;
                if (c == '"')
                    return malformed(csv, row, start, line, "stray_quote");
            }
            if (out_put(csv, &used, c) < 0)
                return -1;
            i++;
        }
        if (quoted == 1) /* the input ended inside the quotes */
            return malformed(csv, row, start, line, "unterminated_quote");
        if (quoted == 2) {
            /* After a closing quote: a separator, a line end or the end. */
            NEED(1);
            if (i < csv->len && csv->buf[i] == '\r')
                NEED(2);
            if (i < csv->len && csv->buf[i] != ',' && csv->buf[i] != '\n' &&
                !(csv->buf[i] == '\r' &&
                  (i + 1 == csv->len || csv->buf[i + 1] == '\n')))
                return malformed(csv, row, start, line, "text_after_quote");
        }
        if (out_put(csv, &used, '\0') < 0)
            return -1;
        csv->offs[nf] = fstart;
        csv->lens[nf] = used - 1 - fstart;
        nf++;
        if (i < csv->len && csv->buf[i] == ',') {
            i++;
            continue;
        }
        break; /* a line end or the end of the input */
    }

    /* i is at CR LF, LF, a final CR, or the end. */
    row->raw = csv->buf + start;
    row->raw_len = i - start;
    if (i < csv->len && csv->buf[i] == '\r')
        i++;
    if (i < csv->len && csv->buf[i] == '\n') {
        i++;
        csv->line++;
    }
    csv->pos = i;
    for (size_t k = 0; k < nf; k++)
        csv->fields[k] = csv->out + csv->offs[k];
    row->line = line;
    row->error = NULL;
    row->nfields = nf;
    row->fields = csv->fields;
    row->lens = csv->lens;
    return 1;
}

void cb_csv_put_field(FILE *fp, const char *s, size_t len)
{
    int formula = len > 0 && strchr("=+-@\t\r", s[0]) != NULL;
    int quote = formula && (s[0] == '\t' || s[0] == '\r');

    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        fputc('"', fp);
    if (formula)
        fputc('\'', fp);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', fp);
        fputc(s[i], fp);
    }
    if (quote)
        fputc('"', fp);
}
