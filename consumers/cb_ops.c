/* cb_ops.c -- the packed ops: feed records, ticks, decisions, verdicts and
 * ownership changes packed into ops, and ops decoded again (cb_ops.h).
 * Encoder and decoder are side by side so that the layout changes in one
 * place; each op is the head (put_head) and a body whose struct.pack
 * format the decoder's cases give. */
#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_group.h"
#include "cb_ident.h"
#include "cb_suspect.h"
#include "cb_ops.h"
#include "cb_pack.h"
#include "cb_policy.h"
#include "cb_state.h" /* CB_SCHEMES: the schemes a state can hold */
#include "cb_time.h"

uint32_t cb_fnv1a32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

int32_t cb_key_partition(const char *key, size_t len, int32_t partitions)
{
    return rd_kafka_msg_partitioner_murmur2(NULL, key, len, partitions, NULL,
                                            NULL);
}

/* ------------------------------------------------------------ subjects */

/* The subject of a person is the 18-character form of the number
 * (docs/RULES.md 9.1): a legacy 15-digit number is converted first. */
int cb_subject_of_person(const char *id, cb_subject *s)
{
    char full[CB_IDENT_LEN + 1];
    uint64_t body = 0;

    if (strlen(id) == CB_IDENT_LEGACY_LEN) {
        if (cb_ident_person_canonical(id, CB_IDENT_LEGACY_LEN, full, NULL) !=
            CB_IDENT_OK)
            return -1;
        id = full;
    }
    if (strlen(id) != CB_IDENT_LEN)
        return -1;
    for (int i = 0; i < 17; i++) {
        if (id[i] < '0' || id[i] > '9')
            return -1;
        body = body * 10 + (uint64_t)(id[i] - '0');
    }
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < 8; i++)
        s->key[i] = (char)(body >> (8 * i));
    s->key_len = 8;
    memcpy(s->id, id, CB_IDENT_LEN);
    return 0;
}

int cb_subject_of_employer(const char *uscc, cb_subject *s)
{
    if (strlen(uscc) != CB_IDENT_LEN)
        return -1;
    memset(s, 0, sizeof(*s));
    memcpy(s->key, uscc, CB_IDENT_LEN);
    s->key_len = CB_IDENT_LEN;
    memcpy(s->id, uscc, CB_IDENT_LEN);
    s->is_employer = 1;
    return 0;
}

int cb_subject_of_group(const char *key, size_t len, cb_subject *s)
{
    unsigned char raw[CB_ID_DIGITS / 2];
    char text[CB_GROUP_KEY_LEN + 1];

    if (len == 0 || key[0] != 'G')
        return -1;
    if (len == CB_GROUP_FIELD_LEN) {
        memcpy(raw, key + 1, sizeof(raw));
        cb_id_from_bytes(raw, text + 1);
    } else if (len == CB_GROUP_KEY_LEN) {
        if (cb_id_to_bytes(key + 1, raw) != 0)
            return -1;
        memcpy(text + 1, key + 1, CB_ID_DIGITS);
    } else {
        return -1;
    }
    memset(s, 0, sizeof(*s));
    s->key[0] = 'G';
    memcpy(s->key + 1, raw, sizeof(raw));
    s->key_len = CB_GROUP_FIELD_LEN;
    text[0] = 'G';
    memcpy(s->id, text, CB_GROUP_KEY_LEN);
    s->id[CB_GROUP_KEY_LEN] = '\0';
    s->is_group = 1;
    return 0;
}

int cb_subject_of_feed(const char *feed, cb_subject *s)
{
    size_t n = strlen(feed);

    if (n < 5 || n + 2 > CB_SUBJECT_KEY_MAX || n + 2 == CB_PERSON_KEY_LEN ||
        n + 2 == CB_GROUP_KEY_LEN)
        return -1;
    memset(s, 0, sizeof(*s));
    memcpy(s->key, "F:", 2);
    memcpy(s->key + 2, feed, n);
    s->key_len = n + 2;
    memcpy(s->id, feed, n);
    s->is_feed = 1;
    return 0;
}

cb_state_key_kind cb_state_key_kind_of(const char *key, size_t len)
{
    if (len == CB_PERSON_KEY_LEN)
        return CB_STATE_KEY_PERSON;
    if (len == CB_IDENT_LEN)
        return CB_STATE_KEY_EMPLOYER;
    if ((len == CB_GROUP_FIELD_LEN || len == CB_GROUP_KEY_LEN) &&
        key[0] == 'G')
        return CB_STATE_KEY_GROUP;
    if (len > 2 && len < CB_IDENT_LEN && memcmp(key, "F:", 2) == 0)
        return CB_STATE_KEY_FEED;
    return CB_STATE_KEY_NONE;
}

int cb_subject_from_key(const char *key, size_t len, cb_subject *s)
{
    char id[CB_ID_SIZE];
    uint64_t body = 0;

    switch (cb_state_key_kind_of(key, len)) {
    case CB_STATE_KEY_GROUP:
        return cb_subject_of_group(key, len, s);
    case CB_STATE_KEY_FEED:
        memcpy(id, key + 2, len - 2);
        id[len - 2] = '\0';
        return cb_subject_of_feed(id, s);
    case CB_STATE_KEY_EMPLOYER:
        memcpy(id, key, len);
        id[len] = '\0';
        return cb_subject_of_employer(id, s);
    case CB_STATE_KEY_PERSON:
        break;
    default:
        return -1;
    }
    for (int i = 7; i >= 0; i--)
        body = (body << 8) | (unsigned char)key[i];
    for (int i = 16; i >= 0; i--) {
        id[i] = (char)('0' + body % 10);
        body /= 10;
    }
    if (body != 0)
        return -1;
    id[17] = cb_ident_person_check_char(id);
    id[18] = '\0';
    return cb_subject_of_person(id, s);
}

unsigned cb_subject_bucket(const cb_subject *s, unsigned nbuckets)
{
    return cb_fnv1a32(s->id, strlen(s->id)) % nbuckets;
}

unsigned cb_side_buckets(unsigned nbuckets)
{
    return nbuckets / CB_SIDE_SHARE ? nbuckets / CB_SIDE_SHARE : 1;
}

unsigned cb_side_bucket(const char *id, size_t id_len, unsigned nside)
{
    return cb_fnv1a32(id, id_len) % nside;
}

/* The id's first four hex digits: an HMAC's, so evenly spread. */
unsigned cb_lid_bucket(const char *digits, unsigned nside)
{
    unsigned v = 0;

    for (int i = 0; i < 4 && digits[i] != '\0'; i++) {
        char c = digits[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 0;
        v = v * 16 + d;
    }
    return v % nside;
}

/* ------------------------------------------------------------- packing */

static void put_cstr(cb_pack *p, const char *s)
{
    cb_pack_str(p, s, strlen(s), 1);
}

static void put_head(cb_pack *p, int op, int topic, int64_t offset,
                     const cb_subject *s, unsigned nbuckets, const char *eid)
{
    p->buf->len = 0;
    cb_pack_int(p, op, 1);
    cb_pack_int(p, topic, 1);
    cb_pack_int(p, offset, 8);
    cb_pack_int(p, cb_subject_bucket(s, nbuckets), 2);
    cb_pack_str(p, s->key, s->key_len, 1);
    put_cstr(p, s->id);
    put_cstr(p, eid);
}

/* Birth date (days since 1970) and sex of a person's ID. */
static void put_birth(cb_pack *p, const cb_subject *s)
{
    int32_t birth = 0;

    int person = !s->is_employer && !s->is_group && !s->is_feed;

    if (person)
        cb_ident_check_person(s->id, CB_IDENT_LEN, &birth);
    cb_pack_int(p, birth, 3);
    cb_pack_int(p, person ? cb_ident_person_is_male(s->id) : 0, 1);
}

/* The event's date and its stamp: second of the day and 7 bits of its
 * id's hash (docs/RULES.md, "latest").  Returns -1 for a date the state
 * cannot hold (before 1970 or after 2149). */
static int put_stamp(cb_pack *p, int64_t occurred_at, const char *eid,
                     char *errstr, size_t errstr_size)
{
    int32_t date = cb_date_of_time(occurred_at);
    int64_t local_s = occurred_at / 1000 + CB_TIME_LOCAL_OFFSET_S;
    int64_t sec = ((local_s % 86400) + 86400) % 86400;
    uint32_t hash_bits = (1u << CB_STAMP_HASH_BITS) - 1;

    if (date < 0 || date > 65535) {
        snprintf(errstr, errstr_size, "occurred_at is outside the years "
                 "1970-2149");
        return -1;
    }
    cb_pack_int(p, date, 2);
    cb_pack_int(p, (sec << CB_STAMP_HASH_BITS) |
                       (cb_fnv1a32(eid, strlen(eid)) & hash_bits),
                3);
    return 0;
}

/* A business's legal representative as the ops carry it: the 18-character
 * form of the number, so that the ownership change reaches the person's
 * subject and partition whichever form the row wrote; text that is no
 * number (never produced: refused first) as written. */
static void put_rep(cb_pack *p, const char *rep)
{
    char full[CB_IDENT_LEN + 1];

    if (cb_ident_person_canonical(rep, strlen(rep), full, NULL) ==
        CB_IDENT_OK)
        rep = full;
    put_cstr(p, rep);
}

static int64_t code_number(const char *code)
{
    return code[0] != '\0' ? strtoll(code, NULL, 10) : 0;
}

static int finish(cb_pack *p, char *errstr, size_t errstr_size)
{
    if (p->failed) {
        snprintf(errstr, errstr_size, "out of memory, or a text longer "
                 "than 255 bytes");
        return -1;
    }
    return 0;
}

int cb_ops_from_record(cb_kind kind, const void *rec, int topic,
                       int64_t offset, int snapshot, unsigned nbuckets,
                       cb_buf *out, cb_subject *subject, char *errstr,
                       size_t errstr_size)
{
    cb_pack p = {out, 0, NULL};

    switch (kind) {
    case CB_KIND_HOUSEHOLD: {
        const cb_household *h = rec;
        if (cb_subject_of_person(h->person_id, subject) != 0)
            goto bad_id;
        put_head(&p, CB_OP_HH, topic, offset, subject, nbuckets, h->event_id);
        cb_pack_int(&p, code_number(h->township_code), 6);
        if (put_stamp(&p, h->occurred_at, h->event_id, errstr,
                      errstr_size) != 0)
            return -1;
        cb_pack_int(&p, h->student, 1);
        cb_pack_int(&p, h->action, 1);
        put_birth(&p, subject);
        put_cstr(&p, h->name);
        break;
    }
    case CB_KIND_DEATH: {
        const cb_death *d = rec;
        if (cb_subject_of_person(d->person_id, subject) != 0)
            goto bad_id;
        put_head(&p, CB_OP_DEATH, topic, offset, subject, nbuckets,
                 d->event_id);
        cb_pack_int(&p, d->date_of_death, 3);
        cb_pack_int(&p, code_number(d->township_code), 6);
        put_birth(&p, subject);
        put_cstr(&p, d->name);
        break;
    }
    case CB_KIND_ENROLLMENT: {
        const cb_enrollment *e = rec;
        if (e->action == CB_ENR_REGISTER_EMPLOYER) {
            if (cb_subject_of_employer(e->uscc, subject) != 0)
                goto bad_id;
            put_head(&p, CB_OP_REG, topic, offset, subject, nbuckets,
                     e->event_id);
            int32_t date = cb_date_of_time(e->occurred_at);
            if (date < 0 || date > 65535) {
                snprintf(errstr, errstr_size, "occurred_at is outside the "
                         "years 1970-2149");
                return -1;
            }
            cb_pack_int(&p, date, 2);
            break;
        }
        if (cb_subject_of_person(e->person_id, subject) != 0)
            goto bad_id;
        if (e->action == CB_ENR_ENROLL || e->action == CB_ENR_STOP) {
            put_head(&p, CB_OP_ENR, topic, offset, subject, nbuckets,
                     e->event_id);
            cb_pack_int(&p, e->scheme, 1);
            cb_pack_int(&p, e->action == CB_ENR_ENROLL, 1);
            if (put_stamp(&p, e->occurred_at, e->event_id, errstr,
                          errstr_size) != 0)
                return -1;
            cb_pack_int(&p, snapshot, 1);
            cb_pack_int(&p, code_number(e->township_code), 6);
            put_birth(&p, subject);
        } else {
            int32_t period;
            if (cb_month_parse(e->period, strlen(e->period), &period) != 0 ||
                period < 0 || period > 65535) {
                snprintf(errstr, errstr_size, "period outside 1970-7431");
                return -1;
            }
            put_head(&p, CB_OP_FACT, topic, offset, subject, nbuckets,
                     e->event_id);
            cb_pack_int(&p, e->action == CB_ENR_CONTRIBUTE
                                ? CB_FACT_CONTRIBUTION
                                : CB_FACT_BENEFIT,
                        1);
            cb_pack_int(&p, e->scheme, 1);
            cb_pack_int(&p, code_number(e->region_code), 6);
            cb_pack_int(&p, period, 2);
            cb_pack_int(&p, e->amount_fen, 6);
            cb_pack_int(&p, e->paid_by >= 0 ? e->paid_by : 255, 1);
            cb_pack_int(&p, e->subsidy_tier != CB_LONG_NONE ? e->subsidy_tier : -1,
                    6);
            cb_pack_int(&p, code_number(e->township_code), 6);
            put_birth(&p, subject);
        }
        break;
    }
    case CB_KIND_ASSISTANCE: {
        const cb_assistance *a = rec;
        if (cb_subject_of_person(a->person_id, subject) != 0)
            goto bad_id;
        put_head(&p, CB_OP_ROSTER, topic, offset, subject, nbuckets,
                 a->event_id);
        cb_pack_int(&p, a->identity, 1);
        cb_pack_int(&p, a->valid_from, 3);
        cb_pack_int(&p, a->valid_to != CB_DATE_NONE ? a->valid_to
                                                    : CB_DATE_OPEN_END,
                    3);
        if (put_stamp(&p, a->occurred_at, a->event_id, errstr,
                      errstr_size) != 0)
            return -1;
        put_birth(&p, subject);
        put_cstr(&p, a->name);
        break;
    }
    case CB_KIND_BUSINESS: {
        const cb_business *b = rec;
        if (cb_subject_of_employer(b->uscc, subject) != 0)
            goto bad_id;
        put_head(&p, CB_OP_BIZ, topic, offset, subject, nbuckets,
                 b->event_id);
        cb_pack_int(&p, b->kind, 1);
        cb_pack_int(&p, b->action, 1);
        cb_pack_int(&p, b->established_on, 3);
        cb_pack_int(&p, code_number(b->township_code), 6);
        if (put_stamp(&p, b->occurred_at, b->event_id, errstr,
                      errstr_size) != 0)
            return -1;
        put_cstr(&p, b->name);
        put_rep(&p, b->legal_rep_id);
        /* the representative's name goes with the representative only */
        put_cstr(&p, b->legal_rep_id[0] != '\0' ? b->legal_rep_name : "");
        break;
    }
    default:
        return 1; /* leads, alerts, dead letters change no state */
    }
    return finish(&p, errstr, errstr_size);
bad_id:
    snprintf(errstr, errstr_size, "the record names no valid subject");
    return -1;
}

int cb_ops_tick(const cb_subject *subject, unsigned nbuckets, cb_buf *out)
{
    cb_pack p = {out, 0, NULL};
    char err[64];

    put_head(&p, CB_OP_TICK, 0, -1, subject, nbuckets, "");
    put_birth(&p, subject);
    return finish(&p, err, sizeof(err));
}

int cb_ops_decide(const cb_subject *subject, unsigned nbuckets,
                  const char *lead_id, int decision, const char *reason,
                  cb_buf *out)
{
    cb_pack p = {out, 0, NULL};
    char err[64];
    size_t n = reason ? strlen(reason) : 0;

    if (n > CB_DECISION_WHY_MAX)
        return -1;
    put_head(&p, CB_OP_DECIDE, 0, -1, subject, nbuckets, "");
    cb_pack_int(&p, decision, 1);
    put_cstr(&p, lead_id);
    cb_pack_str(&p, reason ? reason : "", n, 2);
    return finish(&p, err, sizeof(err));
}

int cb_ops_review(const cb_subject *subject, unsigned nbuckets, int kind,
                  int verdict, const char *other, size_t other_len,
                  int64_t at_ms, const char *reason, cb_buf *out)
{
    cb_pack p = {out, 0, NULL};
    char err[64];
    size_t n = reason ? strlen(reason) : 0;

    if (n > CB_DECISION_WHY_MAX || subject->is_employer || subject->is_feed)
        return -1;
    put_head(&p, CB_OP_REVIEW, 0, -1, subject, nbuckets, "");
    cb_pack_int(&p, kind, 1);
    cb_pack_int(&p, verdict, 1);
    cb_pack_int(&p, at_ms, 8);
    cb_pack_str(&p, other, other_len, 1);
    cb_pack_str(&p, reason ? reason : "", n, 2);
    put_birth(&p, subject);
    return finish(&p, err, sizeof(err));
}

/* The body of an ownership change, in the outbox value and in the op
 * alike: <Bc0Bi3i3HI3Bc0Bc0: USCC, active (CB_OWN_*), established,
 * deregistered (0: not), stamp, the business event, the representative's
 * name as the row writes it. */
static void put_own_change(cb_pack *w, const cb_own_change *c)
{
    cb_pack_str(w, c->uscc.s, c->uscc.len, 1);
    cb_pack_int(w, c->active, 1);
    cb_pack_int(w, c->est, 3);
    cb_pack_int(w, c->dereg, 3);
    cb_pack_int(w, cb_stamp_day(c->st), 2);
    cb_pack_int(w, cb_stamp_low(c->st), 3);
    cb_pack_str(w, c->eid.s, c->eid.len, 1);
    cb_pack_str(w, c->rep_name.s, c->rep_name.len, 1);
}

int cb_own_change_pack(const cb_own_change *c, cb_buf *out)
{
    cb_pack w = {out, 0, NULL};

    out->len = 0;
    put_own_change(&w, c);
    return w.failed ? -1 : 0;
}

int cb_own_change_unpack(const void *payload, size_t len, cb_own_change *c)
{
    cb_unpack r;

    cb_unpack_init(&r, payload, len);
    memset(c, 0, sizeof(*c));
    cb_unpack_str(&r, 1, &c->uscc);
    c->active = (int)cb_unpack_uint(&r, 1);
    c->est = (int32_t)cb_unpack_int(&r, 3);
    c->dereg = (int32_t)cb_unpack_int(&r, 3);
    int64_t day = (int64_t)cb_unpack_uint(&r, 2);
    c->st = cb_stamp_of(day, (int64_t)cb_unpack_uint(&r, 3));
    cb_unpack_str(&r, 1, &c->eid);
    /* a change packed before they carried names ends here */
    if (!r.failed && r.p != r.end)
        cb_unpack_str(&r, 1, &c->rep_name);
    if (c->active > CB_OWN_NAME_ONLY)
        return -1;
    return cb_unpack_done(&r);
}

int cb_ops_ownership(const char *person_id, const void *payload,
                     size_t payload_len, int64_t offset, unsigned nbuckets,
                     cb_buf *out, cb_subject *subject, char *errstr,
                     size_t errstr_size)
{
    cb_pack p = {out, 0, NULL};
    cb_own_change c;

    if (cb_subject_of_person(person_id, subject) != 0) {
        snprintf(errstr, errstr_size, "an ownership message names no "
                 "person");
        return -1;
    }
    if (payload_len == CB_OWN_PROBE_LEN &&
        memcmp(payload, CB_OWN_PROBE, CB_OWN_PROBE_LEN) == 0) {
        put_head(&p, CB_OP_PROBE, CB_TOPIC_OWNERSHIP, offset, subject,
                 nbuckets, "");
        put_birth(&p, subject);
        return finish(&p, errstr, errstr_size);
    }
    if (cb_own_change_unpack(payload, payload_len, &c) != 0) {
        snprintf(errstr, errstr_size, "an ownership message does not "
                 "decode");
        return -1;
    }
    put_head(&p, CB_OP_OWN, CB_TOPIC_OWNERSHIP, offset, subject, nbuckets,
             "");
    put_own_change(&p, &c);
    put_birth(&p, subject);
    return finish(&p, errstr, errstr_size);
}

int cb_ops_suspect(const char *feed, const void *msg, size_t msg_len,
                   int64_t offset, unsigned nbuckets, cb_buf *out,
                   cb_subject *subject, char *errstr, size_t errstr_size)
{
    cb_pack p = {out, 0, NULL};

    if (cb_subject_of_feed(feed, subject) != 0) {
        snprintf(errstr, errstr_size, "a dead letter names no feed");
        return -1;
    }
    put_head(&p, CB_OP_SUSPECT, CB_KIND_DEADLETTER, offset, subject,
             nbuckets, "");
    cb_pack_str(&p, msg, msg_len, 2);
    return finish(&p, errstr, errstr_size);
}

int cb_ops_from_deadletter(cb_codec *codec, const cb_deadletter *dl,
                           int64_t offset, unsigned nbuckets, cb_buf *out,
                           cb_subject *subject, char *errstr,
                           size_t errstr_size)
{
    cb_suspect sus;
    cb_suspect_ref ref;
    cb_buf packed = {0};
    int rc = cb_suspect_from_deadletter(codec, dl, &sus, errstr,
                                        errstr_size);

    if (rc <= 0)
        return rc == 0 ? 1 : -1;
    memset(&ref, 0, sizeof(ref));
    ref.eid.s = sus.event_id;
    ref.eid.len = strlen(sus.event_id);
    ref.written.s = sus.number;
    ref.written.len = strlen(sus.number);
    ref.name.s = sus.name;
    ref.name.len = strlen(sus.name);
    ref.township = code_number(sus.township_code);
    ref.kind = (int)sus.kind;
    ref.file.s = dl->file;
    ref.file.len = strlen(dl->file);
    ref.line = dl->line;
    ref.record.s = dl->record.ptr;
    ref.record.len = dl->record.len;
    rc = cb_group_msg_pack_suspect(&ref, &packed);
    if (rc == 0)
        rc = cb_ops_suspect(dl->feed, packed.data, packed.len, offset,
                            nbuckets, out, subject, errstr, errstr_size);
    else
        snprintf(errstr, errstr_size, "its suspect cannot be packed");
    cb_buf_free(&packed);
    return rc;
}

int cb_ops_group(const char *key, size_t key_len, const void *msg,
                 size_t msg_len, int64_t offset, unsigned nbuckets,
                 cb_buf *out, cb_subject *subject, char *errstr,
                 size_t errstr_size)
{
    cb_pack p = {out, 0, NULL};

    if (cb_subject_of_group(key, key_len, subject) != 0) {
        snprintf(errstr, errstr_size, "a group message names no group");
        return -1;
    }
    put_head(&p, CB_OP_GROUP, CB_TOPIC_OWNERSHIP, offset, subject, nbuckets,
             "");
    cb_pack_str(&p, msg, msg_len, 2);
    return finish(&p, errstr, errstr_size);
}

/* ------------------------------------------------------------ decoding */

static void get_birth(cb_unpack *r, cb_op *op)
{
    op->birth = (int32_t)cb_unpack_int(r, 3);
    op->male = (int)cb_unpack_uint(r, 1);
    op->has_birth = 1;
}

static void get_stamp(cb_unpack *r, cb_op *op)
{
    op->date = (int32_t)cb_unpack_uint(r, 2);
    op->s24 = (uint32_t)cb_unpack_uint(r, 3);
}

int cb_op_read_head(const char *data, size_t len, cb_op_head *h)
{
    cb_unpack r;

    cb_unpack_init(&r, data, len);
    h->kind = (int)cb_unpack_uint(&r, 1);
    h->topic = (int)cb_unpack_uint(&r, 1);
    h->offset = cb_unpack_int(&r, 8);
    h->bucket = (unsigned)cb_unpack_uint(&r, 2);
    h->key_len = (size_t)cb_unpack_uint(&r, 1);
    h->key = cb_unpack_bytes(&r, h->key_len);
    h->id_len = (size_t)cb_unpack_uint(&r, 1);
    h->id = cb_unpack_bytes(&r, h->id_len);
    cb_unpack_bytes(&r, (size_t)cb_unpack_uint(&r, 1)); /* the event id */
    h->fact_kind = h->kind == CB_OP_FACT ? (int)cb_unpack_uint(&r, 1) : -1;
    if (r.failed || h->topic < 0 || h->topic >= CB_TOPIC_COUNT ||
        h->key_len < 7 || h->key_len > CB_SUBJECT_KEY_MAX)
        return -1;
    return 0;
}

int cb_op_decode(const char *data, size_t len, cb_op *op)
{
    cb_unpack r;

    cb_unpack_init(&r, data, len);

    memset(op, 0, sizeof(*op));
    /* the head: op u8, topic u8, offset i8, bucket u16, subject key,
     * subject id text, event id */
    op->kind = (int)cb_unpack_uint(&r, 1);
    op->topic = (int)cb_unpack_uint(&r, 1);
    op->offset = cb_unpack_int(&r, 8);
    op->bucket = (unsigned)cb_unpack_uint(&r, 2);
    cb_unpack_str(&r, 1, &op->subject);
    cb_unpack_str(&r, 1, &op->subject_id);
    cb_unpack_str(&r, 1, &op->eid);

    switch (op->kind) {
    case CB_OP_HH: /* <i6HI3bBi3BBc0 */
        op->township = cb_unpack_int(&r, 6);
        get_stamp(&r, op);
        op->student = (int)cb_unpack_int(&r, 1);
        op->action = (int)cb_unpack_uint(&r, 1);
        get_birth(&r, op);
        cb_unpack_str(&r, 1, &op->name);
        break;
    case CB_OP_DEATH: /* <i3i6i3BBc0 */
        op->death = (int32_t)cb_unpack_int(&r, 3);
        op->township = cb_unpack_int(&r, 6);
        get_birth(&r, op);
        cb_unpack_str(&r, 1, &op->name);
        break;
    case CB_OP_ENR: /* <BBHI3Bi6i3B */
        op->scheme = (int)cb_unpack_uint(&r, 1);
        op->on = (int)cb_unpack_uint(&r, 1);
        get_stamp(&r, op);
        op->snapshot = (int)cb_unpack_uint(&r, 1);
        op->township = cb_unpack_int(&r, 6);
        get_birth(&r, op);
        if (op->scheme >= CB_SCHEMES || op->on > 1)
            return -1; /* a person's state cannot hold it */
        break;
    case CB_OP_FACT: /* <BBi6Hi6Bi6i6i3B */
        op->k = (int)cb_unpack_uint(&r, 1);
        op->scheme = (int)cb_unpack_uint(&r, 1);
        op->region = cb_unpack_int(&r, 6);
        op->period = (int32_t)cb_unpack_uint(&r, 2);
        op->amount = cb_unpack_int(&r, 6);
        op->paid = (int)cb_unpack_uint(&r, 1);
        op->tier = cb_unpack_int(&r, 6);
        op->township = cb_unpack_int(&r, 6);
        get_birth(&r, op);
        break;
    case CB_OP_ROSTER: /* <Bi3i3HI3i3BBc0 */
        op->identity = (int)cb_unpack_uint(&r, 1);
        op->from = (int32_t)cb_unpack_int(&r, 3);
        op->to = (int32_t)cb_unpack_int(&r, 3);
        get_stamp(&r, op);
        get_birth(&r, op);
        cb_unpack_str(&r, 1, &op->name);
        break;
    case CB_OP_OWN: /* <Bc0Bi3i3HI3Bc0Bc0i3B */
        cb_unpack_str(&r, 1, &op->uscc);
        op->active = (int)cb_unpack_uint(&r, 1);
        op->est = (int32_t)cb_unpack_int(&r, 3);
        op->dereg = (int32_t)cb_unpack_int(&r, 3);
        get_stamp(&r, op);
        cb_unpack_str(&r, 1, &op->src);
        cb_unpack_str(&r, 1, &op->name);
        get_birth(&r, op);
        if (op->active > CB_OWN_NAME_ONLY)
            return -1;
        break;
    case CB_OP_PROBE: /* <i3B */
        get_birth(&r, op);
        break;
    case CB_OP_BIZ: /* <BBi3i6HI3Bc0Bc0Bc0 */
        op->bkind = (int)cb_unpack_uint(&r, 1);
        op->action = (int)cb_unpack_uint(&r, 1);
        op->est = (int32_t)cb_unpack_int(&r, 3);
        op->township = cb_unpack_int(&r, 6);
        get_stamp(&r, op);
        cb_unpack_str(&r, 1, &op->name);
        cb_unpack_str(&r, 1, &op->rep);
        cb_unpack_str(&r, 1, &op->rep_name);
        break;
    case CB_OP_REG: /* <H */
        op->date = (int32_t)cb_unpack_uint(&r, 2);
        break;
    case CB_OP_TICK: /* <i3B */
        get_birth(&r, op);
        break;
    case CB_OP_DECIDE: { /* <BBc0I2c0 */
        op->decision = (int)cb_unpack_uint(&r, 1);
        cb_unpack_str(&r, 1, &op->lead_id);
        size_t n = (size_t)cb_unpack_uint(&r, 2);
        const char *why =
            n > CB_DECISION_WHY_MAX ? NULL : cb_unpack_bytes(&r, n);
        if (why == NULL)
            return -1;
        memcpy(op->why, why, n);
        op->why[n] = '\0';
        op->why_len = n;
        break;
    }
    case CB_OP_REVIEW: { /* <BBi8Bc0I2c0i3B */
        op->rkind = (int)cb_unpack_uint(&r, 1);
        op->verdict = (int)cb_unpack_uint(&r, 1);
        op->at = cb_unpack_int(&r, 8);
        cb_unpack_str(&r, 1, &op->other);
        size_t n = (size_t)cb_unpack_uint(&r, 2);
        const char *why =
            n > CB_DECISION_WHY_MAX ? NULL : cb_unpack_bytes(&r, n);
        if (why == NULL || op->rkind >= CB_REVIEW_KIND_COUNT ||
            op->verdict >= CB_VERDICT_COUNT)
            return -1;
        memcpy(op->why, why, n);
        op->why[n] = '\0';
        op->why_len = n;
        get_birth(&r, op);
        break;
    }
    case CB_OP_SUSPECT: /* <H then the message */
    case CB_OP_GROUP:
        op->msg_len = (size_t)cb_unpack_uint(&r, 2);
        op->msg = cb_unpack_bytes(&r, op->msg_len);
        if (op->msg == NULL)
            return -1;
        break;
    default:
        return -1;
    }
    return cb_unpack_done(&r);
}
