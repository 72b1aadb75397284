/* fuzz_gb18030.c -- libFuzzer target: the GB18030 decoding path
 * (core/cb_text.c over iconv).  Whatever the bytes, a conversion either
 * fails with the offset of a byte inside the input, or gives valid UTF-8
 * without NUL; converting that UTF-8 back to GB18030 with iconv and again
 * to UTF-8 gives it unchanged. */
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_record.h"
#include "cb_text.h"

static cb_text *text;
static iconv_t back;

/* libFuzzer calls this with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    const char *out;
    size_t outlen, bad;

    if (text == NULL) {
        text = cb_text_new(CB_ENC_GB18030, err, sizeof(err));
        back = iconv_open("GB18030", "UTF-8");
        if (text == NULL || back == (iconv_t)-1)
            abort();
    }
    int rc = cb_text_to_utf8(text, (const char *)data, size, &out, &outlen,
                             &bad);
    if (rc == -1) {
        if (bad >= size && size > 0)
            abort();
        return 0;
    }
    if (rc != 0)
        return 0;
    if (cb_utf8_valid_prefix(out, outlen) != outlen ||
        memchr(out, '\0', outlen) != NULL)
        abort();
    /* the round trip: UTF-8 -> GB18030 -> UTF-8 is the identity */
    size_t cap = outlen * 4 + 16, left_in = outlen, left_out = cap;
    char *gb = malloc(cap), *utf = malloc(outlen + 1);
    char *in = (char *)out, *o = gb;
    iconv(back, NULL, NULL, NULL, NULL);
    if (iconv(back, &in, &left_in, &o, &left_out) == (size_t)-1)
        abort(); /* every Unicode scalar value has a GB18030 form */
    size_t gblen = cap - left_out;
    memcpy(utf, out, outlen);
    const char *again;
    size_t againlen;
    if (cb_text_to_utf8(text, gb, gblen, &again, &againlen, &bad) != 0 ||
        againlen != outlen || memcmp(again, utf, outlen) != 0)
        abort();
    free(gb);
    free(utf);
    return 0;
}
