/* cb_rules.h -- what a subject's state means on a day: its lead (open,
 * or closed by a fact), the next day that outcome can change with no event
 * (a timer), and a person's duplicate-claim alerts.  docs/RULES.md says
 * what; gen/cb_truth*.c are an independent reference of the same
 * rules over a whole county, and the tests hold the two to each other.
 *
 * Pure functions of a decoded state (cb_state.h) and a day; they neither
 * read nor write Redis.  Days are days since 1970-01-01 (UTC+08:00). */
#ifndef CB_RULES_H
#define CB_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "cb_state.h"

/* Lead reasons, priorities, statuses and closed reasons as packed in the
 * lead store (the numbers of cb_record.h's enums). */
enum { CB_R_ASSISTED, CB_R_ELDERLY, CB_R_OWNER, CB_R_WORKING, CB_R_EMPLOYER };
enum { CB_P_HIGH, CB_P_NORMAL };
enum { CB_ST_OPEN, CB_ST_CONTACTED, CB_ST_REFUSED, CB_ST_CLOSED };
enum {
    CB_C_ENROLLED,
    CB_C_DECEASED,
    CB_C_MOVED_OUT,
    CB_C_DEREGISTERED,
    CB_C_INVALID,
    CB_C_NONE = 255
};

/* Alert kinds, in the order of cb_record.h's cb_alert_kind. */
enum {
    CB_A_PAID_AFTER,
    CB_A_DUAL_ENR,
    CB_A_DUAL_BEN,
    CB_A_DUP_SUBSIDY,
    CB_A_ACTIVE_AFTER
};

/* A subject's lead as the rules make it on a day (before any team
 * decision). */
typedef struct cb_rule_lead {
    int kind; /* 0 person, 1 employer */
    int reason, priority, status, closed;
    int32_t closed_at; /* -1 while not closed */
    int64_t township;
    int32_t since;  /* the episode's start: arrival, establishment */
    int32_t opened;
    cb_str name;
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

#endif
