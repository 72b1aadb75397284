/* cb_auth.h -- who may use the workbench: accounts, their passwords, and
 * the sessions of those signed in, all kept in Redis.
 *
 *   cb:users                    hash: name -> "role township hash"
 *   cb:session:<sha1>           hash: user, role, township, csrf; expires
 *                               when idle (the key is the SHA-1 of the
 *                               token, so what Redis holds cannot be used
 *                               as a cookie)
 *   cb:{signin}:name:<name>     sorted sets of password checks (score: ms
 *   cb:{signin}:known:<name>    of the wall clock), each trimmed to the
 *   cb:{signin}:addr:<address>  last 15 minutes: checks of a name from
 *                               addresses it never signed in from, from
 *                               addresses it did, and from an address
 *                               whatever the name
 *   cb:{signin}:seen:<name>     sorted set: addresses the name signed in
 *                               from (score: the last time), 30 days
 *
 * Sign-in limits (the why in docs/SECURITY.md): a password check is
 * reserved in its name's budget and its address's budget in one MULTI
 * before the password is looked at, so that parallel requests cannot all
 * pass a count read before any of them raised it; a request that finds a
 * budget spent gives its reservation back and is refused without a check.
 * A check that succeeds from a known address gives its reservation back
 * (it was no guess); any other check keeps it for 15 minutes.  Budgets: 10 checks of a name
 * from unknown addresses, 10 more from its known ones (a stranger cannot
 * spend the real user's), 30 of an address across names.  The {signin}
 * hash tag keeps every key of one MULTI in one cluster slot.
 *
 * Passwords are stored as crypt(3) strings of yescrypt (libxcrypt), salted
 * and slow; a sign-in with an unknown name costs the same as one with a
 * wrong password.  Tokens are 32 random bytes from getrandom(2), in hex. */
#ifndef CB_AUTH_H
#define CB_AUTH_H

#include <stddef.h>
#include <stdint.h>

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

#define CB_SIGNIN_WINDOW_S 900    /* budgets count checks of 15 minutes */
#define CB_SIGNIN_NAME_LIMIT 10   /* of a name from unknown addresses */
#define CB_SIGNIN_KNOWN_LIMIT 10  /* of a name from its known addresses */
#define CB_SIGNIN_ADDR_LIMIT 30   /* from one address, any name */
#define CB_SIGNIN_SEEN_S (30 * 86400) /* an address stays known this long */

/* How a sign-in went, for the answer and the audit log. */
typedef enum cb_signin_outcome {
    CB_SIGNIN_OK,
    CB_SIGNIN_BAD_NAME,       /* not a possible name: nothing checked */
    CB_SIGNIN_UNKNOWN_NAME,   /* checked against a dummy hash */
    CB_SIGNIN_WRONG_PASSWORD,
    CB_SIGNIN_LIMIT_NAME,     /* the name's budget was spent: not checked */
    CB_SIGNIN_LIMIT_ADDRESS   /* the address's budget was spent */
} cb_signin_outcome;

typedef struct cb_signin {
    int outcome;            /* cb_signin_outcome */
    int retry_after_s;      /* when refused by a limit: until a check frees */
    int known_address;      /* the name signed in from there lately */
    int known_user;         /* user's role and township are the account's */
    cb_user user;           /* name as given (when a possible name) */
} cb_signin;

/* What an outcome is called in the audit log ("wrong_password"). */
const char *cb_signin_outcome_name(int outcome);

/* Signs in name from address (the client's, "" when unknown) at now_ms
 * (wall clock).  On a right name and password, a new session that expires
 * after idle_s seconds without use.  Returns 1 with *out, 0 for a wrong
 * name or password, 2 when a budget was spent (no password check), -1
 * with errstr on Redis trouble; *how says which, whatever it returns.
 * The password is never stored or logged. */
int cb_auth_sign_in(cb_redis *r, const char *name, const char *password,
                    const char *address, int64_t now_ms, int idle_s,
                    cb_session *out, cb_signin *how, char *errstr,
                    size_t errstr_size);

/* The session of a token, its idle time started again.  Returns 1 with
 * *out, 0 when there is none (never was, expired, signed out), -1 with
 * errstr. */
int cb_auth_session(cb_redis *r, const char *token, int idle_s,
                    cb_session *out, char *errstr, size_t errstr_size);

/* Whether a token's session still exists, its idle time left as it is
 * (a live stream asks this; it must not keep a session alive).  Returns
 * 1, 0 (ended or expired) or -1 with errstr. */
int cb_auth_session_alive(cb_redis *r, const char *token, char *errstr,
                          size_t errstr_size);

/* Ends a session.  Returns 0 or -1. */
int cb_auth_sign_out(cb_redis *r, const char *token, char *errstr,
                     size_t errstr_size);

/* Whether two tokens are equal, in time that does not depend on where they
 * differ.  Returns 1 or 0. */
int cb_auth_token_eq(const char *a, const char *b);

#endif
