/* cb_schema.h -- Avro schema identity: the Parsing Canonical Form of a
 * schema and its CRC-64-AVRO (Rabin) fingerprint, as the Avro specification
 * defines them ("Parsing Canonical Form for Schemas", "Schema
 * Fingerprints").
 *
 * Two schemas with the same canonical form read and write the same bytes;
 * the fingerprint of that form is what a single-object-encoded message
 * carries to name its writer schema.  logicalType, doc, default, aliases,
 * order and namespace attributes are not part of the form (spec rule
 * STRIP), so {"type":"int","logicalType":"date"} is "int".
 *
 * Pure functions: no global state, safe from any thread. */
#ifndef CB_SCHEMA_H
#define CB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The CRC-64-AVRO of no bytes at all: the polynomial's seed. */
#define CB_SCHEMA_CRC64_EMPTY UINT64_C(0xc15d213aa4d7a795)

/* Writes the Parsing Canonical Form of the schema in `json` (len bytes of
 * JSON text, no NUL needed) into *out, a NUL-terminated string the caller
 * frees with free().  Returns 0, or -1 with the reason in errstr when the
 * text is not JSON or not a schema (no type, an unknown type name, a
 * record without fields, ...); *out is then NULL. */
int cb_schema_canonical(const char *json, size_t len, char **out, char *errstr,
                        size_t errstr_size);

/* The same, from a schema already parsed by jansson. */
int cb_schema_canonical_json(const json_t *schema, char **out, char *errstr,
                             size_t errstr_size);

/* The CRC-64-AVRO fingerprint of len bytes (CB_SCHEMA_CRC64_EMPTY for 0
 * bytes).  Cannot fail. */
uint64_t cb_schema_crc64(const void *data, size_t len);

/* The fingerprint of a schema: the CRC-64-AVRO of its Parsing Canonical
 * Form.  Returns 0 and sets *fp, or -1 with errstr as
 * cb_schema_canonical. */
int cb_schema_fingerprint(const char *json, size_t len, uint64_t *fp,
                          char *errstr, size_t errstr_size);

#endif
