/* test_group.c -- name groups (consumers/cb_group.h): the typing slips a
 * probable_typo allows, the packed state and messages (round trips, every
 * truncation refused), the merges, the review items of docs/RULES.md 9.3
 * on small hand-made groups, and the group and feed subjects of ops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_group.h"
#include "cb_ops.h"
#include "cb_pack.h"
#include "cb_time.h"

#define SP(lit) ((cb_span_ro){lit, sizeof(lit) - 1})

static const char P1[] = "320923198008081234"; /* valid: check 4 */
static const char P2[] = "320923198008081250"; /* same birth, male */
static const char P3[] = "320923198109091230"; /* another birth date */

/* The candidates a group asks about for a number as written: every valid
 * number one slip away (set equal to a brute force over all 18 places and
 * characters and the 17 adjacent swaps), each once, none invalid. */
static void test_candidates(void **state)
{
    static const char *written[] = {
        "320923198008081235", /* P1 with a wrong check character */
        "320923198080081234", /* P1 with two digits swapped */
        "32092319800808123X", "111111111111111111", "3209231980080812x4",
    };
    char cand[CB_GROUP_CANDIDATES_MAX][CB_IDENT_LEN + 1];

    (void)state;
    for (size_t w = 0; w < sizeof(written) / sizeof(*written); w++) {
        const char *wr = written[w];
        size_t n = cb_group_candidates(wr, cand), brute = 0;
        char id[CB_IDENT_LEN + 1];
        assert_true(n <= CB_GROUP_CANDIDATES_MAX);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(cb_ident_check_person(cand[i], CB_IDENT_LEN,
                                                   NULL),
                             CB_IDENT_OK);
            assert_true(cb_group_one_slip(cand[i], wr));
            for (size_t j = 0; j < i; j++)
                assert_string_not_equal(cand[i], cand[j]);
        }
        /* brute force: every string one slip away that is valid */
        for (int i = 0; i < 18; i++)
            for (int c = 0; c < 256; c++) {
                memcpy(id, wr, 18);
                id[18] = '\0';
                id[i] = (char)c;
                if (c != 0 && (unsigned char)wr[i] != c &&
                    cb_ident_check_person(id, 18, NULL) == CB_IDENT_OK)
                    brute++;
            }
        for (int i = 0; i < 17; i++) {
            memcpy(id, wr, 18);
            id[18] = '\0';
            id[i] = wr[i + 1];
            id[i + 1] = wr[i];
            if (wr[i] != wr[i + 1] &&
                cb_ident_check_person(id, 18, NULL) == CB_IDENT_OK)
                brute++;
        }
        assert_int_equal(n, brute);
    }
    /* the number meant is among them */
    int found = 0;
    size_t n = cb_group_candidates(written[0], cand);
    for (size_t i = 0; i < n; i++)
        found |= strcmp(cand[i], P1) == 0;
    assert_true(found);
}

static void test_one_slip(void **state)
{
    (void)state;
    /* one character */
    assert_true(cb_group_one_slip(P1, "320923198008081230"));
    assert_true(cb_group_one_slip(P1, "420923198008081234"));
    /* two adjacent swapped */
    assert_true(cb_group_one_slip(P1, "320923198080081234"));
    /* two apart swapped, two changed, the same number: none */
    assert_false(cb_group_one_slip(P1, "320923198008081432"));
    assert_false(cb_group_one_slip(P1, "320923198008081200"));
    assert_false(cb_group_one_slip(P1, P1));
    /* two adjacent changed, not swapped */
    assert_false(cb_group_one_slip(P1, "320923198008081354"));
}

static cb_group_fact F(int32_t period, int k, int64_t amount, const char *e)
{
    cb_group_fact f = {period, k, amount, {e, strlen(e)}};
    return f;
}

/* Applies a holder message as a step would: packed, unpacked, applied. */
static void hold(cb_group *g, const char *id, const char *name, int pension,
                 cb_group_fact *facts, size_t nfacts, cb_buf *keep)
{
    cb_holder h = {{id, 18}, {name, strlen(name)}, 320923008, pension,
                   facts, nfacts};
    cb_group_msg m;

    assert_int_equal(cb_group_msg_pack_holder(&h, keep), 0);
    assert_int_equal(cb_group_msg_unpack(keep->data, keep->len, &m), 0);
    assert_int_equal(m.type, CB_GMSG_HOLDER);
    assert_true(cb_holder_same(&m.holder, &h));
    assert_int_equal(cb_group_apply(g, &m), 0);
    cb_group_msg_free(&m);
}

static void suspect(cb_group *g, const char *eid, const char *written,
                    cb_buf *keep)
{
    cb_suspect_ref s = {{eid, strlen(eid)}, {written, 18}, SP("Wang"), 0,
                        CB_KIND_DEATH, SP("death.csv"), 7, SP("\x01\x02")};
    cb_group_msg m;

    assert_int_equal(cb_group_msg_pack_suspect(&s, keep), 0);
    assert_int_equal(cb_group_msg_unpack(keep->data, keep->len, &m), 0);
    assert_int_equal(m.type, CB_GMSG_SUSPECT);
    assert_int_equal(m.suspect.line, 7);
    assert_int_equal(cb_group_apply(g, &m), 0);
    cb_group_msg_free(&m);
}

static const cb_group_item *find(const cb_group_items *it, int kind)
{
    for (size_t i = 0; i < it->n; i++)
        if (it->v[i].kind == kind)
            return &it->v[i];
    return NULL;
}

static void test_typo(void **state)
{
    cb_group g;
    cb_group_items it = {0};
    cb_buf k[6] = {{0}};

    (void)state;
    cb_group_init(&g);
    hold(&g, P1, "Wang", 0, NULL, 0, &k[0]);
    suspect(&g, "d-2", "320923198080081234", &k[1]); /* swap: P1's */
    suspect(&g, "d-1", "320923198080081234", &k[2]); /* the same slip */
    suspect(&g, "d-1", "320923198080081234", &k[5]); /* seen: once */
    assert_int_equal(g.nsuspects, 2);
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 1);
    assert_int_equal(it.v[0].kind, CB_REVIEW_PROBABLE_TYPO);
    assert_memory_equal(it.v[0].subject.s, P1, 18);
    assert_memory_equal(it.v[0].other.s, "320923198080081234", 18);
    assert_int_equal(it.v[0].nevidence, 2);
    assert_memory_equal(it.v[0].evidence[0].s, "d-1", 3);
    assert_int_equal(it.v[0].nsuspects, 2);
    assert_int_equal(it.v[0].status, CB_REVIEW_OPEN);
    cb_group_items_free(&it);

    /* a second person one slip from the written number: ambiguous */
    hold(&g, "320923198008081250", "Wang", 0, NULL, 0, &k[3]);
    suspect(&g, "d-3", "320923198008081230", &k[4]); /* P1 or P2? */
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 1); /* only the swap's */
    cb_group_items_free(&it);

    /* a verdict stands for its item */
    cb_group_verdict v = {CB_REVIEW_PROBABLE_TYPO, CB_VERDICT_CORRECT, 5,
                          {P1, 18}, SP("320923198080081234")};
    assert_int_equal(cb_group_decide(&g, &v), 0);
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.v[0].status, CB_REVIEW_CORRECTED);
    assert_int_equal(it.v[0].resolved, 5);
    cb_group_items_free(&it);
    cb_group_free(&g);
    for (int i = 0; i < 6; i++)
        cb_buf_free(&k[i]);
}

static void test_duplicate(void **state)
{
    cb_group g;
    cb_group_items it = {0};
    cb_buf k[5] = {{0}};
    cb_group_fact a[] = {F(660, CB_FACT_BENEFIT, 15000, "b-1"),
                         F(661, CB_FACT_BENEFIT, 15000, "b-2"),
                         F(661, CB_FACT_CONTRIBUTION, 200, "c-1")};
    cb_group_fact b[] = {F(661, CB_FACT_BENEFIT, 9000, "b-3"),
                         F(661, CB_FACT_BENEFIT, 1000, "b-4"),
                         F(661, CB_FACT_CONTRIBUTION, 300, "c-2")};
    const cb_group_item *d;

    (void)state;
    cb_group_init(&g);
    hold(&g, P2, "Wang", 1, b, 3, &k[0]);
    hold(&g, P1, "Wang", 1, a, 3, &k[1]);
    hold(&g, P3, "Wang", 1, NULL, 0, &k[2]); /* another birth date */
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 1);
    d = find(&it, CB_REVIEW_DUPLICATE_IDENTITY);
    assert_non_null(d);
    assert_memory_equal(d->subject.s, P1, 18); /* the smaller */
    assert_memory_equal(d->other.s, P2, 18);
    /* the group's item leaves the amount and evidence to its readers */
    assert_int_equal(d->amount, 0);
    assert_int_equal(d->nevidence, 0);
    cb_group_items_free(&it);
    /* which compute them from the two holders with their facts: month
     * 661 both paid (15000 and 9000+1000), both contributed (200 and
     * 300); month 660 only one of them */
    cb_holder ha = {{P1, 18}, {"Wang", 4}, 0, 1, a, 3};
    cb_holder hb = {{P2, 18}, {"Wang", 4}, 0, 1, b, 3};
    cb_buf ev = {0};
    int64_t amount;
    assert_int_equal(cb_group_pair_risk(&ha, &hb, &amount, &ev), 0);
    assert_int_equal(amount, 10000 + 200);
    assert_int_equal(ev.len, strlen("b-2 b-3 b-4 c-1 c-2"));
    assert_memory_equal(ev.data, "b-2 b-3 b-4 c-1 c-2", ev.len);
    /* the same the other way round */
    assert_int_equal(cb_group_pair_risk(&hb, &ha, &amount, &ev), 0);
    assert_int_equal(amount, 10000 + 200);
    assert_memory_equal(ev.data, "b-2 b-3 b-4 c-1 c-2", ev.len);
    /* without facts: nothing at risk */
    ha.nfacts = 0;
    assert_int_equal(cb_group_pair_risk(&ha, &hb, &amount, &ev), 0);
    assert_int_equal(amount, 0);
    assert_int_equal(ev.len, 0);
    cb_buf_free(&ev);

    /* one of them stops: nothing */
    hold(&g, P2, "Wang", 0, b, 3, &k[3]);
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 0);
    cb_group_items_free(&it);
    /* back, then gone from the group */
    hold(&g, P2, "Wang", 1, NULL, 0, &k[4]);
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 1);
    assert_int_equal(it.v[0].amount, 0);
    cb_group_items_free(&it);
    cb_buf gone = {0};
    cb_group_msg m;
    assert_int_equal(cb_group_msg_pack_gone(P2, 18, &gone), 0);
    assert_int_equal(cb_group_msg_unpack(gone.data, gone.len, &m), 0);
    assert_int_equal(cb_group_apply(&g, &m), 0);
    assert_int_equal(g.nholders, 2);
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 0);
    cb_group_items_free(&it);
    cb_buf_free(&gone);
    cb_group_free(&g);
    for (int i = 0; i < 5; i++)
        cb_buf_free(&k[i]);
}

static void test_sex(void **state)
{
    cb_group g;
    cb_group_items it = {0};
    cb_buf k[2] = {{0}};

    (void)state;
    cb_group_init(&g);
    hold(&g, P1, "Wang", 1, NULL, 0, &k[0]);
    hold(&g, "320923198008081269", "Wang", 1, NULL, 0, &k[1]); /* female */
    assert_int_equal(cb_group_items_of(&g, &it), 0);
    assert_int_equal(it.n, 0);
    cb_group_items_free(&it);
    cb_group_free(&g);
    cb_buf_free(&k[0]);
    cb_buf_free(&k[1]);
}

/* g packs into the bytes of want. */
static void assert_packs_as(const cb_group *g, const cb_buf *want)
{
    cb_buf got = {0};

    assert_int_equal(cb_group_encode(NULL, g, &got), 0);
    assert_int_equal(got.len, want->len);
    assert_memory_equal(got.data, want->data, want->len);
    cb_buf_free(&got);
}

/* Every prefix of a packed group shorter than it is refused. */
static void assert_prefixes_refused(const cb_buf *e)
{
    cb_group back;

    for (size_t n = 0; n < e->len; n++)
        assert_int_equal(cb_group_decode(NULL, e->data, n, &back), -1);
}

/* A group packs and reads back the same; every shorter prefix and a byte
 * more are refused. */
static void test_state(void **state)
{
    cb_group g, back;
    cb_buf k[3] = {{0}}, e = {0};
    cb_group_fact a[] = {F(661, CB_FACT_BENEFIT, 15000, "b-1")};
    cb_group_verdict v = {CB_REVIEW_DUPLICATE_IDENTITY, CB_VERDICT_REJECT, 9,
                          {P1, 18}, {P2, 18}};

    (void)state;
    cb_group_init(&g);
    hold(&g, P1, "Wang", 1, a, 1, &k[0]);
    suspect(&g, "d-1", "320923198080081234", &k[1]);
    assert_int_equal(cb_group_decide(&g, &v), 0);
    assert_int_equal(cb_group_encode(NULL, &g, &e), 0);
    assert_int_equal(cb_group_decode(NULL, e.data, e.len, &back), 0);
    assert_packs_as(&back, &e);
    assert_int_equal(back.probed, 1);
    cb_group_free(&back);
    assert_int_equal(e.data[0], 5);
    /* a group stored with holders' names and townships whole (version 3)
     * reads as it was and is written as version 5; one stored before
     * probes (version 2, the same layout) says its suspects' candidates
     * were not asked */
    cb_buf v3 = {0}, again = {0};
    cb_pack w;
    cb_pack_init(&w, &v3);
    cb_pack_int(&w, 3, 1);
    cb_pack_uvar(&w, 2);
    cb_pack_int(&w, INT64_C(32092319800808123), 8); /* P1 */
    cb_pack_str(&w, "Wang", 4, 1);
    cb_pack_svar(&w, 320923008);
    cb_pack_uvar(&w, 0 << 1 | 1);                   /* no facts, pension */
    cb_pack_int(&w, INT64_C(32092319800808125), 8); /* P2 */
    cb_pack_str(&w, "Wang", 4, 1);
    cb_pack_svar(&w, 320924001);
    cb_pack_uvar(&w, 0);
    cb_pack_int(&w, 0, 2);
    cb_pack_int(&w, 0, 2);
    for (int version = 3; version >= 2; version--) {
        v3.data[0] = (char)version;
        assert_int_equal(cb_group_decode(NULL, v3.data, v3.len, &back), 0);
        assert_int_equal(back.probed, version == 3);
        assert_int_equal(back.nholders, 2);
        assert_memory_equal(back.holders[1].id.s, P2, 18);
        assert_int_equal(back.holders[1].name.len, 4);
        assert_memory_equal(back.holders[1].name.s, "Wang", 4);
        assert_int_equal(back.holders[0].township, 320923008);
        assert_int_equal(back.holders[1].township, 320924001);
        assert_int_equal(back.holders[0].pension, 1);
        assert_int_equal(back.holders[1].pension, 0);
        assert_int_equal(cb_group_encode(NULL, &back, &again), 0);
        /* version 5: the second name is the first's (5 bytes fewer), the
         * townships 1 and 2 bytes against the county (4 + 3 fewer) */
        assert_int_equal(again.data[0], 5);
        assert_int_equal(again.len, v3.len - 5 - 4 - 3);
        cb_group_free(&back);
        assert_int_equal(cb_group_decode(NULL, again.data, again.len, &back),
                                         0);
        assert_int_equal(back.holders[1].township, 320924001);
        assert_memory_equal(back.holders[1].name.s, "Wang", 4);
        assert_packs_as(&back, &again);
        assert_prefixes_refused(&again);
        cb_group_free(&back);
    }
    /* a first holder cannot take its name from the one before it */
    again.data[10] |= 2; /* P1's uvar: 8 bytes after the version and count */
    assert_int_equal(cb_group_decode(NULL, again.data, again.len, &back), -1);
    cb_buf_free(&v3);
    cb_buf_free(&again);
    assert_prefixes_refused(&e);
    /* namesakes of the number's county take 10 bytes each after the first:
     * forty of them read back */
    cb_group many;
    char ids[40][19];
    cb_buf mk[40] = {{0}}, me = {0};
    cb_group_init(&many);
    for (int i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof(ids[i]), "320923198008081%02dX", i);
        ids[i][17] = cb_ident_person_check_char(ids[i]);
        hold(&many, ids[i], "Wang", 1, NULL, 0, &mk[i]);
    }
    assert_int_equal(cb_group_encode(NULL, &many, &me), 0);
    assert_int_equal(me.len, 2 + 15 + 39 * 10 + 2 + 2);
    assert_int_equal(cb_group_decode(NULL, me.data, me.len, &back), 0);
    assert_int_equal(back.nholders, 40);
    for (size_t i = 0; i < 40; i++)
        assert_true(cb_holder_same(&back.holders[i], &many.holders[i]));
    assert_packs_as(&back, &me);
    cb_group_free(&back);
    cb_group_free(&many);
    cb_buf_free(&me);
    for (int i = 0; i < 40; i++)
        cb_buf_free(&mk[i]);
    cb_buf_append(&e, "x", 1);
    assert_int_equal(cb_group_decode(NULL, e.data, e.len, &back), -1);
    cb_group_free(&g);
    cb_buf_free(&e);
    for (int i = 0; i < 3; i++)
        cb_buf_free(&k[i]);
}

/* Holders' names are packed as text (version 5): a Chinese name in 2
 * bytes a character; a group of version 4 (names in UTF-8) reads as it
 * was, a name the holder before it had included, and is written as
 * version 5. */
static void test_state_text(void **state)
{
    static const char WANG[] = "\xe7\x8e\x8b\xe8\xb6\x85"; /* 2 characters */
    static const char LI[] = "\xe6\x9d\x8e\xe5\x8a\x9b";
    char id3[CB_IDENT_LEN + 1] = "32092319800808127X";
    cb_buf v4 = {0}, out = {0};
    cb_group back;
    cb_pack w;

    (void)state;
    id3[17] = cb_ident_person_check_char(id3);
    cb_pack_init(&w, &v4);
    cb_pack_int(&w, 4, 1);
    cb_pack_uvar(&w, 3);
    cb_pack_int(&w, INT64_C(32092319800808123), 8); /* P1, WANG */
    cb_pack_uvar(&w, 0 << 2 | 0 << 1 | 1);
    cb_pack_str(&w, WANG, 6, 1);
    cb_pack_svar(&w, 8);
    cb_pack_int(&w, INT64_C(32092319800808127), 8); /* id3, the same name */
    cb_pack_uvar(&w, 0 << 2 | 1 << 1 | 1);
    cb_pack_svar(&w, 1001);
    cb_pack_int(&w, INT64_C(32092319800808125), 8); /* P2, LI */
    cb_pack_uvar(&w, 0 << 2 | 0 << 1 | 0);
    cb_pack_str(&w, LI, 6, 1);
    cb_pack_svar(&w, 8);
    cb_pack_int(&w, 0, 2);
    cb_pack_int(&w, 0, 2);
    assert_false(w.failed);
    for (int pass = 0; pass < 2; pass++) {
        const cb_buf *in = pass == 0 ? &v4 : &out;
        assert_int_equal(cb_group_decode(NULL, in->data, in->len, &back), 0);
        assert_int_equal(back.nholders, 3);
        assert_memory_equal(back.holders[0].id.s, P1, 18);
        assert_memory_equal(back.holders[1].id.s, id3, 18);
        assert_memory_equal(back.holders[2].id.s, P2, 18);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(back.holders[i].name.len, 6);
            assert_memory_equal(back.holders[i].name.s, i < 2 ? WANG : LI, 6);
        }
        assert_int_equal(back.holders[1].township, 320924001);
        assert_int_equal(back.holders[2].pension, 0);
        if (pass == 0) {
            assert_int_equal(cb_group_encode(NULL, &back, &out), 0);
            /* two names of 2 characters: 4 bytes and a head each, not 6
             * and a length */
            assert_int_equal(out.data[0], 5);
            assert_int_equal(out.len, v4.len - 2 * 2);
        } else {
            assert_packs_as(&back, &out);
        }
        cb_group_free(&back);
    }
    assert_prefixes_refused(&out);
    cb_buf_free(&v4);
    cb_buf_free(&out);
}

/* Holders are kept compactly: ids whose check character is right as a
 * number, others as written, a year of pension months a few bytes each;
 * a group stored in the first layout (holders as in messages) still
 * reads, and is written compactly. */
static void test_state_compact(void **state)
{
    static const char RAW[] = "32092319800808123X"; /* wrong check */
    static const char *const ids[] = {P1, RAW, P3};
    cb_group_fact year[12];
    char eids[12][16];
    cb_group g, back;
    cb_buf k[3] = {{0}}, v1 = {0}, e = {0};
    cb_pack w;

    (void)state;
    for (int i = 0; i < 12; i++) {
        snprintf(eids[i], sizeof(eids[i]), "en-%09d", 700000 + 65000 * i);
        year[i] = F(660 + i, i % 2 ? CB_FACT_CONTRIBUTION : CB_FACT_BENEFIT,
                    i < 6 ? 15000 : 15600, eids[i]);
    }
    cb_group_init(&g);
    hold(&g, P1, "Wang", 1, year, 12, &k[0]);
    hold(&g, RAW, "Wang", 0, year, 3, &k[1]);
    hold(&g, P3, "Wang", 1, NULL, 0, &k[2]);
    assert_int_equal(cb_group_encode(NULL, &g, &e), 0);
    /* version and count; P1: id 8, count 1, name 5, township 1 (against
     * its county), its first fact 15, then 4 a month but 3 more where the
     * amount changes; RAW: its 19 bytes of id after 8 bytes of ones, the
     * count, the name of the holder before it (no byte), the township
     * whole (5: no county), its facts; P3 (its check character is not
     * right either) the same without facts; no suspects, no verdicts */
    assert_int_equal(e.len, 2 + (8 + 1 + 5 + 1 + 15 + 11 * 4 + 3) +
                                (8 + 19 + 1 + 5 + 15 + 2 * 4) +
                                (8 + 19 + 1 + 5) + 2 + 2);
    assert_int_equal(cb_group_decode(NULL, e.data, e.len, &back), 0);
    assert_int_equal(back.nholders, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(cb_holder_same(&back.holders[i], &g.holders[i]));
        assert_memory_equal(back.holders[i].id.s, ids[i], 18);
    }
    assert_packs_as(&back, &e);
    cb_group_free(&back);
    assert_prefixes_refused(&e);

    /* the first layout: u1 1, u2 count, the holders as their messages
     * carry them (less the type byte), no suspects, no verdicts */
    cb_pack_init(&w, &v1);
    cb_pack_int(&w, 1, 1);
    cb_pack_int(&w, 3, 2);
    for (int i = 0; i < 3; i++)
        cb_pack_bytes(&w, k[i].data + 1, k[i].len - 1);
    cb_pack_int(&w, 0, 2);
    cb_pack_int(&w, 0, 2);
    assert_int_equal(cb_group_decode(NULL, v1.data, v1.len, &back), 0);
    assert_int_equal(back.nholders, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(cb_holder_same(&back.holders[i], &g.holders[i]));
    assert_packs_as(&back, &e);
    assert_true(e.len * 2 < v1.len);
    cb_group_free(&back);
    cb_group_free(&g);
    cb_buf_free(&v1);
    cb_buf_free(&e);
    for (int i = 0; i < 3; i++)
        cb_buf_free(&k[i]);
}

/* Group and feed subjects: keys told apart by their length, and ops that
 * carry a message. */
static void test_subjects(void **state)
{
    cb_idkey *ids;
    char key[CB_GROUP_KEY_LEN + 1], key2[CB_GROUP_KEY_LEN + 1];
    cb_subject s, t;
    cb_buf b = {0};
    cb_op op;
    char err[128];

    (void)state;
    ids = cb_idkey_from_hex("00000000000000000000000000000000000000000000"
                            "00000000000000000007",
                            err, sizeof(err));
    assert_non_null(ids);
    cb_group_key(ids, "Wang", 4, key);
    cb_group_key(ids, "Wong", 4, key2);
    assert_int_equal(strlen(key), CB_GROUP_KEY_LEN);
    assert_int_equal(key[0], 'G');
    assert_string_not_equal(key, key2);
    /* one group for every spelling of a name: its normal form is keyed */
    cb_group_key(ids, "Wa ng", 5, key2);
    assert_string_equal(key, key2);
    cb_group_key(ids, "\xef\xbc\xb7" "ang", 6, key2); /* full-width W */
    assert_string_equal(key, key2);
    assert_int_equal(cb_subject_of_group(key, CB_GROUP_KEY_LEN, &s), 0);
    assert_true(s.is_group);
    assert_int_equal(cb_subject_from_key(s.key, s.key_len, &t), 0);
    assert_true(t.is_group);
    assert_string_equal(t.id, key);
    assert_int_equal(cb_subject_of_group("G0123", 5, &s), -1);
    for (int f = 0; f < CB_FEED_COUNT; f++) {
        const char *name = cb_kind_info_get((cb_kind)f)->name;
        assert_int_equal(cb_subject_of_feed(name, &s), 0);
        assert_true(s.is_feed);
        assert_true(s.key_len != 8 && s.key_len != CB_GROUP_KEY_LEN &&
                    s.key_len != 18 && s.key[0] != 'G');
        assert_int_equal(cb_subject_from_key(s.key, s.key_len, &t), 0);
        assert_true(t.is_feed);
        assert_string_equal(t.id, name);
    }
    assert_int_equal(cb_ops_group(key, CB_GROUP_KEY_LEN, "\x02xyz", 4, 42, 64,
                                  &b, &s, err, sizeof(err)),
                     0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_GROUP);
    assert_int_equal(op.topic, CB_TOPIC_OWNERSHIP);
    assert_int_equal(op.offset, 42);
    assert_int_equal(op.msg_len, 4);
    assert_memory_equal(op.msg, "\x02xyz", 4);
    assert_int_equal(cb_ops_suspect("death", "\x03q", 2, 9, 64, &b, &s, err,
                                    sizeof(err)),
                     0);
    assert_int_equal(cb_op_decode(b.data, b.len, &op), 0);
    assert_int_equal(op.kind, CB_OP_SUSPECT);
    assert_int_equal(op.topic, CB_KIND_DEADLETTER);
    assert_string_equal(s.id, "death");
    /* "F:" and 6 letters would be 8 bytes, a person's key: no feed has
     * such a name, and none is taken */
    assert_int_equal(cb_ops_suspect("nofeed", "", 0, 9, 64, &b, &s, err,
                                    sizeof(err)),
                     -1);
    assert_int_equal(cb_ops_suspect("x", "", 0, 9, 64, &b, &s, err,
                                    sizeof(err)),
                     -1);
    cb_buf_free(&b);
    cb_idkey_free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_slip),  cmocka_unit_test(test_typo),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_duplicate), cmocka_unit_test(test_sex),
        cmocka_unit_test(test_state),     cmocka_unit_test(test_subjects),
        cmocka_unit_test(test_state_compact),
        cmocka_unit_test(test_state_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
