/* test_ident.c -- resident ID numbers and unified social credit codes:
 * good ones (each checked with python3-stdnum), every kind of bad one,
 * every wrong check character; legacy 15-digit numbers and their
 * 18-character form.  All numbers are synthetic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_time.h"

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

#define USCC_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"

/* ---------------------------------------------------------------- person */

typedef struct person_ok {
    const char *id;
    const char *birth; /* YYYY-MM-DD */
    int male;
} person_ok;

/* stdnum.cn.ric.is_valid() says True for every one of these; between them
 * they end in each of the 11 check characters. */
static const person_ok person_good[] = {
    {"320923198503071236", "1985-03-07", 1},
    {"320923200002290027", "2000-02-29", 0},
    {"320923190001010015", "1900-01-01", 1}, /* the earliest birth taken */
    {"110105194910010058", "1949-10-01", 1},
    {"440305202412319989", "2024-12-31", 0},
    {"510107199912310767", "1999-12-31", 0},
    {"650102197001010026", "1970-01-01", 0},
    {"320923191206303019", "1912-06-30", 1},
    {"320923201212123459", "2012-12-12", 1},
    {"320981195808150648", "1958-08-15", 0},
    {"32092319110714071X", "1911-07-14", 1},
    {"32092319281121596X", "1928-11-21", 0},
    {"32092319310219307X", "1931-02-19", 1},
    {"110105192009275070", "1920-09-27", 1}, /* check 0 */
    {"540102196608274861", "1966-08-27", 0}, /* check 1 */
    {"320981198708085862", "1987-08-08", 0}, /* check 2 */
    {"440305192412129943", "1924-12-12", 0}, /* check 3 */
    {"320924192508240114", "1925-08-24", 1}, /* check 4 */
    {"320902190610179105", "1906-10-17", 0}, /* check 5 */
    {"650102195309081446", "1953-09-08", 0}, /* check 6 */
    {"320902191911032507", "1919-11-03", 0}, /* check 7 */
    {"650102192705206868", "1927-05-20", 0}, /* check 8 */
    {"540102201006019779", "2010-06-01", 1}, /* check 9 */
    {"65010219211202804X", "1921-12-02", 0}, /* check X */
    /* A birth date in the future is the caller's business, not ours. */
    {"320923999912310015", "9999-12-31", 1},
};

typedef struct ident_bad {
    const char *text;
    size_t len; /* 0: strlen(text) */
    cb_ident_err err;
} ident_bad;

static const ident_bad person_bad[] = {
    /* length, checked first */
    {"", 0, CB_IDENT_LENGTH},
    {"32092319850307123", 0, CB_IDENT_LENGTH},
    {"3209231985030712366", 0, CB_IDENT_LENGTH},
    {"320923198503071236 ", 0, CB_IDENT_LENGTH},
    {" 320923198503071236", 0, CB_IDENT_LENGTH},
    {"320923 19850307 1236", 0, CB_IDENT_LENGTH},
    {"320923-19850307-1236", 0, CB_IDENT_LENGTH},
    {"32092319850307", 0, CB_IDENT_LENGTH},
    {"3209231985x", 0, CB_IDENT_LENGTH},
    /* charset, before the birth date and the check */
    {"32092319850307123x", 0, CB_IDENT_CHARSET}, /* lower-case x */
    {"32092319851307123x", 0, CB_IDENT_CHARSET}, /* and month 13 */
    {"3209231985030712X6", 0, CB_IDENT_CHARSET},
    {"X20923198503071236", 0, CB_IDENT_CHARSET},
    {"A20923198503071236", 0, CB_IDENT_CHARSET},
    {"32092319850307123 ", 0, CB_IDENT_CHARSET},
    {"320923 98503071236", 0, CB_IDENT_CHARSET},
    {"3209231985-3071236", 0, CB_IDENT_CHARSET},
    {"32092319850307123Y", 0, CB_IDENT_CHARSET},
    {"32092319850307123\xc3", 0, CB_IDENT_CHARSET},
    {"32092319850307\0001236", 18, CB_IDENT_CHARSET},  /* NUL inside */
    {"\325\3052092319850307123X", 0, CB_IDENT_LENGTH}, /* 19 bytes */
    {"\32520923198503071236", 0, CB_IDENT_CHARSET},
    /* six full-width digits, 18 bytes of UTF-8 */
    {"\357\274\223\357\274\222\357\274\220\357\274\231\357\274\222\357\274\223",
     0, CB_IDENT_CHARSET},
    /* birth date, before the check; each has its right check character */
    {"32092319851307123X", 0, CB_IDENT_BIRTH_DATE}, /* month 13 */
    {"320923190002291234", 0, CB_IDENT_BIRTH_DATE}, /* 1900 is common */
    {"320923202302291231", 0, CB_IDENT_BIRTH_DATE},
    {"320923189912311232", 0, CB_IDENT_BIRTH_DATE}, /* before 1900 */
    {"320923000001011237", 0, CB_IDENT_BIRTH_DATE},
    {"320923198502301239", 0, CB_IDENT_BIRTH_DATE},
    {"320923198501001234", 0, CB_IDENT_BIRTH_DATE},
    {"320923198501321238", 0, CB_IDENT_BIRTH_DATE},
    {"320923198530071236", 0, CB_IDENT_BIRTH_DATE}, /* MM and DD swapped */
    {"320923198513071230", 0, CB_IDENT_BIRTH_DATE}, /* and a wrong check */
    /* check */
    {"320923198503071237", 0, CB_IDENT_CHECK},
    {"320923198503071326", 0, CB_IDENT_CHECK}, /* digits swapped */
    {"32092319850307123X", 0, CB_IDENT_CHECK},
    {"320923200002290028", 0, CB_IDENT_CHECK},
    {"320923198503071236", 0, CB_IDENT_OK}, /* control row */
};

static void test_person_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(person_good); i++) {
        const person_ok *c = &person_good[i];
        int32_t birth = CB_DATE_NONE, want;
        cb_ident_err err = cb_ident_check_person(c->id, strlen(c->id), &birth);

        if (err != CB_IDENT_OK)
            fail_msg("row %zu %s: refused (%s)", i, c->id,
                     cb_ident_reason(err));
        assert_int_equal(cb_date_parse(c->birth, 10, &want), 0);
        if (birth != want)
            fail_msg("row %zu %s: birth %d, want %s", i, c->id, (int)birth,
                     c->birth);
        if (cb_ident_person_is_male(c->id) != c->male)
            fail_msg("row %zu %s: wrong sex", i, c->id);
        if (cb_ident_person_check_char(c->id) != c->id[17])
            fail_msg("row %zu %s: check char %c", i, c->id,
                     cb_ident_person_check_char(c->id));
        /* birth may be NULL */
        assert_int_equal(cb_ident_check_person(c->id, 18, NULL), CB_IDENT_OK);
    }
}

static void run_bad_cases(const ident_bad *rows, size_t n, int person)
{
    for (size_t i = 0; i < n; i++) {
        const ident_bad *c = &rows[i];
        size_t len = c->len ? c->len : strlen(c->text);
        cb_ident_err want = c->err, got;
        int32_t birth = 4242;

        got = person ? cb_ident_check_person(c->text, len, &birth)
                     : cb_ident_check_uscc(c->text, len);
        if (got != want)
            fail_msg("row %zu \"%s\" (len %zu): got %s, want %s", i, c->text,
                     len, cb_ident_reason(got), cb_ident_reason(want));
        if (person && got != CB_IDENT_OK && birth != 4242)
            fail_msg("row %zu \"%s\": refused but wrote the birth date", i,
                     c->text);
    }
}

static void test_person_bad(void **state)
{
    (void)state;
    run_bad_cases(person_bad, N_ROWS(person_bad), 1);
    assert_int_equal(cb_ident_check_person(NULL, 0, NULL), CB_IDENT_LENGTH);
}

/* Every check character but the right one is refused, for every good
 * body; and so is every change of one body digit (MOD 11-2 finds them all:
 * no weight is 0 mod 11), as a wrong check or a wrong birth date. */
static void test_person_every_wrong_check(void **state)
{
    static const char checks[] = "0123456789X";
    size_t refused = 0;

    (void)state;
    for (size_t i = 0; i < N_ROWS(person_good); i++) {
        char id[CB_IDENT_LEN + 1];

        memcpy(id, person_good[i].id, sizeof(id));
        for (size_t k = 0; k < 11; k++) {
            cb_ident_err err;
            id[17] = checks[k];
            err = cb_ident_check_person(id, 18, NULL);
            if (checks[k] == person_good[i].id[17]) {
                assert_int_equal(err, CB_IDENT_OK);
                continue;
            }
            if (err != CB_IDENT_CHECK)
                fail_msg("row %zu %s: got %s, want id_check", i, id,
                         cb_ident_reason(err));
            refused++;
        }
        id[17] = person_good[i].id[17];
        for (size_t pos = 0; pos < 17; pos++) {
            for (char d = '0'; d <= '9'; d++) {
                cb_ident_err err;
                if (d == person_good[i].id[pos])
                    continue;
                id[pos] = d;
                err = cb_ident_check_person(id, 18, NULL);
                if (err != CB_IDENT_CHECK && err != CB_IDENT_BIRTH_DATE)
                    fail_msg("row %zu %s: got %s", i, id, cb_ident_reason(err));
            }
            id[pos] = person_good[i].id[pos];
        }
    }
    assert_int_equal(refused, N_ROWS(person_good) * 10);
}

/* ------------------------------------------------------ legacy numbers */

typedef struct legacy_ok {
    const char *legacy; /* 15 digits */
    const char *full;   /* its 18-character form */
    const char *birth;  /* YYYY-MM-DD */
    int male;
} legacy_ok;

/* The first row is GB 11643-1999's own example; the check characters of
 * the others were computed by hand with the weights 7 9 10 5 8 4 2 1 6 3 7
 * 9 10 5 8 4 2 (sum mod 11 -> 1 0 X 9 8 7 6 5 4 3 2), and each full form
 * is valid by stdnum.cn.ric.  Between them they end in each of the 11
 * check characters. */
static const legacy_ok legacy_good[] = {
    {"110105491231002", "11010519491231002X", "1949-12-31", 0},
    {"320923850307123", "320923198503071236", "1985-03-07", 1},
    {"320923000101001", "320923190001010015", "1900-01-01", 1}, /* 00: 1900 */
    {"320923991231998", "320923199912319989", "1999-12-31", 0},
    {"320923960229124", "320923199602291247", "1996-02-29", 0},
    {"440305000228005", "440305190002280051", "1900-02-28", 1},
    {"650102700101002", "650102197001010026", "1970-01-01", 0},
    {"320923790524367", "320923197905243673", "1979-05-24", 1},
    {"320923670127476", "320923196701274764", "1967-01-27", 0},
    {"320923490501369", "320923194905013698", "1949-05-01", 1},
    {"320923610823180", "320923196108231800", "1961-08-23", 0},
    {"320923460719861", "320923194607198612", "1946-07-19", 1},
};

static const ident_bad legacy_bad[] = {
    /* length: 15 is the only other length taken */
    {"32092385030712", 0, CB_IDENT_LENGTH},
    {"3209238503071234", 0, CB_IDENT_LENGTH},
    {"32092385030712345", 0, CB_IDENT_LENGTH},
    {"320923850307123 ", 0, CB_IDENT_LENGTH},
    {"320923-850307-123", 0, CB_IDENT_LENGTH},
    /* charset: digits only, no check character (so no X), before the date */
    {"32092385030712X", 0, CB_IDENT_CHARSET},
    {"32092385030712x", 0, CB_IDENT_CHARSET},
    {"3209238503071A3", 0, CB_IDENT_CHARSET},
    {"A20923850307123", 0, CB_IDENT_CHARSET},
    {"320923 50307123", 0, CB_IDENT_CHARSET},
    {"320923851307X23", 0, CB_IDENT_CHARSET}, /* and month 13 */
    {"3209238503\000123", 15, CB_IDENT_CHARSET}, /* NUL inside */
    {"\357\274\223\357\274\222\357\274\220\357\274\231\357\274\222", 0,
     CB_IDENT_CHARSET}, /* five full-width digits, 15 bytes */
    /* birth date: YYMMDD a real date of 19YY */
    {"320923990230123", 0, CB_IDENT_BIRTH_DATE}, /* 1999-02-30 */
    {"320923000229123", 0, CB_IDENT_BIRTH_DATE}, /* 1900 is common */
    {"320923970229123", 0, CB_IDENT_BIRTH_DATE},
    {"320923851301123", 0, CB_IDENT_BIRTH_DATE}, /* month 13 */
    {"320923850001123", 0, CB_IDENT_BIRTH_DATE}, /* month 0 */
    {"320923850100123", 0, CB_IDENT_BIRTH_DATE}, /* day 0 */
    {"320923850431123", 0, CB_IDENT_BIRTH_DATE},
    {"320923850732123", 0, CB_IDENT_BIRTH_DATE},
    {"320923071185123", 0, CB_IDENT_BIRTH_DATE}, /* DDMMYY */
    {"320923850307123", 0, CB_IDENT_OK},         /* control row */
};

static void test_legacy_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(legacy_good); i++) {
        const legacy_ok *c = &legacy_good[i];
        char out[CB_IDENT_LEN + 1];
        int32_t birth = CB_DATE_NONE, want;
        cb_ident_err err;

        err = cb_ident_person_canonical(c->legacy, 15, out, &birth);
        if (err != CB_IDENT_OK)
            fail_msg("row %zu %s: refused (%s)", i, c->legacy,
                     cb_ident_reason(err));
        if (strcmp(out, c->full) != 0)
            fail_msg("row %zu %s: %s, want %s", i, c->legacy, out, c->full);
        assert_int_equal(cb_date_parse(c->birth, 10, &want), 0);
        if (birth != want)
            fail_msg("row %zu %s: birth %d, want %s", i, c->legacy,
                     (int)birth, c->birth);
        /* sex from the sequence's last digit, in either form */
        if (cb_ident_person_is_male(c->legacy) != c->male ||
            cb_ident_person_is_male(out) != c->male)
            fail_msg("row %zu %s: wrong sex", i, c->legacy);
        /* the full form is a number of its own, the same person */
        assert_int_equal(cb_ident_check_person(c->full, 18, NULL),
                         CB_IDENT_OK);
        memset(out, '?', sizeof(out));
        assert_int_equal(cb_ident_person_canonical(c->full, 18, out, &birth),
                         CB_IDENT_OK);
        assert_string_equal(out, c->full);
        assert_int_equal(birth, want);
        /* birth may be NULL; the strict check takes 18 characters only */
        assert_int_equal(cb_ident_person_canonical(c->legacy, 15, out, NULL),
                         CB_IDENT_OK);
        assert_int_equal(cb_ident_check_person(c->legacy, 15, NULL),
                         CB_IDENT_LENGTH);
    }
}

static void test_legacy_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(legacy_bad); i++) {
        const ident_bad *c = &legacy_bad[i];
        size_t len = c->len ? c->len : strlen(c->text);
        char out[CB_IDENT_LEN + 1] = "unchanged";
        int32_t birth = 4242;
        cb_ident_err got = cb_ident_person_canonical(c->text, len, out, &birth);

        if (got != c->err)
            fail_msg("row %zu \"%s\" (len %zu): got %s, want %s", i, c->text,
                     len, cb_ident_reason(got), cb_ident_reason(c->err));
        if (got != CB_IDENT_OK && (birth != 4242 || out[0] != '\0'))
            fail_msg("row %zu \"%s\": refused but wrote a result", i,
                     c->text);
    }
    {
        char out[CB_IDENT_LEN + 1];
        assert_int_equal(cb_ident_person_canonical(NULL, 0, out, NULL),
                         CB_IDENT_LENGTH);
        assert_int_equal(cb_ident_person_canonical(NULL, 15, out, NULL),
                         CB_IDENT_LENGTH);
    }
}

/* For 18 characters the canonical form is cb_ident_check_person's verdict
 * and the text itself: every good and bad row of the strict check. */
static void test_canonical_is_strict_for_18(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(person_good); i++) {
        char out[CB_IDENT_LEN + 1];
        const char *id = person_good[i].id;
        assert_int_equal(cb_ident_person_canonical(id, 18, out, NULL),
                         CB_IDENT_OK);
        assert_string_equal(out, id);
    }
    for (size_t i = 0; i < N_ROWS(person_bad); i++) {
        const ident_bad *c = &person_bad[i];
        size_t len = c->len ? c->len : strlen(c->text);
        char out[CB_IDENT_LEN + 1];
        if (len == 15)
            continue; /* the legacy form, above */
        if (cb_ident_person_canonical(c->text, len, out, NULL) !=
            cb_ident_check_person(c->text, len, NULL))
            fail_msg("row %zu \"%s\": verdicts differ", i, c->text);
    }
}

/* Every digit of a good legacy number changed: still 15 digits, so the
 * only refusal is the birth date (no check character catches the rest). */
static void test_legacy_every_digit(void **state)
{
    size_t ok = 0, refused = 0;

    (void)state;
    for (size_t i = 0; i < N_ROWS(legacy_good); i++) {
        char id[16];
        memcpy(id, legacy_good[i].legacy, sizeof(id));
        for (size_t pos = 0; pos < 15; pos++) {
            for (char d = '0'; d <= '9'; d++) {
                char out[CB_IDENT_LEN + 1];
                cb_ident_err err;
                if (d == legacy_good[i].legacy[pos])
                    continue;
                id[pos] = d;
                err = cb_ident_person_canonical(id, 15, out, NULL);
                if (err == CB_IDENT_OK) {
                    ok++;
                    /* the full form is a valid number with the same body */
                    assert_int_equal(cb_ident_check_person(out, 18, NULL),
                                     CB_IDENT_OK);
                    assert_memory_equal(out + 8, id + 6, 9);
                } else if (err == CB_IDENT_BIRTH_DATE && pos >= 6 &&
                           pos < 12) {
                    refused++;
                } else {
                    fail_msg("row %zu %s: got %s", i, id,
                             cb_ident_reason(err));
                }
            }
            id[pos] = legacy_good[i].legacy[pos];
        }
    }
    assert_int_equal(ok + refused, N_ROWS(legacy_good) * 15 * 9);
    assert_true(refused > 0);
}

/* ---------------------------------------------------------------- USCC */

/* stdnum.cn.uscc.is_valid() says True for all but the rows marked: stdnum
 * wants digits in positions 1-8, while GB 32100-2015 gives letters to some
 * registering authorities (A, N, Y ...) in position 1. */
static const char *const uscc_good[] = {
    "91320923MA1XYW123G", "92320923MA20PQ7R19", "12320923466001234Y",
    "51320923MJ0000012P", "93320923MA1N2W3Y4T", "91110108000000001A",
    "1132092300000000A0", "91320923MA1MYY7J0K", "91320923MA1MYY7J1N",
    "91320923MA1MYY7J2R", "91320923MA1MYY7J3W", "91320923PCDQHTE86Y",
    "N2320923MF1234567D", /* stdnum: False */
    "Y1320923MC0000011E", /* stdnum: False */
    "A1000000X00000001Y", /* stdnum: False */
    "000000000000000000", /* the sum 0 needs check 0 */
};

static const ident_bad uscc_bad[] = {
    {"", 0, CB_IDENT_LENGTH},
    {"91320923MA1XYW123", 0, CB_IDENT_LENGTH},
    {"91320923MA1XYW123GG", 0, CB_IDENT_LENGTH},
    {"91320923MA1XYW123G ", 0, CB_IDENT_LENGTH},
    {"9132 0923 MA1XYW123G", 0, CB_IDENT_LENGTH},
    {"91320923MA1X\000YW123G", 18, CB_IDENT_CHARSET}, /* NUL inside */
    {"91320923ma1xyw123g", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYW123g", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYI123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYO123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYZ123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYS123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYV123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYW123I", 0, CB_IDENT_CHARSET}, /* check position too */
    {"91320923MA1XYW123O", 0, CB_IDENT_CHARSET},
    {"91320923MA1XY-123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XY 123G", 0, CB_IDENT_CHARSET},
    {"\325\305320923MA1XYW123G", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYW123\xff", 0, CB_IDENT_CHARSET},
    {"91320923MA1XYW123H", 0, CB_IDENT_CHECK},
    {"91320923AM1XYW123G", 0, CB_IDENT_CHECK}, /* letters swapped */
    {"91320923MA1XYW1230", 0, CB_IDENT_CHECK},
    {"000000000000000001", 0, CB_IDENT_CHECK},
    {"91320923MA1XYW123G", 0, CB_IDENT_OK}, /* control row */
};

static void test_uscc_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(uscc_good); i++) {
        const char *code = uscc_good[i];
        cb_ident_err err = cb_ident_check_uscc(code, strlen(code));

        if (err != CB_IDENT_OK)
            fail_msg("row %zu %s: refused (%s)", i, code, cb_ident_reason(err));
        if (cb_ident_uscc_check_char(code) != code[17])
            fail_msg("row %zu %s: check char %c", i, code,
                     cb_ident_uscc_check_char(code));
    }
}

static void test_uscc_bad(void **state)
{
    (void)state;
    run_bad_cases(uscc_bad, N_ROWS(uscc_bad), 0);
    assert_int_equal(cb_ident_check_uscc(NULL, 0), CB_IDENT_LENGTH);
}

/* As for the person: all 30 wrong check characters, and every change of
 * one body character (31 is prime and no weight is 0 mod 31). */
static void test_uscc_every_wrong_check(void **state)
{
    static const char alphabet[] = USCC_ALPHABET;
    size_t refused = 0;

    (void)state;
    for (size_t i = 0; i < N_ROWS(uscc_good); i++) {
        char code[CB_IDENT_LEN + 1];

        memcpy(code, uscc_good[i], sizeof(code));
        for (size_t k = 0; k < 31; k++) {
            cb_ident_err err;
            code[17] = alphabet[k];
            err = cb_ident_check_uscc(code, 18);
            if (alphabet[k] == uscc_good[i][17]) {
                assert_int_equal(err, CB_IDENT_OK);
                continue;
            }
            if (err != CB_IDENT_CHECK)
                fail_msg("row %zu %s: got %s, want id_check", i, code,
                         cb_ident_reason(err));
            refused++;
        }
        code[17] = uscc_good[i][17];
        for (size_t pos = 0; pos < 17; pos++) {
            for (size_t k = 0; k < 31; k++) {
                cb_ident_err err;
                if (alphabet[k] == uscc_good[i][pos])
                    continue;
                code[pos] = alphabet[k];
                err = cb_ident_check_uscc(code, 18);
                if (err != CB_IDENT_CHECK)
                    fail_msg("row %zu %s: got %s", i, code,
                             cb_ident_reason(err));
            }
            code[pos] = uscc_good[i][pos];
        }
    }
    assert_int_equal(refused, N_ROWS(uscc_good) * 30);
}

/* Every byte outside the alphabet is refused, lower-case letters too. */
static void test_uscc_charset(void **state)
{
    (void)state;
    for (int b = 1; b < 256; b++) {
        char code[CB_IDENT_LEN + 1];
        cb_ident_err err;
        int in_alphabet = strchr(USCC_ALPHABET, b) != NULL;

        memcpy(code, "91320923MA1XYW123G", sizeof(code));
        code[10] = (char)b;
        err = cb_ident_check_uscc(code, 18);
        if (in_alphabet ? err == CB_IDENT_CHARSET : err != CB_IDENT_CHARSET)
            fail_msg("byte 0x%02x: got %s", b, cb_ident_reason(err));
    }
}


/* ---------------------------------------------------------------- errors */

typedef struct err_case {
    cb_ident_err err;
    const char *reason;
} err_case;

static const err_case err_cases[] = {
    {CB_IDENT_OK, "ok"},
    {CB_IDENT_LENGTH, "id_length"},
    {CB_IDENT_CHARSET, "id_charset"},
    {CB_IDENT_BIRTH_DATE, "id_birth_date"},
    {CB_IDENT_CHECK, "id_check"},
};

static void test_reasons(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ROWS(err_cases); i++) {
        const char *msg = cb_ident_strerror(err_cases[i].err);
        if (strcmp(cb_ident_reason(err_cases[i].err), err_cases[i].reason))
            fail_msg("row %zu: reason %s", i,
                     cb_ident_reason(err_cases[i].err));
        if (msg == NULL || msg[0] == '\0')
            fail_msg("row %zu: no message", i);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(msg, cb_ident_strerror(err_cases[k].err)) == 0)
                fail_msg("rows %zu and %zu share a message", k, i);
        }
    }
    assert_string_equal(cb_ident_strerror(CB_IDENT_CHECK),
                        "wrong check character");
    assert_string_equal(cb_ident_reason((cb_ident_err)99), "id_unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_good),
        cmocka_unit_test(test_person_bad),
        cmocka_unit_test(test_person_every_wrong_check),
        cmocka_unit_test(test_legacy_good),
        cmocka_unit_test(test_legacy_bad),
        cmocka_unit_test(test_canonical_is_strict_for_18),
        cmocka_unit_test(test_legacy_every_digit),
        cmocka_unit_test(test_uscc_good),
        cmocka_unit_test(test_uscc_bad),
        cmocka_unit_test(test_uscc_every_wrong_check),
        cmocka_unit_test(test_uscc_charset),
        cmocka_unit_test(test_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
