/* cb_suspect.c -- suspects read back from dead letters, and their records
 * renumbered (cb_suspect.h). */
#include <string.h>

#include "cb_err.h"
#include "cb_ident.h"
#include "cb_suspect.h"

/* The field of a feed that names the person whose number it is, or NULL
 * (enrollment names nobody). */
static const cb_field *name_field(cb_kind kind)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    const char *name;

    switch (kind) {
    case CB_KIND_BUSINESS:
        name = "legal_rep_name";
        break;
    case CB_KIND_HOUSEHOLD:
    case CB_KIND_DEATH:
    case CB_KIND_ASSISTANCE:
        name = "name";
        break;
    default:
        return NULL;
    }
    return cb_field_find(info, name, strlen(name));
}

static int suspect_reason(const char *reason)
{
    return strcmp(reason, "id_check") == 0 ||
           strcmp(reason, "id_birth_date") == 0 ||
           strcmp(reason, "id_charset") == 0;
}

/* Puts an 18-character number in the person-number field of rec. */
static int set_number(cb_kind kind, void *rec, const char *number)
{
    const cb_field *f = cb_person_field(kind);

    if (f == NULL || strlen(number) != CB_IDENT_LEN)
        return -1;
    memcpy(CB_FIELD_PTR(rec, f), number, CB_IDENT_LEN + 1);
    return 0;
}

int cb_suspect_from_deadletter(cb_codec *codec, const cb_deadletter *dl,
                               cb_suspect *s, char *errstr, size_t errstr_size)
{
    const cb_field *pf, *nf, *tf;
    const char *number;
    cb_kind kind;

    if (dl->record.ptr == NULL ||
        cb_kind_from_name(dl->feed, &kind) != 0 || kind >= CB_FEED_COUNT ||
        !suspect_reason(dl->reason))
        return 0;
    pf = cb_person_field(kind);
    nf = name_field(kind);
    if (pf == NULL || nf == NULL || strcmp(dl->field, pf->name) != 0)
        return 0;
    memset(s, 0, sizeof(*s));
    if (cb_codec_decode_record(codec, dl->record.ptr, dl->record.len,
                               &s->rec, errstr, errstr_size) != 0)
        return -1;
    if (s->rec.kind != kind)
        return cb_err_set(errstr, errstr_size,
                          "a %s dead letter holds a %s record", dl->feed,
                          cb_kind_info_get(s->rec.kind)->name);
    number = CB_FIELD_CPTR(&s->rec.u, pf);
    if (strlen(number) != CB_IDENT_LEN)
        return 0;
    s->name = CB_FIELD_CPTR(&s->rec.u, nf);
    if (s->name[0] == '\0')
        return 0;
    s->kind = kind;
    memcpy(s->number, number, CB_IDENT_LEN + 1);
    s->event_id = CB_FIELD_CPTR(
        &s->rec.u, cb_field_find(cb_kind_info_get(kind), "event_id", 8));
    tf = cb_field_find(cb_kind_info_get(kind), "township_code", 13);
    s->township_code = CB_FIELD_CPTR(&s->rec.u, tf);
    return 1;
}

int cb_suspect_set_number(cb_suspect *s, const char *number)
{
    return set_number(s->kind, &s->rec.u, number);
}

int cb_suspect_renumber(cb_codec *codec, cb_kind kind, const void *value,
                        size_t len, const char *number, cb_buf *out,
                        char *errstr, size_t errstr_size)
{
    cb_record rec;

    if (cb_kind_info_get(kind) == NULL || kind >= CB_FEED_COUNT)
        return cb_err_set(errstr, errstr_size, "kind %d is not a feed",
                          (int)kind);
    if (cb_codec_decode_record(codec, value, len, &rec, errstr,
                               errstr_size) != 0)
        return -1;
    if (rec.kind != kind)
        return cb_err_set(errstr, errstr_size, "a %s record where a %s "
                          "record was due", cb_kind_info_get(rec.kind)->name,
                          cb_kind_info_get(kind)->name);
    if (set_number(kind, &rec.u, number) != 0)
        return cb_err_set(errstr, errstr_size,
                          "the new number is not 18 characters");
    return cb_codec_encode(codec, kind, &rec.u, out, errstr, errstr_size);
}
