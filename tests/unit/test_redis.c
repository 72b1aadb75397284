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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_connect_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
