/* cb_rules.h -- what a subject's state means on a day: its lead (open,
 * or closed by a fact), the next day that outcome can change with no event
 * (a timer), a person's duplicate-claim alerts, which of a person's death
 * notices apply and the review items the person's names make (RULES.md
 * 9.3), and what the matcher does
 * around them by the rules' text: what a team's decision does to a lead,
 * how a lead that leaves the store is last heard of, the text of lead and
 * alert ids, the window of facts kept.
 * docs/RULES.md says what; gen/cb_truth*.c are an independent
 * reference of the same rules over a whole county, and the tests hold the
 * two to each other.  The rules' numbers are core/cb_policy.h's; their
 * reasons, priorities, statuses, closing reasons, alert kinds and
 * decisions are core/cb_record.h's enums.
 *
 * Pure functions of a decoded state (cb_state.h) and a day; they neither
 * read nor write Redis.  Days are days since 1970-01-01 (UTC+08:00). */
#ifndef CB_RULES_H
#define CB_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "cb_idkey.h"
#include "cb_record.h"
#include "cb_group.h"
#include "cb_state.h"

/* A subject's lead as the rules make it on a day (before any team
 * decision: cb_rules_decide). */
typedef struct cb_rule_lead {
    int kind;      /* cb_subject_kind */
    int reason;    /* cb_lead_reason */
    int priority;  /* cb_priority */
    int status;    /* cb_lead_status */
    int closed;    /* cb_closed_reason, -1 while not closed */
    int32_t closed_at; /* -1 while not closed */
    int64_t township;
    int32_t since;  /* the episode's start: arrival, establishment */
    int32_t opened;
    cb_str name;
    cb_str source;  /* source_event_id (RULES.md 5): the event behind the
                       fact that decided the status, "timer:YYYY-MM-DD",
                       "review:confirm:YYYY-MM-DD" or, once decided,
                       "decision:<d>:YYYY-MM-DD"; "" when the state does
                       not know that event's id (a state packed before
                       ids were kept) */
} cb_rule_lead;

/* The person's lead on day `today`: 1 and *lead, or 0 when none. */
int cb_rules_person_lead(const cb_person *p, int32_t today,
                         cb_rule_lead *lead);

/* The next day after today on which the person's outcome can change with
 * no event, or -1. */
int32_t cb_rules_person_next(const cb_person *p, int32_t today);

int cb_rules_employer_lead(const cb_employer *e, int32_t today,
                           cb_rule_lead *lead);
int32_t cb_rules_employer_next(const cb_employer *e, int32_t today);

/* One alert a person's facts make.  evidence points at event ids owned by
 * the person (its deaths and facts): valid while the person is. */
typedef struct cb_rule_alert {
    int kind;
    char period[8]; /* "YYYY-MM", "YYYY" or "" */
    int64_t amount;
    int64_t township;
    const cb_str **evidence; /* in byte order */
    size_t nevidence;
} cb_rule_alert;

typedef struct cb_rule_alerts {
    cb_rule_alert *v;
    size_t n, cap;
} cb_rule_alerts;

/* The alerts of a person, appended to *out (which the caller initialises
 * to zeros and frees with cb_rule_alerts_free).  Returns 0, or -1 out of
 * memory. */
int cb_rules_person_alerts(const cb_person *p, cb_rule_alerts *out);

void cb_rule_alerts_free(cb_rule_alerts *a);

/* ---------------------------------------- death notices, review items */

/* Whether a death notice of the person applies (RULES.md 9.3): it names
 * nobody, the person has no register name, its name is the register name
 * (their normal forms are equal), or a reviewer confirmed its
 * death_unconfirmed item.  Only applied notices make the death (the
 * earliest date_of_death of them) that leads and alerts see, and only
 * they are an alert's "every death notice". */
int cb_rules_notice_applies(const cb_person *p, const cb_notice *n);

/* A review item a person's state makes: one per kind and normal form of
 * another name, from the death notices' names (death_unconfirmed) and the
 * aliases (name_mismatch).  Pointers are into the person: valid while it
 * is. */
typedef struct cb_rule_review {
    int kind;            /* cb_review_kind */
    int holds;           /* 1: the item exists; 0: a name the person was
                            given makes none (no register name, or the
                            register name's own): not in the store */
    int status;          /* cb_review_status, from the standing verdict */
    int64_t resolved_at; /* when that verdict was given (ms), CB_TIME_NONE
                            while open */
    int64_t township;    /* the stay's, the leaving row's, else (a death
                            notice's item) the evidence row's of the
                            smallest id; 0: none.  An item that holds has
                            a household row, so a stay or a leaving row */
    const cb_str *other;    /* the other name's normal form */
    const cb_str *written;  /* as written in the evidence row of the
                               smallest id: names are "register|written" */
    const cb_str **evidence; /* event ids, in byte order */
    size_t nevidence;
} cb_rule_review;

typedef struct cb_rule_reviews {
    cb_rule_review *v;
    size_t n, cap;
} cb_rule_reviews;

/* Every item the person's names could make, whether it holds or not (so
 * that one that stopped holding can leave the store), appended to *out
 * (initialised to zeros by the caller, freed with cb_rule_reviews_free).
 * The register name is p->name.  Returns 0, or -1 out of memory. */
int cb_rules_person_reviews(const cb_person *p, cb_rule_reviews *out);

void cb_rule_reviews_free(cb_rule_reviews *r);

/* ------------------------------------------------ around the rules */

/* Whether an op (kind CB_OP_*; fact_kind CB_FACT_* for a fact op) can
 * change its person's lead: every op but a contribution, which feeds only
 * alerts (so a step need not read the lead). */
int cb_rules_op_may_change_lead(int op_kind, int fact_kind);

/* Whether an op (kind CB_OP_*) can change its person's review items: the
 * household rows (the register name, the township), death notices,
 * assistance rows, ownership changes (a representative's name) and
 * verdicts. */
int cb_rules_op_may_change_reviews(int op_kind);

/* A person with a register name as its name's group knows it (cb_group.h,
 * RULES.md 9.3): its number (id, 18 characters, kept by the caller), its
 * register name, its township as for alerts, whether the latest row of a
 * basic pension says enrolled; with with_facts its basic-pension facts
 * too, which the group never keeps (a duplicate_identity pair's amount is
 * read from the two states where the item is read, cb_store.h).  Strings
 * point into p and id; facts are allocated (free h->facts).  Returns 1
 * with *h, 0 for a person without a register name (nothing to tell), -1
 * out of memory. */
int cb_rules_person_holder(const cb_person *p, const char *id,
                           int with_facts, cb_holder *h);

/* Whether the group of the person's name must hear of the person
 * described by h (cb_rules_person_holder): `duplicate_identity` pairs
 * only holders of an active pension, and `probable_typo` needs only the
 * persons one typing slip from a suspect's number, whom the group asks
 * (p->probed).  Anyone else tells the group nothing, which spares a
 * message, its step and its bytes in the group for most new residents. */
int cb_rules_group_needs(const cb_person *p, const cb_holder *h);

/* Whether a team's decision applies to the lead: only an open lead takes
 * one (RULES.md 5 and 7). */
int cb_rules_takes_decision(const cb_rule_lead *lead);

/* A team's decision (cb_decision) taken on `day`, applied to the lead
 * when it takes one: contacted and refused set its status, enrolled and
 * invalid close it with that closed_reason on that day, and its source
 * becomes "decision:<d>:YYYY-MM-DD".  Anything else leaves it as it
 * is. */
void cb_rules_decide(cb_rule_lead *lead, int decision, int32_t day);

/* The closed_reason a stored lead (of `township`) is last heard of with
 * when it is not closed and stops being the subject's lead (RULES.md 5):
 * next is the subject's new lead (of another id), or NULL when the subject
 * has none any more.  moved_out when the new lead is in another township,
 * else invalid. */
int cb_rules_end_reason(int64_t township, const cb_rule_lead *next);

/* The id digits of a lead (its letter 'L' is the caller's): keyed by ids,
 * over the subject (the ID number or USCC, subject_len bytes), the kind,
 * township and start of the lead's episode (cb_idkey_lead). */
void cb_rules_lead_id(const cb_idkey *ids, const cb_rule_lead *lead,
                      const char *subject, size_t subject_len,
                      char out[CB_ID_DIGITS + 1]);

/* The id digits of an alert (letter 'A') of kind (cb_alert_kind) and
 * period ("" for none) about the subject (cb_idkey_alert). */
void cb_rules_alert_id(const cb_idkey *ids, int kind, const char *subject,
                       size_t subject_len, const char *period,
                       char out[CB_ID_DIGITS + 1]);

/* The id digits of a review item (letter 'R') of kind (cb_review_kind)
 * about the subject (an 18-digit ID number), other its other name's normal
 * form (cb_idkey_review). */
void cb_rules_review_id(const cb_idkey *ids, int kind, const char *subject,
                        size_t subject_len, const cb_str *other,
                        char out[CB_ID_DIGITS + 1]);

/* Drops the person's payment facts that fall out of the window kept on
 * `today` (CB_FACT_WINDOW_MONTHS before today's month). */
void cb_rules_forget_old_facts(cb_person *p, int32_t today);

#endif
