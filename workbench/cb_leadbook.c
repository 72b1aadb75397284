/* cb_leadbook.c -- the workbench's leads in memory (cb_leadbook.h).
 *
 * Leads live in one array; an open-addressing table finds one by id, and
 * each township keeps the positions of its leads.  A select scans the
 * township's positions, keeps what passes the filters with a sort key,
 * sorts that and walks the page: at 100,000 leads a scan and a sort take a
 * few milliseconds, so no other index is kept.  Changes go in a ring that
 * live pages read. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_leadbook.h"
#include "cb_time.h"

#define RING 8192 /* changes kept for live pages */

const char *const cb_age_band_names[CB_AGE_BANDS] = {"under_30", "30_44",
                                                     "45_59", "60_plus"};

typedef struct entry {
    cb_lead lead;
    int32_t birth; /* day of birth, INT32_MIN: none */
    int town;      /* index into towns */
} entry;

typedef struct town {
    char code[CB_CODE_SIZE];
    uint32_t *pos; /* positions in entries */
    size_t n, cap;
} town;

struct cb_leadbook {
    pthread_rwlock_t lock;
    entry *entries;
    size_t n, cap;
    uint32_t *slots; /* id table: position + 1, 0 empty */
    size_t nslots;   /* a power of two */
    town *towns;
    size_t ntowns, towns_cap;
    /* changes */
    pthread_mutex_t seq_lock;
    pthread_cond_t seq_cond;
    uint64_t wakes; /* cb_leadbook_wake calls: a wait ends on one */
    uint64_t seq;
    cb_leadbook_change *ring; /* RING entries, change seq at seq % RING */
};

cb_leadbook *cb_leadbook_new(void)
{
    cb_leadbook *lb = calloc(1, sizeof(*lb));

    if (lb == NULL)
        return NULL;
    lb->ring = calloc(RING, sizeof(*lb->ring));
    lb->nslots = 1024;
    lb->slots = calloc(lb->nslots, sizeof(*lb->slots));
    if (lb->ring == NULL || lb->slots == NULL) {
        free(lb->ring);
        free(lb->slots);
        free(lb);
        return NULL;
    }
    pthread_rwlock_init(&lb->lock, NULL);
    pthread_mutex_init(&lb->seq_lock, NULL);
    pthread_cond_init(&lb->seq_cond, NULL);
    return lb;
}

void cb_leadbook_free(cb_leadbook *lb)
{
    if (lb == NULL)
        return;
    for (size_t i = 0; i < lb->ntowns; i++)
        free(lb->towns[i].pos);
    free(lb->towns);
    free(lb->entries);
    free(lb->slots);
    free(lb->ring);
    pthread_rwlock_destroy(&lb->lock);
    pthread_mutex_destroy(&lb->seq_lock);
    pthread_cond_destroy(&lb->seq_cond);
    free(lb);
}

/* A lead id's hash (FNV-1a): ids are hashes already, but not all of the
 * same shape (tests make their own). */
static uint64_t id_hash(const char *id)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211ULL;
    return h;
}

/* The slot of an id: the one holding it, or the empty one it would go in. */
static size_t find_slot(const cb_leadbook *lb, const char *id)
{
    size_t mask = lb->nslots - 1, i = (size_t)id_hash(id) & mask;

    while (lb->slots[i] != 0 &&
           strcmp(lb->entries[lb->slots[i] - 1].lead.lead_id, id) != 0)
        i = (i + 1) & mask;
    return i;
}

static int grow_slots(cb_leadbook *lb)
{
    size_t n = lb->nslots * 2;
    uint32_t *s = calloc(n, sizeof(*s)), *old = lb->slots;

    if (s == NULL)
        return -1;
    lb->slots = s;
    lb->nslots = n;
    for (size_t i = 0; i < lb->n; i++)
        lb->slots[find_slot(lb, lb->entries[i].lead.lead_id)] =
            (uint32_t)i + 1;
    free(old);
    return 0;
}

static int town_of(cb_leadbook *lb, const char *code)
{
    for (size_t i = 0; i < lb->ntowns; i++)
        if (strcmp(lb->towns[i].code, code) == 0)
            return (int)i;
    if (lb->ntowns == lb->towns_cap) {
        size_t cap = lb->towns_cap ? lb->towns_cap * 2 : 64;
        town *t = realloc(lb->towns, cap * sizeof(*t));
        if (t == NULL)
            return -1;
        lb->towns = t;
        lb->towns_cap = cap;
    }
    town *t = &lb->towns[lb->ntowns];
    memset(t, 0, sizeof(*t));
    memcpy(t->code, code, sizeof(t->code));
    t->code[sizeof(t->code) - 1] = '\0';
    return (int)lb->ntowns++;
}

static int town_add(town *t, uint32_t pos)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        uint32_t *p = realloc(t->pos, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        t->pos = p;
        t->cap = cap;
    }
    t->pos[t->n++] = pos;
    return 0;
}

static void town_remove(town *t, uint32_t pos)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->pos[i] == pos) {
            t->pos[i] = t->pos[--t->n];
            return;
        }
}

/* The birth day in a resident ID number (positions 7-14), or INT32_MIN. */
static int32_t birth_of(const cb_lead *l)
{
    int32_t d;

    if (l->subject_kind != CB_SUBJECT_PERSON || strlen(l->subject_id) != 18 ||
        cb_date_parse_compact(l->subject_id + 6, 8, &d) != 0)
        return INT32_MIN;
    return d;
}

static int same_lead(const cb_lead *a, const cb_lead *b)
{
    return strcmp(a->township_code, b->township_code) == 0 &&
           a->status == b->status && a->closed_reason == b->closed_reason &&
           a->closed_at == b->closed_at && a->opened_at == b->opened_at &&
           a->reason == b->reason && a->priority == b->priority &&
           strcmp(a->name, b->name) == 0 &&
           strcmp(a->subject_id, b->subject_id) == 0 &&
           strcmp(a->source_event_id, b->source_event_id) == 0;
}

static void note_change(cb_leadbook *lb, const cb_lead *l)
{
    pthread_mutex_lock(&lb->seq_lock);
    cb_leadbook_change *c = &lb->ring[++lb->seq % RING];
    c->seq = lb->seq;
    memcpy(c->lead_id, l->lead_id, sizeof(c->lead_id));
    memcpy(c->township_code, l->township_code, sizeof(c->township_code));
    c->status = l->status;
    pthread_cond_broadcast(&lb->seq_cond);
    pthread_mutex_unlock(&lb->seq_lock);
}

int cb_leadbook_put(cb_leadbook *lb, const cb_lead *lead)
{
    int rc = 1;

    pthread_rwlock_wrlock(&lb->lock);
    size_t slot = find_slot(lb, lead->lead_id);
    if (lb->slots[slot] != 0) {
        entry *e = &lb->entries[lb->slots[slot] - 1];
        if (same_lead(&e->lead, lead)) {
            rc = 0;
            goto out;
        }
        if (strcmp(e->lead.township_code, lead->township_code) != 0) {
            int t = town_of(lb, lead->township_code);
            if (t < 0 || town_add(&lb->towns[t], lb->slots[slot] - 1) != 0) {
                rc = -1;
                goto out;
            }
            town_remove(&lb->towns[e->town], lb->slots[slot] - 1);
            e->town = t;
        }
        e->lead = *lead;
        e->birth = birth_of(lead);
        goto out;
    }
    if (lb->n >= UINT32_MAX - 1) {
        rc = -1;
        goto out;
    }
    if (lb->n == lb->cap) {
        size_t cap = lb->cap ? lb->cap * 2 : 1024;
        entry *e = realloc(lb->entries, cap * sizeof(*e));
        if (e == NULL) {
            rc = -1;
            goto out;
        }
        lb->entries = e;
        lb->cap = cap;
    }
    int t = town_of(lb, lead->township_code);
    if (t < 0 || town_add(&lb->towns[t], (uint32_t)lb->n) != 0) {
        rc = -1;
        goto out;
    }
    entry *e = &lb->entries[lb->n];
    e->lead = *lead;
    e->birth = birth_of(lead);
    e->town = t;
    lb->slots[slot] = (uint32_t)++lb->n;
    if (lb->n * 2 > lb->nslots && grow_slots(lb) != 0)
        rc = -1; /* the lead is in; the table stays as full as it is */
out:
    pthread_rwlock_unlock(&lb->lock);
    if (rc == 1)
        note_change(lb, lead);
    return rc;
}

int cb_leadbook_get(cb_leadbook *lb, const char *lead_id, cb_lead *out)
{
    int found;

    pthread_rwlock_rdlock(&lb->lock);
    size_t slot = find_slot(lb, lead_id);
    found = lb->slots[slot] != 0;
    if (found)
        *out = lb->entries[lb->slots[slot] - 1].lead;
    pthread_rwlock_unlock(&lb->lock);
    return found;
}

size_t cb_leadbook_count(cb_leadbook *lb)
{
    pthread_rwlock_rdlock(&lb->lock);
    size_t n = lb->n;
    pthread_rwlock_unlock(&lb->lock);
    return n;
}

/* The day someone born on `birth` turns `years`: the same month and day
 * (29 February: 1 March in other years). */
static void birthday(int32_t today, int years, int32_t *bound)
{
    int y, m, d;

    cb_date_to_ymd(today, &y, &m, &d);
    /* born on or before this day, the person is at least `years` old */
    y -= years;
    if (m == 2 && d == 29)
        m = 3, d = 1;
    *bound = cb_date_from_ymd(y, m, d);
}

/* The band of a birth day, given the days that start each band. */
static int band_of(int32_t birth, const int32_t bounds[3])
{
    if (birth == INT32_MIN)
        return -1;
    if (birth <= bounds[2])
        return CB_AGE_60_PLUS;
    if (birth <= bounds[1])
        return CB_AGE_45_59;
    if (birth <= bounds[0])
        return CB_AGE_30_44;
    return CB_AGE_UNDER_30;
}

static void band_bounds(int32_t today, int32_t bounds[3])
{
    birthday(today, 30, &bounds[0]);
    birthday(today, 45, &bounds[1]);
    birthday(today, 60, &bounds[2]);
}

int cb_leadbook_age_band(const cb_lead *lead, int32_t today)
{
    int32_t bounds[3];

    band_bounds(today, bounds);
    return band_of(birth_of(lead), bounds);
}

/* A lead that passed the filters, with what it sorts by. */
typedef struct hit {
    int64_t k1, k2;
    uint32_t pos;
} hit;

static int by_keys(const void *x, const void *y)
{
    const hit *a = x, *b = y;

    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2 ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int passes(const entry *e, const cb_leadbook_query *q,
                  const int32_t bounds[3])
{
    const cb_lead *l = &e->lead;

    if (q->status == CB_LB_NOT_CLOSED ? l->status == CB_STATUS_CLOSED
        : q->status != CB_LB_ANY      ? l->status != q->status
                                      : 0)
        return 0;
    if (q->reason != CB_LB_ANY && l->reason != q->reason)
        return 0;
    if (q->priority != CB_LB_ANY && l->priority != q->priority)
        return 0;
    if (q->age_band != CB_LB_ANY && band_of(e->birth, bounds) != q->age_band)
        return 0;
    return 1;
}

static void keys_of(const entry *e, int sort, hit *h)
{
    const cb_lead *l = &e->lead;

    h->k2 = l->opened_at;
    switch (sort) {
    case CB_SORT_PRIORITY:
        h->k1 = l->priority;
        break;
    case CB_SORT_AGE: /* oldest first: the earliest birth */
        h->k1 = e->birth == INT32_MIN ? INT64_MAX : e->birth;
        break;
    case CB_SORT_STATUS:
        h->k1 = l->status;
        break;
    case CB_SORT_REASON:
        h->k1 = l->reason;
        break;
    default:
        h->k1 = l->opened_at;
        h->k2 = 0;
    }
}

int cb_leadbook_select(cb_leadbook *lb, const cb_leadbook_query *q,
                       cb_leadbook_fn *fn, void *opaque, size_t *total)
{
    int32_t bounds[3];
    hit *hits = NULL;
    size_t nhits = 0;
    int rc = 0;

    band_bounds(q->today, bounds);
    pthread_rwlock_rdlock(&lb->lock);
    /* the positions to scan: one township's, or all */
    const uint32_t *pos = NULL;
    size_t npos = lb->n;
    if (q->township != NULL) {
        npos = 0;
        for (size_t i = 0; i < lb->ntowns; i++)
            if (strcmp(lb->towns[i].code, q->township) == 0) {
                pos = lb->towns[i].pos;
                npos = lb->towns[i].n;
            }
    }
    if (npos > 0 && (hits = malloc(npos * sizeof(*hits))) == NULL) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < npos; i++) {
        uint32_t p = pos ? pos[i] : (uint32_t)i;
        const entry *e = &lb->entries[p];
        if (!passes(e, q, bounds))
            continue;
        keys_of(e, q->sort, &hits[nhits]);
        hits[nhits++].pos = p;
    }
    if (nhits > 1)
        qsort(hits, nhits, sizeof(*hits), by_keys);
    size_t start = q->offset < nhits ? q->offset : nhits;
    size_t end = q->limit == 0 || q->limit > nhits - start ? nhits
                                                           : start + q->limit;
    for (size_t i = start; i < end; i++) {
        size_t k = q->desc ? nhits - 1 - i : i;
        if (fn(&lb->entries[hits[k].pos].lead, opaque) != 0)
            break;
    }
out:
    pthread_rwlock_unlock(&lb->lock);
    free(hits);
    *total = nhits;
    return rc;
}

void cb_leadbook_each(cb_leadbook *lb, cb_leadbook_fn *fn, void *opaque)
{
    pthread_rwlock_rdlock(&lb->lock);
    for (size_t i = 0; i < lb->n; i++)
        if (fn(&lb->entries[i].lead, opaque) != 0)
            break;
    pthread_rwlock_unlock(&lb->lock);
}

uint64_t cb_leadbook_seq(cb_leadbook *lb)
{
    pthread_mutex_lock(&lb->seq_lock);
    uint64_t s = lb->seq;
    pthread_mutex_unlock(&lb->seq_lock);
    return s;
}

long cb_leadbook_changes(cb_leadbook *lb, uint64_t seq,
                         cb_leadbook_change *out, size_t max)
{
    long n = 0;

    pthread_mutex_lock(&lb->seq_lock);
    if (lb->seq - seq > RING - 1) {
        n = -1;
    } else {
        for (uint64_t s = seq + 1; s <= lb->seq && (size_t)n < max; s++)
            out[n++] = lb->ring[s % RING];
    }
    pthread_mutex_unlock(&lb->seq_lock);
    return n;
}

uint64_t cb_leadbook_wait(cb_leadbook *lb, uint64_t seq, int timeout_ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lb->seq_lock);
    uint64_t wakes = lb->wakes;
    while (lb->seq <= seq && lb->wakes == wakes &&
           pthread_cond_timedwait(&lb->seq_cond, &lb->seq_lock, &until) == 0)
        ;
    uint64_t s = lb->seq;
    pthread_mutex_unlock(&lb->seq_lock);
    return s;
}

void cb_leadbook_wake(cb_leadbook *lb)
{
    pthread_mutex_lock(&lb->seq_lock);
    lb->wakes++;
    pthread_cond_broadcast(&lb->seq_cond);
    pthread_mutex_unlock(&lb->seq_lock);
}
