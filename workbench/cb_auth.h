/* cb_auth.h -- who may use the workbench: accounts, their passwords, and
 * the sessions of those signed in, all kept in Redis.
 *
 *   cb:users              hash: name -> "role township hash"
 *   cb:session:<sha1>     hash: user, role, township, csrf; expires when
 *                         idle (the key is the SHA-1 of the token, so
 *                         what Redis holds cannot be used as a cookie)
 *   cb:signin:fail:<name> failed sign-ins of the last 15 minutes
 *
 * Passwords are stored as crypt(3) strings of yescrypt (libxcrypt), salted
 * and slow; a sign-in with an unknown name costs the same as one with a
 * wrong password.  Tokens are 32 random bytes from getrandom(2), in hex. */
#ifndef CB_AUTH_H
#define CB_AUTH_H

#include <stddef.h>

#include "cb_record.h"
#include "cb_redis.h"

typedef enum cb_role { CB_ROLE_TOWNSHIP, CB_ROLE_COUNTY } cb_role;

#define CB_USER_NAME_SIZE 64
#define CB_TOKEN_SIZE 65 /* 64 hex digits */

typedef struct cb_user {
    char name[CB_USER_NAME_SIZE];
    int role;                          /* cb_role */
    char township[CB_CODE_SIZE];       /* "" for the county */
} cb_user;

typedef struct cb_session {
    char token[CB_TOKEN_SIZE]; /* the cookie's value */
    char csrf[CB_TOKEN_SIZE];  /* what X-CSRF-Token must say */
    cb_user user;
} cb_session;

/* "township" or "county". */
const char *cb_role_name(int role);

/* A name of 1-63 letters, digits, '.', '_' or '-'.  Returns 1 or 0. */
int cb_auth_name_ok(const char *name);

/* Hashes a password (at least 8 bytes, at most 256) into out (which holds
 * at least 384 bytes).  Returns 0, or -1 with errstr. */
int cb_auth_hash(const char *password, char *out, size_t outsz, char *errstr,
                 size_t errstr_size);

/* Whether password matches a hash of cb_auth_hash.  Returns 1 or 0. */
int cb_auth_verify(const char *password, const char *hash);

/* Creates an account, or replaces its password and role with replace.
 * Returns 0, 1 when it exists and replace is 0, -1 with errstr. */
int cb_auth_add_user(cb_redis *r, const cb_user *u, const char *password,
                     int replace, char *errstr, size_t errstr_size);

/* Signs in: on a right name and password, a new session that expires
 * after idle_s seconds without use.  Returns 1 with *out, 0 for a wrong
 * name or password, 2 when the name had too many failures lately, -1 with
 * errstr on Redis trouble. */
int cb_auth_sign_in(cb_redis *r, const char *name, const char *password,
                    int idle_s, cb_session *out, char *errstr,
                    size_t errstr_size);

/* The session of a token, its idle time started again.  Returns 1 with
 * *out, 0 when there is none (never was, expired, signed out), -1 with
 * errstr. */
int cb_auth_session(cb_redis *r, const char *token, int idle_s,
                    cb_session *out, char *errstr, size_t errstr_size);

/* Ends a session.  Returns 0 or -1. */
int cb_auth_sign_out(cb_redis *r, const char *token, char *errstr,
                     size_t errstr_size);

/* Whether two tokens are equal, in time that does not depend on where they
 * differ.  Returns 1 or 0. */
int cb_auth_token_eq(const char *a, const char *b);

#endif
