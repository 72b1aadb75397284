/* cb_name.h -- when two persons' names are the same name (docs/RULES.md
 * 9.2): offices type a name with spaces, in full-width letters, or with
 * another of the dots that separate the parts of a minority or foreign
 * name, and those are not different names.  The normal form removes and
 * maps exactly those differences and nothing else.
 *
 * Pure functions over caller buffers. */
#ifndef CB_NAME_H
#define CB_NAME_H

#include <stddef.h>

/* The normal form of the UTF-8 name in[0..len) into out (size bytes, NUL
 * terminated): ASCII white space and U+3000 removed, full-width ASCII
 * (U+FF01-U+FF5E) as ASCII, and the separators U+00B7, U+30FB, U+2022 and
 * '.' (so also U+FF0E) as U+00B7.  Bytes that are not UTF-8 are kept as
 * they are.  Returns the length of the normal form, or -1 when it does not
 * fit in out (out is then ""). */
int cb_name_normalize(const char *in, size_t len, char *out, size_t size);

/* 1 when the names a[0..alen) and b[0..blen) have the same normal form,
 * else 0. */
int cb_name_same(const char *a, size_t alen, const char *b, size_t blen);

#endif
