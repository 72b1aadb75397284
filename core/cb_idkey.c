/* cb_idkey.c -- keyed ids (cb_idkey.h): HMAC-SHA-256 from libsodium, its
 * keyed state computed once per key and copied for every id. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include "cb_idkey.h"

struct cb_idkey {
    crypto_auth_hmacsha256_state keyed; /* after init with the key */
};

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cb_id_to_bytes(const char *digits, unsigned char out[CB_ID_DIGITS / 2])
{
    for (int i = 0; i < CB_ID_DIGITS; i++)
        if (digits[i] >= 'A' && digits[i] <= 'F')
            return -1;
    for (int i = 0; i < CB_ID_DIGITS / 2; i++) {
        int hi = hex_value(digits[2 * i]), lo = hex_value(digits[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

void cb_id_from_bytes(const unsigned char *bytes, char out[CB_ID_DIGITS + 1])
{
    static const char digit[] = "0123456789abcdef";

    for (int i = 0; i < CB_ID_DIGITS / 2; i++) {
        out[2 * i] = digit[bytes[i] >> 4];
        out[2 * i + 1] = digit[bytes[i] & 15];
    }
    out[CB_ID_DIGITS] = '\0';
}

cb_idkey *cb_idkey_from_hex(const char *hex, char *errstr, size_t errstr_size)
{
    unsigned char bytes[CB_IDKEY_BYTES];
    cb_idkey *key;

    if (hex == NULL || strlen(hex) != 2 * CB_IDKEY_BYTES) {
        snprintf(errstr, errstr_size, "the id key is 64 hex digits");
        return NULL;
    }
    for (size_t i = 0; i < CB_IDKEY_BYTES; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            sodium_memzero(bytes, sizeof(bytes));
            snprintf(errstr, errstr_size, "the id key is 64 hex digits");
            return NULL;
        }
        bytes[i] = (unsigned char)(hi << 4 | lo);
    }
    if (sodium_init() < 0 || (key = malloc(sizeof(*key))) == NULL) {
        sodium_memzero(bytes, sizeof(bytes));
        snprintf(errstr, errstr_size, "cannot prepare the id key");
        return NULL;
    }
    crypto_auth_hmacsha256_init(&key->keyed, bytes, sizeof(bytes));
    sodium_memzero(bytes, sizeof(bytes));
    return key;
}

cb_idkey *cb_idkey_from_config(const cb_config *cfg, char *errstr,
                               size_t errstr_size)
{
    const char *hex = cb_config_get(cfg, "id_key");
    char why[128];
    cb_idkey *key;

    if (hex == NULL) {
        snprintf(errstr, errstr_size,
                 "no id key: set id_key in the config file or CANBAO_ID_KEY "
                 "(make one with `canbao idkey`, once per deployment)");
        return NULL;
    }
    if ((key = cb_idkey_from_hex(hex, why, sizeof(why))) == NULL)
        snprintf(errstr, errstr_size, "id_key (CANBAO_ID_KEY): %s", why);
    return key;
}

void cb_idkey_free(cb_idkey *key)
{
    if (key == NULL)
        return;
    sodium_memzero(key, sizeof(*key));
    free(key);
}

int cb_idkey_generate(char hex[CB_IDKEY_HEX_SIZE])
{
    unsigned char bytes[CB_IDKEY_BYTES];
    size_t got = 0;

    while (got < sizeof(bytes)) {
        ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof(bytes); i++)
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    sodium_memzero(bytes, sizeof(bytes));
    return 0;
}

void cb_idkey_digest(const cb_idkey *key, const void *text, size_t len,
                     char out[CB_ID_DIGITS + 1])
{
    static const char digits[] = "0123456789abcdef";
    crypto_auth_hmacsha256_state st = key->keyed;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    crypto_auth_hmacsha256_update(&st, text, len);
    crypto_auth_hmacsha256_final(&st, mac);
    for (int i = 0; i < CB_ID_DIGITS / 2; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 15];
    }
    out[CB_ID_DIGITS] = '\0';
}

/* The digest of a formatted text (at most 511 bytes of it). */
static void digestf(const cb_idkey *key, char out[CB_ID_DIGITS + 1],
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void digestf(const cb_idkey *key, char out[CB_ID_DIGITS + 1],
                    const char *fmt, ...)
{
    char text[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(text))
        n = sizeof(text) - 1;
    cb_idkey_digest(key, text, (size_t)n, out);
}

void cb_idkey_lead(const cb_idkey *key, const char *kind, const char *subject,
                   size_t subject_len, const char *township, const char *since,
                   char out[CB_ID_DIGITS + 1])
{
    digestf(key, out, "%s|%.*s|%s|%s", kind, (int)subject_len, subject,
            township, since);
}

void cb_idkey_alert(const cb_idkey *key, const char *kind, const char *subject,
                    size_t subject_len, const char *period,
                    char out[CB_ID_DIGITS + 1])
{
    digestf(key, out, "%s|%.*s|%s", kind, (int)subject_len, subject, period);
}

void cb_idkey_review(const cb_idkey *key, const char *kind,
                     const char *subject, size_t subject_len,
                     const char *other, size_t other_len,
                     char out[CB_ID_DIGITS + 1])
{
    digestf(key, out, "%s|%.*s|%.*s", kind, (int)subject_len, subject,
            (int)other_len, other);
}
