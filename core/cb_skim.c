/* cb_skim.c -- walks an Avro binary datum against its writer schema and
 * checks that every varint, length, count and index fits the bytes there,
 * without building any value.  The schema is compiled once into a small
 * table of nodes, so a check costs one pass over the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_record.h"
#include "cb_skim.h"


/* A writer schema compiled for skimming: one node per distinct schema,
 * children as runs of indexes into kids. */
typedef struct skim_node {
    avro_type_t type;
    int32_t n;    /* record: fields; union: branches; enum: symbols;
                     fixed: size; array, map: 1 */
    int32_t kids; /* index of the first child in skim_prog.kids */
    int empty_ok; /* can a value of it take no bytes at all */
} skim_node;

typedef struct skim_prog {
    skim_node *nodes;
    avro_schema_t *from; /* the schema of each node, to reuse nodes */
    int32_t nnodes, capnodes;
    int32_t *kids;
    int32_t nkids, capkids;
} skim_prog;

static void skim_free(skim_prog *p)
{
    free(p->nodes);
    free(p->from);
    free(p->kids);
    memset(p, 0, sizeof(*p));
}

/* Compiles schema s into p; stores its node's index in *out. */
static int skim_compile(skim_prog *p, avro_schema_t s, int32_t *out, int depth)
{
    int32_t idx, first = 0, n = 0;

    if (depth > CB_SKIM_MAX_DEPTH)
        return -1;
    while (is_avro_link(s))
        s = avro_schema_link_target(s);
    for (int32_t i = 0; i < p->nnodes; i++) {
        if (p->from[i] == s) {
            *out = i;
            return 0;
        }
    }
    if (p->nnodes == p->capnodes) {
        int32_t cap = p->capnodes ? p->capnodes * 2 : 32;
        skim_node *nodes = realloc(p->nodes, (size_t)cap * sizeof(*nodes));
        avro_schema_t *from;
        if (nodes == NULL)
            return -1;
        p->nodes = nodes;
        from = realloc(p->from, (size_t)cap * sizeof(*from));
        if (from == NULL)
            return -1;
        p->from = from;
        p->capnodes = cap;
    }
    idx = p->nnodes++;
    p->from[idx] = s;
    p->nodes[idx].type = avro_typeof(s);
    p->nodes[idx].empty_ok = 0;
    switch (avro_typeof(s)) {
    case AVRO_RECORD:
        n = (int32_t)avro_schema_record_size(s);
        break;
    case AVRO_UNION:
        n = (int32_t)avro_schema_union_size(s);
        break;
    case AVRO_ARRAY:
    case AVRO_MAP:
        n = 1;
        break;
    default:
        break;
    }
    if (n > 0) { /* reserve the run of kids first, so it stays contiguous */
        if (p->nkids + n > p->capkids) {
            int32_t cap = p->capkids ? p->capkids : 64;
            int32_t *kids;
            while (cap < p->nkids + n)
                cap *= 2;
            kids = realloc(p->kids, (size_t)cap * sizeof(*kids));
            if (kids == NULL)
                return -1;
            p->kids = kids;
            p->capkids = cap;
        }
        first = p->nkids;
        p->nkids += n;
    }
    p->nodes[idx].kids = first;
    p->nodes[idx].n = n;
    switch (avro_typeof(s)) {
    case AVRO_NULL:
        p->nodes[idx].empty_ok = 1;
        break;
    case AVRO_ENUM:
        p->nodes[idx].n = avro_schema_enum_number_of_symbols(s);
        break;
    case AVRO_FIXED:
        p->nodes[idx].n = (int32_t)avro_schema_fixed_size(s);
        p->nodes[idx].empty_ok = p->nodes[idx].n == 0;
        break;
    case AVRO_RECORD: {
        int empty = 1;
        for (int32_t i = 0; i < n; i++) {
            int32_t kid;
            if (skim_compile(p, avro_schema_record_field_get_by_index(s, i),
                             &kid, depth + 1) != 0)
                return -1;
            p->kids[first + i] = kid;
            empty = empty && p->nodes[kid].empty_ok;
        }
        p->nodes[idx].empty_ok = empty;
        break;
    }
    case AVRO_UNION:
        for (int32_t i = 0; i < n; i++) {
            int32_t kid;
            if (skim_compile(p, avro_schema_union_branch(s, i), &kid,
                             depth + 1) != 0)
                return -1;
            p->kids[first + i] = kid;
        }
        break;
    case AVRO_ARRAY:
    case AVRO_MAP: {
        int32_t kid;
        if (skim_compile(p,
                         avro_typeof(s) == AVRO_ARRAY
                             ? avro_schema_array_items(s)
                             : avro_schema_map_values(s),
                         &kid, depth + 1) != 0)
            return -1;
        p->kids[first] = kid;
        break;
    }
    default:
        break;
    }
    *out = idx;
    return 0;
}

typedef struct skim_cursor {
    const unsigned char *p, *end;
    const char *why; /* what was wrong, for the error message */
} skim_cursor;

/* Reads one zig-zag varint long. */
static int skim_long(skim_cursor *c, int64_t *v)
{
    uint64_t raw = 0;

    for (int shift = 0; shift < 70; shift += 7) {
        unsigned char b;
        if (c->p == c->end) {
            c->why = "the datum ends inside a number";
            return -1;
        }
        b = *c->p++;
        if (shift == 63 && b > 1) {
            c->why = "a number is longer than 64 bits";
            return -1;
        }
        raw |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
            return 0;
        }
    }
    c->why = "a number is longer than 10 bytes";
    return -1;
}

/* Reads a length and checks that that many bytes follow. */
static int skim_length(skim_cursor *c, int64_t *len)
{
    if (skim_long(c, len) != 0)
        return -1;
    if (*len < 0) {
        c->why = "a negative length";
        return -1;
    }
    if (*len > c->end - c->p) {
        c->why = "a length runs past the end of the datum";
        return -1;
    }
    return 0;
}

/* Checks the count of an array or map block against the bytes left. */
static int skim_count(skim_cursor *c, const skim_node *item, int64_t *count)
{
    int64_t size;

    if (skim_long(c, count) != 0)
        return -1;
    if (*count < 0) { /* a negative count is followed by a byte size */
        if (*count == INT64_MIN) {
            c->why = "a bad block count";
            return -1;
        }
        *count = -*count;
        if (skim_length(c, &size) != 0)
            return -1;
    }
    if (item->empty_ok ? *count > 65536 : *count > c->end - c->p) {
        c->why = "a block count runs past the end of the datum";
        return -1;
    }
    return 0;
}

/* Walks one value of node `idx` and checks that it is well formed. */
static int skim_value(const skim_prog *p, int32_t idx, skim_cursor *c,
                      int depth)
{
    const skim_node *nd = &p->nodes[idx];
    int64_t v, len;

    if (depth > CB_SKIM_MAX_DEPTH) {
        c->why = "values nested too deeply";
        return -1;
    }
    switch (nd->type) {
    case AVRO_NULL:
        return 0;
    case AVRO_BOOLEAN:
        if (c->p == c->end || *c->p > 1) {
            c->why = "a boolean that is neither 0 nor 1";
            return -1;
        }
        c->p++;
        return 0;
    case AVRO_INT32:
        if (skim_long(c, &v) != 0)
            return -1;
        if (v < INT32_MIN || v > INT32_MAX) {
            c->why = "an int out of range";
            return -1;
        }
        return 0;
    case AVRO_INT64:
        return skim_long(c, &v);
    case AVRO_FLOAT:
    case AVRO_DOUBLE:
        len = nd->type == AVRO_FLOAT ? 4 : 8;
        if (c->end - c->p < len) {
            c->why = "the datum ends inside a number";
            return -1;
        }
        c->p += len;
        return 0;
    case AVRO_STRING:
        if (skim_length(c, &len) != 0)
            return -1;
        /* canbao keeps strings as C strings: UTF-8 without NUL */
        if (cb_utf8_valid_prefix((const char *)c->p, (size_t)len) !=
            (size_t)len) {
            c->why = "a string that is not UTF-8 (or holds a NUL)";
            return -1;
        }
        c->p += len;
        return 0;
    case AVRO_BYTES:
        if (skim_length(c, &len) != 0)
            return -1;
        c->p += len;
        return 0;
    case AVRO_FIXED:
        if (c->end - c->p < nd->n) {
            c->why = "the datum ends inside a fixed";
            return -1;
        }
        c->p += nd->n;
        return 0;
    case AVRO_ENUM:
        if (skim_long(c, &v) != 0)
            return -1;
        if (v < 0 || v >= nd->n) {
            c->why = "an enum index out of range";
            return -1;
        }
        return 0;
    case AVRO_UNION:
        if (skim_long(c, &v) != 0)
            return -1;
        if (v < 0 || v >= nd->n) {
            c->why = "a union branch out of range";
            return -1;
        }
        return skim_value(p, p->kids[nd->kids + v], c, depth + 1);
    case AVRO_RECORD:
        for (int32_t i = 0; i < nd->n; i++)
            if (skim_value(p, p->kids[nd->kids + i], c, depth + 1) != 0)
                return -1;
        return 0;
    case AVRO_ARRAY:
    case AVRO_MAP: {
        int32_t item = p->kids[nd->kids];
        int64_t count, total = 0;
        for (;;) {
            if (skim_count(c, &p->nodes[item], &count) != 0)
                return -1;
            if (count == 0)
                return 0;
            total += count;
            if (total > 1 << 24) {
                c->why = "too many items";
                return -1;
            }
            for (int64_t i = 0; i < count; i++) {
                if (nd->type == AVRO_MAP) {
                    if (skim_length(c, &len) != 0)
                        return -1;
                    c->p += len;
                }
                if (skim_value(p, item, c, depth + 1) != 0)
                    return -1;
            }
        }
    }
    default:
        c->why = "a type this codec does not know";
        return -1;
    }
}

struct cb_skim {
    skim_prog prog;
    int32_t root; /* the node of the whole schema */
};

cb_skim *cb_skim_new(avro_schema_t schema)
{
    cb_skim *sk = calloc(1, sizeof(*sk));

    if (sk == NULL)
        return NULL;
    if (skim_compile(&sk->prog, schema, &sk->root, 0) != 0) {
        cb_skim_free(sk);
        return NULL;
    }
    return sk;
}

void cb_skim_free(cb_skim *skim)
{
    if (skim == NULL)
        return;
    skim_free(&skim->prog);
    free(skim);
}

int cb_skim_check(const cb_skim *skim, const void *data, size_t len,
                  const char **why)
{
    skim_cursor cur;

    cur.p = data;
    cur.end = cur.p + len;
    cur.why = NULL;
    if (skim_value(&skim->prog, skim->root, &cur, 0) != 0) {
        *why = cur.why;
        return -1;
    }
    if (cur.p != cur.end) {
        *why = "bytes are left after its end";
        return -1;
    }
    return 0;
}
