/* cb_truth_fold.c -- docs/RULES.md sections 1-3 for the ground truth:
 * each record folded into its subject's state (cb_truth_int.h) with
 * merges that give the same state in any order and however often a
 * record comes -- latest wins by stamp, a full tie goes by the row's
 * values, an event id seen twice counts once. */
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_truth_int.h"

/* --------------------------------------------------------- latest wins */

/* 32-bit FNV-1a, whose low 7 bits break ties of the same second. */
static uint32_t fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static stamp_t stamp_of(int64_t occurred_ms, const char *event_id)
{
    int64_t sec = occurred_ms / 1000;

    if (occurred_ms % 1000 < 0)
        sec--; /* floor, before 1970 */
    return sec * (1 << CB_STAMP_HASH_BITS) +
           (fnv1a32(event_id) & ((1u << CB_STAMP_HASH_BITS) - 1));
}

/* ---------------------------------------------------------------- fold */

/* Township codes compared as numbers, as the matcher's Lua holds them. */
static int code_greater(const char *a, const char *b)
{
    return strtoll(a, NULL, 10) > strtoll(b, NULL, 10);
}

/* The last tie of a slot (RULES.md 1): of two rows alike in all the slot
 * keeps, the smaller event id wins.  Is eid smaller than the slot's? */
static int eid_smaller(const cb_truth *t, const char *eid, str_t old)
{
    return strcmp(eid, str_at(t, old)) < 0;
}

/* A stay or leaving slot's tie: the greater township code, then the
 * smaller event id. */
static int place_tie(const cb_truth *t, const char *code, uint32_t old_tw,
                     const char *eid, str_t old_eid)
{
    const char *old = code_str(t, old_tw);

    if (code_greater(code, old))
        return 1;
    return !code_greater(old, code) && eid_smaller(t, eid, old_eid);
}

/* Household rows: stay, leaving, student and name, each latest wins.  On
 * a full tie (same second, same 7 hash bits) the greater township code
 * wins the stay or the leaving, the greater name the name, the greater
 * value the student flag: any order of the same rows gives the same
 * state. */
static int add_household(cb_truth *t, const cb_household *h)
{
    person *p = cb_truth_person(t, h->person_id);
    stamp_t st = stamp_of(h->occurred_at, h->event_id);
    int32_t date = cb_date_of_time(h->occurred_at);
    uint32_t tw;

    if (p == NULL)
        return -1;
    tw = cb_truth_intern(t, h->township_code);
    if (tw == UINT32_MAX)
        return -1;
    if (h->action == CB_HH_MOVE_OUT) {
        if (st > p->leave_st ||
            (st == p->leave_st && place_tie(t, h->township_code, p->leave_tw,
                                            h->event_id, p->leave_eid))) {
            str_t eid = cb_truth_arena_put(t, h->event_id);
            if (eid == STR_FAIL)
                return -1;
            p->leave_st = st;
            p->leave_out = date;
            p->leave_tw = tw;
            p->leave_eid = eid;
        }
    } else if (st > p->stay_st ||
               (st == p->stay_st && place_tie(t, h->township_code, p->stay_tw,
                                              h->event_id, p->stay_eid))) {
        str_t eid = cb_truth_arena_put(t, h->event_id);
        if (eid == STR_FAIL)
            return -1;
        p->stay_st = st;
        p->stay_since = date;
        p->stay_tw = tw;
        p->stay_eid = eid;
    }
    if (h->student >= 0 && (st > p->student_st ||
                            (st == p->student_st && h->student > p->student))) {
        p->student_st = st;
        p->student = (int8_t)h->student;
    }
    if (st > p->name_st ||
        (st == p->name_st && strcmp(h->name, str_at(t, p->name)) > 0)) {
        str_t off = cb_truth_arena_put(t, h->name);
        if (off == STR_FAIL)
            return -1;
        p->name_st = st;
        p->name = off;
    }
    return 0;
}

/* Keeps a row that names a person in the list at *head (of vector v):
 * its event id, name as written, date and township, once per event id.
 * The order of the list does not matter: what reads it sorts or takes
 * the smallest event id. */
static int add_named(cb_truth *t, vec *v, uint32_t *head, const char *eid,
                     const char *name, int32_t date, const char *township)
{
    uint32_t i, tw;
    str_t e, n;

    for (i = *head; i != 0; i = AT(*v, named_ent, i)->next)
        if (strcmp(str_at(t, AT(*v, named_ent, i)->eid), eid) == 0)
            return 0;
    tw = cb_truth_intern(t, township);
    e = cb_truth_arena_put(t, eid);
    n = cb_truth_arena_put(t, name);
    i = cb_truth_vec_push(v);
    if (tw == UINT32_MAX || e == STR_FAIL || n == STR_FAIL || i == 0)
        return -1;
    named_ent *x = AT(*v, named_ent, i);
    x->eid = e;
    x->name = n;
    x->date = date;
    x->tw = tw;
    x->next = *head;
    *head = i;
    return 0;
}

/* Death notices: each kept with its name, date of death and township;
 * which of them count, and so the date of death, is decided on T against
 * the register name (RULES.md 9.3, cb_truth_review.c). */
static int add_death(cb_truth *t, const cb_death *d)
{
    person *p = cb_truth_person(t, d->person_id);

    if (p == NULL)
        return -1;
    return add_named(t, &t->deaths, &p->deaths, d->event_id, d->name,
                     d->date_of_death, d->township_code);
}

/* enroll / stop: the scheme's latest row wins (stop over enroll on a full
 * tie); progress marks and the snapshot's basic pensions. */
static int add_enroll(cb_truth *t, const cb_enrollment *e, int from_snapshot)
{
    person *p = cb_truth_person(t, e->person_id);
    stamp_t st = stamp_of(e->occurred_at, e->event_id);
    int32_t date = cb_date_of_time(e->occurred_at);
    int on = e->action == CB_ENR_ENROLL;
    uint32_t i;

    if (p == NULL)
        return -1;
    for (i = p->schemes; i != 0; i = AT(t->schemes, scheme_ent, i)->next)
        if (AT(t->schemes, scheme_ent, i)->scheme == e->scheme)
            break;
    if (i == 0) {
        i = cb_truth_vec_push(&t->schemes);
        if (i == 0)
            return -1;
        scheme_ent *s = AT(t->schemes, scheme_ent, i);
        s->st = NONE_STAMP;
        s->scheme = (uint8_t)e->scheme;
        s->on = 1;
        s->next = p->schemes;
        p->schemes = i;
    }
    scheme_ent *s = AT(t->schemes, scheme_ent, i);
    if (st > s->st || (st == s->st && on < s->on) ||
        (st == s->st && on == s->on && is_basic(e->scheme) &&
         eid_smaller(t, e->event_id, s->eid))) {
        if (is_basic(e->scheme)) { /* a lead's source names its row */
            str_t eid = cb_truth_arena_put(t, e->event_id);
            if (eid == STR_FAIL)
                return -1;
            s->eid = eid;
        }
        s->st = st;
        s->since = date;
        s->on = (uint8_t)on;
    }
    if (!on || !is_basic(e->scheme))
        return 0;
    if (from_snapshot) {
        p->snap_basic = 1;
        return 0;
    }
    /* A feed enrollment: progress for its township and year, once. */
    uint32_t tw = cb_truth_intern(t, e->township_code);
    int year, m, d, y2;
    if (tw == UINT32_MAX)
        return -1;
    cb_date_to_ymd(date, &year, &m, &d);
    for (i = p->marks; i != 0; i = AT(t->marks, mark_ent, i)->next) {
        mark_ent *k = AT(t->marks, mark_ent, i);
        cb_date_to_ymd(k->date, &y2, &m, &d);
        if (k->township == tw && y2 == year) {
            if (date < k->date)
                k->date = date;
            return 0;
        }
    }
    i = cb_truth_vec_push(&t->marks);
    if (i == 0)
        return -1;
    AT(t->marks, mark_ent, i)->township = tw;
    AT(t->marks, mark_ent, i)->date = date;
    AT(t->marks, mark_ent, i)->next = p->marks;
    p->marks = i;
    return 0;
}

/* contribute / benefit: a fact, kept once per event id, when its period is
 * within the 12 months before T's month. */
static int add_fact(cb_truth *t, const cb_enrollment *e)
{
    person *p;
    int32_t month;
    uint32_t i, region, tw;
    str_t off;

    if (cb_month_parse(e->period, strlen(e->period), &month) != 0 ||
        month < t->window || month > INT16_MAX || e->amount_fen == CB_LONG_NONE)
        return 0;
    p = cb_truth_person(t, e->person_id);
    if (p == NULL)
        return -1;
    for (i = p->facts; i != 0; i = AT(t->facts, fact_ent, i)->next)
        if (strcmp(str_at(t, AT(t->facts, fact_ent, i)->eid), e->event_id) == 0)
            return 0;
    region = cb_truth_intern(t, e->region_code);
    tw = cb_truth_intern(t, e->township_code);
    off = cb_truth_arena_put(t, e->event_id);
    i = cb_truth_vec_push(&t->facts);
    if (region == UINT32_MAX || tw == UINT32_MAX || off == STR_FAIL || i == 0)
        return -1;
    fact_ent *f = AT(t->facts, fact_ent, i);
    f->amount = e->amount_fen;
    f->tier = e->subsidy_tier;
    f->eid = off;
    f->region = (uint16_t)region;
    f->township = (uint16_t)tw;
    f->month = (int16_t)month;
    f->kind =
        (uint8_t)((e->action == CB_ENR_BENEFIT ? FACT_BENEFIT : 0) | e->scheme);
    f->paid_by = e->paid_by >= 0 ? (uint8_t)e->paid_by : 255;
    f->next = p->facts;
    p->facts = i;
    return 0;
}

static int add_enrollment(cb_truth *t, const cb_enrollment *e,
                          int from_snapshot)
{
    if (e->action == CB_ENR_REGISTER_EMPLOYER) {
        if (e->uscc[0] == '\0')
            return 0;
        employer *b = cb_truth_employer(t, e->uscc);
        int32_t date = cb_date_of_time(e->occurred_at);
        if (b == NULL)
            return -1;
        if (b->reg == CB_DATE_NONE || date < b->reg ||
            (date == b->reg && eid_smaller(t, e->event_id, b->reg_eid))) {
            str_t eid = cb_truth_arena_put(t, e->event_id);
            if (eid == STR_FAIL)
                return -1;
            b->reg = date;
            b->reg_eid = eid;
        }
        return 0;
    }
    if (e->person_id[0] == '\0' || e->scheme < 0)
        return 0;
    if (e->action == CB_ENR_ENROLL || e->action == CB_ENR_STOP)
        return add_enroll(t, e, from_snapshot);
    if (e->period[0] == '\0')
        return 0;
    return add_fact(t, e);
}

/* Assistance rows: per identity, latest wins (on a full tie the later
 * valid_to, then the later valid_from); the name the row gives is kept
 * for RULES.md 9.3. */
static int add_assistance(cb_truth *t, const cb_assistance *a)
{
    person *p = cb_truth_person(t, a->person_id);
    stamp_t st = stamp_of(a->occurred_at, a->event_id);
    int32_t to = a->valid_to == CB_DATE_NONE ? OPEN_END : a->valid_to;
    uint32_t i;

    if (p == NULL)
        return -1;
    if (a->name[0] != '\0' &&
        add_named(t, &t->names, &p->names, a->event_id, a->name,
                  CB_DATE_NONE, a->township_code) != 0)
        return -1;
    for (i = p->roster; i != 0; i = AT(t->rosters, roster_ent, i)->next)
        if (AT(t->rosters, roster_ent, i)->identity == a->identity)
            break;
    if (i == 0) {
        i = cb_truth_vec_push(&t->rosters);
        if (i == 0)
            return -1;
        roster_ent *r = AT(t->rosters, roster_ent, i);
        r->st = NONE_STAMP;
        r->identity = (uint8_t)a->identity;
        r->next = p->roster;
        p->roster = i;
    }
    roster_ent *r = AT(t->rosters, roster_ent, i);
    if (st > r->st ||
        (st == r->st &&
         (to > r->to || (to == r->to && a->valid_from > r->from)))) {
        r->st = st;
        r->from = a->valid_from;
        r->to = to;
    }
    return 0;
}

/* Compares two business rows of one stamp by their values, so that a full
 * tie resolves the same way in any order: 1 when the new row wins. */
static int business_tie(const cb_truth *t, const employer *b,
                        const cb_business *r, uint64_t rep)
{
    int c;

    if (r->action != b->action)
        return r->action > b->action;
    if (r->kind != b->kind)
        return r->kind > b->kind;
    if (r->established_on != b->est)
        return r->established_on > b->est;
    c = strcmp(r->township_code, code_str(t, b->tw));
    if (c != 0)
        return c > 0;
    c = strcmp(r->name, str_at(t, b->name));
    if (c != 0)
        return c > 0;
    if (rep != b->rep)
        return rep > b->rep;
    return eid_smaller(t, r->event_id, b->biz_eid);
}

/* Business rows: the latest established/changed row gives kind, name,
 * township, establishment and representative; deregistration is the
 * earliest deregistered row's date.  Every row, whatever its action, that
 * names a legal representative by number and name gives that person a
 * name (RULES.md 9.3). */
static int add_business(cb_truth *t, const cb_business *r)
{
    employer *b = cb_truth_employer(t, r->uscc);
    stamp_t st = stamp_of(r->occurred_at, r->event_id);
    uint64_t rep =
        r->legal_rep_id[0] != '\0' ? cb_truth_person_key(r->legal_rep_id) : 0;

    if (b == NULL)
        return -1;
    if (rep != 0 && r->legal_rep_name[0] != '\0') {
        person *p = cb_truth_person(t, r->legal_rep_id);
        if (p == NULL ||
            add_named(t, &t->names, &p->names, r->event_id, r->legal_rep_name,
                      CB_DATE_NONE, r->township_code) != 0)
            return -1;
    }
    if (r->action == CB_BIZ_DEREGISTERED) {
        int32_t date = cb_date_of_time(r->occurred_at);
        if (b->dereg == CB_DATE_NONE || date < b->dereg ||
            (date == b->dereg && eid_smaller(t, r->event_id, b->dereg_eid))) {
            str_t eid = cb_truth_arena_put(t, r->event_id);
            if (eid == STR_FAIL)
                return -1;
            b->dereg = date;
            b->dereg_eid = eid;
        }
        return 0;
    }
    if (st > b->st || (st == b->st && business_tie(t, b, r, rep))) {
        uint32_t tw = cb_truth_intern(t, r->township_code);
        str_t name = cb_truth_arena_put(t, r->name);
        str_t eid = cb_truth_arena_put(t, r->event_id);
        if (tw == UINT32_MAX || name == STR_FAIL || eid == STR_FAIL)
            return -1;
        b->biz_eid = eid;
        b->biz_date = cb_date_of_time(r->occurred_at);
        b->st = st;
        b->kind = (int8_t)r->kind;
        b->action = (int8_t)r->action;
        b->est = r->established_on;
        b->tw = tw;
        b->name = name;
        b->rep = rep;
    }
    return 0;
}

int cb_truth_add(cb_truth *t, cb_kind kind, const void *rec, int from_snapshot)
{
    switch (kind) {
    case CB_KIND_BUSINESS:
        return add_business(t, rec);
    case CB_KIND_HOUSEHOLD:
        return add_household(t, rec);
    case CB_KIND_DEATH:
        return add_death(t, rec);
    case CB_KIND_ENROLLMENT:
        return add_enrollment(t, rec, from_snapshot);
    case CB_KIND_ASSISTANCE:
        return add_assistance(t, rec);
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ refused */

int cb_truth_add_refused(cb_truth *t, cb_kind kind, const void *rec)
{
    const char *eid, *num, *name, *tw;
    cb_ident_err ie;
    uint32_t i, code;
    str_t e, n;

    switch (kind) {
    case CB_KIND_HOUSEHOLD: {
        const cb_household *h = rec;
        eid = h->event_id, num = h->person_id, name = h->name;
        tw = h->township_code;
        break;
    }
    case CB_KIND_DEATH: {
        const cb_death *d = rec;
        eid = d->event_id, num = d->person_id, name = d->name;
        tw = d->township_code;
        break;
    }
    case CB_KIND_ASSISTANCE: {
        const cb_assistance *a = rec;
        eid = a->event_id, num = a->person_id, name = a->name;
        tw = a->township_code;
        break;
    }
    case CB_KIND_BUSINESS: {
        const cb_business *b = rec;
        eid = b->event_id, num = b->legal_rep_id, name = b->legal_rep_name;
        tw = b->township_code;
        break;
    }
    default:
        return 0; /* enrollment rows name nobody */
    }
    /* A suspect: 18 characters refused for their check, date or
     * alphabet (a 15-digit number has no check character to see a slip
     * by), and a name to look the person up by. */
    if (strlen(num) != 18 || name[0] == '\0')
        return 0;
    ie = cb_ident_check_person(num, 18, NULL);
    if (ie != CB_IDENT_CHECK && ie != CB_IDENT_BIRTH_DATE &&
        ie != CB_IDENT_CHARSET)
        return 0;
    /* kept as it comes; cb_truth_ident.c drops a second delivery */
    code = cb_truth_intern(t, tw);
    e = cb_truth_arena_put(t, eid);
    n = cb_truth_arena_put(t, name);
    i = cb_truth_vec_push(&t->suspects);
    if (code == UINT32_MAX || e == STR_FAIL || n == STR_FAIL || i == 0)
        return -1;
    suspect_ent *x = AT(t->suspects, suspect_ent, i);
    memcpy(x->written, num, 19);
    x->eid = e;
    x->name = n;
    x->tw = code;
    return 0;
}
