/* cb_policy.h -- the numbers of docs/RULES.md, named once: the ages at
 * which a person's lead reasons start and change, the employer's days to
 * register, the pension window, how long payment facts are kept, and the
 * bits of a "latest" stamp.
 *
 * The matcher's rules (consumers/cb_rules.c, cb_state.c, cb_ops.c) and the
 * generator's ground truth (gen/cb_truth*.c) are written apart on
 * purpose, so that each checks the other; the numbers they both read are
 * here, in the core library both link, so that a change of policy is one
 * edit.  Nothing here but constants and one-line predicates. */
#ifndef CB_POLICY_H
#define CB_POLICY_H

#include "cb_record.h"

/* Ages, in whole years (cb_age_on). */
#define CB_AGE_LEADS 16     /* no person lead before (RULES.md 4, rules 1-4);
                               opened_at is never before this birthday */
#define CB_AGE_PRIORITY 45  /* working_age_uninsured is high priority from */
#define CB_AGE_ELDERLY 60   /* elderly_no_pension from; rules 3 and 4 end at
                               CB_AGE_ELDERLY - 1 */

/* An employer has this many days after established_on to register; its
 * lead opens the day after they run out (RULES.md 4, rule 5; 5, opened_at). */
#define CB_EMPLOYER_GRACE_DAYS 30
#define CB_EMPLOYER_LEAD_OPENS (CB_EMPLOYER_GRACE_DAYS + 1)

/* draws(D): a basic-pension benefit for D's month or one of the months
 * before it, this many months in all (RULES.md 2). */
#define CB_PENSION_WINDOW_MONTHS 3

/* Benefit and contribution facts are kept for T's month and this many
 * months before it (RULES.md 2): older ones are dropped. */
#define CB_FACT_WINDOW_MONTHS 12

/* A "latest" stamp breaks ties of one second with this many low bits of
 * the FNV-1a hash of the event id (RULES.md 1). */
#define CB_STAMP_HASH_BITS 7

/* The basic pension schemes: employee_pension and resident_pension. */
static inline int cb_scheme_is_basic_pension(int scheme)
{
    return scheme == CB_SCHEME_EMPLOYEE_PENSION ||
           scheme == CB_SCHEME_RESIDENT_PENSION;
}

#endif
