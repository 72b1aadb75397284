/* test_ops.c -- the packed ops of consumers/cb_ops.c, pinned: one op of
 * every kind, built from a fixed record, encodes to the bytes written
 * here (worked out by hand from the layouts: a change to them is a change
 * of the format, which Redis and the ownership topic hold), and decodes
 * back to the record's values.  test_state.c tests the decoder's refusals
 * and what the ops do to states. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_idkey.h"
#include "cb_ops.h"
#include "cb_store.h"
#include "cb_time.h"
#include "golden.h"

#define NBUCKETS 64
#define TW       320923008LL
#define TW_TEXT  "320923008"
#define PERSON   "320923198001011233" /* born 1980-01-01, male */
#define USCC     "91320923MA1XXXXXXB"
#define BIRTH    3652                 /* 1980-01-01 */

/* The head every op of PERSON starts with, after its kind, topic and
 * offset: bucket 19, the 8-byte key, the ID text. */
#define PERSON_HEAD_REST                                                   \
    "1300"                                                                 \
    "080309b479cb037200"                                                   \
    "12333230393233313938303031303131323333"

/* The same for USCC: bucket 39, the key and the ID are the USCC. */
#define USCC_HEAD_REST                                                     \
    "2700"                                                                 \
    "1239313332303932334d41315858585858584212"                             \
    "39313332303932334d4131585858585858 42"

/* ------------------------------------------------------------ helpers */

static void assert_str(const cb_str *s, const char *text)
{
    assert_int_equal(s->len, strlen(text));
    assert_memory_equal(s->s, text, s->len);
}

static int64_t instant(const char *text)
{
    int64_t ms;

    assert_int_equal(cb_time_parse(text, strlen(text), &ms), 0);
    return ms;
}

static int32_t day(const char *text)
{
    int32_t d;

    assert_int_equal(cb_date_parse(text, strlen(text), &d), 0);
    return d;
}

/* The op of a record, decoded again; the head checked. */
static void encode_record(cb_kind kind, const void *rec, int topic,
                          int64_t offset, int snapshot, cb_buf *b,
                          cb_op *op)
{
    cb_subject subj;
    char err[128];

    assert_int_equal(cb_ops_from_record(kind, rec, topic, offset, snapshot,
                                        NBUCKETS, b, &subj, err,
                                        sizeof(err)),
                     0);
    assert_int_equal(cb_op_decode(b->data, b->len, op), 0);
    assert_int_equal(op->topic, topic);
    assert_int_equal(op->offset, offset);
    assert_int_equal(op->bucket, cb_subject_bucket(&subj, NBUCKETS));
    assert_str(&op->subject_id, subj.id);
    assert_int_equal(op->subject.len, subj.key_len);
    assert_memory_equal(op->subject.s, subj.key, subj.key_len);
}

static void assert_person_birth(const cb_op *op)
{
    assert_int_equal(op->has_birth, 1);
    assert_int_equal(op->birth, BIRTH);
    assert_int_equal(op->male, 1);
}

/* ------------------------------------------------------------- records */

/* A state key's kind, from each subject's constructor, and keys that are
 * none: the one reading of key lengths the step and the timers share. */
static void test_state_key_kind(void **state)
{
    cb_subject s;
    (void)state;
    assert_int_equal(cb_subject_of_person("11010519491231002X", &s), 0);
    assert_int_equal(cb_state_key_kind_of(s.key, s.key_len),
                     CB_STATE_KEY_PERSON);
    assert_int_equal(cb_subject_of_employer("91320923MA1XXXXXX1", &s), 0);
    assert_int_equal(cb_state_key_kind_of(s.key, s.key_len),
                     CB_STATE_KEY_EMPLOYER);
    assert_int_equal(cb_subject_of_group("G0123456789abcdef", 17, &s), 0);
    assert_int_equal(cb_state_key_kind_of(s.key, s.key_len),
                     CB_STATE_KEY_GROUP);
    /* a group's field: 'G' and its digits as 8 bytes; the text, as a
     * store before them kept it, reads as the same group */
    assert_int_equal(s.key_len, CB_GROUP_FIELD_LEN);
    assert_memory_equal(s.key, "G\x01\x23\x45\x67\x89\xab\xcd\xef", 9);
    assert_string_equal(s.id, "G0123456789abcdef");
    assert_int_equal(cb_state_key_kind_of("G0123456789abcdef", 17),
                     CB_STATE_KEY_GROUP);
    cb_subject t;
    assert_int_equal(cb_subject_from_key(s.key, s.key_len, &t), 0);
    assert_true(t.is_group);
    assert_int_equal(t.key_len, CB_GROUP_FIELD_LEN);
    assert_string_equal(t.id, "G0123456789abcdef");
    assert_int_equal(cb_subject_from_key("G0123456789abcdef", 17, &t), 0);
    assert_memory_equal(t.key, s.key, CB_GROUP_FIELD_LEN);
    /* upper-case digits, or 9 bytes not starting 'G': no group */
    assert_int_equal(cb_subject_of_group("G0123456789ABCDEF", 17, &t), -1);
    assert_int_equal(cb_state_key_kind_of("H\x01\x23\x45\x67\x89\xab\xcd"
                                          "\xef", 9),
                     CB_STATE_KEY_NONE);
    for (int f = 0; f < CB_FEED_COUNT; f++) {
        assert_int_equal(
            cb_subject_of_feed(cb_kind_info_get((cb_kind)f)->name, &s), 0);
        assert_int_equal(cb_state_key_kind_of(s.key, s.key_len),
                         CB_STATE_KEY_FEED);
    }
    assert_int_equal(cb_state_key_kind_of("abc", 3), CB_STATE_KEY_NONE);
    assert_int_equal(cb_state_key_kind_of("", 0), CB_STATE_KEY_NONE);
    assert_int_equal(cb_state_key_kind_of("F:", 2), CB_STATE_KEY_NONE);
}

static void test_household(void **state)
{
    cb_household h;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_HOUSEHOLD, &h);
    strcpy(h.event_id, "hh-1");
    strcpy(h.person_id, PERSON);
    strcpy(h.name, "\xe5\xbc\xa0\xe4\xb8\x89"); /* 张三 */
    h.action = CB_HH_MOVE_IN;
    strcpy(h.township_code, TW_TEXT);
    h.student = 1;
    h.occurred_at = instant("2024-02-29T10:00:00+08:00");
    encode_record(CB_KIND_HOUSEHOLD, &h, CB_KIND_HOUSEHOLD, 41, 0, &b, &op);
    assert_hex(&b, "01 01 2900000000000000" PERSON_HEAD_REST "0468682d31"
                   "80e520130000 464d 235046 01 02 440e00 01"
                   "06e5bca0e4b889");
    assert_int_equal(op.kind, CB_OP_HH);
    assert_str(&op.eid, "hh-1");
    assert_int_equal(op.township, TW);
    assert_int_equal(op.date, day("2024-02-29"));
    assert_int_equal(op.s24, 0x465023);
    assert_int_equal(op.student, 1);
    assert_int_equal(op.action, CB_HH_MOVE_IN);
    assert_str(&op.name, h.name);
    assert_person_birth(&op);
    cb_buf_free(&b);
}

static void test_death(void **state)
{
    cb_death d;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_DEATH, &d);
    strcpy(d.event_id, "d-1");
    strcpy(d.person_id, PERSON);
    d.date_of_death = day("2024-01-15");
    d.source = CB_DEATH_CIVIL;
    strcpy(d.township_code, TW_TEXT);
    strcpy(d.name, "x");
    d.occurred_at = instant("2024-01-16T09:00:00+08:00");
    encode_record(CB_KIND_DEATH, &d, CB_KIND_DEATH, 7, 0, &b, &op);
    assert_hex(&b, "02 02 0700000000000000" PERSON_HEAD_REST "03642d31"
                   "194d00 80e520130000 440e00 01 0178");
    assert_int_equal(op.kind, CB_OP_DEATH);
    assert_str(&op.eid, "d-1");
    assert_int_equal(op.death, d.date_of_death);
    assert_int_equal(op.township, TW);
    assert_str(&op.name, "x");
    assert_person_birth(&op);
    cb_buf_free(&b);
}

static void test_enroll(void **state)
{
    cb_enrollment e;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_ENROLLMENT, &e);
    strcpy(e.event_id, "s-1");
    strcpy(e.person_id, PERSON);
    e.scheme = CB_SCHEME_RESIDENT_PENSION;
    e.action = CB_ENR_ENROLL;
    strcpy(e.region_code, "320900");
    strcpy(e.township_code, TW_TEXT);
    e.occurred_at = instant("2023-06-01T09:30:05+08:00");
    /* a snapshot row: no offset */
    encode_record(CB_KIND_ENROLLMENT, &e, CB_KIND_ENROLLMENT, -1, 1, &b,
                  &op);
    assert_hex(&b, "03 03 ffffffffffffffff" PERSON_HEAD_REST "03732d31"
                   "01 01 354c a4ce42 01 80e520130000 440e00 01");
    assert_int_equal(op.kind, CB_OP_ENR);
    assert_int_equal(op.scheme, CB_SCHEME_RESIDENT_PENSION);
    assert_int_equal(op.on, 1);
    assert_int_equal(op.date, day("2023-06-01"));
    assert_int_equal(op.s24, 0x42cea4);
    assert_int_equal(op.snapshot, 1);
    assert_int_equal(op.township, TW);
    assert_person_birth(&op);
    cb_buf_free(&b);
}

static void test_contribution(void **state)
{
    cb_enrollment e;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_ENROLLMENT, &e);
    strcpy(e.event_id, "c-1");
    strcpy(e.person_id, PERSON);
    e.scheme = CB_SCHEME_RESIDENT_PENSION;
    e.action = CB_ENR_CONTRIBUTE;
    strcpy(e.period, "2024-01");
    e.amount_fen = 12000;
    e.paid_by = CB_PAID_GOVERNMENT;
    e.subsidy_tier = 30000;
    strcpy(e.region_code, "320900");
    strcpy(e.township_code, TW_TEXT);
    e.occurred_at = instant("2024-01-20T12:00:00+08:00");
    encode_record(CB_KIND_ENROLLMENT, &e, CB_KIND_ENROLLMENT, 99, 0, &b,
                  &op);
    assert_hex(&b, "04 03 6300000000000000" PERSON_HEAD_REST "03632d31"
                   "01 01 84e504000000 8802 e02e00000000 02 307500000000"
                   "80e520130000 440e00 01");
    assert_int_equal(op.kind, CB_OP_FACT);
    assert_int_equal(op.k, CB_FACT_CONTRIBUTION);
    assert_int_equal(op.scheme, CB_SCHEME_RESIDENT_PENSION);
    assert_int_equal(op.region, 320900);
    assert_int_equal(op.period, cb_month_from_ym(2024, 1));
    assert_int_equal(op.amount, 12000);
    assert_int_equal(op.paid, CB_PAID_GOVERNMENT);
    assert_int_equal(op.tier, 30000);
    assert_int_equal(op.township, TW);
    assert_person_birth(&op);
    cb_buf_free(&b);
}

static void test_roster(void **state)
{
    cb_assistance a;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_ASSISTANCE, &a);
    strcpy(a.event_id, "a-1");
    strcpy(a.person_id, PERSON);
    strcpy(a.name, "x");
    a.identity = CB_ID_LIFTED_OUT;
    a.valid_from = day("2023-01-01");
    strcpy(a.township_code, TW_TEXT);
    a.occurred_at = instant("2023-01-02T08:00:00+08:00");
    encode_record(CB_KIND_ASSISTANCE, &a, CB_KIND_ASSISTANCE, 3, 0, &b, &op);
    /* no valid_to: the open end, ffff7f */
    assert_hex(&b, "05 04 0300000000000000" PERSON_HEAD_REST "03612d31"
                   "03 9e4b00 ffff7f 9f4b 064038 440e00 01 0178");
    assert_int_equal(op.kind, CB_OP_ROSTER);
    assert_str(&op.name, "x");
    assert_int_equal(op.identity, CB_ID_LIFTED_OUT);
    assert_int_equal(op.from, a.valid_from);
    assert_int_equal(op.to, CB_DATE_OPEN_END);
    assert_int_equal(op.date, day("2023-01-02"));
    assert_person_birth(&op);
    cb_buf_free(&b);
}

static void test_business(void **state)
{
    cb_business r;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_BUSINESS, &r);
    strcpy(r.event_id, "b-1");
    strcpy(r.uscc, USCC);
    strcpy(r.name, "Shop");
    r.kind = CB_BIZ_INDIVIDUAL;
    r.action = CB_BIZ_ESTABLISHED;
    r.established_on = day("2023-03-01");
    strcpy(r.township_code, TW_TEXT);
    strcpy(r.legal_rep_id, PERSON);
    strcpy(r.legal_rep_name, "Li");
    r.occurred_at = instant("2023-03-01T14:00:00+08:00");
    encode_record(CB_KIND_BUSINESS, &r, CB_KIND_BUSINESS, 5, 0, &b, &op);
    assert_hex(&b, "06 00 0500000000000000" USCC_HEAD_REST "03622d31"
                   "01 00 d94b00 80e520130000 d94b 4b7062 0453686f70"
                   "12333230393233313938303031303131323333 024c69");
    assert_int_equal(op.kind, CB_OP_BIZ);
    assert_int_equal(op.bkind, CB_BIZ_INDIVIDUAL);
    assert_int_equal(op.action, CB_BIZ_ESTABLISHED);
    assert_int_equal(op.est, r.established_on);
    assert_int_equal(op.township, TW);
    assert_str(&op.name, "Shop");
    assert_str(&op.rep, PERSON);
    assert_str(&op.rep_name, "Li");
    assert_int_equal(op.has_birth, 0);
    /* a name without a representative's number names nobody */
    r.legal_rep_id[0] = '\0';
    encode_record(CB_KIND_BUSINESS, &r, CB_KIND_BUSINESS, 5, 0, &b, &op);
    assert_int_equal(op.rep.len, 0);
    assert_int_equal(op.rep_name.len, 0);
    cb_buf_free(&b);
}

static void test_register_employer(void **state)
{
    cb_enrollment e;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_ENROLLMENT, &e);
    strcpy(e.event_id, "r-1");
    strcpy(e.uscc, USCC);
    e.action = CB_ENR_REGISTER_EMPLOYER;
    strcpy(e.region_code, "320900");
    strcpy(e.township_code, TW_TEXT);
    e.occurred_at = instant("2023-03-20T16:45:00+08:00");
    encode_record(CB_KIND_ENROLLMENT, &e, CB_KIND_ENROLLMENT, 11, 0, &b,
                  &op);
    assert_hex(&b, "07 03 0b00000000000000" USCC_HEAD_REST "03722d31"
                   "ec4b");
    assert_int_equal(op.kind, CB_OP_REG);
    assert_int_equal(op.date, day("2023-03-20"));
    cb_buf_free(&b);
}

/* ------------------------------------------------- ops of no record */

static void test_tick(void **state)
{
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    assert_int_equal(cb_subject_of_person(PERSON, &subj), 0);
    assert_int_equal(cb_ops_tick(&subj, NBUCKETS, &b), 0);
    assert_hex(&b, "09 00 ffffffffffffffff" PERSON_HEAD_REST "00"
                   "440e00 01");
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_TICK);
    assert_int_equal(op.offset, -1);
    assert_int_equal(op.eid.len, 0);
    assert_person_birth(&op);
    cb_buf_free(&b);
}

static void test_decide(void **state)
{
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    assert_int_equal(cb_subject_of_person(PERSON, &subj), 0);
    assert_int_equal(cb_ops_decide(&subj, NBUCKETS, "0123456789abcdef",
                                   CB_DECISION_REFUSED, "no answer", &b),
                     0);
    assert_hex(&b, "0a 00 ffffffffffffffff" PERSON_HEAD_REST "00"
                   "01 1030313233343536373839616263646566"
                   "0900 6e6f20616e73776572");
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_DECIDE);
    assert_int_equal(op.decision, CB_DECISION_REFUSED);
    assert_str(&op.lead_id, "0123456789abcdef");
    assert_int_equal(op.why_len, 9);
    assert_string_equal(op.why, "no answer");

    /* a reason longer than a decision's is refused */
    char why[CB_DECISION_WHY_MAX + 2];
    memset(why, 'x', sizeof(why) - 1);
    why[sizeof(why) - 1] = '\0';
    assert_int_equal(cb_ops_decide(&subj, NBUCKETS, "0123456789abcdef",
                                   CB_DECISION_REFUSED, why, &b),
                     -1);
    cb_buf_free(&b);
}

static void test_review(void **state)
{
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    assert_int_equal(cb_subject_of_person(PERSON, &subj), 0);
    assert_int_equal(cb_ops_review(&subj, NBUCKETS,
                                   CB_REVIEW_DEATH_UNCONFIRMED,
                                   CB_VERDICT_CONFIRM, "Li", 2,
                                   INT64_C(1700000000123), "seen", &b),
                     0);
    assert_hex(&b, "0b 00 ffffffffffffffff" PERSON_HEAD_REST "00"
                   "01 00 7b68e5cf8b010000 024c69 0400 7365656e"
                   "440e00 01");
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_REVIEW);
    assert_int_equal(op.rkind, CB_REVIEW_DEATH_UNCONFIRMED);
    assert_int_equal(op.verdict, CB_VERDICT_CONFIRM);
    assert_int_equal(op.at, INT64_C(1700000000123));
    assert_str(&op.other, "Li");
    assert_string_equal(op.why, "seen");
    assert_person_birth(&op);
    /* a kind or a verdict past the last is no op */
    b.data[b.len - 4 - 6 - 3 - 8 - 1] = CB_VERDICT_COUNT;
    assert_int_equal(cb_op_decode(b.data, b.len, &op), -1);
    /* an employer takes no verdict */
    assert_int_equal(cb_subject_of_employer(USCC, &subj), 0);
    assert_int_equal(cb_ops_review(&subj, NBUCKETS, 0, 0, "Li", 2, 0, "", &b),
                     -1);
    cb_buf_free(&b);
}

/* An ownership change: its payload (the ownership topic's value), then
 * the op it becomes in the person's partition. */
static void test_ownership(void **state)
{
    cb_own_change c;
    cb_subject subj;
    cb_buf payload = {0}, b = {0};
    cb_op op;
    char err[128];
    int32_t est = day("2023-03-01");

    (void)state;
    memset(&c, 0, sizeof(c));
    c.rep.len = 18;
    memcpy(c.rep.s, PERSON, 18);
    c.uscc.len = 18;
    memcpy(c.uscc.s, USCC, 18);
    c.active = 1;
    c.est = est;
    c.dereg = 0;
    c.st = cb_stamp_of(est, 99);
    c.eid.len = 3;
    memcpy(c.eid.s, "b-1", 3);
    c.rep_name.len = 2;
    memcpy(c.rep_name.s, "Li", 2);
    assert_int_equal(cb_own_change_pack(&c, &payload), 0);
    assert_hex(&payload, "1239313332303932334d41315858585858584201"
                         "d94b00 000000 d94b 630000 03622d31 024c69");
    assert_int_equal(cb_ops_ownership(PERSON, payload.data, payload.len, 77,
                                      NBUCKETS, &b, &subj, err, sizeof(err)),
                     0);
    assert_hex(&b, "08 08 4d00000000000000" PERSON_HEAD_REST "00"
                   "1239313332303932334d41315858585858584201"
                   "d94b00 000000 d94b 630000 03622d31 024c69"
                   "440e00 01");
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_OWN);
    assert_int_equal(op.topic, CB_TOPIC_OWNERSHIP);
    assert_str(&op.uscc, USCC);
    assert_int_equal(op.active, 1);
    assert_int_equal(op.est, est);
    assert_int_equal(op.dereg, 0);
    assert_int_equal(op.date, est);
    assert_int_equal(op.s24, 99);
    assert_str(&op.src, "b-1");
    assert_str(&op.name, "Li");
    assert_person_birth(&op);
    /* a probe: one byte, the person's head and birth, nothing else */
    assert_int_equal(cb_ops_ownership(PERSON, CB_OWN_PROBE, CB_OWN_PROBE_LEN,
                                      78, NBUCKETS, &b, &subj, err,
                                      sizeof(err)),
                     0);
    assert_hex(&b, "0e 08 4e00000000000000" PERSON_HEAD_REST "00"
                   "440e00 01");
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_PROBE);
    assert_int_equal(op.offset, 78);
    assert_person_birth(&op);
    /* a payload of one other byte is neither */
    assert_int_equal(cb_ops_ownership(PERSON, "Q", 1, 79, NBUCKETS, &b,
                                      &subj, err, sizeof(err)),
                     -1);
    cb_buf_free(&payload);
    cb_buf_free(&b);
}

/* A legacy 15-digit number is its 18-digit form (RULES.md 9.1): the same
 * subject, and every op of a record that writes it packs to the same
 * bytes as the record with the 18 digits; a business's representative is
 * packed in the 18-digit form too, so its ownership change goes to the
 * person's own key and partition. */
#define LEGACY "320923800101123" /* PERSON as issued before 1999 */

static void assert_same_op(cb_kind kind, const void *full, const void *old)
{
    cb_buf a = {0}, b = {0};
    cb_subject sa, sb;
    char err[128];

    assert_int_equal(cb_ops_from_record(kind, full, kind, 9, 0, NBUCKETS, &a,
                                        &sa, err, sizeof(err)),
                     0);
    assert_int_equal(cb_ops_from_record(kind, old, kind, 9, 0, NBUCKETS, &b,
                                        &sb, err, sizeof(err)),
                     0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_string_equal(sb.id, sa.id);
    cb_buf_free(&a);
    cb_buf_free(&b);
}

static void test_legacy(void **state)
{
    cb_subject s, t;
    cb_household h[2];
    cb_death d[2];
    cb_enrollment e[2];
    cb_assistance r[2];
    cb_business z[2];

    (void)state;
    assert_int_equal(cb_subject_of_person(LEGACY, &s), 0);
    assert_int_equal(cb_subject_of_person(PERSON, &t), 0);
    assert_string_equal(s.id, PERSON);
    assert_int_equal(s.key_len, t.key_len);
    assert_memory_equal(s.key, t.key, t.key_len);
    assert_int_equal(s.is_employer, 0);
    /* not a legacy number: refused, as any other text */
    assert_int_equal(cb_subject_of_person("320923800230123", &s), -1);
    assert_int_equal(cb_subject_of_person("32092380010112X", &s), -1);
    assert_int_equal(cb_subject_of_person("3209238001011", &s), -1);

    for (int i = 0; i < 2; i++) {
        const char *id = i == 0 ? PERSON : LEGACY;
        cb_record_clear(CB_KIND_HOUSEHOLD, &h[i]);
        strcpy(h[i].event_id, "hh-1");
        strcpy(h[i].person_id, id);
        strcpy(h[i].name, "W");
        strcpy(h[i].township_code, TW_TEXT);
        h[i].occurred_at = instant("2024-02-29T10:00:00+08:00");
        cb_record_clear(CB_KIND_DEATH, &d[i]);
        strcpy(d[i].event_id, "d-1");
        strcpy(d[i].person_id, id);
        d[i].date_of_death = day("2024-02-01");
        cb_record_clear(CB_KIND_ENROLLMENT, &e[i]);
        strcpy(e[i].event_id, "e-1");
        strcpy(e[i].person_id, id);
        e[i].scheme = CB_SCHEME_RESIDENT_PENSION;
        e[i].action = CB_ENR_BENEFIT;
        strcpy(e[i].period, "2024-01");
        e[i].amount_fen = 21500;
        strcpy(e[i].region_code, "320923");
        strcpy(e[i].township_code, TW_TEXT);
        e[i].occurred_at = instant("2024-02-05T10:00:00+08:00");
        cb_record_clear(CB_KIND_ASSISTANCE, &r[i]);
        strcpy(r[i].event_id, "a-1");
        strcpy(r[i].person_id, id);
        r[i].valid_from = day("2024-01-01");
        r[i].occurred_at = instant("2024-01-05T10:00:00+08:00");
        cb_record_clear(CB_KIND_BUSINESS, &z[i]);
        strcpy(z[i].event_id, "b-1");
        strcpy(z[i].uscc, USCC);
        strcpy(z[i].name, "Shop");
        z[i].kind = CB_BIZ_INDIVIDUAL;
        z[i].established_on = day("2023-03-01");
        strcpy(z[i].township_code, TW_TEXT);
        strcpy(z[i].legal_rep_id, id);
        z[i].occurred_at = instant("2023-03-01T14:00:00+08:00");
    }
    assert_same_op(CB_KIND_HOUSEHOLD, &h[0], &h[1]);
    assert_same_op(CB_KIND_DEATH, &d[0], &d[1]);
    assert_same_op(CB_KIND_ENROLLMENT, &e[0], &e[1]);
    e[0].action = e[1].action = CB_ENR_ENROLL;
    assert_same_op(CB_KIND_ENROLLMENT, &e[0], &e[1]);
    assert_same_op(CB_KIND_ASSISTANCE, &r[0], &r[1]);
    assert_same_op(CB_KIND_BUSINESS, &z[0], &z[1]);
    /* the record itself still holds the number as written */
    assert_string_equal(h[1].person_id, LEGACY);
    assert_string_equal(z[1].legal_rep_id, LEGACY);
}

/* The head alone, as a step reads it to group and skip its ops. */
static void test_head(void **state)
{
    cb_enrollment e;
    cb_op_head h;
    cb_buf b = {0};
    cb_op op;

    (void)state;
    cb_record_clear(CB_KIND_ENROLLMENT, &e);
    strcpy(e.event_id, "c-1");
    strcpy(e.person_id, PERSON);
    e.scheme = CB_SCHEME_RESIDENT_PENSION;
    e.action = CB_ENR_CONTRIBUTE;
    strcpy(e.period, "2024-01");
    e.amount_fen = 12000;
    strcpy(e.region_code, "320900");
    strcpy(e.township_code, TW_TEXT);
    e.occurred_at = instant("2024-01-20T12:00:00+08:00");
    encode_record(CB_KIND_ENROLLMENT, &e, CB_KIND_ENROLLMENT, 99, 0, &b,
                  &op);
    assert_int_equal(cb_op_read_head(b.data, b.len, &h), 0);
    assert_int_equal(h.kind, CB_OP_FACT);
    assert_int_equal(h.topic, CB_KIND_ENROLLMENT);
    assert_int_equal(h.offset, 99);
    assert_int_equal(h.bucket, 19);
    assert_int_equal(h.key_len, 8);
    assert_memory_equal(h.key, "\x03\x09\xb4\x79\xcb\x03\x72\x00", 8);
    assert_int_equal(h.id_len, 18);
    assert_memory_equal(h.id, PERSON, 18);
    assert_int_equal(h.fact_kind, CB_FACT_CONTRIBUTION);
    /* the head is the first 44 bytes, and the fact kind after them */
    assert_int_equal(cb_op_read_head(b.data, 45, &h), 0);
    assert_int_equal(cb_op_read_head(b.data, 44, &h), -1);
    b.data[1] = CB_TOPIC_COUNT; /* no such topic */
    assert_int_equal(cb_op_read_head(b.data, b.len, &h), -1);
    b.data[1] = CB_TOPIC_OWNERSHIP;
    assert_int_equal(cb_op_read_head(b.data, b.len, &h), 0);
    b.data[12] = 6; /* a key of 6 bytes: no subject has one */
    assert_int_equal(cb_op_read_head(b.data, b.len, &h), -1);

    assert_int_equal(cb_ops_tick(&(cb_subject){0}, NBUCKETS, &b), 0);
    assert_int_equal(cb_op_read_head(b.data, b.len, &h), -1); /* no key */
    cb_buf_free(&b);
}

/* Stamps split and join as the first matcher's Lua did, whatever the
 * sign. */
static void test_stamps(void **state)
{
    (void)state;
    assert_int_equal(cb_stamp_of(19000, 5), 19000 * CB_STAMP_LOW + 5);
    assert_int_equal(cb_stamp_day(cb_stamp_of(19000, 5)), 19000);
    assert_int_equal(cb_stamp_low(cb_stamp_of(19000, 5)), 5);
    assert_int_equal(cb_stamp_day(-1), -1);
    assert_int_equal(cb_stamp_low(-1), CB_STAMP_LOW - 1);
    assert_int_equal(cb_stamp_day(-CB_STAMP_LOW), -1);
    assert_int_equal(cb_stamp_low(-CB_STAMP_LOW), 0);
}

/* Lead and timer buckets: a quarter of the state buckets; a subject's
 * from its ID text, its state bucket's remainder (the counts are powers
 * of two); a lead id's from its first four hex digits alone, either case,
 * for every count a store may have. */
static void test_side_buckets(void **state)
{
    static unsigned seen[CB_STORE_BUCKETS_MAX / CB_SIDE_SHARE];
    cb_subject subj;
    char id[CB_ID_DIGITS + 1];

    (void)state;
    assert_int_equal(cb_side_buckets(1024), 256);
    assert_int_equal(cb_side_buckets(CB_STORE_BUCKETS_MIN),
                     CB_STORE_BUCKETS_MIN / CB_SIDE_SHARE);
    assert_int_equal(cb_subject_of_employer(USCC, &subj), 0);
    for (unsigned n = CB_STORE_BUCKETS_MIN; n <= CB_STORE_BUCKETS_MAX;
         n *= 2) {
        unsigned nside = cb_side_buckets(n), empty = 0;
        assert_int_equal(cb_side_bucket(subj.id, strlen(subj.id), nside),
                         cb_subject_bucket(&subj, n) % nside);
        /* digits as an HMAC gives them fill every bucket */
        memset(seen, 0, sizeof(seen));
        for (unsigned i = 0; i < 65536; i += 3) {
            snprintf(id, sizeof(id), "%04x000000000000", i);
            seen[cb_lid_bucket(id, nside)]++;
        }
        for (unsigned b = 0; b < nside; b++)
            empty += seen[b] == 0;
        assert_int_equal(empty, 0);
    }
    assert_int_equal(cb_lid_bucket("00ff000000000000", 256), 0xff);
    assert_int_equal(cb_lid_bucket("abcd123412341234", 256), 0xcd);
    assert_int_equal(cb_lid_bucket("ABCD123412341234", 256), 0xcd);
    assert_int_equal(cb_lid_bucket("abcd123412341234", 16), 0xd);
    assert_int_equal(cb_lid_bucket("abcd123412341234", 4096), 0xbcd);
    assert_int_equal(cb_lid_bucket("12", 256), 0x12);
}

/* A bucket count is a power of two within the bounds, as a flag, a config
 * value or the count a store records; anything else is refused, named. */
static void test_parse_buckets(void **state)
{
    char err[160];
    unsigned n = 7;
    const char *bad[] = {"", "0", "48", "8", "32768", "256x", "-256",
                         " 256", "99999999999999999999999"};

    (void)state;
    assert_int_equal(cb_store_parse_buckets("256", "buckets", &n, err,
                                            sizeof(err)), 0);
    assert_int_equal(n, 256);
    assert_int_equal(cb_store_parse_buckets("16", "buckets", &n, err,
                                            sizeof(err)), 0);
    assert_int_equal(cb_store_parse_buckets("16384", "buckets", &n, err,
                                            sizeof(err)), 0);
    assert_int_equal(n, 16384);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = 7;
        assert_int_equal(cb_store_parse_buckets(bad[i], "--buckets", &n, err,
                                                sizeof(err)), -1);
        assert_int_equal(n, 7);
        assert_non_null(strstr(err, "--buckets must be a power of two"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_key_kind),
        cmocka_unit_test(test_household),
        cmocka_unit_test(test_death),
        cmocka_unit_test(test_enroll),
        cmocka_unit_test(test_contribution),
        cmocka_unit_test(test_roster),
        cmocka_unit_test(test_business),
        cmocka_unit_test(test_register_employer),
        cmocka_unit_test(test_tick),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_review),
        cmocka_unit_test(test_ownership),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_stamps),
        cmocka_unit_test(test_side_buckets),
        cmocka_unit_test(test_parse_buckets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
