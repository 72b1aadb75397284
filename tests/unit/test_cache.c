/* test_cache.c -- consumers/cb_cache.c: entries come back as they were put
 * (absent and unknown leads told apart), a partition's entries are true at
 * one version only, a stale or cleared partition forgets them, a put that
 * would pass the partition's share empties it first (and says so), and a
 * put may copy from the entry it replaces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_cache.h"

static void put(cb_cache *c, int p, const char *key, const char *state,
                const char *lead, int32_t lead_len)
{
    int rc = cb_cache_put(c, p, key, strlen(key), state,
                          state ? (int32_t)strlen(state) : CB_CACHE_NONE,
                          lead, lead_len);
    assert_true(rc == 0 || rc == 1);
}

static void test_put_get(void **unused)
{
    cb_cache *c = cb_cache_new(4, 1 << 20);
    cb_cache_entry e;
    cb_cache_stats st;

    (void)unused;
    assert_non_null(c);
    assert_int_equal(cb_cache_get(c, 1, "k1", 2, &e), 0);
    put(c, 1, "k1", "state-one", "lead-one", 8);
    put(c, 1, "k2", NULL, NULL, CB_CACHE_NONE);
    put(c, 1, "k3", "s3", NULL, CB_CACHE_UNKNOWN);
    assert_int_equal(cb_cache_get(c, 1, "k1", 2, &e), 1);
    assert_int_equal(e.state_len, 9);
    assert_memory_equal(e.state, "state-one", 9);
    assert_int_equal(e.lead_len, 8);
    assert_memory_equal(e.lead, "lead-one", 8);
    assert_int_equal(cb_cache_get(c, 1, "k2", 2, &e), 1);
    assert_int_equal(e.state_len, CB_CACHE_NONE);
    assert_int_equal(e.lead_len, CB_CACHE_NONE);
    assert_int_equal(cb_cache_get(c, 1, "k3", 2, &e), 1);
    assert_int_equal(e.lead_len, CB_CACHE_UNKNOWN);
    /* partitions are apart; a key is its bytes, not a prefix */
    assert_int_equal(cb_cache_get(c, 2, "k1", 2, &e), 0);
    assert_int_equal(cb_cache_get(c, 1, "k", 1, &e), 0);
    /* replaced, even by bytes from the entry itself */
    assert_int_equal(cb_cache_get(c, 1, "k1", 2, &e), 1);
    assert_int_equal(cb_cache_put(c, 1, "k1", 2, e.state, 5, NULL,
                                  CB_CACHE_NONE), 0);
    assert_int_equal(cb_cache_get(c, 1, "k1", 2, &e), 1);
    assert_int_equal(e.state_len, 5);
    assert_memory_equal(e.state, "state", 5);
    assert_int_equal(e.lead_len, CB_CACHE_NONE);
    cb_cache_stats_get(c, &st);
    assert_int_equal(st.hits, 5);
    assert_int_equal(st.misses, 3);
    cb_cache_free(c);
}

/* Many keys: the table grows and every entry is still found. */
static void test_many(void **unused)
{
    cb_cache *c = cb_cache_new(1, 64 << 20);
    char key[32], val[32];
    cb_cache_entry e;

    (void)unused;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        snprintf(val, sizeof(val), "v%d", i * 7);
        put(c, 0, key, val, NULL, CB_CACHE_UNKNOWN);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        snprintf(val, sizeof(val), "v%d", i * 7);
        assert_int_equal(cb_cache_get(c, 0, key, strlen(key), &e), 1);
        assert_int_equal(e.state_len, (int32_t)strlen(val));
        assert_memory_equal(e.state, val, strlen(val));
    }
    cb_cache_free(c);
}

static void test_versions(void **unused)
{
    cb_cache *c = cb_cache_new(2, 1 << 20);
    cb_cache_entry e;
    cb_cache_stats st;

    (void)unused;
    /* nothing cached: true at any version */
    assert_true(cb_cache_valid(c, 0, 0));
    assert_true(cb_cache_valid(c, 0, 41));
    put(c, 0, "a", "x", NULL, CB_CACHE_NONE);
    cb_cache_commit(c, 0, 42);
    assert_true(cb_cache_valid(c, 0, 42));
    assert_false(cb_cache_valid(c, 0, 43));
    assert_false(cb_cache_valid(c, 0, 0));
    assert_false(cb_cache_valid(c, 7, 42)); /* no such partition */
    /* another writer moved it on: forgotten */
    cb_cache_stale(c, 0);
    assert_int_equal(cb_cache_get(c, 0, "a", 1, &e), 0);
    assert_true(cb_cache_valid(c, 0, 43));
    /* clear one, clear all */
    put(c, 0, "a", "x", NULL, CB_CACHE_NONE);
    put(c, 1, "b", "y", NULL, CB_CACHE_NONE);
    cb_cache_commit(c, 0, 5);
    cb_cache_commit(c, 1, 9);
    cb_cache_clear(c, 1);
    assert_int_equal(cb_cache_get(c, 1, "b", 1, &e), 0);
    assert_int_equal(cb_cache_get(c, 0, "a", 1, &e), 1);
    cb_cache_clear(c, -1);
    assert_int_equal(cb_cache_get(c, 0, "a", 1, &e), 0);
    cb_cache_stats_get(c, &st);
    assert_int_equal(st.stale, 1);
    assert_int_equal(st.bytes, 0);
    cb_cache_free(c);
}

/* A partition's share is budget / partitions: the put that would pass it
 * empties the partition first, keeps its own entry, and returns 1. */
static void test_room(void **unused)
{
    cb_cache *c = cb_cache_new(2, 2 * 16384);
    char key[32], val[200];
    cb_cache_entry e;
    cb_cache_stats st;
    int emptied = 0, i;

    (void)unused;
    memset(val, 'v', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    put(c, 1, "other", "kept", NULL, CB_CACHE_NONE);
    for (i = 0; i < 1000 && !emptied; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        int rc = cb_cache_put(c, 0, key, strlen(key), val,
                              (int32_t)strlen(val), NULL, CB_CACHE_NONE);
        assert_true(rc == 0 || rc == 1);
        emptied = rc == 1;
        cb_cache_stats_get(c, &st);
        assert_true(st.bytes <= 2 * 16384);
    }
    assert_true(emptied);
    assert_true(i > 10);
    assert_int_equal(cb_cache_get(c, 0, key, strlen(key), &e), 1);
    assert_int_equal(cb_cache_get(c, 0, "key0", 4, &e), 0);
    /* the other partition keeps its share */
    assert_int_equal(cb_cache_get(c, 1, "other", 5, &e), 1);
    cb_cache_stats_get(c, &st);
    assert_int_equal(st.evicted, 1);
    cb_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
