/* cb_text.h -- the text encodings feeds arrive in.  UTF-8 passes through
 * (checked); GB18030, which government extracts often use (GBK and GB2312
 * are subsets of it), is converted to UTF-8 with glibc's iconv.
 *
 * Conversion is per piece of text (a field), so that undecodable bytes cost
 * the record they are in, not the file.  One converter per thread. */
#ifndef CB_TEXT_H
#define CB_TEXT_H

#include <stddef.h>

typedef enum cb_encoding {
    CB_ENC_UTF8 = 0,
    CB_ENC_GB18030
} cb_encoding;

/* "utf-8"/"utf8" or "gb18030" (also "gbk", "gb2312", its subsets), any
 * case.  Returns 0 or -1. */
int cb_encoding_parse(const char *name, cb_encoding *enc);

/* "utf-8" or "gb18030". */
const char *cb_encoding_name(cb_encoding enc);

typedef struct cb_text cb_text;

/* A converter from enc to UTF-8.  NULL with errstr when iconv lacks the
 * encoding or memory runs out. */
cb_text *cb_text_new(cb_encoding enc, char *errstr, size_t errstr_size);

/* Frees the converter; NULL is fine. */
void cb_text_free(cb_text *text);

/* Converts len bytes to UTF-8.  Returns 0 and points *out at the UTF-8
 * text (NUL-terminated, *outlen bytes; for UTF-8 input, the input itself;
 * otherwise memory of the converter valid until its next call).  Returns
 * -1 when the bytes are not valid text of the encoding (or hold a NUL),
 * with *bad_at the offset of the first bad byte, or -2 when memory runs
 * out. */
int cb_text_to_utf8(cb_text *text, const char *in, size_t len,
                    const char **out, size_t *outlen, size_t *bad_at);

#endif
