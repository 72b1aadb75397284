/* cmd_avro.c -- `canbao avro`: the Avro schemas and messages canbao writes,
 * for operators and for interoperability tests with other Avro
 * implementations. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cb_codec.h"
#include "cb_commands.h"
#include "cb_record_json.h"
#include "cb_schema.h"

#define MAX_INPUT (64u << 20) /* bytes read from stdin at most */

static const struct option avro_opts[] = {{"unmasked", no_argument, NULL, 'U'},
                                          {NULL, 0, NULL, 0}};

const cb_cli_spec cb_spec_avro = {
    .name = "avro",
    .synopsis = "ACTION [KIND]",
    .summary = "Shows canbao's Avro schemas; encodes or decodes one message.",
    .description =
        "KIND is business, household, death, enrollment, assistance, lead,\n"
        "alert or deadletter.  ACTION is one of:\n"
        "  schema KIND       prints the schema (JSON, as in schemas/)\n"
        "  canonical KIND    prints its Parsing Canonical Form\n"
        "  fingerprint KIND  prints its CRC-64-AVRO fingerprint as a 64-bit\n"
        "                    number in hex, most significant digit first (the\n"
        "                    message header carries the same number in\n"
        "                    little-endian byte order)\n"
        "  encode KIND       reads one JSON object (keys as `canbao tail`\n"
        "                    prints them) from stdin, writes the "
        "single-object\n"
        "                    encoded message (C3 01, fingerprint, datum) to\n"
        "                    stdout\n"
        "  decode            reads one whole message from stdin, prints\n"
        "                    {\"kind\":..,\"record\":{..}} on one line",
    .options_help =
        "      --unmasked                decode: whole ID numbers (for those "
        "entitled)\n",
    .shortopts = "",
    .longopts = avro_opts,
    .min_args = 1,
    .max_args = 2,
};

typedef struct avro_args {
    int unmasked;
} avro_args;

static int on_opt(void *opaque, int opt, const char *arg, char *errstr,
                  size_t errstr_size)
{
    avro_args *a = opaque;

    (void)arg, (void)errstr, (void)errstr_size;
    if (opt == 'U') {
        a->unmasked = 1;
        return 0;
    }
    return -1;
}

/* Reads all of fp into buf (NUL-terminated for convenience).  Returns 0,
 * or -1 on a read error or past MAX_INPUT bytes. */
static int read_all(FILE *fp, cb_buf *buf)
{
    buf->len = 0;
    for (;;) {
        size_t n;
        if (buf->cap - buf->len < 4096) {
            size_t cap = buf->cap ? buf->cap * 2 : 65536;
            char *p;
            if (cap > MAX_INPUT + 1)
                return -1;
            p = realloc(buf->data, cap);
            if (p == NULL)
                return -1;
            buf->data = p;
            buf->cap = cap;
        }
        n = fread(buf->data + buf->len, 1, buf->cap - buf->len - 1, fp);
        buf->len += n;
        buf->data[buf->len] = '\0';
        if (n == 0)
            return ferror(fp) ? -1 : 0;
    }
}

/* `avro encode KIND`: stdin JSON object to stdout message. */
static int do_encode(cb_codec *codec, cb_kind kind)
{
    cb_buf in = {0}, out = {0};
    json_t *obj = NULL;
    json_error_t jerr;
    cb_field_error ferr;
    cb_record rec;
    void *owned = NULL;
    char err[512];
    int rc = CB_EXIT_FAILURE;

    if (read_all(stdin, &in) != 0) {
        cb_cli_fail(&cb_spec_avro, "cannot read standard input");
        goto out;
    }
    obj = json_loadb(in.data, in.len, 0, &jerr);
    if (obj == NULL) {
        cb_cli_fail(&cb_spec_avro,
                    "standard input is not JSON: %s (line "
                    "%d)",
                    jerr.text, jerr.line);
        goto out;
    }
    if (cb_record_from_json_owned(kind, obj, &rec.u, &owned, &ferr) != 0) {
        cb_cli_fail(&cb_spec_avro, "%s record refused (%s): %s",
                    cb_kind_info_get(kind)->name, ferr.reason, ferr.detail);
        goto out;
    }
    if (cb_codec_encode(codec, kind, &rec.u, &out, err, sizeof(err)) != 0) {
        cb_cli_fail(&cb_spec_avro, "cannot encode: %s", err);
        goto out;
    }
    if (fwrite(out.data, 1, out.len, stdout) != out.len ||
        fflush(stdout) != 0) {
        cb_cli_fail(&cb_spec_avro, "cannot write standard output");
        goto out;
    }
    rc = CB_EXIT_OK;
out:
    free(owned);
    json_decref(obj);
    cb_buf_free(&in);
    cb_buf_free(&out);
    return rc;
}

/* `avro decode`: stdin message to one JSON line. */
static int do_decode(cb_codec *codec, int unmasked)
{
    cb_buf in = {0};
    json_t *line = NULL, *jrec;
    cb_record rec;
    char err[512], *text = NULL;
    int rc = CB_EXIT_FAILURE;

    if (read_all(stdin, &in) != 0) {
        cb_cli_fail(&cb_spec_avro, "cannot read standard input");
        goto out;
    }
    if (cb_codec_decode_record(codec, in.data, in.len, &rec, err,
                               sizeof(err)) != 0) {
        cb_cli_fail(&cb_spec_avro, "%s", err);
        goto out;
    }
    jrec = cb_record_to_json(rec.kind, &rec.u, unmasked ? 0 : CB_JSON_MASK);
    line = json_object();
    if (jrec == NULL || line == NULL ||
        json_object_set_new(line, "kind",
                            json_string(cb_kind_info_get(rec.kind)->name)) ||
        json_object_set_new(line, "record", jrec) != 0 ||
        (text = json_dumps(line, JSON_COMPACT)) == NULL) {
        cb_cli_fail(&cb_spec_avro, "out of memory");
        goto out;
    }
    if (puts(text) == EOF || fflush(stdout) != 0) {
        cb_cli_fail(&cb_spec_avro, "cannot write standard output");
        goto out;
    }
    rc = CB_EXIT_OK;
out:
    free(text);
    json_decref(line);
    cb_buf_free(&in);
    return rc;
}

int cb_cmd_avro(int argc, char **argv)
{
    avro_args a = {0};
    cb_cli cli;
    cb_codec *codec = NULL;
    const char *action, *kname = NULL;
    cb_kind kind = CB_KIND_BUSINESS;
    char err[512], *pcf = NULL;
    const char *json;
    int rc;

    rc = cb_cli_parse(&cli, &cb_spec_avro, argc, argv, on_opt, &a);
    if (rc == CB_CLI_HELP)
        return CB_EXIT_OK;
    if (rc != 0)
        return rc;
    action = argv[cli.optind];
    if (cli.optind + 1 < argc)
        kname = argv[cli.optind + 1];

    if (strcmp(action, "decode") == 0) {
        if (kname != NULL) {
            rc = cb_cli_usage_error(&cb_spec_avro,
                                    "decode takes no KIND: the message "
                                    "names its schema");
            goto out;
        }
    } else if (strcmp(action, "schema") == 0 ||
               strcmp(action, "canonical") == 0 ||
               strcmp(action, "fingerprint") == 0 ||
               strcmp(action, "encode") == 0) {
        if (kname == NULL) {
            rc = cb_cli_usage_error(&cb_spec_avro, "%s needs a KIND", action);
            goto out;
        }
        if (cb_kind_from_name(kname, &kind) != 0) {
            rc = cb_cli_usage_error(&cb_spec_avro, "unknown KIND '%s'", kname);
            goto out;
        }
    } else {
        rc = cb_cli_usage_error(&cb_spec_avro, "unknown action '%s'", action);
        goto out;
    }

    codec = cb_codec_new(err, sizeof(err));
    if (codec == NULL) {
        rc = cb_cli_fail(&cb_spec_avro, "%s", err);
        goto out;
    }
    rc = CB_EXIT_OK;
    json = cb_codec_schema_json(codec, kind);
    if (strcmp(action, "schema") == 0) {
        fputs(json, stdout);
        if (*json != '\0' && json[strlen(json) - 1] != '\n')
            fputc('\n', stdout);
    } else if (strcmp(action, "canonical") == 0) {
        if (cb_schema_canonical(json, strlen(json), &pcf, err, sizeof(err)))
            rc = cb_cli_fail(&cb_spec_avro, "%s", err);
        else
            puts(pcf);
    } else if (strcmp(action, "fingerprint") == 0) {
        printf("%016" PRIx64 "\n", cb_codec_fingerprint(codec, kind));
    } else if (strcmp(action, "encode") == 0) {
        rc = do_encode(codec, kind);
    } else {
        rc = do_decode(codec, a.unmasked);
    }
    if (rc == CB_EXIT_OK && fflush(stdout) != 0)
        rc = cb_cli_fail(&cb_spec_avro, "cannot write standard output");
out:
    free(pcf);
    cb_codec_free(codec);
    cb_cli_term(&cli);
    return rc;
}
