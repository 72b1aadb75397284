/* cb_sha1.h -- SHA-1 (FIPS 180-4), for the ids of leads and alerts that
 * docs/RULES.md defines as SHA-1 prefixes (Redis's Lua computes the same
 * with redis.sha1hex).  Not for security.  Pure, no allocation. */
#ifndef CB_SHA1_H
#define CB_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define CB_SHA1_SIZE 20

/* The SHA-1 digest of len bytes. */
void cb_sha1(const void *data, size_t len, uint8_t out[CB_SHA1_SIZE]);

/* The first ndigits (at most 40) lower-case hex digits of the SHA-1 of
 * len bytes, written to out with a NUL (out holds ndigits + 1 bytes). */
void cb_sha1_hex(const void *data, size_t len, char *out, int ndigits);

#endif
