/* test_record.c -- the field tables and the text form of field values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_record.h"

/* Every kind has a table whose fields lie inside its struct, do not
 * overlap, and follow the struct's member order; enums have symbols. */
static void test_tables_are_sound(void **state)
{
    (void)state;
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        const cb_kind_info *info = cb_kind_info_get((cb_kind)k);
        cb_kind back;
        size_t end = 0;

        assert_non_null(info);
        assert_int_equal(info->kind, k);
        assert_int_equal(cb_kind_from_name(info->name, &back), 0);
        assert_int_equal(back, k);
        assert_non_null(cb_field_find(info, info->key_field,
                                      strlen(info->key_field)));
        for (int i = 0; i < info->nfields; i++) {
            const cb_field *f = &info->fields[i];
            if (f->offset < end)
                fail_msg("%s.%s overlaps or is out of order", info->name,
                         f->name);
            end = f->offset + f->size;
            assert_true(end <= info->size);
            if (f->type == CB_FT_ENUM)
                assert_true(f->nsymbols > 0 && f->symbols != NULL);
            assert_ptr_equal(cb_field_find(info, f->name, strlen(f->name)),
                             f);
        }
    }
    assert_null(cb_kind_info_get(CB_KIND_COUNT));
    cb_kind none;
    assert_int_equal(cb_kind_from_name("nosuch", &none), -1);
}

/* The C enums and the symbol tables agree where code relies on both. */
static void test_symbols_match_enums(void **state)
{
    (void)state;
    assert_string_equal(cb_symbol(CB_KIND_ENROLLMENT, "scheme",
                                  CB_SCHEME_RESIDENT_PENSION),
                        "resident_pension");
    assert_string_equal(cb_symbol(CB_KIND_LEAD, "reason",
                                  CB_REASON_EMPLOYER_UNREGISTERED),
                        "employer_unregistered");
    assert_string_equal(cb_symbol(CB_KIND_ALERT, "kind",
                                  CB_ALERT_ACTIVE_AFTER_DEATH),
                        "active_after_death");
    assert_string_equal(cb_symbol(CB_KIND_HOUSEHOLD, "action",
                                  CB_HH_ADDRESS_CHANGE),
                        "address_change");
    assert_string_equal(cb_symbol(CB_KIND_LEAD, "closed_reason",
                                  CB_CLOSED_INVALID),
                        "invalid");
    assert_null(cb_symbol(CB_KIND_LEAD, "reason", 99));
    assert_null(cb_symbol(CB_KIND_LEAD, "nosuch", 0));
}

/* A team's decision: its symbols in the enum's order, and back. */
static void test_decision_symbols(void **state)
{
    static const char *const names[CB_DECISION_COUNT] = {
        "contacted", "refused", "enrolled", "invalid"};

    (void)state;
    assert_int_equal(CB_DECISION_REFUSED, 1);
    assert_int_equal(CB_DECISION_INVALID, 3);
    for (int d = 0; d < CB_DECISION_COUNT; d++) {
        assert_string_equal(cb_decision_symbol(d), names[d]);
        assert_int_equal(cb_decision_value(names[d]), d);
    }
    assert_null(cb_decision_symbol(-1));
    assert_null(cb_decision_symbol(CB_DECISION_COUNT));
    assert_int_equal(cb_decision_value("closed"), -1);
    assert_int_equal(cb_decision_value(""), -1);
}

typedef struct parse_case {
    cb_kind kind;
    const char *field;
    const char *text;
    const char *reason; /* NULL: accepted */
} parse_case;

static const parse_case parse_cases[] = {
    {CB_KIND_HOUSEHOLD, "person_id", "11010519491231002X", NULL},
    {CB_KIND_HOUSEHOLD, "person_id", "110105194912310021", "id_check"},
    {CB_KIND_HOUSEHOLD, "person_id", "11010519491231002", "id_length"},
    {CB_KIND_HOUSEHOLD, "person_id", "", "missing_field"},
    /* the legacy 15-digit form, in every person field (RULES.md 9.1) */
    {CB_KIND_HOUSEHOLD, "person_id", "110105491231002", NULL},
    {CB_KIND_DEATH, "person_id", "110105491231002", NULL},
    {CB_KIND_ENROLLMENT, "person_id", "110105491231002", NULL},
    {CB_KIND_ASSISTANCE, "person_id", "110105491231002", NULL},
    {CB_KIND_BUSINESS, "legal_rep_id", "110105491231002", NULL},
    {CB_KIND_HOUSEHOLD, "person_id", "11010549123100X", "id_charset"},
    {CB_KIND_HOUSEHOLD, "person_id", "110105990230002", "id_birth_date"},
    {CB_KIND_BUSINESS, "legal_rep_id", "110105490230002", "id_birth_date"},
    {CB_KIND_HOUSEHOLD, "person_id", "1101054912310021", "id_length"},
    {CB_KIND_HOUSEHOLD, "person_id", "11010549123100", "id_length"},
    {CB_KIND_HOUSEHOLD, "sex", "F", NULL},
    {CB_KIND_HOUSEHOLD, "sex", "female", "unknown_enum"},
    {CB_KIND_HOUSEHOLD, "birth_date", "1949-12-31", NULL},
    {CB_KIND_HOUSEHOLD, "birth_date", "1949-02-30", "bad_date"},
    {CB_KIND_HOUSEHOLD, "birth_date", "1949/12/31", "bad_date"},
    {CB_KIND_HOUSEHOLD, "student", "", NULL},
    {CB_KIND_HOUSEHOLD, "student", "1", NULL},
    {CB_KIND_HOUSEHOLD, "student", "yes", "bad_bool"},
    {CB_KIND_HOUSEHOLD, "township_code", "320923001", NULL},
    {CB_KIND_HOUSEHOLD, "township_code", "32092", "bad_code"},
    {CB_KIND_HOUSEHOLD, "township_code", "32092300A", "bad_code"},
    {CB_KIND_HOUSEHOLD, "occurred_at", "2025-03-01T08:00:00+08:00", NULL},
    {CB_KIND_HOUSEHOLD, "occurred_at", "2025-03-01T08:00:00", "bad_time"},
    {CB_KIND_HOUSEHOLD, "name", "\xe5\xbc\xa0\xe4\xb8\x89", NULL},
    {CB_KIND_HOUSEHOLD, "name", "\xe5\xbc", "bad_text"},
    {CB_KIND_HOUSEHOLD, "name", "\xc0\x80", "bad_text"}, /* overlong NUL */
    {CB_KIND_HOUSEHOLD, "event_id", "hh-0001", NULL},
    {CB_KIND_HOUSEHOLD, "event_id", "hh 0001", "bad_token"},
    {CB_KIND_BUSINESS, "uscc", "91320923MA1MIOXX0X", "id_charset"},
    {CB_KIND_BUSINESS, "kind", "branch", NULL},
    {CB_KIND_ENROLLMENT, "period", "2025-13", "bad_month"},
    {CB_KIND_ENROLLMENT, "period", "2025-12", NULL},
    {CB_KIND_ENROLLMENT, "amount_fen", "12345", NULL},
    {CB_KIND_ENROLLMENT, "amount_fen", "-5", "bad_amount"},
    {CB_KIND_ENROLLMENT, "amount_fen", "12.5", "bad_number"},
    {CB_KIND_ENROLLMENT, "amount_fen", "99999999999999999999", "bad_number"},
    {CB_KIND_ENROLLMENT, "scheme", "", NULL},
    {CB_KIND_ALERT, "period", "2025", NULL},
    {CB_KIND_ALERT, "period", "25", "bad_period"},
};

static void test_field_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
         i++) {
        const parse_case *c = &parse_cases[i];
        const cb_kind_info *info = cb_kind_info_get(c->kind);
        const cb_field *f = cb_field_find(info, c->field, strlen(c->field));
        cb_record rec;
        cb_field_error err = {NULL, NULL, "", 0};
        int rc;

        assert_non_null(f);
        cb_record_clear(c->kind, &rec.u);
        rc = cb_field_parse(f, c->text, strlen(c->text), &rec.u, &err);
        if (c->reason == NULL && rc != 0)
            fail_msg("row %zu (%s.%s = '%s'): refused (%s: %s)", i,
                     info->name, c->field, c->text, err.reason, err.detail);
        if (c->reason != NULL &&
            (rc == 0 || strcmp(err.reason, c->reason) != 0))
            fail_msg("row %zu (%s.%s = '%s'): expected %s, got %s", i,
                     info->name, c->field, c->text, c->reason,
                     rc == 0 ? "accepted" : err.reason);
        if (rc != 0)
            assert_true(strstr(err.detail, c->field) != NULL);
        /* a number is kept as written, in either form */
        if (rc == 0 && f->check == CB_FC_PERSON_ID)
            assert_string_equal((const char *)CB_FIELD_CPTR(&rec.u, f),
                                c->text);
    }
}

/* Text that parses formats back to the same text. */
static void test_field_round_trip(void **state)
{
    static const struct {
        cb_kind kind;
        const char *field, *text;
    } rows[] = {
        {CB_KIND_HOUSEHOLD, "birth_date", "2000-02-29"},
        {CB_KIND_HOUSEHOLD, "sex", "M"},
        {CB_KIND_HOUSEHOLD, "student", "0"},
        {CB_KIND_HOUSEHOLD, "occurred_at", "2025-03-01T08:00:00+08:00"},
        {CB_KIND_ENROLLMENT, "amount_fen", "0"},
        {CB_KIND_ENROLLMENT, "period", "1999-01"},
        {CB_KIND_ALERT, "evidence", "e1 e2 e3"},
        {CB_KIND_LEAD, "closed_reason", "moved_out"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const cb_kind_info *info = cb_kind_info_get(rows[i].kind);
        const cb_field *f = cb_field_find(info, rows[i].field,
                                          strlen(rows[i].field));
        cb_record rec;
        cb_field_error err;
        char buf[64];

        cb_record_clear(rows[i].kind, &rec.u);
        assert_int_equal(cb_field_parse(f, rows[i].text,
                                        strlen(rows[i].text), &rec.u, &err),
                         0);
        assert_int_equal(cb_field_format(f, &rec.u, buf, sizeof(buf)),
                         (int)strlen(rows[i].text));
        assert_string_equal(buf, rows[i].text);
        /* One byte too small for the text and its NUL. */
        assert_int_equal(
            cb_field_format(f, &rec.u, buf, strlen(rows[i].text)), -1);
    }
}

static void test_clear_marks_absent(void **state)
{
    (void)state;
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        const cb_kind_info *info = cb_kind_info_get((cb_kind)k);
        cb_record rec;
        memset(&rec, 0x5A, sizeof(rec));
        cb_record_clear((cb_kind)k, &rec.u);
        for (int i = 0; i < info->nfields; i++) {
            char buf[8];
            assert_true(cb_field_is_absent(&info->fields[i], &rec.u));
            assert_int_equal(
                cb_field_format(&info->fields[i], &rec.u, buf, sizeof(buf)),
                0);
        }
    }
}

static void test_record_key(void **state)
{
    char buf[CB_ID_SIZE];
    cb_enrollment e;
    cb_household h;
    cb_death d;
    cb_assistance a;
    (void)state;
    cb_record_clear(CB_KIND_ENROLLMENT, &e);
    strcpy(e.uscc, "91320923MA1MXXXX0A");
    assert_string_equal(cb_record_key(CB_KIND_ENROLLMENT, &e, buf),
                        "91320923MA1MXXXX0A");
    strcpy(e.person_id, "11010519491231002X");
    assert_string_equal(cb_record_key(CB_KIND_ENROLLMENT, &e, buf),
                        "11010519491231002X");
    /* a legacy number keys by its 18 characters; the record keeps it */
    strcpy(e.person_id, "110105491231002");
    assert_string_equal(cb_record_key(CB_KIND_ENROLLMENT, &e, buf),
                        "11010519491231002X");
    assert_string_equal(e.person_id, "110105491231002");
    cb_record_clear(CB_KIND_HOUSEHOLD, &h);
    strcpy(h.person_id, "320923850307123");
    assert_string_equal(cb_record_key(CB_KIND_HOUSEHOLD, &h, buf),
                        "320923198503071236");
    cb_record_clear(CB_KIND_DEATH, &d);
    strcpy(d.person_id, "320923850307123");
    assert_string_equal(cb_record_key(CB_KIND_DEATH, &d, buf),
                        "320923198503071236");
    cb_record_clear(CB_KIND_ASSISTANCE, &a);
    strcpy(a.person_id, "320923850307123");
    assert_string_equal(cb_record_key(CB_KIND_ASSISTANCE, &a, buf),
                        "320923198503071236");
    /* text that is no number (never produced: refused first) stays */
    strcpy(a.person_id, "320923850230123");
    assert_string_equal(cb_record_key(CB_KIND_ASSISTANCE, &a, buf),
                        "320923850230123");
}

static void test_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t len, valid;
    } rows[] = {
        {"abc", 3, 3},
        {"\xe4\xb8\xad\xe6\x96\x87", 6, 6},       /* 中文 */
        {"\xf0\x9f\x98\x80", 4, 4},               /* U+1F600 */
        {"a\xed\xa0\x80", 4, 1},                  /* a surrogate */
        {"ab\xe0\x80\xaf", 5, 2},                 /* overlong '/' */
        {"\xf4\x90\x80\x80", 4, 0},               /* past U+10FFFF */
        {"a\0b", 3, 1},                           /* NUL */
        {"\xe4\xb8", 2, 0},                       /* truncated */
        {"\xff", 1, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (cb_utf8_valid_prefix(rows[i].s, rows[i].len) != rows[i].valid)
            fail_msg("row %zu: valid prefix %zu, expected %zu", i,
                     cb_utf8_valid_prefix(rows[i].s, rows[i].len),
                     rows[i].valid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_are_sound),
        cmocka_unit_test(test_symbols_match_enums),
        cmocka_unit_test(test_decision_symbols),
        cmocka_unit_test(test_field_parse_table),
        cmocka_unit_test(test_field_round_trip),
        cmocka_unit_test(test_clear_marks_absent),
        cmocka_unit_test(test_record_key),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
