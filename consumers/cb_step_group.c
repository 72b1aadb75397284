/* cb_step_group.c -- the part of a step that looks across persons
 * (docs/RULES.md 9.3, probable_typo and duplicate_identity): a person
 * telling its name's group what the group needs of it, a feed handing
 * its suspects on to their groups, and a group's own step, whose review
 * items are merged with the stored ones like a person's (cb_step_finish).
 *
 * The messages go through the outbox ('N' entries, keyed by the group's
 * key) and the matcher's internal topic, so that each lands in the
 * group's partition as an op of its own: every write of a step stays in
 * one partition. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_group.h"
#include "cb_ident.h"
#include "cb_name.h"
#include "cb_ops.h"
#include "cb_refeed.h"
#include "cb_step_int.h"

/* ------------------------------------------------------------- persons */

int cb_step_holder_msg(const subject *sj, const cb_person *p, cb_buf *out)
{
    char id[CB_ID_SIZE];
    cb_holder h;
    int rc;

    out->len = 0;
    if (sj->id_len != CB_IDENT_LEN)
        return 0;
    memcpy(id, sj->id, CB_IDENT_LEN);
    id[CB_IDENT_LEN] = '\0';
    rc = cb_rules_person_holder(p, id, 0, &h);
    if (rc <= 0 || !cb_rules_group_needs(p, &h)) {
        free(h.facts);
        return rc < 0 ? rc : 0;
    }
    rc = cb_group_msg_pack_holder(&h, out);
    free(h.facts);
    return rc;
}

int cb_step_tell_group(cb_step *s, const subject *sj, const cb_buf *before,
                       const cb_str *name_before, const cb_person *after)
{
    char key[CB_GROUP_KEY_LEN + 1];
    cb_buf now = {0}, gone = {0};
    int rc = -1;

    if (cb_step_holder_msg(sj, after, &now) != 0)
        goto out;
    rc = 0;
    if (now.len == before->len &&
        (now.len == 0 || memcmp(now.data, before->data, now.len) == 0))
        goto out;
    /* a new register name: the old name's group loses the person */
    if (before->len > 0 &&
        (now.len == 0 || !cb_name_same(name_before->s, name_before->len,
                                       after->name.s, after->name.len))) {
        if (cb_group_msg_pack_gone(sj->id, sj->id_len, &gone) != 0) {
            rc = -1;
            goto out;
        }
        cb_group_key(s->a.ids, name_before->s, name_before->len, key);
        cb_step_outbox(s, "N", key, CB_GROUP_KEY_LEN, gone.data,
                       gone.len);
    }
    if (now.len > 0) {
        cb_group_key(s->a.ids, after->name.s, after->name.len, key);
        cb_step_outbox(s, "N", key, CB_GROUP_KEY_LEN, now.data,
                       now.len);
    }
out:
    cb_buf_free(&now);
    cb_buf_free(&gone);
    return rc != 0 || s->failed ? -1 : 0;
}

/* --------------------------------------------------------------- feeds */

int cb_step_eval_feed(cb_step *s, subject *sj, cb_op *op, char *errstr,
                      size_t errstr_size)
{
    sj->lead_inputs = 0;
    sj->alert_first = s->nalerts;
    sj->nalerts = 0;
    sj->review_first = s->nreviews;
    sj->nreviews = 0;
    for (size_t i = sj->first; i != SIZE_MAX; i = s->op_next[i]) {
        char key[CB_GROUP_KEY_LEN + 1];
        cb_group_msg m;
        if (s->op_skip[i])
            continue;
        if (cb_op_decode(s->a.ops[i].data, s->a.ops[i].len, op) != 0 ||
            op->kind != CB_OP_SUSPECT ||
            cb_group_msg_unpack(op->msg, op->msg_len, &m) != 0 ||
            m.type != CB_GMSG_SUSPECT) {
            snprintf(errstr, errstr_size, "partition %d: op %zu of the "
                     "batch is not a suspect of feed %.*s", s->a.partition,
                     i, (int)sj->id_len, sj->id);
            return -1;
        }
        cb_group_key(s->a.ids, m.suspect.name.s, m.suspect.name.len, key);
        cb_step_outbox(s, "N", key, CB_GROUP_KEY_LEN, op->msg,
                       op->msg_len);
        cb_group_msg_free(&m);
    }
    return s->failed ? -1 : 0;
}

/* -------------------------------------------------------------- groups */

/* Bytes a group's verdicts point into while the group is in use. */
typedef struct kept {
    char **v;
    size_t n;
} kept;

static const char *keep(kept *k, const char *p, size_t n)
{
    char *c = malloc(n + 1);
    char **v;

    if (c == NULL)
        return NULL;
    v = realloc(k->v, (k->n + 1) * sizeof(*v));
    if (v == NULL) {
        free(c);
        return NULL;
    }
    memcpy(c, p, n);
    c[n] = '\0';
    k->v = v;
    k->v[k->n++] = c;
    return c;
}

static void kept_free(kept *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i]);
    free(k->v);
}

static int span_is(cb_span_ro a, cb_span_ro b)
{
    return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/* The id digits of a group's item. */
static void item_id(const cb_step *s, int kind, cb_span_ro subj,
                    cb_span_ro other, char id[CB_ID_DIGITS + 1])
{
    cb_str o;

    o.len = (uint8_t)(other.len < sizeof(o.s) ? other.len : sizeof(o.s));
    memcpy(o.s, other.s, o.len);
    cb_rules_review_id(s->a.ids, kind, subj.s, subj.len, &o, id);
}

/* An item for the merge with the stored one: holds, or (holds 0) one that
 * ended, looked up so that it leaves the store. */
static int push_item(cb_step *s, const cb_group_item *it, int holds)
{
    ereview *e;

    if (cb_step_push_review(s, &e) != 0)
        return -1;
    e->kind = it->kind;
    e->status = it->status;
    e->holds = holds;
    e->township = it->township;
    e->resolved = it->resolved;
    e->amount = it->amount;
    item_id(s, it->kind, it->subject, it->other, e->id);
    cb_step_put(s, it->reg_name.s, it->reg_name.len, &e->reg);
    cb_step_put(s, it->other_name.s, it->other_name.len, &e->other);
    cb_step_put(s, it->subject.s, it->subject.len, &e->subject_id);
    cb_step_put(s, it->other.s, it->other.len, &e->other_id);
    e->evidence.off = s->arena.len;
    for (size_t j = 0; j < it->nevidence; j++) {
        warg w;
        if (j > 0)
            cb_step_put(s, " ", 1, &w);
        cb_step_put(s, it->evidence[j].s, it->evidence[j].len, &w);
    }
    e->evidence.len = s->arena.len - e->evidence.off;
    e->lookup = cb_step_add_lookup(s, "rev:", e->id);
    return s->failed ? -1 : 0;
}

static void str_of(cb_str *out, cb_span_ro s)
{
    out->len = (uint8_t)(s.len < sizeof(out->s) ? s.len : sizeof(out->s));
    memcpy(out->s, s.s, out->len);
}

/* The suspects of a corrected item into the outbox, each to be produced
 * again into its feed with the candidate's number (cb_refeed.h). */
static int refeed(cb_step *s, const cb_group *g, const cb_group_item *it)
{
    char id[CB_ID_DIGITS + 2];
    cb_buf v = {0};
    int rc = 0;

    id[0] = 'R';
    item_id(s, it->kind, it->subject, it->other, id + 1);
    for (size_t i = 0; i < it->nsuspects && rc == 0; i++) {
        const cb_suspect_ref *sp = &g->suspects[it->suspects[i]];
        cb_refeed r;
        memset(&r, 0, sizeof(r));
        r.kind = sp->kind;
        str_of(&r.number, it->subject);
        str_of(&r.written, sp->written);
        str_of(&r.review_id, (cb_span_ro){id, strlen(id)});
        str_of(&r.file, sp->file);
        r.line = sp->line;
        r.record = sp->record.s;
        r.record_len = sp->record.len;
        rc = cb_refeed_pack(&r, &v);
        if (rc == 0)
            cb_step_outbox(s, "F", it->subject.s, it->subject.len,
                           v.data, v.len);
    }
    cb_buf_free(&v);
    return rc;
}

/* The numbers as written of the suspects whose candidates were asked. */
typedef struct asked {
    char (*v)[CB_IDENT_LEN];
    size_t n;
} asked;

static int was_asked(const asked *a, const char *written)
{
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->v[i], written, CB_IDENT_LEN) == 0)
            return 1;
    return 0;
}

static int add_asked(asked *a, const char *written)
{
    void *v = realloc(a->v, (a->n + 1) * sizeof(*a->v));

    if (v == NULL)
        return -1;
    a->v = v;
    memcpy(a->v[a->n++], written, CB_IDENT_LEN);
    return 0;
}

/* Every suspect whose number as written was not asked about yet (all of
 * them in a group stored before probes) has its candidates asked: a probe
 * each, keyed by the candidate's number, so that whoever has the number
 * tells the group about itself, now or once it is registered. */
static int ask_candidates(cb_step *s, const cb_group *g, asked *a)
{
    char cand[CB_GROUP_CANDIDATES_MAX][CB_IDENT_LEN + 1];

    for (size_t i = 0; i < g->nsuspects; i++) {
        const char *w = g->suspects[i].written.s;
        if (was_asked(a, w))
            continue;
        if (add_asked(a, w) != 0)
            return -1;
        size_t n = cb_group_candidates(w, cand);
        for (size_t k = 0; k < n; k++)
            cb_step_outbox(s, "O", cand[k], CB_IDENT_LEN, CB_OWN_PROBE,
                           CB_OWN_PROBE_LEN);
    }
    return s->failed ? -1 : 0;
}

int cb_step_eval_group(cb_step *s, subject *sj, cb_op *op, cb_buf *enc,
                       char *errstr, size_t errstr_size)
{
    cb_group g;
    cb_group_items before = {0}, after = {0};
    kept k = {0};
    asked a = {NULL, 0};
    cb_group_verdict *fixes = NULL; /* the corrections of this step */
    size_t nfixes = 0;
    int rc = -1;

    sj->lead_inputs = 0;
    sj->alert_first = s->nalerts;
    sj->nalerts = 0;
    sj->review_first = s->nreviews;
    cb_group_init(&g);
    if (sj->state_len >= 0 &&
        cb_group_decode(s->a.forms, sj->state, (size_t)sj->state_len,
                        &g) != 0) {
        snprintf(errstr, errstr_size, "partition %d: the state of group "
                 "%.*s does not decode", s->a.partition, (int)sj->id_len,
                 sj->id);
        return -1;
    }
    if (cb_group_items_of(&g, &before) != 0)
        goto nomem;
    for (size_t i = 0; g.probed && i < g.nsuspects; i++)
        if (add_asked(&a, g.suspects[i].written.s) != 0)
            goto nomem;
    for (size_t i = sj->first; i != SIZE_MAX; i = s->op_next[i]) {
        if (s->op_skip[i])
            continue;
        if (cb_op_decode(s->a.ops[i].data, s->a.ops[i].len, op) != 0)
            goto malformed;
        if (op->kind == CB_OP_GROUP) {
            cb_group_msg m;
            if (cb_group_msg_unpack(op->msg, op->msg_len, &m) != 0)
                goto malformed;
            int r = cb_group_apply(&g, &m);
            cb_group_msg_free(&m);
            if (r != 0)
                goto nomem;
        } else if (op->kind == CB_OP_REVIEW) {
            /* a group's item names its two numbers: "SUBJECT|OTHER" */
            const char *bar = memchr(op->other.s, '|', op->other.len);
            cb_group_verdict v;
            char id[CB_ID_DIGITS + 1];
            if (bar == NULL)
                goto malformed;
            size_t n1 = (size_t)(bar - op->other.s);
            v.kind = op->rkind;
            v.verdict = op->verdict;
            v.at = op->at;
            v.subject.s = keep(&k, op->other.s, n1);
            v.subject.len = n1;
            v.other.s = keep(&k, bar + 1, op->other.len - n1 - 1);
            v.other.len = op->other.len - n1 - 1;
            if (v.subject.s == NULL || v.other.s == NULL ||
                cb_group_decide(&g, &v) != 0)
                goto nomem;
            item_id(s, v.kind, v.subject, v.other, id);
            cb_step_write_verdict(s, id, op);
            if (v.verdict == CB_VERDICT_CORRECT) {
                void *p = realloc(fixes, (nfixes + 1) * sizeof(*fixes));
                if (p == NULL)
                    goto nomem;
                fixes = p;
                fixes[nfixes++] = v;
            }
        } else {
            goto malformed;
        }
    }
    if (ask_candidates(s, &g, &a) != 0)
        goto nomem;
    if (g.nholders == 0 && g.nsuspects == 0 && g.nverdicts == 0) {
        cb_step_delete_state(s, sj);
    } else {
        if (cb_group_encode(s->a.forms, &g, enc) != 0)
            goto nomem;
        cb_step_write_state(s, sj, enc);
    }
    if (cb_group_items_of(&g, &after) != 0)
        goto nomem;
    for (size_t i = 0; i < after.n; i++)
        if (push_item(s, &after.v[i], 1) != 0)
            goto nomem;
    for (size_t i = 0; i < before.n; i++) {
        int still = 0;
        for (size_t j = 0; j < after.n && !still; j++)
            still = before.v[i].kind == after.v[j].kind &&
                    span_is(before.v[i].subject, after.v[j].subject) &&
                    span_is(before.v[i].other, after.v[j].other);
        if (!still && push_item(s, &before.v[i], 0) != 0)
            goto nomem;
    }
    for (size_t f = 0; f < nfixes; f++)
        for (size_t j = 0; j < after.n; j++)
            if (after.v[j].kind == CB_REVIEW_PROBABLE_TYPO &&
                fixes[f].kind == CB_REVIEW_PROBABLE_TYPO &&
                span_is(fixes[f].subject, after.v[j].subject) &&
                span_is(fixes[f].other, after.v[j].other) &&
                refeed(s, &g, &after.v[j]) != 0)
                goto nomem;
    sj->nreviews = s->nreviews - sj->review_first;
    rc = s->failed ? -1 : 0;
    if (rc != 0)
        snprintf(errstr, errstr_size, "out of memory for a step");
    goto out;
malformed:
    snprintf(errstr, errstr_size, "partition %d: an op of group %.*s is "
             "malformed", s->a.partition, (int)sj->id_len, sj->id);
    goto out;
nomem:
    snprintf(errstr, errstr_size, "out of memory for a step");
out:
    cb_group_items_free(&before);
    cb_group_items_free(&after);
    cb_group_free(&g);
    free(fixes);
    free(a.v);
    kept_free(&k);
    return rc;
}
