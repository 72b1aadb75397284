/* test_config.c -- settings: precedence of sources, the config file,
 * redaction of secrets, what reaches librdkafka.  The common command-line
 * options are test_cli.c's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_config.h"
#include "cb_kafka.h"

static void test_defaults(void **state)
{
    cb_config cfg;
    (void)state;
    cb_config_init(&cfg);
    assert_string_equal(cb_config_brokers(&cfg), CB_DEFAULT_BROKERS);
    assert_string_equal(cb_config_redis(&cfg), CB_DEFAULT_REDIS);
    assert_null(cb_config_get(&cfg, "group"));
    cb_config_term(&cfg);
}

/* The higher source wins whichever order the sources arrive in. */
static void test_precedence(void **state)
{
    static const cb_config_source orders[][3] = {
        {CB_CONF_FILE, CB_CONF_ENV, CB_CONF_ARGS},
        {CB_CONF_ARGS, CB_CONF_ENV, CB_CONF_FILE},
        {CB_CONF_ENV, CB_CONF_ARGS, CB_CONF_FILE},
    };
    static const char *const names[] = {"", "file", "env", "args"};
    char err[256];
    (void)state;
    for (size_t o = 0; o < 3; o++) {
        cb_config cfg;
        cb_config_init(&cfg);
        for (int i = 0; i < 3; i++)
            assert_int_equal(cb_config_set(&cfg, "brokers",
                                           names[orders[o][i]],
                                           orders[o][i], err, sizeof(err)),
                             0);
        assert_string_equal(cb_config_brokers(&cfg), "args");
        cb_config_term(&cfg);
    }
}

static void test_unknown_key_refused(void **state)
{
    cb_config cfg;
    char err[256];
    (void)state;
    cb_config_init(&cfg);
    assert_int_equal(cb_config_set(&cfg, "brokerz", "x", CB_CONF_ARGS, err,
                                   sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "brokerz"));
    assert_int_equal(cb_config_set(&cfg, "kafka.", "x", CB_CONF_ARGS, err,
                                   sizeof(err)),
                     -1);
    assert_int_equal(cb_config_set_pair(&cfg, "novalue", CB_CONF_ARGS, err,
                                        sizeof(err)),
                     -1);
    assert_int_equal(cb_config_set_pair(&cfg, " kafka.linger.ms = 5 ",
                                        CB_CONF_ARGS, err, sizeof(err)),
                     0);
    assert_string_equal(cb_config_get(&cfg, "kafka.linger.ms"), "5");
    cb_config_term(&cfg);
}

static char *write_temp(const char *text)
{
    static char path[64];
    int fd;
    strcpy(path, "/tmp/canbao-test-config.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_config_file(void **state)
{
    cb_config cfg;
    char err[256];
    char *path;
    (void)state;

    path = write_temp("# a comment\n\nbrokers = 10.0.0.1:9092\n"
                      "redis=redis://:secret@10.0.0.2:6379/1\n"
                      "kafka.security.protocol=SASL_SSL\n");
    cb_config_init(&cfg);
    assert_int_equal(cb_config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(cb_config_brokers(&cfg), "10.0.0.1:9092");
    assert_string_equal(cb_config_get(&cfg, "kafka.security.protocol"),
                        "SASL_SSL");
    cb_config_term(&cfg);
    unlink(path);

    path = write_temp("brokers=a:1\nbogus = 1\n");
    cb_config_init(&cfg);
    assert_int_equal(cb_config_load_file(&cfg, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2:")); /* names the line */
    assert_non_null(strstr(err, "bogus"));
    cb_config_term(&cfg);
    unlink(path);

    cb_config_init(&cfg);
    assert_int_equal(cb_config_load_file(&cfg, "/nonexistent/x.conf", err,
                                         sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "/nonexistent/x.conf"));
    cb_config_term(&cfg);
}

/* Secrets are told from other settings; a config file holding one is
 * flagged when its group or others may read it, and only then. */
static void test_secrets(void **state)
{
    static const struct {
        const char *key, *value;
        int secret;
    } rows[] = {
        {"redis", "redis://127.0.0.1:6379", 0},
        {"redis", "redis://u:pw@h:1", 1},
        {"redis", "redis://:pw@h:1/2", 1},
        {"brokers", "pw@h:1", 0},
        {"kafka.sasl.password", "x", 1},
        {"kafka.sasl.username", "x", 0},
        {"kafka.ssl.key.password", "x", 1},
        {"kafka.sasl.oauthbearer.client.secret", "x", 1},
        {"kafka.sasl.jaas.config", "x", 1},
        {"kafka.ssl.key.pem", "x", 1},
        {"kafka.ssl.keystore.password", "x", 1},
        {"kafka.ssl.ca.location", "/etc/ca.pem", 0},
        {"kafka.security.protocol", "SASL_SSL", 0},
        {"now", "2025-01-01", 0},
    };
    cb_config cfg;
    char err[256];
    char *path;
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        assert_int_equal(cb_config_is_secret(rows[i].key, rows[i].value),
                         rows[i].secret);

    path = write_temp("brokers = a:1\nkafka.sasl.password = hush\n");
    assert_int_equal(chmod(path, 0644), 0);
    cb_config_init(&cfg);
    assert_int_equal(cb_config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(cfg.exposed, path);
    cb_config_term(&cfg);
    assert_int_equal(chmod(path, 0600), 0);
    cb_config_init(&cfg);
    assert_int_equal(cb_config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(cfg.exposed, "");
    cb_config_term(&cfg);
    unlink(path);

    path = write_temp("redis = redis://127.0.0.1:1\n");
    assert_int_equal(chmod(path, 0644), 0);
    cb_config_init(&cfg);
    assert_int_equal(cb_config_load_file(&cfg, path, err, sizeof(err)), 0);
    assert_string_equal(cfg.exposed, ""); /* nothing secret in it */
    cb_config_term(&cfg);
    unlink(path);
}

static void test_redact(void **state)
{
    static const char *const rows[][2] = {
        {"redis://127.0.0.1:6379", "redis://127.0.0.1:6379"},
        {"redis://:s3cret@h:1/2", "redis://:***@h:1/2"},
        {"redis://user:s3cret@h:1", "redis://user:***@h:1"},
        {"redis://s3cret@h:1", "redis://***@h:1"},
    };
    char out[128];
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cb_config_redact_url(rows[i][0], out, sizeof(out));
        assert_string_equal(out, rows[i][1]);
        assert_null(strstr(out, "s3cret"));
    }
}

/* -X properties reach librdkafka, and a bad one is named (its value is
 * not: it may be a secret). */
static void test_kafka_conf(void **state)
{
    cb_config cfg;
    rd_kafka_conf_t *conf;
    char err[256], val[64];
    size_t vsz = sizeof(val);
    (void)state;

    cb_config_init(&cfg);
    assert_int_equal(cb_config_set(&cfg, "kafka.linger.ms", "33",
                                   CB_CONF_ARGS, err, sizeof(err)),
                     0);
    conf = cb_kafka_conf_new(&cfg, CB_KAFKA_PRODUCER, err, sizeof(err));
    assert_non_null(conf);
    assert_int_equal(rd_kafka_conf_get(conf, "linger.ms", val, &vsz),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(val, "33");
    vsz = sizeof(val);
    assert_int_equal(rd_kafka_conf_get(conf, "compression.codec", val, &vsz),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(val, "lz4");
    rd_kafka_conf_destroy(conf);

    assert_int_equal(cb_config_set(&cfg, "kafka.linger.ms", "topsecret",
                                   CB_CONF_ARGS, err, sizeof(err)),
                     0);
    assert_null(cb_kafka_conf_new(&cfg, CB_KAFKA_PRODUCER, err, sizeof(err)));
    assert_non_null(strstr(err, "linger.ms"));
    assert_null(strstr(err, "topsecret"));
    cb_config_term(&cfg);
}

static void test_topics(void **state)
{
    cb_kind k;
    (void)state;
    assert_string_equal(cb_topic_name(CB_KIND_HOUSEHOLD),
                        "canbao.household.v1");
    assert_int_equal(cb_topic_kind("canbao.lead.v1", &k), 0);
    assert_int_equal(k, CB_KIND_LEAD);
    assert_int_equal(cb_topic_kind("death", &k), 0);
    assert_int_equal(k, CB_KIND_DEATH);
    assert_int_equal(cb_topic_kind("canbao.nosuch.v1", &k), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_unknown_key_refused),
        cmocka_unit_test(test_config_file),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_kafka_conf),
        cmocka_unit_test(test_topics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
