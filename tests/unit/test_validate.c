/* test_validate.c -- the cross-field checks, one row per rule: a good base
 * record of each feed, one change, the reason and field expected. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_validate.h"

/* Good records, as "field=value|field=value". */
static const char *const base[CB_FEED_COUNT] = {
    [CB_KIND_BUSINESS] = "event_id=b1|uscc=91320923MA1M123453|name=Acme|"
                         "kind=individual|action=established|"
                         "established_on=2025-09-01|township_code=320923008|"
                         "legal_rep_id=320923198001011233|legal_rep_name=W|"
                         "occurred_at=2025-09-02T10:00:00+08:00",
    [CB_KIND_HOUSEHOLD] = "event_id=h1|person_id=320923198001011233|name=W|"
                          "sex=M|birth_date=1980-01-01|action=resident|"
                          "township_code=320923008|"
                          "occurred_at=2025-01-01T00:00:00+08:00",
    [CB_KIND_DEATH] = "event_id=d1|person_id=320923198001011233|"
                      "date_of_death=2025-06-18|source=police|"
                      "occurred_at=2025-06-20T11:00:00+08:00",
    [CB_KIND_ENROLLMENT] = "event_id=e1|person_id=320923198001011233|"
                           "scheme=resident_pension|action=contribute|"
                           "period=2025-05|amount_fen=20000|paid_by=self|"
                           "region_code=320923|township_code=320923008|"
                           "occurred_at=2025-05-05T08:00:00+08:00",
    [CB_KIND_ASSISTANCE] = "event_id=a1|person_id=320923198001011233|name=W|"
                           "identity=minimum_living|valid_from=2025-01-01|"
                           "valid_to=2025-12-31|township_code=320923008|"
                           "occurred_at=2025-06-30T17:00:00+08:00",
};

/* Applies "field=value|..." to rec; an empty value clears the field. */
static void apply(cb_kind kind, void *rec, const char *spec)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    char buf[1024], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *kv = strtok_r(buf, "|", &save); kv != NULL;
         kv = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(kv, '=');
        const cb_field *f;
        cb_field_error err;
        assert_non_null(eq);
        *eq = '\0';
        f = cb_field_find(info, kv, strlen(kv));
        if (f == NULL)
            fail_msg("no field %s in %s", kv, info->name);
        if (eq[1] == '\0') {
            /* Cleared: parse "" but ignore a required-field complaint. */
            cb_field_parse(f, "", 0, rec, &err);
            continue;
        }
        if (cb_field_parse(f, eq + 1, strlen(eq + 1), rec, &err) != 0)
            fail_msg("%s=%s: %s", kv, eq + 1, err.detail);
    }
}

typedef struct vcase {
    cb_kind kind;
    const char *change;
    const char *reason; /* NULL: accepted */
    const char *field;
} vcase;

static const vcase cases[] = {
    {CB_KIND_HOUSEHOLD, "", NULL, NULL},
    {CB_KIND_HOUSEHOLD, "birth_date=1980-01-02", "birth_date_mismatch",
     "birth_date"},
    {CB_KIND_HOUSEHOLD, "sex=F", "sex_mismatch", "sex"},
    {CB_KIND_HOUSEHOLD, "occurred_at=2026-11-24T00:00:00+08:00",
     "future_time", "occurred_at"},
    {CB_KIND_HOUSEHOLD, "occurred_at=2026-11-23T12:04:00+08:00", NULL, NULL},
    {CB_KIND_HOUSEHOLD, "township_code=320923099", "unknown_township",
     "township_code"},
    /* the legacy form of 320923198001011233: birth date and sex are
     * checked against its 18-digit form (born 1980, not 2080 or 1880) */
    {CB_KIND_HOUSEHOLD, "person_id=320923800101123", NULL, NULL},
    {CB_KIND_HOUSEHOLD, "person_id=320923800101123|birth_date=1880-01-01",
     "birth_date_mismatch", "birth_date"},
    {CB_KIND_HOUSEHOLD, "person_id=320923800101123|birth_date=1980-01-02",
     "birth_date_mismatch", "birth_date"},
    {CB_KIND_HOUSEHOLD, "person_id=320923800101123|sex=F", "sex_mismatch",
     "sex"},
    {CB_KIND_HOUSEHOLD, "person_id=320923800101124|sex=F", NULL, NULL},
    {CB_KIND_HOUSEHOLD, "person_id=320923800101124", "sex_mismatch", "sex"},
    {CB_KIND_DEATH, "person_id=320923800101123", NULL, NULL},
    {CB_KIND_DEATH, "person_id=320923800101123|date_of_death=1979-12-31",
     "death_before_birth", "date_of_death"},
    {CB_KIND_BUSINESS, "legal_rep_id=320923800101123", NULL, NULL},
    {CB_KIND_ENROLLMENT, "person_id=320923800101123", NULL, NULL},
    {CB_KIND_ASSISTANCE, "person_id=320923800101123", NULL, NULL},
    {CB_KIND_BUSINESS, "", NULL, NULL},
    {CB_KIND_BUSINESS, "established_on=2026-11-24", "future_date",
     "established_on"},
    {CB_KIND_BUSINESS, "legal_rep_id=", "missing_field", "legal_rep_id"},
    {CB_KIND_BUSINESS, "legal_rep_id=|kind=enterprise", NULL, NULL},
    {CB_KIND_DEATH, "", NULL, NULL},
    {CB_KIND_DEATH, "date_of_death=1979-12-31", "death_before_birth",
     "date_of_death"},
    {CB_KIND_DEATH, "date_of_death=1980-01-01", NULL, NULL},
    {CB_KIND_ASSISTANCE, "", NULL, NULL},
    {CB_KIND_ASSISTANCE, "valid_to=2024-12-31", "bad_range", "valid_to"},
    {CB_KIND_ASSISTANCE, "valid_to=2030-12-31", NULL, NULL}, /* may be ahead */
    {CB_KIND_ASSISTANCE, "valid_from=2030-01-01|valid_to=", "future_date",
     "valid_from"},
    {CB_KIND_ENROLLMENT, "", NULL, NULL},
    {CB_KIND_ENROLLMENT, "period=", "missing_field", "period"},
    {CB_KIND_ENROLLMENT, "amount_fen=", "missing_field", "amount_fen"},
    {CB_KIND_ENROLLMENT, "paid_by=", "missing_field", "paid_by"},
    {CB_KIND_ENROLLMENT, "paid_by=government", "missing_field",
     "subsidy_tier"},
    {CB_KIND_ENROLLMENT, "paid_by=government|subsidy_tier=10000", NULL, NULL},
    {CB_KIND_ENROLLMENT, "action=benefit|paid_by=", NULL, NULL},
    {CB_KIND_ENROLLMENT, "action=benefit|scheme=", "missing_field", "scheme"},
    {CB_KIND_ENROLLMENT, "action=enroll|period=|amount_fen=|paid_by=", NULL,
     NULL},
    {CB_KIND_ENROLLMENT, "action=stop|person_id=", "missing_field",
     "person_id"},
    {CB_KIND_ENROLLMENT, "action=register_employer|scheme=",
     "missing_field", "uscc"},
    {CB_KIND_ENROLLMENT, "action=register_employer|scheme=|"
                         "uscc=91320923MA1M123453",
     "unexpected_field", "person_id"},
    {CB_KIND_ENROLLMENT, "action=register_employer|scheme=|person_id=|"
                         "uscc=91320923MA1M123453",
     NULL, NULL},
};

static void test_cases(void **state)
{
    cb_townships t;
    char err[256];
    static const char table[] =
        "township_code,township,target_total\n320923008,Yilin,1\n";
    (void)state;

    assert_int_equal(cb_townships_parse(&t, table, sizeof(table) - 1, "t",
                                        err, sizeof(err)),
                     0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const vcase *c = &cases[i];
        cb_validate_ctx ctx;
        cb_field_error ferr = {NULL, NULL, "", 0};
        cb_record rec;
        int rc;

        /* The clock: 2026-11-23 12:00 UTC+08:00, 5 minutes of skew. */
        assert_int_equal(
            cb_time_parse("2026-11-23T12:00:00+08:00", 25, &ctx.now_ms), 0);
        ctx.skew_ms = CB_VALIDATE_SKEW_MS;
        ctx.townships = &t;
        cb_record_clear(c->kind, &rec.u);
        apply(c->kind, &rec.u, base[c->kind]);
        if (c->change[0] != '\0')
            apply(c->kind, &rec.u, c->change);
        rc = cb_validate_record(c->kind, &rec.u, &ctx, &ferr);
        if (c->reason == NULL && rc != 0)
            fail_msg("row %zu (%s): refused: %s (%s)", i, c->change,
                     ferr.reason, ferr.detail);
        if (c->reason != NULL) {
            if (rc == 0)
                fail_msg("row %zu (%s): accepted", i, c->change);
            if (strcmp(ferr.reason, c->reason) != 0 ||
                strcmp(ferr.field ? ferr.field : "", c->field) != 0)
                fail_msg("row %zu (%s): %s/%s, expected %s/%s", i,
                         c->change, ferr.reason, ferr.field, c->reason,
                         c->field);
            /* The sentence names the field and never an ID number. */
            assert_non_null(strstr(ferr.detail, c->field));
            assert_null(strstr(ferr.detail, "320923198001011233"));
            assert_null(strstr(ferr.detail, "320923800101123"));
        }
    }
    cb_townships_term(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
