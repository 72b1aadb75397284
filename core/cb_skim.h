/* cb_skim.h -- checks an Avro binary datum against its writer schema
 * before avro-c reads it.
 *
 * avro-c 1.11.1 trusts the lengths inside a datum: a string length of 2^31
 * makes it allocate 2 GB (and leak it when the read then fails), and a
 * negative length is not refused.  A datum from Kafka is input like any
 * other, so canbao walks it first: every varint at most 10 bytes, every
 * length and block count within the bytes left, every union branch and enum
 * index within its schema, every string valid UTF-8, nesting at most
 * CB_SKIM_MAX_DEPTH deep, and nothing left over.
 * Only then does avro-c see it. */
#ifndef CB_SKIM_H
#define CB_SKIM_H

#include <stddef.h>

#include <avro.h>

#define CB_SKIM_MAX_DEPTH 64 /* nesting of values in one datum */

typedef struct cb_skim cb_skim;

/* Compiles a schema for checking.  NULL when it nests more than 64 deep or
 * memory runs out.  The schema is not kept. */
cb_skim *cb_skim_new(avro_schema_t schema);

/* Frees it; NULL is fine. */
void cb_skim_free(cb_skim *skim);

/* Returns 0 when data[0..len) is exactly one well-formed datum of the
 * schema, else -1 with *why pointing at a static phrase that says what is
 * wrong. */
int cb_skim_check(const cb_skim *skim, const void *data, size_t len,
                  const char **why);

#endif
