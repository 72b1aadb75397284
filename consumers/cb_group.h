/* cb_group.h -- a name group: the state the matcher keeps for one
 * register name (its normal form), so that two rules that look across
 * persons can be a function of one state, like every other rule
 * (docs/RULES.md 9.3, probable_typo and duplicate_identity).
 *
 * A person's state lives in its own partition; the persons who share a
 * register name may live in any.  So a person the group needs
 * (cb_rules_group_needs: a pensioner, or one the group asked about) tells
 * its name's group what the group needs of it (a holder message: number,
 * name, township, pension; not its facts, cb_group_pair_risk), and tells
 * the group it left when its register name changes or it is needed no
 * more; a record refused for its number reaches the group of the name it
 * gives (a suspect message), and the group asks the persons one typing
 * slip from that number about themselves (probes, cb_group_candidates).
 * Messages travel as outbox 'N' entries on the matcher's internal topic,
 * keyed by the group's key, and come back as CB_OP_GROUP ops of the
 * group's own partition.  This module is the one home of their byte
 * layout, of the group's state and of its review items.
 *
 * Strings of a decoded group or message point into the bytes they were
 * decoded from (not owned): keep those bytes while the group is used.
 * Its holders' numbers, names and event ids, which a group keeps packed,
 * are the group's own (its text). */
#ifndef CB_GROUP_H
#define CB_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_eidforms.h"
#include "cb_ident.h"
#include "cb_idkey.h"
#include "cb_record.h"

/* A group's key: 'G' and 16 hex digits of the name's HMAC under the id
 * key (the name itself never travels as a key). */
#define CB_GROUP_KEY_LEN 17

/* The key of the group of a name as written (its normal form,
 * cb_name.h, is what is keyed: every spelling of one name has one
 * group), NUL-terminated. */
void cb_group_key(const cb_idkey *ids, const char *name, size_t len,
                  char out[CB_GROUP_KEY_LEN + 1]);

/* A string that points into bytes the caller keeps. */
typedef struct cb_span_ro {
    const char *s;
    size_t len;
} cb_span_ro;

/* A basic-pension fact a holder passes on: what the amount at risk sums. */
typedef struct cb_group_fact {
    int32_t period;  /* months since 1970-01 */
    int k;           /* CB_FACT_BENEFIT or CB_FACT_CONTRIBUTION */
    int64_t amount;  /* fen */
    cb_span_ro eid;
} cb_group_fact;

/* A person whose register name is the group's. */
typedef struct cb_holder {
    cb_span_ro id;     /* the 18-digit number */
    cb_span_ro name;   /* the register name as written */
    int64_t township;  /* as for alerts; 0 none */
    int pension;       /* the latest row of a basic pension says enrolled */
    cb_group_fact *facts; /* owned; only in a description made with them
                             for cb_group_pair_risk: messages carry none,
                             and a group keeps none but what it stored
                             before holders stopped sending them */
    size_t nfacts;
} cb_holder;

/* A record refused for its number that names the group's name. */
typedef struct cb_suspect_ref {
    cb_span_ro eid;
    cb_span_ro written; /* the number as written, 18 characters */
    cb_span_ro name;    /* as written */
    int64_t township;   /* the row's, 0 none */
    int kind;           /* cb_kind: its feed */
    cb_span_ro file;
    int64_t line;
    cb_span_ro record;  /* the feed-topic value, number as written */
} cb_suspect_ref;

/* A reviewer's verdict on one of the group's items. */
typedef struct cb_group_verdict {
    int kind;    /* cb_review_kind */
    int verdict; /* cb_review_verdict */
    int64_t at;  /* ms */
    cb_span_ro subject, other; /* the item's two numbers */
} cb_group_verdict;

/* A group's state.  The arrays are owned: cb_group_free. */
typedef struct cb_group {
    cb_holder *holders;      /* by number */
    size_t nholders;
    cb_suspect_ref *suspects; /* by event id */
    size_t nsuspects;
    cb_group_verdict *verdicts; /* by (kind, subject, other) */
    size_t nverdicts;
    int probed; /* the candidates of every suspect kept were asked about
                   themselves (a state stored before probes: 0) */
    char *text; /* owned: the holders' ids and event ids decoded */
} cb_group;

void cb_group_init(cb_group *g);
void cb_group_free(cb_group *g);

/* Reads a packed group (strings point into data).  Returns 0 or -1. */
int cb_group_decode(cb_eidforms *forms, const char *data, size_t len,
                    cb_group *g);

/* Packs a group into out (replacing its contents).  Returns 0 or -1. */
int cb_group_encode(cb_eidforms *forms, const cb_group *g, cb_buf *out);

/* ------------------------------------------------------------ messages */

enum { CB_GMSG_HOLDER = 1, CB_GMSG_GONE = 2, CB_GMSG_SUSPECT = 3 };

/* A message to a group, decoded (strings into its bytes). */
typedef struct cb_group_msg {
    int type;             /* CB_GMSG_* */
    cb_holder holder;     /* HOLDER (facts owned: cb_group_msg_free);
                             GONE: only id */
    cb_suspect_ref suspect; /* SUSPECT */
} cb_group_msg;

int cb_group_msg_pack_holder(const cb_holder *h, cb_buf *out);
int cb_group_msg_pack_gone(const char *id, size_t len, cb_buf *out);
int cb_group_msg_pack_suspect(const cb_suspect_ref *s, cb_buf *out);

/* Reads a message.  Returns 0, or -1 for bytes that are none. */
int cb_group_msg_unpack(const char *data, size_t len, cb_group_msg *m);
void cb_group_msg_free(cb_group_msg *m);

/* Applies a message: a holder replaces the holder of its number (GONE
 * removes it), a suspect joins once per event id.  The group's strings
 * then point into the message's bytes too.  Returns 0 or -1 (out of
 * memory). */
int cb_group_apply(cb_group *g, const cb_group_msg *m);

/* Records a verdict (the latest for its item wins).  Returns 0 or -1. */
int cb_group_decide(cb_group *g, const cb_group_verdict *v);

/* Whether two holder descriptions differ in anything the group uses. */
int cb_holder_same(const cb_holder *a, const cb_holder *b);

/* ------------------------------------------------------------ the rules */

/* A review item of a group (RULES.md 9.3): kind, subject and other
 * numbers, names, evidence, township, amount, and the standing verdict. */
typedef struct cb_group_item {
    int kind;          /* CB_REVIEW_PROBABLE_TYPO or _DUPLICATE_IDENTITY */
    cb_span_ro subject, other;
    cb_span_ro reg_name, other_name;
    int64_t township;
    int64_t amount;    /* fen */
    int status;        /* cb_review_status */
    int64_t resolved;  /* ms, CB_TIME_NONE while open */
    cb_span_ro *evidence; /* owned array, sorted bytewise, distinct */
    size_t nevidence;
    size_t *suspects;  /* probable_typo: indexes into g->suspects (owned) */
    size_t nsuspects;
} cb_group_item;

typedef struct cb_group_items {
    cb_group_item *v;
    size_t n, cap;
} cb_group_items;

/* The items the group's state makes.  Returns 0, or -1 out of memory. */
int cb_group_items_of(const cb_group *g, cb_group_items *out);
void cb_group_items_free(cb_group_items *items);

/* duplicate_identity's amount at risk and evidence for a pair of holders
 * described with their facts (cb_rules_person_holder): over the months
 * both were paid, and both contributed, the smaller total; the event ids
 * of those facts, sorted bytewise, space separated, into evidence
 * (replacing its contents).  The group's own items leave both out: a
 * holder does not carry its facts (a message on every contribution cost
 * the drain three quarters of its speed), so they are computed where the
 * item is read (cb_store.h).  Returns 0, or -1 out of memory. */
int cb_group_pair_risk(const cb_holder *a, const cb_holder *b,
                       int64_t *amount, cb_buf *evidence);

/* Whether number b is one typing slip from number a (both 18 characters):
 * one character differs, or two adjacent ones are swapped. */
int cb_group_one_slip(const char *a, const char *b);

/* The valid resident numbers one typing slip from a suspect's number as
 * written (18 characters): the persons it may have meant, whom the group
 * asks to tell it about themselves (a probe, CB_OWN_PROBE).  At most one
 * digit of a place keeps the check character right, so there are at most
 * 17 + 1 + 17 (the check character, the swaps).  Returns their count. */
#define CB_GROUP_CANDIDATES_MAX 35
size_t cb_group_candidates(const char *written,
                           char out[][CB_IDENT_LEN + 1]);

#endif
