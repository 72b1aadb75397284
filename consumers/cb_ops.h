/* cb_ops.h -- turns a feed record into the op that a step applies:
 * the subject's key and bucket, the event's date and stamp, and the few
 * values the rules need, packed in the layout cb_op_decode reads.
 *
 * Ops are packed (little-endian fields, u8-length strings, cb_pack.h) so
 * that a batch is a list of byte strings, cheap to keep and to copy.  This
 * module is the one home of the format: every encoder (cb_ops_*) and the
 * decoder (cb_op_decode) are in cb_ops.c, the layouts in its comments; so
 * is the ownership change a business op sends to its representative's
 * partition (cb_own_change_pack), which comes back as the body of an
 * ownership op. */
#ifndef CB_OPS_H
#define CB_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_pack.h"
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
    CB_OP_DECIDE = 10,
    CB_OP_REVIEW = 11,
    CB_OP_SUSPECT = 12, /* a suspect (RULES.md 9.3), at its feed's subject */
    CB_OP_GROUP = 13,   /* a message to a name group (cb_group.h) */
    CB_OP_PROBE = 14    /* a name group asks the person about itself */
};

/* Topic numbers in ops and in the applied-offsets hash: the record kinds,
 * and one more for the derived ownership topic; CB_TOPIC_COUNT in all. */
#define CB_TOPIC_OWNERSHIP CB_KIND_COUNT
#define CB_TOPIC_COUNT (CB_TOPIC_OWNERSHIP + 1)

/* What a fact op (CB_OP_FACT) records. */
enum { CB_FACT_BENEFIT = 0, CB_FACT_CONTRIBUTION = 1 };

/* A "latest" stamp (docs/RULES.md 1) as one number: the event's date
 * times CB_STAMP_LOW, plus 24 low bits (the second of the day, then
 * CB_STAMP_HASH_BITS bits of the event id's hash).  Ops and states pack
 * it as the date (2 bytes) and the low bits (3 bytes). */
#define CB_STAMP_LOW 16777216LL

static inline int64_t cb_stamp_of(int64_t day, int64_t s24)
{
    return day * CB_STAMP_LOW + s24;
}

/* floor(st / CB_STAMP_LOW) and st mod CB_STAMP_LOW, floored as the first
 * matcher's Lua computed them, so that a stamp packs the same whatever its
 * sign. */
static inline int64_t cb_stamp_day(int64_t st)
{
    int64_t q = st / CB_STAMP_LOW;

    if (st % CB_STAMP_LOW < 0)
        q--;
    return q;
}

static inline int64_t cb_stamp_low(int64_t st)
{
    int64_t r = st % CB_STAMP_LOW;

    return r < 0 ? r + CB_STAMP_LOW : r;
}

#define CB_SUBJECT_KEY_MAX 18 /* a person's 8 bytes, an employer's 18 */
#define CB_PERSON_KEY_LEN 8    /* the 17 digits' body, binary */
#define CB_GROUP_FIELD_LEN 9   /* 'G' and a group key's 16 digits as 8
                                  bytes (cb_group.h has the text's) */

/* A subject as the state knows it: a person, an employer, a name group
 * (cb_group.h), or a feed, the stateless subject whose steps pass the feed's
 * suspects on to their groups (a dead letter is keyed by its feed).  The key's
 * length and first byte tell them apart: 8, 18, CB_GROUP_FIELD_LEN (9,
 * starting 'G'), or "F:" and the feed's name (7 to 12 bytes, never 8).  A
 * store written before the evening of 2026-12-04 keyed groups by their text
 * (CB_GROUP_KEY_LEN, 17): read too, and renamed by the matcher when it starts
 * (cb_layout.h). */
typedef struct cb_subject {
    char key[CB_SUBJECT_KEY_MAX]; /* binary for a person */
    size_t key_len;
    char id[CB_ID_SIZE];          /* the ID number, USCC, group key or
                                     feed name, as text: the Kafka key */
    int is_employer, is_group, is_feed;
} cb_subject;

/* What a state key is the key of: the one place its length and form are
 * read. */
typedef enum cb_state_key_kind {
    CB_STATE_KEY_NONE,
    CB_STATE_KEY_PERSON,
    CB_STATE_KEY_EMPLOYER,
    CB_STATE_KEY_GROUP,
    CB_STATE_KEY_FEED
} cb_state_key_kind;

cb_state_key_kind cb_state_key_kind_of(const char *key, size_t len);

/* The subject of a group key (its CB_GROUP_KEY_LEN characters, or its
 * CB_GROUP_FIELD_LEN bytes) or of a feed's name.  Returns 0, or -1 for
 * bytes that are none. */
int cb_subject_of_group(const char *key, size_t len, cb_subject *s);
int cb_subject_of_feed(const char *feed, cb_subject *s);

/* The subject of an ID number (already validated; a legacy 15-digit
 * number is the subject of its 18-character form, which s->id holds) or
 * of a USCC.  Returns 0, or -1 for text that is neither. */
int cb_subject_of_person(const char *id, cb_subject *s);
int cb_subject_of_employer(const char *uscc, cb_subject *s);

/* The subject whose state key is key[0..len) (from a timer or an index):
 * the ID text is rebuilt from a person's binary key.  Returns 0 or -1. */
int cb_subject_from_key(const char *key, size_t len, cb_subject *s);

/* Which bucket of its partition a subject's state lives in. */
unsigned cb_subject_bucket(const cb_subject *s, unsigned nbuckets);

/* Leads, lead ids and timers are bucketed too (docs/MATCHER.md), in a
 * quarter as many buckets as states ("side" buckets): a partition has
 * about a sixth as many of them, and every key costs some 80 bytes of
 * its own.  Counts are powers of two, so a subject's side bucket is
 * its state bucket's remainder. */
#define CB_SIDE_SHARE 4

/* The side buckets of a partition of nbuckets state buckets. */
unsigned cb_side_buckets(unsigned nbuckets);

/* The bucket of a subject's lead and timer among nside, from its ID text
 * (id_len bytes, cb_subject's id). */
unsigned cb_side_bucket(const char *id, size_t id_len, unsigned nside);

/* The bucket of a lead id's entry (cb:lid) among nside (at most 65,536),
 * from its CB_ID_DIGITS hex digits alone, so that a reader with only the
 * id finds it. */
unsigned cb_lid_bucket(const char *digits, unsigned nside);

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

/* A team's decision (cb_decision) on the lead of a subject, with its
 * reason (up to CB_DECISION_WHY_MAX bytes of text). */
int cb_ops_decide(const cb_subject *subject, unsigned nbuckets,
                  const char *lead_id, int decision, const char *reason,
                  cb_buf *out);

/* A reviewer's verdict (cb_review_verdict) on the review item of a
 * person (docs/RULES.md 9.3) of kind `kind` (cb_review_kind) and other
 * name `other` (its normal form, other_len bytes), given at `at_ms`, with
 * the reviewer's reason (up to CB_DECISION_WHY_MAX bytes of text). */
int cb_ops_review(const cb_subject *subject, unsigned nbuckets, int kind,
                  int verdict, const char *other, size_t other_len,
                  int64_t at_ms, const char *reason, cb_buf *out);

/* What an ownership change says of the representative and the business:
 * no longer represents it, represents it, or neither (the business row
 * only names the person, and the change carries that name). */
enum { CB_OWN_GONE = 0, CB_OWN_HELD = 1, CB_OWN_NAME_ONLY = 2 };

/* An ownership change a business op makes, for the representative's own
 * partition to apply (the person may live in another partition): the
 * value of an outbox 'O' entry and of the ownership topic.  It also
 * carries the name the business row gives its representative
 * (legal_rep_name), for the person's review items (docs/RULES.md 9.3): a
 * row that changes no ownership but names its representative sends a
 * CB_OWN_NAME_ONLY change. */
typedef struct cb_own_change {
    cb_str rep;      /* the person's ID text (the message's key) */
    cb_str uscc;
    int active;      /* CB_OWN_* */
    int32_t est, dereg; /* dereg 0: not deregistered */
    int64_t st;
    cb_str eid;      /* the business event behind it */
    cb_str rep_name; /* the row's legal_rep_name, "" when it gives none */
} cb_own_change;

/* Packs an ownership change as an outbox value: the body of the
 * ownership op it becomes.  Returns 0 or -1. */
int cb_own_change_pack(const cb_own_change *c, cb_buf *out);

/* Reads an ownership change cb_own_change_pack packed, or one packed
 * before changes carried a name (it ends after the event id: no name).
 * Strings are copied into *c.  Returns 0, or -1 for bytes that are
 * neither. */
int cb_own_change_unpack(const void *payload, size_t len, cb_own_change *c);

/* A probe: the message of the ownership topic, keyed by a person's
 * number, by which a name group with a suspect asks a person one typing
 * slip away to tell it about itself (cb_group.h).  Its value is this one
 * byte, which no ownership change is (those begin with a USCC behind its
 * length). */
#define CB_OWN_PROBE "P"
#define CB_OWN_PROBE_LEN 1

/* A message of the ownership topic keyed by a person ('O' entries of the
 * outbox): the person's ID and the payload, an ownership change
 * cb_own_change_pack packed (either form cb_own_change_unpack reads) or
 * a probe (CB_OWN_PROBE); offset is its Kafka offset in the ownership
 * topic. */
int cb_ops_ownership(const char *person_id, const void *payload,
                     size_t payload_len, int64_t offset, unsigned nbuckets,
                     cb_buf *out, cb_subject *subject, char *errstr,
                     size_t errstr_size);

/* A suspect of a dead letter at offset `offset` of the dead-letter topic,
 * for its feed's subject: the body is a group message (cb_group.h,
 * CB_GMSG_SUSPECT) that the step hands on to the group of the name. */
int cb_ops_suspect(const char *feed, const void *msg, size_t msg_len,
                   int64_t offset, unsigned nbuckets, cb_buf *out,
                   cb_subject *subject, char *errstr, size_t errstr_size);

/* The op of a dead letter (offset: on the dead-letter topic): a
 * suspect's (cb_suspect.h) for its feed's subject, carrying the group
 * message of the suspect.  Returns 0, 1 when the dead letter is no
 * suspect (no op), or -1 with errstr when its record does not decode. */
struct cb_codec;
int cb_ops_from_deadletter(struct cb_codec *codec, const cb_deadletter *dl,
                           int64_t offset, unsigned nbuckets, cb_buf *out,
                           cb_subject *subject, char *errstr,
                           size_t errstr_size);

/* A group message from the internal topic (key: the group's key). */
int cb_ops_group(const char *key, size_t key_len, const void *msg,
                 size_t msg_len, int64_t offset, unsigned nbuckets,
                 cb_buf *out, cb_subject *subject, char *errstr,
                 size_t errstr_size);

/* ------------------------------------------------------------ decoding */

/* An op, decoded.  Fields not used by its kind are zero. */
typedef struct cb_op {
    int kind;        /* CB_OP_* */
    int topic;       /* topic number of its offset */
    int64_t offset;  /* Kafka offset, -1 for snapshot rows and ticks */
    unsigned bucket; /* the state's bucket in its partition */
    cb_str subject;  /* the state key (8 binary bytes or an 18-char USCC) */
    cb_str subject_id; /* the ID number or USCC as text */
    cb_str eid;      /* event id, empty for ticks, decisions, ownership */
    /* common to the person ops: the birth date and sex of the ID */
    int32_t birth;
    int male;
    int has_birth;   /* the op carries birth and male */
    /* stamped ops: day and 24 low bits */
    int32_t date;
    uint32_t s24;
    int64_t township;
    /* CB_OP_HH */
    int student;     /* -1 absent, 0, 1 */
    int action;      /* CB_OP_HH: household action; CB_OP_BIZ: business */
    cb_str name;     /* HH, BIZ: the name; DEATH, ROSTER: the person's
                        name as the row writes it ("" when none); OWN: the
                        representative's as the business row writes it */
    /* CB_OP_DEATH */
    int32_t death;
    /* CB_OP_ENR */
    int scheme, on, snapshot;
    /* CB_OP_FACT */
    int k;           /* CB_FACT_BENEFIT or CB_FACT_CONTRIBUTION */
    int64_t region, amount, tier;
    int32_t period;  /* months since 1970-01 */
    int paid;
    /* CB_OP_ROSTER */
    int identity;
    int32_t from, to; /* to: CB_DATE_OPEN_END when open */
    /* CB_OP_OWN */
    cb_str uscc;
    int active;      /* CB_OWN_* */
    int32_t est, dereg;
    cb_str src;      /* the business event behind an ownership change */
    /* CB_OP_BIZ */
    int bkind;
    cb_str rep;
    cb_str rep_name; /* the representative's name, "" when none */
    /* CB_OP_DECIDE */
    int decision;    /* cb_decision */
    cb_str lead_id;  /* 16 hex digits */
    /* CB_OP_REVIEW (and why, why_len) */
    int rkind;       /* cb_review_kind */
    int verdict;     /* cb_review_verdict */
    int64_t at;      /* ms */
    cb_str other;    /* the normal form of the other name; for a group's
                        item its two numbers, "SUBJECT|OTHER" */
    /* CB_OP_SUSPECT, CB_OP_GROUP: the group message, into the op's bytes */
    const char *msg;
    size_t msg_len;
    /* CB_OP_DECIDE, CB_OP_REVIEW: the reason given */
    char why[CB_DECISION_WHY_MAX + 1];
    size_t why_len;
} cb_op;

/* Decodes a packed op.  Returns 0, or -1 for bytes that are not an op: a
 * field missing, bytes after the last, an unknown kind, a scheme or flag
 * a person's state cannot hold. */
int cb_op_decode(const char *data, size_t len, cb_op *op);

/* The head of a packed op, read without the rest (a step groups and skips
 * the ops of its batch before it decodes them): key and id point into the
 * op's bytes. */
typedef struct cb_op_head {
    int kind;        /* CB_OP_* */
    int topic;       /* below CB_TOPIC_COUNT */
    int64_t offset;
    unsigned bucket;
    const char *key; /* the state key: 8 bytes, or CB_SUBJECT_KEY_MAX */
    size_t key_len;
    const char *id;  /* the ID number or USCC as text */
    size_t id_len;
    int fact_kind;   /* a fact op's CB_FACT_*, else -1 */
} cb_op_head;

/* Reads the head of a packed op.  Returns 0, or -1 when it is cut short or
 * names a topic or a key no op has. */
int cb_op_read_head(const char *data, size_t len, cb_op_head *head);

/* 32-bit FNV-1a, used for buckets and stamps. */
uint32_t cb_fnv1a32(const void *data, size_t len);

#endif
