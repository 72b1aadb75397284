/* test_csv.c -- the RFC 4180 reader: quoting, line ends, byte-order marks,
 * and malformed records that cost one record, not the file.  Every case is
 * read twice: from one buffer, and one byte per read call, so that every
 * refill path runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_csv.h"

typedef struct source {
    const char *data;
    size_t len, pos, step;
} source;

static long read_source(void *opaque, char *buf, size_t size)
{
    source *s = opaque;
    size_t n = s->len - s->pos;

    if (n > size)
        n = size;
    if (n > s->step)
        n = s->step;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (long)n;
}

/* Renders what the reader makes of the input, one line per record:
 * "L<line>:field|field|..." or "L<line>!<error>[raw]". */
static char *render(const char *data, size_t len, size_t step)
{
    source src = {data, len, 0, step};
    cb_csv *csv = cb_csv_new(read_source, &src);
    size_t cap = 4096, used = 0;
    char *out = calloc(1, cap);
    cb_csv_row row;
    int r;

    assert_non_null(csv);
    while ((r = cb_csv_next(csv, &row)) == 1) {
        char piece[1024];
        int n;
        if (row.error != NULL) {
            n = snprintf(piece, sizeof(piece), "L%ld!%s[%.*s]\n",
                         (long)row.line, row.error, (int)row.raw_len,
                         row.raw);
        } else {
            n = snprintf(piece, sizeof(piece), "L%ld:", (long)row.line);
            for (size_t f = 0; f < row.nfields; f++) {
                assert_int_equal(strlen(row.fields[f]), row.lens[f]);
                n += snprintf(piece + n, sizeof(piece) - (size_t)n, "%s%s",
                              f ? "|" : "", row.fields[f]);
            }
            n += snprintf(piece + n, sizeof(piece) - (size_t)n, "\n");
        }
        if (used + (size_t)n + 1 > cap) {
            cap = 2 * (used + (size_t)n + 1);
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + used, piece, (size_t)n + 1);
        used += (size_t)n;
    }
    assert_int_equal(r, 0);
    assert_int_equal(cb_csv_offset(csv), len);
    cb_csv_free(csv);
    return out;
}

typedef struct csv_case {
    const char *name, *input, *expect;
} csv_case;

static const csv_case cases[] = {
    {"simple", "a,b,c\n1,2,3\n", "L1:a|b|c\nL2:1|2|3\n"},
    {"no final newline", "a,b\n1,2", "L1:a|b\nL2:1|2\n"},
    {"CRLF", "a,b\r\n1,2\r\n", "L1:a|b\nL2:1|2\n"},
    {"empty fields", "a,,c\n,,\n", "L1:a||c\nL2:||\n"},
    {"quoted comma", "x,\"a,b\"\n", "L1:x|a,b\n"},
    {"doubled quote", "\"say \"\"hi\"\"\",z\n", "L1:say \"hi\"|z\n"},
    {"quoted newline", "id,text\n1,\"line one\nline two\"\n2,x\n",
     "L1:id|text\nL2:1|line one\nline two\nL4:2|x\n"},
    {"quoted CRLF kept", "\"a\r\nb\"\r\n", "L1:a\r\nb\n"},
    {"empty quoted", "\"\",b\n", "L1:|b\n"},
    {"empty lines skipped", "a\n\n\r\nb\n", "L1:a\nL4:b\n"},
    {"utf-8 BOM", "\xEF\xBB\xBFh1,h2\n", "L1:h1|h2\n"},
    {"gb18030 BOM", "\x84\x31\x95\x33h\n", "L1:h\n"},
    {"gb18030 bytes pass", "\xD5\xC5\xC8\xFD,1\n", "L1:\xD5\xC5\xC8\xFD|1\n"},
    {"stray quote", "a,b\"c,d\n1,2\n", "L1!stray_quote[a,b\"c,d]\nL2:1|2\n"},
    {"text after quote", "\"ab\"c,d\n1,2\n",
     "L1!text_after_quote[\"ab\"c,d]\nL2:1|2\n"},
    {"unterminated quote at end", "1,2\n3,\"open\n4,5\n",
     "L1:1|2\nL2!unterminated_quote[3,\"open]\nL3:4|5\n"},
    {"lone CR inside field", "a\rb,c\n", "L1:a\rb|c\n"},
    {"final CR", "a,b\r", "L1:a|b\n"},
    {"spaces kept", " a , b \n", "L1: a | b \n"},
    {"single empty field line", ",\n", "L1:|\n"},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (size_t step = 1; step <= 1000; step += 999) {
            char *got = render(cases[c].input, strlen(cases[c].input), step);
            if (strcmp(got, cases[c].expect) != 0)
                fail_msg("case '%s' (reads of %zu): expected\n%s\ngot\n%s",
                         cases[c].name, step, cases[c].expect, got);
            free(got);
        }
    }
}

/* A quoted field that never closes costs its first line once the record
 * passes the size limit, and the lines after it are read again. */
static void test_unterminated_quote_resumes(void **state)
{
    size_t n = CB_CSV_MAX_RECORD + 4096;
    char *data = malloc(n + 64);
    size_t len = 0;
    (void)state;

    len += (size_t)sprintf(data, "h1,h2\nx,\"never closed\n");
    while (len < n)
        len += (size_t)sprintf(data + len, "1,2\n");
    char *got = render(data, len, 65536);
    /* Line 1 header, line 2 malformed, then every 1,2 line on its own. */
    assert_memory_equal(got, "L1:h1|h2\nL2!unterminated_quote[x,\"never "
                        "closed]\nL3:1|2\nL4:1|2\n", 56);
    size_t lines = 0;
    for (char *p = got; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2 + (len - 22) / 4);
    free(got);
    free(data);
}

/* Many fields, many records, big enough to cross buffer refills. */
static void test_large_input(void **state)
{
    size_t rows = 20000, len = 0;
    char *data = malloc(rows * 64);
    source src;
    cb_csv *csv;
    cb_csv_row row;
    size_t seen = 0;
    (void)state;

    for (size_t i = 0; i < rows; i++)
        len += (size_t)sprintf(data + len, "%zu,\"name, %zu\",x%s", i, i,
                               i % 2 ? "\r\n" : "\n");
    src = (source){data, len, 0, 4093};
    csv = cb_csv_new(read_source, &src);
    while (cb_csv_next(csv, &row) == 1) {
        char want[32];
        assert_null(row.error);
        assert_int_equal(row.nfields, 3);
        assert_int_equal(row.line, (int64_t)seen + 1);
        snprintf(want, sizeof(want), "name, %zu", seen);
        assert_string_equal(row.fields[1], want);
        seen++;
    }
    assert_int_equal(seen, rows);
    cb_csv_free(csv);
    free(data);
}

static void test_too_many_fields(void **state)
{
    char data[CB_CSV_MAX_FIELDS * 2 + 16];
    size_t len = 0;
    (void)state;
    for (int i = 0; i <= CB_CSV_MAX_FIELDS; i++)
        data[len++] = ',';
    data[len++] = '\n';
    memcpy(data + len, "a\n", 2);
    len += 2;
    char *got = render(data, len, 100);
    assert_non_null(strstr(got, "L1!too_many_fields["));
    assert_non_null(strstr(got, "L2:a\n"));
    free(got);
}

/* A record whose line is complete comes out without another read: on a
 * pipe the next read would wait for input that may not come yet. */
typedef struct counted {
    const char *chunks[4];
    int next, reads;
} counted;

static long read_counted(void *opaque, char *buf, size_t size)
{
    counted *c = opaque;
    const char *chunk = c->chunks[c->next];
    size_t n = chunk != NULL ? strlen(chunk) : 0;

    c->reads++;
    assert_true(n <= size);
    if (chunk != NULL) {
        memcpy(buf, chunk, n);
        c->next++;
    }
    return (long)n;
}

static void test_no_read_past_line_end(void **state)
{
    counted src = {{"h1,h2\r\n\"a\",b\r\n", "c,\"d\"\n", NULL}, 0, 0};
    cb_csv *csv = cb_csv_new(read_counted, &src);
    cb_csv_row row;
    (void)state;

    assert_int_equal(cb_csv_next(csv, &row), 1); /* header */
    assert_int_equal(cb_csv_next(csv, &row), 1);
    assert_string_equal(row.fields[0], "a");
    assert_int_equal(src.reads, 1); /* both records from the first read */
    assert_int_equal(cb_csv_next(csv, &row), 1);
    assert_string_equal(row.fields[1], "d");
    assert_int_equal(src.reads, 2);
    assert_int_equal(cb_csv_next(csv, &row), 0);
    cb_csv_free(csv);
}

/* The export writer: formulas neutralised (OWASP), quoting as RFC 4180;
 * and what it writes reads back, through the reader, as the "'"-prefixed
 * text. */
static void test_put_field(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"=HYPERLINK(\"http://127.0.0.1:9/?leak=\"&A2,\"x\")",
         "\"'=HYPERLINK(\"\"http://127.0.0.1:9/?leak=\"\"&A2,\"\"x\"\")\""},
        {"=1+1", "'=1+1"},
        {"+1", "'+1"},
        {"-2", "'-2"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tx", "\"'\tx\""},
        {"\rx", "\"'\rx\""},
        {"a=b", "a=b"}, /* only the first character counts */
        {"阜宁=", "阜宁="},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);
        assert_non_null(fp);
        cb_csv_put_field(fp, rows[i].in, strlen(rows[i].in));
        fclose(fp);
        if (strcmp(buf, rows[i].out) != 0)
            fail_msg("row %zu: got [%s], want [%s]", i, buf, rows[i].out);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_unterminated_quote_resumes),
        cmocka_unit_test(test_large_input),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_no_read_past_line_end),
        cmocka_unit_test(test_put_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
