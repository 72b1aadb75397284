/* cb_config.c -- settings from defaults, a file, the environment and the
 * command line, the higher source winning whatever the order of arrival. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cb_config.h"
#include "cb_time.h"

/* Keys that are not librdkafka properties.  A subcommand that reads a new
 * key from the config file adds it here, with a word on what it is. */
static const char *const known_keys[] = {
    "brokers",     /* Kafka bootstrap servers */
    "redis",       /* Redis URL */
    "partitions",  /* partitions of each topic the embedded broker creates */
    "group",       /* the matcher's consumer group id */
    "cache_mb",    /* the matcher's cache of states, in MiB (0: none) */
    "buckets",     /* state buckets a partition of a new store */
    "log.level",   /* error, warn, info, debug */
    "now",         /* the clock canbao reasons with (tests, replays) */
    "townships",   /* a township table to check codes against */
    "web.listen",  /* the workbench's HOST:PORT */
    "web.session_idle", /* seconds a workbench session lasts unused */
    "web.secure_cookie", /* 1: the session cookie only over HTTPS */
    "web.origin",  /* the page's origin as browsers see it */
    "web.conns_per_address", /* connections one client address may hold */
    "metrics.listen", /* the matcher's HOST:PORT for /metrics */
    "id_key",      /* the secret that keys lead and alert ids (cb_idkey) */
    NULL,
};

void cb_config_init(cb_config *cfg)
{
    cfg->entries = NULL;
    cfg->count = 0;
    cfg->cap = 0;
    cfg->exposed[0] = '\0';
}

void cb_config_term(cb_config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].key);
        /* Values may be secrets: wipe before giving the memory back. */
        memset(cfg->entries[i].value, 0, strlen(cfg->entries[i].value));
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    cb_config_init(cfg);
}

int cb_config_known_key(const char *key)
{
    if (strncmp(key, "kafka.", 6) == 0)
        return key[6] != '\0';
    for (int i = 0; known_keys[i] != NULL; i++)
        if (strcmp(known_keys[i], key) == 0)
            return 1;
    return 0;
}

static cb_config_entry *find_entry(const cb_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (strcmp(cfg->entries[i].key, key) == 0)
            return &cfg->entries[i];
    return NULL;
}

int cb_config_set(cb_config *cfg, const char *key, const char *value,
                  cb_config_source source, char *errstr, size_t errstr_size)
{
    cb_config_entry *e;
    char *v;

    if (!cb_config_known_key(key)) {
        snprintf(errstr, errstr_size, "unknown setting '%s'", key);
        return -1;
    }
    e = find_entry(cfg, key);
    if (e != NULL && e->source > source)
        return 0; /* a higher source already decided */
    v = strdup(value);
    if (v == NULL)
        goto oom;
    if (e != NULL) {
        memset(e->value, 0, strlen(e->value));
        free(e->value);
        e->value = v;
        e->source = source;
        return 0;
    }
    if (cfg->count == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 8;
        cb_config_entry *n = realloc(cfg->entries, cap * sizeof(*n));
        if (n == NULL)
            goto oom_v;
        cfg->entries = n;
        cfg->cap = cap;
    }
    e = &cfg->entries[cfg->count];
    e->key = strdup(key);
    if (e->key == NULL)
        goto oom_v;
    e->value = v;
    e->source = source;
    cfg->count++;
    return 0;
oom_v:
    free(v);
oom:
    snprintf(errstr, errstr_size, "out of memory");
    return -1;
}

/* Trims ASCII white space at both ends, in place; returns the new start. */
static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* Splits "key=value" in place (s is changed), trims both and sets the key
 * with `source`; *secret, when given, is raised if the value is a secret
 * (cb_config_is_secret). */
static int set_split(cb_config *cfg, char *s, cb_config_source source,
                     int *secret, char *errstr, size_t errstr_size)
{
    char *eq = strchr(s, '='), *key, *value;

    if (eq == NULL) {
        snprintf(errstr, errstr_size, "expected key=value");
        return -1;
    }
    *eq = '\0';
    key = trim(s);
    value = trim(eq + 1);
    if (*key == '\0') {
        snprintf(errstr, errstr_size, "empty key before '='");
        return -1;
    }
    if (secret != NULL)
        *secret |= cb_config_is_secret(key, value);
    return cb_config_set(cfg, key, value, source, errstr, errstr_size);
}

int cb_config_set_pair(cb_config *cfg, const char *pair,
                       cb_config_source source, char *errstr,
                       size_t errstr_size)
{
    char *copy = strdup(pair);
    int rc;

    if (copy == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    rc = set_split(cfg, copy, source, NULL, errstr, errstr_size);
    memset(copy, 0, strlen(pair));
    free(copy);
    return rc;
}

int cb_config_is_secret(const char *key, const char *value)
{
    if (key == NULL || value == NULL)
        return 0;
    if (strcmp(key, "redis") == 0) {
        char redacted[512];
        cb_config_redact_url(value, redacted, sizeof(redacted));
        return strcmp(redacted, value) != 0;
    }
    if (strcmp(key, "id_key") == 0)
        return 1;
    if (strncmp(key, "kafka.", 6) != 0)
        return 0;
    key += 6;
    return strstr(key, "password") != NULL || strstr(key, "secret") != NULL ||
           strcmp(key, "sasl.jaas.config") == 0 ||
           strcmp(key, "sasl.oauthbearer.config") == 0 ||
           strcmp(key, "ssl.key.pem") == 0 ||
           strncmp(key, "ssl.keystore.", 13) == 0;
}

int cb_config_load_file(cb_config *cfg, const char *path, char *errstr,
                        size_t errstr_size)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0, secret = 0;
    struct stat st;

    if (fp == NULL) {
        snprintf(errstr, errstr_size, "cannot open config file %s: %s",
                 path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, fp)) >= 0) {
        char err[256];
        char *s;

        lineno++;
        s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (set_split(cfg, s, CB_CONF_FILE, &secret, err, sizeof(err)) !=
            0) {
            snprintf(errstr, errstr_size, "%s:%ld: %s", path, lineno, err);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && secret && fstat(fileno(fp), &st) == 0 &&
        (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
        snprintf(cfg->exposed, sizeof(cfg->exposed), "%s", path);
    if (rc == 0 && ferror(fp)) {
        snprintf(errstr, errstr_size, "cannot read config file %s: %s", path,
                 strerror(errno));
        rc = -1;
    }
    if (line != NULL)
        memset(line, 0, cap);
    free(line);
    fclose(fp);
    return rc;
}

int cb_config_load_env(cb_config *cfg, int have_file, char *errstr,
                       size_t errstr_size)
{
    const char *file = getenv("CANBAO_CONFIG");
    const char *brokers = getenv("CANBAO_BROKERS");
    const char *redis = getenv("CANBAO_REDIS");
    const char *now = getenv("CANBAO_NOW");
    const char *id_key = getenv("CANBAO_ID_KEY");

    if (!have_file && file != NULL && *file != '\0' &&
        cb_config_load_file(cfg, file, errstr, errstr_size) != 0)
        return -1;
    if (brokers != NULL && *brokers != '\0' &&
        cb_config_set(cfg, "brokers", brokers, CB_CONF_ENV, errstr,
                      errstr_size) != 0)
        return -1;
    if (redis != NULL && *redis != '\0' &&
        cb_config_set(cfg, "redis", redis, CB_CONF_ENV, errstr,
                      errstr_size) != 0)
        return -1;
    if (now != NULL && *now != '\0' &&
        cb_config_set(cfg, "now", now, CB_CONF_ENV, errstr, errstr_size) !=
            0)
        return -1;
    if (id_key != NULL && *id_key != '\0' &&
        cb_config_set(cfg, "id_key", id_key, CB_CONF_ENV, errstr,
                      errstr_size) != 0)
        return -1;
    return 0;
}

int cb_config_now(const cb_config *cfg, int64_t *ms, char *errstr,
                  size_t errstr_size)
{
    const char *now = cb_config_get(cfg, "now");

    if (now == NULL) {
        *ms = cb_time_now();
        return 0;
    }
    if (cb_time_parse(now, strlen(now), ms) != 0) {
        snprintf(errstr, errstr_size, "now (CANBAO_NOW) must be a date "
                 "YYYY-MM-DD or an ISO 8601 time with an offset");
        return -1;
    }
    return 0;
}

const char *cb_config_get(const cb_config *cfg, const char *key)
{
    const cb_config_entry *e = find_entry(cfg, key);
    return e != NULL ? e->value : NULL;
}

const char *cb_config_get_or(const cb_config *cfg, const char *key,
                             const char *def)
{
    const char *v = cb_config_get(cfg, key);
    return v != NULL ? v : def;
}

const char *cb_config_brokers(const cb_config *cfg)
{
    return cb_config_get_or(cfg, "brokers", CB_DEFAULT_BROKERS);
}

const char *cb_config_redis(const cb_config *cfg)
{
    return cb_config_get_or(cfg, "redis", CB_DEFAULT_REDIS);
}

void cb_config_redact_url(const char *url, char *out, size_t outsz)
{
    const char *scheme = strstr(url, "://");
    const char *auth, *at, *colon;

    if (outsz == 0)
        return;
    auth = scheme != NULL ? scheme + 3 : url;
    at = strchr(auth, '@');
    if (at == NULL) {
        snprintf(out, outsz, "%s", url);
        return;
    }
    /* user:pass@ or pass@ (a bare password, as redis://:pass@ writes it) */
    colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon == NULL)
        snprintf(out, outsz, "%.*s***%s", (int)(auth - url), url, at);
    else
        snprintf(out, outsz, "%.*s***%s", (int)(colon + 1 - url), url, at);
}
