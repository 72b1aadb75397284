/* cb_state.c -- the packed states of persons and employers, and the
 * merges by which ops change them.  The layouts are those the first
 * matcher packed in Lua with struct.pack (little-endian; the formats are
 * in the comments below), so states stored by it read the same; what
 * issue 19 added (death notices one by one, other sources' names,
 * verdicts) are sections of flags of their own, so that a person without
 * them packs as before.  Facts are written compactly with their contexts
 * against the person's township (F_RFACTS); the two layouts before it
 * (F_FACTS, F_CFACTS) are still read.  A person's state is written
 * against its number (version 2: no birth date, townships against the
 * number's county, a student stamp that is the stay's not repeated;
 * version 3: the same with its names packed as text, cb_pack_text;
 * version 4: the same with its flags as a varint, flag_order); versions
 * 1 to 3 are still read, and version 1 written for a state whose number
 * is not known or does not match it.  Event ids are packed by their form
 * when the store's table has it (cb_eidforms.h).  An employer's names
 * are packed as text under EF_TEXT.
 *
 * A decoder refuses bytes that end early, go on past the value, or name
 * an unknown version or flag, and never reads past the end. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_name.h"
#include "cb_pack.h"
#include "cb_policy.h"
#include "cb_state.h"

/* Person flags, employer flags (the script's F_* and EF_*). */
#define F_STAY      0x001
#define F_LEAVE     0x002
#define F_STUDENT   0x004
#define F_DEATH     0x008 /* read only: the death notices before F_NOTICES */
#define F_NAME      0x010
#define F_ROSTER    0x020
#define F_OWN       0x040
#define F_FACTS     0x080
#define F_SNAPBASIC 0x100
#define F_MALE      0x200
#define F_NOTICES   0x400 /* death notices, each with its date and name */
#define F_ALIASES   0x800 /* names other sources give the person */
#define F_VERDICTS  0x1000 /* reviewers' verdicts */
#define F_CFACTS    0x2000 /* the facts packed compactly (pack_facts) */
#define F_RFACTS    (F_FACTS | F_CFACTS) /* both: compactly, contexts
                                            against the township */
#define F_EIDS      0x4000 /* the event ids behind the slots (cb_person_eids) */
#define F_PROBED    0x8000 /* a name group asked about the person */
#define F_ALL       0xFFFF

#define EF_BIZ   1
#define EF_REG   2
#define EF_DEREG 4
#define EF_EIDS  8 /* the event ids behind the three above */
#define EF_TEXT  16 /* the name and the representative's as text */
#define EF_ALL   31

#define STATE_VERSION 1       /* birth and townships as numbers */
#define STATE_VERSION_KEYED 2 /* packed against the person's number */
#define STATE_VERSION_TEXT 3  /* and its names as text (cb_pack_text) */
#define STATE_VERSION_VFLAGS 4 /* and its flags as a varint (flag_order) */

/* A version-4 state's flags: a varint whose bits are these, in order,
 * the ones most states have first, so that most take one byte where the
 * u2 took two.  F_FACTS stands for F_RFACTS (the only facts written
 * since version 2); F_DEATH and F_CFACTS alone are never written. */
static const unsigned flag_order[] = {
    F_STAY,   F_NAME, F_MALE,    F_EIDS,  F_FACTS,    F_SNAPBASIC,
    F_STUDENT, F_LEAVE, F_ROSTER, F_OWN,  F_NOTICES, F_ALIASES,
    F_VERDICTS, F_PROBED};
#define FLAG_ORDER_N (sizeof(flag_order) / sizeof(flag_order[0]))

static uint64_t flags_to_order(unsigned flags)
{
    uint64_t v = 0;

    for (size_t i = 0; i < FLAG_ORDER_N; i++)
        if (flags & flag_order[i])
            v |= (uint64_t)1 << i;
    return v;
}

/* The flags of a version-4 varint, or UINT_MAX for bits no flag has. */
static unsigned flags_from_order(uint64_t v)
{
    unsigned flags = 0;

    if (v >> FLAG_ORDER_N)
        return UINT_MAX;
    for (size_t i = 0; i < FLAG_ORDER_N; i++)
        if (v & ((uint64_t)1 << i))
            flags |= flag_order[i];
    return flags & F_FACTS ? flags | F_CFACTS : flags;
}

/* -------------------------------------------------------- the number */

/* A person's number says its birth date, its sex and the county that
 * issued it (its first six digits), and the state's key is that number:
 * a state packed against it (STATE_VERSION_KEYED) leaves the birth date
 * out and writes each township as its difference from that county's
 * codes (code - county * 1000), 1 or 2 bytes for a township of the
 * county instead of 6.  What a number gives, when it is a valid
 * 18-character resident ID (id NULL or anything else: ok 0). */
typedef struct id_facts {
    int ok;
    int32_t birth;
    int male;
    int64_t base; /* the county's first township code (cb_code_county_base) */
} id_facts;

static id_facts id_facts_of(const char *id)
{
    id_facts k = {0, 0, 0, 0};
    char text[CB_IDENT_LEN + 1];

    if (id == NULL)
        return k;
    memcpy(text, id, CB_IDENT_LEN);
    text[CB_IDENT_LEN] = '\0';
    if (cb_ident_check_person(text, CB_IDENT_LEN, &k.birth) != CB_IDENT_OK)
        return k;
    k.male = cb_ident_person_is_male(text);
    k.base = cb_code_county_base(text);
    k.ok = 1;
    return k;
}

/* A keyed state's student byte with this bit has the stay's stamp (the
 * household row that says where a person lives mostly says whether a
 * student too), and no stamp of its own. */
#define STUDENT_AS_STAY 0x80

/* A township code: 6 bytes, or against the county in a keyed state.  A
 * code that 6 bytes cannot hold (none is: codes have at most 12 digits;
 * only damaged bytes decode to one) fails the writer rather than packing
 * another. */
static void put_tw(cb_pack *w, const id_facts *k, int64_t tw)
{
    if (k->ok)
        cb_pack_svar_from(w, tw, k->base);
    else if (tw < -((int64_t)1 << 47) || tw >= ((int64_t)1 << 47))
        w->failed = 1;
    else
        cb_pack_int(w, tw, 6);
}

static int64_t get_tw(cb_unpack *r, const id_facts *k)
{
    return k->ok ? cb_unpack_svar_from(r, k->base) : cb_unpack_int(r, 6);
}

/* -------------------------------------------------------------- strings */

static int str_eq(const cb_str *a, const cb_str *b)
{
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* The normal form of a name (docs/RULES.md 9.2) into *out.  A name's
 * normal form is at most twice as long, so one of up to 127 bytes always
 * fits; a longer one (no record has one) keeps its bytes as they are. */
static void norm_of(const cb_str *name, cb_str *out)
{
    char buf[sizeof(out->s) + 1];
    int n = cb_name_normalize(name->s, name->len, buf, sizeof(buf));

    if (n < 0) {
        *out = *name;
        return;
    }
    memcpy(out->s, buf, (size_t)n);
    out->len = (uint8_t)n;
}

/* -------------------------------------------------------------- stamps */

/* The script's later(): the new stamp is later, or equal and tie says so;
 * with no old value (has_old 0) the new one wins. */
static int later(int64_t st, int has_old, int64_t old, int tie)
{
    if (!has_old)
        return 1;
    if (st != old)
        return st > old;
    return tie;
}

/* ------------------------------------------------------------- reading */

/* A string behind a one-byte length ("Bc0"). */
static void put_str(cb_pack *w, const cb_str *s)
{
    cb_pack_str(w, s->s, s->len, 1);
}

/* A name: as text (cb_pack_text) in the layouts that say so, else
 * behind a one-byte length. */
static void put_name(cb_pack *w, int text, const cb_str *s)
{
    if (text)
        cb_pack_text(w, s->s, s->len);
    else
        put_str(w, s);
}

static void get_name(cb_unpack *r, int text, cb_str *out)
{
    if (text)
        cb_unpack_text(r, out);
    else
        cb_unpack_str(r, 1, out);
}

static void put_stamp(cb_pack *w, int64_t st)
{
    cb_pack_int(w, cb_stamp_day(st), 2);
    cb_pack_int(w, cb_stamp_low(st), 3);
}

static void start(cb_pack *w, cb_buf *out)
{
    cb_pack_init(w, out);
    out->len = 0;
}

/* ------------------------------------------------ event ids of the slots */

/* The event ids behind the slots a lead's source is read from
 * (docs/RULES.md 5) are a section of their own, after every other, so
 * that a state packed before them reads as before (with no ids) and the
 * merges of the other sections are untouched.  Each is a Bc0, for each
 * slot the state has, in this order: stay, leaving, employee_pension,
 * resident_pension (a person); business row, registration,
 * deregistration (an employer).  An unknown id packs as "". */

/* Smaller event ids win the ties that nothing else breaks (RULES.md 1),
 * so that two rows alike in all the slot keeps still give one state:
 * whether a row of id `eid` beats the slot's `old`. */
static int eid_wins(const cb_str *eid, const cb_str *old)
{
    return cb_str_cmp(eid, old) < 0;
}

cb_str *cb_person_basic_eid(cb_person *p, int scheme)
{
    if (scheme == CB_SCHEME_EMPLOYEE_PENSION)
        return &p->eids.basic[0];
    if (scheme == CB_SCHEME_RESIDENT_PENSION)
        return &p->eids.basic[1];
    return NULL;
}

const cb_str *cb_person_basic_eid_c(const cb_person *p, int scheme)
{
    return cb_person_basic_eid((cb_person *)p, scheme);
}

/* Whether the person has an id to pack (the F_EIDS section). */
static int person_has_eids(const cb_person *p)
{
    return p->eids.stay.len > 0 || p->eids.leave.len > 0 ||
           p->eids.basic[0].len > 0 || p->eids.basic[1].len > 0;
}

/* The ids of the slots a state has (the non-NULL ones of slot[0..n-1]),
 * each packed against the one before it (cb_pack_eid): through put
 * (encoding) or get (decoding), one of them NULL. */
static void eids_io(cb_str **slot, int n, cb_pack *put, cb_unpack *get)
{
    const cb_str *prev = NULL;

    for (int i = 0; i < n; i++) {
        if (slot[i] == NULL)
            continue;
        if (put != NULL)
            cb_pack_eid(put, slot[i]->s, slot[i]->len,
                        prev ? prev->s : NULL, prev ? prev->len : 0);
        else
            cb_unpack_eid(get, prev ? prev->s : NULL, prev ? prev->len : 0,
                          slot[i]);
        prev = slot[i];
    }
}

/* The ids of the slots p has, in the section's order: through put
 * (encoding) or get (decoding), one of them NULL. */
static void person_eids_io(cb_person *p, cb_pack *put, cb_unpack *get)
{
    cb_str *slot[4] = {NULL, NULL, NULL, NULL};

    if (p->has_stay)
        slot[0] = &p->eids.stay;
    if (p->has_leave)
        slot[1] = &p->eids.leave;
    if (p->has_scheme[CB_SCHEME_EMPLOYEE_PENSION])
        slot[2] = &p->eids.basic[0];
    if (p->has_scheme[CB_SCHEME_RESIDENT_PENSION])
        slot[3] = &p->eids.basic[1];
    eids_io(slot, 4, put, get);
}

static void employer_eids_io(cb_employer *e, cb_pack *put, cb_unpack *get)
{
    cb_str *slot[3] = {e->has_biz ? &e->biz_eid : NULL,
                       e->has_reg ? &e->reg_eid : NULL,
                       e->has_dereg ? &e->dereg_eid : NULL};

    eids_io(slot, 3, put, get);
}

/* ------------------------------------------------------------- persons */

void cb_person_init(cb_person *p)
{
    memset(p, 0, sizeof(*p));
}

void cb_person_free(cb_person *p)
{
    free(p->notices);
    free(p->roster);
    free(p->own);
    free(p->facts);
    for (size_t i = 0; i < p->naliases; i++)
        free(p->aliases[i].eids);
    free(p->aliases);
    free(p->verdicts);
    cb_person_init(p);
}

/* Makes *arr hold n elements of size sz (n > 0), keeping those it has.
 * The arrays carry no capacity: decoding sizes each one to its count, and
 * an op adds at most one element, so growing by one is enough; an array a
 * caller filled with malloc works too.  Returns 0 or -1 (out of memory,
 * *arr unchanged). */
static int reserve(void **arr, size_t n, size_t sz)
{
    void *a = realloc(*arr, n * sz);

    if (a == NULL)
        return -1;
    *arr = a;
    return 0;
}

/* The roster row of an identity: its index, or where it would go (with
 * *found 0), keeping the rows by identity ascending. */
static size_t roster_find(const cb_person *p, int identity, int *found)
{
    size_t i = 0;

    while (i < p->nroster && p->roster[i].identity < identity)
        i++;
    *found = i < p->nroster && p->roster[i].identity == identity;
    return i;
}

/* The packed order of owned businesses: length byte, then the USCC. */
static int own_cmp(const cb_str *a, const cb_str *b)
{
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->s, b->s, a->len);
}

static size_t own_find(const cb_person *p, const cb_str *uscc, int *found)
{
    size_t i = 0;

    while (i < p->nown && own_cmp(&p->own[i].uscc, uscc) < 0)
        i++;
    *found = i < p->nown && str_eq(&p->own[i].uscc, uscc);
    return i;
}

/* Sets the roster row of r->identity, replacing it or inserting it in
 * order; with room for one more row when grow is 0.  Returns 0 or -1. */
static int roster_put(cb_person *p, const cb_roster_state *r, int grow)
{
    int found;
    size_t i = roster_find(p, r->identity, &found);

    if (!found) {
        if (grow && reserve((void **)&p->roster, p->nroster + 1,
                            sizeof(*p->roster)) != 0)
            return -1;
        memmove(p->roster + i + 1, p->roster + i,
                (p->nroster - i) * sizeof(*p->roster));
        p->nroster++;
    }
    p->roster[i] = *r;
    return 0;
}

static int own_put(cb_person *p, const cb_own_state *o, int grow)
{
    int found;
    size_t i = own_find(p, &o->uscc, &found);

    if (!found) {
        if (grow &&
            reserve((void **)&p->own, p->nown + 1, sizeof(*p->own)) != 0)
            return -1;
        memmove(p->own + i + 1, p->own + i, (p->nown - i) * sizeof(*p->own));
        p->nown++;
    }
    p->own[i] = *o;
    return 0;
}

static void own_remove(cb_person *p, size_t i)
{
    memmove(p->own + i, p->own + i + 1,
            (p->nown - i - 1) * sizeof(*p->own));
    p->nown--;
}

/* The facts, compactly (F_RFACTS), in their encoded order: a person's
 * facts are mostly one scheme's month after month, so each is packed
 * against the one before it (the first against zeros):
 *
 *   uvar count, then per fact
 *   u1 head   bit 0: k is 1; bit 5: k follows as a u1 (k above 1)
 *             bit 1: the context follows (else the previous fact's)
 *             bits 2-3: period 0 the previous one's, 1 the month after
 *                       it, 2 an svar difference follows
 *             bit 4: the amount is the previous one's (else an svar)
 *   [u1 k] [context] [svar period difference] [svar amount] eid
 *   (cb_pack_eid against the previous fact's)
 *
 * where the context is, in the F_RFACTS layout (written since 2026-12),
 *   u1 scheme, u1 paid, svar township less the person's own (its stay's,
 *   else the leaving row's, else 0), svar region less the township's
 *   first six digits (code / 1000), svar tier
 * (a fact's township is nearly always the person's and its region the
 * county the township lies in: 2 bytes where the numbers took 8), and in
 * the F_CFACTS layout (read only)
 *   u1 scheme, u1 paid, svar region, svar tier, svar township.
 *
 * A pensioner's month takes 4 bytes (42 in the F_FACTS layout). */
#define FH_K1      0x01
#define FH_CONTEXT 0x02
#define FH_PERIOD  0x0c
#define FH_NEXT    0x04
#define FH_DELTA   0x08
#define FH_AMOUNT  0x10
#define FH_KBYTE   0x20

/* The township a fact's township is packed against (F_RFACTS): decoded
 * before the facts, so both ends know it. */
static int64_t facts_base(const cb_person *p)
{
    return p->has_stay ? p->stay.tw : p->has_leave ? p->leave.tw : 0;
}

static void pack_facts(cb_pack *w, const cb_person *p)
{
    int64_t base = facts_base(p);
    cb_fact prev;

    memset(&prev, 0, sizeof(prev));
    cb_pack_uvar(w, (uint64_t)p->nfacts);
    for (size_t i = 0; i < p->nfacts; i++) {
        const cb_fact *f = &p->facts[i];
        unsigned h = 0;
        int ctx = f->scheme != prev.scheme || f->paid != prev.paid ||
                  f->region != prev.region || f->tier != prev.tier ||
                  f->township != prev.township;
        if (f->k == 1)
            h |= FH_K1;
        else if (f->k != 0)
            h |= FH_KBYTE;
        if (ctx)
            h |= FH_CONTEXT;
        if (f->period == prev.period + 1)
            h |= FH_NEXT;
        else if (f->period != prev.period)
            h |= FH_DELTA;
        if (f->amount == prev.amount)
            h |= FH_AMOUNT;
        cb_pack_int(w, h, 1);
        if (h & FH_KBYTE)
            cb_pack_int(w, f->k, 1);
        if (ctx) {
            cb_pack_int(w, f->scheme, 1);
            cb_pack_int(w, f->paid, 1);
            cb_pack_svar_from(w, f->township, base);
            cb_pack_svar_from(w, f->region,
                              f->township / CB_CODE_COUNTY_SPAN);
            cb_pack_svar(w, f->tier);
        }
        if (h & FH_DELTA)
            cb_pack_svar(w, (int64_t)f->period - prev.period);
        if (!(h & FH_AMOUNT))
            cb_pack_svar(w, f->amount);
        cb_pack_eid(w, f->eid.s, f->eid.len, prev.eid.s, prev.eid.len);
        prev = *f;
    }
}

/* Reads what pack_facts wrote into p->facts; rel 0 reads the contexts
 * of the F_CFACTS layout.  Returns 0 or -1. */
static int unpack_facts(cb_unpack *r, cb_person *p, int rel)
{
    int64_t base = facts_base(p);
    size_t n = (size_t)cb_unpack_uvar(r);
    cb_fact prev;

    memset(&prev, 0, sizeof(prev));
    if (n == 0 || !cb_unpack_room(r, n, 2))
        return -1;
    if (reserve((void **)&p->facts, n, sizeof(*p->facts)))
        return -1;
    for (size_t i = 0; i < n && !r->failed; i++) {
        cb_fact f = prev;
        unsigned h = (unsigned)cb_unpack_uint(r, 1);
        if ((h & ~0x3fu) != 0 || (h & FH_PERIOD) == FH_PERIOD ||
            (h & (FH_K1 | FH_KBYTE)) == (FH_K1 | FH_KBYTE))
            return -1;
        f.k = (h & FH_K1) ? 1 : 0;
        if (h & FH_KBYTE)
            f.k = (int)cb_unpack_uint(r, 1);
        if (h & FH_CONTEXT) {
            f.scheme = (int)cb_unpack_uint(r, 1);
            f.paid = (int)cb_unpack_uint(r, 1);
            if (rel) {
                f.township = cb_unpack_svar_from(r, base);
                f.region = cb_unpack_svar_from(
                    r, f.township / CB_CODE_COUNTY_SPAN);
            } else {
                f.region = cb_unpack_svar(r);
            }
            f.tier = cb_unpack_svar(r);
            if (!rel)
                f.township = cb_unpack_svar(r);
        }
        if (h & FH_NEXT)
            f.period = prev.period + 1;
        else if (h & FH_DELTA)
            f.period = (int32_t)cb_unpack_svar_from(r, prev.period);
        if (!(h & FH_AMOUNT))
            f.amount = cb_unpack_svar(r);
        cb_unpack_eid(r, prev.eid.s, prev.eid.len, &f.eid);
        if (!r->failed)
            p->facts[p->nfacts++] = f;
        prev = f;
    }
    return r->failed ? -1 : 0;
}

int cb_person_decode(cb_eidforms *forms, const char *id,
                     const char *data, size_t len,
                     cb_person *p)
{
    cb_unpack r;
    id_facts idf = {0, 0, 0, 0};

    cb_unpack_init(&r, data, len);
    r.forms = forms;
    unsigned flags, version;
    int text;
    size_t n;

    cb_person_free(p);
    /* <BHi3: version, flags, birth (none in a keyed state) */
    version = (unsigned)cb_unpack_uint(&r, 1);
    if (version == STATE_VERSION_KEYED || version == STATE_VERSION_TEXT ||
        version == STATE_VERSION_VFLAGS) {
        idf = id_facts_of(id);
        if (!idf.ok)
            goto bad;
    } else if (version != STATE_VERSION) {
        goto bad;
    }
    text = version >= STATE_VERSION_TEXT;
    flags = version == STATE_VERSION_VFLAGS
                ? flags_from_order(cb_unpack_uvar(&r))
                : (unsigned)cb_unpack_uint(&r, 2);
    if (flags & ~(unsigned)F_ALL)
        goto bad;
    p->birth = idf.ok ? idf.birth : (int32_t)cb_unpack_int(&r, 3);
    p->male = (flags & F_MALE) != 0;
    p->snapbasic = (flags & F_SNAPBASIC) != 0;
    p->probed = (flags & F_PROBED) != 0;
    if (flags & F_STAY) { /* <i6HI3 */
        p->has_stay = 1;
        p->stay.tw = get_tw(&r, &idf);
        p->stay.since = (int32_t)cb_unpack_uint(&r, 2);
        p->stay.st = cb_stamp_of(p->stay.since, (int64_t)cb_unpack_uint(&r, 3));
    }
    if (flags & F_LEAVE) { /* <i6HI3 */
        p->has_leave = 1;
        p->leave.tw = get_tw(&r, &idf);
        p->leave.out = (int32_t)cb_unpack_uint(&r, 2);
        p->leave.st = cb_stamp_of(p->leave.out, (int64_t)cb_unpack_uint(&r, 3));
    }
    if (flags & F_STUDENT) { /* <BHI3, or <B alone (STUDENT_AS_STAY) */
        p->has_student = 1;
        p->student.v = (int)cb_unpack_uint(&r, 1);
        if (idf.ok && (p->student.v & ~(STUDENT_AS_STAY | 1)))
            goto bad;
        if (idf.ok && (p->student.v & STUDENT_AS_STAY)) {
            if (!p->has_stay)
                goto bad;
            p->student.v &= ~STUDENT_AS_STAY;
            p->student.st = p->stay.st;
        } else {
            int64_t d = (int64_t)cb_unpack_uint(&r, 2);
            p->student.st = cb_stamp_of(d, (int64_t)cb_unpack_uint(&r, 3));
        }
    }
    if ((flags & F_DEATH) && (flags & F_NOTICES))
        goto bad;
    if (flags & F_DEATH) { /* <Hi6B, then that many Bc0 */
        /* as the first matcher kept them: the earliest date, the township
         * of the smallest id, every id.  Notices of that date and that
         * township, without names, give the same death. */
        int32_t date = (int32_t)cb_unpack_uint(&r, 2);
        int64_t tw = cb_unpack_int(&r, 6);
        n = (size_t)cb_unpack_uint(&r, 1);
        if (!cb_unpack_room(&r, n, 1))
            goto bad;
        if (n > 0 && reserve((void **)&p->notices, n, sizeof(*p->notices)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_notice *x = &p->notices[p->nnotices++];
            memset(x, 0, sizeof(*x));
            cb_unpack_str(&r, 1, &x->eid);
            x->date = date;
            x->tw = tw;
        }
    }
    if (flags & F_NOTICES) { /* <B, then <Bc0i3i6Bc0 each */
        n = (size_t)cb_unpack_uint(&r, 1);
        if (!cb_unpack_room(&r, n, idf.ok ? 6 : 11))
            goto bad;
        if (n > 0 && reserve((void **)&p->notices, n, sizeof(*p->notices)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_notice *x = &p->notices[p->nnotices++];
            cb_unpack_str(&r, 1, &x->eid);
            x->date = (int32_t)cb_unpack_int(&r, 3);
            x->tw = get_tw(&r, &idf);
            get_name(&r, text, &x->name);
            norm_of(&x->name, &x->norm);
        }
    }
    if (flags & F_NAME) { /* <Bc0 */
        p->has_name = 1;
        get_name(&r, text, &p->name);
    }
    n = (size_t)cb_unpack_uint(&r, 1); /* schemes, each <BHI3 */
    for (size_t i = 0; i < n && !r.failed; i++) {
        unsigned sb = (unsigned)cb_unpack_uint(&r, 1);
        int64_t d = (int64_t)cb_unpack_uint(&r, 2);
        int64_t s24 = (int64_t)cb_unpack_uint(&r, 3);
        cb_scheme_state *e = &p->schemes[sb / 2];
        p->has_scheme[sb / 2] = 1;
        e->on = (int)(sb % 2);
        e->date = (int32_t)d;
        e->st = cb_stamp_of(d, s24);
    }
    if (flags & F_ROSTER) { /* <B, then <Bi3i3HI3 each */
        n = (size_t)cb_unpack_uint(&r, 1);
        if (!cb_unpack_room(&r, n, 12))
            goto bad;
        if (n > 0 && reserve((void **)&p->roster, n, sizeof(*p->roster)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_roster_state x;
            x.identity = (int)cb_unpack_uint(&r, 1);
            x.from = (int32_t)cb_unpack_int(&r, 3);
            x.to = (int32_t)cb_unpack_int(&r, 3);
            int64_t d = (int64_t)cb_unpack_uint(&r, 2);
            x.st = cb_stamp_of(d, (int64_t)cb_unpack_uint(&r, 3));
            /* as the script: a later row of one identity replaces an
             * earlier one */
            if (!r.failed)
                roster_put(p, &x, 0);
        }
    }
    if (flags & F_OWN) { /* <B, then <Bc0Bi3i3HI3 each */
        n = (size_t)cb_unpack_uint(&r, 1);
        if (!cb_unpack_room(&r, n, 13))
            goto bad;
        if (n > 0 && reserve((void **)&p->own, n, sizeof(*p->own)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_own_state x;
            cb_unpack_str(&r, 1, &x.uscc);
            x.active = (int)cb_unpack_uint(&r, 1);
            x.est = (int32_t)cb_unpack_int(&r, 3);
            x.dereg = (int32_t)cb_unpack_int(&r, 3);
            int64_t d = (int64_t)cb_unpack_uint(&r, 2);
            x.st = cb_stamp_of(d, (int64_t)cb_unpack_uint(&r, 3));
            if (!r.failed)
                own_put(p, &x, 0);
        }
    }
    if ((flags & F_CFACTS) &&
        unpack_facts(&r, p, (flags & F_RFACTS) == F_RFACTS) != 0)
        goto bad;
    /* <H, then <BBi6Hi6Bi6i6Bc0 each (read only) */
    if ((flags & F_RFACTS) == F_FACTS) {
        n = (size_t)cb_unpack_uint(&r, 2);
        if (!cb_unpack_room(&r, n, 30))
            goto bad;
        if (n > 0 && reserve((void **)&p->facts, n, sizeof(*p->facts)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_fact f;
            f.k = (int)cb_unpack_uint(&r, 1);
            f.scheme = (int)cb_unpack_uint(&r, 1);
            f.region = cb_unpack_int(&r, 6);
            f.period = (int32_t)cb_unpack_uint(&r, 2);
            f.amount = cb_unpack_int(&r, 6);
            f.paid = (int)cb_unpack_uint(&r, 1);
            f.tier = cb_unpack_int(&r, 6);
            f.township = cb_unpack_int(&r, 6);
            cb_unpack_str(&r, 1, &f.eid);
            if (!r.failed)
                p->facts[p->nfacts++] = f;
        }
    }
    if (flags & F_ALIASES) { /* <B, then <Bc0B and that many Bc0 each */
        n = (size_t)cb_unpack_uint(&r, 1);
        if (!cb_unpack_room(&r, n, 3))
            goto bad;
        if (n > 0 && reserve((void **)&p->aliases, n, sizeof(*p->aliases)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_alias *x = &p->aliases[p->naliases++];
            memset(x, 0, sizeof(*x));
            get_name(&r, text, &x->name);
            norm_of(&x->name, &x->norm);
            size_t m = (size_t)cb_unpack_uint(&r, 1);
            if (m == 0 || !cb_unpack_room(&r, m, 1) ||
                reserve((void **)&x->eids, m, sizeof(*x->eids)))
                goto bad;
            for (size_t k = 0; k < m && !r.failed; k++)
                cb_unpack_str(&r, 1, &x->eids[x->neids++]);
        }
    }
    if (flags & F_VERDICTS) { /* <B, then <BBi6Bc0 each */
        n = (size_t)cb_unpack_uint(&r, 1);
        if (!cb_unpack_room(&r, n, 9))
            goto bad;
        if (n > 0 && reserve((void **)&p->verdicts, n, sizeof(*p->verdicts)))
            goto bad;
        for (size_t i = 0; i < n && !r.failed; i++) {
            cb_verdict *x = &p->verdicts[p->nverdicts++];
            x->kind = (int)cb_unpack_uint(&r, 1);
            x->verdict = (int)cb_unpack_uint(&r, 1);
            x->at = cb_unpack_int(&r, 6);
            get_name(&r, text, &x->other);
        }
    }
    if (flags & F_EIDS)
        person_eids_io(p, NULL, &r);
    if (cb_unpack_done(&r) == 0)
        return 0;
bad:
    cb_person_free(p);
    return -1;
}

static int roster_cmp(const void *a, const void *b)
{
    const cb_roster_state *x = a, *y = b;

    return (x->identity > y->identity) - (x->identity < y->identity);
}

static int own_qcmp(const void *a, const void *b)
{
    return own_cmp(&((const cb_own_state *)a)->uscc,
                   &((const cb_own_state *)b)->uscc);
}

#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

static int notice_cmp(const void *a, const void *b)
{
    return cb_str_cmp(&((const cb_notice *)a)->eid,
                      &((const cb_notice *)b)->eid);
}

static int alias_cmp(const void *a, const void *b)
{
    return cb_str_cmp(&((const cb_alias *)a)->norm,
                      &((const cb_alias *)b)->norm);
}

static int verdict_cmp(const void *a, const void *b)
{
    const cb_verdict *x = a, *y = b;

    if (x->kind != y->kind)
        return CMP3(x->kind, y->kind);
    return cb_str_cmp(&x->other, &y->other);
}

/* Facts by period, then event id (the script's order); two facts alike in
 * both, which dedup by event id keeps out, by their other fields so that
 * the order is still one. */
static int fact_cmp(const void *a, const void *b)
{
    const cb_fact *x = a, *y = b;
    int c;

    if (x->period != y->period)
        return CMP3(x->period, y->period);
    if ((c = cb_str_cmp(&x->eid, &y->eid)) != 0)
        return c;
    if (x->k != y->k)
        return CMP3(x->k, y->k);
    if (x->scheme != y->scheme)
        return CMP3(x->scheme, y->scheme);
    if (x->region != y->region)
        return CMP3(x->region, y->region);
    if (x->amount != y->amount)
        return CMP3(x->amount, y->amount);
    if (x->paid != y->paid)
        return CMP3(x->paid, y->paid);
    if (x->tier != y->tier)
        return CMP3(x->tier, y->tier);
    return CMP3(x->township, y->township);
}

int cb_person_encode(cb_eidforms *forms, cb_person *p, const char *id,
                     cb_buf *out)
{
    cb_pack w;
    unsigned flags = 0;
    size_t ns = 0;
    id_facts idf = id_facts_of(id);

    /* a state whose birth or sex is not its number's (none is: both come
     * from it), or whose student value is not 0 or 1, keeps the unkeyed
     * layout, so that it reads back as it was */
    if (idf.ok && (p->birth != idf.birth || (p->male != 0) != idf.male ||
                   (p->has_student && (p->student.v & ~1) != 0)))
        idf.ok = 0;

    /* counts the packing cannot hold */
    if (p->nnotices > 255 || p->nroster > 255 || p->nown > 255 ||
        p->nfacts > 65535 || p->naliases > 255 || p->nverdicts > 255)
        return -1;
    for (size_t i = 0; i < p->naliases; i++)
        if (p->aliases[i].neids > 255 || p->aliases[i].neids == 0)
            return -1;
    if (p->male)
        flags |= F_MALE;
    if (p->snapbasic)
        flags |= F_SNAPBASIC;
    if (p->probed)
        flags |= F_PROBED;
    if (p->has_stay)
        flags |= F_STAY;
    if (p->has_leave)
        flags |= F_LEAVE;
    if (p->has_student)
        flags |= F_STUDENT;
    if (p->nnotices > 0)
        flags |= F_NOTICES;
    if (p->has_name && p->name.len > 0)
        flags |= F_NAME;
    if (p->nroster > 0)
        flags |= F_ROSTER;
    if (p->nown > 0)
        flags |= F_OWN;
    if (p->nfacts > 0)
        flags |= F_RFACTS;
    if (p->naliases > 0)
        flags |= F_ALIASES;
    if (p->nverdicts > 0)
        flags |= F_VERDICTS;
    if (person_has_eids(p))
        flags |= F_EIDS;
    for (int s = 0; s < CB_SCHEMES; s++)
        ns += p->has_scheme[s] != 0;

    start(&w, out);
    w.forms = forms;
    if (idf.ok) {
        cb_pack_int(&w, STATE_VERSION_VFLAGS, 1);
        cb_pack_uvar(&w, flags_to_order(flags));
    } else {
        cb_pack_int(&w, STATE_VERSION, 1);
        cb_pack_int(&w, flags, 2);
    }
    if (!idf.ok)
        cb_pack_int(&w, p->birth, 3);
    if (flags & F_STAY) {
        put_tw(&w, &idf, p->stay.tw);
        cb_pack_int(&w, p->stay.since, 2);
        cb_pack_int(&w, cb_stamp_low(p->stay.st), 3);
    }
    if (flags & F_LEAVE) {
        put_tw(&w, &idf, p->leave.tw);
        cb_pack_int(&w, p->leave.out, 2);
        cb_pack_int(&w, cb_stamp_low(p->leave.st), 3);
    }
    if (flags & F_STUDENT) {
        if (idf.ok && p->has_stay && p->student.st == p->stay.st) {
            cb_pack_int(&w, p->student.v | STUDENT_AS_STAY, 1);
        } else {
            cb_pack_int(&w, p->student.v, 1);
            put_stamp(&w, p->student.st);
        }
    }
    if (flags & F_NOTICES) {
        qsort(p->notices, p->nnotices, sizeof(*p->notices), notice_cmp);
        cb_pack_int(&w, (int64_t)p->nnotices, 1);
        for (size_t i = 0; i < p->nnotices; i++) {
            const cb_notice *x = &p->notices[i];
            put_str(&w, &x->eid);
            cb_pack_int(&w, x->date, 3);
            put_tw(&w, &idf, x->tw);
            put_name(&w, idf.ok, &x->name);
        }
    }
    if (flags & F_NAME)
        put_name(&w, idf.ok, &p->name);
    /* schemes: one record each, s * 2 + on first, so by scheme number */
    cb_pack_int(&w, (int64_t)ns, 1);
    for (int s = 0; s < CB_SCHEMES; s++) {
        if (!p->has_scheme[s])
            continue;
        cb_pack_int(&w, s * 2 + (p->schemes[s].on ? 1 : 0), 1);
        cb_pack_int(&w, p->schemes[s].date, 2);
        cb_pack_int(&w, cb_stamp_low(p->schemes[s].st), 3);
    }
    if (flags & F_ROSTER) {
        qsort(p->roster, p->nroster, sizeof(*p->roster), roster_cmp);
        cb_pack_int(&w, (int64_t)p->nroster, 1);
        for (size_t i = 0; i < p->nroster; i++) {
            const cb_roster_state *x = &p->roster[i];
            cb_pack_int(&w, x->identity, 1);
            cb_pack_int(&w, x->from, 3);
            cb_pack_int(&w, x->to, 3);
            put_stamp(&w, x->st);
        }
    }
    if (flags & F_OWN) {
        qsort(p->own, p->nown, sizeof(*p->own), own_qcmp);
        cb_pack_int(&w, (int64_t)p->nown, 1);
        for (size_t i = 0; i < p->nown; i++) {
            const cb_own_state *x = &p->own[i];
            put_str(&w, &x->uscc);
            cb_pack_int(&w, x->active, 1);
            cb_pack_int(&w, x->est, 3);
            cb_pack_int(&w, x->dereg, 3);
            put_stamp(&w, x->st);
        }
    }
    if (flags & F_RFACTS) {
        qsort(p->facts, p->nfacts, sizeof(*p->facts), fact_cmp);
        pack_facts(&w, p);
    }
    if (flags & F_ALIASES) {
        qsort(p->aliases, p->naliases, sizeof(*p->aliases), alias_cmp);
        cb_pack_int(&w, (int64_t)p->naliases, 1);
        for (size_t i = 0; i < p->naliases; i++) {
            const cb_alias *x = &p->aliases[i];
            put_name(&w, idf.ok, &x->name);
            cb_pack_int(&w, (int64_t)x->neids, 1);
            for (size_t k = 0; k < x->neids; k++)
                put_str(&w, &x->eids[k]);
        }
    }
    if (flags & F_VERDICTS) {
        qsort(p->verdicts, p->nverdicts, sizeof(*p->verdicts), verdict_cmp);
        cb_pack_int(&w, (int64_t)p->nverdicts, 1);
        for (size_t i = 0; i < p->nverdicts; i++) {
            const cb_verdict *x = &p->verdicts[i];
            cb_pack_int(&w, x->kind, 1);
            cb_pack_int(&w, x->verdict, 1);
            cb_pack_int(&w, x->at, 6);
            put_name(&w, idf.ok, &x->other);
        }
    }
    if (flags & F_EIDS)
        person_eids_io(p, &w, NULL);
    return w.failed ? -1 : 0;
}

/* ------------------------------------------------------ applying to persons */

static void apply_hh(cb_person *p, const cb_op *op)
{
    int64_t st = cb_stamp_of(op->date, op->s24);
    int64_t latest = -1;

    if (p->has_stay && p->stay.st > latest)
        latest = p->stay.st;
    if (p->has_leave && p->leave.st > latest)
        latest = p->leave.st;
    /* the name goes with the latest household row; on a full tie of
     * stamps, the greater name */
    if (op->name.len > 0 &&
        (st > latest || (st == latest && (!p->has_name ||
                                          cb_str_cmp(&p->name, &op->name) <
                                              0)))) {
        p->name = op->name;
        p->has_name = 1;
    }
    if (op->action == CB_HH_MOVE_OUT) {
        if (later(st, p->has_leave, p->leave.st,
                  p->has_leave &&
                      (op->township > p->leave.tw ||
                       (op->township == p->leave.tw &&
                        eid_wins(&op->eid, &p->eids.leave))))) {
            p->has_leave = 1;
            p->leave.tw = op->township;
            p->leave.out = op->date;
            p->leave.st = st;
            p->eids.leave = op->eid;
        }
    } else if (later(st, p->has_stay, p->stay.st,
                     p->has_stay &&
                         (op->township > p->stay.tw ||
                          (op->township == p->stay.tw &&
                           eid_wins(&op->eid, &p->eids.stay))))) {
        p->has_stay = 1;
        p->stay.tw = op->township;
        p->stay.since = op->date;
        p->stay.st = st;
        p->eids.stay = op->eid;
    }
    if (op->student >= 0 &&
        later(st, p->has_student, p->student.st,
              op->student > (p->has_student ? p->student.v : -1))) {
        p->has_student = 1;
        p->student.v = op->student;
        p->student.st = st;
    }
}

/* Every notice is kept, with its date, township and name: which of them
 * apply depends on the register name and the verdicts, which may come
 * later (RULES.md 9.3). */
static int apply_death(cb_person *p, const cb_op *op)
{
    size_t i = 0;
    cb_notice *x;

    while (i < p->nnotices && cb_str_cmp(&p->notices[i].eid, &op->eid) < 0)
        i++;
    if (i < p->nnotices && str_eq(&p->notices[i].eid, &op->eid))
        return 0; /* that notice again */
    if (reserve((void **)&p->notices, p->nnotices + 1, sizeof(*p->notices)))
        return -1;
    memmove(p->notices + i + 1, p->notices + i,
            (p->nnotices - i) * sizeof(*p->notices));
    p->nnotices++;
    x = &p->notices[i];
    x->eid = op->eid;
    x->date = op->death;
    x->tw = op->township;
    x->name = op->name;
    norm_of(&x->name, &x->norm);
    return 0;
}

/* A name another source gives the person (in row eid): kept under its
 * normal form, with the name as written in the row with the smallest
 * event id, and every row's id.  (Not the row's township: an item holds
 * only for a person with a register name, who has the township of a
 * household row, which comes first.)  Returns 0 or -1. */
static int add_alias(cb_person *p, const cb_str *name, const cb_str *eid)
{
    cb_str norm;
    size_t i = 0, k = 0;
    cb_alias *x;

    if (name->len == 0)
        return 0;
    norm_of(name, &norm);
    while (i < p->naliases && cb_str_cmp(&p->aliases[i].norm, &norm) < 0)
        i++;
    if (i == p->naliases || !str_eq(&p->aliases[i].norm, &norm)) {
        if (reserve((void **)&p->aliases, p->naliases + 1,
                    sizeof(*p->aliases)))
            return -1;
        memmove(p->aliases + i + 1, p->aliases + i,
                (p->naliases - i) * sizeof(*p->aliases));
        p->naliases++;
        memset(&p->aliases[i], 0, sizeof(p->aliases[i]));
        p->aliases[i].norm = norm;
    }
    x = &p->aliases[i];
    while (k < x->neids && cb_str_cmp(&x->eids[k], eid) < 0)
        k++;
    if (k < x->neids && str_eq(&x->eids[k], eid))
        return 0; /* that row again */
    if (reserve((void **)&x->eids, x->neids + 1, sizeof(*x->eids)))
        return -1;
    memmove(x->eids + k + 1, x->eids + k, (x->neids - k) * sizeof(*x->eids));
    x->neids++;
    x->eids[k] = *eid;
    if (k == 0) /* the smallest id: its name as written */
        x->name = *name;
    return 0;
}

/* A verdict on the item (kind, other): the latest (by the time it was
 * given; then the greater verdict) stands, whatever the order they came
 * in. */
static int apply_review(cb_person *p, const cb_op *op)
{
    size_t i = 0;

    while (i < p->nverdicts && !(p->verdicts[i].kind == op->rkind &&
                                 str_eq(&p->verdicts[i].other, &op->other)))
        i++;
    if (i == p->nverdicts) {
        if (reserve((void **)&p->verdicts, p->nverdicts + 1,
                    sizeof(*p->verdicts)))
            return -1;
        p->nverdicts++;
    } else if (p->verdicts[i].at > op->at ||
               (p->verdicts[i].at == op->at &&
                p->verdicts[i].verdict >= op->verdict)) {
        return 0;
    }
    p->verdicts[i].kind = op->rkind;
    p->verdicts[i].verdict = op->verdict;
    p->verdicts[i].at = op->at;
    p->verdicts[i].other = op->other;
    return 0;
}

static int apply_enr(cb_person *p, const cb_op *op, int *progress)
{
    int64_t st = cb_stamp_of(op->date, op->s24);
    int s = op->scheme;

    if (s < 0 || s >= CB_SCHEMES)
        return -1;
    cb_scheme_state *e = &p->schemes[s];
    cb_str *eid = cb_person_basic_eid(p, s);
    int old_on = p->has_scheme[s] ? e->on : 2;
    if (later(st, p->has_scheme[s], e->st,
              op->on < old_on ||
                  (op->on == old_on && eid != NULL &&
                   eid_wins(&op->eid, eid)))) {
        p->has_scheme[s] = 1;
        e->on = op->on;
        e->date = op->date;
        e->st = st;
        if (eid != NULL)
            *eid = op->eid;
    }
    if (op->snapshot == 1 && op->on == 1 && cb_scheme_is_basic_pension(s))
        p->snapbasic = 1;
    /* progress: a new enrollment from the feed, of someone the snapshot
     * did not have insured */
    if (op->snapshot == 0 && op->on == 1 && cb_scheme_is_basic_pension(s) &&
        !p->snapbasic && op->township > 0)
        *progress = 1;
    return 0;
}

static int apply_fact(cb_person *p, const cb_op *op)
{
    cb_fact f;

    for (size_t i = 0; i < p->nfacts; i++)
        if (str_eq(&p->facts[i].eid, &op->eid))
            return 0;
    f.k = op->k;
    f.scheme = op->scheme;
    f.region = op->region;
    f.period = op->period;
    f.amount = op->amount;
    f.paid = op->paid;
    f.tier = op->tier;
    f.township = op->township;
    f.eid = op->eid;
    if (reserve((void **)&p->facts, p->nfacts + 1, sizeof(*p->facts)))
        return -1;
    p->facts[p->nfacts++] = f;
    return 0;
}

static int apply_roster(cb_person *p, const cb_op *op)
{
    int64_t st = cb_stamp_of(op->date, op->s24);
    int found;
    size_t i = roster_find(p, op->identity, &found);
    const cb_roster_state *r = found ? &p->roster[i] : NULL;
    int tie = r != NULL && (op->to > r->to ||
                            (op->to == r->to && op->from > r->from));

    if (add_alias(p, &op->name, &op->eid) != 0)
        return -1;
    if (!later(st, r != NULL, r ? r->st : 0, tie))
        return 0;
    cb_roster_state x = {op->identity, op->from, op->to, st};
    return roster_put(p, &x, 1);
}

/* Who represents the business: latest wins.  Its deregistration: the
 * earliest date, whatever the order.  A business no longer represented is
 * forgotten: the changes of one (person, business) come in the order of
 * their stamps (the business sends one only when its own latest-wins
 * register moves forward, and the ownership topic keeps the order of a
 * key), so no older "active" can follow, and the state is the same
 * whether or not the person was told of a representation a later row
 * took back. */
static int apply_own(cb_person *p, const cb_op *op)
{
    int64_t st = cb_stamp_of(op->date, op->s24);
    int found;
    size_t i;

    if (add_alias(p, &op->name, &op->src) != 0)
        return -1;
    if (op->active == CB_OWN_NAME_ONLY)
        return 0;
    i = own_find(p, &op->uscc, &found);
    if (!found) {
        if (op->active != 1)
            return 0;
        cb_own_state x;
        x.uscc = op->uscc;
        x.active = 1;
        x.est = op->est;
        x.dereg = op->dereg;
        x.st = st;
        return own_put(p, &x, 1);
    }
    cb_own_state *x = &p->own[i];
    if (later(st, 1, x->st, op->active < x->active)) {
        x->active = op->active;
        x->est = op->est;
        x->st = st;
    }
    if (op->dereg != 0 && (x->dereg == 0 || op->dereg < x->dereg))
        x->dereg = op->dereg;
    if (x->active == 0)
        own_remove(p, i);
    return 0;
}

int cb_person_apply(cb_person *p, const cb_op *op, int *progress)
{
    *progress = 0;
    switch (op->kind) {
    case CB_OP_HH:
        apply_hh(p, op);
        return 0;
    case CB_OP_DEATH:
        return apply_death(p, op);
    case CB_OP_ENR:
        return apply_enr(p, op, progress);
    case CB_OP_FACT:
        return apply_fact(p, op);
    case CB_OP_ROSTER:
        return apply_roster(p, op);
    case CB_OP_OWN:
        return apply_own(p, op);
    case CB_OP_REVIEW:
        return apply_review(p, op);
    case CB_OP_PROBE:
        p->probed = 1; /* for good: the group keeps what it hears */
        return 0;
    default:
        return 0; /* ticks and the like change no state */
    }
}

void cb_person_drop_facts(cb_person *p, int32_t oldest)
{
    size_t n = 0;

    for (size_t i = 0; i < p->nfacts; i++)
        if (p->facts[i].period >= oldest)
            p->facts[n++] = p->facts[i];
    p->nfacts = n;
}

/* ----------------------------------------------------------- employers */

void cb_employer_init(cb_employer *e)
{
    memset(e, 0, sizeof(*e));
}

int cb_employer_decode(cb_eidforms *forms, const char *data, size_t len,
                       cb_employer *e)
{
    cb_unpack r;

    cb_unpack_init(&r, data, len);
    r.forms = forms;
    unsigned flags;
    int text;

    cb_employer_init(e);
    /* <BH: version, flags */
    if (cb_unpack_uint(&r, 1) != STATE_VERSION)
        goto bad;
    flags = (unsigned)cb_unpack_uint(&r, 2);
    if (flags & ~(unsigned)EF_ALL)
        goto bad;
    text = (flags & EF_TEXT) != 0;
    if (text && !(flags & EF_BIZ))
        goto bad;
    if (flags & EF_BIZ) { /* <BBi3i6HI3, two names (Bc0, or as text) */
        e->has_biz = 1;
        e->kind = (int)cb_unpack_uint(&r, 1);
        e->action = (int)cb_unpack_uint(&r, 1);
        e->est = (int32_t)cb_unpack_int(&r, 3);
        e->tw = cb_unpack_int(&r, 6);
        int64_t d = (int64_t)cb_unpack_uint(&r, 2);
        e->st = cb_stamp_of(d, (int64_t)cb_unpack_uint(&r, 3));
        get_name(&r, text, &e->name);
        get_name(&r, text, &e->rep);
    }
    if (flags & EF_REG) {
        e->has_reg = 1;
        e->reg = (int32_t)cb_unpack_uint(&r, 2);
    }
    if (flags & EF_DEREG) {
        e->has_dereg = 1;
        e->dereg = (int32_t)cb_unpack_uint(&r, 2);
    }
    if (flags & EF_EIDS)
        employer_eids_io(e, NULL, &r);
    if (cb_unpack_done(&r) == 0)
        return 0;
bad:
    cb_employer_init(e);
    return -1;
}

int cb_employer_encode(cb_eidforms *forms, const cb_employer *e,
                       cb_buf *out)
{
    cb_pack w;
    unsigned flags = (e->has_biz ? EF_BIZ | EF_TEXT : 0) |
                     (e->has_reg ? EF_REG : 0) | (e->has_dereg ? EF_DEREG : 0);

    if (e->biz_eid.len > 0 || e->reg_eid.len > 0 || e->dereg_eid.len > 0)
        flags |= EF_EIDS;

    start(&w, out);
    w.forms = forms;
    cb_pack_int(&w, STATE_VERSION, 1);
    cb_pack_int(&w, flags, 2);
    if (e->has_biz) {
        cb_pack_int(&w, e->kind, 1);
        cb_pack_int(&w, e->action, 1);
        cb_pack_int(&w, e->est, 3);
        cb_pack_int(&w, e->tw, 6);
        put_stamp(&w, e->st);
        put_name(&w, 1, &e->name);
        put_name(&w, 1, &e->rep);
    }
    if (e->has_reg)
        cb_pack_int(&w, e->reg, 2);
    if (e->has_dereg)
        cb_pack_int(&w, e->dereg, 2);
    if (flags & EF_EIDS)
        employer_eids_io((cb_employer *)e, &w, NULL);
    return w.failed ? -1 : 0;
}

/* The script's own_change: what the representative's partition hears.
 * Nothing when the business names no representative. */
static void own_change(const cb_str *rep, const cb_str *uscc, int active,
                       const cb_employer *e, int64_t st, const cb_str *eid,
                       cb_own_change changes[CB_OWN_CHANGES_MAX],
                       int *nchanges)
{
    cb_own_change *c;

    if (rep->len == 0 || *nchanges >= CB_OWN_CHANGES_MAX)
        return;
    c = &changes[(*nchanges)++];
    memset(c, 0, sizeof(*c));
    c->rep = *rep;
    c->uscc = *uscc;
    c->active = active;
    c->est = e->est;
    c->dereg = e->has_dereg ? e->dereg : 0;
    c->st = st;
    c->eid = *eid;
}

/* Two business rows of one stamp: the greater (action, kind, established,
 * township, name, representative) wins, as in gen/cb_truth_fold.c. */
static int biz_tie(const cb_op *op, const cb_employer *e)
{
    if (op->action != e->action)
        return op->action > e->action;
    if (op->bkind != e->kind)
        return op->bkind > e->kind;
    if (op->est != e->est)
        return op->est > e->est;
    if (op->township != e->tw)
        return op->township > e->tw;
    if (!str_eq(&op->name, &e->name))
        return cb_str_cmp(&e->name, &op->name) < 0;
    if (!str_eq(&op->rep, &e->rep))
        return cb_str_cmp(&e->rep, &op->rep) < 0;
    return eid_wins(&op->eid, &e->biz_eid);
}

/* The name the row gives its representative goes to that person: with
 * the change the row makes of the person's ownership, or alone (RULES.md
 * 9.3: every row that names the person counts, whatever it does to the
 * register of businesses). */
static void name_rep(const cb_employer *e, const cb_op *op,
                     cb_own_change changes[CB_OWN_CHANGES_MAX],
                     int *nchanges)
{
    cb_own_change *c = NULL;

    if (op->rep.len == 0 || op->rep_name.len == 0)
        return;
    for (int i = 0; i < *nchanges && c == NULL; i++)
        if (str_eq(&changes[i].rep, &op->rep))
            c = &changes[i];
    if (c == NULL) {
        own_change(&op->rep, &op->subject, CB_OWN_NAME_ONLY, e,
                   cb_stamp_of(op->date, op->s24), &op->eid, changes,
                   nchanges);
        if (*nchanges == 0 || !str_eq(&changes[*nchanges - 1].rep, &op->rep))
            return;
        c = &changes[*nchanges - 1];
    }
    c->rep_name = op->rep_name;
}

int cb_employer_apply(cb_employer *e, const cb_op *op,
                      cb_own_change changes[CB_OWN_CHANGES_MAX],
                      int *nchanges)
{
    *nchanges = 0;
    if (op->kind == CB_OP_BIZ) {
        int64_t st = cb_stamp_of(op->date, op->s24);
        if (op->action == CB_BIZ_DEREGISTERED) {
            if (!e->has_dereg || op->date < e->dereg ||
                (op->date == e->dereg && eid_wins(&op->eid, &e->dereg_eid))) {
                e->dereg = op->date;
                e->has_dereg = 1;
                e->dereg_eid = op->eid;
            }
            if (e->has_biz && e->kind == CB_BIZ_INDIVIDUAL)
                own_change(&e->rep, &op->subject, 1, e, e->st, &op->eid,
                           changes, nchanges);
            name_rep(e, op, changes, nchanges);
            return 0;
        }
        if (later(st, e->has_biz, e->st, e->has_biz && biz_tie(op, e))) {
            cb_str old_rep = e->rep;
            int old_individual = e->has_biz && e->kind == CB_BIZ_INDIVIDUAL;
            e->has_biz = 1;
            e->kind = op->bkind;
            e->action = op->action;
            e->est = op->est;
            e->tw = op->township;
            e->st = st;
            e->name = op->name;
            e->rep = op->rep;
            e->biz_eid = op->eid;
            if (old_individual && old_rep.len > 0 &&
                (!str_eq(&old_rep, &e->rep) || e->kind != CB_BIZ_INDIVIDUAL))
                own_change(&old_rep, &op->subject, 0, e, st, &op->eid,
                           changes, nchanges);
            if (e->kind == CB_BIZ_INDIVIDUAL)
                own_change(&e->rep, &op->subject, 1, e, st, &op->eid,
                           changes, nchanges);
        }
        name_rep(e, op, changes, nchanges);
    } else if (op->kind == CB_OP_REG) {
        if (!e->has_reg || op->date < e->reg ||
            (op->date == e->reg && eid_wins(&op->eid, &e->reg_eid))) {
            e->reg = op->date;
            e->has_reg = 1;
            e->reg_eid = op->eid;
        }
    }
    return 0;
}
