/* fuzz_ident.c -- libFuzzer target: the identifier validators
 * (core/cb_ident.c) and the masks (core/cb_mask.c).  A resident ID or USCC
 * the validator takes has 18 characters whose last is the check character
 * recomputed from the first 17; a mask of anything keeps within its buffer
 * and never shows a whole valid ID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_mask.h"

/* libFuzzer calls this with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int32_t birth;
    char buf[CB_MASK_BUFSZ], text[CB_MASK_BUFSZ];

    if (cb_ident_check_person(s, size, &birth) == CB_IDENT_OK) {
        if (size != 18 || cb_ident_person_check_char(s) != s[17])
            abort();
    }
    if (cb_ident_check_uscc(s, size) == CB_IDENT_OK) {
        if (size != 18 || cb_ident_uscc_check_char(s) != s[17])
            abort();
    }
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, s, n);
    text[n] = '\0';
    cb_mask_id(text, buf);
    if (strlen(buf) >= CB_MASK_BUFSZ)
        abort();
    if (n == 18 && cb_ident_check_person(text, 18, NULL) == CB_IDENT_OK &&
        strcmp(buf, text) == 0)
        abort(); /* a valid ID comes out masked */
    cb_mask_ids_in_text(text, n);
    for (size_t i = 0; i + 18 <= n; i++)
        if (cb_ident_check_person(text + i, 18, NULL) == CB_IDENT_OK ||
            cb_ident_check_uscc(text + i, 18) == CB_IDENT_OK)
            abort(); /* no whole valid number survives in text */
    return 0;
}
