/* cb_codec.h -- Avro single-object encoding of canbao's records, on avro-c.
 *
 * Every Kafka message canbao writes is one record in Avro single-object
 * encoding (Avro specification, "Single object encoding"):
 *
 *     C3 01 | CRC-64-AVRO fingerprint of the writer schema's Parsing
 *           |  Canonical Form, 8 bytes little-endian | Avro binary datum
 *
 * A reader looks the fingerprint up among the writer schemas it knows and
 * resolves that writer schema to its own reader schema for the kind (Avro
 * schema resolution), so a newer reader reads an older writer's records and
 * the other way round.  An unknown fingerprint is refused with an error that
 * names it; nothing is guessed.
 *
 * The schemas of the current version are compiled into the program from
 * schemas/ folder.  When a codec starts it checks each of them against the
 * field table of its kind (cb_record.h): names, order, types, optionality
 * and enum symbols.  A mismatch is an error at start, not a corrupt message
 * later.
 *
 * Threads: a cb_codec is not thread-safe; give each thread its own. */
#ifndef CB_CODEC_H
#define CB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#include "cb_buf.h"
#include "cb_record.h"

/* The two marker bytes and the length of the header before the datum. */
#define CB_CODEC_MAGIC0    0xC3
#define CB_CODEC_MAGIC1    0x01
#define CB_CODEC_HEADER_SZ 10

typedef struct cb_codec cb_codec;

/* Creates a codec that knows the built-in schemas of every kind as both
 * writer and reader schemas.  Returns NULL and writes the reason into
 * errstr when a built-in schema does not parse or does not match its field
 * table. */
cb_codec *cb_codec_new(char *errstr, size_t errstr_size);

/* Frees the codec; NULL is fine. */
void cb_codec_free(cb_codec *codec);

/* The CRC-64-AVRO fingerprint of the codec's current writer schema for a
 * kind. */
uint64_t cb_codec_fingerprint(const cb_codec *codec, cb_kind kind);

/* The JSON text of the current schema of a kind (as in schemas/), owned by
 * the codec. */
const char *cb_codec_schema_json(const cb_codec *codec, cb_kind kind);

/* Teaches the codec another writer schema for a kind, for instance an older
 * version kept in schemas/history/: records written with it will be decoded
 * by resolving it to the current reader schema.  Returns 0, or -1 with
 * errstr when the JSON does not parse or cannot be resolved to the reader
 * schema. */
int cb_codec_add_writer(cb_codec *codec, cb_kind kind, const char *json,
                        char *errstr, size_t errstr_size);

/* Replaces the reader schema of a kind by another version (tests use it to
 * read with a newer schema than the program's).  The struct decode below
 * keeps working for fields that the table and the new schema share; use
 * cb_codec_decode_value to see fields the table does not have.  Returns 0
 * or -1 with errstr. */
int cb_codec_set_reader(cb_codec *codec, cb_kind kind, const char *json,
                        char *errstr, size_t errstr_size);

/* Encodes a record (the struct of its kind) into out, replacing out's
 * contents.  Returns 0, or -1 with errstr (a required field absent, an enum
 * out of range, out of memory). */
int cb_codec_encode(cb_codec *codec, cb_kind kind, const void *rec,
                    cb_buf *out, char *errstr, size_t errstr_size);

/* Decodes one message.  On success returns 0, stores the record's kind in
 * *kind and fills rec, which must be large enough for that kind (a
 * cb_record's union is).  TEXT and BYTES fields of rec point into memory
 * owned by the codec, valid until the next decode on it.  Returns -1 with
 * errstr for a message that is too short, lacks the C3 01 marker, carries
 * an unknown fingerprint (named in errstr in hex), or holds a datum that
 * does not decode. */
int cb_codec_decode(cb_codec *codec, const void *data, size_t len,
                    cb_kind *kind, void *rec, char *errstr,
                    size_t errstr_size);

/* Convenience: decodes into a tagged cb_record. */
int cb_codec_decode_record(cb_codec *codec, const void *data, size_t len,
                           cb_record *rec, char *errstr, size_t errstr_size);

/* Decodes one message into the codec's generic Avro value of the kind's
 * current reader schema, for callers that need fields the C struct does not
 * have (a newer reader schema).  *value is owned by the codec and valid
 * until the next decode.  Errors as cb_codec_decode. */
int cb_codec_decode_value(cb_codec *codec, const void *data, size_t len,
                          cb_kind *kind, avro_value_t **value, char *errstr,
                          size_t errstr_size);

/* Reads the fingerprint of a message without decoding it. Returns 0 or -1
 * when the message is too short or lacks the marker. */
int cb_codec_peek_fingerprint(const void *data, size_t len, uint64_t *fp);

#endif
