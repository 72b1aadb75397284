/* cb_resp.h -- Redis commands written in Redis's own protocol (RESP)
 * straight into a buffer.
 *
 * A pipeline of thousands of commands (a matcher step's reads, its commit
 * of thousands of arguments) costs less this way than through argv arrays
 * that hiredis formats again: the caller knows each command's argument
 * count up front, every argument is copied once, and the whole buffer goes
 * to the connection at once (cb_redis_append_raw).
 *
 * Writes never fail half way silently: out of memory sets w->failed, and
 * the buffer must then not be sent. */
#ifndef CB_RESP_H
#define CB_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"

typedef struct cb_resp {
    cb_buf buf;  /* the commands so far; owned, freed by cb_resp_free */
    int failed;  /* out of memory: do not send */
} cb_resp;

/* Empties the buffer (keeps its memory) for the next commands. */
void cb_resp_reset(cb_resp *w);

void cb_resp_free(cb_resp *w);

/* Starts a command of nargs arguments (its name counts as one). */
void cb_resp_begin(cb_resp *w, size_t nargs);

/* One argument: bytes, a C string, or an integer in decimal. */
void cb_resp_arg(cb_resp *w, const void *p, size_t len);
void cb_resp_str(cb_resp *w, const char *s);
void cb_resp_int(cb_resp *w, int64_t v);

/* Two or three pieces joined into one argument ("cb:s:{p3}" ":" "17"). */
void cb_resp_cat(cb_resp *w, const char *a, const char *b, const char *c);

/* v in decimal into out (at least 21 bytes); returns its length. */
size_t cb_resp_itoa(int64_t v, char *out);

#endif
