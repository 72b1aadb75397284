/* cb_step_eval.c -- the middle of a step: each subject's ops applied to
 * its state (cb_state.h), the state written if it changed, and the rules
 * asked (cb_rules.h) for its lead, its timer, its alerts and its review
 * items; what needs the stored alerts, review items and decisions is
 * queued as lookups for round 2.  Apart from the phases because it is
 * where the step meets the rules. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_ident.h"
#include "cb_decisionrec.h"
#include "cb_name.h"
#include "cb_ops.h"
#include "cb_step_int.h"

/* ------------------------------------------------------- applying ops */

static int64_t reply_int(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10)
                                         : r->integer;
}

/* The ops already applied (at offsets below Redis's) are skipped. */
static void mark_skips(cb_step *s)
{
    int64_t upto[CB_TOPIC_COUNT];

    for (int t = 0; t < CB_TOPIC_COUNT; t++)
        s->stored[t] = -1;
    if (s->offsets && s->offsets->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < s->offsets->elements; i += 2) {
            int64_t t = reply_int(s->offsets->element[i]);
            if (t >= 0 && t < CB_TOPIC_COUNT)
                s->stored[t] = reply_int(s->offsets->element[i + 1]);
        }
    memcpy(upto, s->stored, sizeof(upto));
    for (size_t i = 0; i < s->nsubjects; i++)
        s->subjects[i].active = 0;
    for (size_t i = 0; i < s->a.nops; i++) {
        cb_op_head h;
        /* cb_step_new read every head already */
        cb_op_read_head(s->a.ops[i].data, s->a.ops[i].len, &h);
        s->op_skip[i] = h.offset >= 0 && upto[h.topic] >= 0 &&
                        h.offset < upto[h.topic];
        if (s->op_skip[i]) {
            s->counts.skipped++;
            continue;
        }
        if (h.offset >= 0)
            upto[h.topic] = h.offset + 1;
        s->counts.applied++;
        s->subjects[s->op_subject[i]].active = 1;
    }
}

static int push_alert(cb_step *s, ealert **out)
{
    if (s->nalerts == s->alerts_cap) {
        size_t cap = s->alerts_cap ? s->alerts_cap * 2 : 64;
        ealert *v = realloc(s->alerts, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->alerts = v;
        s->alerts_cap = cap;
    }
    *out = &s->alerts[s->nalerts++];
    memset(*out, 0, sizeof(**out));
    (*out)->lookup = -1;
    return 0;
}

long cb_step_add_lookup(cb_step *s, const char *what, const char *field)
{
    cb_step_fmt(s, &s->lookups, "cb:%s%s", what, s->tag);
    cb_step_str(s, &s->lookups, field);
    return (long)(s->lookups.n / 2 - 1);
}

/* An alert of the person's the rules no longer make, looked up to leave
 * the store (finish_alerts says whether it does). */
static int withdraw_alert(cb_step *s, subject *sj, int kind, int how)
{
    ealert *e;

    if (push_alert(s, &e) != 0)
        return -1;
    e->kind = kind;
    e->withdraw = how;
    cb_rules_alert_id(s->a.ids, kind, sj->id, sj->id_len, "", e->id);
    e->lookup = cb_step_add_lookup(s, "alert:", e->id);
    return 0;
}

/* Whether a death notice of the person applies, and the ids of those that
 * do not, for finish_alerts: an alert of a death that names one of them
 * is of a death no longer so. */
static void eval_deaths(cb_step *s, subject *sj, const cb_person *p)
{
    sj->death_applies = 0;
    sj->unapplied.off = s->arena.len;
    sj->unapplied.len = 0;
    for (size_t i = 0; i < p->nnotices; i++) {
        warg w;
        if (cb_rules_notice_applies(p, &p->notices[i])) {
            sj->death_applies = 1;
            continue;
        }
        if (sj->unapplied.len > 0)
            cb_step_put(s, " ", 1, &w);
        cb_step_put(s, p->notices[i].eid.s, p->notices[i].eid.len, &w);
        sj->unapplied.len = s->arena.len - sj->unapplied.off;
    }
}

/* The alerts a person's state makes, kept for the merge with the stored
 * ones (looked up in round 2). */
static int eval_alerts(cb_step *s, subject *sj, const cb_person *p)
{
    cb_rule_alerts ra = {0};
    int have_active = 0, have_paid = 0;

    sj->alert_first = s->nalerts;
    if (cb_rules_person_alerts(p, &ra) != 0)
        goto nomem;
    for (size_t i = 0; i < ra.n; i++) {
        const cb_rule_alert *a = &ra.v[i];
        ealert *e;
        if (push_alert(s, &e) != 0)
            goto nomem;
        e->kind = a->kind;
        e->township = a->township;
        memcpy(e->period, a->period, sizeof(e->period));
        e->amount = a->amount;
        cb_rules_alert_id(s->a.ids, a->kind, sj->id, sj->id_len, a->period,
                          e->id);
        /* the evidence, space separated, in the arena */
        e->ev_off = s->arena.len;
        for (size_t j = 0; j < a->nevidence; j++) {
            warg w;
            if (j > 0 && cb_step_put(s, " ", 1, &w) != 0)
                goto nomem;
            if (cb_step_put(s, a->evidence[j]->s, a->evidence[j]->len,
                            &w) != 0)
                goto nomem;
        }
        e->ev_len = s->arena.len - e->ev_off;
        e->lookup = cb_step_add_lookup(s, "alert:", e->id);
        if (a->kind == CB_ALERT_ACTIVE_AFTER_DEATH)
            have_active = 1;
        if (a->kind == CB_ALERT_PAID_AFTER_DEATH)
            have_paid = 1;
    }
    eval_deaths(s, sj, p);
    if (p->nnotices > 0 && !have_active &&
        withdraw_alert(s, sj, CB_ALERT_ACTIVE_AFTER_DEATH,
                       WITHDRAW_ALWAYS) != 0)
        goto nomem;
    if (p->nnotices > 0 && !have_paid &&
        withdraw_alert(s, sj, CB_ALERT_PAID_AFTER_DEATH,
                       WITHDRAW_IF_DEATH_GONE) != 0)
        goto nomem;
    sj->nalerts = s->nalerts - sj->alert_first;
    cb_rule_alerts_free(&ra);
    return s->failed ? -1 : 0;
nomem:
    cb_rule_alerts_free(&ra);
    return -1;
}

int cb_step_push_review(cb_step *s, ereview **out)
{
    if (s->nreviews == s->reviews_cap) {
        size_t cap = s->reviews_cap ? s->reviews_cap * 2 : 64;
        ereview *v = realloc(s->reviews, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->reviews = v;
        s->reviews_cap = cap;
    }
    *out = &s->reviews[s->nreviews++];
    memset(*out, 0, sizeof(**out));
    (*out)->lookup = -1;
    return 0;
}

/* The review items a person's state makes, kept for the stored ones
 * (looked up in round 2): those that hold, and, when the register name
 * changed in this step, those it may have ended (nothing else ends an
 * item: its names stay in the state).  reg_changed: the register name's
 * normal form is not the one the step started from. */
static int eval_reviews(cb_step *s, subject *sj, const cb_person *p,
                        int reg_changed)
{
    cb_rule_reviews rr = {0};

    sj->review_first = s->nreviews;
    if (cb_rules_person_reviews(p, &rr) != 0)
        goto nomem;
    for (size_t i = 0; i < rr.n; i++) {
        const cb_rule_review *r = &rr.v[i];
        ereview *e;
        if (!r->holds && !reg_changed)
            continue;
        if (cb_step_push_review(s, &e) != 0)
            goto nomem;
        e->kind = r->kind;
        e->status = r->status;
        e->holds = r->holds;
        e->township = r->township;
        e->resolved = r->resolved_at;
        cb_rules_review_id(s->a.ids, r->kind, sj->id, sj->id_len, r->other,
                           e->id);
        cb_step_put(s, p->name.s, p->name.len, &e->reg);
        cb_step_put(s, r->written->s, r->written->len, &e->other);
        e->evidence.off = s->arena.len;
        for (size_t j = 0; j < r->nevidence; j++) {
            warg w;
            if (j > 0)
                cb_step_put(s, " ", 1, &w);
            cb_step_put(s, r->evidence[j]->s, r->evidence[j]->len, &w);
        }
        e->evidence.len = s->arena.len - e->evidence.off;
        e->lookup = cb_step_add_lookup(s, "rev:", e->id);
    }
    sj->nreviews = s->nreviews - sj->review_first;
    cb_rule_reviews_free(&rr);
    return s->failed ? -1 : 0;
nomem:
    cb_rule_reviews_free(&rr);
    return -1;
}

/* A reviewer's verdict is kept by the person's state (cb_person_apply);
 * with its reason, it is also written beside the item, in cb:rdec:{pN}
 * (cb_decisionrec: the verdict, its day, the reason), for whoever asks
 * why. */
static void write_verdict(cb_step *s, subject *sj, const cb_op *op)
{
    char id[CB_ID_DIGITS + 1];

    cb_rules_review_id(s->a.ids, op->rkind, sj->id, sj->id_len, &op->other,
                       id);
    cb_step_write_verdict(s, id, op);
}

void cb_step_write_verdict(cb_step *s, const char *id, const cb_op *op)
{
    cb_decisionrec dr = {op->verdict, cb_date_of_time(op->at), op->why,
                         op->why_len};
    cb_buf d = {0};

    if (cb_decisionrec_encode(&dr, &d) != 0)
        s->failed = 1;
    cb_step_str(s, &s->early, "H");
    cb_step_key(s, &s->early, "rdec:", "");
    cb_step_arg(s, &s->early, id, CB_ID_DIGITS);
    cb_step_arg(s, &s->early, d.data, d.len);
    cb_buf_free(&d);
}

void cb_step_write_state(cb_step *s, subject *sj, const cb_buf *enc)
{
    const char *v = sj->state;
    size_t v_len = sj->state_len > 0 ? (size_t)sj->state_len : 0;
    char rest[24];

    if (sj->state_len >= 0 && v_len == enc->len &&
        memcmp(v, enc->data, enc->len) == 0)
        return;
    rest[0] = ':';
    rest[1 + cb_resp_itoa(sj->bucket, rest + 1)] = '\0';
    cb_step_str(s, &s->states, "H");
    cb_step_key(s, &s->states, "s:", rest);
    cb_step_arg(s, &s->states, sj->key, sj->key_len);
    cb_step_arg(s, &s->states, enc->data, enc->len);
    if (s->states.n > 0) {
        sj->new_state = s->states.v[s->states.n - 1];
        sj->state_new = 1;
    }
}

void cb_step_delete_state(cb_step *s, subject *sj)
{
    char rest[24];

    if (sj->state_len < 0)
        return;
    rest[0] = ':';
    rest[1 + cb_resp_itoa(sj->bucket, rest + 1)] = '\0';
    cb_step_write2(s, "D", "s:", rest, sj->key, sj->key_len);
    sj->state_new = 2;
}

/* The outbox gets an ownership change for the person's partition. */
static void write_own_change(cb_step *s, const cb_own_change *c)
{
    cb_buf b = {0};

    if (cb_own_change_pack(c, &b) != 0) {
        s->failed = 1;
        return;
    }
    cb_step_outbox(s, "O", c->rep.s, c->rep.len, b.data, b.len);
    cb_buf_free(&b);
}

/* The last decision among the subject's ops on its lead's id, if any:
 * sj->has_decision stays 1 with it, or becomes 0. */
static void step_decision(cb_step *s, subject *sj, cb_op *op)
{
    sj->has_decision = 0;
    for (size_t i = sj->first; i != SIZE_MAX; i = s->op_next[i]) {
        cb_op_head h;
        if (s->op_skip[i] ||
            cb_op_read_head(s->a.ops[i].data, s->a.ops[i].len, &h) != 0 ||
            h.kind != CB_OP_DECIDE ||
            cb_op_decode(s->a.ops[i].data, s->a.ops[i].len, op) != 0)
            continue;
        if (op->lead_id.len == CB_ID_DIGITS &&
            memcmp(op->lead_id.s, sj->lead_id, CB_ID_DIGITS) == 0) {
            sj->has_decision = 1;
            sj->decision = op->decision;
            sj->decision_day = s->a.today;
        }
    }
}

/* Applies a subject's ops to its state, writes the state if it changed,
 * and works out its lead and alerts (finished after the lookups); a
 * person tells its name's group what changed (told: a buffer for the
 * person's holder message as found).  Groups and feeds have steps of
 * their own (cb_step_group.c). */
/* The number a person's state is packed against (cb_person_encode). */
static const char *person_id(const subject *sj)
{
    return sj->id_len == CB_IDENT_LEN ? sj->id : NULL;
}

static int eval_subject(cb_step *s, subject *sj, cb_person *p, cb_op *op,
                        cb_buf *enc, cb_buf *told, char *errstr,
                        size_t errstr_size)
{
    const char *v = sj->state;
    size_t v_len = sj->state_len > 0 ? (size_t)sj->state_len : 0;
    cb_state_key_kind kind = cb_state_key_kind_of(sj->key, sj->key_len);
    int is_employer = kind == CB_STATE_KEY_EMPLOYER;
    int has_v = sj->state_len >= 0;
    int review_inputs = 0;
    cb_employer e;
    cb_str reg_before = {0, {0}};

    if (kind == CB_STATE_KEY_GROUP)
        return cb_step_eval_group(s, sj, op, enc, errstr, errstr_size);
    if (kind == CB_STATE_KEY_FEED)
        return cb_step_eval_feed(s, sj, op, errstr, errstr_size);
    if (kind == CB_STATE_KEY_NONE) {
        snprintf(errstr, errstr_size, "a state key of %zu bytes is no "
                 "subject's", sj->key_len);
        return -1;
    }
    cb_employer_init(&e);
    sj->lead_inputs = is_employer;
    sj->has_decision = 0;
    sj->dec_lookup = -1;
    sj->nalerts = 0;
    if (is_employer) {
        if (has_v && cb_employer_decode(s->a.forms, v, v_len, &e) != 0)
            goto bad_state;
    } else {
        cb_person_free(p);
        if (has_v && cb_person_decode(s->a.forms, person_id(sj), v, v_len,
                                      p) != 0)
            goto bad_state;
        reg_before = p->name;
        if (cb_step_holder_msg(sj, p, told) != 0)
            return -1;
    }
    for (size_t i = sj->first; i != SIZE_MAX; i = s->op_next[i]) {
        if (s->op_skip[i])
            continue;
        if (cb_op_decode(s->a.ops[i].data, s->a.ops[i].len, op) != 0) {
            snprintf(errstr, errstr_size, "partition %d: op %zu of the "
                     "batch is malformed", s->a.partition, i);
            return -1;
        }
        if (cb_rules_op_may_change_lead(op->kind, op->k))
            sj->lead_inputs = 1;
        if (cb_rules_op_may_change_reviews(op->kind))
            review_inputs = 1;
        if (op->kind == CB_OP_DECIDE) {
            cb_decisionrec dr = {op->decision, s->a.today, op->why,
                                 op->why_len};
            cb_buf d = {0};
            if (cb_decisionrec_encode(&dr, &d) != 0)
                s->failed = 1;
            cb_step_str(s, &s->early, "H");
            cb_step_key(s, &s->early, "dec:", "");
            cb_step_arg(s, &s->early, op->lead_id.s, op->lead_id.len);
            cb_step_arg(s, &s->early, d.data, d.len);
            cb_buf_free(&d);
            sj->has_decision = 1; /* applied if it is this lead's */
        } else if (is_employer) {
            cb_own_change ch[CB_OWN_CHANGES_MAX];
            int nch = 0;
            cb_employer_apply(&e, op, ch, &nch);
            for (int c = 0; c < nch; c++)
                write_own_change(s, &ch[c]);
        } else {
            int progress = 0;
            if (!has_v && op->has_birth) {
                p->birth = op->birth;
                p->male = op->male;
            }
            if (cb_person_apply(p, op, &progress) != 0)
                return -1;
            if (op->kind == CB_OP_REVIEW)
                write_verdict(s, sj, op);
            if (progress) {
                int y, m, d;
                char rest[48];
                cb_date_to_ymd(op->date, &y, &m, &d);
                snprintf(rest, sizeof(rest), ":%" PRId64 ":%d", op->township,
                         y);
                cb_step_str(s, &s->early, "L");
                cb_step_key(s, &s->early, "pg:", rest);
                cb_step_fmt(s, &s->early, "%d", (int)op->date);
                cb_step_arg(s, &s->early, sj->key, sj->key_len);
            }
        }
    }
    /* the state, written if it changed */
    if (is_employer) {
        if (cb_employer_encode(s->a.forms, &e, enc) != 0)
            return -1;
    } else {
        /* facts that left the window are not kept */
        cb_rules_forget_old_facts(p, s->a.today);
        if (cb_person_encode(s->a.forms, p, person_id(sj), enc) != 0)
            return -1;
    }
    cb_step_write_state(s, sj, enc);
    if (!is_employer && cb_step_tell_group(s, sj, told, &reg_before, p) != 0)
        return -1;
    if (!is_employer && eval_alerts(s, sj, p) != 0)
        return -1;
    if (!is_employer && review_inputs &&
        eval_reviews(s, sj, p,
                     !cb_name_same(reg_before.s, reg_before.len, p->name.s,
                                   p->name.len)) != 0)
        return -1;
    if (!sj->lead_inputs)
        return 0;
    if (is_employer) {
        sj->has_lead = cb_rules_employer_lead(&e, s->a.today, &sj->L);
        sj->next_day = cb_rules_employer_next(&e, s->a.today);
    } else {
        sj->has_lead = cb_rules_person_lead(p, s->a.today, &sj->L);
        sj->next_day = cb_rules_person_next(p, s->a.today);
    }
    if (sj->has_lead) {
        char lead_id[CB_ID_DIGITS + 1];
        cb_rules_lead_id(s->a.ids, &sj->L, sj->id, sj->id_len, lead_id);
        memcpy(sj->lead_id, lead_id, sizeof(lead_id));
        /* a decision of this step counts if it is this lead's (the last
         * one); else one stored earlier, looked up */
        if (sj->has_decision)
            step_decision(s, sj, op);
        if (cb_rules_takes_decision(&sj->L) && !sj->has_decision)
            sj->dec_lookup = cb_step_add_lookup(s, "dec:", lead_id);
    }
    return s->failed ? -1 : 0;
bad_state:
    snprintf(errstr, errstr_size, "partition %d: the state of %.*s does "
             "not decode", s->a.partition, (int)sj->id_len, sj->id);
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

int cb_step_evaluate(cb_step *s, char *errstr, size_t errstr_size)
{
    cb_person *p = malloc(sizeof(*p));
    cb_op *op = malloc(sizeof(*op));
    cb_buf enc = {0}, told = {0};
    uint64_t *order = NULL;
    int rc = -1;

    if (p == NULL || op == NULL) {
        snprintf(errstr, errstr_size, "out of memory for a step");
        goto out;
    }
    cb_person_init(p);
    mark_skips(s);
    /* subjects by bucket: the states they write reach commit.lua bucket
     * by bucket, and each bucket is one call */
    order = malloc((s->nsubjects + 1) * sizeof(*order));
    if (order == NULL) {
        snprintf(errstr, errstr_size, "out of memory for a step");
        goto out;
    }
    for (size_t i = 0; i < s->nsubjects; i++)
        order[i] = (uint64_t)s->subjects[i].bucket << 32 | i;
    qsort(order, s->nsubjects, sizeof(*order), cmp_u64);
    for (size_t k = 0; k < s->nsubjects; k++) {
        subject *sj = &s->subjects[order[k] & 0xFFFFFFFFu];
        if (!sj->active)
            continue;
        errstr[0] = '\0';
        told.len = 0;
        if (eval_subject(s, sj, p, op, &enc, &told, errstr, errstr_size) !=
            0) {
            if (errstr[0] == '\0')
                snprintf(errstr, errstr_size, "out of memory for a step");
            goto out;
        }
    }
    rc = 0;
out:
    if (p != NULL)
        cb_person_free(p);
    free(p);
    free(op);
    free(order);
    cb_buf_free(&enc);
    cb_buf_free(&told);
    return rc;
}
