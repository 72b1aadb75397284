/* cb_gen_out.h -- the generator's output files: rows arrive in any order,
 * each with the instant it belongs at in its file, and leave sorted by it.
 *
 * Rows are spilled to per-file, per-period temporary files (a month of the
 * stream, a year of the snapshot), so that sorting holds one period of one
 * file in memory.  Ties keep the order of arrival.  Files get their feed's
 * header (the field table's names) and LF line ends, in UTF-8 or GB18030.
 * One thread. */
#ifndef CB_GEN_OUT_H
#define CB_GEN_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cb_gen.h"
#include "cb_text.h"

typedef struct cb_gen_out cb_gen_out;

/* Output under dir (which must exist), for a stream from day `start` to
 * day `end`.  NULL with errstr when the spill directory cannot be made or
 * memory runs out. */
cb_gen_out *cb_gen_out_new(const char *dir, int32_t start, int32_t end,
                           char *errstr, size_t errstr_size);

/* Removes what is left of the spill files and frees; NULL is fine. */
void cb_gen_out_free(cb_gen_out *out);

/* Adds one row (its CSV text without the line end) to file (CB_GEN_...),
 * to be placed at instant place_ms.  Returns 0 or -1 with errstr. */
int cb_gen_out_add(cb_gen_out *out, int file, int64_t place_ms,
                   const char *line, size_t len, char *errstr,
                   size_t errstr_size);

/* Sorts and writes every file, converting to enc; rows[] receives each
 * file's row count.  Returns 0 or -1 with errstr. */
int cb_gen_out_finish(cb_gen_out *out, cb_encoding enc,
                      int64_t rows[CB_GEN_NFILES], cb_gen_progress_fn *progress,
                      void *opaque, char *errstr, size_t errstr_size);

/* A converter of UTF-8 text to GB18030, for whoever writes such files. */
typedef struct cb_gen_iconv cb_gen_iconv;

cb_gen_iconv *cb_gen_iconv_new(void);
void cb_gen_iconv_free(cb_gen_iconv *cv);

/* Writes len bytes of UTF-8 to f, converted to enc; bytes that are not
 * valid UTF-8 are written as they are (the bad files need such bytes).
 * Returns 0 or -1 (out of memory or a write error). */
int cb_gen_write_text(FILE *f, cb_gen_iconv *cv, cb_encoding enc,
                      const char *text, size_t len);

#endif
