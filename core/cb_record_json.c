/* cb_record_json.c -- records to and from JSON objects, over the field
 * tables of cb_record.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_mask.h"
#include "cb_record_json.h"

/* ------------------------------------------------------------- helpers */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 of n bytes into a new malloc'ed, NUL-terminated string. */
static char *b64_encode(const unsigned char *p, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    size_t i;

    if (out == NULL)
        return NULL;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = b64_alphabet[(v >> 6) & 63];
        *o++ = b64_alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes base64 (padded or not) into out, which holds at least
 * len / 4 * 3 + 3 bytes.  Returns the number of bytes, or -1 when the text
 * is not base64. */
static long b64_decode(const char *s, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    long n = 0;
    size_t pad = 0;

    while (pad < len && pad < 2 && s[len - 1 - pad] == '=')
        pad++;
    if (pad > 0 && len % 4 != 0)
        return -1;
    len -= pad;
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* A JSON string of n bytes; invalid UTF-8 (or a NUL) becomes U+FFFD. */
static json_t *lossy_string(const char *s, size_t n)
{
    size_t ok = cb_utf8_valid_prefix(s, n), cap, len = 0;
    char *buf;
    json_t *j;

    if (ok == n)
        return json_stringn(s, n);
    cap = n * 3 + 1;
    buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    while (n > 0) {
        ok = cb_utf8_valid_prefix(s, n);
        memcpy(buf + len, s, ok);
        len += ok;
        if (ok == n)
            break;
        memcpy(buf + len, "\xEF\xBF\xBD", 3);
        len += 3;
        s += ok + 1;
        n -= ok + 1;
    }
    j = json_stringn(buf, len);
    free(buf);
    return j;
}

/* -------------------------------------------------------------- writing */

/* The JSON value of a present field, or NULL when out of memory. */
static json_t *field_to_json(cb_kind kind, const cb_field *f, const void *rec,
                             int flags)
{
    const void *p = CB_FIELD_CPTR(rec, f);

    switch (f->type) {
    case CB_FT_STRING: {
        const char *s = p;
        if ((flags & CB_JSON_MASK) &&
            cb_mask_field_kind(kind, f, rec) != CB_MASK_NONE) {
            char masked[CB_ORG_NAME_SIZE];
            cb_mask_field(kind, f, rec, s, masked, sizeof(masked));
            return json_string(masked);
        }
        return lossy_string(s, strnlen(s, f->size));
    }
    case CB_FT_ENUM: {
        const char *sym = cb_enum_symbol(f, *(const int *)p);
        /* a value outside the enum is shown, not hidden */
        return sym != NULL ? json_string(sym) : json_integer(*(const int *)p);
    }
    case CB_FT_DATE: {
        char d[11];
        cb_date_format(*(const int32_t *)p, d);
        return json_string(d);
    }
    case CB_FT_TIME: {
        char t[CB_TIME_BUFSZ];
        cb_time_format(*(const int64_t *)p, t);
        return json_string(t);
    }
    case CB_FT_LONG:
        return json_integer((json_int_t) * (const int64_t *)p);
    case CB_FT_BOOL:
        return json_boolean(*(const int *)p);
    case CB_FT_TEXT:
    case CB_FT_BYTES: {
        const cb_span *sp = p;
        const char *data = sp->ptr;
        size_t len = sp->len;
        char *copy = NULL, *b64;
        json_t *j;

        if ((flags & CB_JSON_MASK) && sp->len > 0) {
            copy = malloc(sp->len);
            if (copy == NULL)
                return NULL;
            memcpy(copy, sp->ptr, sp->len);
            cb_mask_ids_in_text(copy, sp->len);
            /* raw bytes of a record may hold names: mask every Han run */
            if (f->type == CB_FT_BYTES)
                len = cb_mask_han_in_text(copy, sp->len);
            data = copy;
        }
        if (f->type == CB_FT_TEXT) {
            j = lossy_string(data != NULL ? data : "", len);
        } else {
            b64 = b64_encode((const unsigned char *)data, len);
            j = b64 != NULL ? json_string(b64) : NULL;
            free(b64);
        }
        free(copy);
        return j;
    }
    }
    return NULL;
}

json_t *cb_record_to_json(cb_kind kind, const void *rec, int flags)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    json_t *obj;

    if (info == NULL)
        return NULL;
    obj = json_object();
    if (obj == NULL)
        return NULL;
    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        json_t *v;

        if (cb_field_is_absent(f, rec))
            continue;
        v = field_to_json(kind, f, rec, flags);
        if (v == NULL || json_object_set_new(obj, f->name, v) != 0)
            goto fail;
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

/* -------------------------------------------------------------- reading */

static int json_fail(cb_field_error *err, const char *reason, const char *name,
                     const char *what)
{
    err->reason = reason;
    err->field = name;
    snprintf(err->detail, sizeof(err->detail), "%s %s", name, what);
    return -1;
}

/* Turns one JSON value into the field's text form and parses it. */
static int field_from_json(const cb_field *f, const json_t *v, void *rec,
                           unsigned char **bytes, cb_field_error *err)
{
    char num[48];
    int n;

    if (v == NULL || json_is_null(v))
        return cb_field_parse(f, "", 0, rec, err);
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (f->type == CB_FT_BYTES) {
            cb_span *sp = CB_FIELD_PTR(rec, f);
            long len;
            if (json_string_length(v) == 0) {
                /* no bytes, but present (cb_field_parse would take "" for
                 * absent): a view of the empty string in obj */
                sp->ptr = json_string_value(v);
                sp->len = 0;
                return 0;
            }
            if (bytes == NULL)
                return json_fail(err, "bad_field", f->name,
                                 "holds bytes, which this reader does "
                                 "not take");
            len =
                b64_decode(json_string_value(v), json_string_length(v), *bytes);
            if (len < 0)
                return json_fail(err, "bad_base64", f->name, "is not base64");
            if (len == 0) { /* "=" and such: no bytes, but present */
                sp->ptr = json_string_value(v);
                sp->len = 0;
                return 0;
            }
            if (cb_field_parse(f, (const char *)*bytes, (size_t)len, rec,
                               err) != 0)
                return -1;
            *bytes += len;
            return 0;
        }
        return cb_field_parse(f, json_string_value(v), json_string_length(v),
                              rec, err);
    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        return cb_field_parse(f, num, (size_t)n, rec, err);
    case JSON_REAL:
        n = snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return cb_field_parse(f, num, (size_t)n, rec, err);
    case JSON_TRUE:
    case JSON_FALSE:
        if (f->type != CB_FT_BOOL)
            return json_fail(err, "bad_type", f->name,
                             "must not be true or false");
        return cb_field_parse(f, json_is_true(v) ? "1" : "0", 1, rec, err);
    default:
        return json_fail(err, "bad_type", f->name,
                         "must be a string, a number or a boolean");
    }
}

/* Both readers: owned is NULL for the one that refuses BYTES. */
static int from_json(cb_kind kind, const json_t *obj, void *rec, void **owned,
                     cb_field_error *err)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    unsigned char *block = NULL, *next = NULL;
    cb_field_error kept; /* a suspect's number, kept as written */
    size_t need = 0;

    if (owned != NULL)
        *owned = NULL;
    err->field = NULL;
    err->written = 0;
    if (info == NULL) {
        err->reason = "bad_kind";
        snprintf(err->detail, sizeof(err->detail), "unknown record kind %d",
                 (int)kind);
        return -1;
    }
    if (!json_is_object(obj)) {
        err->reason = "bad_type";
        snprintf(err->detail, sizeof(err->detail),
                 "a %s record must be a JSON object", info->name);
        return -1;
    }
    cb_record_clear(kind, rec);

    /* One block for every BYTES field, sized from the base64 lengths. */
    if (owned != NULL) {
        for (int i = 0; i < info->nfields; i++) {
            const json_t *v = json_object_get(obj, info->fields[i].name);
            if (info->fields[i].type == CB_FT_BYTES && json_is_string(v))
                need += json_string_length(v) / 4 * 3 + 3;
        }
        if (need > 0) {
            block = malloc(need);
            if (block == NULL) {
                err->reason = "no_memory";
                snprintf(err->detail, sizeof(err->detail), "out of memory");
                return -1;
            }
            *owned = block;
            next = block;
        }
    }
    kept.reason = NULL;
    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        const json_t *v = json_object_get(obj, f->name);
        if (field_from_json(f, v, rec, owned != NULL ? &next : NULL, err) ==
            0)
            continue;
        /* a suspect's number is kept as written, and the rest read
         * (docs/RULES.md 9.3) */
        if (kept.reason == NULL && json_is_string(v) &&
            cb_field_keep_written(kind, f, json_string_value(v),
                                  json_string_length(v), rec, err)) {
            kept = *err;
            continue;
        }
        if (kept.reason != NULL)
            *err = kept;
        err->written = 0;
        return -1;
    }
    if (kept.reason != NULL) {
        *err = kept;
        err->written = 1;
        return -1;
    }
    return 0;
}

int cb_record_from_json(cb_kind kind, const json_t *obj, void *rec,
                        cb_field_error *err)
{
    return from_json(kind, obj, rec, NULL, err);
}

int cb_record_from_json_owned(cb_kind kind, const json_t *obj, void *rec,
                              void **owned, cb_field_error *err)
{
    return from_json(kind, obj, rec, owned, err);
}
