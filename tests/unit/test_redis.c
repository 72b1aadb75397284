/* test_redis.c -- Redis URLs as the contract writes them; errors never
 * carry the password. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_redis.h"

static void test_urls(void **state)
{
    static const struct {
        const char *url, *host, *user, *pass;
        int port, db;
    } good[] = {
        {"redis://127.0.0.1:6379", "127.0.0.1", "", "", 6379, 0},
        {"redis://localhost", "localhost", "", "", 6379, 0},
        {"redis://h:7000/3", "h", "", "", 7000, 3},
        {"redis://:s3cret@h:1/2", "h", "", "s3cret", 1, 2},
        {"redis://canbao:p%40ss@h:6380", "h", "canbao", "p@ss", 6380, 0},
        {"redis://onlypass@h", "h", "", "onlypass", 6379, 0},
        {"redis://h:6379/", "h", "", "", 6379, 0},
    };
    static const char *const bad[] = {
        "http://h:1", "redis://", "redis://h:0", "redis://h:99999",
        "redis://h:12x", "redis://h/x", "redis://:pw%zz@h", "rediss://h:1",
    };
    char err[256];
    cb_redis_url u;
    (void)state;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (cb_redis_url_parse(good[i].url, &u, err, sizeof(err)) != 0)
            fail_msg("%s: %s", good[i].url, err);
        assert_string_equal(u.host, good[i].host);
        assert_string_equal(u.user, good[i].user);
        assert_string_equal(u.pass, good[i].pass);
        assert_int_equal(u.port, good[i].port);
        assert_int_equal(u.db, good[i].db);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (cb_redis_url_parse(bad[i], &u, err, sizeof(err)) == 0)
            fail_msg("%s accepted", bad[i]);
        assert_null(strstr(err, "pw"));
    }
}

/* Nothing listens on port 1: a clear error, no crash, no password. */
static void test_connect_refused(void **state)
{
    char err[256];
    (void)state;
    assert_null(cb_redis_connect("redis://:topsecret@127.0.0.1:1", 500, err,
                                 sizeof(err)));
    assert_non_null(strstr(err, "127.0.0.1:1"));
    assert_null(strstr(err, "topsecret"));
}

/* Cluster slots: the values Redis's own CLUSTER KEYSLOT gives, and the
 * hash-tag rules (the first {...} that is not empty decides). */
static void test_slots(void **state)
{
    static const struct {
        const char *key;
        unsigned slot;
    } known[] = {
        {"foo", 12182},  {"hello", 866},   {"somekey", 11058},
        {"123456789", 0x31C3 & 16383}, {"", 0},
    };
    const char *same[][2] = {
        {"{user1000}.following", "{user1000}.followers"},
        {"cb:s:{p3}:17", "p3"},
        {"cb:{plan}:townships", "cb:{plan}:targets"},
        {"foo{}{bar}", "foo{}{bar}"},     /* empty tag: the whole key */
        {"foo{{bar}}zap", "{bar"},        /* the tag is "{bar" */
        {"foo{bar}{zap}", "bar"},         /* the first tag only */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_int_equal(cb_redis_slot(known[i].key, strlen(known[i].key)),
                         known[i].slot);
    assert_int_equal(cb_redis_slot("cb:v:{p0}", 9), cb_redis_slot("p0", 2));
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        assert_int_equal(cb_redis_slot(same[i][0], strlen(same[i][0])),
                         cb_redis_slot(same[i][1], strlen(same[i][1])));
    /* an empty tag is no tag: "foo{}{bar}" is not the slot of "bar" */
    assert_int_not_equal(cb_redis_slot("foo{}{bar}", 10),
                         cb_redis_slot("bar", 3));
    /* the 16 partitions of the topics do not all share one slot */
    unsigned first = cb_redis_slot("{p0}", 4);
    int spread = 0;
    for (int p = 1; p < 16; p++) {
        char tag[16];
        int n = snprintf(tag, sizeof(tag), "{p%d}", p);
        spread |= cb_redis_slot(tag, (size_t)n) != first;
    }
    assert_true(spread);
}

/* Redirect replies are told apart from other errors. */
static void test_redirects(void **state)
{
    static const struct {
        int type;
        const char *str;
        int redirect;
    } cases[] = {
        {REDIS_REPLY_ERROR, "MOVED 3999 127.0.0.1:6381", 1},
        {REDIS_REPLY_ERROR, "ASK 1 h:1", 1},
        {REDIS_REPLY_ERROR,
         "TRYAGAIN Multiple keys request during rehashing of slot", 1},
        {REDIS_REPLY_ERROR, "CLUSTERDOWN The cluster is down", 1},
        {REDIS_REPLY_ERROR, "ERR Script attempted to access a non local key "
                            "in a cluster node script: 7511c335, on "
                            "@user_script:62.", 1},
        {REDIS_REPLY_ERROR, "ERR Error running script", 0},
        {REDIS_REPLY_ERROR, "OOM command", 0},
        {REDIS_REPLY_ERROR, "MOVEDX", 0},
        {REDIS_REPLY_STRING, "MOVED 3999 127.0.0.1:6381", 0}, /* no error */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        redisReply r = {0};
        r.type = cases[i].type;
        r.str = (char *)cases[i].str;
        r.len = strlen(cases[i].str);
        assert_int_equal(cb_redis_is_redirect(&r), cases[i].redirect);
    }
    assert_false(cb_redis_is_redirect(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_redirects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
