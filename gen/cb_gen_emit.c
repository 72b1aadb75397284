/* cb_gen_emit.c -- one feed row: built as a record, written as CSV through
 * the field table (cb_field_format), and folded into the ground truth. */
#include <stdio.h>
#include <string.h>

#include "cb_gen_idents.h"
#include "cb_gen_int.h"
#include "cb_gen_names.h"

static const cb_kind file_kind[CB_GEN_NFILES] = {
    CB_KIND_ENROLLMENT, CB_KIND_BUSINESS,   CB_KIND_HOUSEHOLD,
    CB_KIND_DEATH,      CB_KIND_ENROLLMENT, CB_KIND_ASSISTANCE};

/* Event id prefixes: unique per feed (the snapshot's differ from the
 * enrollment feed's, which is the same feed). */
static const char *const eid_prefix[CB_GEN_NFILES] = {"sn", "bz", "hh",
                                                      "dn", "en", "as"};

int cb_gen_csv_append(char *buf, size_t size, size_t *len, const char *text)
{
    size_t n = *len;

    if (strpbrk(text, ",\"\r\n") == NULL) {
        size_t k = strlen(text);
        if (n + k >= size)
            return -1;
        memcpy(buf + n, text, k);
        *len = n + k;
        return 0;
    }
    if (n + 1 >= size)
        return -1;
    buf[n++] = '"';
    for (; *text != '\0'; text++) {
        if (n + 3 >= size)
            return -1;
        if (*text == '"')
            buf[n++] = '"';
        buf[n++] = *text;
    }
    buf[n++] = '"';
    *len = n;
    return 0;
}

/* Writes a record as one CSV row of its file, at place. */
static int write_row(cb_gen_ctx *g, int file, const cb_record *rec,
                     int64_t place)
{
    const cb_kind_info *info = cb_kind_info_get(file_kind[file]);
    char line[2048], field[1024];
    size_t len = 0;

    for (int i = 0; i < info->nfields; i++) {
        if (i > 0)
            line[len++] = ',';
        if (cb_field_format(&info->fields[i], &rec->u, field, sizeof(field)) <
                0 ||
            cb_gen_csv_append(line, sizeof(line) - 1, &len, field) != 0) {
            snprintf(g->err, sizeof(g->err), "a %s row is too long",
                     info->name);
            return -1;
        }
    }
    return cb_gen_out_add(g->out, file, place, line, len, g->err,
                          sizeof(g->err));
}

/* The row's occurred_at. */
static int64_t occurred(const cb_record *rec)
{
    int64_t at;

    switch (rec->kind) {
    case CB_KIND_BUSINESS:
        at = rec->u.business.occurred_at;
        break;
    case CB_KIND_HOUSEHOLD:
        at = rec->u.household.occurred_at;
        break;
    case CB_KIND_DEATH:
        at = rec->u.death.occurred_at;
        break;
    case CB_KIND_ENROLLMENT:
        at = rec->u.enrollment.occurred_at;
        break;
    default:
        at = rec->u.assistance.occurred_at;
        break;
    }
    return at;
}

/* Gives the record the next event id of its file. */
static void next_eid(cb_gen_ctx *g, int file, cb_record *rec)
{
    /* every feed record starts with its event_id */
    snprintf(rec->u.household.event_id, CB_EVENT_ID_SIZE, "%s-%09llu",
             eid_prefix[file], (unsigned long long)++g->next_eid[file]);
}

int cb_gen_refused(cb_gen_ctx *g, int file, cb_record *rec, int64_t place)
{
    next_eid(g, file, rec);
    if (write_row(g, file, rec, place == CB_TIME_NONE ? occurred(rec) : place)
        != 0)
        return -1;
    if (cb_truth_add_refused(g->truth, rec->kind, &rec->u) != 0) {
        snprintf(g->err, sizeof(g->err), "out of memory in the truth");
        return -1;
    }
    return 0;
}

/* Assigns the event id, writes the row and folds it into the truth; now
 * and then a copy with a slip in the person's number follows. */
static int emit(cb_gen_ctx *g, int file, cb_record *rec, int64_t place,
                cb_record *keep)
{
    const char *eid = rec->u.household.event_id;
    int64_t at = occurred(rec);

    next_eid(g, file, rec);
    if (at >= cb_gen_ms(g->T, 0)) { /* a bug of the generator's */
        snprintf(g->err, sizeof(g->err),
                 "internal error: a %s row dated "
                 "on or after as_of",
                 eid);
        return -1;
    }
    if (keep != NULL)
        *keep = *rec;
    if (cb_gen_again(g, file, rec, place == CB_TIME_NONE ? at : place) != 0)
        return -1;
    return cb_gen_idents_after(g, file, rec);
}

int cb_gen_again(cb_gen_ctx *g, int file, const cb_record *rec, int64_t place)
{
    if (write_row(g, file, rec, place) != 0)
        return -1;
    if (cb_truth_add(g->truth, rec->kind, &rec->u, file == CB_GEN_SNAPSHOT) !=
        0) {
        snprintf(g->err, sizeof(g->err), "out of memory in the truth");
        return -1;
    }
    return 0;
}

static void start(cb_record *rec, cb_kind kind)
{
    rec->kind = kind;
    cb_record_clear(kind, &rec->u);
}

int cb_gen_hh(cb_gen_ctx *g, const gen_person *p, int action, int tw,
              int64_t at, int student, int64_t place, cb_record *keep)
{
    cb_record rec;
    cb_household *h = &rec.u.household;

    start(&rec, CB_KIND_HOUSEHOLD);
    cb_gen_id_as_written(g, CB_GEN_HOUSEHOLD, p, h->person_id);
    snprintf(h->name, sizeof(h->name), "%s", p->name);
    h->sex = p->male ? CB_SEX_M : CB_SEX_F;
    h->birth_date = p->birth;
    h->action = action;
    snprintf(h->township_code, sizeof(h->township_code), "%s",
             cb_gen_tw(g, tw));
    h->student = student;
    h->occurred_at = at;
    return emit(g, CB_GEN_HOUSEHOLD, &rec, place, keep);
}

int cb_gen_death(cb_gen_ctx *g, const gen_person *p, int32_t date, int source,
                 int64_t at, int64_t place, cb_record *keep)
{
    cb_record rec;
    cb_death *d = &rec.u.death;

    start(&rec, CB_KIND_DEATH);
    cb_gen_id_as_written(g, CB_GEN_DEATH, p, d->person_id);
    cb_gen_names_row(g, CB_GEN_DEATH, p->name, d->name, sizeof(d->name));
    d->date_of_death = date;
    d->source = source;
    /* health notices come without a township */
    if (source != CB_DEATH_HEALTH)
        snprintf(d->township_code, sizeof(d->township_code), "%s",
                 cb_gen_tw(g, p->tw));
    d->occurred_at = at;
    return emit(g, CB_GEN_DEATH, &rec, place, keep);
}

int cb_gen_enroll(cb_gen_ctx *g, int snapshot, const gen_person *p, int scheme,
                  int action, const char *region, int tw, int64_t at,
                  int64_t place)
{
    cb_record rec;
    cb_enrollment *e = &rec.u.enrollment;

    start(&rec, CB_KIND_ENROLLMENT);
    cb_gen_id_as_written(g, snapshot ? CB_GEN_SNAPSHOT : CB_GEN_ENROLLMENT, p,
                         e->person_id);
    e->scheme = scheme;
    e->action = action;
    snprintf(e->region_code, sizeof(e->region_code), "%s", region);
    snprintf(e->township_code, sizeof(e->township_code), "%s",
             cb_gen_tw(g, tw));
    e->occurred_at = at;
    return emit(g, snapshot ? CB_GEN_SNAPSHOT : CB_GEN_ENROLLMENT, &rec, place,
                NULL);
}

int cb_gen_fact(cb_gen_ctx *g, int snapshot, const gen_person *p, int action,
                int scheme, int32_t month, int64_t amount, int paid_by,
                int64_t tier, const char *region, int tw, int64_t at,
                int64_t place, cb_record *keep)
{
    cb_record rec;
    cb_enrollment *e = &rec.u.enrollment;

    start(&rec, CB_KIND_ENROLLMENT);
    cb_gen_id_as_written(g, snapshot ? CB_GEN_SNAPSHOT : CB_GEN_ENROLLMENT, p,
                         e->person_id);
    e->scheme = scheme;
    e->action = action;
    cb_month_format(month, e->period);
    e->amount_fen = amount;
    e->paid_by = paid_by;
    e->subsidy_tier = tier;
    snprintf(e->region_code, sizeof(e->region_code), "%s", region);
    snprintf(e->township_code, sizeof(e->township_code), "%s",
             cb_gen_tw(g, tw));
    e->occurred_at = at;
    return emit(g, snapshot ? CB_GEN_SNAPSHOT : CB_GEN_ENROLLMENT, &rec, place,
                keep);
}

int cb_gen_roster(cb_gen_ctx *g, const gen_person *p, int identity,
                  int32_t from, int32_t to, int tw, int64_t at, int64_t place,
                  cb_record *keep)
{
    cb_record rec;
    cb_assistance *a = &rec.u.assistance;

    start(&rec, CB_KIND_ASSISTANCE);
    cb_gen_id_as_written(g, CB_GEN_ASSISTANCE, p, a->person_id);
    cb_gen_names_row(g, CB_GEN_ASSISTANCE, p->name, a->name, sizeof(a->name));
    a->identity = identity;
    a->valid_from = from;
    a->valid_to = to;
    snprintf(a->township_code, sizeof(a->township_code), "%s",
             cb_gen_tw(g, tw));
    a->occurred_at = at;
    return emit(g, CB_GEN_ASSISTANCE, &rec, place, keep);
}

int cb_gen_biz(cb_gen_ctx *g, const char *uscc, const char *name, int kind,
               int action, int32_t est, int tw, const gen_person *rep,
               int64_t at, int64_t place)
{
    cb_record rec;
    cb_business *b = &rec.u.business;

    start(&rec, CB_KIND_BUSINESS);
    snprintf(b->uscc, sizeof(b->uscc), "%s", uscc);
    snprintf(b->name, sizeof(b->name), "%s", name);
    b->kind = kind;
    b->action = action;
    b->established_on = est;
    snprintf(b->township_code, sizeof(b->township_code), "%s",
             cb_gen_tw(g, tw));
    if (rep != NULL) {
        cb_gen_id_as_written(g, CB_GEN_BUSINESS, rep, b->legal_rep_id);
        cb_gen_names_row(g, CB_GEN_BUSINESS, rep->name, b->legal_rep_name,
                         sizeof(b->legal_rep_name));
    }
    b->occurred_at = at;
    return emit(g, CB_GEN_BUSINESS, &rec, place, NULL);
}

int cb_gen_reg(cb_gen_ctx *g, int snapshot, const char *uscc, int tw,
               int64_t at, int64_t place, cb_record *keep)
{
    cb_record rec;
    cb_enrollment *e = &rec.u.enrollment;

    start(&rec, CB_KIND_ENROLLMENT);
    snprintf(e->uscc, sizeof(e->uscc), "%s", uscc);
    e->action = CB_ENR_REGISTER_EMPLOYER;
    snprintf(e->region_code, sizeof(e->region_code), "320923");
    snprintf(e->township_code, sizeof(e->township_code), "%s",
             cb_gen_tw(g, tw));
    e->occurred_at = at;
    return emit(g, snapshot ? CB_GEN_SNAPSHOT : CB_GEN_ENROLLMENT, &rec, place,
                keep);
}
