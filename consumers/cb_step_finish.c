/* cb_step_finish.c -- the end of a step's evaluation: the leads, alerts
 * and review items the rules made, merged with what the store holds (read
 * in the lookups), become the commit's writes: a changed lead with its
 * indexes and outbox entry (and the old one heard of closed), alerts that
 * appear or grow (or leave with the death behind them), review items that
 * appear, change or leave, timers, the applied offsets.  Apart from the
 * phases because it is what the store's keys and the topics' changelogs
 * hold. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_alertrec.h"
#include "cb_decisionrec.h"
#include "cb_leadrec.h"
#include "cb_reviewrec.h"
#include "cb_step_int.h"

/* -------------------------------------------------------------- leads */

static void str_set(cb_str *d, const char *p, size_t n)
{
    if (n > sizeof(d->s))
        n = sizeof(d->s);
    memcpy(d->s, p, n);
    d->len = (uint8_t)n;
}

static const redisReply *looked(const cb_step *s, long i)
{
    const redisReply *r;

    if (i < 0 || (size_t)i >= s->nlooked)
        return NULL;
    r = s->looked[i];
    return r != NULL && r->type == REDIS_REPLY_STRING ? r : NULL;
}

static void write_lead_out(cb_step *s, const cb_leadrec *l)
{
    cb_buf b = {0};

    if (cb_leadrec_encode(NULL, l, 1, &b) != 0) {
        s->failed = 1;
        return;
    }
    cb_step_outbox(s, "L", NULL, 0, b.data, b.len);
    cb_buf_free(&b);
}

static void tw_rest(char *buf, size_t size, int64_t tw)
{
    snprintf(buf, size, ":%" PRId64, tw);
}

/* ":<b>", the bucket of a subject's lead and timer keys. */
static void side_rest(const cb_step *s, char *buf, size_t size,
                      const subject *sj)
{
    snprintf(buf, size, ":%u",
             cb_side_bucket(sj->id, sj->id_len, s->a.side_buckets));
}

/* ":<b>", the bucket of a lead id's cb:lid entry, and into field the
 * entry's field: the id's digits as bytes (cb_id_to_bytes). */
static void lid_rest(cb_step *s, char *buf, size_t size, const char *id,
                     unsigned char field[CB_ID_DIGITS / 2])
{
    snprintf(buf, size, ":%u", cb_lid_bucket(id, s->a.side_buckets));
    if (cb_id_to_bytes(id, field) != 0)
        s->failed = 1; /* the rules' ids are lower-case hex */
}

/* The source_event_id of a lead the rules made (L, decision applied):
 * theirs, a function of the state (RULES.md 5).  A state packed before
 * the event ids behind its slots were kept cannot name the event: then
 * the stored lead of the same id (old, or NULL) keeps the source it has,
 * until a row of that slot comes. */
static cb_str lead_source(const cb_rule_lead *L, const cb_leadrec *old,
                          const char *id)
{
    if (L->source.len == 0 && old != NULL &&
        memcmp(old->id, id, CB_ID_DIGITS) == 0)
        return old->source;
    return L->source;
}

/* Stores the subject's lead if it changed, with its indexes, and puts the
 * change in the outbox.  Returns 1 when it changed. */
static int finish_lead(cb_step *s, subject *sj)
{
    cb_leadrec o, n;
    int has_old = sj->lead_len >= 0 &&
                  cb_leadrec_decode(s->a.forms, sj->lead,
                                    (size_t)sj->lead_len, sj->id, sj->id_len,
                                    &o) == 0;
    char rest[32], num[24], side[16], lb[16];
    unsigned char lid[CB_ID_DIGITS / 2];

    side_rest(s, side, sizeof(side), sj);
    if (!sj->has_lead) {
        if (!has_old)
            return 0;
        /* no longer a lead: it leaves the store; the topic hears it closed */
        cb_step_write2(s, "D", "lead:", side, sj->key, sj->key_len);
        sj->lead_new = 2;
        lid_rest(s, lb, sizeof(lb), o.id, lid);
        cb_step_write2(s, "D", "lid:", lb, (const char *)lid,
                       sizeof(lid));
        tw_rest(rest, sizeof(rest), o.township);
        cb_step_write2(s, "R", "lt:", rest, sj->key, sj->key_len);
        if (o.status != CB_STATUS_CLOSED) {
            o.status = CB_STATUS_CLOSED;
            o.closed = cb_rules_end_reason(o.township, NULL);
            o.closed_at = s->a.today;
            str_set(&o.subject_id, sj->id, sj->id_len);
            /* its source stays that of the lead it was */
            write_lead_out(s, &o);
        }
        return 1;
    }
    /* a team's decision on this lead id, if the lead takes one: this
     * step's, else one stored earlier */
    cb_rule_lead L = sj->L;
    if (cb_rules_takes_decision(&L)) {
        const redisReply *d = looked(s, sj->dec_lookup);
        cb_decisionrec stored;
        if (sj->has_decision)
            cb_rules_decide(&L, sj->decision, sj->decision_day);
        else if (d != NULL &&
                 cb_decisionrec_decode(d->str, d->len, &stored) == 0)
            cb_rules_decide(&L, stored.decision, stored.day);
    }
    memset(&n, 0, sizeof(n));
    memcpy(n.id, sj->lead_id, sizeof(n.id));
    n.kind = L.kind;
    n.reason = L.reason;
    n.priority = L.priority;
    n.status = L.status;
    n.closed = L.closed;
    n.township = L.township;
    n.opened = L.opened;
    n.closed_at = L.closed_at;
    n.name = L.name;
    str_set(&n.subject_id, sj->id, sj->id_len);
    n.source = lead_source(&L, has_old ? &o : NULL, n.id);
    if (has_old && memcmp(o.id, n.id, CB_ID_DIGITS) == 0 && o.reason == n.reason &&
        o.priority == n.priority && o.status == n.status &&
        o.closed == n.closed && o.township == n.township &&
        o.opened == n.opened && o.closed_at == n.closed_at &&
        cb_str_cmp(&o.name, &n.name) == 0 &&
        cb_str_cmp(&o.source, &n.source) == 0)
        return 0;
    cb_buf v = {0};
    if (cb_leadrec_encode(s->a.forms, &n, 0, &v) != 0) {
        s->failed = 1;
        return 0;
    }
    cb_step_write3(s, "H", "lead:", side, sj->key, sj->key_len, v.data,
                   v.len);
    if (s->grouped[G_LEAD_H].n > 0) {
        sj->new_lead = s->grouped[G_LEAD_H].v[s->grouped[G_LEAD_H].n - 1];
        sj->lead_new = 1;
    }
    if (has_old && memcmp(o.id, n.id, CB_ID_DIGITS) != 0) {
        lid_rest(s, lb, sizeof(lb), o.id, lid);
        cb_step_write2(s, "D", "lid:", lb, (const char *)lid,
                       sizeof(lid));
        /* a new episode replaces the lead: the topic hears the old one
         * closed, moved_out when the subject's township changed */
        if (o.status != CB_STATUS_CLOSED) {
            o.status = CB_STATUS_CLOSED;
            o.closed_at = s->a.today;
            o.closed = cb_rules_end_reason(o.township, &L);
            str_set(&o.subject_id, sj->id, sj->id_len);
            o.source = n.source; /* the lead that replaces it says why */
            write_lead_out(s, &o);
        }
    }
    if (has_old && o.township != n.township) {
        tw_rest(rest, sizeof(rest), o.township);
        cb_step_write2(s, "R", "lt:", rest, sj->key, sj->key_len);
    }
    lid_rest(s, lb, sizeof(lb), n.id, lid);
    cb_step_write3(s, "H", "lid:", lb, (const char *)lid, sizeof(lid),
                   sj->key, sj->key_len);
    tw_rest(rest, sizeof(rest), n.township);
    cb_step_write3(s, "Z", "lt:", rest, num,
                   cb_step_fmt_int(num, sizeof(num), n.opened), sj->key,
                   sj->key_len);
    cb_buf_free(&v);
    write_lead_out(s, &n); /* whole: the topic's reader has no key */
    return 1;
}

/* ------------------------------------------------------------- alerts */

/* Event ids: spans of text, sorted bytewise. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);

    if (c != 0)
        return c;
    return (x->n > y->n) - (x->n < y->n);
}

/* Splits space-separated ids (any ASCII white space) into v[*n..]. */
static void split_ids(const char *p, size_t len, span *v, size_t *n)
{
    size_t i = 0;

    while (i < len) {
        while (i < len && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
            i++;
        size_t j = i;
        while (j < len && !(p[j] == ' ' || (p[j] >= '\t' && p[j] <= '\r')))
            j++;
        if (j > i) {
            v[*n].p = p + i;
            v[(*n)++].n = j - i;
        }
        i = j;
    }
}

/* The union of the stored evidence and the new, sorted, into out. */
static int merge_evidence(const char *old, size_t old_len, const char *neu,
                          size_t neu_len, cb_buf *out)
{
    size_t cap = (old_len + neu_len) / 2 + 2, n = 0, k = 0;
    span *v = malloc(cap * sizeof(*v));

    if (v == NULL)
        return -1;
    split_ids(old, old_len, v, &n);
    split_ids(neu, neu_len, v, &n);
    qsort(v, n, sizeof(*v), span_cmp);
    out->len = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && span_cmp(&v[i], &v[k - 1]) == 0)
            continue;
        v[k++] = v[i];
        if ((out->len > 0 && cb_buf_append(out, " ", 1) != 0) ||
            cb_buf_append(out, v[i].p, v[i].n) != 0) {
            free(v);
            return -1;
        }
    }
    free(v);
    return 0;
}

static void write_alert_out(cb_step *s, const char *type, const char *id,
                            const char *v, size_t len)
{
    cb_step_outbox(s, type, id, strlen(id), v, len);
}

/* Whether the space-separated ids a[0..alen) and b[0..blen) share one. */
static int ids_meet(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0;

    while (i < alen) {
        size_t j = i;
        while (j < alen && a[j] != ' ')
            j++;
        for (size_t k = 0; k < blen;) {
            size_t m = k;
            while (m < blen && b[m] != ' ')
                m++;
            if (m - k == j - i && j > i && memcmp(a + i, b + k, j - i) == 0)
                return 1;
            k = m + 1;
        }
        i = j + 1;
    }
    return 0;
}

static int is_death_alert(int kind)
{
    return kind == CB_ALERT_PAID_AFTER_DEATH ||
           kind == CB_ALERT_ACTIVE_AFTER_DEATH;
}

/* Merges the computed alerts into the store: evidence only grows, amounts
 * only rise, and an active_after_death that no longer holds leaves.  A
 * death alert whose stored evidence names a notice that no longer applies
 * (docs/RULES.md 9.3: a register name came that disagrees) is of another
 * death: it is replaced, not merged, and leaves when the rules no longer
 * make it.  Returns how many changed. */
static int finish_alerts(cb_step *s, subject *sj)
{
    int changed = 0;
    cb_buf ev = {0}, v = {0};
    char rest[32], num[24];

    for (size_t i = sj->alert_first; i < sj->alert_first + sj->nalerts; i++) {
        ealert *e = &s->alerts[i];
        const redisReply *old = looked(s, e->lookup);
        cb_alertrec o;
        int has_old = old != NULL &&
                      cb_alertrec_decode(old->str, old->len, &o) == 0;
        int stale = has_old && is_death_alert(e->kind) &&
                    ids_meet(o.evidence, o.evidence_len,
                             s->arena.data + sj->unapplied.off,
                             sj->unapplied.len);
        if (e->withdraw) {
            if (!has_old ||
                (e->withdraw == WITHDRAW_IF_DEATH_GONE && sj->death_applies &&
                 !stale))
                continue;
            cb_step_write2(s, "D", "alert:", "", e->id, CB_ID_DIGITS);
            tw_rest(rest, sizeof(rest), o.township);
            cb_step_write2(s, "R", "at:", rest, e->id, CB_ID_DIGITS);
            if (o.township != 0)
                write_alert_out(s, "X", e->id, old->str, old->len);
            changed++;
            continue;
        }
        double raised = (double)s->a.now_ms;
        int64_t amount = e->amount;
        const char *evp = s->arena.data + e->ev_off;
        size_t evn = e->ev_len;
        if (has_old)
            raised = o.raised;
        if (has_old && !stale) {
            if (o.amount > amount)
                amount = o.amount;
            if (merge_evidence(o.evidence, o.evidence_len,
                               s->arena.data + e->ev_off, e->ev_len,
                               &ev) != 0)
                goto nomem;
            evp = ev.data;
            evn = ev.len;
        }
        cb_alertrec a;
        a.kind = e->kind;
        str_set(&a.subject_id, sj->id, sj->id_len);
        a.township = e->township;
        str_set(&a.period, e->period, strlen(e->period));
        a.amount = amount;
        a.evidence = evp;
        a.evidence_len = evn;
        if (a.evidence_len > CB_ALERTREC_EVIDENCE_MAX)
            a.evidence_len = CB_ALERTREC_EVIDENCE_MAX; /* cannot happen: 12
                                                          months of facts */
        a.raised = raised;
        if (cb_alertrec_encode(&a, &v) != 0)
            goto nomem;
        if (has_old && old->len == v.len &&
            memcmp(old->str, v.data, v.len) == 0)
            continue;
        cb_step_write3(s, "H", "alert:", "", e->id, CB_ID_DIGITS, v.data, v.len);
        if (has_old && o.township != e->township) {
            /* the person's township changed: the old list loses it */
            tw_rest(rest, sizeof(rest), o.township);
            cb_step_write2(s, "R", "at:", rest, e->id, CB_ID_DIGITS);
            if (o.township != 0)
                write_alert_out(s, "X", e->id, old->str, old->len);
        }
        tw_rest(rest, sizeof(rest), e->township);
        cb_step_write3(s, "Z", "at:", rest, num,
                       cb_step_fmt_int(num, sizeof(num),
                                       (int64_t)(raised / 86400000.0)),
                       e->id, CB_ID_DIGITS);
        /* the alert topic's consumers list alerts by township: an alert
         * whose township no row has named yet waits in the store until
         * one does */
        if (e->township != 0)
            write_alert_out(s, "A", e->id, v.data, v.len);
        changed++;
    }
    cb_buf_free(&ev);
    cb_buf_free(&v);
    return changed;
nomem:
    s->failed = 1;
    cb_buf_free(&ev);
    cb_buf_free(&v);
    return changed;
}

/* ------------------------------------------------------- review items */

/* The computed review items into the store: one that holds is written
 * when it is new or changed (raised_at kept from the stored one), one
 * that no longer holds leaves, with its township index entry. */
static void finish_reviews(cb_step *s, subject *sj)
{
    cb_buf v = {0};
    char rest[32], num[24];

    for (size_t i = sj->review_first; i < sj->review_first + sj->nreviews;
         i++) {
        const ereview *e = &s->reviews[i];
        const redisReply *old = looked(s, e->lookup);
        cb_reviewrec o, n;
        int has_old = old != NULL &&
                      cb_reviewrec_decode(old->str, old->len, &o) == 0;
        if (!e->holds) {
            if (!has_old)
                continue;
            cb_step_write2(s, "D", "rev:", "", e->id, CB_ID_DIGITS);
            tw_rest(rest, sizeof(rest), o.township);
            cb_step_write2(s, "R", "rt:", rest, e->id, CB_ID_DIGITS);
            continue;
        }
        memset(&n, 0, sizeof(n));
        n.kind = e->kind;
        n.status = e->status;
        if (e->subject_id.len > 0) {
            str_set(&n.subject_id, s->arena.data + e->subject_id.off,
                    e->subject_id.len);
            str_set(&n.other_id, s->arena.data + e->other_id.off,
                    e->other_id.len);
        } else {
            str_set(&n.subject_id, sj->id, sj->id_len);
        }
        n.amount = e->amount;
        n.township = e->township;
        str_set(&n.register_name, s->arena.data + e->reg.off, e->reg.len);
        str_set(&n.other_name, s->arena.data + e->other.off, e->other.len);
        n.evidence = s->arena.data + e->evidence.off;
        n.evidence_len = e->evidence.len;
        if (n.evidence_len > CB_REVIEWREC_EVIDENCE_MAX)
            n.evidence_len = CB_REVIEWREC_EVIDENCE_MAX; /* cannot happen:
                                                           255 ids */
        n.raised = has_old ? o.raised : s->a.now_ms;
        n.resolved = e->resolved;
        if (cb_reviewrec_encode(&n, &v) != 0) {
            s->failed = 1;
            break;
        }
        if (has_old && old->len == v.len &&
            memcmp(old->str, v.data, v.len) == 0)
            continue;
        cb_step_write3(s, "H", "rev:", "", e->id, CB_ID_DIGITS, v.data, v.len);
        if (has_old && o.township != n.township) {
            tw_rest(rest, sizeof(rest), o.township);
            cb_step_write2(s, "R", "rt:", rest, e->id, CB_ID_DIGITS);
        }
        tw_rest(rest, sizeof(rest), n.township);
        cb_step_write3(s, "Z", "rt:", rest, num,
                       cb_step_fmt_int(num, sizeof(num),
                                       cb_date_of_time(n.raised)),
                       e->id, CB_ID_DIGITS);
    }
    cb_buf_free(&v);
}

/* ----------------------------------------------------------- the step */

/* The timers go in the subjects' buckets (cb_timers.h). */
void cb_step_finish(cb_step *s)
{
    char num[24], side[16];

    for (size_t i = 0; i < s->nsubjects; i++) {
        subject *sj = &s->subjects[i];
        if (!sj->active)
            continue;
        s->counts.alerts_changed += finish_alerts(s, sj);
        finish_reviews(s, sj);
        if (!sj->lead_inputs)
            continue;
        s->counts.leads_changed += finish_lead(s, sj);
        side_rest(s, side, sizeof(side), sj);
        if (sj->next_day >= 0 && sj->next_day <= s->a.today + s->a.horizon) {
            cb_step_write3(s, "Z", "tm:", side, num,
                           cb_step_fmt_int(num, sizeof(num), sj->next_day),
                           sj->key, sj->key_len);
        } else {
            cb_step_write2(s, "R", "tm:", side, sj->key, sj->key_len);
        }
    }
    /* the applied positions, with the state they cover */
    for (size_t i = 0; i < s->a.noffsets; i++) {
        int t = s->a.topics[i];
        if (t < 0 || t >= CB_TOPIC_COUNT)
            continue;
        if (s->stored[t] < 0 || s->a.next[i] > s->stored[t]) {
            char topic[8];
            cb_step_write3(s, "H", "off:", "", topic,
                           cb_step_fmt_int(topic, sizeof(topic), t), num,
                           cb_step_fmt_int(num, sizeof(num), s->a.next[i]));
        }
    }
}
