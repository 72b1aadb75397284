/* cb_idkey.h -- the deployment's secret that keys the ids of leads and
 * alerts, so that an id shown beside a masked number cannot be used to
 * find or confirm the whole number.
 *
 * An id is the first 16 hex digits of HMAC-SHA-256(key, text), where text
 * is the rule's own description of what the id stands for (RULES.md,
 * "Ids").  Without the key, nobody can compute an id from a guessed ID
 * number; with the same key, the same text always gives the same id, which
 * exactly-once publishing relies on.
 *
 * The key is 32 bytes written as 64 hex digits: the setting id_key (config
 * file) or CANBAO_ID_KEY (environment), made once per deployment by
 * `canbao idkey`.  It is a secret (cb_config_is_secret) and never printed.
 * HMAC is libsodium's. */
#ifndef CB_IDKEY_H
#define CB_IDKEY_H

#include <stddef.h>

#include "cb_config.h"

#define CB_IDKEY_BYTES 32
#define CB_IDKEY_HEX_SIZE (2 * CB_IDKEY_BYTES + 1)
#define CB_ID_DIGITS 16 /* hex digits of an id, after its letter */

/* A parsed key with its HMAC state prepared; owned by whoever made it,
 * released with cb_idkey_free.  Read-only once made: any thread may use
 * it at once. */
typedef struct cb_idkey cb_idkey;

/* A key from 64 hex digits.  NULL with errstr for anything else (the
 * message never repeats the text, which may be a mistyped key). */
cb_idkey *cb_idkey_from_hex(const char *hex, char *errstr, size_t errstr_size);

/* The key of a configuration (id_key, CANBAO_ID_KEY).  NULL with errstr
 * when it is missing or malformed; the message says how to make one. */
cb_idkey *cb_idkey_from_config(const cb_config *cfg, char *errstr,
                               size_t errstr_size);

/* Wipes and releases a key; NULL is fine. */
void cb_idkey_free(cb_idkey *key);

/* Writes a new random key as 64 hex digits and a NUL.  Returns 0, or -1
 * when the system has no random bytes to give. */
int cb_idkey_generate(char hex[CB_IDKEY_HEX_SIZE]);

/* An id's digits as CB_ID_DIGITS / 2 bytes, two digits a byte, as a
 * store keeps them.  Returns 0, or -1 when one of the CB_ID_DIGITS is not
 * a lower-case hex digit (no id has one, and the bytes would not give it
 * back). */
int cb_id_to_bytes(const char *digits, unsigned char out[CB_ID_DIGITS / 2]);

/* The digits back from those bytes, and a NUL. */
void cb_id_from_bytes(const unsigned char *bytes, char out[CB_ID_DIGITS + 1]);

/* The id digits of text: CB_ID_DIGITS lowercase hex digits and a NUL. */
void cb_idkey_digest(const cb_idkey *key, const void *text, size_t len,
                     char out[CB_ID_DIGITS + 1]);

/* The digits of a lead's id (its letter 'L' is the caller's): the digest
 * of "KIND|SUBJECT|TOWNSHIP|SINCE", kind "person" or "employer", subject
 * the ID number or USCC (subject_len bytes), township its code, since the
 * day the lead's condition began (YYYY-MM-DD).  The one place that text is
 * written: the matcher and the ground truth both call it. */
void cb_idkey_lead(const cb_idkey *key, const char *kind, const char *subject,
                   size_t subject_len, const char *township, const char *since,
                   char out[CB_ID_DIGITS + 1]);

/* The digits of an alert's id (letter 'A'): the digest of
 * "KIND|SUBJECT|PERIOD", period "" for an alert of no period. */
void cb_idkey_alert(const cb_idkey *key, const char *kind, const char *subject,
                    size_t subject_len, const char *period,
                    char out[CB_ID_DIGITS + 1]);

/* The digits of a review item's id (letter 'R', docs/RULES.md 9.3): the
 * digest of "KIND|SUBJECT|OTHER", kind a review kind's symbol, subject the
 * registered person's 18-digit number, other the normal form of the other
 * name (cb_name_normalize), the number as written, or the larger number. */
void cb_idkey_review(const cb_idkey *key, const char *kind,
                     const char *subject, size_t subject_len,
                     const char *other, size_t other_len,
                     char out[CB_ID_DIGITS + 1]);

#endif
