/* cb_codec.c -- Avro single-object encoding of canbao's records on avro-c's
 * generic value API, with schema resolution for other schema versions.
 *
 * Per kind the codec keeps one generic value of the built-in schema (what
 * encode fills, field by field through cached child values) and one of the
 * reader schema (what decode reads into), plus the writer schemas it knows
 * by fingerprint.  Nothing is parsed or allocated per record beyond the
 * output buffer's growth and what avro-c allocates for the strings it
 * reads.
 *
 * Two things avro-c 1.11.1 does not do are done here:
 *  - It trusts lengths in the datum: a string length of 2^31 makes it
 *    allocate 2 GB (and leak it when the read then fails), a negative one
 *    is not refused.  So every datum is first checked against its writer
 *    schema (cb_skim.h) before avro-c sees it.
 *  - Its resolved writer refuses a reader field that the writer lacks
 *    (defaults are a TODO there).  So such a writer is resolved to a
 *    "bridge" schema, the reader without those fields, and the missing
 *    fields are then set from their defaults. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cb_codec.h"
#include "cb_embed.h"
#include "cb_err.h"
#include "cb_schema.h"
#include "cb_skim.h"

#define MAX_WRITERS    16 /* writer schemas known per kind */
#define INITIAL_BUF    512

/* ------------------------------------------------- schemas and tables */

/* The type name and logicalType of a schema given as "t" or {"type":"t"}.
 * Returns 0, or -1 when it is neither. */
static int type_of(const json_t *t, const char **name, const char **logical)
{
    *logical = NULL;
    if (json_is_string(t)) {
        *name = json_string_value(t);
        return 0;
    }
    if (json_is_object(t) && json_is_string(json_object_get(t, "type"))) {
        const json_t *lt = json_object_get(t, "logicalType");
        *name = json_string_value(json_object_get(t, "type"));
        *logical = json_is_string(lt) ? json_string_value(lt) : NULL;
        return 0;
    }
    return -1;
}

/* What the field table wants, as words for error messages. */
static const char *ftype_wants(cb_ftype type)
{
    switch (type) {
    case CB_FT_STRING:
    case CB_FT_TEXT:
        return "\"string\"";
    case CB_FT_ENUM:
        return "an enum";
    case CB_FT_DATE:
        return "{\"type\":\"int\",\"logicalType\":\"date\"}";
    case CB_FT_TIME:
        return "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}";
    case CB_FT_LONG:
        return "\"long\"";
    case CB_FT_BOOL:
        return "\"boolean\"";
    case CB_FT_BYTES:
        return "\"bytes\"";
    }
    return "?";
}

/* Checks one field's Avro type against its table entry. */
static int check_field(const cb_kind_info *info, const cb_field *f,
                       const json_t *jf, char *errstr, size_t errstr_size)
{
    const json_t *t = json_object_get(jf, "type");
    const char *name, *logical, *want = NULL, *want_logical = NULL;

    if (!f->required) {
        const json_t *dflt = json_object_get(jf, "default");
        const char *n0, *l0;
        if (!json_is_array(t) || json_array_size(t) != 2 ||
            type_of(json_array_get(t, 0), &n0, &l0) != 0 ||
            strcmp(n0, "null") != 0)
            return cb_err_set(errstr, errstr_size,
                              "%s.%s is optional in the field table, so its "
                              "type must be [\"null\", %s]", info->name,
                              f->name, ftype_wants(f->type));
        if (dflt == NULL || !json_is_null(dflt))
            return cb_err_set(errstr, errstr_size,
                              "%s.%s is optional: it needs \"default\": null",
                              info->name, f->name);
        t = json_array_get(t, 1);
    } else if (json_is_array(t)) {
        return cb_err_set(errstr, errstr_size,
                          "%s.%s is required in the field table, so its type "
                          "must be %s, not a union", info->name, f->name,
                          ftype_wants(f->type));
    }
    if (type_of(t, &name, &logical) != 0)
        goto mismatch;
    switch (f->type) {
    case CB_FT_STRING:
    case CB_FT_TEXT:
        want = "string";
        break;
    case CB_FT_DATE:
        want = "int", want_logical = "date";
        break;
    case CB_FT_TIME:
        want = "long", want_logical = "timestamp-millis";
        break;
    case CB_FT_LONG:
        want = "long";
        break;
    case CB_FT_BOOL:
        want = "boolean";
        break;
    case CB_FT_BYTES:
        want = "bytes";
        break;
    case CB_FT_ENUM: {
        const json_t *syms = json_object_get(t, "symbols");
        if (strcmp(name, "enum") != 0 || !json_is_array(syms))
            goto mismatch;
        if ((int)json_array_size(syms) != f->nsymbols)
            return cb_err_set(errstr, errstr_size,
                              "%s.%s: the schema's enum has %zu symbols, the "
                              "field table %d", info->name, f->name,
                              json_array_size(syms), f->nsymbols);
        for (int i = 0; i < f->nsymbols; i++) {
            const char *s = json_string_value(json_array_get(syms, i));
            if (s == NULL || strcmp(s, f->symbols[i]) != 0)
                return cb_err_set(
                    errstr, errstr_size,
                    "%s.%s: enum symbol %d is '%s' in the schema, "
                    "'%s' in the field table",
                    info->name, f->name, i, s ? s : "?", f->symbols[i]);
        }
        return 0;
    }
    }
    if (strcmp(name, want) != 0)
        goto mismatch;
    if (want_logical == NULL
            ? logical != NULL
            : logical == NULL || strcmp(logical, want_logical) != 0)
        goto mismatch;
    return 0;
mismatch:
    return cb_err_set(
        errstr, errstr_size,
        "%s.%s: the schema's type does not match the field table, "
        "which wants %s%s",
        info->name, f->name, f->required ? "" : "a union of null and ",
        ftype_wants(f->type));
}

/* The full name of a record schema's JSON, into buf. */
static void full_name(const json_t *doc, char *buf, size_t size)
{
    const char *name = json_string_value(json_object_get(doc, "name"));
    const char *space = json_string_value(json_object_get(doc, "namespace"));

    if (name == NULL)
        name = "";
    if (strchr(name, '.') != NULL || space == NULL || *space == '\0')
        snprintf(buf, size, "%s", name);
    else
        snprintf(buf, size, "%s.%s", space, name);
}

/* The index of the field called name in a record schema's JSON, or -1. */
static int json_field_index(const json_t *doc, const char *name)
{
    const json_t *fields = json_object_get(doc, "fields");
    size_t i;
    const json_t *jf;

    json_array_foreach(fields, i, jf)
    {
        const char *n = json_string_value(json_object_get(jf, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return (int)i;
    }
    return -1;
}

/* Checks that a built-in schema is its kind's record with exactly the
 * fields of the table, in order. */
static int check_builtin(const cb_kind_info *info, const json_t *doc,
                         char *errstr, size_t errstr_size)
{
    const json_t *fields = json_object_get(doc, "fields");
    char fullname[256];

    const char *type = json_string_value(json_object_get(doc, "type"));

    full_name(doc, fullname, sizeof(fullname));
    if (type == NULL || strcmp(type, "record") != 0 ||
        strcmp(fullname, info->schema_name) != 0 || !json_is_array(fields))
        return cb_err_set(errstr, errstr_size,
                          "%s.avsc must be the record %s with a fields array",
                          info->name, info->schema_name);
    for (int i = 0; i < info->nfields; i++) {
        const json_t *jf = json_array_get(fields, (size_t)i);
        const char *n = json_string_value(json_object_get(jf, "name"));
        if (n == NULL || strcmp(n, info->fields[i].name) != 0)
            return cb_err_set(errstr, errstr_size,
                              "%s.avsc: field %d is '%s', the field table has "
                              "'%s'", info->name, i, n ? n : "(none)",
                              info->fields[i].name);
        if (check_field(info, &info->fields[i], jf, errstr, errstr_size))
            return -1;
    }
    if ((int)json_array_size(fields) != info->nfields)
        return cb_err_set(errstr, errstr_size,
                          "%s.avsc has %zu fields, the field table %d",
                          info->name, json_array_size(fields), info->nfields);
    return 0;
}

/* ---------------------------------------------------------- the codec */

/* The reader side of a kind: what decode reads into. */
typedef struct reader {
    json_t *doc; /* its JSON (defaults come from there) */
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    int has_value;
    uint64_t fp;
    size_t nfields;      /* of the reader schema */
    avro_value_t *child; /* each field's value inside value */
    int *slot;           /* per table field: reader field index, or -1 */
} reader;

/* How one writer schema's data reaches the reader value. */
typedef struct resolution {
    int direct;                /* same canonical form: read straight in */
    avro_value_iface_t *iface; /* resolved writer (NULL when direct) */
    avro_value_t rw;
    int has_rw;
    /* for a reader with fields the writer lacks: */
    avro_schema_t bridge_schema;
    avro_value_iface_t *bridge_iface;
    avro_value_t bridge;
    int has_bridge;
    int *bridge_of; /* per reader field: index in the bridge, or -1 */
} resolution;

typedef struct writer {
    uint64_t fp;
    avro_schema_t schema;
    cb_skim *skim; /* checks its datums before avro-c reads them */
    resolution res;
} writer;

typedef struct kind_codec {
    const cb_kind_info *info;
    const char *json; /* built-in schema text (embedded) */
    uint64_t fp;
    avro_value_iface_t *iface; /* of the built-in schema, for encoding */
    avro_value_t value;
    int has_value;
    avro_value_t *child;         /* per table field, inside value */
    writer writers[MAX_WRITERS]; /* [0] is the built-in schema */
    int nwriters;
    reader rd;
} kind_codec;

struct cb_codec {
    kind_codec kinds[CB_KIND_COUNT];
    avro_writer_t aw;
    avro_reader_t ar;
};

static void reader_term(reader *rd)
{
    free(rd->child);
    free(rd->slot);
    if (rd->has_value)
        avro_value_decref(&rd->value);
    if (rd->iface != NULL)
        avro_value_iface_decref(rd->iface);
    if (rd->schema != NULL)
        avro_schema_decref(rd->schema);
    json_decref(rd->doc);
    memset(rd, 0, sizeof(*rd));
}

static void resolution_term(resolution *res)
{
    if (res->has_rw)
        avro_value_decref(&res->rw);
    if (res->iface != NULL)
        avro_value_iface_decref(res->iface);
    if (res->has_bridge)
        avro_value_decref(&res->bridge);
    if (res->bridge_iface != NULL)
        avro_value_iface_decref(res->bridge_iface);
    if (res->bridge_schema != NULL)
        avro_schema_decref(res->bridge_schema);
    free(res->bridge_of);
    memset(res, 0, sizeof(*res));
}

static void writer_term(writer *w)
{
    resolution_term(&w->res);
    cb_skim_free(w->skim);
    if (w->schema != NULL)
        avro_schema_decref(w->schema);
    memset(w, 0, sizeof(*w));
}

/* Parses JSON text into a jansson document and an avro-c schema, and
 * computes its fingerprint. */
static int parse_schema(const char *json, size_t len, json_t **doc,
                        avro_schema_t *schema, uint64_t *fp, char *errstr,
                        size_t errstr_size)
{
    json_error_t jerr;
    char *pcf = NULL;

    *doc = NULL;
    *schema = NULL;
    *doc = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
    if (*doc == NULL)
        return cb_err_set(errstr, errstr_size, "not JSON: %s (line %d)",
                          jerr.text, jerr.line);
    if (cb_schema_canonical_json(*doc, &pcf, errstr, errstr_size) != 0)
        goto fail;
    *fp = cb_schema_crc64(pcf, strlen(pcf));
    free(pcf);
    if (avro_schema_from_json_length(json, len, schema) != 0) {
        *schema = NULL;
        cb_err_set(errstr, errstr_size, "avro-c refuses the schema: %s",
                   avro_strerror());
        goto fail;
    }
    return 0;
fail:
    json_decref(*doc);
    *doc = NULL;
    return -1;
}

/* Builds the reader side from a parsed schema; takes doc and schema in
 * every case. */
static int reader_init(reader *rd, const cb_kind_info *info, json_t *doc,
                       avro_schema_t schema, uint64_t fp, char *errstr,
                       size_t errstr_size)
{
    char fullname[256];

    memset(rd, 0, sizeof(*rd));
    rd->doc = doc;
    rd->schema = schema;
    rd->fp = fp;
    full_name(doc, fullname, sizeof(fullname));
    if (!is_avro_record(schema) || strcmp(fullname, info->schema_name) != 0) {
        cb_err_set(errstr, errstr_size,
                   "a reader schema for %s must be the record %s", info->name,
                   info->schema_name);
        goto fail;
    }
    rd->iface = avro_generic_class_from_schema(schema);
    if (rd->iface == NULL ||
        avro_generic_value_new(rd->iface, &rd->value) != 0) {
        cb_err_set(errstr, errstr_size, "%s: %s", info->name, avro_strerror());
        goto fail;
    }
    rd->has_value = 1;
    rd->nfields = avro_schema_record_size(schema);
    rd->child = calloc(rd->nfields + 1, sizeof(*rd->child));
    rd->slot = calloc((size_t)info->nfields, sizeof(*rd->slot));
    if (rd->child == NULL || rd->slot == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < rd->nfields; i++)
        avro_value_get_by_index(&rd->value, i, &rd->child[i], NULL);
    /* Table fields are found by name: a newer reader may add fields, and
     * the struct decode fills those the table knows. */
    for (int i = 0; i < info->nfields; i++) {
        const cb_field *f = &info->fields[i];
        int j = json_field_index(doc, f->name);
        rd->slot[i] = j;
        if (j >= 0 && check_field(info, f,
                                  json_array_get(json_object_get(doc, "fields"),
                                                 (size_t)j),
                                  errstr, errstr_size) != 0)
            goto fail;
    }
    return 0;
fail:
    reader_term(rd);
    return -1;
}

/* Sets an Avro value from a JSON default, as the spec reads defaults (a
 * union's default is for its first branch; bytes and fixed are strings of
 * code points 0-255). */
static int set_default(avro_value_t *v, const json_t *d, int depth)
{
    avro_value_t child;
    avro_schema_t s = avro_value_get_schema(v);

    if (depth > CB_SKIM_MAX_DEPTH)
        return -1;
    switch (avro_value_get_type(v)) {
    case AVRO_NULL:
        return json_is_null(d) ? avro_value_set_null(v) : -1;
    case AVRO_BOOLEAN:
        return json_is_boolean(d) ? avro_value_set_boolean(v, json_is_true(d))
                                  : -1;
    case AVRO_INT32:
        return json_is_integer(d)
                   ? avro_value_set_int(v, (int32_t)json_integer_value(d))
                   : -1;
    case AVRO_INT64:
        return json_is_integer(d)
                   ? avro_value_set_long(v, json_integer_value(d))
                   : -1;
    case AVRO_FLOAT:
        return json_is_number(d)
                   ? avro_value_set_float(v, (float)json_number_value(d))
                   : -1;
    case AVRO_DOUBLE:
        return json_is_number(d)
                   ? avro_value_set_double(v, json_number_value(d))
                   : -1;
    case AVRO_STRING:
        return json_is_string(d)
                   ? avro_value_set_string_len(v, json_string_value(d),
                                               json_string_length(d) + 1)
                   : -1;
    case AVRO_BYTES:
    case AVRO_FIXED: {
        /* each code point 0-255 of the string is one byte */
        const unsigned char *p = (const unsigned char *)json_string_value(d);
        size_t n = json_string_length(d), k = 0;
        unsigned char *b;
        int rc;
        if (p == NULL || (b = malloc(n + 1)) == NULL)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (p[i] < 0x80) {
                b[k++] = p[i];
            } else if ((p[i] & 0xFE) == 0xC2 && i + 1 < n) {
                b[k++] = (unsigned char)(((p[i] & 3) << 6) | (p[i + 1] & 63));
                i++;
            } else {
                free(b);
                return -1;
            }
        }
        if (avro_value_get_type(v) == AVRO_BYTES)
            rc = avro_value_set_bytes(v, b, k);
        else
            rc = (int64_t)k == avro_schema_fixed_size(s)
                     ? avro_value_set_fixed(v, b, k)
                     : -1;
        free(b);
        return rc;
    }
    case AVRO_ENUM: {
        int i = json_is_string(d)
                    ? avro_schema_enum_get_by_name(s, json_string_value(d))
                    : -1;
        return i >= 0 ? avro_value_set_enum(v, i) : -1;
    }
    case AVRO_UNION:
        if (avro_value_set_branch(v, 0, &child) != 0)
            return -1;
        return set_default(&child, d, depth + 1);
    case AVRO_RECORD: {
        size_t n;
        if (!json_is_object(d) || avro_value_get_size(v, &n) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const char *name;
            if (avro_value_get_by_index(v, i, &child, &name) != 0 ||
                set_default(&child, json_object_get(d, name), depth + 1))
                return -1;
        }
        return 0;
    }
    case AVRO_ARRAY: {
        size_t i;
        const json_t *e;
        if (!json_is_array(d))
            return -1;
        json_array_foreach(d, i, e)
        {
            if (avro_value_append(v, &child, NULL) != 0 ||
                set_default(&child, e, depth + 1) != 0)
                return -1;
        }
        return 0;
    }
    case AVRO_MAP: {
        const char *key;
        const json_t *e;
        if (!json_is_object(d))
            return -1;
        json_object_foreach((json_t *)d, key, e)
        {
            if (avro_value_add(v, key, &child, NULL, NULL) != 0 ||
                set_default(&child, e, depth + 1) != 0)
                return -1;
        }
        return 0;
    }
    default:
        return -1;
    }
}

/* The default of reader field i, as JSON, or NULL when it has none. */
static const json_t *reader_default(const reader *rd, size_t i)
{
    return json_object_get(
        json_array_get(json_object_get(rd->doc, "fields"), i), "default");
}

/* Works out how data of writer schema w reaches reader rd. */
static int resolution_init(resolution *res, const cb_kind_info *info,
                           const writer *w, reader *rd, char *errstr,
                           size_t errstr_size)
{
    json_t *bridge_doc = NULL;
    char *bridge_json = NULL;
    int missing = 0;

    memset(res, 0, sizeof(*res));
    if (w->fp == rd->fp) {
        res->direct = 1;
        return 0;
    }
    if (!is_avro_record(w->schema))
        return cb_err_set(errstr, errstr_size,
                          "writer schema %016" PRIx64 " of %s is not a record",
                          w->fp, info->name);
    res->bridge_of = calloc(rd->nfields + 1, sizeof(*res->bridge_of));
    if (res->bridge_of == NULL)
        return cb_err_set(errstr, errstr_size, "out of memory");
    for (size_t i = 0, b = 0; i < rd->nfields; i++) {
        const char *name = avro_schema_record_field_name(rd->schema, (int)i);
        if (avro_schema_record_field_get_index(w->schema, name) >= 0) {
            res->bridge_of[i] = (int)b++;
            continue;
        }
        res->bridge_of[i] = -1;
        missing++;
        if (reader_default(rd, i) == NULL) {
            cb_err_set(errstr, errstr_size,
                       "%s: reader field '%s' is not in writer schema "
                       "%016" PRIx64 " and has no default",
                       info->name, name, w->fp);
            goto fail;
        }
    }
    if (missing == 0) {
        res->iface = avro_resolved_writer_new(w->schema, rd->schema);
    } else {
        /* The bridge: the reader schema without the fields the writer
         * lacks, which avro-c can resolve to. */
        json_t *fields;
        size_t i;
        bridge_doc = json_deep_copy(rd->doc);
        fields = json_object_get(bridge_doc, "fields");
        if (bridge_doc == NULL || fields == NULL)
            goto oom;
        for (i = rd->nfields; i-- > 0;)
            if (res->bridge_of[i] < 0)
                json_array_remove(fields, i);
        bridge_json = json_dumps(bridge_doc, JSON_COMPACT);
        if (bridge_json == NULL)
            goto oom;
        if (avro_schema_from_json_length(bridge_json, strlen(bridge_json),
                                         &res->bridge_schema) != 0) {
            res->bridge_schema = NULL;
            cb_err_set(errstr, errstr_size, "%s: %s", info->name,
                       avro_strerror());
            goto fail;
        }
        res->bridge_iface = avro_generic_class_from_schema(res->bridge_schema);
        if (res->bridge_iface == NULL ||
            avro_generic_value_new(res->bridge_iface, &res->bridge) != 0)
            goto oom;
        res->has_bridge = 1;
        res->iface = avro_resolved_writer_new(w->schema, res->bridge_schema);
    }
    if (res->iface == NULL) {
        cb_err_set(errstr, errstr_size, "%s: writer schema %016" PRIx64
                   " cannot be resolved to the reader schema: %s", info->name,
                   w->fp, avro_strerror());
        goto fail;
    }
    if (avro_resolved_writer_new_value(res->iface, &res->rw) != 0)
        goto oom;
    res->has_rw = 1;
    avro_resolved_writer_set_dest(&res->rw,
                                  res->has_bridge ? &res->bridge : &rd->value);
    /* Try every default once now, so that a bad one fails here. */
    for (size_t i = 0; i < rd->nfields; i++) {
        if (res->bridge_of[i] >= 0)
            continue;
        avro_value_reset(&rd->child[i]);
        if (set_default(&rd->child[i], reader_default(rd, i), 0) != 0) {
            cb_err_set(errstr, errstr_size,
                       "%s: the default of reader field '%s' does not fit its "
                       "type", info->name,
                       avro_schema_record_field_name(rd->schema, (int)i));
            goto fail;
        }
    }
    json_decref(bridge_doc);
    free(bridge_json);
    return 0;
oom:
    cb_err_set(errstr, errstr_size, "out of memory");
fail:
    json_decref(bridge_doc);
    free(bridge_json);
    resolution_term(res);
    return -1;
}

/* Builds a writer entry from a parsed schema (takes schema in every
 * case); its resolution is set up by the caller. */
static int writer_init(writer *w, avro_schema_t schema, uint64_t fp,
                       char *errstr, size_t errstr_size)
{
    memset(w, 0, sizeof(*w));
    w->fp = fp;
    w->schema = schema;
    w->skim = cb_skim_new(schema);
    if (w->skim == NULL) {
        writer_term(w);
        return cb_err_set(errstr, errstr_size,
                          "writer schema %016" PRIx64 " is nested too deeply "
                          "(or out of memory)", fp);
    }
    return 0;
}

static void kind_term(kind_codec *kc)
{
    for (int i = 0; i < kc->nwriters; i++)
        writer_term(&kc->writers[i]);
    reader_term(&kc->rd);
    free(kc->child);
    if (kc->has_value)
        avro_value_decref(&kc->value);
    if (kc->iface != NULL)
        avro_value_iface_decref(kc->iface);
    memset(kc, 0, sizeof(*kc));
}

/* Sets up one kind from its built-in schema. */
static int kind_init(kind_codec *kc, cb_kind kind, char *errstr,
                     size_t errstr_size)
{
    const cb_kind_info *info = cb_kind_info_get(kind);
    const cb_embedded_file *ef;
    char file[64];
    json_t *doc = NULL;
    avro_schema_t schema = NULL;
    uint64_t fp;

    memset(kc, 0, sizeof(*kc));
    kc->info = info;
    snprintf(file, sizeof(file), "%s.avsc", info->name);
    ef = cb_embed_find(cb_schema_files, file);
    if (ef == NULL)
        return cb_err_set(errstr, errstr_size, "no built-in schema %s", file);
    kc->json = ef->data;
    if (parse_schema(ef->data, ef->size, &doc, &schema, &fp, errstr,
                     errstr_size) != 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", errstr);
        return cb_err_set(errstr, errstr_size, "%s: %s", file, why);
    }
    if (check_builtin(info, doc, errstr, errstr_size) != 0)
        goto fail;
    kc->fp = fp;

    /* encoding: one generic value, its fields fetched once */
    kc->iface = avro_generic_class_from_schema(schema);
    if (kc->iface == NULL ||
        avro_generic_value_new(kc->iface, &kc->value) != 0) {
        cb_err_set(errstr, errstr_size, "%s: %s", file, avro_strerror());
        goto fail;
    }
    kc->has_value = 1;
    kc->child = calloc((size_t)info->nfields, sizeof(*kc->child));
    if (kc->child == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        goto fail;
    }
    for (int i = 0; i < info->nfields; i++)
        avro_value_get_by_index(&kc->value, (size_t)i, &kc->child[i], NULL);

    /* the built-in schema is also the first writer and the reader */
    avro_schema_incref(schema);
    if (writer_init(&kc->writers[0], schema, fp, errstr, errstr_size) != 0)
        goto fail;
    kc->nwriters = 1;
    avro_schema_incref(schema);
    if (reader_init(&kc->rd, info, doc, schema, fp, errstr, errstr_size) != 0) {
        doc = NULL; /* reader_init took it */
        goto fail;
    }
    doc = NULL;
    if (resolution_init(&kc->writers[0].res, info, &kc->writers[0], &kc->rd,
                        errstr, errstr_size) != 0)
        goto fail;
    avro_schema_decref(schema);
    return 0;
fail:
    json_decref(doc);
    if (schema != NULL)
        avro_schema_decref(schema);
    kind_term(kc);
    return -1;
}

/* The earlier schema versions compiled in (schemas/history/), as writers
 * of the kind their name begins with. */
static int add_history(cb_codec *codec, char *errstr, size_t errstr_size)
{
    for (const cb_embedded_file *ef = cb_schema_history_files;
         ef->name != NULL; ef++) {
        const char *dash = strchr(ef->name, '-');
        char name[32], why[256];
        cb_kind kind;

        if (dash == NULL || (size_t)(dash - ef->name) >= sizeof(name))
            return cb_err_set(errstr, errstr_size,
                              "schemas/history/%s: not <kind>-<version>.avsc",
                              ef->name);
        memcpy(name, ef->name, (size_t)(dash - ef->name));
        name[dash - ef->name] = '\0';
        if (cb_kind_from_name(name, &kind) != 0)
            return cb_err_set(errstr, errstr_size,
                              "schemas/history/%s: no kind %s", ef->name,
                              name);
        if (cb_codec_add_writer(codec, kind, ef->data, why, sizeof(why)) != 0)
            return cb_err_set(errstr, errstr_size, "schemas/history/%s: %s",
                              ef->name, why);
    }
    return 0;
}

cb_codec *cb_codec_new(char *errstr, size_t errstr_size)
{
    cb_codec *codec = calloc(1, sizeof(*codec));
    static const char dummy[1];
    int k = 0;

    if (codec == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        return NULL;
    }
    for (k = 0; k < CB_KIND_COUNT; k++)
        if (kind_init(&codec->kinds[k], (cb_kind)k, errstr, errstr_size))
            goto fail;
    if (add_history(codec, errstr, errstr_size) != 0)
        goto fail;
    codec->aw = avro_writer_memory(dummy, 0);
    codec->ar = avro_reader_memory(dummy, 0);
    if (codec->aw == NULL || codec->ar == NULL) {
        cb_err_set(errstr, errstr_size, "out of memory");
        goto fail;
    }
    return codec;
fail:
    cb_codec_free(codec);
    return NULL;
}

void cb_codec_free(cb_codec *codec)
{
    if (codec == NULL)
        return;
    for (int k = 0; k < CB_KIND_COUNT; k++)
        kind_term(&codec->kinds[k]);
    if (codec->aw != NULL)
        avro_writer_free(codec->aw);
    if (codec->ar != NULL)
        avro_reader_free(codec->ar);
    free(codec);
}

uint64_t cb_codec_fingerprint(const cb_codec *codec, cb_kind kind)
{
    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return 0;
    return codec->kinds[kind].fp;
}

const char *cb_codec_schema_json(const cb_codec *codec, cb_kind kind)
{
    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return NULL;
    return codec->kinds[kind].json;
}

/* The kind and writer of a fingerprint, or -1. */
static int find_writer(cb_codec *codec, uint64_t fp, kind_codec **kc,
                       writer **w)
{
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        kind_codec *c = &codec->kinds[k];
        for (int i = 0; i < c->nwriters; i++) {
            if (c->writers[i].fp == fp) {
                *kc = c;
                *w = &c->writers[i];
                return 0;
            }
        }
    }
    return -1;
}

int cb_codec_add_writer(cb_codec *codec, cb_kind kind, const char *json,
                        char *errstr, size_t errstr_size)
{
    kind_codec *kc, *other;
    writer *w, *known;
    json_t *doc;
    avro_schema_t schema;
    uint64_t fp;

    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return cb_err_set(errstr, errstr_size, "unknown kind %d", (int)kind);
    kc = &codec->kinds[kind];
    if (parse_schema(json, strlen(json), &doc, &schema, &fp, errstr,
                     errstr_size) != 0)
        return -1;
    json_decref(doc);
    if (find_writer(codec, fp, &other, &known) == 0) {
        avro_schema_decref(schema);
        if (other != kc)
            return cb_err_set(errstr, errstr_size,
                              "schema %016" PRIx64 " is already a writer of %s",
                              fp, other->info->name);
        return 0; /* known already */
    }
    if (kc->nwriters == MAX_WRITERS) {
        avro_schema_decref(schema);
        return cb_err_set(errstr, errstr_size,
                          "%s has %d writer schemas already", kc->info->name,
                          MAX_WRITERS);
    }
    w = &kc->writers[kc->nwriters];
    if (writer_init(w, schema, fp, errstr, errstr_size) != 0)
        return -1;
    if (resolution_init(&w->res, kc->info, w, &kc->rd, errstr, errstr_size) !=
        0) {
        writer_term(w);
        return -1;
    }
    kc->nwriters++;
    return 0;
}

int cb_codec_set_reader(cb_codec *codec, cb_kind kind, const char *json,
                        char *errstr, size_t errstr_size)
{
    kind_codec *kc;
    reader rd;
    resolution res[MAX_WRITERS];
    json_t *doc;
    avro_schema_t schema;
    uint64_t fp;
    int i;

    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return cb_err_set(errstr, errstr_size, "unknown kind %d", (int)kind);
    kc = &codec->kinds[kind];
    if (parse_schema(json, strlen(json), &doc, &schema, &fp, errstr,
                     errstr_size) != 0)
        return -1;
    if (reader_init(&rd, kc->info, doc, schema, fp, errstr, errstr_size))
        return -1;
    /* Resolve every known writer to the new reader before replacing
     * anything, so that a failure leaves the codec as it was. */
    for (i = 0; i < kc->nwriters; i++) {
        if (resolution_init(&res[i], kc->info, &kc->writers[i], &rd, errstr,
                            errstr_size) != 0) {
            while (i-- > 0)
                resolution_term(&res[i]);
            reader_term(&rd);
            return -1;
        }
    }
    for (i = 0; i < kc->nwriters; i++) {
        resolution_term(&kc->writers[i].res);
        kc->writers[i].res = res[i];
    }
    reader_term(&kc->rd);
    kc->rd = rd;
    /* the resolved writers point at rd's value, which has not moved: rd
     * holds avro_value_t handles, not the instances themselves */
    return 0;
}

/* ------------------------------------------------------------- encoding */

/* Puts one present field of rec into its Avro value. */
static int encode_field(kind_codec *kc, const cb_field *f, const void *rec,
                        avro_value_t *v, char *errstr, size_t errstr_size)
{
    const void *p = CB_FIELD_CPTR(rec, f);
    avro_wrapped_buffer_t wb;
    int rc = 0;

    switch (f->type) {
    case CB_FT_STRING: {
        const char *s = p;
        size_t len = strnlen(s, f->size);
        if (len == f->size)
            return cb_err_set(errstr, errstr_size, "%s.%s is not terminated",
                              kc->info->name, f->name);
        if (cb_utf8_valid_prefix(s, len) != len)
            return cb_err_set(errstr, errstr_size, "%s.%s is not valid UTF-8",
                              kc->info->name, f->name);
        /* no copy: the value borrows the record's bytes until the write */
        avro_wrapped_buffer_new(&wb, s, len + 1);
        rc = avro_value_give_string_len(v, &wb);
        break;
    }
    case CB_FT_TEXT: {
        const cb_span *sp = p;
        if (cb_utf8_valid_prefix(sp->ptr, sp->len) != sp->len)
            return cb_err_set(errstr, errstr_size, "%s.%s is not valid UTF-8",
                              kc->info->name, f->name);
        /* the size counts a NUL that avro-c never reads when writing */
        avro_wrapped_buffer_new(&wb, sp->ptr, sp->len + 1);
        rc = avro_value_give_string_len(v, &wb);
        break;
    }
    case CB_FT_BYTES: {
        const cb_span *sp = p;
        avro_wrapped_buffer_new(&wb, sp->ptr, sp->len);
        rc = avro_value_give_bytes(v, &wb);
        break;
    }
    case CB_FT_ENUM: {
        int e = *(const int *)p;
        if (e >= f->nsymbols)
            return cb_err_set(errstr, errstr_size,
                              "%s.%s is %d, outside its %d symbols",
                              kc->info->name, f->name, e, f->nsymbols);
        rc = avro_value_set_enum(v, e);
        break;
    }
    case CB_FT_DATE:
        rc = avro_value_set_int(v, *(const int32_t *)p);
        break;
    case CB_FT_TIME:
    case CB_FT_LONG:
        rc = avro_value_set_long(v, *(const int64_t *)p);
        break;
    case CB_FT_BOOL: {
        int b = *(const int *)p;
        if (b != 0 && b != 1)
            return cb_err_set(errstr, errstr_size, "%s.%s is %d, not 0 or 1",
                              kc->info->name, f->name, b);
        rc = avro_value_set_boolean(v, b);
        break;
    }
    }
    if (rc != 0)
        return cb_err_set(errstr, errstr_size, "%s.%s: %s", kc->info->name,
                          f->name, avro_strerror());
    return 0;
}

int cb_codec_encode(cb_codec *codec, cb_kind kind, const void *rec, cb_buf *out,
                    char *errstr, size_t errstr_size)
{
    kind_codec *kc;
    int rc;

    if ((int)kind < 0 || kind >= CB_KIND_COUNT)
        return cb_err_set(errstr, errstr_size, "unknown kind %d", (int)kind);
    kc = &codec->kinds[kind];
    for (int i = 0; i < kc->info->nfields; i++) {
        const cb_field *f = &kc->info->fields[i];
        avro_value_t *v = &kc->child[i], branch;

        if (cb_field_is_absent(f, rec)) {
            if (f->required)
                return cb_err_set(errstr, errstr_size, "%s.%s is required",
                                  kc->info->name, f->name);
            if (avro_value_set_branch(v, 0, &branch) != 0 ||
                avro_value_set_null(&branch) != 0)
                return cb_err_set(errstr, errstr_size, "%s.%s: %s",
                                  kc->info->name, f->name, avro_strerror());
            continue;
        }
        if (!f->required) {
            if (avro_value_set_branch(v, 1, &branch) != 0)
                return cb_err_set(errstr, errstr_size, "%s.%s: %s",
                                  kc->info->name, f->name, avro_strerror());
            v = &branch;
        }
        if (encode_field(kc, f, rec, v, errstr, errstr_size) != 0)
            return -1;
    }

    out->len = 0;
    if (cb_buf_grow(out, INITIAL_BUF) != 0)
        return cb_err_set(errstr, errstr_size, "out of memory");
    for (;;) {
        avro_writer_memory_set_dest(codec->aw, out->data + CB_CODEC_HEADER_SZ,
                                    (int64_t)(out->cap - CB_CODEC_HEADER_SZ));
        rc = avro_value_write(codec->aw, &kc->value);
        if (rc == 0)
            break;
        if (rc != ENOSPC)
            return cb_err_set(errstr, errstr_size, "%s: %s", kc->info->name,
                              avro_strerror());
        if (out->cap > ((size_t)1 << 30) || cb_buf_grow(out, out->cap * 2) != 0)
            return cb_err_set(errstr, errstr_size, "out of memory");
    }
    out->data[0] = (char)CB_CODEC_MAGIC0;
    out->data[1] = (char)CB_CODEC_MAGIC1;
    for (int i = 0; i < 8; i++)
        out->data[2 + i] = (char)(kc->fp >> (8 * i));
    out->len = CB_CODEC_HEADER_SZ + (size_t)avro_writer_tell(codec->aw);
    return 0;
}

/* ------------------------------------------------------------- decoding */

int cb_codec_peek_fingerprint(const void *data, size_t len, uint64_t *fp)
{
    const unsigned char *p = data;
    uint64_t v = 0;

    if (len < CB_CODEC_HEADER_SZ || p[0] != CB_CODEC_MAGIC0 ||
        p[1] != CB_CODEC_MAGIC1)
        return -1;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[2 + i];
    *fp = v;
    return 0;
}

/* Decodes a message into the reader value of its kind. */
static int decode_to_reader(cb_codec *codec, const void *data, size_t len,
                            kind_codec **kcp, char *errstr, size_t errstr_size)
{
    const unsigned char *p = data;
    kind_codec *kc;
    writer *w;
    const char *why;
    uint64_t fp;
    size_t dlen;
    int rc;

    if (len < CB_CODEC_HEADER_SZ)
        return cb_err_set(errstr, errstr_size,
                          "message too short: %zu bytes, a header alone is %d",
                          len, CB_CODEC_HEADER_SZ);
    if (cb_codec_peek_fingerprint(data, len, &fp) != 0)
        return cb_err_set(errstr, errstr_size,
                          "not an Avro single-object message: it starts with "
                          "%02X %02X, not C3 01", p[0], p[1]);
    if (find_writer(codec, fp, &kc, &w) != 0)
        return cb_err_set(errstr, errstr_size,
                          "unknown writer schema: fingerprint %016" PRIx64
                          " is not one this program knows", fp);
    if (cb_skim_check(w->skim, p + CB_CODEC_HEADER_SZ,
                      len - CB_CODEC_HEADER_SZ, &why) != 0)
        return cb_err_set(errstr, errstr_size, "%s datum does not decode: %s",
                          kc->info->name, why);
    dlen = len - CB_CODEC_HEADER_SZ;
    avro_reader_memory_set_source(
        codec->ar, (const char *)p + CB_CODEC_HEADER_SZ, (int64_t)dlen);
    if (w->res.direct) {
        rc = avro_value_read(codec->ar, &kc->rd.value);
    } else {
        rc = avro_value_read(codec->ar, &w->res.rw);
        if (rc == 0 && w->res.has_bridge) {
            reader *rd = &kc->rd;
            avro_value_reset(&rd->value);
            for (size_t i = 0; i < rd->nfields && rc == 0; i++) {
                avro_value_t b;
                if (w->res.bridge_of[i] < 0) {
                    rc = set_default(&rd->child[i], reader_default(rd, i), 0);
                    continue;
                }
                rc = avro_value_get_by_index(
                    &w->res.bridge, (size_t)w->res.bridge_of[i], &b, NULL);
                if (rc == 0)
                    rc = avro_value_copy_fast(&rd->child[i], &b);
            }
        }
    }
    if (rc != 0)
        return cb_err_set(errstr, errstr_size, "%s datum does not decode: %s",
                          kc->info->name, avro_strerror());
    *kcp = kc;
    return 0;
}

/* Copies one field from the reader value into rec (already cleared). */
static int decode_field(kind_codec *kc, const cb_field *f, avro_value_t *v,
                        void *rec, char *errstr, size_t errstr_size)
{
    void *p = CB_FIELD_PTR(rec, f);
    avro_value_t branch;
    int rc = 0;

    if (!f->required) {
        int d = -1;
        if (avro_value_get_discriminant(v, &d) != 0 || d < 0)
            goto bad;
        if (d == 0)
            return 0; /* null: absent */
        if (avro_value_get_current_branch(v, &branch) != 0)
            goto bad;
        v = &branch;
    }
    switch (f->type) {
    case CB_FT_STRING: {
        const char *s = NULL;
        size_t size = 0, len;
        rc = avro_value_get_string(v, &s, &size);
        if (rc != 0)
            break;
        len = size > 0 ? size - 1 : 0;
        if (len >= f->size)
            return cb_err_set(errstr, errstr_size,
                              "%s.%s is %zu bytes long, this program keeps at "
                              "most %zu", kc->info->name, f->name, len,
                              f->size - 1);
        memcpy(p, s, len);
        ((char *)p)[len] = '\0';
        break;
    }
    case CB_FT_TEXT: {
        const char *s = NULL;
        size_t size = 0;
        cb_span *sp = p;
        rc = avro_value_get_string(v, &s, &size);
        sp->ptr = s != NULL ? s : "";
        sp->len = size > 0 ? size - 1 : 0;
        break;
    }
    case CB_FT_BYTES: {
        const void *b = NULL;
        size_t size = 0;
        cb_span *sp = p;
        rc = avro_value_get_bytes(v, &b, &size);
        sp->ptr = b != NULL ? b : "";
        sp->len = size;
        break;
    }
    case CB_FT_ENUM: {
        int e = -1;
        rc = avro_value_get_enum(v, &e);
        if (rc == 0 && (e < 0 || e >= f->nsymbols))
            return cb_err_set(errstr, errstr_size,
                              "%s.%s: enum index %d out of range",
                              kc->info->name, f->name, e);
        *(int *)p = e;
        break;
    }
    case CB_FT_DATE:
        rc = avro_value_get_int(v, (int32_t *)p);
        break;
    case CB_FT_TIME:
    case CB_FT_LONG:
        rc = avro_value_get_long(v, (int64_t *)p);
        break;
    case CB_FT_BOOL: {
        int b = 0;
        rc = avro_value_get_boolean(v, &b);
        *(int *)p = b ? 1 : 0;
        break;
    }
    }
    if (rc == 0)
        return 0;
bad:
    return cb_err_set(errstr, errstr_size, "%s.%s: %s", kc->info->name, f->name,
                      avro_strerror());
}

int cb_codec_decode(cb_codec *codec, const void *data, size_t len,
                    cb_kind *kind, void *rec, char *errstr, size_t errstr_size)
{
    kind_codec *kc;

    if (decode_to_reader(codec, data, len, &kc, errstr, errstr_size) != 0)
        return -1;
    cb_record_clear(kc->info->kind, rec);
    for (int i = 0; i < kc->info->nfields; i++) {
        int j = kc->rd.slot[i];
        if (j < 0)
            continue;
        if (decode_field(kc, &kc->info->fields[i], &kc->rd.child[j], rec,
                         errstr, errstr_size) != 0)
            return -1;
    }
    *kind = kc->info->kind;
    return 0;
}

int cb_codec_decode_record(cb_codec *codec, const void *data, size_t len,
                           cb_record *rec, char *errstr, size_t errstr_size)
{
    return cb_codec_decode(codec, data, len, &rec->kind, &rec->u, errstr,
                           errstr_size);
}

int cb_codec_decode_value(cb_codec *codec, const void *data, size_t len,
                          cb_kind *kind, avro_value_t **value, char *errstr,
                          size_t errstr_size)
{
    kind_codec *kc;

    if (decode_to_reader(codec, data, len, &kc, errstr, errstr_size) != 0)
        return -1;
    *kind = kc->info->kind;
    *value = &kc->rd.value;
    return 0;
}
