/* cb_gen_out.c -- spill files per period, sorted into the output files. */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_err.h"
#include "cb_gen_out.h"
#include "cb_record.h"
#include "cb_time.h"

#define SPILL_DIR ".gen-tmp"

static const char *const paths[CB_GEN_NFILES] = {
    "snapshot/enrollment.csv", "feeds/business.csv",   "feeds/household.csv",
    "feeds/death.csv",         "feeds/enrollment.csv", "feeds/assistance.csv"};

static const cb_kind kinds[CB_GEN_NFILES] = {
    CB_KIND_ENROLLMENT, CB_KIND_BUSINESS,   CB_KIND_HOUSEHOLD,
    CB_KIND_DEATH,      CB_KIND_ENROLLMENT, CB_KIND_ASSISTANCE};

const char *cb_gen_file_path(int file)
{
    return file >= 0 && file < CB_GEN_NFILES ? paths[file] : NULL;
}

/* How a file's rows are split into periods: months since 1970 from base,
 * width months each, n periods; rows outside go to the first or last. */
typedef struct period_plan {
    int32_t base, width, n;
} period_plan;

struct cb_gen_out {
    char dir[1024];
    period_plan plan[CB_GEN_NFILES];
    FILE **spill[CB_GEN_NFILES]; /* per period, opened when first used */
    uint64_t seq;
};

/* A row in a spill file: this header, then len bytes. */
typedef struct spill_head {
    int64_t place;
    uint64_t seq;
    uint32_t len;
} spill_head;

static void spill_path(const cb_gen_out *out, int file, int period, char *buf,
                       size_t size)
{
    snprintf(buf, size, "%s/" SPILL_DIR "/%d-%03d.bin", out->dir, file, period);
}

cb_gen_out *cb_gen_out_new(const char *dir, int32_t start, int32_t end,
                           char *errstr, size_t errstr_size)
{
    cb_gen_out *out = calloc(1, sizeof(*out));
    char path[1100];
    int32_t ms = cb_month_of_date(start), me = cb_month_of_date(end);

    if (out == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    snprintf(out->dir, sizeof(out->dir), "%s", dir);
    snprintf(path, sizeof(path), "%s/" SPILL_DIR, dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                   strerror(errno));
        free(out);
        return NULL;
    }
    for (int f = 0; f < CB_GEN_NFILES; f++) {
        if (f == CB_GEN_SNAPSHOT) {
            /* a year a period, from 1990 to the stream */
            int32_t base = cb_month_from_ym(1990, 1);
            out->plan[f] = (period_plan){base, 12, (ms - base) / 12 + 2};
        } else {
            out->plan[f] = (period_plan){ms, 1, me - ms + 2};
        }
        out->spill[f] = calloc((size_t)out->plan[f].n, sizeof(FILE *));
        if (out->spill[f] == NULL) {
            cb_err_set(errstr, errstr_size, "out of memory");
            cb_gen_out_free(out);
            return NULL;
        }
    }
    return out;
}

void cb_gen_out_free(cb_gen_out *out)
{
    char path[1100];

    if (out == NULL)
        return;
    for (int f = 0; f < CB_GEN_NFILES; f++) {
        for (int p = 0; out->spill[f] != NULL && p < out->plan[f].n; p++) {
            if (out->spill[f][p] == NULL)
                continue;
            fclose(out->spill[f][p]);
            spill_path(out, f, p, path, sizeof(path));
            remove(path);
        }
        free(out->spill[f]);
    }
    snprintf(path, sizeof(path), "%s/" SPILL_DIR, out->dir);
    rmdir(path);
    free(out);
}

static int period_of(const period_plan *plan, int64_t place_ms)
{
    int32_t m = cb_month_of_date(cb_date_of_time(place_ms));
    int32_t p = (m - plan->base) / plan->width;

    if (m < plan->base || p < 0)
        return 0;
    return p >= plan->n ? plan->n - 1 : (int)p;
}

int cb_gen_out_add(cb_gen_out *out, int file, int64_t place_ms,
                   const char *line, size_t len, char *errstr,
                   size_t errstr_size)
{
    int p = period_of(&out->plan[file], place_ms);
    FILE *f = out->spill[file][p];
    spill_head h;

    memset(&h, 0, sizeof(h)); /* no uninitialised padding on disk */
    h.place = place_ms;
    h.seq = out->seq++;
    h.len = (uint32_t)len;

    if (f == NULL) {
        char path[1100];
        spill_path(out, file, p, path, sizeof(path));
        f = fopen(path, "w+b");
        if (f == NULL)
            return cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                              strerror(errno));
        out->spill[file][p] = f;
    }
    if (fwrite(&h, sizeof(h), 1, f) != 1 || fwrite(line, 1, len, f) != len)
        return cb_err_set(errstr, errstr_size, "cannot write a spill file: %s",
                          strerror(errno));
    return 0;
}

/* ----------------------------------------------------------- encoding */

struct cb_gen_iconv {
    iconv_t cd;
    char *buf;
    size_t cap;
};

cb_gen_iconv *cb_gen_iconv_new(void)
{
    cb_gen_iconv *cv = calloc(1, sizeof(*cv));

    if (cv == NULL)
        return NULL;
    cv->cd = iconv_open("GB18030", "UTF-8");
    if (cv->cd == (iconv_t)-1) {
        free(cv);
        return NULL;
    }
    return cv;
}

void cb_gen_iconv_free(cb_gen_iconv *cv)
{
    if (cv == NULL)
        return;
    iconv_close(cv->cd);
    free(cv->buf);
    free(cv);
}

/* Converts a run of valid UTF-8 and writes it. */
static int write_converted(FILE *f, cb_gen_iconv *cv, const char *text,
                           size_t len)
{
    char *src = (char *)text, *dst;
    size_t left = len, room;

    if (len * 2 + 16 > cv->cap) { /* GB18030 takes at most 4 bytes for
                                     UTF-8's 2 or more, 1 for 1 */
        size_t cap = len * 2 + 16;
        char *b = realloc(cv->buf, cap);
        if (b == NULL)
            return -1;
        cv->buf = b;
        cv->cap = cap;
    }
    dst = cv->buf;
    room = cv->cap;
    iconv(cv->cd, NULL, NULL, NULL, NULL);
    if (iconv(cv->cd, &src, &left, &dst, &room) == (size_t)-1)
        return -1;
    return fwrite(cv->buf, 1, (size_t)(dst - cv->buf), f) ==
                   (size_t)(dst - cv->buf)
               ? 0
               : -1;
}

int cb_gen_write_text(FILE *f, cb_gen_iconv *cv, cb_encoding enc,
                      const char *text, size_t len)
{
    if (enc == CB_ENC_UTF8 || cv == NULL)
        return fwrite(text, 1, len, f) == len ? 0 : -1;
    while (len > 0) {
        size_t ok = cb_utf8_valid_prefix(text, len);
        if (ok > 0 && write_converted(f, cv, text, ok) != 0)
            return -1;
        text += ok;
        len -= ok;
        if (len > 0) { /* an invalid byte: as it is */
            if (fputc((unsigned char)*text, f) == EOF)
                return -1;
            text++;
            len--;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ finish */

typedef struct row_ref {
    int64_t place;
    uint64_t seq;
    size_t off;
    uint32_t len;
} row_ref;

static int cmp_row(const void *a, const void *b)
{
    const row_ref *x = a, *y = b;

    if (x->place != y->place)
        return x->place < y->place ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorts one spill file into f. */
static int drain(FILE *spill, FILE *f, cb_gen_iconv *cv, cb_encoding enc,
                 int64_t *rows)
{
    long size;
    char *data = NULL;
    row_ref *refs = NULL;
    size_t n = 0, cap = 0, off = 0;
    int rc = -1;

    if (fflush(spill) != 0 || fseek(spill, 0, SEEK_END) != 0 ||
        (size = ftell(spill)) < 0 || fseek(spill, 0, SEEK_SET) != 0)
        return -1;
    data = malloc((size_t)size + 1);
    if (data == NULL || fread(data, 1, (size_t)size, spill) != (size_t)size)
        goto out;
    while (off + sizeof(spill_head) <= (size_t)size) {
        spill_head h;
        memcpy(&h, data + off, sizeof(h));
        if (n == cap) {
            size_t c = cap ? cap * 2 : 4096;
            row_ref *r = realloc(refs, c * sizeof(*r));
            if (r == NULL)
                goto out;
            refs = r;
            cap = c;
        }
        refs[n++] = (row_ref){h.place, h.seq, off + sizeof(h), h.len};
        off += sizeof(h) + h.len;
    }
    if (n > 0)
        qsort(refs, n, sizeof(*refs), cmp_row);
    for (size_t i = 0; i < n; i++) {
        if (cb_gen_write_text(f, cv, enc, data + refs[i].off, refs[i].len) !=
                0 ||
            fputc('\n', f) == EOF)
            goto out;
    }
    *rows += (int64_t)n;
    rc = 0;
out:
    free(data);
    free(refs);
    return rc;
}

int cb_gen_out_finish(cb_gen_out *out, cb_encoding enc,
                      int64_t rows[CB_GEN_NFILES], cb_gen_progress_fn *progress,
                      void *opaque, char *errstr, size_t errstr_size)
{
    cb_gen_iconv *cv = NULL;
    int total = 0, done = 0, rc = -1;
    char path[1100];
    FILE *f = NULL;

    if (enc == CB_ENC_GB18030 && (cv = cb_gen_iconv_new()) == NULL)
        return cb_err_set(errstr, errstr_size,
                          "this system's iconv cannot write GB18030");
    for (int file = 0; file < CB_GEN_NFILES; file++)
        total += out->plan[file].n;
    for (int file = 0; file < CB_GEN_NFILES; file++) {
        const cb_kind_info *info = cb_kind_info_get(kinds[file]);
        rows[file] = 0;
        snprintf(path, sizeof(path), "%s/%s", out->dir, paths[file]);
        f = fopen(path, "w");
        if (f == NULL) {
            cb_err_set(errstr, errstr_size, "cannot create %s: %s", path,
                       strerror(errno));
            goto out;
        }
        for (int i = 0; i < info->nfields; i++)
            fprintf(f, "%s%s", info->fields[i].name,
                    i + 1 < info->nfields ? "," : "\n");
        for (int p = 0; p < out->plan[file].n; p++, done++) {
            FILE *spill = out->spill[file][p];
            if (progress != NULL)
                progress(opaque, "sorting", (double)done / total);
            if (spill == NULL)
                continue;
            if (drain(spill, f, cv, enc, &rows[file]) != 0) {
                cb_err_set(errstr, errstr_size, "cannot write %s: %s", path,
                           errno ? strerror(errno)
                                 : "out of memory or bad text");
                goto out;
            }
            fclose(spill);
            out->spill[file][p] = NULL;
            spill_path(out, file, p, path, sizeof(path));
            remove(path);
            snprintf(path, sizeof(path), "%s/%s", out->dir, paths[file]);
        }
        if (ferror(f) || fclose(f) != 0) {
            f = NULL;
            cb_err_set(errstr, errstr_size, "cannot write %s: %s", path,
                       strerror(errno));
            goto out;
        }
        f = NULL;
    }
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    cb_gen_iconv_free(cv);
    return rc;
}
