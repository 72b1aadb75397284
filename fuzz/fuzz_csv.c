/* fuzz_csv.c -- libFuzzer target: core/cb_csv.c on any bytes, fed in
 * chunks whose sizes the input chooses (so records cross buffer edges).
 *
 * Holds the reader to its promises: it ends, every record's fields hold no
 * more bytes than its raw text, a malformed record has no fields, lines
 * never go back, and the offset never passes the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_csv.h"

typedef struct src {
    const uint8_t *p;
    size_t len, pos;
    unsigned chunk; /* the next chunk's size, from the first byte */
} src;

static long feed(void *opaque, char *buf, size_t size)
{
    src *s = opaque;
    size_t n = s->len - s->pos;

    if (n > size)
        n = size;
    if (n > s->chunk)
        n = s->chunk;
    memcpy(buf, s->p + s->pos, n);
    s->pos += n;
    s->chunk = s->chunk * 7 % 4093 + 1; /* varied sizes, never 0 */
    return (long)n;
}

/* libFuzzer calls this with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    src s = {data + 1, size - 1, 0, (unsigned)data[0] + 1};
    cb_csv *csv = cb_csv_new(feed, &s);
    cb_csv_row row;
    int64_t last_line = 0;
    int rc;

    if (csv == NULL)
        return 0;
    while ((rc = cb_csv_next(csv, &row)) == 1) {
        size_t bytes = 0;
        if (row.line < last_line)
            abort();
        last_line = row.line;
        if (row.error != NULL && row.nfields != 0)
            abort();
        if (row.nfields > CB_CSV_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < row.nfields; i++) {
            if (strlen(row.fields[i]) > row.lens[i])
                abort();
            bytes += row.lens[i];
        }
        if (bytes > row.raw_len)
            abort();
        if (cb_csv_offset(csv) > s.len)
            abort();
    }
    if (rc != 0) /* memory-only input: no read error can happen */
        abort();
    cb_csv_free(csv);
    return 0;
}
