/* cb_ops.h -- turns a feed record into the op that a step applies:
 * the subject's key and bucket, the event's date and stamp, and the few
 * values the rules need, packed in the layout the script unpacks.
 *
 * Ops are packed (little-endian fields, u8-length strings) so that a
 * batch is a list of byte strings, cheap to keep and to copy; cb_state.c
 * decodes them (cb_op_decode), and the two files change together. */
#ifndef CB_OPS_H
#define CB_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_record.h"

enum {
    CB_OP_HH = 1,
    CB_OP_DEATH = 2,
    CB_OP_ENR = 3,
    CB_OP_FACT = 4,
    CB_OP_ROSTER = 5,
    CB_OP_BIZ = 6,
    CB_OP_REG = 7,
    CB_OP_OWN = 8,
    CB_OP_TICK = 9,
    CB_OP_DECIDE = 10
};

/* Topic numbers in ops and in the applied-offsets hash: the record kinds,
 * and one more for the derived ownership topic. */
#define CB_TOPIC_OWNERSHIP CB_KIND_COUNT

#define CB_SUBJECT_KEY_MAX 18 /* a person's 8 bytes, an employer's 18 */

/* A subject as the state knows it. */
typedef struct cb_subject {
    char key[CB_SUBJECT_KEY_MAX]; /* binary for a person */
    size_t key_len;               /* 8 (person) or 18 (employer) */
    char id[CB_ID_SIZE];          /* the ID number or USCC, as text */
    int is_employer;
} cb_subject;

/* The subject of an ID number (18 characters, already validated) or of a
 * USCC.  Returns 0, or -1 for text that is neither. */
int cb_subject_of_person(const char *id, cb_subject *s);
int cb_subject_of_employer(const char *uscc, cb_subject *s);

/* The subject whose state key is key[0..len) (from a timer or an index):
 * the ID text is rebuilt from a person's binary key.  Returns 0 or -1. */
int cb_subject_from_key(const char *key, size_t len, cb_subject *s);

/* Which bucket of its partition a subject's state lives in. */
unsigned cb_subject_bucket(const cb_subject *s, unsigned nbuckets);

/* The Kafka partition of a key, as Kafka's Java clients and canbao's
 * producers place it (murmur2). */
int32_t cb_key_partition(const char *key, size_t len, int32_t partitions);

/* Builds the op of one record into out (replacing its contents): topic is
 * the record's kind (or CB_TOPIC_OWNERSHIP), offset its Kafka offset (-1
 * for a snapshot row), snapshot 1 for rows of `canbao load`.  *subject
 * receives the subject the op is about.  Returns 0, or 1 when the record
 * makes no op (nothing in it matters to the rules), or -1 with errstr. */
int cb_ops_from_record(cb_kind kind, const void *rec, int topic,
                       int64_t offset, int snapshot, unsigned nbuckets,
                       cb_buf *out, cb_subject *subject, char *errstr,
                       size_t errstr_size);

/* A re-evaluation of a subject (a timer that fell due). */
int cb_ops_tick(const cb_subject *subject, unsigned nbuckets, cb_buf *out);

/* A team's decision on the lead of a subject (decision: 0 contacted,
 * 1 refused, 2 enrolled, 3 invalid), with its reason (up to 1000 bytes of
 * text). */
int cb_ops_decide(const cb_subject *subject, unsigned nbuckets,
                  const char *lead_id, int decision, const char *reason,
                  cb_buf *out);

/* An ownership change from the outbox ('O' entries): the person's ID and
 * the payload the script packed; offset is its Kafka offset in the
 * ownership topic. */
int cb_ops_ownership(const char *person_id, const void *payload,
                     size_t payload_len, int64_t offset, unsigned nbuckets,
                     cb_buf *out, cb_subject *subject, char *errstr,
                     size_t errstr_size);

/* 32-bit FNV-1a, used for buckets and stamps. */
uint32_t cb_fnv1a32(const void *data, size_t len);

#endif
