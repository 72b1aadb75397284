/* cb_auth.c -- accounts and sessions of the workbench (cb_auth.h). */
#include <arpa/inet.h>
#include <crypt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cb_auth.h"
#include "cb_sha1.h"

#define TAG "cb:{signin}"
#define INET6_TEXT INET6_ADDRSTRLEN /* every key of the sign-in limits: one slot */

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

/* ------------------------------------------------------ sign-in limits */

const char *cb_signin_outcome_name(int outcome)
{
    switch (outcome) {
    case CB_SIGNIN_OK:
        return "ok";
    case CB_SIGNIN_BAD_NAME:
        return "not_a_name";
    case CB_SIGNIN_UNKNOWN_NAME:
        return "unknown_name";
    case CB_SIGNIN_WRONG_PASSWORD:
        return "wrong_password";
    case CB_SIGNIN_LIMIT_NAME:
        return "refused_name_limit";
    case CB_SIGNIN_LIMIT_ADDRESS:
        return "refused_address_limit";
    }
    return "?";
}

/* One command of a transaction, its arguments as text. */
typedef struct tx_cmd {
    int argc;
    const char *argv[6];
} tx_cmd;

/* Runs n commands as one MULTI/EXEC on node (one round trip) and returns
 * EXEC's array, which the caller frees; NULL with errstr when Redis
 * refused any of it or the connection failed (then the connection's
 * pipeline is in no known state: the caller drops it). */
static redisReply *run_tx(cb_redis *node, const tx_cmd *cmds, int n,
                          char *errstr, size_t errstr_size)
{
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
    size_t len[6];
    redisReply *rep = NULL;
    int ok = 1;

    len[0] = 5;
    if (cb_redis_append(node, 1, multi, len) != 0)
        goto conn_failed;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < cmds[i].argc; k++)
            len[k] = strlen(cmds[i].argv[k]);
        /* hiredis's argv is not const-qualified all the way */
        if (cb_redis_append(node, cmds[i].argc, (const char **)cmds[i].argv,
                            len) != 0)
            goto conn_failed;
    }
    len[0] = 4;
    if (cb_redis_append(node, 1, exec, len) != 0)
        goto conn_failed;
    for (int i = 0; i < n + 2; i++) { /* OK, QUEUED.., then EXEC's */
        if ((rep = cb_redis_get_reply(node)) == NULL)
            goto conn_failed;
        if (rep->type == REDIS_REPLY_ERROR && ok) {
            snprintf(errstr, errstr_size, "%s", rep->str);
            ok = 0;
        }
        if (i < n + 1)
            freeReplyObject(rep);
    }
    if (ok && (rep->type != REDIS_REPLY_ARRAY || rep->elements != (size_t)n)) {
        snprintf(errstr, errstr_size, "a sign-in transaction was aborted");
        ok = 0;
    }
    if (!ok) {
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
conn_failed:
    snprintf(errstr, errstr_size, "%s", cb_redis_errstr(node));
    return NULL;
}

/* A reservation in two budgets: the name's (K) and the address's (A). */
typedef struct ticket {
    char name_key[CB_USER_NAME_SIZE + 32];
    char addr_key[INET6_TEXT + 32];
    char member[48];   /* unique: "<ms>:<random>" */
    char now[24], cutoff[24], window_ms[24];
    long name_count, addr_count;          /* checks in each, this one too */
    int64_t name_oldest, addr_oldest;     /* their oldest check's time */
} ticket;

static int64_t oldest_of(const redisReply *zrange)
{
    if (zrange->type != REDIS_REPLY_ARRAY || zrange->elements < 2 ||
        zrange->element[1]->type != REDIS_REPLY_STRING)
        return 0;
    return strtoll(zrange->element[1]->str, NULL, 10);
}

/* Adds the ticket to both budgets, trimmed to the window first, and reads
 * how many checks each now holds.  One MULTI: requests that arrive
 * together are counted one after another.  Returns 0 or -1. */
static int reserve(cb_redis *node, ticket *t, char *errstr,
                   size_t errstr_size)
{
    const char *keys[2] = {t->name_key, t->addr_key};
    tx_cmd c[10];

    for (int i = 0; i < 2; i++) {
        tx_cmd *b = &c[5 * i];
        b[0] = (tx_cmd){4, {"ZREMRANGEBYSCORE", keys[i], "-inf", t->cutoff}};
        b[1] = (tx_cmd){4, {"ZADD", keys[i], t->now, t->member}};
        b[2] = (tx_cmd){2, {"ZCARD", keys[i]}};
        b[3] = (tx_cmd){5, {"ZRANGE", keys[i], "0", "0", "WITHSCORES"}};
        b[4] = (tx_cmd){3, {"PEXPIRE", keys[i], t->window_ms}};
    }
    redisReply *rep = run_tx(node, c, 10, errstr, errstr_size);
    if (rep == NULL)
        return -1;
    t->name_count = (long)rep->element[2]->integer;
    t->name_oldest = oldest_of(rep->element[3]);
    t->addr_count = (long)rep->element[7]->integer;
    t->addr_oldest = oldest_of(rep->element[8]);
    freeReplyObject(rep);
    return 0;
}

/* Takes the ticket out of the budgets again (a refusal, or a right
 * password), and on success also remembers the address as the name's.
 * keep_name leaves it in the name's budget: a right password from an
 * address the name never signed in from still counts there, so that a
 * burst of guesses with the right one among them checks at most
 * CB_SIGNIN_NAME_LIMIT passwords whatever the order they are served in. */
static int give_back(cb_redis *node, const ticket *t, int keep_name,
                     const char *seen_key, const char *address, char *errstr,
                     size_t errstr_size)
{
    char seen_cutoff[24], seen_ms[24];
    tx_cmd c[5];
    int n = 0;

    if (!keep_name)
        c[n++] = (tx_cmd){3, {"ZREM", t->name_key, t->member}};
    c[n++] = (tx_cmd){3, {"ZREM", t->addr_key, t->member}};
    if (seen_key != NULL) {
        snprintf(seen_cutoff, sizeof(seen_cutoff), "%" PRId64,
                 (int64_t)strtoll(t->now, NULL, 10) -
                     (int64_t)CB_SIGNIN_SEEN_S * 1000);
        snprintf(seen_ms, sizeof(seen_ms), "%" PRId64,
                 (int64_t)CB_SIGNIN_SEEN_S * 1000);
        c[n++] = (tx_cmd){4, {"ZADD", seen_key, t->now, address}};
        c[n++] = (tx_cmd){4, {"ZREMRANGEBYSCORE", seen_key, "-inf",
                              seen_cutoff}};
        c[n++] = (tx_cmd){3, {"PEXPIRE", seen_key, seen_ms}};
    }
    redisReply *rep = run_tx(node, c, n, errstr, errstr_size);
    if (rep == NULL)
        return -1;
    freeReplyObject(rep);
    return 0;
}

/* Whether name signed in from address within CB_SIGNIN_SEEN_S.  Returns
 * 1, 0 or -1. */
static int address_known(cb_redis *node, const char *seen_key,
                         const char *address, int64_t now_ms, char *errstr,
                         size_t errstr_size)
{
    const char *argv[] = {"ZSCORE", seen_key, address};
    size_t len[] = {6, strlen(seen_key), strlen(address)};
    redisReply *rep = cb_redis_command(node, 3, argv, len);

    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(node, rep, errstr, errstr_size);
    int known = rep->type == REDIS_REPLY_STRING &&
                strtoll(rep->str, NULL, 10) >
                    now_ms - (int64_t)CB_SIGNIN_SEEN_S * 1000;
    freeReplyObject(rep);
    return known;
}

static int seconds_left(int64_t oldest, int64_t now_ms)
{
    int64_t ms = oldest + (int64_t)CB_SIGNIN_WINDOW_S * 1000 - now_ms;
    int s = (int)((ms + 999) / 1000);

    return s < 1 ? 1 : s > CB_SIGNIN_WINDOW_S ? CB_SIGNIN_WINDOW_S : s;
}

/* Reserves a check for name from address in the budgets that apply.
 * Returns 1 (go on: check the password), 2 (refused, how says why), -1. */
static int take_check(cb_redis *node, const char *name, const char *address,
                      int64_t now_ms, const char *seen_key, ticket *t,
                      cb_signin *how, char *errstr, size_t errstr_size)
{
    char rnd[17];

    int known = address_known(node, seen_key, address, now_ms, errstr,
                              errstr_size);
    if (known < 0)
        return -1;
    how->known_address = known;
    if (random_hex(rnd, 8) != 0) {
        snprintf(errstr, errstr_size, "no random bytes");
        return -1;
    }
    snprintf(t->name_key, sizeof(t->name_key), TAG ":%s:%s",
             known ? "known" : "name", name);
    snprintf(t->addr_key, sizeof(t->addr_key), TAG ":addr:%s", address);
    snprintf(t->member, sizeof(t->member), "%" PRId64 ":%s", now_ms, rnd);
    snprintf(t->now, sizeof(t->now), "%" PRId64, now_ms);
    snprintf(t->cutoff, sizeof(t->cutoff), "%" PRId64,
             now_ms - (int64_t)CB_SIGNIN_WINDOW_S * 1000);
    snprintf(t->window_ms, sizeof(t->window_ms), "%d",
             CB_SIGNIN_WINDOW_S * 1000);
    if (reserve(node, t, errstr, errstr_size) != 0)
        return -1;
    int name_limit = known ? CB_SIGNIN_KNOWN_LIMIT : CB_SIGNIN_NAME_LIMIT;
    int name_over = t->name_count > name_limit;
    int addr_over = t->addr_count > CB_SIGNIN_ADDR_LIMIT;
    if (!name_over && !addr_over)
        return 1;
    how->outcome = name_over ? CB_SIGNIN_LIMIT_NAME : CB_SIGNIN_LIMIT_ADDRESS;
    int wait_name = name_over ? seconds_left(t->name_oldest, now_ms) : 0;
    int wait_addr = addr_over ? seconds_left(t->addr_oldest, now_ms) : 0;
    how->retry_after_s = wait_name > wait_addr ? wait_name : wait_addr;
    if (give_back(node, t, 0, NULL, NULL, errstr, errstr_size) != 0)
        return -1;
    return 2;
}

/* ------------------------------------------------------------ sign in */

/* Looks name up and checks the password (against a dummy hash for an
 * unknown name, the same work).  Returns 1 right, 0 wrong, -1. */
static int check_password(cb_redis *r, const char *name,
                          const char *password, cb_signin *how,
                          char *errstr, size_t errstr_size)
{
    char hash[CRYPT_OUTPUT_SIZE] = "";
    redisReply *rep = cb_redis_commandf(r, "HGET cb:users %s", name);

    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    if (rep->type == REDIS_REPLY_STRING &&
        parse_user(rep->str, &how->user, hash, sizeof(hash)) == 0)
        how->known_user = 1;
    freeReplyObject(rep);
    if (!how->known_user) {
        pthread_once(&dummy_once, make_dummy_hash);
        if (dummy_hash[0] != '\0')
            cb_auth_verify(password, dummy_hash);
        how->outcome = CB_SIGNIN_UNKNOWN_NAME;
        return 0;
    }
    if (!cb_auth_verify(password, hash)) {
        how->outcome = CB_SIGNIN_WRONG_PASSWORD;
        return 0;
    }
    how->outcome = CB_SIGNIN_OK;
    return 1;
}

static int new_session(cb_redis *r, const cb_user *u, int idle_s,
                       cb_session *out, char *errstr, size_t errstr_size)
{
    char key[64];
    redisReply *rep;

    memset(out, 0, sizeof(*out));
    out->user = *u;
    if (random_hex(out->token, 32) != 0 || random_hex(out->csrf, 32) != 0) {
        snprintf(errstr, errstr_size, "no random bytes for a token");
        return -1;
    }
    session_key(out->token, key, sizeof(key));
    rep = cb_redis_commandf(r, "HSET %s user %s role %s township %s csrf %s",
                            key, u->name, cb_role_name(u->role),
                            u->township[0] ? u->township : "-", out->csrf);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    freeReplyObject(rep);
    rep = cb_redis_commandf(r, "EXPIRE %s %d", key, idle_s);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        return redis_fail(r, rep, errstr, errstr_size);
    freeReplyObject(rep);
    return 0;
}

int cb_auth_sign_in(cb_redis *r, const char *name, const char *password,
                    const char *address, int64_t now_ms, int idle_s,
                    cb_session *out, cb_signin *how, char *errstr,
                    size_t errstr_size)
{
    char seen_key[CB_USER_NAME_SIZE + 32];
    ticket t;

    memset(how, 0, sizeof(*how));
    how->outcome = CB_SIGNIN_BAD_NAME;
    if (!cb_auth_name_ok(name) || strlen(password) > 256)
        return 0;
    snprintf(how->user.name, sizeof(how->user.name), "%s", name);
    if (address == NULL || *address == '\0')
        address = "unknown";
    snprintf(seen_key, sizeof(seen_key), TAG ":seen:%s", name);
    cb_redis *node = cb_redis_node(r, seen_key, strlen(seen_key));
    if (node == NULL) {
        snprintf(errstr, errstr_size, "%s", cb_redis_errstr(r));
        return -1;
    }
    int rc = take_check(node, name, address, now_ms, seen_key, &t, how,
                        errstr, errstr_size);
    if (rc != 1)
        return rc;
    rc = check_password(r, name, password, how, errstr, errstr_size);
    if (rc != 1)
        return rc; /* a wrong one keeps its place in the budgets */
    snprintf(how->user.name, sizeof(how->user.name), "%s", name);
    if (give_back(node, &t, !how->known_address, seen_key, address, errstr,
                  errstr_size) != 0 ||
        new_session(r, &how->user, idle_s, out, errstr, errstr_size) != 0)
        return -1;
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

int cb_auth_session_alive(cb_redis *r, const char *token, char *errstr,
                          size_t errstr_size)
{
    char key[64];

    if (strlen(token) != CB_TOKEN_SIZE - 1)
        return 0;
    session_key(token, key, sizeof(key));
    redisReply *rep = cb_redis_commandf(r, "EXISTS %s", key);
    if (rep == NULL || rep->type != REDIS_REPLY_INTEGER)
        return redis_fail(r, rep, errstr, errstr_size);
    int alive = rep->integer == 1;
    freeReplyObject(rep);
    return alive;
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
