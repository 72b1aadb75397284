/* cb_text.c -- UTF-8 checks and GB18030 to UTF-8 conversion with iconv. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_record.h"
#include "cb_text.h"

struct cb_text {
    cb_encoding enc;
    iconv_t cd; /* (iconv_t)-1 for UTF-8 */
    char *buf;
    size_t cap;
};

int cb_encoding_parse(const char *name, cb_encoding *enc)
{
    if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0) {
        *enc = CB_ENC_UTF8;
        return 0;
    }
    if (strcasecmp(name, "gb18030") == 0 || strcasecmp(name, "gbk") == 0 ||
        strcasecmp(name, "gb2312") == 0) {
        *enc = CB_ENC_GB18030;
        return 0;
    }
    return -1;
}

const char *cb_encoding_name(cb_encoding enc)
{
    return enc == CB_ENC_GB18030 ? "gb18030" : "utf-8";
}

cb_text *cb_text_new(cb_encoding enc, char *errstr, size_t errstr_size)
{
    cb_text *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    t->enc = enc;
    t->cd = (iconv_t)-1;
    if (enc == CB_ENC_GB18030) {
        t->cd = iconv_open("UTF-8", "GB18030");
        if (t->cd == (iconv_t)-1) {
            snprintf(errstr, errstr_size,
                     "this system's iconv cannot convert GB18030: %s",
                     strerror(errno));
            free(t);
            return NULL;
        }
    }
    return t;
}

void cb_text_free(cb_text *text)
{
    if (text == NULL)
        return;
    if (text->cd != (iconv_t)-1)
        iconv_close(text->cd);
    free(text->buf);
    free(text);
}

int cb_text_to_utf8(cb_text *text, const char *in, size_t len,
                    const char **out, size_t *outlen, size_t *bad_at)
{
    size_t valid;

    if (text->enc == CB_ENC_UTF8) {
        valid = cb_utf8_valid_prefix(in, len);
        if (valid != len) {
            *bad_at = valid;
            return -1;
        }
        *out = in;
        *outlen = len;
        return 0;
    }

    /* UTF-8 never takes more than twice the GB18030 bytes (one byte stays
     * one, two become at most three, four at most four), plus the NUL. */
    if (text->cap < 2 * len + 1) {
        size_t cap = 2 * len + 64;
        char *b = realloc(text->buf, cap);
        if (b == NULL)
            return -2;
        text->buf = b;
        text->cap = cap;
    }
    char *src = (char *)in, *dst = text->buf;
    size_t left = len, room = text->cap - 1;
    iconv(text->cd, NULL, NULL, NULL, NULL); /* reset the shift state */
    if (iconv(text->cd, &src, &left, &dst, &room) == (size_t)-1) {
        *bad_at = (size_t)(src - in);
        return -1;
    }
    *dst = '\0';
    *outlen = (size_t)(dst - text->buf);
    /* Converted text may not hold a NUL either. */
    if (memchr(text->buf, '\0', *outlen) != NULL) {
        *bad_at = (size_t)((const char *)memchr(in, '\0', len) - in);
        return -1;
    }
    *out = text->buf;
    return 0;
}
