/* cb_validate.c -- cross-field checks of feed records. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_validate.h"

__attribute__((format(printf, 4, 5))) static int
reject(cb_field_error *err, const char *reason, const char *field,
       const char *fmt, ...)
{
    va_list ap;

    err->reason = reason;
    err->field = field;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return -1;
}

/* The birth date written inside a resident ID that cb_field_parse has
 * already accepted, in either form (a legacy number's is in 19YY). */
static int32_t id_birth(const char *id)
{
    char full[CB_IDENT_LEN + 1];
    int32_t birth = CB_DATE_NONE;

    cb_ident_person_canonical(id, strlen(id), full, &birth);
    return birth;
}

/* future_date and future_time over the table's DATE and TIME fields. */
static int check_future(cb_kind kind, const void *rec,
                        const cb_validate_ctx *ctx, cb_field_error *err)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    int64_t limit_ms = ctx->now_ms + ctx->skew_ms;
    int32_t today = cb_date_of_time(limit_ms);

    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        if (cb_field_is_absent(f, rec))
            continue;
        /* An end of validity lies in the future by nature. */
        if (f->type == CB_FT_DATE && strcmp(f->name, "valid_to") != 0 &&
            *(const int32_t *)CB_FIELD_CPTR(rec, f) > today)
            return reject(err, "future_date", f->name,
                          "%s is after today", f->name);
    }
    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        if (f->type == CB_FT_TIME && !cb_field_is_absent(f, rec) &&
            *(const int64_t *)CB_FIELD_CPTR(rec, f) > limit_ms)
            return reject(err, "future_time", f->name,
                          "%s is in the future", f->name);
    }
    return 0;
}

/* Birth date and sex against the number's 18-character form. */
static int check_household(const cb_household *h, cb_field_error *err)
{
    char full[CB_IDENT_LEN + 1];
    int32_t birth = CB_DATE_NONE;

    cb_ident_person_canonical(h->person_id, strlen(h->person_id), full,
                              &birth);
    if (h->birth_date != birth)
        return reject(err, "birth_date_mismatch", "birth_date",
                      "birth_date differs from the birth date in "
                      "person_id");
    if (full[0] == '\0' ||
        (h->sex == CB_SEX_M) != cb_ident_person_is_male(full))
        return reject(err, "sex_mismatch", "sex",
                      "sex differs from the sex digit of person_id");
    return 0;
}

/* The fields an enrollment row needs for its action. */
static int check_enrollment(const cb_enrollment *e, cb_field_error *err)
{
#define NEED(cond, field)                                                  \
    do {                                                                   \
        if (!(cond))                                                       \
            return reject(err, "missing_field", field,                     \
                          "%s is required for action %s", field, act);     \
    } while (0)
    const char *act = cb_symbol(CB_KIND_ENROLLMENT, "action", e->action);

    switch (e->action) {
    case CB_ENR_REGISTER_EMPLOYER:
        NEED(e->uscc[0] != '\0', "uscc");
        if (e->person_id[0] != '\0')
            return reject(err, "unexpected_field", "person_id",
                          "person_id must be empty on a register_employer "
                          "row: it registers an employer");
        return 0;
    case CB_ENR_ENROLL:
    case CB_ENR_STOP:
        NEED(e->person_id[0] != '\0', "person_id");
        NEED(e->scheme >= 0, "scheme");
        return 0;
    case CB_ENR_CONTRIBUTE:
        NEED(e->person_id[0] != '\0', "person_id");
        NEED(e->scheme >= 0, "scheme");
        NEED(e->period[0] != '\0', "period");
        NEED(e->amount_fen != CB_LONG_NONE, "amount_fen");
        NEED(e->paid_by >= 0, "paid_by");
        NEED(e->paid_by != CB_PAID_GOVERNMENT ||
                 e->subsidy_tier != CB_LONG_NONE,
             "subsidy_tier");
        return 0;
    case CB_ENR_BENEFIT:
        NEED(e->person_id[0] != '\0', "person_id");
        NEED(e->scheme >= 0, "scheme");
        NEED(e->period[0] != '\0', "period");
        NEED(e->amount_fen != CB_LONG_NONE, "amount_fen");
        return 0;
    }
    return 0;
#undef NEED
}

/* Every township_code of the record is in the table, when one is loaded. */
static int check_townships(cb_kind kind, const void *rec,
                           const cb_validate_ctx *ctx, cb_field_error *err)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    const cb_field *f;
    const char *code;

    if (ctx->townships == NULL)
        return 0;
    f = cb_field_find(info, "township_code", 13);
    if (f == NULL || cb_field_is_absent(f, rec))
        return 0;
    code = CB_FIELD_CPTR(rec, f);
    if (cb_townships_find(ctx->townships, code, strlen(code)) == NULL)
        return reject(err, "unknown_township", "township_code",
                      "township_code %s is not in the township table", code);
    return 0;
}

/* Both: number_valid is 0 when the person's number was refused. */
static int validate(cb_kind kind, const void *rec, const cb_validate_ctx *ctx,
                    int number_valid, cb_field_error *err)
{
    if (check_future(kind, rec, ctx, err) != 0)
        return -1;
    switch (kind) {
    case CB_KIND_HOUSEHOLD:
        if (number_valid && check_household(rec, err) != 0)
            return -1;
        break;
    case CB_KIND_DEATH: {
        const cb_death *d = rec;
        if (number_valid && d->date_of_death < id_birth(d->person_id))
            return reject(err, "death_before_birth", "date_of_death",
                          "date_of_death is before the birth date in "
                          "person_id");
        break;
    }
    case CB_KIND_ASSISTANCE: {
        const cb_assistance *a = rec;
        if (a->valid_to != CB_DATE_NONE && a->valid_to < a->valid_from)
            return reject(err, "bad_range", "valid_to",
                          "valid_to is before valid_from");
        break;
    }
    case CB_KIND_ENROLLMENT:
        if (check_enrollment(rec, err) != 0)
            return -1;
        break;
    case CB_KIND_BUSINESS: {
        const cb_business *b = rec;
        if (b->kind == CB_BIZ_INDIVIDUAL && b->legal_rep_id[0] == '\0')
            return reject(err, "missing_field", "legal_rep_id",
                          "legal_rep_id is required for an individual "
                          "business");
        break;
    }
    default:
        break;
    }
    return check_townships(kind, rec, ctx, err);
}

int cb_validate_record(cb_kind kind, const void *rec,
                       const cb_validate_ctx *ctx, cb_field_error *err)
{
    return validate(kind, rec, ctx, 1, err);
}

int cb_validate_record_but_number(cb_kind kind, const void *rec,
                                  const cb_validate_ctx *ctx,
                                  cb_field_error *err)
{
    return validate(kind, rec, ctx, 0, err);
}
