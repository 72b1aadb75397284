/* cb_auth.c -- accounts and sessions of the workbench (cb_auth.h). */
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cb_auth.h"
#include "cb_sha1.h"

#define FAIL_LIMIT 10      /* failed sign-ins of a name ... */
#define FAIL_WINDOW_S 900  /* ... within this many seconds */

/* A hash of a password nobody has, made once: a sign-in with an unknown
 * name verifies against it, so that it costs one slow hash, as a known
 * name does. */
static const char dummy_password[] = "canbao-no-such-user";
static char dummy_hash[CRYPT_OUTPUT_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    char err[128];

    if (cb_auth_hash(dummy_password, dummy_hash, sizeof(dummy_hash), err,
                     sizeof(err)) != 0)
        dummy_hash[0] = '\0';
}

const char *cb_role_name(int role)
{
    return role == CB_ROLE_COUNTY ? "county" : "township";
}

int cb_auth_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n >= CB_USER_NAME_SIZE)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int random_hex(char *out, size_t nbytes)
{
    unsigned char b[64];
    size_t got = 0;

    if (nbytes > sizeof(b))
        return -1;
    while (got < nbytes) {
        ssize_t n = getrandom(b + got, nbytes - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

int cb_auth_hash(const char *password, char *out, size_t outsz, char *errstr,
                 size_t errstr_size)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    size_t n = strlen(password);

    if (n < 8 || n > 256) {
        snprintf(errstr, errstr_size, "a password is 8 to 256 bytes long");
        return -1;
    }
    if (outsz < CRYPT_OUTPUT_SIZE ||
        crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
        snprintf(errstr, errstr_size, "cannot make a salt for yescrypt");
        return -1;
    }
    if ((cd = calloc(1, sizeof(*cd))) == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    const char *h = crypt_rn(password, salt, cd, sizeof(*cd));
    if (h == NULL || h[0] != '$') {
        free(cd);
        snprintf(errstr, errstr_size, "yescrypt failed");
        return -1;
    }
    snprintf(out, outsz, "%s", h);
    free(cd);
    return 0;
}

int cb_auth_verify(const char *password, const char *hash)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    int ok = 0;

    if (cd == NULL)
        return 0;
    const char *h = crypt_rn(password, hash, cd, sizeof(*cd));
    if (h != NULL && h[0] == '$')
        ok = strlen(h) == strlen(hash) && cb_auth_token_eq(h, hash);
    free(cd);
    return ok;
}

int cb_auth_token_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = na != nb;

    for (size_t i = 0; i < na && i < nb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

int cb_auth_add_user(cb_redis *r, const cb_user *u, const char *password,
                     int replace, char *errstr, size_t errstr_size)
{
    char hash[CRYPT_OUTPUT_SIZE], value[CRYPT_OUTPUT_SIZE + 64];

    if (!cb_auth_name_ok(u->name)) {
        snprintf(errstr, errstr_size, "a name is 1-63 letters, digits, '.', "
                 "'_' or '-'");
        return -1;
    }
    if (cb_auth_hash(password, hash, sizeof(hash), errstr, errstr_size) != 0)
        return -1;
    snprintf(value, sizeof(value), "%s %s %s", cb_role_name(u->role),
             u->role == CB_ROLE_COUNTY ? "-" : u->township, hash);
    redisReply *rep = cb_redis_commandf(r, "%s cb:users %s %s",
                                        replace ? "HSET" : "HSETNX", u->name,
                                        value);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
        snprintf(errstr, errstr_size, "%s",
                 rep ? rep->str : cb_redis_errstr(r));
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    int exists = !replace && rep->type == REDIS_REPLY_INTEGER &&
                 rep->integer == 0;
    freeReplyObject(rep);
    return exists ? 1 : 0;
}

/* Parses "role township hash" into u and hash.  Returns 0 or -1. */
static int parse_user(const char *v, cb_user *u, char *hash, size_t hashsz)
{
    char role[16], town[CB_CODE_SIZE];

    if (sscanf(v, "%15s %12s", role, town) != 2)
        return -1;
    const char *h = strrchr(v, ' ');
    if (h == NULL || strlen(h + 1) >= hashsz)
        return -1;
    snprintf(hash, hashsz, "%s", h + 1);
    if (strcmp(role, "county") == 0) {
        u->role = CB_ROLE_COUNTY;
        u->township[0] = '\0';
    } else if (strcmp(role, "township") == 0) {
        u->role = CB_ROLE_TOWNSHIP;
        snprintf(u->township, sizeof(u->township), "%s", town);
    } else {
        return -1;
    }
    return 0;
}

static void session_key(const char *token, char *key, size_t size)
{
    char hex[41];

    cb_sha1_hex(token, strlen(token), hex, 40);
    snprintf(key, size, "cb:session:%s", hex);
}

static int redis_fail(cb_redis *r, redisReply *rep, char *errstr,
                      size_t errstr_size)
{
    snprintf(errstr, errstr_size, "%s",
             rep && rep->type == REDIS_REPLY_ERROR ? rep->str
                                                   : cb_redis_errstr(r));
    if (rep)
        freeReplyObject(rep);
    return -1;
}

int cb_auth_sign_in(cb_redis *r, const char *name, const char *password,
                    int idle_s, cb_session *out, char *errstr,
                    size_t errstr_size)
{
    char hash[CRYPT_OUTPUT_SIZE] = "";
    cb_user u = {0};
    int known = 0;
    redisReply *rep;

    if (!cb_auth_name_ok(name) || strlen(password) > 256)
        return 0;
    rep = cb_redis_commandf(r, "GET cb:signin:fail:%s", name);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    int fails = rep->type == REDIS_REPLY_STRING ? atoi(rep->str) : 0;
    freeReplyObject(rep);
    if (fails >= FAIL_LIMIT)
        return 2;
    rep = cb_redis_commandf(r, "HGET cb:users %s", name);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    if (rep->type == REDIS_REPLY_STRING &&
        parse_user(rep->str, &u, hash, sizeof(hash)) == 0)
        known = 1;
    freeReplyObject(rep);
    if (!known) { /* the same work as a wrong password */
        pthread_once(&dummy_once, make_dummy_hash);
        if (dummy_hash[0] != '\0')
            cb_auth_verify(password, dummy_hash);
    }
    if (!known || !cb_auth_verify(password, hash)) {
        rep = cb_redis_commandf(r, "INCR cb:signin:fail:%s", name);
        if (rep)
            freeReplyObject(rep);
        rep = cb_redis_commandf(r, "EXPIRE cb:signin:fail:%s %d", name,
                                FAIL_WINDOW_S);
        if (rep)
            freeReplyObject(rep);
        return 0;
    }
    rep = cb_redis_commandf(r, "DEL cb:signin:fail:%s", name);
    if (rep)
        freeReplyObject(rep);
    snprintf(u.name, sizeof(u.name), "%s", name);
    memset(out, 0, sizeof(*out));
    out->user = u;
    if (random_hex(out->token, 32) != 0 || random_hex(out->csrf, 32) != 0) {
        snprintf(errstr, errstr_size, "no random bytes for a token");
        return -1;
    }
    char key[64];
    session_key(out->token, key, sizeof(key));
    rep = cb_redis_commandf(r, "HSET %s user %s role %s township %s csrf %s",
                            key, u.name, cb_role_name(u.role),
                            u.township[0] ? u.township : "-", out->csrf);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    freeReplyObject(rep);
    rep = cb_redis_commandf(r, "EXPIRE %s %d", key, idle_s);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    freeReplyObject(rep);
    return 1;
}

int cb_auth_session(cb_redis *r, const char *token, int idle_s,
                    cb_session *out, char *errstr, size_t errstr_size)
{
    char key[64];
    redisReply *rep;

    if (strlen(token) != CB_TOKEN_SIZE - 1)
        return 0;
    session_key(token, key, sizeof(key));
    rep = cb_redis_commandf(r, "HMGET %s user role township csrf", key);
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 4)
        return redis_fail(r, rep, errstr, errstr_size);
    for (int i = 0; i < 4; i++)
        if (rep->element[i]->type != REDIS_REPLY_STRING) {
            freeReplyObject(rep);
            return 0;
        }
    memset(out, 0, sizeof(*out));
    snprintf(out->token, sizeof(out->token), "%s", token);
    snprintf(out->user.name, sizeof(out->user.name), "%s",
             rep->element[0]->str);
    out->user.role = strcmp(rep->element[1]->str, "county") == 0
                         ? CB_ROLE_COUNTY
                         : CB_ROLE_TOWNSHIP;
    if (out->user.role == CB_ROLE_TOWNSHIP)
        snprintf(out->user.township, sizeof(out->user.township), "%s",
                 rep->element[2]->str);
    snprintf(out->csrf, sizeof(out->csrf), "%s", rep->element[3]->str);
    freeReplyObject(rep);
    rep = cb_redis_commandf(r, "EXPIRE %s %d", key, idle_s);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    freeReplyObject(rep);
    return 1;
}

int cb_auth_sign_out(cb_redis *r, const char *token, char *errstr,
                     size_t errstr_size)
{
    char key[64];

    session_key(token, key, sizeof(key));
    redisReply *rep = cb_redis_commandf(r, "DEL %s", key);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    freeReplyObject(rep);
    return 0;
}
