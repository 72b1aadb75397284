/* ident_tool.c -- checks identifiers read from stdin, one per line, for the
 * integration tests: "person ID", "person18 ID" or "uscc CODE" in, a
 * verdict out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_time.h"

/* Writes the verdict for one line (without its newline) to out: "ok" or
 * the reason token, and for a good person "ok YYYY-MM-DD M|F" (person:
 * cb_ident_check_person, 18 characters only) or "ok ID18 YYYY-MM-DD M|F"
 * (person18: cb_ident_person_canonical, either form, ID18 its 18-digit
 * form).  A line of another shape gets "error bad_line"; returns -1 for
 * it, else 0. */
static int check_line(const char *line, size_t len, FILE *out)
{
    const char *sp = memchr(line, ' ', len);
    size_t kind_len, id_len;
    const char *id;
    cb_ident_err err;

    if (sp == NULL) {
        fputs("error bad_line\n", out);
        return -1;
    }
    kind_len = (size_t)(sp - line);
    id = sp + 1;
    id_len = len - kind_len - 1;
    if (kind_len == 6 && memcmp(line, "person", 6) == 0) {
        int32_t birth = CB_DATE_NONE;
        char date[11];

        err = cb_ident_check_person(id, id_len, &birth);
        if (err != CB_IDENT_OK) {
            fprintf(out, "%s\n", cb_ident_reason(err));
            return 0;
        }
        cb_date_format(birth, date);
        fprintf(out, "ok %s %s\n", date,
                cb_ident_person_is_male(id) ? "M" : "F");
        return 0;
    }
    if (kind_len == 8 && memcmp(line, "person18", 8) == 0) {
        char full[CB_IDENT_LEN + 1], written[CB_IDENT_LEN + 1], date[11];
        int32_t birth = CB_DATE_NONE;

        err = cb_ident_person_canonical(id, id_len, full, &birth);
        if (err != CB_IDENT_OK) {
            fprintf(out, "%s\n", cb_ident_reason(err));
            return 0;
        }
        /* the sex from the number as written (15 or 18 characters) */
        memcpy(written, id, id_len);
        written[id_len] = '\0';
        cb_date_format(birth, date);
        fprintf(out, "ok %s %s %s\n", full, date,
                cb_ident_person_is_male(written) ? "M" : "F");
        return 0;
    }
    if (kind_len == 4 && memcmp(line, "uscc", 4) == 0) {
        err = cb_ident_check_uscc(id, id_len);
        fprintf(out, "%s\n", cb_ident_reason(err));
        return 0;
    }
    fputs("error bad_line\n", out);
    return -1;
}

/* Exit status: 0, or 1 if a line was not "person ..." / "uscc ..." or
 * stdin or stdout failed. */
int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;

    while ((n = getline(&line, &cap, stdin)) != -1) {
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (check_line(line, len, stdout) != 0)
            rc = 1;
    }
    if (ferror(stdin)) {
        perror("ident_tool: stdin");
        rc = 1;
    }
    free(line);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("ident_tool: stdout");
        rc = 1;
    }
    return rc;
}
