/* cb_step_int.h -- what the files of one step share: its state, the
 * subjects of its batch, the alerts and review items it computed, the
 * lists of writes in
 * its arena, and the functions one file gives the others.  Not for other
 * modules, which use cb_step.h.
 *
 *   cb_step.c         the phases (reads, lookups, commit) and the step's
 *                     life: what cb_pipe.c drives
 *   cb_step_eval.c    a subject's ops applied to its state, and the rules
 *                     asked for its lead, timer and alerts
 *   cb_step_finish.c  what the rules said merged with what the store holds,
 *                     as writes
 *   cb_step_writes.c  the writes, and their encoding for commit.lua */
#ifndef CB_STEP_INT_H
#define CB_STEP_INT_H

#include <hiredis.h>

#include <stddef.h>
#include <stdint.h>

#include "cb_cache.h"
#include "cb_codec.h"
#include "cb_idkey.h"
#include "cb_resp.h"
#include "cb_rules.h"
#include "cb_state.h"
#include "cb_step.h"

enum phase { PH_READS, PH_LOOKUPS, PH_COMMIT, PH_DONE };

/* Late writes grouped by opcode and family of keys (cb_step_write2,
 * _write3). */
enum { G_LEAD_H, G_LEAD_D, G_LID_H, G_LID_D, G_ALERT_H, G_ALERT_D, G_TM_Z,
       G_TM_R, G_OFF_H, G_COUNT };

/* An argument of a write: bytes in the step's arena. */
typedef struct warg {
    size_t off, len;
} warg;

typedef struct wlist {
    warg *v;
    size_t n, cap;
} wlist;

/* An alert as evaluated, waiting for the stored one to merge with. */
typedef struct ealert {
    char id[CB_ID_DIGITS + 1];
    int kind; /* cb_alert_kind */
    int64_t township;
    char period[8];
    int64_t amount;
    size_t ev_off, ev_len; /* sorted event ids, in the arena */
    int withdraw;          /* WITHDRAW_* when the rules no longer make it */
    long lookup;
} ealert;

/* An alert the rules no longer make leaves the store: active_after_death
 * always (the enrollment ended in time), paid_after_death only when the
 * death that made it is gone (no notice applies, or one the stored alert
 * names no longer does), not when its facts passed the window. */
enum { WITHDRAW_NO = 0, WITHDRAW_ALWAYS = 1, WITHDRAW_IF_DEATH_GONE = 2 };

/* A review item as evaluated (cb_rule_review), waiting for the stored one
 * (looked up in round 2) to take its raised_at from. */
typedef struct ereview {
    char id[CB_ID_DIGITS + 1];
    int kind, status, holds;
    int64_t township, resolved, amount;
    warg reg, other, evidence; /* in the arena */
    warg subject_id, other_id; /* a group's item's numbers (len 0: the
                                  subject's own id, and none) */
    long lookup;
} ereview;

/* A subject of the batch. */
typedef struct subject {
    const char *key;
    size_t key_len;
    const char *id;
    size_t id_len;
    unsigned bucket;
    size_t first, last; /* its ops: a chain through step->op_next */
    int reads_lead;     /* some op may change the lead: read it */
    /* round 1: what Redis holds, as read or as the cache has it */
    int cached;              /* state (and lead, if known) from the cache */
    int lead_read;           /* the lead is read (lead_reply) */
    redisReply *state_reply; /* the HGET's, when read */
    redisReply *lead_reply;  /* the lead's HGET's, when lead_read */
    const char *state, *lead;
    int32_t state_len, lead_len; /* bytes, CB_CACHE_NONE or _UNKNOWN */
    /* what the commit leaves, for the cache */
    int state_new;           /* 1: new_state is written; 2: deleted */
    int lead_new;            /* 1: new_lead written; 2: deleted */
    warg new_state, new_lead; /* in the arena */
    /* evaluation */
    int active;          /* has ops not yet applied */
    int lead_inputs;
    int has_lead;
    cb_rule_lead L;
    char lead_id[CB_ID_DIGITS + 1];
    int32_t next_day;
    int has_decision, decision; /* decision: cb_decision */
    int32_t decision_day;
    long dec_lookup;
    size_t alert_first, nalerts;
    /* death notices (RULES.md 9.3): whether one applies, and the ids of
     * those that do not (space separated, in the arena) */
    int death_applies;
    warg unapplied;
    size_t review_first, nreviews;
} subject;

struct cb_step {
    cb_step_args a;
    char tag[24];  /* "{pN}" */
    enum phase phase;
    int conflicts;
    /* ops */
    size_t *op_subject, *op_next;
    unsigned char *op_skip;
    /* subjects, in the order of their first op */
    subject *subjects;
    size_t nsubjects;
    size_t nread_leads; /* subjects whose lead is read */
    /* round 1 */
    redisReply *version, *offsets;
    int used_cache;     /* some subject was taken from the cache */
    int64_t stored[CB_TOPIC_COUNT]; /* -1: none */
    /* evaluation */
    cb_buf arena;
    wlist early, late;  /* writes: while applying ops; after lookups */
    wlist states;       /* the states written, by bucket (one call a
                           bucket in commit.lua) */
    wlist grouped[G_COUNT]; /* late writes, by opcode and key */
    wlist outbox;       /* outbox messages in order, each "count t type
                           [k key] v value" (count: its field pairs) */
    ealert *alerts;
    size_t nalerts, alerts_cap;
    ereview *reviews;
    size_t nreviews, reviews_cap;
    wlist lookups;      /* key, field pairs */
    redisReply **looked;
    size_t nlooked;
    cb_step_counts counts;
    int failed;         /* out of memory while building */
    cb_resp out;        /* the commands of the phase being sent */
};

/* ------------------------------------------ cb_step_eval.c, _finish.c */

/* Applies every subject's ops and asks the rules (the end of round 1).
 * Returns 0, or -1 with errstr. */
int cb_step_evaluate(cb_step *s, char *errstr, size_t errstr_size);

/* Turns what the rules said, and the lookups' replies, into the writes of
 * the commit (s->failed when out of memory). */
void cb_step_finish(cb_step *s);

/* The review items of an ereview list (cb_step_eval.c): a new one, and a
 * lookup of a stored value (its index in s->looked). */
int cb_step_push_review(cb_step *s, ereview **out);
long cb_step_add_lookup(cb_step *s, const char *what, const char *field);

/* The subject's state into the commit, when enc differs from what was
 * read. */
void cb_step_write_state(cb_step *s, subject *sj, const cb_buf *enc);

/* The subject's state deleted (a name group left empty, which must read
 * as one never made, whatever the order of its messages). */
void cb_step_delete_state(cb_step *s, subject *sj);

/* A reviewer's verdict, with its reason, beside the item of id digits id
 * (cb:rdec:{pN}). */
void cb_step_write_verdict(cb_step *s, const char *id, const cb_op *op);

/* ---------------------------------------------------- cb_step_group.c */

/* The step of a name group or of a feed (cb_group.h): their ops applied,
 * the group's state written and its review items evaluated; a feed's
 * suspects handed on to their groups.  Returns 0, or -1 with errstr. */
int cb_step_eval_group(cb_step *s, subject *sj, cb_op *op, cb_buf *enc,
                       char *errstr, size_t errstr_size);
int cb_step_eval_feed(cb_step *s, subject *sj, cb_op *op, char *errstr,
                      size_t errstr_size);

/* A person's news for its name groups: called with the person as its
 * step found it (before, may be NULL: not known) and as it leaves it;
 * when what the group needs changed, the outbox gets a holder message for
 * the group of the new name and a leaving message for the old one. */
int cb_step_tell_group(cb_step *s, const subject *sj, const cb_buf *before,
                       const cb_str *name_before, const cb_person *after);

/* The holder message of a person as it stands, packed into out (len 0
 * when it has no register name, or its group need not hear of it:
 * cb_rules_group_needs).  Returns 0 or -1. */
int cb_step_holder_msg(const subject *sj, const cb_person *p, cb_buf *out);

/* ---------------------------------------------------- cb_step_writes.c */

/* Bytes into the arena; *out says where.  Returns 0, or -1 (s->failed)
 * out of memory.  The arena may move: keep offsets, not pointers. */
int cb_step_put(cb_step *s, const void *p, size_t n, warg *out);

/* One argument appended to a list of writes: bytes, a string, a
 * printf-formatted number or text (up to 127 bytes), a key of the
 * partition "cb:<what>{pN}<rest>" (what ends in ':').  Out of memory sets
 * s->failed. */
void cb_step_arg(cb_step *s, wlist *l, const void *p, size_t n);
void cb_step_str(cb_step *s, wlist *l, const char *str);
void cb_step_fmt(cb_step *s, wlist *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cb_step_key(cb_step *s, wlist *l, const char *what, const char *rest);

/* An outbox message: t <type> [k <key>] v <value>.  A step's messages go
 * out in the order they were made, as few stream entries as commit.lua's
 * runs allow (one XADD of them all, mostly): the publisher takes an entry
 * message by message. */
void cb_step_outbox(cb_step *s, const char *type, const char *key,
                    size_t key_len, const void *v, size_t v_len);

/* A late write of one argument (op key f) or two (op key a b), to the key
 * cb:<what>{pN}<rest>; writes of one opcode to one family of keys (the
 * lead buckets, the timer buckets...) are grouped for commit.lua. */
void cb_step_write2(cb_step *s, const char *op, const char *what,
                    const char *rest, const void *f, size_t flen);
void cb_step_write3(cb_step *s, const char *op, const char *what,
                    const char *rest, const void *a, size_t alen,
                    const void *b, size_t blen);

/* A number as text, for a score or an offset; its length. */
size_t cb_step_fmt_int(char *buf, size_t size, int64_t v);

/* Queues the commit: EVALSHA of commit.lua with every write.  Returns 0
 * or -1. */
int cb_step_append_commit(cb_step *s, cb_redis *r, const cb_redis_script *sc);

#endif
