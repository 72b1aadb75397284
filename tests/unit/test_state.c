/* test_state.c -- the packed states of consumers/cb_state.c: ops built by
 * the real cb_ops.c decode back to their fields; persons and employers
 * encode to the bytes of the first matcher's struct.pack formats (checked against
 * hand-packed bytes), round-trip, and encode canonically whatever the order
 * their ops came in; the merges follow the script's tie rules; and every
 * decoder refuses every truncation of a valid value, and bytes after it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_ops.h"
#include "cb_state.h"
#include "cb_time.h"

#define NBUCKETS 64
#define TW       320923008LL
#define TW_TEXT  "320923008"
#define USCC     "91320923MA1XXXXXXB"
#define USCC2    "91320923MA1YYYYYYC"
#define STAMP(day, s24) ((int64_t)(day) * CB_STAMP_LOW + (s24))

/* --------------------------------------------------------------- helpers */

static cb_str S(const char *text)
{
    cb_str s;
    size_t n = strlen(text);

    assert_true(n <= sizeof(s.s));
    memset(&s, 0, sizeof(s));
    memcpy(s.s, text, n);
    s.len = (uint8_t)n;
    return s;
}

static void assert_str(const cb_str *s, const char *text)
{
    assert_int_equal(s->len, strlen(text));
    assert_memory_equal(s->s, text, s->len);
}

/* A valid resident ID from its first 17 digits. */
static void make_id(const char *body17, char id[CB_ID_SIZE])
{
    memcpy(id, body17, 17);
    id[17] = cb_ident_person_check_char(body17);
    id[18] = '\0';
}

static int64_t instant(const char *text)
{
    int64_t ms;

    assert_int_equal(cb_time_parse(text, strlen(text), &ms), 0);
    return ms;
}

/* The stamp cb_ops.c gives an instant and an event id. */
static uint32_t s24_of(int64_t ms, const char *eid)
{
    int64_t sec =
        ((ms / 1000 + CB_TIME_LOCAL_OFFSET_S) % 86400 + 86400) % 86400;

    return (uint32_t)((sec << 7) | (cb_fnv1a32(eid, strlen(eid)) & 0x7F));
}

/* Every proper prefix of a packed value, and the value with one byte more,
 * is refused; each prefix is in a buffer of exactly its size, so that a
 * read past its end is seen by the sanitizers. */
typedef int (*decode_fn)(const char *data, size_t len, void *out);

static int dec_op(const char *d, size_t n, void *out)
{
    return cb_op_decode(d, n, out);
}

static int dec_person(const char *d, size_t n, void *out)
{
    return cb_person_decode(NULL, NULL, d, n, out);
}

/* The number full_person's states are packed against in keyed tests:
 * born 1950-02-28, a man, of county 320923 (TW's). */
static char keyed_id[CB_IDENT_LEN + 1];

static const char *keyed_number(void)
{
    memcpy(keyed_id, "32092319500228001", 17);
    keyed_id[17] = cb_ident_person_check_char(keyed_id);
    keyed_id[18] = '\0';
    return keyed_id;
}

static int dec_keyed(const char *d, size_t n, void *out)
{
    return cb_person_decode(NULL, keyed_number(), d, n, out);
}

static int dec_employer(const char *d, size_t n, void *out)
{
    return cb_employer_decode(NULL, d, n, out);
}

static void assert_refuses_truncations(decode_fn dec, const cb_buf *b,
                                       void *out)
{
    for (size_t n = 0; n < b->len; n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, b->data, n);
        assert_int_equal(dec(copy, n, out), -1);
        free(copy);
    }
    char *longer = malloc(b->len + 1);
    assert_non_null(longer);
    memcpy(longer, b->data, b->len);
    longer[b->len] = 0;
    assert_int_equal(dec(longer, b->len + 1, out), -1);
    assert_int_equal(dec(longer, b->len, out), 0);
    free(longer);
}

static void op_refuses_truncations(const cb_buf *b)
{
    cb_op op;

    assert_refuses_truncations(dec_op, b, &op);
}

static void encode(cb_person *p, cb_buf *b)
{
    assert_int_equal(cb_person_encode(NULL, p, NULL, b), 0);
}

static void assert_same_bytes(const cb_buf *a, const cb_buf *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
}

/* Applies an op that must succeed; returns its progress flag. */
static int apply(cb_person *p, const cb_op *op)
{
    int progress = -1;

    assert_int_equal(cb_person_apply(p, op, &progress), 0);
    assert_true(progress == 0 || progress == 1);
    return progress;
}

/* ------------------------------------------------------- ops by hand */

static cb_op op_hh(int32_t date, uint32_t s24, int64_t tw, int action,
                   int student, const char *name, const char *eid)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_HH;
    op.date = date;
    op.s24 = s24;
    op.township = tw;
    op.action = action;
    op.student = student;
    op.name = S(name);
    op.eid = S(eid);
    return op;
}

static cb_op op_death(int32_t death, int64_t tw, const char *eid)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_DEATH;
    op.death = death;
    op.township = tw;
    op.eid = S(eid);
    return op;
}

/* A death notice that names the person. */
static cb_op op_death_named(int32_t death, int64_t tw, const char *eid,
                            const char *name)
{
    cb_op op = op_death(death, tw, eid);

    op.name = S(name);
    return op;
}

/* A reviewer's verdict on the item (kind, other). */
static cb_op op_review(int kind, int verdict, int64_t at, const char *other)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_REVIEW;
    op.rkind = kind;
    op.verdict = verdict;
    op.at = at;
    op.other = S(other);
    return op;
}

static cb_op op_enr(int scheme, int on, int32_t date, uint32_t s24,
                    int snapshot, int64_t tw)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_ENR;
    op.scheme = scheme;
    op.on = on;
    op.date = date;
    op.s24 = s24;
    op.snapshot = snapshot;
    op.township = tw;
    return op;
}

/* The same, with its event id. */
static cb_op op_enr_id(int scheme, int on, int32_t date, uint32_t s24,
                       int snapshot, int64_t tw, const char *eid)
{
    cb_op op = op_enr(scheme, on, date, s24, snapshot, tw);

    op.eid = S(eid);
    return op;
}

static cb_op op_fact(int k, int scheme, int32_t period, int64_t amount,
                     int paid, int64_t tier, const char *eid)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_FACT;
    op.k = k;
    op.scheme = scheme;
    op.region = 320923;
    op.period = period;
    op.amount = amount;
    op.paid = paid;
    op.tier = tier;
    op.township = TW;
    op.eid = S(eid);
    return op;
}

static cb_op op_roster(int identity, int32_t from, int32_t to, int32_t date,
                       uint32_t s24)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_ROSTER;
    op.identity = identity;
    op.from = from;
    op.to = to;
    op.date = date;
    op.s24 = s24;
    return op;
}

/* An assistance row that names the person. */
static cb_op op_roster_named(int identity, int32_t from, int32_t date,
                             uint32_t s24, const char *name, const char *eid)
{
    cb_op op = op_roster(identity, from, CB_DATE_OPEN_END, date, s24);

    op.name = S(name);
    op.eid = S(eid);
    return op;
}

static cb_op op_own(const char *uscc, int active, int32_t est, int32_t dereg,
                    int32_t date, uint32_t s24)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_OWN;
    op.uscc = S(uscc);
    op.active = active;
    op.est = est;
    op.dereg = dereg;
    op.date = date;
    op.s24 = s24;
    return op;
}

static cb_op op_biz(int bkind, int action, int32_t est, int64_t tw,
                    int32_t date, uint32_t s24, const char *name,
                    const char *rep, const char *eid)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_BIZ;
    op.subject = S(USCC);
    op.bkind = bkind;
    op.action = action;
    op.est = est;
    op.township = tw;
    op.date = date;
    op.s24 = s24;
    op.name = S(name);
    op.rep = S(rep);
    op.eid = S(eid);
    return op;
}

static cb_op op_reg(int32_t date)
{
    cb_op op;

    memset(&op, 0, sizeof(op));
    op.kind = CB_OP_REG;
    op.subject = S(USCC);
    op.date = date;
    return op;
}

/* A person with every section: stay, leaving, student, three death
 * notices (one with another name), a name, three schemes, two roster rows
 * (one that names the person otherwise), two businesses, three facts, a
 * verdict. */
static void full_person(cb_person *p)
{
    cb_op ops[] = {
        op_hh(19000, 100, TW, CB_HH_MOVE_IN, 1, "Zhang San", "hh-1"),
        op_hh(19500, 200, TW + 2, CB_HH_MOVE_OUT, -1, "", "hh-2"),
        op_death(19600, TW, "dn-2"),
        op_death(19590, TW + 1, "dn-1"),
        op_death_named(19580, 0, "dn-3", "Zhang Shan"),
        op_roster_named(7, 18300, 18301, 3, "Zhang.Shan", "as-1"),
        op_review(CB_REVIEW_DEATH_UNCONFIRMED, CB_VERDICT_REJECT,
                  INT64_C(1700000000123), "ZhangShan"),
        op_enr_id(0, 1, 18000, 5, 0, TW, "en-0"),
        op_enr(3, 0, 18100, 6, 0, TW),
        op_enr(1, 1, 18200, 7, 1, TW),
        op_roster(4, 18500, CB_DATE_OPEN_END, 18500, 8),
        op_roster(1, 18400, 18800, 18400, 9),
        op_own(USCC2, 1, 17000, 0, 18000, 10),
        op_own(USCC, 1, 17500, 19550, 18100, 11),
        op_fact(1, 1, 650, 12000, CB_PAID_GOVERNMENT, 3000, "f-3"),
        op_fact(0, 0, 640, -5, 255, -1, "f-2"),
        op_fact(1, 0, 640, 800, 0, -1, "f-1"),
    };

    cb_person_init(p);
    p->birth = cb_date_from_ymd(1950, 2, 28);
    p->male = 1;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        apply(p, &ops[i]);
}

/* ------------------------------------------------------------ strings */

static void test_str_cmp(void **state)
{
    (void)state;
    cb_str a = S("abc"), b = S("abd"), c = S("ab"), e = S("");
    cb_str hi = S("\xff"), lo = S("\x01");

    assert_true(cb_str_cmp(&a, &b) < 0);
    assert_true(cb_str_cmp(&b, &a) > 0);
    assert_true(cb_str_cmp(&c, &a) < 0); /* a shorter prefix first */
    assert_true(cb_str_cmp(&a, &c) > 0);
    assert_true(cb_str_cmp(&e, &c) < 0);
    assert_int_equal(cb_str_cmp(&a, &a), 0);
    assert_int_equal(cb_str_cmp(&e, &e), 0);
    assert_true(cb_str_cmp(&lo, &hi) < 0); /* bytes are unsigned */
}

/* ------------------------------------------------------ ops from cb_ops */

static void test_op_household(void **state)
{
    (void)state;
    cb_household h;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char err[128];
    int32_t birth;

    memset(&h, 0, sizeof(h));
    strcpy(h.event_id, "hh-0001");
    make_id("32092319800101123", h.person_id);
    strcpy(h.name, "\xe5\xbc\xa0\xe4\xb8\x89"); /* 张三 */
    h.action = CB_HH_MOVE_IN;
    strcpy(h.township_code, TW_TEXT);
    h.student = 1;
    h.occurred_at = instant("2024-03-15T10:20:30+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_HOUSEHOLD, &h,
                                        CB_KIND_HOUSEHOLD, 42, 0, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_HH);
    assert_int_equal(op.topic, CB_KIND_HOUSEHOLD);
    assert_int_equal(op.offset, 42);
    assert_int_equal(op.bucket, cb_subject_bucket(&subj, NBUCKETS));
    assert_int_equal(op.subject.len, 8);
    assert_memory_equal(op.subject.s, subj.key, 8);
    assert_str(&op.subject_id, h.person_id);
    assert_str(&op.eid, "hh-0001");
    assert_int_equal(op.township, TW);
    assert_int_equal(op.date, cb_date_from_ymd(2024, 3, 15));
    assert_int_equal(op.s24, s24_of(h.occurred_at, h.event_id));
    assert_int_equal(op.student, 1);
    assert_int_equal(op.action, CB_HH_MOVE_IN);
    assert_int_equal(op.has_birth, 1);
    assert_int_equal(cb_ident_check_person(h.person_id, 18, &birth),
                     CB_IDENT_OK);
    assert_int_equal(op.birth, birth);
    assert_int_equal(op.birth, cb_date_from_ymd(1980, 1, 1));
    assert_int_equal(op.male, 1);
    assert_str(&op.name, h.name);
    op_refuses_truncations(&b);

    /* no student field, a woman, a snapshot row */
    h.student = -1;
    make_id("32092319900215002", h.person_id);
    assert_int_equal(cb_ops_from_record(CB_KIND_HOUSEHOLD, &h,
                                        CB_KIND_HOUSEHOLD, -1, 1, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.student, -1);
    assert_int_equal(op.offset, -1);
    assert_int_equal(op.male, 0);
    assert_int_equal(op.birth, cb_date_from_ymd(1990, 2, 15));
    cb_buf_free(&b);
}

static void test_op_death(void **state)
{
    (void)state;
    cb_death d;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char err[128];

    memset(&d, 0, sizeof(d));
    strcpy(d.event_id, "dn-1");
    make_id("32092319800101123", d.person_id);
    d.date_of_death = cb_date_from_ymd(2024, 1, 2);
    strcpy(d.township_code, TW_TEXT);
    strcpy(d.name, "\xe5\xbc\xa0\xe4\xb8\x89"); /* 张三 */
    d.occurred_at = instant("2024-01-05T08:00:00+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_DEATH, &d, CB_KIND_DEATH, 7,
                                        0, NBUCKETS, &b, &subj, err,
                                        sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_DEATH);
    assert_int_equal(op.topic, CB_KIND_DEATH);
    assert_int_equal(op.offset, 7);
    assert_str(&op.eid, "dn-1");
    assert_int_equal(op.death, cb_date_from_ymd(2024, 1, 2));
    assert_int_equal(op.township, TW);
    assert_int_equal(op.has_birth, 1);
    assert_int_equal(op.birth, cb_date_from_ymd(1980, 1, 1));
    assert_int_equal(op.male, 1);
    assert_int_equal(op.date, 0); /* not a stamped op */
    assert_str(&op.name, d.name);
    op_refuses_truncations(&b);

    /* no township: 0; no name: "" */
    d.township_code[0] = '\0';
    d.name[0] = '\0';
    assert_int_equal(cb_ops_from_record(CB_KIND_DEATH, &d, CB_KIND_DEATH, 8,
                                        0, NBUCKETS, &b, &subj, err,
                                        sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.township, 0);
    assert_int_equal(op.name.len, 0);
    cb_buf_free(&b);
}

static void test_op_enrollment(void **state)
{
    (void)state;
    cb_enrollment e;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char err[128];

    memset(&e, 0, sizeof(e));
    strcpy(e.event_id, "enr-1");
    make_id("32092319800101123", e.person_id);
    e.scheme = CB_SCHEME_RESIDENT_PENSION;
    e.action = CB_ENR_STOP;
    strcpy(e.township_code, TW_TEXT);
    e.occurred_at = instant("2023-12-31T23:59:59+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_ENROLLMENT, &e, CB_KIND_ENROLLMENT, -1,
                                        1, NBUCKETS, &b, &subj, err,
                                        sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_ENR);
    assert_int_equal(op.topic, CB_KIND_ENROLLMENT);
    assert_int_equal(op.offset, -1);
    assert_int_equal(op.scheme, CB_SCHEME_RESIDENT_PENSION);
    assert_int_equal(op.on, 0);
    assert_int_equal(op.snapshot, 1);
    assert_int_equal(op.date, cb_date_from_ymd(2023, 12, 31));
    assert_int_equal(op.s24, s24_of(e.occurred_at, e.event_id));
    assert_true(op.s24 >> 7 == 86399);
    assert_int_equal(op.township, TW);
    assert_int_equal(op.has_birth, 1);
    assert_int_equal(op.male, 1);
    op_refuses_truncations(&b);

    /* enroll from the feed */
    e.action = CB_ENR_ENROLL;
    e.scheme = CB_SCHEME_WORK_INJURY;
    assert_int_equal(cb_ops_from_record(CB_KIND_ENROLLMENT, &e,
                                        CB_KIND_ENROLLMENT, 1000, 0,
                                        NBUCKETS, &b, &subj, err,
                                        sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.on, 1);
    assert_int_equal(op.snapshot, 0);
    assert_int_equal(op.scheme, CB_SCHEME_WORK_INJURY);

    /* a scheme number the state cannot hold, an "on" not 0 or 1: the
     * scheme byte follows the head (1+1+8+2 + 1+8 + 1+18 + 1+5) */
    size_t at = 12 + 9 + 19 + 6;
    assert_int_equal((unsigned char)b.data[at], CB_SCHEME_WORK_INJURY);
    b.data[at] = (char)200;
    assert_int_equal(cb_op_decode(b.data, b.len, &op), -1);
    b.data[at] = (char)CB_SCHEME_WORK_INJURY;
    b.data[at + 1] = 2;
    assert_int_equal(cb_op_decode(b.data, b.len, &op), -1);
    cb_buf_free(&b);
}

static void test_op_fact(void **state)
{
    (void)state;
    cb_enrollment e;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char err[128];

    memset(&e, 0, sizeof(e));
    strcpy(e.event_id, "contrib-77");
    make_id("32092319800101123", e.person_id);
    e.scheme = CB_SCHEME_RESIDENT_PENSION;
    e.action = CB_ENR_CONTRIBUTE;
    strcpy(e.period, "2024-02");
    e.amount_fen = 123456789012LL;
    e.paid_by = CB_PAID_GOVERNMENT;
    e.subsidy_tier = 3000;
    strcpy(e.region_code, "320923");
    strcpy(e.township_code, TW_TEXT);
    e.occurred_at = instant("2024-03-01T09:00:00+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_ENROLLMENT, &e,
                                        CB_KIND_ENROLLMENT, 5, 0, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_FACT);
    assert_int_equal(op.k, 1);
    assert_int_equal(op.scheme, CB_SCHEME_RESIDENT_PENSION);
    assert_int_equal(op.region, 320923);
    assert_int_equal(op.period, cb_month_from_ym(2024, 2));
    assert_int_equal(op.amount, 123456789012LL);
    assert_int_equal(op.paid, CB_PAID_GOVERNMENT);
    assert_int_equal(op.tier, 3000);
    assert_int_equal(op.township, TW);
    assert_str(&op.eid, "contrib-77");
    assert_int_equal(op.has_birth, 1);
    op_refuses_truncations(&b);

    /* a benefit: no payer (255), no tier (-1) */
    e.action = CB_ENR_BENEFIT;
    e.paid_by = -1;
    e.subsidy_tier = CB_LONG_NONE;
    e.amount_fen = -250;
    assert_int_equal(cb_ops_from_record(CB_KIND_ENROLLMENT, &e,
                                        CB_KIND_ENROLLMENT, 6, 0, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.k, 0);
    assert_int_equal(op.paid, 255);
    assert_int_equal(op.tier, -1);
    assert_int_equal(op.amount, -250);
    cb_buf_free(&b);
}

static void test_op_roster(void **state)
{
    (void)state;
    cb_assistance a;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char err[128];

    memset(&a, 0, sizeof(a));
    strcpy(a.event_id, "as-9");
    make_id("32092319900215002", a.person_id);
    a.identity = 3;
    a.valid_from = cb_date_from_ymd(2023, 6, 1);
    a.valid_to = CB_DATE_NONE;
    strcpy(a.township_code, TW_TEXT);
    strcpy(a.name, "Li Si");
    a.occurred_at = instant("2023-06-02T00:00:01+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_ASSISTANCE, &a,
                                        CB_KIND_ASSISTANCE, 9, 0, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_ROSTER);
    assert_int_equal(op.identity, 3);
    assert_int_equal(op.from, cb_date_from_ymd(2023, 6, 1));
    assert_int_equal(op.to, CB_DATE_OPEN_END);
    assert_int_equal(op.date, cb_date_from_ymd(2023, 6, 2));
    assert_int_equal(op.s24, s24_of(a.occurred_at, a.event_id));
    assert_int_equal(op.has_birth, 1);
    assert_int_equal(op.male, 0);
    assert_str(&op.name, "Li Si");
    op_refuses_truncations(&b);

    a.valid_to = cb_date_from_ymd(2024, 5, 31);
    assert_int_equal(cb_ops_from_record(CB_KIND_ASSISTANCE, &a,
                                        CB_KIND_ASSISTANCE, 10, 0, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.to, cb_date_from_ymd(2024, 5, 31));
    cb_buf_free(&b);
}

static void test_op_business(void **state)
{
    (void)state;
    cb_business bz;
    cb_enrollment e;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char err[128];

    memset(&bz, 0, sizeof(bz));
    strcpy(bz.event_id, "bz-1");
    strcpy(bz.uscc, USCC);
    strcpy(bz.name, "Shop");
    bz.kind = CB_BIZ_INDIVIDUAL;
    bz.action = CB_BIZ_CHANGED;
    bz.established_on = cb_date_from_ymd(2020, 5, 5);
    strcpy(bz.township_code, TW_TEXT);
    make_id("32092319800101123", bz.legal_rep_id);
    bz.occurred_at = instant("2024-03-15T10:20:30+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_BUSINESS, &bz,
                                        CB_KIND_BUSINESS, 3, 0, NBUCKETS, &b,
                                        &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_BIZ);
    assert_str(&op.subject, USCC);
    assert_str(&op.subject_id, USCC);
    assert_int_equal(op.bkind, CB_BIZ_INDIVIDUAL);
    assert_int_equal(op.action, CB_BIZ_CHANGED);
    assert_int_equal(op.est, cb_date_from_ymd(2020, 5, 5));
    assert_int_equal(op.township, TW);
    assert_int_equal(op.date, cb_date_from_ymd(2024, 3, 15));
    assert_int_equal(op.s24, s24_of(bz.occurred_at, bz.event_id));
    assert_str(&op.name, "Shop");
    assert_str(&op.rep, bz.legal_rep_id);
    assert_int_equal(op.has_birth, 0);
    op_refuses_truncations(&b);

    memset(&e, 0, sizeof(e));
    strcpy(e.event_id, "reg-1");
    strcpy(e.uscc, USCC);
    e.scheme = -1;
    e.action = CB_ENR_REGISTER_EMPLOYER;
    e.occurred_at = instant("2024-04-01T12:00:00+08:00");
    assert_int_equal(cb_ops_from_record(CB_KIND_ENROLLMENT, &e,
                                        CB_KIND_ENROLLMENT, 4, 0, NBUCKETS,
                                        &b, &subj, err, sizeof(err)), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_REG);
    assert_str(&op.subject, USCC);
    assert_str(&op.eid, "reg-1");
    assert_int_equal(op.date, cb_date_from_ymd(2024, 4, 1));
    assert_int_equal(op.has_birth, 0);
    op_refuses_truncations(&b);
    cb_buf_free(&b);
}

static void test_op_tick_decide(void **state)
{
    (void)state;
    cb_subject subj;
    cb_buf b = {0};
    cb_op op;
    char id[CB_ID_SIZE];
    char why[1001];

    make_id("32092319800101123", id);
    assert_int_equal(cb_subject_of_person(id, &subj), 0);
    assert_int_equal(cb_ops_tick(&subj, NBUCKETS, &b), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_TICK);
    assert_int_equal(op.offset, -1);
    assert_int_equal(op.eid.len, 0);
    assert_str(&op.subject_id, id);
    assert_int_equal(op.has_birth, 1);
    assert_int_equal(op.birth, cb_date_from_ymd(1980, 1, 1));
    assert_int_equal(op.male, 1);
    op_refuses_truncations(&b);

    assert_int_equal(cb_ops_decide(&subj, NBUCKETS, "0123456789abcdef", 1,
                                   "no answer", &b), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_DECIDE);
    assert_int_equal(op.decision, 1);
    assert_str(&op.lead_id, "0123456789abcdef");
    assert_int_equal(op.why_len, 9);
    assert_string_equal(op.why, "no answer");
    assert_int_equal(op.has_birth, 0);
    op_refuses_truncations(&b);

    /* the longest reason, and one byte more than a decision can have */
    memset(why, 'w', 1000);
    why[1000] = '\0';
    assert_int_equal(cb_ops_decide(&subj, NBUCKETS, "0123456789abcdef", 3,
                                   why, &b), 0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.why_len, 1000);
    assert_int_equal(strlen(op.why), 1000);
    char *big = malloc(b.len + 1);
    assert_non_null(big);
    memcpy(big, b.data, b.len);
    big[b.len] = 'w';
    big[b.len - 1002] = (char)(1001 & 0xFF); /* the u16 length */
    big[b.len - 1001] = (char)(1001 >> 8);
    assert_int_equal(cb_op_decode(big, b.len + 1, &op), -1);
    free(big);

    /* unknown kinds */
    char k = b.data[0];
    b.data[0] = 0;
    assert_int_equal(cb_op_decode(b.data, b.len, &op), -1);
    b.data[0] = 12;
    assert_int_equal(cb_op_decode(b.data, b.len, &op), -1);
    b.data[0] = k;
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    cb_buf_free(&b);
}

/* An ownership change as a business makes it, through the outbox and the
 * ownership topic, to the person it names; one packed before changes
 * carried names reads as naming no one. */
static void test_op_ownership(void **state)
{
    (void)state;
    /* USCC, active, established, deregistered, stamp, event id, then the
     * representative's name (none) */
    static const unsigned char want[] = {
        0x12, 0x39, 0x31, 0x33, 0x32, 0x30, 0x39, 0x32, 0x33, 0x4d, 0x41,
        0x31, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x42, 0x01, 0x38, 0x4a,
        0x00, 0x00, 0x00, 0x00, 0x42, 0x4a, 0x63, 0x00, 0x00, 0x03, 0x62,
        0x2d, 0x31, 0x00};
    cb_own_change c;
    cb_subject subj;
    cb_buf payload = {0}, b = {0};
    cb_op op;
    char err[128], id[CB_ID_SIZE];

    make_id("32092319800101123", id);
    memset(&c, 0, sizeof(c));
    c.rep = S(id);
    c.uscc = S(USCC);
    c.active = 1;
    c.est = 19000;
    c.dereg = 0;
    c.st = STAMP(19010, 99);
    c.eid = S("b-1");
    assert_int_equal(cb_own_change_pack(&c, &payload), 0);
    assert_int_equal(payload.len, sizeof(want));
    assert_memory_equal(payload.data, want, sizeof(want));

    assert_int_equal(cb_ops_ownership(id, payload.data, payload.len, 77,
                                      NBUCKETS, &b, &subj, err, sizeof(err)),
                     0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_OWN);
    assert_int_equal(op.topic, CB_TOPIC_OWNERSHIP);
    assert_int_equal(op.offset, 77);
    assert_int_equal(op.eid.len, 0);
    assert_str(&op.uscc, USCC);
    assert_int_equal(op.active, 1);
    assert_int_equal(op.est, 19000);
    assert_int_equal(op.dereg, 0);
    assert_int_equal(op.date, 19010);
    assert_int_equal(op.s24, 99);
    assert_str(&op.src, "b-1");
    assert_int_equal(op.has_birth, 1);
    assert_int_equal(op.birth, cb_date_from_ymd(1980, 1, 1));
    op_refuses_truncations(&b);

    cb_person p;
    cb_person_init(&p);
    apply(&p, &op);
    assert_int_equal(p.nown, 1);
    assert_str(&p.own[0].uscc, USCC);
    assert_int_equal(p.own[0].active, 1);
    assert_int_equal(p.own[0].est, 19000);
    assert_int_equal(p.own[0].st, STAMP(19010, 99));
    assert_int_equal(p.naliases, 0); /* no name given */

    /* the payload as the matcher packed it before issue 19: the same op */
    cb_buf b2 = {0};
    assert_int_equal(cb_ops_ownership(id, want, sizeof(want) - 1, 77,
                                      NBUCKETS, &b2, &subj, err, sizeof(err)),
                     0);
    assert_same_bytes(&b, &b2);
    /* cut anywhere else, or a byte more: not an ownership change */
    for (size_t n = 0; n < sizeof(want) + 1; n++) {
        unsigned char more[sizeof(want) + 1];
        memcpy(more, want, sizeof(want));
        more[sizeof(want)] = 0;
        if (n == sizeof(want) || n == sizeof(want) - 1)
            continue;
        assert_int_equal(cb_ops_ownership(id, more, n, 1, NBUCKETS, &b2,
                                          &subj, err, sizeof(err)),
                         -1);
    }
    cb_buf_free(&b2);

    /* with the representative's name: the person's alias; names only:
     * the alias, and the business stays the person's */
    c.rep_name = S("Zhang San");
    c.eid = S("b-2");
    c.active = CB_OWN_NAME_ONLY;
    assert_int_equal(cb_own_change_pack(&c, &payload), 0);
    assert_int_equal(cb_ops_ownership(id, payload.data, payload.len, 78,
                                      NBUCKETS, &b, &subj, err, sizeof(err)),
                     0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.active, CB_OWN_NAME_ONLY);
    assert_str(&op.name, "Zhang San");
    op_refuses_truncations(&b);
    apply(&p, &op);
    assert_int_equal(p.nown, 1);
    assert_int_equal(p.own[0].active, 1);
    assert_int_equal(p.naliases, 1);
    assert_str(&p.aliases[0].name, "Zhang San");
    assert_str(&p.aliases[0].norm, "ZhangSan");
    assert_int_equal(p.aliases[0].neids, 1);
    assert_str(&p.aliases[0].eids[0], "b-2");
    /* an active byte past CB_OWN_NAME_ONLY is refused */
    payload.data[19] = 3;
    assert_int_equal(cb_ops_ownership(id, payload.data, payload.len, 78,
                                      NBUCKETS, &b, &subj, err, sizeof(err)),
                     -1);
    c.rep_name = S("");
    c.eid = S("b-1");
    cb_person_free(&p);

    /* not active, with a deregistration date: byte 19 and bytes 23-25 */
    c.dereg = 19999;
    c.active = 0;
    assert_int_equal(cb_own_change_pack(&c, &payload), 0);
    assert_int_equal((unsigned char)payload.data[19], 0);
    assert_int_equal((unsigned char)payload.data[23] |
                         (unsigned char)payload.data[24] << 8 |
                         (unsigned char)payload.data[25] << 16,
                     19999);
    cb_buf_free(&payload);
    cb_buf_free(&b);
}

/* ------------------------------------------------------------ persons */

static void test_person_golden_bytes(void **state)
{
    (void)state;
    /* struct.pack('<BHi3', 1, F_MALE+F_STAY+F_NAME, birth) ..
     * pack('<i6HI3', tw, since, s24) .. pack('<Bc0', 'Li') ..
     * pack('<B', 1) .. pack('<BHI3', 1*2+1, 19800, 7) */
    static const unsigned char want[] = {
        0x01, 0x11, 0x02, 0x44, 0x0e, 0x00, 0x80, 0xe5, 0x20,
        0x13, 0x00, 0x00, 0x55, 0x4d, 0x56, 0x34, 0x12, 0x02,
        0x4c, 0x69, 0x01, 0x03, 0x58, 0x4d, 0x07, 0x00, 0x00};
    cb_person p;
    cb_buf b = {0};

    cb_person_init(&p);
    p.birth = 3652;
    p.male = 1;
    apply(&p, &(cb_op){0}); /* kind 0: nothing */
    cb_op hh = op_hh(19797, 0x123456, TW, CB_HH_RESIDENT, -1, "Li", "e");
    apply(&p, &hh);
    cb_op enr = op_enr(1, 1, 19800, 7, 0, TW);
    assert_int_equal(apply(&p, &enr), 1);
    encode(&p, &b);
    /* the same, with F_EIDS (0x4000) and its section after the rest: the
     * stay's event id "e" (cb_pack_eid: raw, head 1 << 2),
     * resident_pension's "" (its op had none) */
    assert_int_equal(b.len, sizeof(want) + 3);
    assert_int_equal((unsigned char)b.data[1], 0x11);
    assert_int_equal((unsigned char)b.data[2], 0x42);
    assert_memory_equal(b.data + 3, want + 3, sizeof(want) - 3);
    assert_memory_equal(b.data + sizeof(want), "\x04" "e" "\x00", 3);

    /* the layout before event ids reads, with none, and packs as it was */
    cb_person_free(&p);
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)want,
                                      sizeof(want), &p),
                     0);
    assert_int_equal(p.eids.stay.len, 0);
    assert_int_equal(p.eids.basic[1].len, 0);
    encode(&p, &b);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));

    /* an empty person: version, flags 0, birth 0, no schemes */
    static const unsigned char empty[] = {1, 0, 0, 0, 0, 0, 0};
    cb_person_free(&p);
    encode(&p, &b);
    assert_int_equal(b.len, sizeof(empty));
    assert_memory_equal(b.data, empty, sizeof(empty));

    /* a name that is there but empty sets no flag */
    p.has_name = 1;
    encode(&p, &b);
    assert_int_equal(b.len, sizeof(empty));
    cb_buf_free(&b);
}

static const char *const old_fact_eids[] = {"en-000000100", "en-000070200",
                                            "en-000140300"};

/* The three pension months of test_person_old_facts, every field, as
 * read from either layout. */
static void assert_old_facts(const cb_person *p)
{
    assert_int_equal(p->nfacts, 3);
    for (int i = 0; i < 3; i++) {
        assert_str(&p->facts[i].eid, old_fact_eids[i]);
        assert_int_equal(p->facts[i].period, 660 + i);
        assert_int_equal(p->facts[i].amount, 15000);
        assert_int_equal(p->facts[i].paid, 255);
        assert_int_equal(p->facts[i].tier, -1);
        assert_int_equal(p->facts[i].region, 320923);
        assert_int_equal(p->facts[i].township, TW);
    }
}

/* Starts a hand-packed version-1 person with these flags: born
 * 1980-01-01 (day 3652), no schemes. */
static void pack_v1_head(cb_pack *w, cb_buf *out, unsigned flags)
{
    cb_pack_init(w, out);
    cb_pack_int(w, 1, 1); /* version */
    cb_pack_int(w, flags, 2);
    cb_pack_int(w, 3652, 3);
    cb_pack_int(w, 0, 1); /* no schemes */
}

/* The compact layout before F_RFACTS (F_CFACTS alone, contexts as plain
 * numbers) still reads, and is written with relative contexts. */
static void test_person_cfacts(void **state)
{
    const char *const *eids = old_fact_eids;
    cb_buf old = {0}, b = {0}, b2 = {0};
    cb_pack w;
    cb_person p, q;

    (void)state;
    pack_v1_head(&w, &old, 0x2000); /* F_CFACTS */
    cb_pack_uvar(&w, 3);
    for (int i = 0; i < 3; i++) {
        if (i == 0) {
            cb_pack_int(&w, 0x02 | 0x08, 1); /* context, period delta */
            cb_pack_int(&w, 1, 1);           /* scheme */
            cb_pack_int(&w, 255, 1);         /* paid: none */
            cb_pack_svar(&w, 320923);        /* region */
            cb_pack_svar(&w, -1);            /* tier */
            cb_pack_svar(&w, TW);            /* township */
            cb_pack_svar(&w, 660);
            cb_pack_svar(&w, 15000);
        } else {
            cb_pack_int(&w, 0x04 | 0x10, 1); /* next month, same amount */
        }
        cb_pack_eid(&w, eids[i], strlen(eids[i]), i ? eids[i - 1] : NULL,
                    i ? strlen(eids[i - 1]) : 0);
    }
    assert_false(w.failed);
    cb_person_init(&p);
    assert_int_equal(cb_person_decode(NULL, NULL, old.data, old.len, &p), 0);
    assert_old_facts(&p);
    encode(&p, &b);
    assert_int_equal(b.len, old.len - 2); /* the region in 1 byte, not 3 */
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
    assert_old_facts(&q);
    encode(&q, &b2);
    assert_same_bytes(&b, &b2);
    cb_person_free(&p);
    cb_person_free(&q);
    cb_buf_free(&old);
    cb_buf_free(&b);
    cb_buf_free(&b2);
}

/* Contexts are packed against the person's township: facts in the stay's
 * township, in another, in none, in a region outside the township's
 * county, read back exactly, whether the person stays, has left or has
 * no township at all; the usual fact's context takes 4 bytes. */
static void test_person_rfacts(void **state)
{
    static const struct {
        int64_t township, region;
    } ctx[] = {{TW, 320923}, {TW + 7, 320923}, {0, 110105},
               {110105001, 320923}, {TW, 0}, {TW, 999999}};
    cb_buf b = {0}, b2 = {0};
    cb_person p, q;

    (void)state;
    for (int who = 0; who < 3; who++) {
        cb_person_init(&p);
        if (who == 0) {
            cb_op hh = op_hh(19000, 100, TW, CB_HH_MOVE_IN, 0, "", "hh-1");
            apply(&p, &hh);
        } else if (who == 1) {
            cb_op hh = op_hh(19000, 100, TW + 3, CB_HH_MOVE_OUT, 0, "",
                             "hh-1");
            apply(&p, &hh);
        }
        for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
            char eid[16];
            snprintf(eid, sizeof(eid), "en-%zu", i);
            cb_op f = op_fact(0, 1, 660 + (int32_t)i, 100, 255, -1, eid);
            f.township = ctx[i].township;
            f.region = ctx[i].region;
            apply(&p, &f);
        }
        encode(&p, &b);
        cb_person_init(&q);
        assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
        assert_int_equal(q.nfacts, sizeof(ctx) / sizeof(ctx[0]));
        for (size_t i = 0; i < q.nfacts; i++) {
            assert_int_equal(q.facts[i].township, ctx[i].township);
            assert_int_equal(q.facts[i].region, ctx[i].region);
            assert_int_equal(q.facts[i].period, 660 + (int)i);
        }
        encode(&q, &b2);
        assert_same_bytes(&b, &b2);
        assert_refuses_truncations(dec_person, &b, &q);
        cb_person_free(&p);
        cb_person_free(&q);
    }
    /* one fact in the stay's township and its county: head, scheme, paid,
     * township 0, region 0, tier -1 (6 bytes), period and amount (2 + 2),
     * the id (6) after the count: 1 + 16 bytes for the facts */
    cb_person_init(&p);
    cb_op hh = op_hh(19000, 100, TW, CB_HH_MOVE_IN, 0, "", "hh-1");
    apply(&p, &hh);
    encode(&p, &b2);
    cb_op f = op_fact(0, 1, 660, 100, 255, -1, "en-1");
    apply(&p, &f);
    encode(&p, &b);
    assert_int_equal(b.len - b2.len, 1 + 16);
    cb_person_free(&p);
    cb_buf_free(&b);
    cb_buf_free(&b2);
}

/* Names packed as text (version 3, cb_pack_text): a Chinese name in 2
 * bytes an ideograph; a state of version 2 (names as UTF-8) still reads
 * and packs as version 3; text that is no packing is refused. */
static void test_person_text(void **state)
{
    const char *id = keyed_number();
    /* version 2, flags F_NAME | F_MALE (the number's sex), the name
     * U+738B in UTF-8 (E7 8E 8B), no schemes */
    static const unsigned char v2[] = {0x02, 0x10, 0x02, 0x03,
                                       0xe7, 0x8e, 0x8b, 0x00};
    /* version 3: the name's head 2 << 1, then 0x80 | 0x25 and 0x8b
     * (0x738B - 0x4E00 = 0x258B) */
    static const unsigned char v3[] = {0x03, 0x10, 0x02, 0x04,
                                       0xa5, 0x8b, 0x00};
    static const unsigned char bad[] = {0x03, 0x10, 0x02, 0x04,
                                        0xd2, 0x8b, 0x00};
    /* version 4, as written now: the flags as a varint of their order
     * (F_NAME bit 1, F_MALE bit 2), then as version 3 */
    static const unsigned char v4[] = {0x04, 0x06, 0x04, 0xa5, 0x8b, 0x00};
    /* a varint with a bit past the 14 flags */
    static const unsigned char v4bad[] = {0x04, 0x80, 0x80, 0x01, 0x00};
    cb_buf b = {0};
    cb_person p;

    (void)state;
    cb_person_init(&p);
    assert_int_equal(cb_person_decode(NULL, id, (const char *)v2, sizeof(v2),
                                      &p),
                     0);
    assert_str(&p.name, "\xe7\x8e\x8b");
    assert_int_equal(p.male, 1);
    assert_int_equal(cb_person_encode(NULL, &p, id, &b), 0);
    assert_int_equal(b.len, sizeof(v4));
    assert_memory_equal(b.data, v4, sizeof(v4));
    cb_person_free(&p);
    assert_int_equal(cb_person_decode(NULL, id, (const char *)v3, sizeof(v3),
                                      &p),
                     0);
    assert_str(&p.name, "\xe7\x8e\x8b");
    assert_int_equal(p.male, 1);
    cb_person_free(&p);
    assert_int_equal(cb_person_decode(NULL, id, (const char *)v4bad,
                                      sizeof(v4bad), &p),
                     -1);
    cb_person_free(&p);
    assert_int_equal(cb_person_decode(NULL, id, b.data, b.len, &p), 0);
    assert_str(&p.name, "\xe7\x8e\x8b");
    assert_refuses_truncations(dec_keyed, &b, &p);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &p), -1);
    assert_int_equal(cb_person_decode(NULL, id, (const char *)bad,
                                      sizeof(bad), &p),
                     -1);
    cb_person_free(&p);
    cb_buf_free(&b);
}

/* A person packed with a table of event-id forms (cb_eidforms.h) reads
 * back as the same person, in fewer bytes (hh-, dn-, as-, en- and f-
 * have one digit here: an index for each prefix); a reader without the
 * table refuses it. */
static void test_person_forms(void **state)
{
    const char *id = keyed_number();
    static const char *const prefixes[] = {"hh-", "dn-", "as-", "en-", "f-"};
    cb_eidforms *forms = cb_eidforms_new();
    cb_buf plain = {0}, coded = {0}, again = {0};
    cb_person p, q;

    (void)state;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        assert_int_equal(cb_eidforms_add(forms, prefixes[i],
                                         strlen(prefixes[i]), 1),
                         (int)i);
    full_person(&p);
    assert_int_equal(cb_person_encode(NULL, &p, id, &plain), 0);
    assert_int_equal(cb_person_encode(forms, &p, id, &coded), 0);
    assert_true(coded.len < plain.len);
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(forms, id, coded.data, coded.len, &q),
                     0);
    assert_int_equal(cb_person_encode(NULL, &q, id, &again), 0);
    assert_same_bytes(&plain, &again);
    cb_person_free(&q);
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(NULL, id, coded.data, coded.len, &q),
                     -1);
    cb_person_free(&q);
    /* a township 6 bytes cannot hold (only damaged bytes decode to one)
     * fails the writer of the layout without the number */
    p.stay.tw = (int64_t)1 << 47;
    assert_int_equal(cb_person_encode(NULL, &p, NULL, &again), -1);
    p.stay.tw = ((int64_t)1 << 47) - 1;
    assert_int_equal(cb_person_encode(NULL, &p, NULL, &again), 0);
    cb_person_free(&p);
    cb_eidforms_free(forms);
    cb_buf_free(&plain);
    cb_buf_free(&coded);
    cb_buf_free(&again);
}

/* A person packed against its number: the birth date left out and the
 * townships against the number's county, the same person as the layout
 * without it; unreadable without the number; a number whose birth date or
 * sex is not the state's gets the layout without it. */
static void test_person_keyed(void **state)
{
    const char *id = keyed_number();
    cb_buf plain = {0}, keyed = {0}, b = {0};
    cb_person p, q;

    (void)state;
    full_person(&p);
    assert_int_equal(cb_person_encode(NULL, &p, NULL, &plain), 0);
    assert_int_equal(cb_person_encode(NULL, &p, id, &keyed), 0);
    assert_int_equal((unsigned char)plain.data[0], 1);
    assert_int_equal((unsigned char)keyed.data[0], 4);
    /* 3 bytes of birth date; the stay (TW), the leaving (TW + 2) and two
     * notices (TW, TW + 1) 1 byte each instead of 6; a notice without a
     * township (-320923000 from the county) 5; the student's stamp, the
     * stay's, none (5) */
    assert_int_equal(keyed.len, plain.len - 3 - 4 * 5 - 1 - 5);
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(NULL, id, keyed.data, keyed.len, &q), 0);
    assert_int_equal(q.birth, p.birth);
    assert_int_equal(q.stay.tw, TW);
    assert_int_equal(q.leave.tw, TW + 2);
    assert_int_equal(q.notices[2].tw, 0);
    assert_int_equal(q.student.v, 1);
    assert_int_equal(q.student.st, p.stay.st);
    assert_int_equal(cb_person_encode(NULL, &q, NULL, &b), 0);
    assert_same_bytes(&b, &plain);
    assert_int_equal(cb_person_encode(NULL, &q, id, &b), 0);
    assert_same_bytes(&b, &keyed);
    assert_refuses_truncations(dec_keyed, &keyed, &q);
    /* the unkeyed layout reads with a number too */
    assert_int_equal(cb_person_decode(NULL, id, plain.data, plain.len, &q), 0);
    assert_int_equal(cb_person_encode(NULL, &q, id, &b), 0);
    assert_same_bytes(&b, &keyed);
    /* no number, or one that is not a valid ID: refused */
    assert_int_equal(cb_person_decode(NULL, NULL, keyed.data, keyed.len, &q),
                                      -1);
    keyed_id[17] = keyed_id[17] == '0' ? '1' : '0';
    assert_int_equal(cb_person_decode(NULL, keyed_id, keyed.data, keyed.len,
                                      &q),
                     -1);
    /* a student stamp that is not the stay's keeps its own */
    id = keyed_number();
    assert_int_equal(cb_person_decode(NULL, id, keyed.data, keyed.len, &q), 0);
    q.student.st = STAMP(19001, 7);
    assert_int_equal(cb_person_encode(NULL, &q, id, &b), 0);
    assert_int_equal(b.len, keyed.len + 5);
    cb_person_free(&p);
    assert_int_equal(cb_person_decode(NULL, id, b.data, b.len, &p), 0);
    assert_int_equal(p.student.st, STAMP(19001, 7));
    assert_int_equal(p.student.v, 1);
    /* a student value other than 0 or 1: the plain layout */
    p.student.v = 2;
    assert_int_equal(cb_person_encode(NULL, &p, id, &b), 0);
    assert_int_equal((unsigned char)b.data[0], 1);
    /* the stay's stamp named in a state without a stay: refused.  A
     * student alone packs as version, flags (one byte: F_MALE and
     * F_STUDENT are among the first seven of version 4), the student
     * byte, its day and stamp (5), the scheme count: without the 5 and
     * with the bit, the student would take the stamp of a stay there is
     * not */
    cb_person_free(&p);
    cb_person_init(&p);
    p.birth = q.birth;
    p.male = 1;
    p.has_student = 1;
    p.student.v = 1;
    p.student.st = STAMP(19000, 100);
    assert_int_equal(cb_person_encode(NULL, &p, id, &b), 0);
    assert_int_equal(b.len, 2 + 1 + 5 + 1);
    assert_int_equal((unsigned char)b.data[2], 1);
    b.data[2] = (char)0x81;
    memmove(b.data + 3, b.data + 8, 1);
    b.len = 4;
    assert_int_equal(cb_person_decode(NULL, id, b.data, b.len, &q), -1);
    cb_person_free(&p);
    full_person(&p);
    /* a birth date or a sex that is not the number's: the plain layout */
    p.birth++;
    assert_int_equal(cb_person_encode(NULL, &p, keyed_number(), &b), 0);
    assert_int_equal((unsigned char)b.data[0], 1);
    p.birth--;
    p.male = 0;
    assert_int_equal(cb_person_encode(NULL, &p, keyed_number(), &b), 0);
    assert_int_equal((unsigned char)b.data[0], 1);
    assert_int_equal(cb_person_decode(NULL, id, b.data, b.len, &q), 0);
    assert_int_equal(q.male, 0);
    cb_person_free(&p);
    cb_person_free(&q);
    cb_buf_free(&plain);
    cb_buf_free(&keyed);
    cb_buf_free(&b);
}

/* Facts stored in the first layout (F_FACTS, 42 bytes each with an id of
 * 12) still read, and are written compactly (F_RFACTS: F_FACTS and
 * F_CFACTS both) the next time: 4 bytes for a month like the one before. */
static void test_person_old_facts(void **state)
{
    const char *const *eids = old_fact_eids;
    cb_buf old = {0}, b = {0}, b2 = {0};
    cb_pack w;
    cb_person p, q;

    (void)state;
    pack_v1_head(&w, &old, 0x080); /* F_FACTS */
    cb_pack_int(&w, 3, 2);
    for (int i = 0; i < 3; i++) {
        cb_pack_int(&w, CB_FACT_BENEFIT, 1);
        cb_pack_int(&w, 1, 1);          /* scheme */
        cb_pack_int(&w, 320923, 6);     /* region */
        cb_pack_int(&w, 660 + i, 2);    /* period */
        cb_pack_int(&w, 15000, 6);      /* amount */
        cb_pack_int(&w, 255, 1);        /* paid: none */
        cb_pack_int(&w, -1, 6);         /* tier */
        cb_pack_int(&w, TW, 6);         /* township */
        cb_pack_str(&w, eids[i], strlen(eids[i]), 1);
    }
    assert_false(w.failed);
    assert_int_equal(old.len, 7 + 2 + 3 * 42);
    cb_person_init(&p);
    assert_int_equal(cb_person_decode(NULL, NULL, old.data, old.len, &p), 0);
    assert_old_facts(&p);
    encode(&p, &b);
    /* head, count, the first fact with its context (22 bytes: no stay, so
     * the township whole, and the region as the township's county, 0),
     * then a head and 3 bytes of id for each month after it */
    assert_int_equal(b.len, 7 + 1 + 22 + 2 * 4);
    assert_int_equal((unsigned char)b.data[1], 0x80); /* F_FACTS and */
    assert_int_equal((unsigned char)b.data[2], 0x20); /* F_CFACTS */
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
    assert_old_facts(&q);
    encode(&q, &b2);
    assert_same_bytes(&b, &b2);
    assert_refuses_truncations(dec_person, &b, &q);
    /* the same bytes read as the first layout are refused */
    b.data[2] &= (char)~0x20;
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), -1);
    b.data[2] |= 0x20;
    cb_person_free(&p);
    cb_person_free(&q);
    cb_buf_free(&old);
    cb_buf_free(&b);
    cb_buf_free(&b2);
}

static void test_person_round_trip(void **state)
{
    (void)state;
    cb_person p, q;
    cb_buf b = {0}, b2 = {0};

    full_person(&p);
    encode(&p, &b);
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);

    assert_int_equal(q.birth, cb_date_from_ymd(1950, 2, 28));
    assert_int_equal(q.male, 1);
    assert_int_equal(q.snapbasic, 1);
    assert_int_equal(q.has_stay, 1);
    assert_int_equal(q.stay.tw, TW);
    assert_int_equal(q.stay.since, 19000);
    assert_int_equal(q.stay.st, STAMP(19000, 100));
    assert_int_equal(q.has_leave, 1);
    assert_int_equal(q.leave.tw, TW + 2);
    assert_int_equal(q.leave.out, 19500);
    assert_int_equal(q.leave.st, STAMP(19500, 200));
    assert_int_equal(q.has_student, 1);
    assert_int_equal(q.student.v, 1);
    assert_int_equal(q.student.st, STAMP(19000, 100));
    assert_int_equal(q.nnotices, 3);
    assert_str(&q.notices[0].eid, "dn-1");
    assert_int_equal(q.notices[0].date, 19590);
    assert_int_equal(q.notices[0].tw, TW + 1);
    assert_int_equal(q.notices[0].name.len, 0);
    assert_str(&q.notices[1].eid, "dn-2");
    assert_int_equal(q.notices[1].date, 19600);
    assert_str(&q.notices[2].eid, "dn-3");
    assert_int_equal(q.notices[2].date, 19580);
    assert_int_equal(q.notices[2].tw, 0);
    assert_str(&q.notices[2].name, "Zhang Shan");
    assert_str(&q.notices[2].norm, "ZhangShan");
    assert_int_equal(q.naliases, 1);
    assert_str(&q.aliases[0].name, "Zhang.Shan");
    assert_str(&q.aliases[0].norm, "Zhang\xc2\xb7Shan");
    assert_int_equal(q.aliases[0].neids, 1);
    assert_str(&q.aliases[0].eids[0], "as-1");
    assert_int_equal(q.nverdicts, 1);
    assert_int_equal(q.verdicts[0].kind, CB_REVIEW_DEATH_UNCONFIRMED);
    assert_int_equal(q.verdicts[0].verdict, CB_VERDICT_REJECT);
    assert_int_equal(q.verdicts[0].at, INT64_C(1700000000123));
    assert_str(&q.verdicts[0].other, "ZhangShan");
    assert_int_equal(q.has_name, 1);
    assert_str(&q.name, "Zhang San");
    /* the rows behind the slots a lead's source reads */
    assert_str(&q.eids.stay, "hh-1");
    assert_str(&q.eids.leave, "hh-2");
    assert_str(&q.eids.basic[0], "en-0");
    assert_str(&q.eids.basic[1], "");
    for (int s = 0; s < CB_SCHEMES; s++)
        assert_int_equal(q.has_scheme[s], s == 0 || s == 1 || s == 3);
    assert_int_equal(q.schemes[0].on, 1);
    assert_int_equal(q.schemes[0].date, 18000);
    assert_int_equal(q.schemes[0].st, STAMP(18000, 5));
    assert_int_equal(q.schemes[3].on, 0);
    assert_int_equal(q.schemes[3].st, STAMP(18100, 6));
    assert_int_equal(q.schemes[1].st, STAMP(18200, 7));
    assert_int_equal(q.nroster, 3);
    assert_int_equal(q.roster[0].identity, 1);
    assert_int_equal(q.roster[0].from, 18400);
    assert_int_equal(q.roster[0].to, 18800);
    assert_int_equal(q.roster[0].st, STAMP(18400, 9));
    assert_int_equal(q.roster[1].identity, 4);
    assert_int_equal(q.roster[1].to, CB_DATE_OPEN_END);
    assert_int_equal(q.roster[2].identity, 7);
    assert_int_equal(q.nown, 2);
    assert_str(&q.own[0].uscc, USCC);
    assert_int_equal(q.own[0].active, 1);
    assert_int_equal(q.own[0].est, 17500);
    assert_int_equal(q.own[0].dereg, 19550);
    assert_int_equal(q.own[0].st, STAMP(18100, 11));
    assert_str(&q.own[1].uscc, USCC2);
    assert_int_equal(q.own[1].dereg, 0);
    assert_int_equal(q.nfacts, 3);
    /* by period, then event id */
    assert_str(&q.facts[0].eid, "f-1");
    assert_str(&q.facts[1].eid, "f-2");
    assert_str(&q.facts[2].eid, "f-3");
    assert_int_equal(q.facts[0].k, 1);
    assert_int_equal(q.facts[0].amount, 800);
    assert_int_equal(q.facts[1].amount, -5);
    assert_int_equal(q.facts[1].paid, 255);
    assert_int_equal(q.facts[1].tier, -1);
    assert_int_equal(q.facts[2].period, 650);
    assert_int_equal(q.facts[2].paid, CB_PAID_GOVERNMENT);
    assert_int_equal(q.facts[2].tier, 3000);
    assert_int_equal(q.facts[2].region, 320923);
    assert_int_equal(q.facts[2].township, TW);

    encode(&q, &b2);
    assert_same_bytes(&b, &b2);

    /* decoding into a person that holds a state replaces it */
    cb_person_free(&q);
    full_person(&q);
    cb_op more = op_fact(0, 1, 700, 1, 0, -1, "f-9");
    apply(&q, &more);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
    encode(&q, &b2);
    assert_same_bytes(&b, &b2);

    /* every truncation and a byte more are refused */
    assert_refuses_truncations(dec_person, &b, &q);
    /* another version */
    b.data[0] = 2;
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), -1);
    b.data[0] = 1;
    assert_int_equal(q.nfacts, 0); /* a refused value leaves it empty */
    assert_null(q.facts);
    /* flag 0x8000: a name group asked about the person, kept as it is */
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
    assert_int_equal(q.probed, 0);
    b.data[2] |= 0x80;
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
    assert_int_equal(q.probed, 1);
    encode(&q, &b2);
    assert_same_bytes(&b, &b2);

    cb_person_free(&p);
    cb_person_free(&q);
    cb_buf_free(&b);
    cb_buf_free(&b2);
}

/* The same ops in any order, each once or twice, make the same bytes. */
static void test_person_canonical(void **state)
{
    (void)state;
    cb_op ops[] = {
        op_hh(19000, 100, TW, CB_HH_MOVE_IN, 0, "Old Name", "hh-1"),
        op_hh(19200, 300, TW + 5, CB_HH_ADDRESS_CHANGE, 1, "New Name",
              "hh-3"),
        op_hh(19100, 200, TW + 9, CB_HH_MOVE_OUT, -1, "Mid Name", "hh-2"),
        op_death(19600, TW, "dn-b"),
        op_death(19590, TW + 1, "dn-c"),
        op_death(19700, TW + 2, "dn-a"),
        op_death_named(19500, TW, "dn-d", "Old Name"),
        op_roster_named(209, 18000, 18000, 1, "Old  Name", "as-b"),
        op_roster_named(209, 18000, 18000, 2, "Ｏｌｄ Name", "as-a"),
        op_roster_named(208, 18000, 18000, 3, "Other", "as-c"),
        op_review(CB_REVIEW_NAME_MISMATCH, CB_VERDICT_CONFIRM, 5, "Other"),
        op_review(CB_REVIEW_NAME_MISMATCH, CB_VERDICT_REJECT, 6, "Other"),
        op_review(CB_REVIEW_DEATH_UNCONFIRMED, CB_VERDICT_CONFIRM, 6,
                  "OldName"),
        op_review(CB_REVIEW_DEATH_UNCONFIRMED, CB_VERDICT_REJECT, 6,
                  "OldName"),
        op_enr(0, 1, 18000, 5, 0, TW),
        op_enr(0, 0, 18500, 5, 0, TW),
        op_enr(5, 1, 18100, 6, 0, TW),
        op_enr(2, 1, 18200, 7, 1, TW),
        op_roster(4, 18500, CB_DATE_OPEN_END, 18500, 8),
        op_roster(4, 18000, 18300, 18000, 8),
        op_roster(0, 18400, 18800, 18400, 9),
        op_roster(200, 18400, 18800, 18400, 9),
        op_own(USCC2, 1, 17000, 0, 18000, 10),
        op_own(USCC, 1, 17500, 0, 18100, 11),
        op_own("SHORT", 1, 17600, 0, 18100, 11),
        op_own(USCC, 1, 17500, 19550, 18000, 3),
        op_fact(1, 1, 640, 12000, CB_PAID_GOVERNMENT, 3000, "f-b"),
        op_fact(0, 0, 640, 100, 255, -1, "f-bb"),
        op_fact(1, 0, 640, 800, 0, -1, "f-b\xff"),
        op_fact(1, 0, 640, 800, 0, -1, "f-a"),
        op_fact(1, 0, 630, 800, 0, -1, "f-z"),
    };
    size_t n = sizeof(ops) / sizeof(ops[0]);
    cb_buf want = {0}, got = {0};
    cb_person p;

    cb_person_init(&p);
    for (size_t i = 0; i < n; i++)
        apply(&p, &ops[i]);
    encode(&p, &want);
    assert_int_equal(p.nown, 3);
    assert_str(&p.own[0].uscc, "SHORT"); /* the length byte first */
    assert_str(&p.name, "New Name");
    assert_int_equal(p.stay.tw, TW + 5);
    assert_int_equal(p.roster[0].identity, 0);
    assert_int_equal(p.roster[1].identity, 4);
    assert_int_equal(p.roster[1].to, CB_DATE_OPEN_END);
    assert_int_equal(p.roster[2].identity, 200);
    /* by period, then bytes: a prefix first, bytes unsigned */
    assert_str(&p.facts[0].eid, "f-z");
    assert_str(&p.facts[1].eid, "f-a");
    assert_str(&p.facts[2].eid, "f-b");
    assert_str(&p.facts[3].eid, "f-bb");
    assert_str(&p.facts[4].eid, "f-b\xff");
    /* one alias a normal form: the name of the smallest id */
    assert_int_equal(p.naliases, 2);
    assert_str(&p.aliases[0].norm, "OldName");
    assert_str(&p.aliases[0].name, "\xef\xbc\xaf\xef\xbd\x8c\xef\xbd\x84 Name");
    assert_int_equal(p.aliases[0].neids, 2);
    assert_str(&p.aliases[0].eids[0], "as-a");
    assert_str(&p.aliases[0].eids[1], "as-b");
    /* the latest verdict; on a tie of times, the greater verdict */
    assert_int_equal(p.nverdicts, 2);
    for (size_t i = 0; i < p.nverdicts; i++)
        assert_int_equal(p.verdicts[i].verdict, CB_VERDICT_REJECT);
    cb_person_free(&p);

    /* reverse, odd then even, rotated by each step, and all twice */
    for (int order = 0; order < 3 + (int)n; order++) {
        for (int twice = 0; twice < 2; twice++) {
            cb_person_init(&p);
            for (int round = 0; round <= twice; round++) {
                for (size_t i = 0; i < n; i++) {
                    size_t j;
                    if (order == 0)
                        j = n - 1 - i;
                    else if (order == 1)
                        j = i < (n + 1) / 2 ? 2 * i : 2 * (i - (n + 1) / 2)
                                                        + 1;
                    else
                        j = (i + (size_t)order) % n;
                    apply(&p, &ops[j]);
                }
            }
            encode(&p, &got);
            assert_same_bytes(&want, &got);
            cb_person_free(&p);
        }
    }

    /* lists built in any order by hand encode the same: roster, own and
     * facts are sorted by encode */
    cb_person a, z;
    cb_person_init(&a);
    assert_int_equal(cb_person_decode(NULL, NULL, want.data, want.len, &a), 0);
    cb_person_init(&z);
    assert_int_equal(cb_person_decode(NULL, NULL, want.data, want.len, &z), 0);
    for (size_t i = 0; i < z.nroster / 2; i++) {
        cb_roster_state t = z.roster[i];
        z.roster[i] = z.roster[z.nroster - 1 - i];
        z.roster[z.nroster - 1 - i] = t;
    }
    for (size_t i = 0; i < z.nown / 2; i++) {
        cb_own_state t = z.own[i];
        z.own[i] = z.own[z.nown - 1 - i];
        z.own[z.nown - 1 - i] = t;
    }
    for (size_t i = 0; i < z.nfacts / 2; i++) {
        cb_fact t = z.facts[i];
        z.facts[i] = z.facts[z.nfacts - 1 - i];
        z.facts[z.nfacts - 1 - i] = t;
    }
    encode(&z, &got);
    assert_same_bytes(&want, &got);
    encode(&a, &got);
    assert_same_bytes(&want, &got);
    cb_person_free(&a);
    cb_person_free(&z);
    cb_buf_free(&want);
    cb_buf_free(&got);
}

/* Applies a and b to an empty person in both orders and checks both give
 * the same bytes; leaves the person of a-then-b in *p. */
static void both_orders(const cb_op *a, const cb_op *b, cb_person *p)
{
    cb_person q;
    cb_buf x = {0}, y = {0};

    cb_person_init(p);
    cb_person_init(&q);
    apply(p, a);
    apply(p, b);
    apply(&q, b);
    apply(&q, a);
    encode(p, &x);
    encode(&q, &y);
    assert_same_bytes(&x, &y);
    cb_person_free(&q);
    cb_buf_free(&x);
    cb_buf_free(&y);
}

static void test_person_ties(void **state)
{
    (void)state;
    cb_person p;
    cb_op a, b;

    /* stay: the greater township */
    a = op_hh(19000, 77, 100, CB_HH_MOVE_IN, -1, "", "x1");
    b = op_hh(19000, 77, 200, CB_HH_ADDRESS_CHANGE, -1, "", "x2");
    both_orders(&a, &b, &p);
    assert_int_equal(p.stay.tw, 200);
    assert_int_equal(p.has_name, 0); /* an empty name names nobody */
    cb_person_free(&p);

    /* leaving: the greater township */
    a = op_hh(19000, 77, 300, CB_HH_MOVE_OUT, -1, "", "x1");
    b = op_hh(19000, 77, 200, CB_HH_MOVE_OUT, -1, "", "x2");
    both_orders(&a, &b, &p);
    assert_int_equal(p.has_leave, 1);
    assert_int_equal(p.leave.tw, 300);
    assert_int_equal(p.has_stay, 0);
    cb_person_free(&p);

    /* the name: the greater name on a tie, latest otherwise */
    a = op_hh(19000, 77, 100, CB_HH_MOVE_IN, -1, "Zhang", "x1");
    b = op_hh(19000, 77, 100, CB_HH_MOVE_IN, -1, "Li", "x2");
    both_orders(&a, &b, &p);
    assert_str(&p.name, "Zhang");
    b = op_hh(18000, 77, 100, CB_HH_MOVE_IN, -1, "Older", "x3");
    apply(&p, &b);
    assert_str(&p.name, "Zhang");
    b = op_hh(19000, 78, 100, CB_HH_MOVE_OUT, -1, "Later", "x4");
    apply(&p, &b);
    assert_str(&p.name, "Later");
    /* a row later than the stay but not than the leaving row */
    b = op_hh(19000, 77, 999, CB_HH_MOVE_IN, -1, "Tie Stay", "x5");
    apply(&p, &b);
    assert_str(&p.name, "Later");
    assert_int_equal(p.stay.tw, 999); /* the stay itself moves */
    cb_person_free(&p);

    /* student: true */
    a = op_hh(19000, 77, 100, CB_HH_MOVE_IN, 1, "", "x1");
    b = op_hh(19000, 77, 100, CB_HH_MOVE_IN, 0, "", "x2");
    both_orders(&a, &b, &p);
    assert_int_equal(p.has_student, 1);
    assert_int_equal(p.student.v, 1);
    b = op_hh(19001, 0, 100, CB_HH_MOVE_IN, -1, "", "x3");
    apply(&p, &b); /* no student field: the student stays */
    assert_int_equal(p.student.v, 1);
    b = op_hh(19001, 0, 100, CB_HH_MOVE_IN, 0, "", "x4");
    apply(&p, &b);
    assert_int_equal(p.student.v, 0);
    assert_int_equal(p.student.st, STAMP(19001, 0));
    cb_person_free(&p);

    /* enrollment: stop */
    a = op_enr(1, 1, 19000, 77, 0, 0);
    b = op_enr(1, 0, 19000, 77, 0, 0);
    both_orders(&a, &b, &p);
    assert_int_equal(p.schemes[1].on, 0);
    cb_person_free(&p);

    /* rows alike in all a slot keeps but their event ids: the smaller id
     * (RULES.md 1), which the slot keeps for a lead's source */
    a = op_hh(19000, 77, 100, CB_HH_MOVE_IN, -1, "", "hh-9");
    b = op_hh(19000, 77, 100, CB_HH_ADDRESS_CHANGE, -1, "", "hh-10");
    both_orders(&a, &b, &p);
    assert_str(&p.eids.stay, "hh-10");
    cb_person_free(&p);
    a = op_hh(19000, 77, 100, CB_HH_MOVE_OUT, -1, "", "hh-3");
    b = op_hh(19000, 77, 100, CB_HH_MOVE_OUT, -1, "", "hh-4");
    both_orders(&a, &b, &p);
    assert_str(&p.eids.leave, "hh-3");
    cb_person_free(&p);
    a = op_enr(CB_SCHEME_RESIDENT_PENSION, 1, 19000, 77, 0, 0);
    a.eid = S("en-2");
    b = op_enr(CB_SCHEME_RESIDENT_PENSION, 1, 19000, 77, 0, 0);
    b.eid = S("en-1");
    both_orders(&a, &b, &p);
    assert_str(&p.eids.basic[1], "en-1");
    /* a later row takes the slot and its id; a scheme not basic keeps
     * none */
    a = op_enr(CB_SCHEME_RESIDENT_PENSION, 0, 19001, 0, 0, 0);
    a.eid = S("en-3");
    apply(&p, &a);
    assert_str(&p.eids.basic[1], "en-3");
    a = op_enr(CB_SCHEME_RESIDENT_MEDICAL, 1, 19001, 0, 0, 0);
    a.eid = S("en-4");
    apply(&p, &a);
    assert_null(cb_person_basic_eid(&p, CB_SCHEME_RESIDENT_MEDICAL));
    assert_str(&p.eids.basic[0], "");
    cb_person_free(&p);

    /* roster: the later valid_to (open-ended latest), then valid_from */
    a = op_roster(2, 18000, CB_DATE_OPEN_END, 19000, 77);
    b = op_roster(2, 18500, 19999, 19000, 77);
    both_orders(&a, &b, &p);
    assert_int_equal(p.roster[0].to, CB_DATE_OPEN_END);
    assert_int_equal(p.roster[0].from, 18000);
    cb_person_free(&p);
    a = op_roster(2, 18000, 19999, 19000, 77);
    b = op_roster(2, 18500, 19999, 19000, 77);
    both_orders(&a, &b, &p);
    assert_int_equal(p.roster[0].from, 18500);
    /* an older row loses whatever its values */
    b = op_roster(2, 1, CB_DATE_OPEN_END, 19000, 76);
    apply(&p, &b);
    assert_int_equal(p.roster[0].from, 18500);
    assert_int_equal(p.roster[0].to, 19999);
    cb_person_free(&p);

    /* ownership: not representing wins a tie */
    a = op_own(USCC, 1, 17000, 0, 19000, 77);
    b = op_own(USCC, 0, 17000, 0, 19000, 77);
    cb_person_init(&p);
    apply(&p, &a);
    apply(&p, &b);
    assert_int_equal(p.nown, 0);
    cb_person_free(&p);
}

/* Every death notice is kept with its date, township and name, in the
 * order of their ids, once each: which apply is the rules' to say. */
static void test_person_death(void **state)
{
    (void)state;
    cb_op ops[] = {
        op_death(20000, 2, "d-b"),
        op_death_named(20010, 1, "d-a", "Wang Wu"),
        op_death(19990, 3, "d-c"),
    };
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                    {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    cb_buf want = {0}, got = {0};
    cb_person p;

    for (int k = 0; k < 6; k++) {
        cb_person_init(&p);
        for (int i = 0; i < 3; i++)
            apply(&p, &ops[perms[k][i]]);
        assert_int_equal(p.nnotices, 3);
        assert_str(&p.notices[0].eid, "d-a");
        assert_int_equal(p.notices[0].date, 20010);
        assert_int_equal(p.notices[0].tw, 1);
        assert_str(&p.notices[0].name, "Wang Wu");
        assert_str(&p.notices[0].norm, "WangWu");
        assert_str(&p.notices[1].eid, "d-b");
        assert_int_equal(p.notices[1].date, 20000);
        assert_int_equal(p.notices[1].name.len, 0);
        assert_str(&p.notices[2].eid, "d-c");
        assert_int_equal(p.notices[2].tw, 3);
        /* a notice seen again changes nothing, whatever it says */
        cb_op again = op_death_named(10000, 9, "d-b", "Other");
        encode(&p, k == 0 ? &want : &got);
        apply(&p, &again);
        assert_int_equal(p.nnotices, 3);
        assert_int_equal(p.notices[1].date, 20000);
        encode(&p, &got);
        assert_same_bytes(&want, &got);
        cb_person_free(&p);
    }
    cb_buf_free(&want);
    cb_buf_free(&got);
}

/* Notices as the first matcher packed them (F_DEATH: the earliest date,
 * the township of the smallest id, the ids) read as notices of that date
 * and township without names, which make the same death; they are packed
 * again as notices (F_NOTICES), and a state with both is refused. */
static void test_person_legacy_deaths(void **state)
{
    (void)state;
    /* <BHi3 1, F_DEATH, 0; <Hi6B 19990, TW, 2; "d-a", "d-b"; no schemes */
    static const unsigned char legacy[] = {
        0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x16, 0x4e, 0x80, 0xe5,
        0x20, 0x13, 0x00, 0x00, 0x02, 0x03, 0x64, 0x2d, 0x61, 0x03,
        0x64, 0x2d, 0x62, 0x00};
    /* <BHi3 1, F_NOTICES, 0; <B 2; then <Bc0i3i6Bc0 each; no schemes */
    static const unsigned char now[] = {
        0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,
        0x03, 0x64, 0x2d, 0x61, 0x16, 0x4e, 0x00,
        0x80, 0xe5, 0x20, 0x13, 0x00, 0x00, 0x00,
        0x03, 0x64, 0x2d, 0x62, 0x16, 0x4e, 0x00,
        0x80, 0xe5, 0x20, 0x13, 0x00, 0x00, 0x00, 0x00};
    cb_person p;
    cb_buf b = {0};

    cb_person_init(&p);
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)legacy,
                                      sizeof(legacy),
                                      &p), 0);
    assert_int_equal(p.nnotices, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(p.notices[i].date, 19990);
        assert_int_equal(p.notices[i].tw, TW);
        assert_int_equal(p.notices[i].name.len, 0);
    }
    assert_str(&p.notices[1].eid, "d-b");
    encode(&p, &b);
    assert_int_equal(b.len, sizeof(now));
    assert_memory_equal(b.data, now, sizeof(now));
    cb_buf legacy_buf = {(char *)legacy, sizeof(legacy), sizeof(legacy)};
    assert_refuses_truncations(dec_person, &legacy_buf, &p);
    /* F_DEATH and F_NOTICES together */
    b.data[1] = 0x08;
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &p), -1);
    cb_person_free(&p);
    cb_buf_free(&b);
}

static void test_person_facts(void **state)
{
    (void)state;
    cb_person p;
    cb_op a = op_fact(1, 0, 640, 800, 0, -1, "f-1");
    cb_op again = op_fact(0, 1, 600, 999, 2, 5, "f-1");
    cb_op b = op_fact(0, 1, 630, 100, 0, -1, "f-2");
    cb_op c = op_fact(0, 1, 650, 100, 0, -1, "f-3");

    cb_person_init(&p);
    apply(&p, &a);
    apply(&p, &again);
    assert_int_equal(p.nfacts, 1);
    assert_int_equal(p.facts[0].amount, 800); /* the first one stays */
    assert_int_equal(p.facts[0].period, 640);
    apply(&p, &c);
    apply(&p, &b);
    assert_int_equal(p.nfacts, 3);

    /* dropping keeps the order of those left */
    cb_person_drop_facts(&p, 640);
    assert_int_equal(p.nfacts, 2);
    assert_str(&p.facts[0].eid, "f-1");
    assert_str(&p.facts[1].eid, "f-3");
    cb_person_drop_facts(&p, 651);
    assert_int_equal(p.nfacts, 0);

    cb_buf x = {0};
    encode(&p, &x);
    assert_int_equal(x.data[1] & 0x80, 0); /* no facts section */
    apply(&p, &b); /* the array is still usable */
    assert_int_equal(p.nfacts, 1);
    cb_buf_free(&x);
    cb_person_free(&p);
}

static void test_person_own(void **state)
{
    (void)state;
    cb_person p;
    cb_op o;

    cb_person_init(&p);
    /* not representing a business the person does not know: nothing */
    o = op_own(USCC, 0, 17000, 0, 19000, 5);
    apply(&p, &o);
    assert_int_equal(p.nown, 0);
    assert_null(p.own);

    o = op_own(USCC, 1, 17000, 0, 19000, 5);
    apply(&p, &o);
    assert_int_equal(p.nown, 1);
    assert_int_equal(p.own[0].est, 17000);
    assert_int_equal(p.own[0].dereg, 0);

    /* an older row: its dereg counts (the earliest), nothing else */
    o = op_own(USCC, 1, 16000, 19550, 18000, 5);
    apply(&p, &o);
    assert_int_equal(p.own[0].est, 17000);
    assert_int_equal(p.own[0].st, STAMP(19000, 5));
    assert_int_equal(p.own[0].dereg, 19550);
    o = op_own(USCC, 1, 17100, 19600, 19100, 5);
    apply(&p, &o);
    assert_int_equal(p.own[0].est, 17100);
    assert_int_equal(p.own[0].st, STAMP(19100, 5));
    assert_int_equal(p.own[0].dereg, 19550); /* the earliest stays */
    o = op_own(USCC, 1, 17100, 0, 19200, 5);
    apply(&p, &o);
    assert_int_equal(p.own[0].dereg, 19550); /* 0 takes nothing back */
    o = op_own(USCC, 1, 17100, 19500, 17000, 5);
    apply(&p, &o);
    assert_int_equal(p.own[0].dereg, 19500);

    /* an older "no longer represents" is not heard */
    o = op_own(USCC, 0, 17100, 0, 19000, 5);
    apply(&p, &o);
    assert_int_equal(p.nown, 1);

    o = op_own(USCC2, 1, 15000, 0, 15000, 5);
    apply(&p, &o);
    assert_int_equal(p.nown, 2);

    /* a later one forgets the business */
    o = op_own(USCC, 0, 17100, 0, 19300, 5);
    apply(&p, &o);
    assert_int_equal(p.nown, 1);
    assert_str(&p.own[0].uscc, USCC2);
    o = op_own(USCC2, 0, 15000, 0, 15000, 6);
    apply(&p, &o);
    assert_int_equal(p.nown, 0);

    cb_buf b = {0};
    encode(&p, &b);
    assert_int_equal(b.data[1] & 0x40, 0); /* no ownership section */
    cb_buf_free(&b);
    cb_person_free(&p);
}

static void test_person_progress(void **state)
{
    (void)state;
    cb_person p;
    cb_op o;

    cb_person_init(&p);
    o = op_enr(0, 1, 19000, 5, 0, TW);
    assert_int_equal(apply(&p, &o), 1);
    o = op_enr(1, 1, 19000, 5, 0, TW);
    assert_int_equal(apply(&p, &o), 1);
    /* again: still counts (the store keeps the earliest date) */
    assert_int_equal(apply(&p, &o), 1);
    o = op_enr(2, 1, 19000, 5, 0, TW); /* not a pension */
    assert_int_equal(apply(&p, &o), 0);
    o = op_enr(0, 0, 19001, 5, 0, TW); /* a stop */
    assert_int_equal(apply(&p, &o), 0);
    o = op_enr(0, 1, 19002, 5, 0, 0); /* no township */
    assert_int_equal(apply(&p, &o), 0);
    o = op_enr(0, 1, 19003, 5, 0, -5);
    assert_int_equal(apply(&p, &o), 0);
    o = op_enr(3, 0, 19003, 5, 1, TW); /* a snapshot stop: not insured */
    assert_int_equal(apply(&p, &o), 0);
    assert_int_equal(p.snapbasic, 0);
    o = op_enr(0, 0, 19003, 5, 1, TW);
    assert_int_equal(apply(&p, &o), 0);
    assert_int_equal(p.snapbasic, 0);
    o = op_enr(4, 1, 19003, 5, 1, TW); /* a snapshot non-pension */
    assert_int_equal(apply(&p, &o), 0);
    assert_int_equal(p.snapbasic, 0);

    /* the snapshot had the person insured: no progress from then on,
     * and the flag survives encoding */
    o = op_enr(1, 1, 18000, 5, 1, TW);
    assert_int_equal(apply(&p, &o), 0);
    assert_int_equal(p.snapbasic, 1);
    o = op_enr(0, 1, 19010, 5, 0, TW);
    assert_int_equal(apply(&p, &o), 0);
    cb_buf b = {0};
    encode(&p, &b);
    cb_person q;
    cb_person_init(&q);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
    assert_int_equal(q.snapbasic, 1);
    assert_int_equal(apply(&q, &o), 0);

    /* other kinds never count */
    cb_op hh = op_hh(19000, 5, TW, CB_HH_MOVE_IN, -1, "", "h");
    assert_int_equal(apply(&p, &hh), 0);
    cb_buf_free(&b);
    cb_person_free(&p);
    cb_person_free(&q);
}

/* Arrays a caller allocated itself, exactly as long as their counts, take
 * more elements; a count the bytes cannot hold is refused. */
static void test_person_arrays(void **state)
{
    (void)state;
    cb_person p;
    cb_buf b = {0};

    cb_person_init(&p);
    p.facts = malloc(sizeof(*p.facts));
    assert_non_null(p.facts);
    p.facts[0] = (cb_fact){1, 0, 0, 320923, 100, -1, TW, 640, S("f-0")};
    p.nfacts = 1;
    p.notices = calloc(1, sizeof(*p.notices));
    assert_non_null(p.notices);
    p.notices[0].eid = S("d-z");
    p.notices[0].date = 20000;
    p.nnotices = 1;
    p.aliases = calloc(1, sizeof(*p.aliases));
    assert_non_null(p.aliases);
    p.aliases[0].norm = p.aliases[0].name = S("X");
    p.aliases[0].eids = malloc(sizeof(*p.aliases[0].eids));
    assert_non_null(p.aliases[0].eids);
    p.aliases[0].eids[0] = S("a-z");
    p.aliases[0].neids = 1;
    p.naliases = 1;
    p.verdicts = calloc(1, sizeof(*p.verdicts));
    assert_non_null(p.verdicts);
    p.verdicts[0].other = S("X");
    p.nverdicts = 1;
    p.roster = malloc(sizeof(*p.roster));
    assert_non_null(p.roster);
    p.roster[0] =
        (cb_roster_state){5, 18000, CB_DATE_OPEN_END, STAMP(18000, 1)};
    p.nroster = 1;
    p.own = malloc(sizeof(*p.own));
    assert_non_null(p.own);
    p.own[0] = (cb_own_state){S(USCC2), 1, 17000, 0, STAMP(18000, 1)};
    p.nown = 1;
    for (int i = 0; i < 4; i++) {
        char eid[8];
        snprintf(eid, sizeof(eid), "f-%d", i + 1);
        cb_op f = op_fact(0, 1, 641, 1, 0, -1, eid);
        apply(&p, &f);
        snprintf(eid, sizeof(eid), "d-%d", i);
        cb_op d = op_death(20001, TW, eid);
        apply(&p, &d);
        cb_op r = op_roster(i, 18000, 18100, 18000, 1);
        apply(&p, &r);
        snprintf(eid, sizeof(eid), "a-%d", i);
        cb_op n = op_roster_named(9, 18000, 18000, 1, i % 2 ? "X" : "Y", eid);
        apply(&p, &n);
        cb_op v = op_review(i % 2, 0, i, i % 2 ? "X" : "Z");
        apply(&p, &v);
        cb_op o = op_own(i % 2 ? USCC : "SHORT", 1, 17000, 0, 18000, 1);
        apply(&p, &o);
    }
    assert_int_equal(p.nfacts, 5);
    assert_int_equal(p.nnotices, 5);
    assert_str(&p.notices[0].eid, "d-0");
    assert_str(&p.notices[4].eid, "d-z");
    assert_int_equal(p.naliases, 2);
    assert_int_equal(p.aliases[0].neids, 3);
    assert_str(&p.aliases[0].eids[2], "a-z");
    assert_int_equal(p.nverdicts, 3);
    assert_int_equal(p.nroster, 6);
    assert_int_equal(p.roster[4].identity, 5);
    assert_int_equal(p.nown, 3);
    encode(&p, &b);
    cb_person_free(&p);
    assert_null(p.facts);
    assert_int_equal(p.nfacts, 0);
    assert_int_equal(cb_person_decode(NULL, NULL, b.data, b.len, &p), 0);
    assert_int_equal(p.nfacts, 5);
    cb_person_free(&p);

    /* 65535 facts in nine bytes; 255 deaths, rows, businesses in less
     * than they need */
    static const unsigned char facts[] = {1, 0x80, 0, 0, 0, 0, 0, 0xff,
                                          0xff};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)facts,
                                      sizeof(facts),
                                      &p), -1);
    static const unsigned char deaths[] = {1, 0x08, 0, 0, 0, 0, 0, 0,
                                           0, 0, 0, 0, 0, 0, 0xff, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)deaths,
                                      sizeof(deaths),
                                      &p), -1);
    static const unsigned char rows[] = {1, 0x20, 0, 0, 0, 0, 0, 0xff, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)rows,
                                      sizeof(rows), &p),
                     -1);
    static const unsigned char owns[] = {1, 0x40, 0, 0, 0, 0, 0, 0xff, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)owns,
                                      sizeof(owns), &p),
                     -1);
    static const unsigned char notices[] = {1, 0x00, 0x04, 0, 0, 0, 0xff,
                                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)notices,
                                      sizeof(notices), &p), -1);
    static const unsigned char aliases[] = {1, 0x00, 0x08, 0, 0, 0, 0, 0xff,
                                            0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)aliases,
                                      sizeof(aliases), &p), -1);
    /* an alias without a row is no alias */
    static const unsigned char bare[] = {1, 0x00, 0x08, 0, 0, 0, 0, 1,
                                         0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)bare,
                                      sizeof(bare), &p),
                     -1);
    static const unsigned char verdicts[] = {1, 0x00, 0x10, 0, 0, 0, 0, 0xff,
                                             0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(cb_person_decode(NULL, NULL, (const char *)verdicts,
                                      sizeof(verdicts), &p), -1);
    assert_null(p.facts);
    assert_null(p.notices);
    assert_null(p.aliases);
    assert_null(p.verdicts);
    cb_buf_free(&b);
}

/* ------------------------------------------------------------ employers */

static void test_employer_round_trip(void **state)
{
    (void)state;
    static const unsigned char want[] = {
        0x01, 0x03, 0x00, 0x01, 0x00, 0x38, 0x4a, 0x00, 0x80, 0xe5,
        0x20, 0x13, 0x00, 0x00, 0x42, 0x4a, 0x63, 0x00, 0x00, 0x04,
        0x53, 0x68, 0x6f, 0x70, 0x02, 0x52, 0x31, 0x4c, 0x4a};
    /* the same since names are packed as text (EF_TEXT, 16): each name's
     * head is its length times 2 (cb_pack_text) */
    static const unsigned char want_text[] = {
        0x01, 0x13, 0x00, 0x01, 0x00, 0x38, 0x4a, 0x00, 0x80, 0xe5,
        0x20, 0x13, 0x00, 0x00, 0x42, 0x4a, 0x63, 0x00, 0x00, 0x08,
        0x53, 0x68, 0x6f, 0x70, 0x04, 0x52, 0x31, 0x4c, 0x4a};
    cb_employer e, f;
    cb_buf b = {0}, b2 = {0};
    cb_own_change ch[CB_OWN_CHANGES_MAX];
    int n;

    cb_employer_init(&e);
    cb_op o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, 19000, TW, 19010,
                     99, "Shop", "R1", "b-1");
    assert_int_equal(cb_employer_apply(&e, &o, ch, &n), 0);
    o = op_reg(19020);
    assert_int_equal(cb_employer_apply(&e, &o, ch, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(cb_employer_encode(NULL, &e, &b), 0);
    /* want with EF_EIDS (8): the business row's id "b-1" (cb_pack_eid:
     * number 1, one digit, prefix "b-"), the registration's "" (its op
     * had none) */
    assert_int_equal(b.len, sizeof(want_text) + 6);
    assert_int_equal(b.data[1], 0x1b);
    assert_memory_equal(b.data + 2, want_text + 2, sizeof(want_text) - 2);
    assert_memory_equal(b.data + sizeof(want), "\x05\x01\x02" "b-" "\x00",
                        6);
    /* the layout before event ids and text reads, and packs with its
     * names as text */
    cb_employer_init(&f);
    assert_int_equal(cb_employer_decode(NULL, (const char *)want,
                                        sizeof(want), &f),
                     0);
    assert_int_equal(f.biz_eid.len, 0);
    assert_str(&f.name, "Shop");
    assert_int_equal(cb_employer_encode(NULL, &f, &b2), 0);
    assert_int_equal(b2.len, sizeof(want_text));
    assert_memory_equal(b2.data, want_text, sizeof(want_text));
    cb_employer_init(&f);
    assert_int_equal(cb_employer_decode(NULL, b2.data, b2.len, &f), 0);
    assert_str(&f.rep, "R1");
    /* a company's name in Chinese: 2 bytes an ideograph, not 3 */
    {
        static const char zh[] = "\xe9\x98\x9c\xe5\xae\x81\xe5\x8e\xbf"
                                 "\xe6\x96\xb0\xe6\xba\x90\xe6\x9c\x89"
                                 "\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8";
        size_t before = b2.len;
        f.name.len = (uint8_t)strlen(zh);
        memcpy(f.name.s, zh, f.name.len);
        assert_int_equal(cb_employer_encode(NULL, &f, &b2), 0);
        assert_int_equal(b2.len, before - (1 + 4) + (1 + 18));
        cb_employer g;
        cb_employer_init(&g);
        assert_int_equal(cb_employer_decode(NULL, b2.data, b2.len, &g), 0);
        assert_str(&g.name, zh);
        assert_str(&g.rep, "R1");
    }

    /* with a deregistration too */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, 0, 0, 19030, 1, "",
               "", "b-2");
    assert_int_equal(cb_employer_apply(&e, &o, ch, &n), 0);
    assert_int_equal(cb_employer_encode(NULL, &e, &b), 0);
    assert_int_equal(b.len, sizeof(want) + 6 + 2 + 5);
    assert_int_equal(b.data[1], 31);
    cb_employer_init(&f);
    assert_int_equal(cb_employer_decode(NULL, b.data, b.len, &f), 0);
    assert_int_equal(f.has_biz, 1);
    assert_int_equal(f.kind, CB_BIZ_INDIVIDUAL);
    assert_int_equal(f.action, CB_BIZ_ESTABLISHED);
    assert_int_equal(f.est, 19000);
    assert_int_equal(f.tw, TW);
    assert_int_equal(f.st, STAMP(19010, 99));
    assert_str(&f.name, "Shop");
    assert_str(&f.rep, "R1");
    assert_int_equal(f.has_reg, 1);
    assert_int_equal(f.reg, 19020);
    assert_int_equal(f.has_dereg, 1);
    assert_int_equal(f.dereg, 19030);
    assert_str(&f.biz_eid, "b-1");
    assert_str(&f.reg_eid, "");
    assert_str(&f.dereg_eid, "b-2");
    assert_int_equal(cb_employer_encode(NULL, &f, &b2), 0);
    assert_same_bytes(&b, &b2);
    assert_refuses_truncations(dec_employer, &b, &f);

    b.data[0] = 0;
    assert_int_equal(cb_employer_decode(NULL, b.data, b.len, &f), -1);
    b.data[0] = 1;
    b.data[1] = 32;
    assert_int_equal(cb_employer_decode(NULL, b.data, b.len, &f), -1);
    /* names as text without a business row to carry them */
    b.data[1] = 16 | 2;
    assert_int_equal(cb_employer_decode(NULL, b.data, b.len, &f), -1);

    /* an employer with nothing yet; only a registration */
    cb_employer_init(&e);
    assert_int_equal(cb_employer_encode(NULL, &e, &b), 0);
    assert_int_equal(b.len, 3);
    assert_int_equal(cb_employer_decode(NULL, b.data, b.len, &f), 0);
    assert_int_equal(f.has_biz + f.has_reg + f.has_dereg, 0);
    o = op_reg(19040);
    cb_employer_apply(&e, &o, ch, &n);
    o = op_reg(19035); /* the earliest */
    cb_employer_apply(&e, &o, ch, &n);
    o = op_reg(19050);
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(e.reg, 19035);
    /* of one date, the smaller event id, in either order */
    o = op_reg(19035);
    o.eid = S("r-2");
    cb_employer_apply(&e, &o, ch, &n);
    assert_str(&e.reg_eid, "");  /* "" (no id) is the smallest */
    cb_employer_init(&f);
    for (int k = 0; k < 2; k++) {
        cb_employer_init(&f);
        const char *ids[2] = {k ? "r-1" : "r-2", k ? "r-2" : "r-1"};
        for (int j = 0; j < 2; j++) {
            o = op_reg(19035);
            o.eid = S(ids[j]);
            cb_employer_apply(&f, &o, ch, &n);
        }
        assert_str(&f.reg_eid, "r-1");
    }
    assert_int_equal(cb_employer_encode(NULL, &e, &b), 0);
    assert_int_equal(cb_employer_decode(NULL, b.data, b.len, &f), 0);
    assert_int_equal(f.has_reg, 1);
    assert_int_equal(f.reg, 19035);
    assert_int_equal(f.has_biz, 0);
    cb_buf_free(&b);
    cb_buf_free(&b2);
}

static void assert_change(const cb_own_change *c, const char *rep,
                          int active, int32_t est, int32_t dereg, int64_t st,
                          const char *eid)
{
    assert_str(&c->rep, rep);
    assert_str(&c->uscc, USCC);
    assert_int_equal(c->active, active);
    assert_int_equal(c->est, est);
    assert_int_equal(c->dereg, dereg);
    assert_int_equal(c->st, st);
    assert_str(&c->eid, eid);
}

static void test_employer_apply(void **state)
{
    (void)state;
    cb_employer e;
    cb_own_change ch[CB_OWN_CHANGES_MAX];
    int n;
    cb_op o;

    cb_employer_init(&e);
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, 18000, TW, 18000, 5,
               "Shop", "A", "b-1");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "A", 1, 18000, 0, STAMP(18000, 5), "b-1");

    /* an older row: nothing */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18000, TW, 17999, 5,
               "Shop", "Z", "b-0");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 0);
    assert_str(&e.rep, "A");

    /* another representative: the old one loses it, the new one has it */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18001, TW, 18100, 5,
               "Shop", "B", "b-2");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 2);
    assert_change(&ch[0], "A", 0, 18001, 0, STAMP(18100, 5), "b-2");
    assert_change(&ch[1], "B", 1, 18001, 0, STAMP(18100, 5), "b-2");

    /* the same representative again: told again */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18001, TW, 18200, 5,
               "Shop 2", "B", "b-3");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "B", 1, 18001, 0, STAMP(18200, 5), "b-3");

    /* deregistered: the earliest date; the representative hears it with
     * the register's stamp */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, 0, 0, 18400, 1, "",
               "", "b-4");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "B", 1, 18001, 18400, STAMP(18200, 5), "b-4");
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, 0, 0, 18300, 1, "",
               "", "b-5");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(e.dereg, 18300);
    assert_change(&ch[0], "B", 1, 18001, 18300, STAMP(18200, 5), "b-5");
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, 0, 0, 18350, 1, "",
               "", "b-6");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(e.dereg, 18300);
    assert_str(&e.name, "Shop 2"); /* a deregistration changes no row */
    assert_int_equal(e.action, CB_BIZ_CHANGED);

    /* no longer an individual business: the representative loses it */
    o = op_biz(CB_BIZ_ENTERPRISE, CB_BIZ_CHANGED, 18001, TW, 18500, 5,
               "Shop Ltd", "B", "b-7");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "B", 0, 18001, 18300, STAMP(18500, 5), "b-7");
    o = op_biz(CB_BIZ_ENTERPRISE, CB_BIZ_DEREGISTERED, 0, 0, 18600, 1, "",
               "", "b-8");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 0);

    /* no representative: nobody to tell */
    cb_employer_init(&e);
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, 18000, TW, 18000, 5,
               "Stall", "", "c-1");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 0);
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18000, TW, 18001, 5,
               "Stall", "C", "c-2");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "C", 1, 18000, 0, STAMP(18001, 5), "c-2");
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18000, TW, 18002, 5,
               "Stall", "", "c-3");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "C", 0, 18000, 0, STAMP(18002, 5), "c-3");

    /* a deregistration before any row: kept, nobody told */
    cb_employer_init(&e);
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, 0, 0, 18600, 1, "",
               "", "d-1");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 0);
    assert_int_equal(e.has_dereg, 1);
    assert_int_equal(e.has_biz, 0);
}

/* Every business row that names its representative sends the name to
 * that person (RULES.md 9.3): with the change of ownership it makes of
 * the person, else alone; never to another person. */
static void test_employer_names_rep(void **state)
{
    (void)state;
    cb_employer e;
    cb_own_change ch[CB_OWN_CHANGES_MAX];
    int n;
    cb_op o;

    cb_employer_init(&e);
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED, 18000, TW, 18000, 5,
               "Shop", "A", "b-1");
    o.rep_name = S("Li A");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_change(&ch[0], "A", 1, 18000, 0, STAMP(18000, 5), "b-1");
    assert_str(&ch[0].rep_name, "Li A");

    /* an older row changes nothing, but names A: a name alone */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18000, TW + 1, 17999, 5,
               "Shop", "A", "b-0");
    o.rep_name = S("Li  A");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ch[0].active, CB_OWN_NAME_ONLY);
    assert_str(&ch[0].rep, "A");
    assert_str(&ch[0].eid, "b-0");
    assert_str(&ch[0].rep_name, "Li  A");

    /* a new representative: the old one loses it without a name, the new
     * one has it with the row's */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_CHANGED, 18000, TW, 18100, 5,
               "Shop", "B", "b-2");
    o.rep_name = S("Wang B");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 2);
    assert_str(&ch[0].rep, "A");
    assert_int_equal(ch[0].rep_name.len, 0);
    assert_str(&ch[1].rep, "B");
    assert_str(&ch[1].rep_name, "Wang B");

    /* a deregistration naming someone else than the register: the
     * register's representative hears the date, the row's the name */
    o = op_biz(CB_BIZ_INDIVIDUAL, CB_BIZ_DEREGISTERED, 0, TW, 18400, 1, "",
               "C", "b-3");
    o.rep_name = S("Zhao C");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 2);
    assert_change(&ch[0], "B", 1, 18000, 18400, STAMP(18100, 5), "b-3");
    assert_int_equal(ch[0].rep_name.len, 0);
    assert_int_equal(ch[1].active, CB_OWN_NAME_ONLY);
    assert_str(&ch[1].rep, "C");
    assert_str(&ch[1].rep_name, "Zhao C");

    /* an enterprise owns nothing of its representative's, but names him */
    cb_employer_init(&e);
    o = op_biz(CB_BIZ_ENTERPRISE, CB_BIZ_ESTABLISHED, 18000, TW, 18000, 5,
               "Works", "D", "e-1");
    o.rep_name = S("Sun D");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ch[0].active, CB_OWN_NAME_ONLY);
    assert_str(&ch[0].rep_name, "Sun D");
    /* no name, or no representative: nothing */
    o = op_biz(CB_BIZ_ENTERPRISE, CB_BIZ_CHANGED, 18000, TW, 18001, 5,
               "Works", "D", "e-2");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 0);
    o = op_biz(CB_BIZ_ENTERPRISE, CB_BIZ_CHANGED, 18000, TW, 18002, 5,
               "Works", "", "e-3");
    o.rep_name = S("Nobody");
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(n, 0);
}

/* Two business rows of one stamp: greater action, kind, established,
 * township, name, representative -- whichever comes first. */
static void test_employer_ties(void **state)
{
    (void)state;
    struct {
        cb_op lo, hi;
    } cases[6];
    cb_own_change ch[CB_OWN_CHANGES_MAX];
    int n;

    cases[0].lo = op_biz(0, 0, 9, 9, 19000, 1, "z", "z", "e1");
    cases[0].hi = op_biz(0, 1, 1, 1, 19000, 1, "a", "a", "e2");
    cases[1].lo = op_biz(0, 1, 9, 9, 19000, 1, "z", "z", "e1");
    cases[1].hi = op_biz(3, 1, 1, 1, 19000, 1, "a", "a", "e2");
    cases[2].lo = op_biz(2, 1, 8, 9, 19000, 1, "z", "z", "e1");
    cases[2].hi = op_biz(2, 1, 9, 1, 19000, 1, "a", "a", "e2");
    cases[3].lo = op_biz(2, 1, 9, 1, 19000, 1, "z", "z", "e1");
    cases[3].hi = op_biz(2, 1, 9, 2, 19000, 1, "a", "a", "e2");
    cases[4].lo = op_biz(2, 1, 9, 2, 19000, 1, "ab", "z", "e1");
    cases[4].hi = op_biz(2, 1, 9, 2, 19000, 1, "b", "a", "e2");
    cases[5].lo = op_biz(2, 1, 9, 2, 19000, 1, "b", "ab", "e1");
    cases[5].hi = op_biz(2, 1, 9, 2, 19000, 1, "b", "b", "e2");
    for (int i = 0; i < 6; i++) {
        for (int order = 0; order < 2; order++) {
            cb_employer e;
            cb_employer_init(&e);
            cb_employer_apply(&e, order ? &cases[i].hi : &cases[i].lo, ch,
                              &n);
            cb_employer_apply(&e, order ? &cases[i].lo : &cases[i].hi, ch,
                              &n);
            assert_int_equal(e.action, cases[i].hi.action);
            assert_int_equal(e.kind, cases[i].hi.bkind);
            assert_int_equal(e.est, cases[i].hi.est);
            assert_int_equal(e.tw, cases[i].hi.township);
            assert_int_equal(cb_str_cmp(&e.name, &cases[i].hi.name), 0);
            assert_int_equal(cb_str_cmp(&e.rep, &cases[i].hi.rep), 0);
        }
    }
}

/* ------------------------------------------------------------- garbage */

/* Bytes that are not a state: every decoder either refuses them or gives
 * a value that encodes and decodes again; none reads past the end. */
static void test_garbage(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    cb_buf full = {0}, b = {0}, emp = {0}, keyed = {0};
    cb_person p, q;
    cb_employer e;
    cb_op op;
    const char *id = keyed_number();

    full_person(&p);
    encode(&p, &full);
    assert_int_equal(cb_person_encode(NULL, &p, id, &keyed), 0);
    cb_person_free(&p);
    cb_employer_init(&e);
    cb_op o = op_biz(1, 1, 19000, TW, 19010, 99, "Shop", "R1", "b-1");
    int n;
    cb_own_change ch[CB_OWN_CHANGES_MAX];
    cb_employer_apply(&e, &o, ch, &n);
    o = op_reg(19020);
    cb_employer_apply(&e, &o, ch, &n);
    assert_int_equal(cb_employer_encode(NULL, &e, &emp), 0);

    cb_person_init(&q);
    /* rounds: the person, the employer, the person byte by byte, the
     * person packed against its number (read with it) */
    for (int round = 0; round < 4; round++) {
        const cb_buf *src = round == 1 ? &emp : round == 3 ? &keyed : &full;
        for (size_t at = 0; at < src->len; at++) {
            for (int v = 0; v < 256; v += round == 2 ? 1 : 37) {
                char *m = malloc(src->len);
                assert_non_null(m);
                memcpy(m, src->data, src->len);
                m[at] = (char)v;
                if (cb_person_decode(NULL, NULL, m, src->len, &q) == 0) {
                    encode(&q, &b);
                    assert_int_equal(
                        cb_person_decode(NULL, NULL, b.data, b.len, &q), 0);
                }
                if (cb_person_decode(NULL, id, m, src->len, &q) == 0) {
                    assert_int_equal(cb_person_encode(NULL, &q, id, &b), 0);
                    assert_int_equal(cb_person_decode(NULL, id, b.data, b.len,
                                                      &q),
                                     0);
                }
                if (cb_employer_decode(NULL, m, src->len, &e) == 0)
                    assert_int_equal(cb_employer_encode(NULL, &e, &b), 0);
                (void)cb_op_decode(m, src->len, &op);
                free(m);
            }
        }
    }
    for (int i = 0; i < 20000; i++) {
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 16) % 96;
        char *m = malloc(len ? len : 1);
        assert_non_null(m);
        for (size_t j = 0; j < len; j++) {
            seed = seed * 1103515245u + 12345u;
            m[j] = (char)(seed >> 16);
        }
        if (len > 0)
            m[0] = (char)(1 + i % 10); /* a version or a known kind */
        if (cb_person_decode(NULL, NULL, m, len, &q) == 0)
            encode(&q, &b);
        if (cb_person_decode(NULL, id, m, len, &q) == 0)
            assert_int_equal(cb_person_encode(NULL, &q, id, &b), 0);
        (void)cb_employer_decode(NULL, m, len, &e);
        (void)cb_op_decode(m, len, &op);
        free(m);
    }
    cb_person_free(&q);
    cb_buf_free(&full);
    cb_buf_free(&keyed);
    cb_buf_free(&emp);
    cb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_cmp),
        cmocka_unit_test(test_op_household),
        cmocka_unit_test(test_op_death),
        cmocka_unit_test(test_op_enrollment),
        cmocka_unit_test(test_op_fact),
        cmocka_unit_test(test_op_roster),
        cmocka_unit_test(test_op_business),
        cmocka_unit_test(test_op_tick_decide),
        cmocka_unit_test(test_op_ownership),
        cmocka_unit_test(test_person_golden_bytes),
        cmocka_unit_test(test_person_text),
        cmocka_unit_test(test_person_forms),
        cmocka_unit_test(test_person_round_trip),
        cmocka_unit_test(test_person_old_facts),
        cmocka_unit_test(test_person_cfacts),
        cmocka_unit_test(test_person_keyed),
        cmocka_unit_test(test_person_rfacts),
        cmocka_unit_test(test_person_canonical),
        cmocka_unit_test(test_person_ties),
        cmocka_unit_test(test_person_death),
        cmocka_unit_test(test_person_legacy_deaths),
        cmocka_unit_test(test_person_facts),
        cmocka_unit_test(test_person_own),
        cmocka_unit_test(test_person_progress),
        cmocka_unit_test(test_person_arrays),
        cmocka_unit_test(test_employer_round_trip),
        cmocka_unit_test(test_employer_apply),
        cmocka_unit_test(test_employer_names_rep),
        cmocka_unit_test(test_employer_ties),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
