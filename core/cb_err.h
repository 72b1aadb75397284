/* cb_err.h -- the one way a function reports why it failed: it writes the
 * reason into the caller's errstr buffer and returns -1.
 *
 * Every function of canbao that can fail for a reason worth telling takes
 * (char *errstr, size_t errstr_size) and, on failure, fills errstr with a
 * sentence for the operator (never an ID number or a secret in clear:
 * cb_log.h's rule).  cb_err_set is that step in one call:
 *
 *     if (fd < 0)
 *         return cb_err_set(errstr, errstr_size, "cannot open %s: %s",
 *                           path, strerror(errno));
 */
#ifndef CB_ERR_H
#define CB_ERR_H

#include <stddef.h>

/* Formats the reason into errstr (truncated to errstr_size bytes, always
 * NUL-terminated; nothing written when errstr_size is 0).  Returns -1. */
int cb_err_set(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
