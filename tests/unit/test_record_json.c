/* test_record_json.c -- records to and from JSON objects: value forms,
 * masking, and the refusals cb_field_parse shares with the CSV path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_record_json.h"

static const char HOUSEHOLD[] =
    "{\"event_id\":\"h-1\",\"person_id\":\"320923198001011233\","
    "\"name\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"sex\":\"F\","
    "\"birth_date\":\"1980-01-01\",\"action\":\"move_out\","
    "\"township_code\":320923100,\"student\":true,"
    "\"occurred_at\":\"2024-03-01T10:00:00.250+08:00\","
    "\"unknown\":{\"ignored\":[1,2]}}";

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *obj = json_loads(text, 0, &jerr);

    if (obj == NULL)
        fail_msg("bad test JSON: %s", jerr.text);
    return obj;
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (s == NULL)
        fail_msg("no string %s", key);
    return s;
}

static void test_household_both_ways(void **state)
{
    json_t *in = load(HOUSEHOLD), *out, *masked;
    cb_household h;
    cb_field_error err;

    (void)state;
    if (cb_record_from_json(CB_KIND_HOUSEHOLD, in, &h, &err) != 0)
        fail_msg("%s: %s", err.reason, err.detail);
    assert_string_equal(h.township_code, "320923100"); /* from a number */
    assert_int_equal(h.sex, CB_SEX_F);
    assert_int_equal(h.action, CB_HH_MOVE_OUT);
    assert_int_equal(h.student, 1);

    out = cb_record_to_json(CB_KIND_HOUSEHOLD, &h, 0);
    assert_non_null(out);
    assert_string_equal(str(out, "person_id"), "320923198001011233");
    assert_string_equal(str(out, "sex"), "F");
    assert_string_equal(str(out, "birth_date"), "1980-01-01");
    assert_string_equal(str(out, "occurred_at"),
                        "2024-03-01T10:00:00.250+08:00");
    assert_true(json_is_true(json_object_get(out, "student")));
    assert_null(json_object_get(out, "unknown"));
    assert_int_equal(json_object_size(out), 9);

    masked = cb_record_to_json(CB_KIND_HOUSEHOLD, &h, CB_JSON_MASK);
    assert_string_equal(str(masked, "person_id"), "320923************");
    assert_string_equal(str(masked, "name"), "\xe5\xbc\xa0*"); /* 张* */
    assert_string_equal(str(out, "name"), "\xe5\xbc\xa0\xe4\xb8\x89");

    /* an absent optional field has no key */
    h.student = -1;
    json_decref(out);
    out = cb_record_to_json(CB_KIND_HOUSEHOLD, &h, 0);
    assert_null(json_object_get(out, "student"));
    json_decref(out);
    json_decref(masked);
    json_decref(in);
}

/* The checks are cb_field_parse's: same reasons as the CSV path. */
static void test_refusals(void **state)
{
    static const struct {
        const char *key, *value, *reason;
    } rows[] = {
        {"person_id", "\"320923198001011234\"", "id_check"},
        {"sex", "\"X\"", "unknown_enum"},
        {"birth_date", "\"1980-02-30\"", "bad_date"},
        {"birth_date", "19800101", "bad_date"},
        {"occurred_at", "\"2024-03-01T10:00:00\"", "bad_time"},
        {"event_id", "null", "missing_field"},
        {"event_id", "\"\"", "missing_field"},
        {"name", "true", "bad_type"},
        {"name", "[\"a\"]", "bad_type"},
        {"student", "\"maybe\"", "bad_bool"},
        {"township_code", "\"32\"", "bad_code"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        json_t *obj = load(HOUSEHOLD), *v;
        json_error_t jerr;
        cb_household h;
        cb_field_error err = {0};

        v = json_loads(rows[i].value, JSON_DECODE_ANY, &jerr);
        assert_non_null(v);
        json_object_set_new(obj, rows[i].key, v);
        if (cb_record_from_json(CB_KIND_HOUSEHOLD, obj, &h, &err) != -1)
            fail_msg("%s=%s was accepted", rows[i].key, rows[i].value);
        if (strcmp(err.reason, rows[i].reason) != 0)
            fail_msg("%s=%s: reason %s, expected %s (%s)", rows[i].key,
                     rows[i].value, err.reason, rows[i].reason, err.detail);
        json_decref(obj);
    }
    /* a missing required key, and something that is not an object */
    {
        json_t *obj = load(HOUSEHOLD), *arr = load("[1]");
        cb_household h;
        cb_field_error err;
        json_object_del(obj, "name");
        assert_int_equal(cb_record_from_json(CB_KIND_HOUSEHOLD, obj, &h, &err),
                         -1);
        assert_string_equal(err.reason, "missing_field");
        assert_int_equal(cb_record_from_json(CB_KIND_HOUSEHOLD, arr, &h, &err),
                         -1);
        json_decref(arr);
        json_decref(obj);
    }
}

/* Bytes travel as base64; IDs inside text and bytes are masked too. */
static void test_deadletter_bytes(void **state)
{
    static const char raw[] = "1,320923198001011233,\xd5\xc5\0,"
                              "91320923MA1XXXXXXB;abcdefghijklmnopqr";
    cb_deadletter d, back;
    json_t *out, *masked;
    cb_field_error err;
    void *owned = NULL;
    char *text;

    (void)state;
    cb_record_clear(CB_KIND_DEADLETTER, &d);
    strcpy(d.feed, "household");
    strcpy(d.file, "in.csv");
    d.line = 7;
    strcpy(d.reason, "id_check");
    d.detail.ptr = "person_id 320923198001011233 is wrong";
    d.detail.len = strlen(d.detail.ptr);
    d.raw.ptr = raw;
    d.raw.len = sizeof(raw) - 1;
    d.rejected_at = 0;

    out = cb_record_to_json(CB_KIND_DEADLETTER, &d, 0);
    assert_non_null(out);
    assert_null(json_object_get(out, "field"));
    masked = cb_record_to_json(CB_KIND_DEADLETTER, &d, CB_JSON_MASK);
    assert_string_equal(str(masked, "detail"),
                        "person_id 320923************ is wrong");

    /* the plain reader refuses bytes, the owning one decodes them */
    assert_int_equal(cb_record_from_json(CB_KIND_DEADLETTER, out, &back, &err),
                     -1);
    if (cb_record_from_json_owned(CB_KIND_DEADLETTER, out, &back, &owned,
                                  &err) != 0)
        fail_msg("%s: %s", err.reason, err.detail);
    assert_int_equal(back.raw.len, sizeof(raw) - 1);
    assert_memory_equal(back.raw.ptr, raw, sizeof(raw) - 1);
    assert_int_equal(back.line, 7);
    free(owned);

    /* the masked bytes: both IDs hidden, the 18 lower-case letters kept */
    assert_int_equal(cb_record_from_json_owned(CB_KIND_DEADLETTER, masked,
                                               &back, &owned, &err),
                     0);
    assert_int_equal(back.raw.len, sizeof(raw) - 1);
    assert_memory_equal(back.raw.ptr, "1,320923************,", 21);
    assert_non_null(
        memmem(back.raw.ptr, back.raw.len, "913209********XXXB;abcdef", 25));
    free(owned);

    /* bad base64 is refused; empty raw is present and empty */
    json_object_set_new(out, "raw", json_string("@@@@"));
    assert_int_equal(
        cb_record_from_json_owned(CB_KIND_DEADLETTER, out, &back, &owned, &err),
        -1);
    assert_string_equal(err.reason, "bad_base64");
    free(owned);
    json_object_set_new(out, "raw", json_string(""));
    assert_int_equal(
        cb_record_from_json_owned(CB_KIND_DEADLETTER, out, &back, &owned, &err),
        0);
    assert_non_null(back.raw.ptr);
    assert_int_equal(back.raw.len, 0);
    free(owned);

    /* text that is not UTF-8 comes out with U+FFFD, as valid JSON */
    d.detail.ptr = "a\xff"
                   "b";
    d.detail.len = 3;
    json_decref(out);
    out = cb_record_to_json(CB_KIND_DEADLETTER, &d, 0);
    assert_string_equal(str(out, "detail"), "a\xef\xbf\xbd"
                                            "b");
    text = json_dumps(out, JSON_COMPACT);
    assert_non_null(text);
    free(text);
    json_decref(out);
    json_decref(masked);
}

/* Leads: subject_id is masked whatever it holds; enums by symbol. */
static void test_lead(void **state)
{
    cb_lead l;
    json_t *out;

    (void)state;
    cb_record_clear(CB_KIND_LEAD, &l);
    strcpy(l.lead_id, "L1");
    strcpy(l.township_code, "320923100");
    l.subject_kind = CB_SUBJECT_EMPLOYER;
    strcpy(l.subject_id, "91320923MA1XXXXXXB");
    strcpy(l.name, "Acme");
    l.reason = CB_REASON_EMPLOYER_UNREGISTERED;
    l.priority = CB_PRIORITY_NORMAL;
    l.opened_at = 1709258400000;
    l.status = CB_STATUS_OPEN;
    strcpy(l.source_event_id, "b-1");
    out = cb_record_to_json(CB_KIND_LEAD, &l, CB_JSON_MASK);
    assert_string_equal(str(out, "subject_id"), "913209********XXXB");
    assert_string_equal(str(out, "reason"), "employer_unregistered");
    assert_null(json_object_get(out, "closed_reason"));
    assert_null(json_object_get(out, "closed_at"));
    assert_string_equal(str(out, "name"), "Acme"); /* an employer's name */
    json_decref(out);

    /* A person's lead hides the name as well as the number. */
    l.subject_kind = CB_SUBJECT_PERSON;
    strcpy(l.name, "Lee Ann");
    out = cb_record_to_json(CB_KIND_LEAD, &l, CB_JSON_MASK);
    assert_string_equal(str(out, "name"), "L******");
    json_decref(out);
    assert_null(cb_record_to_json(CB_KIND_COUNT, &l, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_household_both_ways),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_deadletter_bytes),
        cmocka_unit_test(test_lead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
