/* fuzz_state.c -- libFuzzer target: the decoders of what the matcher
 * keeps in Redis (consumers/cb_state.c, cb_group.c, cb_leadrec.c), which
 * read bytes another writer, an older release or a damaged store left.
 * None may read past its input or fail a sanitizer, and what one decodes
 * packs to canonical bytes: decoded again, they pack to the same bytes.
 * The first byte picks the decoder; the store's table of event-id forms
 * holds three forms, as a store's would (no Redis behind it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_eidforms.h"
#include "cb_group.h"
#include "cb_ident.h"
#include "cb_leadrec.h"
#include "cb_state.h"

/* A valid number to pack persons against (a man born 1950-02-28). */
static const char *number(void)
{
    static char id[CB_IDENT_LEN + 1];

    if (id[0] == '\0') {
        memcpy(id, "32092319500228001", 17);
        id[17] = cb_ident_person_check_char(id);
    }
    return id;
}

static cb_eidforms *forms_of_a_store(void)
{
    static cb_eidforms *forms;

    if (forms == NULL) {
        forms = cb_eidforms_new();
        if (forms == NULL)
            abort();
        cb_eidforms_add(forms, "hh-", 3, 9);
        cb_eidforms_add(forms, "en-", 3, 9);
        cb_eidforms_add(forms, "x", 1, 1);
    }
    return forms;
}

static void same(const cb_buf *a, const cb_buf *b)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        abort(); /* not canonical */
}

static void person(cb_eidforms *forms, const char *id, const char *d,
                   size_t n)
{
    cb_person p;
    cb_buf a = {0}, b = {0};

    cb_person_init(&p);
    if (cb_person_decode(forms, id, d, n, &p) == 0 &&
        cb_person_encode(forms, &p, id, &a) == 0) {
        cb_person_free(&p);
        if (cb_person_decode(forms, id, a.data, a.len, &p) != 0 ||
            cb_person_encode(forms, &p, id, &b) != 0)
            abort();
        same(&a, &b);
    }
    cb_person_free(&p);
    cb_buf_free(&a);
    cb_buf_free(&b);
}

static void employer(cb_eidforms *forms, const char *d, size_t n)
{
    cb_employer e;
    cb_buf a = {0}, b = {0};

    cb_employer_init(&e);
    if (cb_employer_decode(forms, d, n, &e) == 0 &&
        cb_employer_encode(forms, &e, &a) == 0) {
        cb_employer_init(&e);
        if (cb_employer_decode(forms, a.data, a.len, &e) != 0 ||
            cb_employer_encode(forms, &e, &b) != 0)
            abort();
        same(&a, &b);
    }
    cb_buf_free(&a);
    cb_buf_free(&b);
}

static void group(cb_eidforms *forms, const char *d, size_t n)
{
    cb_group g;
    cb_buf a = {0}, b = {0};

    if (cb_group_decode(forms, d, n, &g) == 0 &&
        cb_group_encode(forms, &g, &a) == 0) {
        cb_group_free(&g);
        if (cb_group_decode(forms, a.data, a.len, &g) != 0 ||
            cb_group_encode(forms, &g, &b) != 0)
            abort();
        same(&a, &b);
    }
    cb_group_free(&g);
    cb_buf_free(&a);
    cb_buf_free(&b);
}

static void lead(cb_eidforms *forms, const char *d, size_t n)
{
    cb_leadrec l;
    cb_buf a = {0}, b = {0};
    const char *subject = number();

    if (cb_leadrec_decode(forms, d, n, subject, CB_IDENT_LEN, &l) == 0 &&
        cb_leadrec_encode(forms, &l, 0, &a) == 0) {
        if (cb_leadrec_decode(forms, a.data, a.len, subject, CB_IDENT_LEN,
                              &l) != 0 ||
            cb_leadrec_encode(forms, &l, 0, &b) != 0)
            abort();
        same(&a, &b);
    }
    cb_buf_free(&a);
    cb_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_eidforms *forms = forms_of_a_store();
    char *copy;

    if (size < 1)
        return 0;
    /* the value alone in a buffer of its size: a read past it is caught */
    copy = malloc(size - 1 ? size - 1 : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, size - 1);
    switch (data[0] % 5) {
    case 0:
        person(forms, number(), copy, size - 1);
        break;
    case 1:
        person(forms, NULL, copy, size - 1);
        break;
    case 2:
        employer(forms, copy, size - 1);
        break;
    case 3:
        group(forms, copy, size - 1);
        break;
    default:
        lead(forms, copy, size - 1);
        break;
    }
    free(copy);
    return 0;
}
