/* cb_cache.c -- the matcher's copy of the states and leads its steps read
 * and wrote (cb_cache.h).
 *
 * One open-addressing table a partition (linear probing, no deletions:
 * a partition is only ever emptied whole), each slot pointing at one
 * allocation holding the key, the state and the lead side by side. */
#include <stdlib.h>
#include <string.h>

#include "cb_cache.h"
#include "cb_ops.h"

typedef struct slot {
    char *blob;        /* key, state, lead; NULL: a free slot */
    uint32_t hash;
    uint8_t key_len;
    int32_t state_len; /* CB_CACHE_NONE or bytes */
    int32_t lead_len;  /* CB_CACHE_NONE, CB_CACHE_UNKNOWN or bytes */
} slot;

/* What a blob costs: its bytes and the allocator's header. */
#define BLOB_OVERHEAD 16
static size_t blob_bytes(const slot *s)
{
    return BLOB_OVERHEAD + s->key_len +
           (s->state_len > 0 ? (size_t)s->state_len : 0) +
           (s->lead_len > 0 ? (size_t)s->lead_len : 0);
}

typedef struct part {
    slot *slots;
    size_t cap, used; /* cap a power of two (or 0) */
    size_t bytes;     /* the blobs and the table */
    int64_t version;  /* what the entries are true at; -1: no entries */
} part;

struct cb_cache {
    part *parts;
    int nparts;
    size_t share; /* bytes a partition may hold */
    cb_cache_stats st;
};

cb_cache *cb_cache_new(int partitions, size_t budget)
{
    cb_cache *c = calloc(1, sizeof(*c));

    if (c == NULL || partitions < 1)
        goto fail;
    c->parts = calloc((size_t)partitions, sizeof(*c->parts));
    if (c->parts == NULL)
        goto fail;
    c->nparts = partitions;
    c->share = budget / (size_t)partitions;
    for (int p = 0; p < partitions; p++)
        c->parts[p].version = -1;
    return c;
fail:
    free(c);
    return NULL;
}

static void part_clear(cb_cache *c, part *pt)
{
    for (size_t i = 0; i < pt->cap; i++)
        free(pt->slots[i].blob);
    free(pt->slots);
    c->st.bytes -= pt->bytes;
    pt->slots = NULL;
    pt->cap = pt->used = pt->bytes = 0;
    pt->version = -1;
}

void cb_cache_free(cb_cache *c)
{
    if (c == NULL)
        return;
    cb_cache_clear(c, -1);
    free(c->parts);
    free(c);
}

void cb_cache_clear(cb_cache *c, int p)
{
    if (p >= 0 && p < c->nparts) {
        part_clear(c, &c->parts[p]);
        return;
    }
    for (int i = 0; p < 0 && i < c->nparts; i++)
        part_clear(c, &c->parts[i]);
}

int cb_cache_valid(const cb_cache *c, int p, int64_t version)
{
    const part *pt;

    if (p < 0 || p >= c->nparts)
        return 0;
    pt = &c->parts[p];
    return pt->used == 0 || pt->version == version;
}

void cb_cache_stale(cb_cache *c, int p)
{
    if (p < 0 || p >= c->nparts)
        return;
    c->st.stale++;
    part_clear(c, &c->parts[p]);
}

/* The slot of key in pt: its own, or the free one where it would go. */
static slot *find(part *pt, const char *key, size_t key_len, uint32_t h)
{
    size_t mask = pt->cap - 1, i = h & mask;

    for (;;) {
        slot *s = &pt->slots[i];
        if (s->blob == NULL ||
            (s->hash == h && s->key_len == key_len &&
             memcmp(s->blob, key, key_len) == 0))
            return s;
        i = (i + 1) & mask;
    }
}

int cb_cache_get(cb_cache *c, int p, const char *key, size_t key_len,
                 cb_cache_entry *out)
{
    part *pt;
    slot *s;

    if (p < 0 || p >= c->nparts || c->parts[p].used == 0) {
        c->st.misses++;
        return 0;
    }
    pt = &c->parts[p];
    s = find(pt, key, key_len, cb_fnv1a32(key, key_len));
    if (s->blob == NULL) {
        c->st.misses++;
        return 0;
    }
    c->st.hits++;
    out->state = s->blob + s->key_len;
    out->state_len = s->state_len;
    out->lead = out->state + (s->state_len > 0 ? s->state_len : 0);
    out->lead_len = s->lead_len;
    return 1;
}

/* Doubles the table (or makes the first one).  Returns 0 or -1. */
static int grow(cb_cache *c, part *pt)
{
    size_t cap = pt->cap ? pt->cap * 2 : 256;
    slot *old = pt->slots, *slots = calloc(cap, sizeof(*slots));
    size_t old_cap = pt->cap;

    if (slots == NULL)
        return -1;
    pt->slots = slots;
    pt->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].blob != NULL)
            *find(pt, old[i].blob, old[i].key_len, old[i].hash) = old[i];
    free(old);
    pt->bytes += (cap - old_cap) * sizeof(slot);
    c->st.bytes += (cap - old_cap) * sizeof(slot);
    return 0;
}

int cb_cache_put(cb_cache *c, int p, const char *key, size_t key_len,
                 const char *state, int32_t state_len, const char *lead,
                 int32_t lead_len)
{
    size_t sl = state_len > 0 ? (size_t)state_len : 0;
    size_t ll = lead_len > 0 ? (size_t)lead_len : 0;
    size_t need = key_len + sl + ll;
    uint32_t h = cb_fnv1a32(key, key_len);
    int emptied = 0;
    part *pt;
    slot *s;
    char *blob;

    if (p < 0 || p >= c->nparts || key_len == 0 || key_len > 255)
        return -1;
    pt = &c->parts[p];
    /* copied first: state and lead may be this partition's own entries */
    blob = malloc(need);
    if (blob == NULL)
        goto nomem;
    memcpy(blob, key, key_len);
    if (sl)
        memcpy(blob + key_len, state, sl);
    if (ll)
        memcpy(blob + key_len + sl, lead, ll);
    if (pt->bytes + need + BLOB_OVERHEAD > c->share && pt->used > 0) {
        c->st.evicted++;
        part_clear(c, pt);
        emptied = 1;
    }
    if ((pt->used + 1) * 2 > pt->cap && grow(c, pt) != 0) {
        free(blob);
        goto nomem;
    }
    s = find(pt, key, key_len, h);
    if (s->blob != NULL) {
        size_t old = blob_bytes(s);
        pt->bytes -= old;
        c->st.bytes -= old;
        free(s->blob);
    } else {
        pt->used++;
    }
    s->blob = blob;
    s->hash = h;
    s->key_len = (uint8_t)key_len;
    s->state_len = state_len;
    s->lead_len = lead_len;
    pt->bytes += blob_bytes(s);
    c->st.bytes += blob_bytes(s);
    return emptied;
nomem:
    part_clear(c, pt);
    return -1;
}

void cb_cache_commit(cb_cache *c, int p, int64_t version)
{
    if (p >= 0 && p < c->nparts)
        c->parts[p].version = version;
}

void cb_cache_stats_get(const cb_cache *c, cb_cache_stats *stats)
{
    *stats = c->st;
}
