/* cb_record.c -- the field tables of every record kind, and the text form of
 * field values that CSV and JSON feeds carry. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_record.h"

/* ------------------------------------------------------------ symbols */

static const char *const sym_business_kind[] = {"enterprise", "individual",
                                                "cooperative", "branch"};
static const char *const sym_business_action[] = {"established", "changed",
                                                  "deregistered"};
static const char *const sym_sex[] = {"M", "F"};
static const char *const sym_household_action[] = {
    "resident", "birth", "move_in", "move_out", "address_change"};
static const char *const sym_death_source[] = {"police", "civil", "health"};
static const char *const sym_scheme[] = {
    "employee_pension", "resident_pension", "employee_medical",
    "resident_medical", "unemployment",     "work_injury"};
static const char *const sym_enrollment_action[] = {
    "enroll", "stop", "contribute", "benefit", "register_employer"};
static const char *const sym_paid_by[] = {"self", "employer", "government"};
static const char *const sym_identity[] = {
    "minimum_living", "extreme_poverty", "relapse_monitoring", "lifted_out",
    "severe_disability"};
static const char *const sym_subject_kind[] = {"person", "employer"};
static const char *const sym_lead_reason[] = {
    "assisted_not_enrolled", "elderly_no_pension", "business_owner_uninsured",
    "working_age_uninsured", "employer_unregistered"};
static const char *const sym_priority[] = {"high", "normal"};
static const char *const sym_lead_status[] = {"open", "contacted", "refused",
                                              "closed"};
static const char *const sym_closed_reason[] = {
    "enrolled", "deceased", "moved_out", "deregistered", "invalid"};
static const char *const sym_alert_kind[] = {
    "paid_after_death", "dual_pension_enrollment", "dual_pension_benefit",
    "duplicate_subsidy", "active_after_death"};
static const char *const sym_decision[] = {"contacted", "refused",
                                           "enrolled", "invalid"};

static const char *const sym_review_kind[] = {
    "name_mismatch", "death_unconfirmed", "probable_typo",
    "duplicate_identity"};
static const char *const sym_review_status[] = {"open", "confirmed",
                                                "rejected", "corrected"};
static const char *const sym_review_verdict[] = {"confirm", "reject",
                                                 "correct"};

#define NSYM(a) ((int)(sizeof(a) / sizeof((a)[0])))

_Static_assert(NSYM(sym_review_kind) == CB_REVIEW_KIND_COUNT,
               "a symbol for every review kind");
_Static_assert(NSYM(sym_review_status) == CB_REVIEW_STATUS_COUNT,
               "a symbol for every review status");
_Static_assert(NSYM(sym_review_verdict) == CB_VERDICT_COUNT,
               "a symbol for every verdict");

_Static_assert(NSYM(sym_decision) == CB_DECISION_COUNT,
               "a symbol for every decision");
_Static_assert(NSYM(sym_lead_reason) == CB_LEAD_REASON_COUNT,
               "a symbol for every lead reason");
_Static_assert(NSYM(sym_lead_status) == CB_LEAD_STATUS_COUNT,
               "a symbol for every lead status");
_Static_assert(NSYM(sym_alert_kind) == CB_ALERT_KIND_COUNT,
               "a symbol for every alert kind");

/* ------------------------------------------------------------- tables */

#define MEMBER(type, m) offsetof(type, m), sizeof(((type *)0)->m)
#define F(type, m, ft, chk, req) {#m, ft, chk, req, MEMBER(type, m), NULL, 0}
#define E(type, m, syms, req)                                               \
    {#m, CB_FT_ENUM, CB_FC_NONE, req, MEMBER(type, m), syms, NSYM(syms)}

static const cb_field business_fields[] = {
    F(cb_business, event_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_business, uscc, CB_FT_STRING, CB_FC_USCC, 1),
    F(cb_business, name, CB_FT_STRING, CB_FC_NONE, 1),
    E(cb_business, kind, sym_business_kind, 1),
    E(cb_business, action, sym_business_action, 1),
    F(cb_business, established_on, CB_FT_DATE, CB_FC_NONE, 1),
    F(cb_business, township_code, CB_FT_STRING, CB_FC_CODE, 1),
    F(cb_business, legal_rep_id, CB_FT_STRING, CB_FC_PERSON_ID, 0),
    F(cb_business, legal_rep_name, CB_FT_STRING, CB_FC_PERSON_NAME, 0),
    F(cb_business, occurred_at, CB_FT_TIME, CB_FC_NONE, 1),
};

static const cb_field household_fields[] = {
    F(cb_household, event_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_household, person_id, CB_FT_STRING, CB_FC_PERSON_ID, 1),
    F(cb_household, name, CB_FT_STRING, CB_FC_PERSON_NAME, 1),
    E(cb_household, sex, sym_sex, 1),
    F(cb_household, birth_date, CB_FT_DATE, CB_FC_NONE, 1),
    E(cb_household, action, sym_household_action, 1),
    F(cb_household, township_code, CB_FT_STRING, CB_FC_CODE, 1),
    F(cb_household, student, CB_FT_BOOL, CB_FC_NONE, 0),
    F(cb_household, occurred_at, CB_FT_TIME, CB_FC_NONE, 1),
};

static const cb_field death_fields[] = {
    F(cb_death, event_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_death, person_id, CB_FT_STRING, CB_FC_PERSON_ID, 1),
    F(cb_death, name, CB_FT_STRING, CB_FC_PERSON_NAME, 0),
    F(cb_death, date_of_death, CB_FT_DATE, CB_FC_NONE, 1),
    E(cb_death, source, sym_death_source, 1),
    F(cb_death, township_code, CB_FT_STRING, CB_FC_CODE, 0),
    F(cb_death, occurred_at, CB_FT_TIME, CB_FC_NONE, 1),
};

static const cb_field enrollment_fields[] = {
    F(cb_enrollment, event_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_enrollment, person_id, CB_FT_STRING, CB_FC_PERSON_ID, 0),
    F(cb_enrollment, uscc, CB_FT_STRING, CB_FC_USCC, 0),
    E(cb_enrollment, scheme, sym_scheme, 0),
    E(cb_enrollment, action, sym_enrollment_action, 1),
    F(cb_enrollment, period, CB_FT_STRING, CB_FC_MONTH, 0),
    F(cb_enrollment, amount_fen, CB_FT_LONG, CB_FC_AMOUNT, 0),
    E(cb_enrollment, paid_by, sym_paid_by, 0),
    F(cb_enrollment, subsidy_tier, CB_FT_LONG, CB_FC_AMOUNT, 0),
    F(cb_enrollment, region_code, CB_FT_STRING, CB_FC_CODE, 1),
    F(cb_enrollment, township_code, CB_FT_STRING, CB_FC_CODE, 1),
    F(cb_enrollment, occurred_at, CB_FT_TIME, CB_FC_NONE, 1),
};

static const cb_field assistance_fields[] = {
    F(cb_assistance, event_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_assistance, person_id, CB_FT_STRING, CB_FC_PERSON_ID, 1),
    F(cb_assistance, name, CB_FT_STRING, CB_FC_PERSON_NAME, 1),
    E(cb_assistance, identity, sym_identity, 1),
    F(cb_assistance, valid_from, CB_FT_DATE, CB_FC_NONE, 1),
    F(cb_assistance, valid_to, CB_FT_DATE, CB_FC_NONE, 0),
    F(cb_assistance, township_code, CB_FT_STRING, CB_FC_CODE, 1),
    F(cb_assistance, occurred_at, CB_FT_TIME, CB_FC_NONE, 1),
};

static const cb_field lead_fields[] = {
    F(cb_lead, lead_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_lead, township_code, CB_FT_STRING, CB_FC_CODE, 1),
    E(cb_lead, subject_kind, sym_subject_kind, 1),
    F(cb_lead, subject_id, CB_FT_STRING, CB_FC_NONE, 1),
    F(cb_lead, name, CB_FT_STRING, CB_FC_NONE, 1),
    E(cb_lead, reason, sym_lead_reason, 1),
    E(cb_lead, priority, sym_priority, 1),
    F(cb_lead, opened_at, CB_FT_TIME, CB_FC_NONE, 1),
    E(cb_lead, status, sym_lead_status, 1),
    E(cb_lead, closed_reason, sym_closed_reason, 0),
    F(cb_lead, closed_at, CB_FT_TIME, CB_FC_NONE, 0),
    F(cb_lead, source_event_id, CB_FT_STRING, CB_FC_TOKEN, 1),
};

static const cb_field alert_fields[] = {
    F(cb_alert, alert_id, CB_FT_STRING, CB_FC_TOKEN, 1),
    E(cb_alert, kind, sym_alert_kind, 1),
    F(cb_alert, subject_id, CB_FT_STRING, CB_FC_PERSON_ID, 1),
    F(cb_alert, township_code, CB_FT_STRING, CB_FC_CODE, 1),
    F(cb_alert, period, CB_FT_STRING, CB_FC_PERIOD, 0),
    F(cb_alert, amount_at_risk_fen, CB_FT_LONG, CB_FC_AMOUNT, 1),
    F(cb_alert, evidence, CB_FT_TEXT, CB_FC_NONE, 1),
    F(cb_alert, raised_at, CB_FT_TIME, CB_FC_NONE, 1),
};

static const cb_field deadletter_fields[] = {
    F(cb_deadletter, feed, CB_FT_STRING, CB_FC_NONE, 1),
    F(cb_deadletter, file, CB_FT_STRING, CB_FC_NONE, 1),
    F(cb_deadletter, line, CB_FT_LONG, CB_FC_NONE, 1),
    F(cb_deadletter, field, CB_FT_STRING, CB_FC_NONE, 0),
    F(cb_deadletter, reason, CB_FT_STRING, CB_FC_TOKEN, 1),
    F(cb_deadletter, detail, CB_FT_TEXT, CB_FC_NONE, 0),
    F(cb_deadletter, raw, CB_FT_BYTES, CB_FC_NONE, 1),
    F(cb_deadletter, rejected_at, CB_FT_TIME, CB_FC_NONE, 1),
    F(cb_deadletter, record, CB_FT_BYTES, CB_FC_NONE, 0),
};

#define KIND(k, nm, schema, key, type, fields)                              \
    {k, nm, "org.canbao." schema, key, sizeof(type), fields, NSYM(fields)}

static const cb_kind_info kinds[CB_KIND_COUNT] = {
    KIND(CB_KIND_BUSINESS, "business", "BusinessEvent", "uscc", cb_business,
         business_fields),
    KIND(CB_KIND_HOUSEHOLD, "household", "HouseholdEvent", "person_id",
         cb_household, household_fields),
    KIND(CB_KIND_DEATH, "death", "DeathEvent", "person_id", cb_death,
         death_fields),
    /* An employer row has no person: its key falls back to the USCC (see
     * cb_record_key). */
    KIND(CB_KIND_ENROLLMENT, "enrollment", "EnrollmentEvent", "person_id",
         cb_enrollment, enrollment_fields),
    KIND(CB_KIND_ASSISTANCE, "assistance", "AssistanceEvent", "person_id",
         cb_assistance, assistance_fields),
    KIND(CB_KIND_LEAD, "lead", "Lead", "township_code", cb_lead, lead_fields),
    KIND(CB_KIND_ALERT, "alert", "Alert", "township_code", cb_alert,
         alert_fields),
    KIND(CB_KIND_DEADLETTER, "deadletter", "DeadLetter", "feed",
         cb_deadletter, deadletter_fields),
};

const cb_kind_info *cb_kind_info_get(cb_kind kind)
{
    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return NULL;
    return &kinds[kind];
}

int cb_kind_from_name(const char *name, cb_kind *kind)
{
    for (int i = 0; i < CB_KIND_COUNT; i++) {
        if (strcmp(kinds[i].name, name) == 0) {
            *kind = (cb_kind)i;
            return 0;
        }
    }
    return -1;
}

const cb_field *cb_field_find(const cb_kind_info *info, const char *name,
                              size_t len)
{
    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        if (strlen(f->name) == len && memcmp(f->name, name, len) == 0)
            return f;
    }
    return NULL;
}

const char *cb_enum_symbol(const cb_field *f, int value)
{
    if (f->type != CB_FT_ENUM || value < 0 || value >= f->nsymbols)
        return NULL;
    return f->symbols[value];
}

int cb_enum_value(const cb_field *f, const char *text, size_t len)
{
    for (int i = 0; i < f->nsymbols; i++)
        if (strlen(f->symbols[i]) == len &&
            memcmp(f->symbols[i], text, len) == 0)
            return i;
    return -1;
}

const char *cb_symbol(cb_kind kind, const char *field, int value)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    const cb_field *f;

    if (info == NULL)
        return NULL;
    f = cb_field_find(info, field, strlen(field));
    return f != NULL ? cb_enum_symbol(f, value) : NULL;
}

const char *cb_decision_symbol(int decision)
{
    if (decision < 0 || decision >= NSYM(sym_decision))
        return NULL;
    return sym_decision[decision];
}

int cb_decision_value(const char *text)
{
    for (int i = 0; i < NSYM(sym_decision); i++)
        if (strcmp(sym_decision[i], text) == 0)
            return i;
    return -1;
}

/* symbol and value of index i of a table of n symbols */
static const char *symbol_at(const char *const *sym, int n, int i)
{
    return i >= 0 && i < n ? sym[i] : NULL;
}

static int symbol_index(const char *const *sym, int n, const char *text)
{
    for (int i = 0; i < n; i++)
        if (strcmp(sym[i], text) == 0)
            return i;
    return -1;
}

const char *cb_review_kind_symbol(int kind)
{
    return symbol_at(sym_review_kind, NSYM(sym_review_kind), kind);
}

int cb_review_kind_value(const char *text)
{
    return symbol_index(sym_review_kind, NSYM(sym_review_kind), text);
}

const char *cb_review_status_symbol(int status)
{
    return symbol_at(sym_review_status, NSYM(sym_review_status), status);
}

int cb_review_status_value(const char *text)
{
    return symbol_index(sym_review_status, NSYM(sym_review_status), text);
}

const char *cb_review_verdict_symbol(int verdict)
{
    return symbol_at(sym_review_verdict, NSYM(sym_review_verdict), verdict);
}

int cb_review_verdict_value(const char *text)
{
    return symbol_index(sym_review_verdict, NSYM(sym_review_verdict), text);
}

cb_review_status cb_review_status_after(cb_review_verdict verdict)
{
    switch (verdict) {
    case CB_VERDICT_CONFIRM: return CB_REVIEW_CONFIRMED;
    case CB_VERDICT_REJECT: return CB_REVIEW_REJECTED;
    case CB_VERDICT_CORRECT: return CB_REVIEW_CORRECTED;
    default: return CB_REVIEW_OPEN;
    }
}

const char *cb_record_key(cb_kind kind, const void *rec,
                          char buf[CB_ID_SIZE])
{
    const char *key;
    const cb_field *f;

    if (kind == CB_KIND_ENROLLMENT) {
        const cb_enrollment *e = rec;
        if (e->person_id[0] == '\0')
            return e->uscc;
        f = cb_field_find(cb_kind_info_get(kind), "person_id", 9);
    } else {
        const cb_kind_info *info = cb_kind_info_get(kind);
        f = cb_field_find(info, info->key_field, strlen(info->key_field));
    }
    assert(f != NULL && f->type == CB_FT_STRING);
    key = CB_FIELD_CPTR(rec, f);
    /* a person's number, in either form, keys by its 18 characters */
    if (f->check == CB_FC_PERSON_ID &&
        cb_ident_person_canonical(key, strlen(key), buf, NULL) ==
            CB_IDENT_OK)
        return buf;
    return key;
}

/* -------------------------------------------------------- absent values */

static void field_clear(const cb_field *f, void *rec)
{
    void *p = CB_FIELD_PTR(rec, f);

    switch (f->type) {
    case CB_FT_STRING:
        memset(p, 0, f->size);
        break;
    case CB_FT_ENUM:
    case CB_FT_BOOL:
        *(int *)p = -1;
        break;
    case CB_FT_DATE:
        *(int32_t *)p = CB_DATE_NONE;
        break;
    case CB_FT_TIME:
        *(int64_t *)p = CB_TIME_NONE;
        break;
    case CB_FT_LONG:
        *(int64_t *)p = CB_LONG_NONE;
        break;
    case CB_FT_TEXT:
    case CB_FT_BYTES:
        ((cb_span *)p)->ptr = NULL;
        ((cb_span *)p)->len = 0;
        break;
    }
}

void cb_record_clear(cb_kind kind, void *rec)
{
    const cb_kind_info *info = cb_kind_info_get(kind);

    assert(info != NULL);
    memset(rec, 0, info->size);
    for (int i = 0; i < info->nfields; i++)
        field_clear(&info->fields[i], rec);
}

int cb_field_is_absent(const cb_field *f, const void *rec)
{
    const void *p = CB_FIELD_CPTR(rec, f);

    switch (f->type) {
    case CB_FT_STRING:
        return *(const char *)p == '\0';
    case CB_FT_ENUM:
    case CB_FT_BOOL:
        return *(const int *)p < 0;
    case CB_FT_DATE:
        return *(const int32_t *)p == CB_DATE_NONE;
    case CB_FT_TIME:
        return *(const int64_t *)p == CB_TIME_NONE;
    case CB_FT_LONG:
        return *(const int64_t *)p == CB_LONG_NONE;
    case CB_FT_TEXT:
    case CB_FT_BYTES:
        return ((const cb_span *)p)->ptr == NULL;
    }
    return 1;
}

/* --------------------------------------------------------- text values */

__attribute__((format(printf, 3, 4))) static int
field_fail(cb_field_error *err, const char *reason, const char *fmt, ...)
{
    va_list ap;

    err->reason = reason;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return -1;
}

/* Returns the length of the valid UTF-8 prefix of s: len when it is all
 * valid.  Overlong forms, surrogates and code points past U+10FFFF are
 * invalid, as are NUL bytes (a C string could not carry them). */
size_t cb_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned c = p[i];
        size_t n;
        uint32_t cp, min;

        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (i + n >= len) /* truncated sequence */
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static int is_token(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] >= 0x7F)
            return 0;
    return 1;
}

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Parses a decimal int64 of exactly len bytes, optionally signed. */
static int parse_long(const char *s, size_t len, int64_t *out)
{
    char buf[24];
    char *end;
    long long v;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!(buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
        return -1;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0' || v == LLONG_MIN)
        return -1;
    *out = v;
    return 0;
}

/* Checks a string field's text against the field's check. */
static int string_check(const cb_field *f, const char *s, size_t len,
                        cb_field_error *err)
{
    cb_ident_err ie;
    int32_t m;

    switch (f->check) {
    case CB_FC_TOKEN:
        if (!is_token(s, len))
            return field_fail(err, "bad_token",
                              "%s must be printable ASCII without spaces",
                              f->name);
        break;
    case CB_FC_PERSON_ID: {
        /* either form: a legacy 15-digit number is kept as written */
        char full[CB_IDENT_LEN + 1];
        ie = cb_ident_person_canonical(s, len, full, NULL);
        if (ie != CB_IDENT_OK)
            return field_fail(err, cb_ident_reason(ie),
                              "%s is not a valid resident ID: %s", f->name,
                              cb_ident_strerror(ie));
        break;
    }
    case CB_FC_USCC:
        ie = cb_ident_check_uscc(s, len);
        if (ie != CB_IDENT_OK)
            return field_fail(err, cb_ident_reason(ie),
                              "%s is not a valid unified social credit "
                              "code: %s",
                              f->name, cb_ident_strerror(ie));
        break;
    case CB_FC_CODE:
        if (len < 6 || len > 12 || !all_digits(s, len))
            return field_fail(err, "bad_code",
                              "%s must be 6 to 12 digits", f->name);
        break;
    case CB_FC_MONTH:
        if (cb_month_parse(s, len, &m) != 0)
            return field_fail(err, "bad_month",
                              "%s is not a month YYYY-MM", f->name);
        break;
    case CB_FC_PERIOD:
        if (len == 4 && all_digits(s, 4))
            break;
        if (cb_month_parse(s, len, &m) != 0)
            return field_fail(err, "bad_period",
                              "%s is not YYYY-MM or YYYY", f->name);
        break;
    case CB_FC_NONE:
    case CB_FC_AMOUNT:
    case CB_FC_PERSON_NAME:
        break;
    }
    return 0;
}

int cb_field_parse(const cb_field *f, const char *text, size_t len,
                   void *rec, cb_field_error *err)
{
    void *p = CB_FIELD_PTR(rec, f);
    int64_t v;
    int32_t d;

    err->field = f->name;
    err->written = 0;
    if (len == 0) {
        field_clear(f, rec);
        if (f->required)
            return field_fail(err, "missing_field", "%s is required",
                              f->name);
        return 0;
    }
    switch (f->type) {
    case CB_FT_STRING:
        if (cb_utf8_valid_prefix(text, len) != len)
            return field_fail(err, "bad_text", "%s is not valid UTF-8",
                              f->name);
        if (len >= f->size)
            return field_fail(err, "too_long",
                              "%s is %zu bytes long, at most %zu allowed",
                              f->name, len, f->size - 1);
        if (string_check(f, text, len, err) != 0)
            return -1;
        memcpy(p, text, len);
        ((char *)p)[len] = '\0';
        return 0;
    case CB_FT_ENUM: {
        int e = cb_enum_value(f, text, len);
        if (e < 0) {
            /* Show the value only when it is short plain text. */
            if (len <= 32 && is_token(text, len))
                return field_fail(err, "unknown_enum",
                                  "%s '%.*s' is not one of the known values",
                                  f->name, (int)len, text);
            return field_fail(err, "unknown_enum",
                              "%s is not one of the known values", f->name);
        }
        *(int *)p = e;
        return 0;
    }
    case CB_FT_DATE:
        if (cb_date_parse(text, len, &d) != 0)
            return field_fail(err, "bad_date",
                              "%s is not a real date YYYY-MM-DD", f->name);
        *(int32_t *)p = d;
        return 0;
    case CB_FT_TIME:
        if (cb_time_parse(text, len, &v) != 0)
            return field_fail(err, "bad_time",
                              "%s is not an ISO 8601 time with an offset",
                              f->name);
        *(int64_t *)p = v;
        return 0;
    case CB_FT_LONG:
        if (parse_long(text, len, &v) != 0)
            return field_fail(err, "bad_number", "%s is not an integer",
                              f->name);
        if (f->check == CB_FC_AMOUNT && v < 0)
            return field_fail(err, "bad_amount",
                              "%s must not be negative", f->name);
        *(int64_t *)p = v;
        return 0;
    case CB_FT_BOOL:
        if ((len == 1 && text[0] == '1') ||
            (len == 4 && memcmp(text, "true", 4) == 0))
            *(int *)p = 1;
        else if ((len == 1 && text[0] == '0') ||
                 (len == 5 && memcmp(text, "false", 5) == 0))
            *(int *)p = 0;
        else
            return field_fail(err, "bad_bool", "%s must be 0 or 1", f->name);
        return 0;
    case CB_FT_TEXT:
        if (cb_utf8_valid_prefix(text, len) != len)
            return field_fail(err, "bad_text", "%s is not valid UTF-8",
                              f->name);
        /* fall through */
    case CB_FT_BYTES:
        ((cb_span *)p)->ptr = text;
        ((cb_span *)p)->len = len;
        return 0;
    }
    return field_fail(err, "bad_field", "%s has an unknown type", f->name);
}

int cb_field_format(const cb_field *f, const void *rec, char *buf,
                    size_t bufsz)
{
    const void *p = CB_FIELD_CPTR(rec, f);
    int n;

    if (bufsz == 0)
        return -1;
    if (cb_field_is_absent(f, rec)) {
        buf[0] = '\0';
        return 0;
    }
    switch (f->type) {
    case CB_FT_STRING:
        n = snprintf(buf, bufsz, "%s", (const char *)p);
        break;
    case CB_FT_ENUM: {
        const char *s = cb_enum_symbol(f, *(const int *)p);
        n = snprintf(buf, bufsz, "%s", s != NULL ? s : "");
        break;
    }
    case CB_FT_DATE: {
        char d[11];
        cb_date_format(*(const int32_t *)p, d);
        n = snprintf(buf, bufsz, "%s", d);
        break;
    }
    case CB_FT_TIME: {
        char t[CB_TIME_BUFSZ];
        cb_time_format(*(const int64_t *)p, t);
        n = snprintf(buf, bufsz, "%s", t);
        break;
    }
    case CB_FT_LONG:
        n = snprintf(buf, bufsz, "%" PRId64, *(const int64_t *)p);
        break;
    case CB_FT_BOOL:
        n = snprintf(buf, bufsz, "%d", *(const int *)p ? 1 : 0);
        break;
    case CB_FT_TEXT:
    case CB_FT_BYTES: {
        const cb_span *s = p;
        n = snprintf(buf, bufsz, "%.*s", (int)s->len, s->ptr);
        break;
    }
    default:
        n = -1;
    }
    if (n < 0 || (size_t)n >= bufsz)
        return -1;
    return n;
}

/* ------------------------------------------------ a suspect's number */

const cb_field *cb_person_field(cb_kind kind)
{
    const char *name;

    switch (kind) {
    case CB_KIND_BUSINESS:
        name = "legal_rep_id";
        break;
    case CB_KIND_HOUSEHOLD:
    case CB_KIND_DEATH:
    case CB_KIND_ENROLLMENT:
    case CB_KIND_ASSISTANCE:
        name = "person_id";
        break;
    default:
        return NULL;
    }
    return cb_field_find(&kinds[kind], name, strlen(name));
}

int cb_field_keep_written(cb_kind kind, const cb_field *f, const char *text,
                          size_t len, void *rec, const cb_field_error *err)
{
    if (f == NULL || f != cb_person_field(kind) || err->reason == NULL ||
        (strcmp(err->reason, "id_check") != 0 &&
         strcmp(err->reason, "id_birth_date") != 0 &&
         strcmp(err->reason, "id_charset") != 0))
        return 0;
    if (len != CB_IDENT_LEN || len >= f->size)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] <= ' ' || text[i] >= 0x7F)
            return 0;
    memcpy(CB_FIELD_PTR(rec, f), text, len);
    ((char *)CB_FIELD_PTR(rec, f))[len] = '\0';
    return 1;
}
