/* fuzz_feed.c -- libFuzzer target: core/cb_feed.c, the whole path from a
 * feed file's bytes to validated records, for every feed, CSV in UTF-8 or
 * GB18030 and JSON Lines.  The first byte picks the feed and the format;
 * the rest is the file (a memfd, read through its /proc path as canbao
 * reads any file).
 *
 * Holds the reader to its promises: it ends, bad records are items with a
 * reason and never crash it, and every record it calls good passes the
 * validator again on its own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cb_feed.h"
#include "cb_validate.h"

static const cb_kind kinds[] = {CB_KIND_BUSINESS, CB_KIND_HOUSEHOLD,
                                CB_KIND_DEATH, CB_KIND_ENROLLMENT,
                                CB_KIND_ASSISTANCE};

/* libFuzzer calls this with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_feed_opts o;
    char path[64], err[512];
    cb_feed_item item;

    if (size < 1)
        return 0;
    memset(&o, 0, sizeof(o));
    o.kind = kinds[data[0] % 5];
    o.format = (data[0] / 5) % 3 == 2 ? CB_FORMAT_JSONL : CB_FORMAT_CSV;
    o.encoding = (data[0] / 5) % 3 == 1 ? CB_ENC_GB18030 : CB_ENC_UTF8;
    o.validate.now_ms = 1763568000000LL; /* 2025-11-20 */
    o.validate.skew_ms = 86400000LL;
    int fd = memfd_create("feed", 0);
    if (fd < 0)
        return 0;
    if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    cb_feed *f = cb_feed_open(path, &o, err, sizeof(err));
    if (f != NULL) {
        int rc;
        while ((rc = cb_feed_next(f, &item, err, sizeof(err))) == 1) {
            cb_field_error fe;
            if (!item.ok &&
                (item.err.reason == NULL || item.err.reason[0] == '\0'))
                abort(); /* a bad record always says why */
            if (item.ok && cb_validate_record(o.kind, &item.rec.u,
                                              &o.validate, &fe) != 0)
                abort();
            if (item.line < 1)
                abort();
        }
        if (rc != 0)
            abort();
        cb_feed_free(f);
    }
    close(fd);
    return 0;
}
