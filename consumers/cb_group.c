/* cb_group.c -- a name group's packed state and messages, their merges,
 * and the review items a group makes (cb_group.h).
 *
 * Layouts (little endian, cb_pack.h; s1/s2: a string behind a u8/u16
 * length):
 *   holder   s1 id, s1 name, i6 township, u1 pension, u1 nfacts, then per
 *            fact u2 period, u1 k, i6 amount, s1 event id
 *   suspect  s1 event id, s1 written, s1 name, i6 township, u1 kind,
 *            s1 file, i8 line, s2 record
 *   verdict  u1 kind, u1 verdict, i8 at, s1 subject, s1 other
 *   group    u1 version 5, uvar nholders, compact holders, u2 nsuspects,
 *            suspects, u2 nverdicts, verdicts (read only: version 4, the
 *            same with holders' names in UTF-8; version 3, the
 *            same with holders compact as before 2026-12-03 (put_cholder);
 *            version 2, the same, stored before groups asked their
 *            suspects' candidates; version 1, u2 nholders and holders as
 *            above)
 *   message  u1 type, then a holder (HOLDER), s1 id (GONE) or a suspect
 *            (SUSPECT)
 *
 * A group keeps its holders compactly (put_cholder): a holder's bytes are
 * paid once a pensioner (and once a person a group asked about). */
#include <stdlib.h>
#include <string.h>

#include "cb_group.h"
#include "cb_ident.h"
#include "cb_name.h"
#include "cb_ops.h"
#include "cb_pack.h"
#include "cb_time.h"

#define GROUP_VERSION 5
#define GROUP_VERSION_4 4 /* holders' names in UTF-8 (s1), not as text */
#define GROUP_VERSION_3 3 /* holders' names and townships whole */
#define GROUP_VERSION_2 2 /* before the probes: every named person held */
#define GROUP_VERSION_1 1 /* holders as in messages */

void cb_group_key(const cb_idkey *ids, const char *name, size_t len,
                  char out[CB_GROUP_KEY_LEN + 1])
{
    char norm[2 * 256 + 1], buf[320];
    int k = cb_name_normalize(name, len, norm, sizeof(norm));
    /* a name too long for its normal form to fit (none of the 255 bytes a
     * state keeps) is keyed as written */
    const char *key = k < 0 ? name : norm;
    size_t n = k < 0 ? len : (size_t)k;

    if (n > 256)
        n = 256;
    memcpy(buf, "group|", 6);
    memcpy(buf + 6, key, n);
    out[0] = 'G';
    cb_idkey_digest(ids, buf, 6 + n, out + 1);
    out[CB_GROUP_KEY_LEN] = '\0';
}

/* --------------------------------------------------------------- basics */

static int span_cmp(cb_span_ro a, cb_span_ro b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.s, b.s, n);

    return c != 0 ? c : (a.len > b.len) - (a.len < b.len);
}

static int span_eq(cb_span_ro a, cb_span_ro b)
{
    return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

static void put_s(cb_pack *w, cb_span_ro s, int lenbytes)
{
    cb_pack_str(w, s.s, s.len, lenbytes);
}

static cb_span_ro get_s(cb_unpack *r, int lenbytes)
{
    cb_span_ro s;

    s.len = (size_t)cb_unpack_uint(r, lenbytes);
    s.s = cb_unpack_bytes(r, s.len);
    if (s.s == NULL) {
        s.s = "";
        s.len = 0;
    }
    return s;
}

static void holder_free(cb_holder *h)
{
    free(h->facts);
    h->facts = NULL;
    h->nfacts = 0;
}

void cb_group_init(cb_group *g)
{
    memset(g, 0, sizeof(*g));
}

void cb_group_free(cb_group *g)
{
    for (size_t i = 0; i < g->nholders; i++)
        holder_free(&g->holders[i]);
    free(g->holders);
    free(g->suspects);
    free(g->verdicts);
    free(g->text);
    cb_group_init(g);
}

/* -------------------------------------------------------------- packing */

static void put_holder(cb_pack *w, const cb_holder *h)
{
    put_s(w, h->id, 1);
    put_s(w, h->name, 1);
    cb_pack_int(w, h->township, 6);
    cb_pack_int(w, h->pension, 1);
    if (h->nfacts > 255) {
        w->failed = 1;
        return;
    }
    cb_pack_int(w, (int64_t)h->nfacts, 1);
    for (size_t i = 0; i < h->nfacts; i++) {
        cb_pack_int(w, h->facts[i].period, 2);
        cb_pack_int(w, h->facts[i].k, 1);
        cb_pack_int(w, h->facts[i].amount, 6);
        put_s(w, h->facts[i].eid, 1);
    }
}

static int get_holder(cb_unpack *r, cb_holder *h)
{
    size_t n;

    memset(h, 0, sizeof(*h));
    h->id = get_s(r, 1);
    h->name = get_s(r, 1);
    h->township = cb_unpack_int(r, 6);
    h->pension = (int)cb_unpack_uint(r, 1);
    n = (size_t)cb_unpack_uint(r, 1);
    if (r->failed || !cb_unpack_room(r, n, 10))
        return -1;
    if (n > 0) {
        h->facts = calloc(n, sizeof(*h->facts));
        if (h->facts == NULL)
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        cb_group_fact *f = &h->facts[i];
        f->period = (int32_t)cb_unpack_uint(r, 2);
        f->k = (int)cb_unpack_uint(r, 1);
        f->amount = cb_unpack_int(r, 6);
        f->eid = get_s(r, 1);
    }
    h->nfacts = n;
    return r->failed || h->id.len != CB_IDENT_LEN ? -1 : 0;
}

/* A holder in a group's state, compactly (version 5):
 *
 *   u8 id       the first 17 digits as a number, when the 18th is their
 *               check character; else all ones, and s1 id follows
 *   uvar nfacts * 4 + (the name is the previous holder's) * 2 + pension
 *   [name]      when it is not the previous holder's, as text
 *               (cb_pack_text: 2 bytes a Chinese character)
 *   svar township less the first code of the county that issued the
 *               number (cb_code_county_base; 0 for an id kept as
 *               written)
 *   per fact    u1 head (bit 0: k is 1; bit 1: k follows as a u1; bits
 *               2-3: period 0 the previous fact's, 1 the month after it,
 *               2 an svar difference follows; bit 4: the amount is the
 *               previous fact's, else an svar follows), [u1 k], [svar
 *               period difference], [svar amount], eid (cb_pack_eid
 *               against the previous fact's)
 *
 * The first fact is packed against period 0, amount 0 and no id.  A
 * month of a pension takes 4 bytes (22 in a message).  Namesakes mostly
 * write their name alike and live in the county that issued their
 * number: a holder after the first takes 10 bytes.  Version 4 (read only)
 * had the name as s1; version 3 (read only) s1 name, svar township, uvar
 * nfacts * 2 + pension after the id. */
#define CH_K1     0x01
#define CH_KBYTE  0x02
#define CH_NEXT   0x04
#define CH_DELTA  0x08
#define CH_PERIOD 0x0c
#define CH_AMOUNT 0x10
#define CH_RAW_ID UINT64_MAX

/* The number of an 18-character ID whose check character is right, or
 * CH_RAW_ID. */
static uint64_t id_number(cb_span_ro id)
{
    uint64_t v = 0;

    if (id.len != CB_IDENT_LEN)
        return CH_RAW_ID;
    for (int i = 0; i < CB_IDENT_LEN - 1; i++) {
        if (id.s[i] < '0' || id.s[i] > '9')
            return CH_RAW_ID;
        v = v * 10 + (uint64_t)(id.s[i] - '0');
    }
    return cb_ident_person_check_char(id.s) == id.s[CB_IDENT_LEN - 1]
               ? v
               : CH_RAW_ID;
}

static int same_span(cb_span_ro a, cb_span_ro b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

/* A holder, after `before` (NULL for the first). */
static void put_cholder(cb_pack *w, const cb_holder *h,
                        const cb_holder *before)
{
    uint64_t num = id_number(h->id);
    int32_t period = 0;
    int64_t amount = 0;
    cb_span_ro prev = {"", 0};
    int same = before != NULL && same_span(h->name, before->name);

    cb_pack_int(w, (int64_t)num, 8);
    if (num == CH_RAW_ID)
        put_s(w, h->id, 1);
    cb_pack_uvar(w, (uint64_t)h->nfacts << 2 | (uint64_t)same << 1 |
                        (h->pension != 0));
    if (!same)
        cb_pack_text(w, h->name.s, h->name.len);
    /* an id kept as written is packed against 0 */
    cb_pack_svar_from(w, h->township,
                      num == CH_RAW_ID ? 0 : cb_code_county_base(h->id.s));
    for (size_t i = 0; i < h->nfacts; i++) {
        const cb_group_fact *f = &h->facts[i];
        unsigned head = 0;
        if (f->k == 1)
            head |= CH_K1;
        else if (f->k != 0)
            head |= CH_KBYTE;
        if (f->period == period + 1)
            head |= CH_NEXT;
        else if (f->period != period)
            head |= CH_DELTA;
        if (f->amount == amount)
            head |= CH_AMOUNT;
        cb_pack_int(w, head, 1);
        if (head & CH_KBYTE)
            cb_pack_int(w, f->k, 1);
        if (head & CH_DELTA)
            cb_pack_svar(w, (int64_t)f->period - period);
        if (!(head & CH_AMOUNT))
            cb_pack_svar(w, f->amount);
        cb_pack_eid(w, f->eid.s, f->eid.len, prev.s, prev.len);
        period = f->period;
        amount = f->amount;
        prev = f->eid;
    }
}

/* Appends a string to the group's text; the span gets its length now and
 * its bytes once the text stops growing (text_spans). */
static cb_span_ro to_text(cb_buf *text, const char *s, size_t n,
                          cb_unpack *r)
{
    cb_span_ro span = {NULL, n};

    if (cb_buf_append(text, s, n) != 0)
        r->failed = 1;
    return span;
}

/* A version-5 holder's name that is the holder's before it, until
 * text_spans points it at that one's (whose own span is not known yet). */
static const char same_name[] = "";

/* Reads a holder of version 5, 4 or 3, after `before` (NULL for the
 * first).  A version-5 name is read into the group's text (to_text). */
static int get_cholder(cb_unpack *r, cb_holder *h, cb_buf *text,
                       const cb_holder *before, unsigned version)
{
    uint64_t num, nf;
    int64_t base = 0;
    char id[CB_IDENT_LEN];
    cb_str eid = {0}, prev = {0};
    size_t n;

    memset(h, 0, sizeof(*h));
    num = cb_unpack_uint(r, 8);
    if (num == CH_RAW_ID) {
        cb_span_ro raw = get_s(r, 1);
        h->id = to_text(text, raw.s, raw.len, r);
    } else {
        if (num >= UINT64_C(100000000000000000))
            return -1;
        for (int i = CB_IDENT_LEN - 2; i >= 0; i--) {
            id[i] = (char)('0' + num % 10);
            num /= 10;
        }
        id[CB_IDENT_LEN - 1] = cb_ident_person_check_char(id);
        base = cb_code_county_base(id);
        h->id = to_text(text, id, CB_IDENT_LEN, r);
    }
    if (version >= GROUP_VERSION_4) {
        nf = cb_unpack_uvar(r);
        if (nf & 2) {
            if (before == NULL)
                return -1;
            h->name = before->name;
            if (version == GROUP_VERSION)
                h->name.s = same_name;
        } else if (version == GROUP_VERSION) {
            cb_str name;
            cb_unpack_text(r, &name);
            h->name = to_text(text, name.s, name.len, r);
        } else {
            h->name = get_s(r, 1);
        }
        h->township = cb_unpack_svar_from(r, base);
        n = (size_t)(nf >> 2);
    } else {
        h->name = get_s(r, 1);
        h->township = cb_unpack_svar(r);
        nf = cb_unpack_uvar(r);
        n = (size_t)(nf >> 1);
    }
    h->pension = (int)(nf & 1);
    if (r->failed || !cb_unpack_room(r, n, 2))
        return -1;
    if (n > 0) {
        h->facts = calloc(n, sizeof(*h->facts));
        if (h->facts == NULL)
            return -1;
    }
    for (size_t i = 0; i < n && !r->failed; i++) {
        cb_group_fact *f = &h->facts[i];
        unsigned head = (unsigned)cb_unpack_uint(r, 1);
        if ((head & ~0x1fu) != 0 || (head & CH_PERIOD) == CH_PERIOD ||
            (head & (CH_K1 | CH_KBYTE)) == (CH_K1 | CH_KBYTE))
            return -1;
        f->k = (head & CH_K1) ? 1 : 0;
        if (head & CH_KBYTE)
            f->k = (int)cb_unpack_uint(r, 1);
        f->period = i > 0 ? h->facts[i - 1].period : 0;
        if (head & CH_NEXT)
            f->period++;
        else if (head & CH_DELTA)
            f->period = (int32_t)cb_unpack_svar_from(r, f->period);
        f->amount = i > 0 ? h->facts[i - 1].amount : 0;
        if (!(head & CH_AMOUNT))
            f->amount = cb_unpack_svar(r);
        cb_unpack_eid(r, prev.s, prev.len, &eid);
        f->eid = to_text(text, eid.s, eid.len, r);
        prev = eid;
        h->nfacts = i + 1;
    }
    return r->failed || h->id.len != CB_IDENT_LEN ? -1 : 0;
}

/* Points the spans to_text made (each holder's id, its name in version 5
 * unless it is the holder's before it, then its facts' ids, holder after
 * holder) into the text, now that it has stopped growing. */
static void text_spans(cb_group *g)
{
    const char *t = g->text;

    for (size_t i = 0; i < g->nholders; i++) {
        cb_holder *h = &g->holders[i];
        h->id.s = t;
        t += h->id.len;
        if (h->name.s == same_name) {
            h->name = g->holders[i - 1].name; /* i > 0: get_cholder */
        } else if (h->name.s == NULL) {
            h->name.s = t;
            t += h->name.len;
        }
        for (size_t k = 0; k < h->nfacts; k++) {
            h->facts[k].eid.s = t;
            t += h->facts[k].eid.len;
        }
    }
}

static void put_suspect(cb_pack *w, const cb_suspect_ref *s)
{
    put_s(w, s->eid, 1);
    put_s(w, s->written, 1);
    put_s(w, s->name, 1);
    cb_pack_int(w, s->township, 6);
    cb_pack_int(w, s->kind, 1);
    put_s(w, s->file, 1);
    cb_pack_int(w, s->line, 8);
    put_s(w, s->record, 2);
}

static int get_suspect(cb_unpack *r, cb_suspect_ref *s)
{
    memset(s, 0, sizeof(*s));
    s->eid = get_s(r, 1);
    s->written = get_s(r, 1);
    s->name = get_s(r, 1);
    s->township = cb_unpack_int(r, 6);
    s->kind = (int)cb_unpack_uint(r, 1);
    s->file = get_s(r, 1);
    s->line = cb_unpack_int(r, 8);
    s->record = get_s(r, 2);
    return r->failed || s->written.len != CB_IDENT_LEN ||
                   s->kind >= CB_FEED_COUNT
               ? -1
               : 0;
}

int cb_group_encode(cb_eidforms *forms, const cb_group *g, cb_buf *out)
{
    cb_pack w = {out, 0, forms};

    out->len = 0;
    cb_pack_int(&w, GROUP_VERSION, 1);
    cb_pack_uvar(&w, (uint64_t)g->nholders);
    for (size_t i = 0; i < g->nholders; i++)
        put_cholder(&w, &g->holders[i], i > 0 ? &g->holders[i - 1] : NULL);
    cb_pack_int(&w, (int64_t)g->nsuspects, 2);
    for (size_t i = 0; i < g->nsuspects; i++)
        put_suspect(&w, &g->suspects[i]);
    cb_pack_int(&w, (int64_t)g->nverdicts, 2);
    for (size_t i = 0; i < g->nverdicts; i++) {
        const cb_group_verdict *v = &g->verdicts[i];
        cb_pack_int(&w, v->kind, 1);
        cb_pack_int(&w, v->verdict, 1);
        cb_pack_int(&w, v->at, 8);
        put_s(&w, v->subject, 1);
        put_s(&w, v->other, 1);
    }
    if (g->nsuspects > 65535 || g->nverdicts > 65535)
        return -1;
    return w.failed ? -1 : 0;
}

int cb_group_decode(cb_eidforms *forms, const char *data, size_t len,
                    cb_group *g)
{
    cb_unpack r;
    size_t n;
    cb_buf text = {0};
    uint64_t version;
    int compact;

    cb_group_init(g);
    cb_unpack_init(&r, data, len);
    r.forms = forms;
    version = cb_unpack_uint(&r, 1);
    if (version != GROUP_VERSION && version != GROUP_VERSION_4 &&
        version != GROUP_VERSION_3 &&
        version != GROUP_VERSION_2 && version != GROUP_VERSION_1)
        return -1;
    g->probed = version >= GROUP_VERSION_3;
    compact = version != GROUP_VERSION_1;
    n = compact ? (size_t)cb_unpack_uvar(&r) : (size_t)cb_unpack_uint(&r, 2);
    /* the fewest bytes a holder takes: 10 since version 4 (a number, its
     * count, the name before it, a township of its county), 11 before */
    if (r.failed ||
        !cb_unpack_room(&r, n, version >= GROUP_VERSION_4 ? 10 : 11) ||
        (n > 0 && (g->holders = calloc(n, sizeof(*g->holders))) == NULL))
        goto fail;
    for (; g->nholders < n; g->nholders++) {
        cb_holder *h = &g->holders[g->nholders];
        const cb_holder *before = g->nholders > 0 ? h - 1 : NULL;
        if ((compact ? get_cholder(&r, h, &text, before,
                                   (unsigned)version)
                     : get_holder(&r, h)) != 0) {
            g->nholders++;
            goto fail;
        }
    }
    if (compact) {
        g->text = text.data; /* owned by the group from here */
        text.data = NULL;
        text_spans(g);
    }
    n = (size_t)cb_unpack_uint(&r, 2);
    if (r.failed || !cb_unpack_room(&r, n, 20) ||
        (n > 0 && (g->suspects = calloc(n, sizeof(*g->suspects))) == NULL))
        goto fail;
    for (; g->nsuspects < n; g->nsuspects++)
        if (get_suspect(&r, &g->suspects[g->nsuspects]) != 0)
            goto fail;
    n = (size_t)cb_unpack_uint(&r, 2);
    if (r.failed || !cb_unpack_room(&r, n, 12) ||
        (n > 0 && (g->verdicts = calloc(n, sizeof(*g->verdicts))) == NULL))
        goto fail;
    for (; g->nverdicts < n; g->nverdicts++) {
        cb_group_verdict *v = &g->verdicts[g->nverdicts];
        v->kind = (int)cb_unpack_uint(&r, 1);
        v->verdict = (int)cb_unpack_uint(&r, 1);
        v->at = cb_unpack_int(&r, 8);
        v->subject = get_s(&r, 1);
        v->other = get_s(&r, 1);
        if (r.failed || v->kind >= CB_REVIEW_KIND_COUNT ||
            v->verdict >= CB_VERDICT_COUNT)
            goto fail;
    }
    if (cb_unpack_done(&r) != 0)
        goto fail;
    return 0;
fail:
    cb_buf_free(&text);
    cb_group_free(g);
    return -1;
}

/* ------------------------------------------------------------ messages */

int cb_group_msg_pack_holder(const cb_holder *h, cb_buf *out)
{
    cb_pack w = {out, 0, NULL};

    out->len = 0;
    cb_pack_int(&w, CB_GMSG_HOLDER, 1);
    put_holder(&w, h);
    return w.failed ? -1 : 0;
}

int cb_group_msg_pack_gone(const char *id, size_t len, cb_buf *out)
{
    cb_pack w = {out, 0, NULL};

    out->len = 0;
    cb_pack_int(&w, CB_GMSG_GONE, 1);
    cb_pack_str(&w, id, len, 1);
    return w.failed ? -1 : 0;
}

int cb_group_msg_pack_suspect(const cb_suspect_ref *s, cb_buf *out)
{
    cb_pack w = {out, 0, NULL};

    out->len = 0;
    cb_pack_int(&w, CB_GMSG_SUSPECT, 1);
    put_suspect(&w, s);
    return w.failed ? -1 : 0;
}

int cb_group_msg_unpack(const char *data, size_t len, cb_group_msg *m)
{
    cb_unpack r;
    int rc = -1;

    memset(m, 0, sizeof(*m));
    cb_unpack_init(&r, data, len);
    m->type = (int)cb_unpack_uint(&r, 1);
    switch (m->type) {
    case CB_GMSG_HOLDER:
        rc = get_holder(&r, &m->holder);
        break;
    case CB_GMSG_GONE:
        m->holder.id = get_s(&r, 1);
        rc = m->holder.id.len == CB_IDENT_LEN ? 0 : -1;
        break;
    case CB_GMSG_SUSPECT:
        rc = get_suspect(&r, &m->suspect);
        break;
    default:
        break;
    }
    if (rc == 0)
        rc = cb_unpack_done(&r);
    if (rc != 0)
        cb_group_msg_free(m);
    return rc;
}

void cb_group_msg_free(cb_group_msg *m)
{
    holder_free(&m->holder);
}

/* --------------------------------------------------------------- merges */

static int copy_facts(cb_holder *dst, const cb_holder *src)
{
    dst->facts = NULL;
    if (src->nfacts == 0)
        return 0;
    dst->facts = malloc(src->nfacts * sizeof(*dst->facts));
    if (dst->facts == NULL)
        return -1;
    memcpy(dst->facts, src->facts, src->nfacts * sizeof(*dst->facts));
    return 0;
}

int cb_group_apply(cb_group *g, const cb_group_msg *m)
{
    size_t i;

    if (m->type == CB_GMSG_SUSPECT) {
        for (i = 0; i < g->nsuspects; i++) {
            int c = span_cmp(g->suspects[i].eid, m->suspect.eid);
            if (c == 0)
                return 0; /* seen: an event is applied once */
            if (c > 0)
                break;
        }
        void *v = realloc(g->suspects, (g->nsuspects + 1) *
                                           sizeof(*g->suspects));
        if (v == NULL)
            return -1;
        g->suspects = v;
        memmove(&g->suspects[i + 1], &g->suspects[i],
                (g->nsuspects - i) * sizeof(*g->suspects));
        g->suspects[i] = m->suspect;
        g->nsuspects++;
        return 0;
    }
    for (i = 0; i < g->nholders; i++) {
        int c = span_cmp(g->holders[i].id, m->holder.id);
        if (c == 0) {
            holder_free(&g->holders[i]);
            if (m->type == CB_GMSG_GONE) {
                memmove(&g->holders[i], &g->holders[i + 1],
                        (g->nholders - i - 1) * sizeof(*g->holders));
                g->nholders--;
                return 0;
            }
            g->holders[i] = m->holder;
            return copy_facts(&g->holders[i], &m->holder);
        }
        if (c > 0)
            break;
    }
    if (m->type == CB_GMSG_GONE)
        return 0;
    void *v = realloc(g->holders, (g->nholders + 1) * sizeof(*g->holders));
    if (v == NULL)
        return -1;
    g->holders = v;
    memmove(&g->holders[i + 1], &g->holders[i],
            (g->nholders - i) * sizeof(*g->holders));
    g->holders[i] = m->holder;
    g->nholders++;
    return copy_facts(&g->holders[i], &m->holder);
}

int cb_group_decide(cb_group *g, const cb_group_verdict *v)
{
    size_t i;

    for (i = 0; i < g->nverdicts; i++) {
        cb_group_verdict *o = &g->verdicts[i];
        int c = o->kind - v->kind;
        if (c == 0)
            c = span_cmp(o->subject, v->subject);
        if (c == 0)
            c = span_cmp(o->other, v->other);
        if (c == 0) {
            *o = *v;
            return 0;
        }
        if (c > 0)
            break;
    }
    void *p = realloc(g->verdicts, (g->nverdicts + 1) * sizeof(*g->verdicts));
    if (p == NULL)
        return -1;
    g->verdicts = p;
    memmove(&g->verdicts[i + 1], &g->verdicts[i],
            (g->nverdicts - i) * sizeof(*g->verdicts));
    g->verdicts[i] = *v;
    g->nverdicts++;
    return 0;
}

int cb_holder_same(const cb_holder *a, const cb_holder *b)
{
    if (!span_eq(a->id, b->id) || !span_eq(a->name, b->name) ||
        a->township != b->township || a->pension != b->pension ||
        a->nfacts != b->nfacts)
        return 0;
    for (size_t i = 0; i < a->nfacts; i++) {
        const cb_group_fact *x = &a->facts[i], *y = &b->facts[i];
        if (x->period != y->period || x->k != y->k ||
            x->amount != y->amount || !span_eq(x->eid, y->eid))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ the rules */

/* Adds id to out (cap CB_GROUP_CANDIDATES_MAX) when it is a valid
 * resident number. */
static void add_candidate(const char *id, char out[][CB_IDENT_LEN + 1],
                          size_t *n)
{
    if (*n < CB_GROUP_CANDIDATES_MAX &&
        cb_ident_check_person(id, CB_IDENT_LEN, NULL) == CB_IDENT_OK) {
        memcpy(out[*n], id, CB_IDENT_LEN);
        out[(*n)++][CB_IDENT_LEN] = '\0';
    }
}

size_t cb_group_candidates(const char *written,
                           char out[][CB_IDENT_LEN + 1])
{
    static const char chars[] = "0123456789X";
    char id[CB_IDENT_LEN + 1];
    size_t n = 0;

    memcpy(id, written, CB_IDENT_LEN);
    id[CB_IDENT_LEN] = '\0';
    for (int i = 0; i < CB_IDENT_LEN; i++) {
        for (const char *c = chars; *c != '\0'; c++) {
            if (*c == written[i])
                continue;
            id[i] = *c;
            add_candidate(id, out, &n);
        }
        id[i] = written[i];
    }
    for (int i = 0; i + 1 < CB_IDENT_LEN; i++) {
        if (written[i] == written[i + 1])
            continue;
        id[i] = written[i + 1];
        id[i + 1] = written[i];
        add_candidate(id, out, &n);
        id[i] = written[i];
        id[i + 1] = written[i + 1];
    }
    return n;
}

int cb_group_one_slip(const char *a, const char *b)
{
    int diff[CB_IDENT_LEN], n = 0;

    for (int i = 0; i < CB_IDENT_LEN; i++)
        if (a[i] != b[i]) {
            if (n == 2)
                return 0;
            diff[n++] = i;
        }
    if (n == 1)
        return 1;
    return n == 2 && diff[1] == diff[0] + 1 && a[diff[0]] == b[diff[1]] &&
           a[diff[1]] == b[diff[0]];
}

static int push_item(cb_group_items *out, cb_group_item **it)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        cb_group_item *v = realloc(out->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        out->v = v;
        out->cap = cap;
    }
    *it = &out->v[out->n++];
    memset(*it, 0, sizeof(**it));
    (*it)->resolved = CB_TIME_NONE;
    return 0;
}

static int add_evidence(cb_group_item *it, cb_span_ro eid)
{
    size_t i;

    for (i = 0; i < it->nevidence; i++) {
        int c = span_cmp(it->evidence[i], eid);
        if (c == 0)
            return 0;
        if (c > 0)
            break;
    }
    void *v = realloc(it->evidence, (it->nevidence + 1) *
                                        sizeof(*it->evidence));
    if (v == NULL)
        return -1;
    it->evidence = v;
    memmove(&it->evidence[i + 1], &it->evidence[i],
            (it->nevidence - i) * sizeof(*it->evidence));
    it->evidence[i] = eid;
    it->nevidence++;
    return 0;
}

static void standing_verdict(const cb_group *g, cb_group_item *it)
{
    for (size_t i = 0; i < g->nverdicts; i++) {
        const cb_group_verdict *v = &g->verdicts[i];
        if (v->kind == it->kind && span_eq(v->subject, it->subject) &&
            span_eq(v->other, it->other)) {
            it->status = cb_review_status_after(v->verdict);
            it->resolved = v->at;
        }
    }
}

/* probable_typo: each suspect with exactly one candidate; suspects of one
 * (candidate, written number) share an item. */
static int typo_items(const cb_group *g, cb_group_items *out)
{
    for (size_t i = 0; i < g->nsuspects; i++) {
        const cb_suspect_ref *s = &g->suspects[i];
        const cb_holder *cand = NULL;
        int ncand = 0;
        cb_group_item *it = NULL;
        for (size_t j = 0; j < g->nholders; j++)
            if (cb_group_one_slip(g->holders[j].id.s, s->written.s)) {
                cand = &g->holders[j];
                ncand++;
            }
        if (ncand != 1)
            continue;
        for (size_t k = 0; k < out->n; k++)
            if (out->v[k].kind == CB_REVIEW_PROBABLE_TYPO &&
                span_eq(out->v[k].subject, cand->id) &&
                span_eq(out->v[k].other, s->written))
                it = &out->v[k];
        if (it == NULL) {
            if (push_item(out, &it) != 0)
                return -1;
            it->kind = CB_REVIEW_PROBABLE_TYPO;
            it->subject = cand->id;
            it->other = s->written;
            it->reg_name = cand->name;
            it->township = cand->township;
            it->other_name = s->name; /* suspects go by event id: the
                                         first is the smallest */
            if (it->township == 0)
                it->township = s->township;
        }
        void *v = realloc(it->suspects, (it->nsuspects + 1) *
                                            sizeof(*it->suspects));
        if (v == NULL)
            return -1;
        it->suspects = v;
        it->suspects[it->nsuspects++] = i;
        if (add_evidence(it, s->eid) != 0)
            return -1;
    }
    return 0;
}

/* The month totals of a holder's facts of kind k, for months both hold:
 * the smaller of the two totals, summed; the facts counted join the
 * evidence. */
static int64_t both_months(const cb_holder *a, const cb_holder *b, int k,
                           cb_group_item *it, int *nomem)
{
    int64_t sum = 0;

    for (size_t i = 0; i < a->nfacts; i++) {
        int32_t m = a->facts[i].period;
        int64_t ta = 0, tb = 0;
        int first = 1;
        if (a->facts[i].k != k)
            continue;
        /* each month once: at its first fact */
        for (size_t j = 0; j < i; j++)
            if (a->facts[j].k == k && a->facts[j].period == m)
                first = 0;
        if (!first)
            continue;
        for (size_t j = 0; j < a->nfacts; j++)
            if (a->facts[j].k == k && a->facts[j].period == m)
                ta += a->facts[j].amount;
        int both = 0;
        for (size_t j = 0; j < b->nfacts; j++)
            if (b->facts[j].k == k && b->facts[j].period == m) {
                tb += b->facts[j].amount;
                both = 1;
            }
        if (!both)
            continue;
        sum += ta < tb ? ta : tb;
        for (size_t j = 0; j < a->nfacts; j++)
            if (a->facts[j].k == k && a->facts[j].period == m &&
                add_evidence(it, a->facts[j].eid) != 0)
                *nomem = 1;
        for (size_t j = 0; j < b->nfacts; j++)
            if (b->facts[j].k == k && b->facts[j].period == m &&
                add_evidence(it, b->facts[j].eid) != 0)
                *nomem = 1;
    }
    return sum;
}

/* duplicate_identity: pairs of holders with one birth date and sex (the
 * number's digits 7-14 and 17's parity), both in an active pension. */
static int dup_items(const cb_group *g, cb_group_items *out)
{
    for (size_t i = 0; i < g->nholders; i++) {
        const cb_holder *a = &g->holders[i];
        if (!a->pension)
            continue;
        for (size_t j = i + 1; j < g->nholders; j++) {
            const cb_holder *b = &g->holders[j];
            cb_group_item *it;
            if (!b->pension || memcmp(a->id.s + 6, b->id.s + 6, 8) != 0 ||
                (a->id.s[16] - '0') % 2 != (b->id.s[16] - '0') % 2)
                continue;
            if (push_item(out, &it) != 0)
                return -1;
            it->kind = CB_REVIEW_DUPLICATE_IDENTITY;
            it->subject = a->id; /* holders go by number: a < b */
            it->other = b->id;
            it->reg_name = a->name;
            it->other_name = b->name;
            it->township = a->township != 0 ? a->township : b->township;
            /* amount and evidence: where the item is read, from the two
             * states (cb_group_pair_risk) */
        }
    }
    return 0;
}

int cb_group_pair_risk(const cb_holder *a, const cb_holder *b,
                       int64_t *amount, cb_buf *evidence)
{
    cb_group_item it;
    int nomem = 0, rc = 0;

    memset(&it, 0, sizeof(it));
    *amount = both_months(a, b, CB_FACT_BENEFIT, &it, &nomem) +
              both_months(a, b, CB_FACT_CONTRIBUTION, &it, &nomem);
    evidence->len = 0;
    for (size_t i = 0; !nomem && rc == 0 && i < it.nevidence; i++)
        rc = (i > 0 ? cb_buf_append(evidence, " ", 1) : 0) ||
             cb_buf_append(evidence, it.evidence[i].s, it.evidence[i].len);
    free(it.evidence);
    return nomem || rc != 0 ? -1 : 0;
}

int cb_group_items_of(const cb_group *g, cb_group_items *out)
{
    if (typo_items(g, out) != 0 || dup_items(g, out) != 0)
        return -1;
    for (size_t i = 0; i < out->n; i++)
        standing_verdict(g, &out->v[i]);
    return 0;
}

void cb_group_items_free(cb_group_items *items)
{
    for (size_t i = 0; i < items->n; i++) {
        free(items->v[i].evidence);
        free(items->v[i].suspects);
    }
    free(items->v);
    memset(items, 0, sizeof(*items));
}
