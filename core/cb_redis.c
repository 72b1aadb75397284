/* cb_redis.c -- hiredis connections: URL, auth, database, scripts,
 * pipelines, with a sticky error that never carries a password.  A URL
 * that names a Redis Cluster node gets the cluster: cb_redis_cluster.c
 * routes its commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cb_err.h"
#include "cb_redis_int.h"

/* Decodes %XX escapes of a URL part in place (a password may need them). */
static int url_decode(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        if (*r == '%') {
            unsigned v;
            if (sscanf(r + 1, "%2x", &v) != 1 || r[1] == '\0' || r[2] == '\0')
                return -1;
            *w++ = (char)v;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return 0;
}

int cb_redis_url_parse(const char *url, cb_redis_url *out, char *errstr,
                       size_t errstr_size)
{
    const char *p, *at, *hostp, *colon, *slash;
    char port[16];
    size_t n;
    char *end;
    long v;

    memset(out, 0, sizeof(*out));
    if (strncmp(url, "redis://", 8) != 0)
        return cb_err_set(errstr, errstr_size, "the Redis URL must start with "
                          "redis:// (TLS, rediss://, is not supported by this "
                          "build of hiredis)");
    p = url + 8;
    at = strchr(p, '@');
    slash = strchr(p, '/');
    if (at != NULL && (slash == NULL || at < slash)) {
        const char *c = memchr(p, ':', (size_t)(at - p));
        if (c != NULL) {
            n = (size_t)(c - p);
            if (n >= sizeof(out->user) ||
                (size_t)(at - c - 1) >= sizeof(out->pass))
                return cb_err_set(errstr, errstr_size, "the Redis user or "
                                  "password is too long");
            memcpy(out->user, p, n);
            memcpy(out->pass, c + 1, (size_t)(at - c - 1));
        } else {
            /* redis://pass@host, as some clients write it */
            if ((size_t)(at - p) >= sizeof(out->pass))
                return cb_err_set(errstr, errstr_size, "the Redis password is "
                                  "too long");
            memcpy(out->pass, p, (size_t)(at - p));
        }
        if (url_decode(out->user) != 0 || url_decode(out->pass) != 0)
            return cb_err_set(errstr, errstr_size, "bad %%-escape in the Redis "
                              "user or password");
        hostp = at + 1;
    } else {
        hostp = p;
    }
    slash = strchr(hostp, '/');
    colon = strrchr(hostp, ':');
    if (colon != NULL && slash != NULL && colon > slash)
        colon = NULL;
    n = (size_t)((colon ? colon : slash ? slash : hostp + strlen(hostp)) -
                 hostp);
    if (n == 0 || n >= sizeof(out->host))
        return cb_err_set(errstr, errstr_size, "the Redis URL has no host");
    memcpy(out->host, hostp, n);
    out->port = 6379;
    if (colon != NULL) {
        size_t pl = (size_t)((slash ? slash : colon + strlen(colon)) -
                             (colon + 1));
        if (pl == 0 || pl >= sizeof(port))
            return cb_err_set(errstr, errstr_size, "bad port in the Redis URL");
        memcpy(port, colon + 1, pl);
        port[pl] = '\0';
        v = strtol(port, &end, 10);
        if (*end != '\0' || v < 1 || v > 65535)
            return cb_err_set(errstr, errstr_size, "bad port in the Redis URL");
        out->port = (int)v;
    }
    if (slash != NULL && slash[1] != '\0') {
        v = strtol(slash + 1, &end, 10);
        if (*end != '\0' || v < 0 || v > 1000000)
            return cb_err_set(errstr, errstr_size, "bad database number in the "
                              "Redis URL");
        out->db = (int)v;
    }
    return 0;
}

void cb_redis_set_err(cb_redis *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    if (r->parent != NULL)
        snprintf(r->parent->err, sizeof(r->parent->err), "%s", r->err);
}

int cb_redis_open(cb_redis *r)
{
    struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
    redisReply *reply;

    if (r->ctx != NULL)
        redisFree(r->ctx);
    r->err[0] = '\0';
    r->ctx = redisConnectWithTimeout(r->url.host, r->url.port, tv);
    if (r->ctx == NULL || r->ctx->err) {
        cb_redis_set_err(r, "cannot connect to Redis at %s: %s", r->where,
                         r->ctx ? r->ctx->errstr : "out of memory");
        return -1;
    }
    redisSetTimeout(r->ctx, tv);
    if (r->url.pass[0] != '\0') {
        if (r->url.user[0] != '\0')
            reply = redisCommand(r->ctx, "AUTH %s %s", r->url.user,
                                 r->url.pass);
        else
            reply = redisCommand(r->ctx, "AUTH %s", r->url.pass);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            /* The reply names no password; still, say only that it
             * failed. */
            cb_redis_set_err(r, "Redis at %s refused the credentials",
                             r->where);
            if (reply != NULL)
                freeReplyObject(reply);
            return -1;
        }
        freeReplyObject(reply);
    } else {
        /* No credentials: ask now whether Redis wants some, so that the
         * first error is that, not a later command's NOAUTH. */
        reply = redisCommand(r->ctx, "PING");
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            if (reply != NULL && strncmp(reply->str, "NOAUTH", 6) == 0)
                cb_redis_set_err(r, "Redis at %s wants credentials: give "
                                 "them in the URL, "
                                 "redis://user:password@host:port",
                                 r->where);
            else
                cb_redis_set_err(r, "Redis at %s: %s", r->where,
                                 reply ? reply->str : r->ctx->errstr);
            if (reply != NULL)
                freeReplyObject(reply);
            return -1;
        }
        freeReplyObject(reply);
    }
    if (r->url.db != 0) {
        reply = redisCommand(r->ctx, "SELECT %d", r->url.db);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            cb_redis_set_err(r, "Redis at %s: cannot select database %d: "
                             "%s", r->where, r->url.db,
                             reply ? reply->str : r->ctx->errstr);
            if (reply != NULL)
                freeReplyObject(reply);
            return -1;
        }
        freeReplyObject(reply);
    }
    return 0;
}

cb_redis *cb_redis_connect(const char *url, int timeout_ms, char *errstr,
                           size_t errstr_size)
{
    cb_redis *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (cb_redis_url_parse(url, &r->url, errstr, errstr_size) != 0) {
        free(r);
        return NULL;
    }
    r->timeout_ms = timeout_ms;
    snprintf(r->where, sizeof(r->where), "%s:%d/%d", r->url.host,
             r->url.port, r->url.db);
    if (cb_redis_open(r) != 0 || cb_redis_cluster_discover(r) != 0) {
        cb_err_set(errstr, errstr_size, "%s", r->err);
        cb_redis_free(r);
        return NULL;
    }
    return r;
}

int cb_redis_reconnect(cb_redis *r)
{
    if (r->cluster)
        return cb_redis_cluster_refresh(r);
    return cb_redis_open(r);
}

void cb_redis_free(cb_redis *r)
{
    if (r == NULL)
        return;
    if (r->ctx != NULL)
        redisFree(r->ctx);
    cb_redis_cluster_drop(r);
    /* the password leaves memory with the connection */
    memset(&r->url, 0, sizeof(r->url));
    free(r);
}

const char *cb_redis_errstr(const cb_redis *r)
{
    return r->err;
}

const char *cb_redis_where(const cb_redis *r)
{
    return r->where;
}

redisContext *cb_redis_context(cb_redis *r)
{
    return r->ctx;
}

int cb_redis_is_cluster(const cb_redis *r)
{
    return r->cluster;
}

/* After a NULL reply: the connection is broken. */
static void conn_err(cb_redis *r)
{
    cb_redis_set_err(r, "Redis at %s: %s", r->where,
                     r->ctx && r->ctx->err ? r->ctx->errstr
                                           : "connection lost");
}

/* A pipeline is one connection's: a cluster has none of its own. */
static int no_pipeline(cb_redis *r)
{
    if (!r->cluster)
        return 0;
    cb_redis_set_err(r, "Redis at %s is a cluster: pipeline on the "
                     "connection of a slot (cb_redis_node)", r->where);
    return 1;
}

/* A command already in Redis's protocol, on a cluster. */
static redisReply *run_formatted(cb_redis *r, char *cmd, int len)
{
    redisReply *reply;

    if (len < 0) {
        cb_redis_set_err(r, "out of memory for a command");
        return NULL;
    }
    reply = cb_redis_cluster_run(r, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return reply;
}

redisReply *cb_redis_command(cb_redis *r, int argc, const char **argv,
                             const size_t *argvlen)
{
    redisReply *reply;

    if (r->cluster) {
        char *cmd = NULL;
        int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
        return run_formatted(r, cmd, len);
    }
    reply = redisCommandArgv(r->ctx, argc, argv, argvlen);
    if (reply == NULL)
        conn_err(r);
    return reply;
}

redisReply *cb_redis_commandf(cb_redis *r, const char *fmt, ...)
{
    va_list ap;
    redisReply *reply;

    va_start(ap, fmt);
    if (r->cluster) {
        char *cmd = NULL;
        int len = redisvFormatCommand(&cmd, fmt, ap);
        va_end(ap);
        return run_formatted(r, cmd, len);
    }
    reply = redisvCommand(r->ctx, fmt, ap);
    va_end(ap);
    if (reply == NULL)
        conn_err(r);
    return reply;
}

int cb_redis_script_load(cb_redis *r, cb_redis_script *s)
{
    /* on a cluster, SCRIPT LOAD goes to every master */
    redisReply *reply = cb_redis_commandf(r, "SCRIPT LOAD %s", s->source);

    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
        cb_redis_set_err(r, "Redis at %s refused a script: %s", r->where,
                         reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : "bad reply");
        freeReplyObject(reply);
        return -1;
    }
    memcpy(s->sha, reply->str, 40);
    s->sha[40] = '\0';
    freeReplyObject(reply);
    return 0;
}

int cb_redis_append_evalsha(cb_redis *r, const cb_redis_script *s,
                            int numkeys, int argc, const char **argv,
                            const size_t *argvlen)
{
    /* EVALSHA sha numkeys keys... args...: put the head in front. */
    const char **av = malloc(((size_t)argc + 3) * sizeof(*av));
    size_t *avlen = malloc(((size_t)argc + 3) * sizeof(*avlen));
    char nk[16];
    int rc = -1;

    if (av == NULL || avlen == NULL) {
        cb_redis_set_err(r, "out of memory for %d script arguments", argc);
        goto out;
    }
    snprintf(nk, sizeof(nk), "%d", numkeys);
    av[0] = "EVALSHA";
    avlen[0] = 7;
    av[1] = s->sha;
    avlen[1] = 40;
    av[2] = nk;
    avlen[2] = strlen(nk);
    for (int i = 0; i < argc; i++) {
        av[i + 3] = argv[i];
        avlen[i + 3] = argvlen[i];
    }
    rc = cb_redis_append(r, argc + 3, av, avlen);
out:
    free(av);
    free(avlen);
    return rc;
}

int cb_redis_flush(cb_redis *r)
{
    int done = 0;

    if (no_pipeline(r))
        return -1;
    do {
        if (redisBufferWrite(r->ctx, &done) != REDIS_OK) {
            conn_err(r);
            return -1;
        }
    } while (!done);
    return 0;
}

int cb_redis_append(cb_redis *r, int argc, const char **argv,
                    const size_t *argvlen)
{
    if (no_pipeline(r))
        return -1;
    if (redisAppendCommandArgv(r->ctx, argc, argv, argvlen) != REDIS_OK) {
        conn_err(r);
        return -1;
    }
    return 0;
}

int cb_redis_append_raw(cb_redis *r, const char *cmds, size_t len)
{
    if (no_pipeline(r))
        return -1;
    if (redisAppendFormattedCommand(r->ctx, cmds, len) != REDIS_OK) {
        conn_err(r);
        return -1;
    }
    return 0;
}

redisReply *cb_redis_get_reply(cb_redis *r)
{
    void *reply = NULL;

    if (no_pipeline(r))
        return NULL;
    if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
        conn_err(r);
        return NULL;
    }
    return reply;
}

int cb_redis_is_noscript(const redisReply *reply)
{
    return reply != NULL && reply->type == REDIS_REPLY_ERROR &&
           strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

int cb_redis_is_oom(const redisReply *reply)
{
    return reply != NULL && reply->type == REDIS_REPLY_ERROR &&
           strncmp(reply->str, "OOM", 3) == 0;
}

int cb_redis_is_redirect(const redisReply *reply)
{
    /* the last: a script met a key of its slot that has already moved
     * to another node (commit.lua declares its keys on a cluster, so the
     * node answers TRYAGAIN or ASK before the script runs; this reply is
     * understood all the same) */
    static const char *const kinds[] = {
        "MOVED ", "ASK ", "TRYAGAIN", "CLUSTERDOWN",
        "ERR Script attempted to access a non local key"};

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR)
        return 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strncmp(reply->str, kinds[i], strlen(kinds[i])) == 0)
            return 1;
    return 0;
}
