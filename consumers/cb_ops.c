/* cb_ops.c -- feed records into packed ops (cb_state.h decodes them). */
#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_ops.h"
#include "cb_pack.h"

#define OPEN_END 8388607 /* no valid_to; the script's OPEN_END */

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

int cb_subject_of_person(const char *id, cb_subject *s)
{
    uint64_t body = 0;

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

int cb_subject_from_key(const char *key, size_t len, cb_subject *s)
{
    char id[CB_ID_SIZE];
    uint64_t body = 0;

    if (len == CB_IDENT_LEN) {
        memcpy(id, key, len);
        id[len] = '\0';
        return cb_subject_of_employer(id, s);
    }
    if (len != 8)
        return -1;
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

    if (!s->is_employer)
        cb_ident_check_person(s->id, CB_IDENT_LEN, &birth);
    cb_pack_int(p, birth, 3);
    cb_pack_int(p, s->is_employer ? 0 : cb_ident_person_is_male(s->id), 1);
}

/* The event's date and its stamp: second of the day and 7 bits of its
 * id's hash (docs/RULES.md, "latest").  Returns -1 for a date the state
 * cannot hold (before 1970 or after 2149). */
static int put_stamp(cb_pack *p, int64_t occurred_at, const char *eid,
                     char *errstr, size_t errstr_size)
{
    int32_t date = cb_date_of_time(occurred_at);
    int64_t local_s = occurred_at / 1000 + 8 * 3600;
    int64_t sec = ((local_s % 86400) + 86400) % 86400;

    if (date < 0 || date > 65535) {
        snprintf(errstr, errstr_size, "occurred_at is outside the years "
                 "1970-2149");
        return -1;
    }
    cb_pack_int(p, date, 2);
    cb_pack_int(p, (sec << 7) | (cb_fnv1a32(eid, strlen(eid)) & 0x7F), 3);
    return 0;
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
    cb_pack p = {out, 0};

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
            cb_pack_int(&p, e->action == CB_ENR_CONTRIBUTE, 1);
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
        cb_pack_int(&p, a->valid_to != CB_DATE_NONE ? a->valid_to : OPEN_END, 3);
        if (put_stamp(&p, a->occurred_at, a->event_id, errstr,
                      errstr_size) != 0)
            return -1;
        put_birth(&p, subject);
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
        put_cstr(&p, b->legal_rep_id);
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
    cb_pack p = {out, 0};
    char err[64];

    put_head(&p, CB_OP_TICK, 0, -1, subject, nbuckets, "");
    put_birth(&p, subject);
    return finish(&p, err, sizeof(err));
}

int cb_ops_decide(const cb_subject *subject, unsigned nbuckets,
                  const char *lead_id, int decision, const char *reason,
                  cb_buf *out)
{
    cb_pack p = {out, 0};
    char err[64];
    size_t n = reason ? strlen(reason) : 0;

    if (n > 1000)
        return -1;
    put_head(&p, CB_OP_DECIDE, 0, -1, subject, nbuckets, "");
    cb_pack_int(&p, decision, 1);
    put_cstr(&p, lead_id);
    cb_pack_str(&p, reason ? reason : "", n, 2);
    return finish(&p, err, sizeof(err));
}

int cb_ops_ownership(const char *person_id, const void *payload,
                     size_t payload_len, int64_t offset, unsigned nbuckets,
                     cb_buf *out, cb_subject *subject, char *errstr,
                     size_t errstr_size)
{
    cb_pack p = {out, 0};

    if (cb_subject_of_person(person_id, subject) != 0) {
        snprintf(errstr, errstr_size, "an ownership message names no "
                 "person");
        return -1;
    }
    put_head(&p, CB_OP_OWN, CB_TOPIC_OWNERSHIP, offset, subject, nbuckets,
             "");
    cb_pack_bytes(&p, payload, payload_len);
    put_birth(&p, subject);
    return finish(&p, errstr, errstr_size);
}
