/* cb_reviewrec.c -- the packed review item (cb_reviewrec.h): written by
 * the step that raises, changes or decides an item, read back by the next
 * step, by `canbao reviews`, `canbao review` and `canbao report`. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_mask.h"
#include "cb_reviewrec.h"
#include "cb_time.h"

int cb_reviewrec_encode(const cb_reviewrec *r, cb_buf *out)
{
    cb_pack w;

    out->len = 0;
    cb_pack_init(&w, out);
    cb_pack_int(&w, r->kind, 1);
    cb_pack_int(&w, r->status, 1);
    cb_pack_str(&w, r->subject_id.s, r->subject_id.len, 1);
    cb_pack_str(&w, r->other_id.s, r->other_id.len, 1);
    cb_pack_int(&w, r->township, 6);
    cb_pack_str(&w, r->register_name.s, r->register_name.len, 1);
    cb_pack_str(&w, r->other_name.s, r->other_name.len, 1);
    cb_pack_str(&w, r->evidence ? r->evidence : "", r->evidence_len, 2);
    cb_pack_int(&w, r->raised, 8);
    cb_pack_int(&w, r->resolved, 8);
    if (r->amount != 0)
        cb_pack_int(&w, r->amount, 8);
    return w.failed ? -1 : 0;
}

int cb_reviewrec_decode(const char *v, size_t len, cb_reviewrec *r)
{
    cb_unpack u;

    cb_unpack_init(&u, v, len);
    r->kind = (int)cb_unpack_uint(&u, 1);
    r->status = (int)cb_unpack_uint(&u, 1);
    cb_unpack_str(&u, 1, &r->subject_id);
    cb_unpack_str(&u, 1, &r->other_id);
    r->township = cb_unpack_int(&u, 6);
    cb_unpack_str(&u, 1, &r->register_name);
    cb_unpack_str(&u, 1, &r->other_name);
    r->evidence_len = (size_t)cb_unpack_uint(&u, 2);
    r->evidence = cb_unpack_bytes(&u, r->evidence_len);
    r->raised = cb_unpack_int(&u, 8);
    r->resolved = cb_unpack_int(&u, 8);
    r->amount = 0;
    if (!u.failed && u.p != u.end)
        r->amount = cb_unpack_int(&u, 8);
    return cb_unpack_done(&u);
}

int cb_review_filter_keeps(const cb_review_filter *f, const cb_reviewrec *r)
{
    char tw[CB_CODE_SIZE];

    if (f->kind >= 0 && r->kind != f->kind)
        return 0;
    if (f->status >= 0 && r->status != f->status)
        return 0;
    if (f->township == NULL)
        return 1;
    cb_code_to_text(r->township, tw, sizeof(tw));
    return strcmp(tw, f->township) == 0;
}

const char *const cb_review_columns[CB_REVIEW_COLUMNS] = {
    "review_id", "kind",     "township_code", "subject_id", "other_id",
    "names",     "evidence", "status",        "raised_at",  "resolved_at",
    "amount_at_risk_fen"};

/* Where the evidence's cell starts in the cells' buffer: after the
 * others. */
#define CELL_EVIDENCE 2816
_Static_assert(CELL_EVIDENCE + CB_REVIEWREC_EVIDENCE_MAX + 1 <=
                   CB_REVIEW_CELLS_SIZE,
               "room for the cells");

/* An instant as the lead CSV writes it, "" for none. */
static void time_text(int64_t ms, char *out, size_t size)
{
    char t[CB_TIME_BUFSZ];

    out[0] = '\0';
    if (ms == CB_TIME_NONE)
        return;
    cb_time_format(ms, t);
    snprintf(out, size, "%s", t);
}

/* A short string as text, masked as an ID number when mask. */
static void id_text(const cb_str *s, int mask, char *out, size_t size)
{
    char text[256];

    cb_str_to_text(s, text, sizeof(text));
    if (mask && text[0] != '\0') {
        char m[CB_MASK_BUFSZ];
        cb_mask_id(text, m);
        snprintf(out, size, "%s", m);
    } else {
        snprintf(out, size, "%s", text);
    }
}

/* A name as text, masked as a person's name when mask. */
static void name_text(const cb_str *s, int mask, char *out, size_t size)
{
    char text[256];

    cb_str_to_text(s, text, sizeof(text));
    if (mask)
        cb_mask_name(text, out, size);
    else
        snprintf(out, size, "%s", text);
}

void cb_reviewrec_cells(const cb_reviewrec *r, const char *id_digits,
                        int mask, char *buf, const char **cells)
{
    /* where each cell is in buf, and its room: the names two of up to 255
     * bytes, the evidence (up to 64 KiB) last */
    static const size_t at[CB_REVIEW_COLUMNS] = {
        0, 256, 512, 768, 1024, 1280, CELL_EVIDENCE, 2048, 2304, 2560, 2600};
    static const size_t room[CB_REVIEW_COLUMNS] = {
        256, 256, 256, 256, 256, 768, 0, 256, 256, 40, 40};
    char *c[CB_REVIEW_COLUMNS], reg[256], other[256];
    const char *sym;

    for (int i = 0; i < CB_REVIEW_COLUMNS; i++)
        c[i] = buf + at[i];
    snprintf(c[0], room[0], "R%.16s", id_digits);
    sym = cb_review_kind_symbol(r->kind);
    snprintf(c[1], room[1], "%s", sym ? sym : "");
    cb_code_to_text(r->township, c[2], room[2]);
    id_text(&r->subject_id, mask, c[3], room[3]);
    id_text(&r->other_id, mask, c[4], room[4]);
    name_text(&r->register_name, mask, reg, sizeof(reg));
    name_text(&r->other_name, mask, other, sizeof(other));
    snprintf(c[5], room[5], "%s|%s", reg, other);
    memcpy(c[6], r->evidence ? r->evidence : "", r->evidence_len);
    c[6][r->evidence_len] = '\0';
    sym = cb_review_status_symbol(r->status);
    snprintf(c[7], room[7], "%s", sym ? sym : "");
    time_text(r->raised, c[8], room[8]);
    time_text(r->resolved, c[9], room[9]);
    snprintf(c[10], room[10], "%" PRId64, r->amount);
    for (int i = 0; i < CB_REVIEW_COLUMNS; i++)
        cells[i] = c[i];
}
