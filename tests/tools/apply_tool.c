/* apply_tool.c -- drives the matcher's atomic step without Kafka, for the
 * rule tests: reads events as JSON lines, applies them through the real ops
 * (cb_ops) and step (cb_store, cb_step), follows the derived ownership changes
 * of the outbox, and prints the lead, alert and review stores as sorted JSON
 * lines.
 *
 *   apply_tool REDIS_URL TODAY [--batch N] [--snapshot] [--truth DIR]
 *              [--cache-kb N] < events > stores
 *   apply_tool REDIS_URL - [--states]   print the stores (and the states)
 *
 * An input line is {"kind": KIND, "record": {...}} (the record as canbao
 * tail prints it, unmasked; one refused for its person's number alone is
 * a suspect, read as the matcher reads its dead letter), {"tick": ID}, {"decide": LEAD_ID,
 * "decision": "contacted"|"refused"|"enrolled"|"invalid"}, or {"review":
 * REVIEW_ID, "verdict": "confirm"|"reject"|"correct"} (given at 00:00 of
 * TODAY; a correction's re-produced records are left in the outbox).
 * A review item prints as {"review": {...}} with the fields the ground
 * truth has (review_id, kind, township_code, subject_id, other_id, names,
 * evidence, status; "" when empty), not its times.  Events are
 * applied in batches of N (default: all), each batch one step per
 * partition, by a store that keeps a cache of N KiB (cb_cache.h; default
 * none).  An event line with "external": true is applied at once, after
 * what came before it, through a second connection without a cache, as
 * another writer (a second matcher, `canbao lead`) would.  With --snapshot, enrollment rows are snapshot rows.  With
 * --truth DIR the records are also folded into the generator's reference
 * implementation of the rules (gen/cb_truth*.c), whose leads, alerts
 * and progress on TODAY are written to DIR as `canbao gen` writes its
 * truth/ (team decisions and ticks are not part of it).  With
 * TODAY "-" nothing is applied and the stores are just printed.  Ids are
 * keyed with CANBAO_ID_KEY, as the matcher's are. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_codec.h"
#include "cb_group.h"
#include "cb_ident.h"
#include "cb_idkey.h"
#include "cb_ops.h"
#include "cb_step.h"
#include "cb_record_json.h"
#include "cb_reviewrec.h"
#include "cb_state.h"
#include "cb_store.h"
#include "cb_truth.h"

#define PARTITIONS 16
#define MAX_OPS    100000

typedef struct pending {
    cb_buf ops[MAX_OPS];
    int part[MAX_OPS];
    size_t n;
} pending;

static cb_store *store, *other;
static int32_t today;
static int with_states;

static void die(const char *what, const char *err)
{
    fprintf(stderr, "apply_tool: %s: %s\n", what, err);
    exit(1);
}

/* Applies what is pending, one step per partition, then the ownership
 * changes and name-group messages the steps put in the outboxes, until
 * none are left. */
static void flush(pending *pd)
{
    char err[512];

    /* at least one look at the outboxes: an external writer's step (or
     * the last one) may have left entries with nothing pending */
    for (int first = 1; first || pd->n > 0; first = 0) {
        for (int p = 0; p < PARTITIONS && pd->n > 0; p++) {
            cb_buf *ops = malloc(pd->n * sizeof(*ops));
            size_t k = 0;
            cb_store_result res;
            for (size_t i = 0; i < pd->n; i++)
                if (pd->part[i] == p)
                    ops[k++] = pd->ops[i];
            if (k > 0 && cb_store_step(store, p, today, 0, ops, k, NULL, NULL,
                                       0, &res, err, sizeof(err)) != 0)
                die("step", err);
            free(ops);
        }
        for (size_t i = 0; i < pd->n; i++)
            cb_buf_free(&pd->ops[i]);
        pd->n = 0;

        /* Ownership changes go to the person's partition. */
        for (int p = 0; p < PARTITIONS; p++) {
            char key[64];
            cb_store_key(key, sizeof(key), "out", p);
            redisReply *r = cb_redis_commandf(cb_store_redis(store),
                                              "XRANGE %s - +", key);
            if (r == NULL)
                die("XRANGE", cb_redis_errstr(cb_store_redis(store)));
            for (size_t i = 0; i < r->elements; i++) {
                redisReply *fields = r->element[i]->element[1];
                size_t n = fields->elements & ~(size_t)1;
                for (size_t from = 0, to; from < n; from = to) {
                    to = cb_step_outbox_message_end(fields, from);
                    const redisReply
                        *tr = cb_step_outbox_field(fields, from, to, "t"),
                        *kr = cb_step_outbox_field(fields, from, to, "k"),
                        *v = cb_step_outbox_field(fields, from, to, "v");
                    if (tr == NULL || kr == NULL || v == NULL ||
                        (strcmp(tr->str, "O") != 0 &&
                         strcmp(tr->str, "N") != 0))
                        continue;
                    const char *t = tr->str, *k = kr->str;
                    if (pd->n == MAX_OPS)
                        die("outbox", "more messages than MAX_OPS");
                    cb_subject s;
                    memset(&pd->ops[pd->n], 0, sizeof(cb_buf));
                    if (t[0] == 'O' &&
                        cb_ops_ownership(k, v->str, v->len, -1,
                                         CB_STORE_BUCKETS, &pd->ops[pd->n],
                                         &s, err, sizeof(err)) != 0)
                        die("ownership", err);
                    if (t[0] == 'N' &&
                        cb_ops_group(k, strlen(k), v->str, v->len, -1,
                                     CB_STORE_BUCKETS, &pd->ops[pd->n], &s,
                                     err, sizeof(err)) != 0)
                        die("group", err);
                    pd->part[pd->n++] = cb_store_partition_of(store, &s);
                }
            }
            freeReplyObject(r);
            r = cb_redis_commandf(cb_store_redis(store), "DEL %s", key);
            freeReplyObject(r);
        }
    }
}

/* The op of a record refused for its number (a suspect, RULES.md 9.3):
 * the dead letter `canbao produce` would send, with the record encoded as
 * its feed topic's value, through the matcher's own reading of it. */
/* The codec of the suspects, made on the first one; freed at the end. */
static cb_codec *codec;

static int suspect_op(cb_kind kind, const void *rec,
                      const cb_field_error *ferr, cb_buf *op,
                      cb_subject *s, char *err, size_t err_size)
{
    cb_buf value = {0};
    cb_deadletter dl;
    int r;

    if (codec == NULL && (codec = cb_codec_new(err, err_size)) == NULL)
        die("codec", err);
    if (cb_codec_encode(codec, kind, rec, &value, err, err_size) != 0)
        die("suspect", err);
    cb_record_clear(CB_KIND_DEADLETTER, &dl);
    snprintf(dl.feed, sizeof(dl.feed), "%s", cb_kind_info_get(kind)->name);
    /* no file: a record's provenance must not depend on the order of the
     * input, which the rule tests shuffle */
    snprintf(dl.file, sizeof(dl.file), "apply_tool");
    dl.line = 1;
    snprintf(dl.field, sizeof(dl.field), "%s", ferr->field);
    snprintf(dl.reason, sizeof(dl.reason), "%s", ferr->reason);
    dl.record.ptr = value.data;
    dl.record.len = value.len;
    r = cb_ops_from_deadletter(codec, &dl, -1, CB_STORE_BUCKETS, op, s, err,
                               err_size);
    cb_buf_free(&value);
    if (r < 0)
        die("suspect", err);
    return r;
}

static int decision_of(const char *s)
{
    static const char *const names[] = {"contacted", "refused", "enrolled",
                                        "invalid"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* A state's bytes as its store packs them without a table of event-id
 * forms (cb_eidforms.h): the indexes of forms depend on which writer met
 * a form first, the rest of the bytes on the events alone.  Into out;
 * the stored bytes as they are when they do not decode. */
static void canonical_state(const cb_subject *s, const char *v, size_t len,
                            cb_buf *out)
{
    cb_eidforms *forms = cb_store_forms(store);
    int rc = -1;

    out->len = 0;
    switch (cb_state_key_kind_of(s->key, s->key_len)) {
    case CB_STATE_KEY_PERSON: {
        cb_person p;
        cb_person_init(&p);
        if (cb_person_decode(forms, s->id, v, len, &p) == 0)
            rc = cb_person_encode(NULL, &p, s->id, out);
        cb_person_free(&p);
        break;
    }
    case CB_STATE_KEY_EMPLOYER: {
        cb_employer e;
        cb_employer_init(&e);
        if (cb_employer_decode(forms, v, len, &e) == 0)
            rc = cb_employer_encode(NULL, &e, out);
        break;
    }
    case CB_STATE_KEY_GROUP: {
        cb_group g;
        if (cb_group_decode(forms, v, len, &g) == 0)
            rc = cb_group_encode(NULL, &g, out);
        cb_group_free(&g);
        break;
    }
    default:
        break;
    }
    if (rc != 0) {
        out->len = 0;
        cb_buf_append(out, v, len);
    }
}

/* Prints every subject's packed state as hex, one line each: two runs
 * over the same events must give the same bytes (canonical_state). */
static void dump_states(void)
{
    cb_buf b = {0};

    redisReply *keys = cb_redis_commandf(cb_store_redis(store), "KEYS cb:s:*");

    for (size_t i = 0; keys && i < keys->elements; i++) {
        redisReply *h = cb_redis_commandf(cb_store_redis(store), "HGETALL %s",
                                          keys->element[i]->str);
        for (size_t k = 0; h && k + 1 < h->elements; k += 2) {
            cb_subject s;
            if (cb_subject_from_key(h->element[k]->str, h->element[k]->len,
                                    &s) != 0)
                continue;
            canonical_state(&s, h->element[k + 1]->str,
                            h->element[k + 1]->len, &b);
            printf("{\"state\":\"%s\",\"bytes\":\"", s.id);
            for (size_t j = 0; j < b.len; j++)
                printf("%02x", (unsigned char)b.data[j]);
            printf("\"}\n");
        }
        freeReplyObject(h);
    }
    freeReplyObject(keys);
    cb_buf_free(&b);
}

/* Prints one review item as a JSON line of its text cells, without the
 * times (kept in a list to be sorted). */
static int print_review(const char *id, const cb_reviewrec *r, void *opaque)
{
    static char buf[CB_REVIEW_CELLS_SIZE];
    const char *cells[CB_REVIEW_COLUMNS];
    json_t *j = json_object(), *list = opaque;

    cb_reviewrec_cells(r, id, 0, buf, cells);
    for (int c = 0; c < CB_REVIEW_COLUMNS; c++)
        if (strcmp(cb_review_columns[c], "raised_at") != 0 &&
            strcmp(cb_review_columns[c], "resolved_at") != 0)
            json_object_set_new(j, cb_review_columns[c],
                                json_string(cells[c]));
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_array_append_new(list, json_string(s));
    free(s);
    json_decref(j);
    return 0;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The review store, one line an item, sorted. */
static void dump_reviews(void)
{
    json_t *list = json_array();
    char err[512];
    size_t n;

    if (cb_store_each_review(store, print_review, list, err, sizeof(err)) !=
        0)
        die("reviews", err);
    n = json_array_size(list);
    const char **v = malloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_string_value(json_array_get(list, i));
    qsort(v, n, sizeof(*v), by_text);
    for (size_t i = 0; i < n; i++)
        printf("{\"review\":%s}\n", v[i]);
    free(v);
    json_decref(list);
}

/* Prints every lead and alert of every partition, one JSON line each, and
 * the progress counts (persons per township and year), then the review
 * items. */
static void dump(void)
{
    if (with_states)
        dump_states();
    redisReply *keys = cb_redis_commandf(cb_store_redis(store),
                                         "KEYS cb:pg:*");
    json_t *progress = json_object();

    /* cb:pg:{pN}:<township>:<year>, summed over the partitions */
    for (size_t i = 0; keys && i < keys->elements; i++) {
        const char *k = keys->element[i]->str, *tw = strchr(k, '}');
        redisReply *n = cb_redis_commandf(cb_store_redis(store), "ZCARD %s",
                                          k);
        char tag[64];
        if (tw != NULL && n != NULL && tw[1] == ':') {
            snprintf(tag, sizeof(tag), "%s", tw + 2);
            json_t *old = json_object_get(progress, tag);
            json_object_set_new(progress, tag,
                                json_integer(n->integer +
                                             (old ? json_integer_value(old)
                                                  : 0)));
        }
        freeReplyObject(n);
    }
    freeReplyObject(keys);
    const char *tag;
    json_t *v;
    json_object_foreach(progress, tag, v)
    {
        printf("{\"progress\":{\"township_year\":\"%s\",\"enrolled\":%lld}}"
               "\n",
               tag, (long long)json_integer_value(v));
    }
    json_decref(progress);

    for (int p = 0; p < PARTITIONS; p++) {
        char key[64];
        redisReply *r;

        for (unsigned b = 0; b < cb_store_side_buckets(store); b++) {
            cb_store_bucket_key(key, sizeof(key), "lead", p, b);
            r = cb_redis_commandf(cb_store_redis(store), "HGETALL %s", key);
            for (size_t i = 0; r && i + 1 < r->elements; i += 2) {
                cb_lead l;
                if (cb_store_decode_lead(store, r->element[i]->str,
                                         r->element[i]->len,
                                         r->element[i + 1]->str,
                                         r->element[i + 1]->len, &l) != 0)
                    die("decode", "a lead does not decode");
                json_t *j = cb_record_to_json(CB_KIND_LEAD, &l, 0);
                char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
                printf("{\"lead\":%s}\n", s);
                free(s);
                json_decref(j);
            }
            freeReplyObject(r);
        }
        cb_store_key(key, sizeof(key), "alert", p);
        r = cb_redis_commandf(cb_store_redis(store), "HGETALL %s", key);
        for (size_t i = 0; r && i + 1 < r->elements; i += 2) {
            cb_alert a;
            if (cb_store_decode_alert(r->element[i]->str,
                                      r->element[i + 1]->str,
                                      r->element[i + 1]->len, &a) != 0)
                die("decode", "an alert does not decode");
            json_t *j = cb_record_to_json(CB_KIND_ALERT, &a, 0);
            json_object_del(j, "raised_at");
            char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            printf("{\"alert\":%s}\n", s);
            free(s);
            json_decref(j);
        }
        freeReplyObject(r);
    }
    dump_reviews();
}

int main(int argc, char **argv)
{
    static pending pd;
    char err[512], *line = NULL;
    size_t cap = 0, batch = MAX_OPS;
    int snapshot = 0;
    const char *truth_dir = NULL;
    cb_truth *truth = NULL;
    cb_idkey *ids = NULL;
    cb_store_opts opts = {NULL, PARTITIONS, 0 /* the store's */, 5000, 0, NULL};

    if (argc < 3)
        die("usage", "apply_tool REDIS_URL TODAY [--batch N] [--snapshot]");
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--snapshot") == 0)
            snapshot = 1;
        else if (strcmp(argv[i], "--states") == 0)
            with_states = 1;
        else if (strcmp(argv[i], "--truth") == 0 && i + 1 < argc)
            truth_dir = argv[++i];
        else if (strcmp(argv[i], "--cache-kb") == 0 && i + 1 < argc)
            opts.cache_bytes = (size_t)atol(argv[++i]) << 10;
        else
            die("usage", argv[i]);
    }
    opts.redis_url = argv[1];
    /* the ids are keyed as the matcher's: CANBAO_ID_KEY */
    if ((ids = cb_idkey_from_hex(getenv("CANBAO_ID_KEY"), err,
                                 sizeof(err))) == NULL)
        die("CANBAO_ID_KEY", err);
    opts.ids = ids;
    store = cb_store_new(&opts, err, sizeof(err));
    if (store == NULL)
        die("redis", err);
    if (strcmp(argv[2], "-") == 0) {
        dump();
        cb_store_free(store);
        cb_idkey_free(ids);
        return 0;
    }
    if (cb_date_parse(argv[2], strlen(argv[2]), &today) != 0)
        die("usage", "TODAY is YYYY-MM-DD");
    if (truth_dir != NULL && (truth = cb_truth_new(today, ids)) == NULL)
        die("truth", "out of memory");

    while (getline(&line, &cap, stdin) > 0) {
        json_error_t jerr;
        json_t *in = json_loads(line, 0, &jerr), *x;
        cb_subject s;
        cb_buf *op = &pd.ops[pd.n];

        if (in == NULL)
            die("input", jerr.text);
        int external = json_is_true(json_object_get(in, "external"));
        if (external) {
            flush(&pd);
            op = &pd.ops[pd.n];
        }
        memset(op, 0, sizeof(*op));
        if ((x = json_object_get(in, "tick")) != NULL) {
            const char *id = json_string_value(x);
            /* a valid resident ID (either form) is a person; anything
             * else a USCC */
            char full[CB_IDENT_LEN + 1];
            if (cb_ident_person_canonical(id, strlen(id), full, NULL) ==
                CB_IDENT_OK)
                cb_subject_of_person(full, &s);
            else if (cb_subject_of_employer(id, &s) != 0)
                die("tick", "not an ID number or a USCC");
            cb_ops_tick(&s, CB_STORE_BUCKETS, op);
        } else if ((x = json_object_get(in, "decide")) != NULL) {
            /* the lead must exist: apply what came before */
            flush(&pd);
            op = &pd.ops[pd.n];
            memset(op, 0, sizeof(*op));
            /* find the lead's subject in its partition's id index */
            const char *lid = json_string_value(x) + 1; /* without 'L' */
            int part;
            if (cb_store_find_lead(store, lid - 1, &s, &part, err,
                                   sizeof(err)) != 1)
                die("decide", "no such lead");
            cb_ops_decide(&s, CB_STORE_BUCKETS, lid,
                          decision_of(json_string_value(
                              json_object_get(in, "decision"))),
                          "", op);
        } else if ((x = json_object_get(in, "review")) != NULL) {
            /* the item must exist: apply what came before */
            flush(&pd);
            op = &pd.ops[pd.n];
            memset(op, 0, sizeof(*op));
            int part, kind, v = cb_review_verdict_value(json_string_value(
                                    json_object_get(in, "verdict")));
            cb_str rother;
            if (v < 0)
                die("review", "the verdict is confirm, reject or correct");
            if (cb_store_find_review(store, json_string_value(x), &s, &part,
                                     &kind, &rother, err, sizeof(err)) != 1)
                die("review", "no such review item");
            if (cb_ops_review(&s, CB_STORE_BUCKETS, kind, v, rother.s,
                              rother.len, cb_time_of_date(today), "", op) != 0)
                die("review", "the verdict does not pack");
        } else {
            cb_kind kind;
            cb_record rec;
            cb_field_error ferr;
            if (cb_kind_from_name(json_string_value(json_object_get(in,
                                                                    "kind")),
                                  &kind) != 0)
                die("input", "unknown kind");
            int r;
            if (cb_record_from_json(kind, json_object_get(in, "record"),
                                    &rec.u, &ferr) != 0) {
                /* refused for its number alone: a suspect, as `canbao
                 * produce` dead-letters it with its record */
                if (!ferr.written)
                    die("record", ferr.detail);
                if (truth != NULL &&
                    cb_truth_add_refused(truth, kind, &rec.u) != 0)
                    die("truth", "out of memory");
                r = suspect_op(kind, &rec.u, &ferr, op, &s, err,
                               sizeof(err));
            } else {
                if (truth != NULL && cb_truth_add(truth, kind, &rec.u,
                                                  snapshot) != 0)
                    die("truth", "out of memory");
                r = cb_ops_from_record(kind, &rec.u, kind, -1, snapshot,
                                       CB_STORE_BUCKETS, op, &s, err,
                                       sizeof(err));
            }
            if (r < 0)
                die("op", err);
            if (r > 0) {
                json_decref(in);
                continue;
            }
        }
        pd.part[pd.n++] = cb_store_partition_of(store, &s);
        json_decref(in);
        if (external) {
            cb_store_result res;
            if (other == NULL) {
                cb_store_opts o = opts;
                o.cache_bytes = 0;
                if ((other = cb_store_new(&o, err, sizeof(err))) == NULL)
                    die("redis", err);
            }
            if (cb_store_step(other, pd.part[0], today, 0, pd.ops, 1, NULL,
                              NULL, 0, &res, err, sizeof(err)) != 0)
                die("step", err);
            cb_buf_free(&pd.ops[0]);
            pd.n = 0;
            continue;
        }
        if (pd.n >= batch || pd.n == MAX_OPS - 1000)
            flush(&pd);
    }
    flush(&pd);
    free(line);
    if (truth != NULL) {
        if (cb_truth_write(truth, truth_dir, NULL, err, sizeof(err)) != 0)
            die("truth", err);
        cb_truth_free(truth);
    }
    dump();
    cb_store_free(store);
    cb_idkey_free(ids);
    cb_store_free(other);
    cb_codec_free(codec);
    return 0;
}
