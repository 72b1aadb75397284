/* cb_config.h -- canbao's settings: where Kafka and Redis are, and whatever
 * librdkafka should be told.
 *
 * Settings come from four places; the higher wins whatever the order in
 * which they are applied:
 *
 *     command line (-b, -r, -X)  >  environment (CANBAO_BROKERS,
 *     CANBAO_REDIS, CANBAO_NOW, CANBAO_ID_KEY)  >  config file (-c FILE
 *     or CANBAO_CONFIG)  >  defaults
 *
 * A config file holds key=value lines; blank lines and lines starting with
 * '#' are ignored, spaces around key and value are trimmed.  Keys:
 *
 *     brokers = HOST:PORT[,HOST:PORT...]   Kafka bootstrap servers
 *     redis   = redis://[user:pass@]host:port[/db]
 *     kafka.<property> = value             passed to librdkafka, as -X does
 *     and the keys subcommands declare (cb_config_known_key).
 *
 * Values may be secrets (a Redis password, sasl.password): canbao never
 * prints a value it was given, only cb_config_redact()ed forms. */
#ifndef CB_CONFIG_H
#define CB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CB_DEFAULT_BROKERS "127.0.0.1:9092"
#define CB_DEFAULT_REDIS   "redis://127.0.0.1:6379"

typedef enum cb_config_source {
    CB_CONF_DEFAULT = 0,
    CB_CONF_FILE,
    CB_CONF_ENV,
    CB_CONF_ARGS
} cb_config_source;

typedef struct cb_config_entry {
    char *key;
    char *value;
    cb_config_source source;
} cb_config_entry;

/* Owned by whoever called cb_config_init; released by cb_config_term. */
typedef struct cb_config {
    cb_config_entry *entries; /* in the order keys were first set */
    size_t count;
    size_t cap;
    /* A config file holding a secret that others than its owner may read:
     * its path, for the caller to warn about ("" when none). */
    char exposed[256];
} cb_config;

/* Starts an empty configuration (defaults are answered by the getters). */
void cb_config_init(cb_config *cfg);

/* Releases what the configuration holds; cfg may be reused after init. */
void cb_config_term(cb_config *cfg);

/* Is this a key canbao knows?  "brokers", "redis", any "kafka.*", and the
 * keys of the subcommands. */
int cb_config_known_key(const char *key);

/* Sets key to value from a source.  A value already set from a higher
 * source is kept.  Returns 0, or -1 with errstr for an unknown key, an
 * empty "kafka." property or out of memory. */
int cb_config_set(cb_config *cfg, const char *key, const char *value,
                  cb_config_source source, char *errstr, size_t errstr_size);

/* Parses "key=value" (as -X and config lines are written) and sets it with
 * `source`; a -X key gets "kafka." put in front by the caller. */
int cb_config_set_pair(cb_config *cfg, const char *pair,
                       cb_config_source source, char *errstr,
                       size_t errstr_size);

/* Reads a config file.  Returns 0, or -1 with errstr naming the file and
 * line of the first bad line (no '=', unknown key).  A file that holds a
 * secret (cb_config_is_secret) and is readable by its group or by others
 * is loaded all the same, its path left in cfg->exposed. */
int cb_config_load_file(cb_config *cfg, const char *path, char *errstr,
                        size_t errstr_size);

/* Applies CANBAO_CONFIG (a file to load, unless one was given on the
 * command line, which the caller says with `have_file`), CANBAO_BROKERS,
 * CANBAO_REDIS, CANBAO_NOW and CANBAO_ID_KEY.  Returns 0 or -1 with
 * errstr. */
int cb_config_load_env(cb_config *cfg, int have_file, char *errstr,
                       size_t errstr_size);

/* The value of a key, or NULL when not set. */
const char *cb_config_get(const cb_config *cfg, const char *key);

/* The value of a key, or def when not set. */
const char *cb_config_get_or(const cb_config *cfg, const char *key,
                             const char *def);

/* The Kafka bootstrap servers and the Redis URL, with their defaults. */
const char *cb_config_brokers(const cb_config *cfg);
const char *cb_config_redis(const cb_config *cfg);

/* The clock canbao reasons with: the "now" setting (CANBAO_NOW: a date,
 * taken as 00:00 UTC+08:00, or an ISO 8601 time) when set, for tests and
 * replays; the wall clock otherwise.  Returns 0, or -1 with errstr for a
 * setting that is not a time. */
int cb_config_now(const cb_config *cfg, int64_t *ms, char *errstr,
                  size_t errstr_size);

/* Is this setting a secret?  A redis URL with a password, id_key, and the
 * librdkafka properties that hold credentials or private keys (names with
 * "password" or "secret" in them, sasl.jaas.config, sasl.oauthbearer.config,
 * ssl.key.pem, ssl.keystore.*). */
int cb_config_is_secret(const char *key, const char *value);

/* Copies a value into out (of outsz bytes) with anything secret replaced:
 * the password of a redis:// URL becomes "***".  Always NUL-terminates. */
void cb_config_redact_url(const char *url, char *out, size_t outsz);

#endif
