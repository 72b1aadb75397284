/* cb_schema.c -- Parsing Canonical Form and CRC-64-AVRO fingerprints of
 * Avro schemas, written from the Avro specification (1.11). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_schema.h"

/* ------------------------------------------------------------ CRC-64-AVRO */

/* The spec's table: entry i is i run through 8 rounds of
 * fp = (fp >> 1) ^ (EMPTY & -(fp & 1)).  Generated once with that loop;
 * tests/unit/test_schema.c recomputes it bit by bit and compares. */
static const uint64_t crc64_table[256] = {
    UINT64_C(0x0000000000000000), UINT64_C(0x2cf1cba6b75351fa),
    UINT64_C(0x59e3974d6ea6a3f4), UINT64_C(0x75125cebd9f5f20e),
    UINT64_C(0xb3c72e9add4d47e8), UINT64_C(0x9f36e53c6a1e1612),
    UINT64_C(0xea24b9d7b3ebe41c), UINT64_C(0xc6d5727104b8b5e6),
    UINT64_C(0xe5341f40f335c0fb), UINT64_C(0xc9c5d4e644669101),
    UINT64_C(0xbcd7880d9d93630f), UINT64_C(0x902643ab2ac032f5),
    UINT64_C(0x56f331da2e788713), UINT64_C(0x7a02fa7c992bd6e9),
    UINT64_C(0x0f10a69740de24e7), UINT64_C(0x23e16d31f78d751d),
    UINT64_C(0x48d27cf4afc4cedd), UINT64_C(0x6423b75218979f27),
    UINT64_C(0x1131ebb9c1626d29), UINT64_C(0x3dc0201f76313cd3),
    UINT64_C(0xfb15526e72898935), UINT64_C(0xd7e499c8c5dad8cf),
    UINT64_C(0xa2f6c5231c2f2ac1), UINT64_C(0x8e070e85ab7c7b3b),
    UINT64_C(0xade663b45cf10e26), UINT64_C(0x8117a812eba25fdc),
    UINT64_C(0xf405f4f93257add2), UINT64_C(0xd8f43f5f8504fc28),
    UINT64_C(0x1e214d2e81bc49ce), UINT64_C(0x32d0868836ef1834),
    UINT64_C(0x47c2da63ef1aea3a), UINT64_C(0x6b3311c55849bbc0),
    UINT64_C(0x91a4f9e95f899dba), UINT64_C(0xbd55324fe8dacc40),
    UINT64_C(0xc8476ea4312f3e4e), UINT64_C(0xe4b6a502867c6fb4),
    UINT64_C(0x2263d77382c4da52), UINT64_C(0x0e921cd535978ba8),
    UINT64_C(0x7b80403eec6279a6), UINT64_C(0x57718b985b31285c),
    UINT64_C(0x7490e6a9acbc5d41), UINT64_C(0x58612d0f1bef0cbb),
    UINT64_C(0x2d7371e4c21afeb5), UINT64_C(0x0182ba427549af4f),
    UINT64_C(0xc757c83371f11aa9), UINT64_C(0xeba60395c6a24b53),
    UINT64_C(0x9eb45f7e1f57b95d), UINT64_C(0xb24594d8a804e8a7),
    UINT64_C(0xd976851df04d5367), UINT64_C(0xf5874ebb471e029d),
    UINT64_C(0x809512509eebf093), UINT64_C(0xac64d9f629b8a169),
    UINT64_C(0x6ab1ab872d00148f), UINT64_C(0x464060219a534575),
    UINT64_C(0x33523cca43a6b77b), UINT64_C(0x1fa3f76cf4f5e681),
    UINT64_C(0x3c429a5d0378939c), UINT64_C(0x10b351fbb42bc266),
    UINT64_C(0x65a10d106dde3068), UINT64_C(0x4950c6b6da8d6192),
    UINT64_C(0x8f85b4c7de35d474), UINT64_C(0xa3747f616966858e),
    UINT64_C(0xd666238ab0937780), UINT64_C(0xfa97e82c07c0267a),
    UINT64_C(0xa1f3b1a7f6bc745f), UINT64_C(0x8d027a0141ef25a5),
    UINT64_C(0xf81026ea981ad7ab), UINT64_C(0xd4e1ed4c2f498651),
    UINT64_C(0x12349f3d2bf133b7), UINT64_C(0x3ec5549b9ca2624d),
    UINT64_C(0x4bd7087045579043), UINT64_C(0x6726c3d6f204c1b9),
    UINT64_C(0x44c7aee70589b4a4), UINT64_C(0x68366541b2dae55e),
    UINT64_C(0x1d2439aa6b2f1750), UINT64_C(0x31d5f20cdc7c46aa),
    UINT64_C(0xf700807dd8c4f34c), UINT64_C(0xdbf14bdb6f97a2b6),
    UINT64_C(0xaee31730b66250b8), UINT64_C(0x8212dc9601310142),
    UINT64_C(0xe921cd535978ba82), UINT64_C(0xc5d006f5ee2beb78),
    UINT64_C(0xb0c25a1e37de1976), UINT64_C(0x9c3391b8808d488c),
    UINT64_C(0x5ae6e3c98435fd6a), UINT64_C(0x7617286f3366ac90),
    UINT64_C(0x03057484ea935e9e), UINT64_C(0x2ff4bf225dc00f64),
    UINT64_C(0x0c15d213aa4d7a79), UINT64_C(0x20e419b51d1e2b83),
    UINT64_C(0x55f6455ec4ebd98d), UINT64_C(0x79078ef873b88877),
    UINT64_C(0xbfd2fc8977003d91), UINT64_C(0x9323372fc0536c6b),
    UINT64_C(0xe6316bc419a69e65), UINT64_C(0xcac0a062aef5cf9f),
    UINT64_C(0x3057484ea935e9e5), UINT64_C(0x1ca683e81e66b81f),
    UINT64_C(0x69b4df03c7934a11), UINT64_C(0x454514a570c01beb),
    UINT64_C(0x839066d47478ae0d), UINT64_C(0xaf61ad72c32bfff7),
    UINT64_C(0xda73f1991ade0df9), UINT64_C(0xf6823a3fad8d5c03),
    UINT64_C(0xd563570e5a00291e), UINT64_C(0xf9929ca8ed5378e4),
    UINT64_C(0x8c80c04334a68aea), UINT64_C(0xa0710be583f5db10),
    UINT64_C(0x66a47994874d6ef6), UINT64_C(0x4a55b232301e3f0c),
    UINT64_C(0x3f47eed9e9ebcd02), UINT64_C(0x13b6257f5eb89cf8),
    UINT64_C(0x788534ba06f12738), UINT64_C(0x5474ff1cb1a276c2),
    UINT64_C(0x2166a3f7685784cc), UINT64_C(0x0d976851df04d536),
    UINT64_C(0xcb421a20dbbc60d0), UINT64_C(0xe7b3d1866cef312a),
    UINT64_C(0x92a18d6db51ac324), UINT64_C(0xbe5046cb024992de),
    UINT64_C(0x9db12bfaf5c4e7c3), UINT64_C(0xb140e05c4297b639),
    UINT64_C(0xc452bcb79b624437), UINT64_C(0xe8a377112c3115cd),
    UINT64_C(0x2e7605602889a02b), UINT64_C(0x0287cec69fdaf1d1),
    UINT64_C(0x7795922d462f03df), UINT64_C(0x5b64598bf17c5225),
    UINT64_C(0xc15d213aa4d7a795), UINT64_C(0xedacea9c1384f66f),
    UINT64_C(0x98beb677ca710461), UINT64_C(0xb44f7dd17d22559b),
    UINT64_C(0x729a0fa0799ae07d), UINT64_C(0x5e6bc406cec9b187),
    UINT64_C(0x2b7998ed173c4389), UINT64_C(0x0788534ba06f1273),
    UINT64_C(0x24693e7a57e2676e), UINT64_C(0x0898f5dce0b13694),
    UINT64_C(0x7d8aa9373944c49a), UINT64_C(0x517b62918e179560),
    UINT64_C(0x97ae10e08aaf2086), UINT64_C(0xbb5fdb463dfc717c),
    UINT64_C(0xce4d87ade4098372), UINT64_C(0xe2bc4c0b535ad288),
    UINT64_C(0x898f5dce0b136948), UINT64_C(0xa57e9668bc4038b2),
    UINT64_C(0xd06cca8365b5cabc), UINT64_C(0xfc9d0125d2e69b46),
    UINT64_C(0x3a487354d65e2ea0), UINT64_C(0x16b9b8f2610d7f5a),
    UINT64_C(0x63abe419b8f88d54), UINT64_C(0x4f5a2fbf0fabdcae),
    UINT64_C(0x6cbb428ef826a9b3), UINT64_C(0x404a89284f75f849),
    UINT64_C(0x3558d5c396800a47), UINT64_C(0x19a91e6521d35bbd),
    UINT64_C(0xdf7c6c14256bee5b), UINT64_C(0xf38da7b29238bfa1),
    UINT64_C(0x869ffb594bcd4daf), UINT64_C(0xaa6e30fffc9e1c55),
    UINT64_C(0x50f9d8d3fb5e3a2f), UINT64_C(0x7c0813754c0d6bd5),
    UINT64_C(0x091a4f9e95f899db), UINT64_C(0x25eb843822abc821),
    UINT64_C(0xe33ef64926137dc7), UINT64_C(0xcfcf3def91402c3d),
    UINT64_C(0xbadd610448b5de33), UINT64_C(0x962caaa2ffe68fc9),
    UINT64_C(0xb5cdc793086bfad4), UINT64_C(0x993c0c35bf38ab2e),
    UINT64_C(0xec2e50de66cd5920), UINT64_C(0xc0df9b78d19e08da),
    UINT64_C(0x060ae909d526bd3c), UINT64_C(0x2afb22af6275ecc6),
    UINT64_C(0x5fe97e44bb801ec8), UINT64_C(0x7318b5e20cd34f32),
    UINT64_C(0x182ba427549af4f2), UINT64_C(0x34da6f81e3c9a508),
    UINT64_C(0x41c8336a3a3c5706), UINT64_C(0x6d39f8cc8d6f06fc),
    UINT64_C(0xabec8abd89d7b31a), UINT64_C(0x871d411b3e84e2e0),
    UINT64_C(0xf20f1df0e77110ee), UINT64_C(0xdefed65650224114),
    UINT64_C(0xfd1fbb67a7af3409), UINT64_C(0xd1ee70c110fc65f3),
    UINT64_C(0xa4fc2c2ac90997fd), UINT64_C(0x880de78c7e5ac607),
    UINT64_C(0x4ed895fd7ae273e1), UINT64_C(0x62295e5bcdb1221b),
    UINT64_C(0x173b02b01444d015), UINT64_C(0x3bcac916a31781ef),
    UINT64_C(0x60ae909d526bd3ca), UINT64_C(0x4c5f5b3be5388230),
    UINT64_C(0x394d07d03ccd703e), UINT64_C(0x15bccc768b9e21c4),
    UINT64_C(0xd369be078f269422), UINT64_C(0xff9875a13875c5d8),
    UINT64_C(0x8a8a294ae18037d6), UINT64_C(0xa67be2ec56d3662c),
    UINT64_C(0x859a8fdda15e1331), UINT64_C(0xa96b447b160d42cb),
    UINT64_C(0xdc791890cff8b0c5), UINT64_C(0xf088d33678abe13f),
    UINT64_C(0x365da1477c1354d9), UINT64_C(0x1aac6ae1cb400523),
    UINT64_C(0x6fbe360a12b5f72d), UINT64_C(0x434ffdaca5e6a6d7),
    UINT64_C(0x287cec69fdaf1d17), UINT64_C(0x048d27cf4afc4ced),
    UINT64_C(0x719f7b249309bee3), UINT64_C(0x5d6eb082245aef19),
    UINT64_C(0x9bbbc2f320e25aff), UINT64_C(0xb74a095597b10b05),
    UINT64_C(0xc25855be4e44f90b), UINT64_C(0xeea99e18f917a8f1),
    UINT64_C(0xcd48f3290e9addec), UINT64_C(0xe1b9388fb9c98c16),
    UINT64_C(0x94ab6464603c7e18), UINT64_C(0xb85aafc2d76f2fe2),
    UINT64_C(0x7e8fddb3d3d79a04), UINT64_C(0x527e16156484cbfe),
    UINT64_C(0x276c4afebd7139f0), UINT64_C(0x0b9d81580a22680a),
    UINT64_C(0xf10a69740de24e70), UINT64_C(0xddfba2d2bab11f8a),
    UINT64_C(0xa8e9fe396344ed84), UINT64_C(0x8418359fd417bc7e),
    UINT64_C(0x42cd47eed0af0998), UINT64_C(0x6e3c8c4867fc5862),
    UINT64_C(0x1b2ed0a3be09aa6c), UINT64_C(0x37df1b05095afb96),
    UINT64_C(0x143e7634fed78e8b), UINT64_C(0x38cfbd924984df71),
    UINT64_C(0x4ddde17990712d7f), UINT64_C(0x612c2adf27227c85),
    UINT64_C(0xa7f958ae239ac963), UINT64_C(0x8b08930894c99899),
    UINT64_C(0xfe1acfe34d3c6a97), UINT64_C(0xd2eb0445fa6f3b6d),
    UINT64_C(0xb9d81580a22680ad), UINT64_C(0x9529de261575d157),
    UINT64_C(0xe03b82cdcc802359), UINT64_C(0xccca496b7bd372a3),
    UINT64_C(0x0a1f3b1a7f6bc745), UINT64_C(0x26eef0bcc83896bf),
    UINT64_C(0x53fcac5711cd64b1), UINT64_C(0x7f0d67f1a69e354b),
    UINT64_C(0x5cec0ac051134056), UINT64_C(0x701dc166e64011ac),
    UINT64_C(0x050f9d8d3fb5e3a2), UINT64_C(0x29fe562b88e6b258),
    UINT64_C(0xef2b245a8c5e07be), UINT64_C(0xc3daeffc3b0d5644),
    UINT64_C(0xb6c8b317e2f8a44a), UINT64_C(0x9a3978b155abf5b0),
};

uint64_t cb_schema_crc64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t fp = CB_SCHEMA_CRC64_EMPTY;

    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ crc64_table[(fp ^ p[i]) & 0xff];
    return fp;
}

/* ------------------------------------------------------- output buffer */

typedef struct sbuf {
    char *data;
    size_t len, cap;
    int oom; /* an allocation failed: everything after is dropped */
} sbuf;

static void sbuf_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sbuf_puts(sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

/* A JSON string literal.  Rule STRINGS: no escapes beyond those JSON
 * requires (quote, backslash, control characters); everything else,
 * including non-ASCII, as its UTF-8 bytes. */
static void sbuf_json_string(sbuf *b, const char *s, size_t n)
{
    sbuf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            sbuf_add(b, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            sbuf_add(b, esc, 6);
        } else {
            sbuf_add(b, (const char *)&s[i], 1);
        }
    }
    sbuf_add(b, "\"", 1);
}

/* -------------------------------------------------- Parsing Canonical Form */

#define PCF_MAX_DEPTH 128

typedef struct pcf_ctx {
    sbuf out;
    char **names; /* full names of the named types defined so far */
    size_t nnames, capnames;
    char *errstr;
    size_t errstr_size;
} pcf_ctx;

__attribute__((format(printf, 2, 3))) static int pcf_fail(pcf_ctx *c,
                                                          const char *fmt, ...)
{
    va_list ap;

    if (c->errstr_size > 0) {
        va_start(ap, fmt);
        vsnprintf(c->errstr, c->errstr_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int is_primitive(const char *name)
{
    static const char *const prims[] = {"null",  "boolean", "int",   "long",
                                        "float", "double",  "bytes", "string"};
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
        if (strcmp(name, prims[i]) == 0)
            return 1;
    return 0;
}

static int name_defined(const pcf_ctx *c, const char *full)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (strcmp(c->names[i], full) == 0)
            return 1;
    return 0;
}

/* Records a definition; takes full (malloc'ed) in every case. */
static int name_define(pcf_ctx *c, char *full)
{
    if (name_defined(c, full)) {
        pcf_fail(c, "type '%s' is defined twice", full);
        free(full);
        return -1;
    }
    if (c->nnames == c->capnames) {
        size_t cap = c->capnames ? c->capnames * 2 : 16;
        char **p = realloc(c->names, cap * sizeof(*p));
        if (p == NULL) {
            free(full);
            return pcf_fail(c, "out of memory");
        }
        c->names = p;
        c->capnames = cap;
    }
    c->names[c->nnames++] = full;
    return 0;
}

/* A namespace: n bytes at p (not NUL-terminated); n == 0 is the null
 * namespace. */
typedef struct ns_ref {
    const char *p;
    size_t n;
} ns_ref;

/* ns + "." + name, or just name in the null namespace; malloc'ed, NULL
 * when out of memory. */
static char *join_name(ns_ref ns, const char *name)
{
    size_t ln = strlen(name);
    char *s = malloc(ns.n + ln + 2);

    if (s == NULL)
        return NULL;
    if (ns.n > 0) {
        memcpy(s, ns.p, ns.n);
        s[ns.n] = '.';
        memcpy(s + ns.n + 1, name, ln + 1);
    } else {
        memcpy(s, name, ln + 1);
    }
    return s;
}

/* Rule FULLNAMES for a reference to a named type: a dotted name is full
 * already; a simple one is looked up in the enclosing namespace, then (as
 * the Java parser does) in the null namespace.  Writes the full name as a
 * JSON string. */
static int pcf_reference(pcf_ctx *c, const char *name, ns_ref ns)
{
    char *full;

    if (strchr(name, '.') == NULL && ns.n > 0) {
        full = join_name(ns, name);
        if (full == NULL)
            return pcf_fail(c, "out of memory");
        if (name_defined(c, full)) {
            sbuf_json_string(&c->out, full, strlen(full));
            free(full);
            return 0;
        }
        free(full);
    }
    if (!name_defined(c, name))
        return pcf_fail(c, "unknown type '%s'", name);
    sbuf_json_string(&c->out, name, strlen(name));
    return 0;
}

/* Rule FULLNAMES for a definition: computes the full name of a named type
 * from its name, its namespace attribute and the enclosing namespace ns,
 * defines it, writes "name":"FULL" and sets *inner to the namespace that
 * types defined inside it inherit. */
static int pcf_define(pcf_ctx *c, const json_t *s, ns_ref ns, ns_ref *inner)
{
    const json_t *jname = json_object_get(s, "name");
    const json_t *jspace = json_object_get(s, "namespace");
    const char *name, *dot;
    char *full;

    if (!json_is_string(jname) || json_string_length(jname) == 0)
        return pcf_fail(c, "a named type has no name");
    name = json_string_value(jname);
    dot = strrchr(name, '.');
    if (dot != NULL) {
        ns_ref none = {NULL, 0};
        full = join_name(none, name);
    } else {
        if (json_is_string(jspace)) {
            ns.p = json_string_value(jspace);
            ns.n = json_string_length(jspace);
        }
        full = join_name(ns, name);
    }
    if (full == NULL)
        return pcf_fail(c, "out of memory");
    if (name_define(c, full) != 0)
        return -1;
    /* full now belongs to c->names, which keeps it until the end */
    inner->p = full;
    /* its namespace is a prefix of it: before the last dot of a dotted
     * name, else the ns.n bytes of "ns.name" */
    inner->n = dot != NULL ? (size_t)(dot - name) : ns.n;
    sbuf_puts(&c->out, "\"name\":");
    sbuf_json_string(&c->out, full, strlen(full));
    return 0;
}

static int pcf_schema(pcf_ctx *c, const json_t *s, ns_ref ns, int depth);

/* The fields of a record: [{"name":N,"type":T},...], rule STRIP dropping
 * doc, default, order and aliases. */
static int pcf_fields(pcf_ctx *c, const json_t *fields, ns_ref ns, int depth)
{
    size_t i;
    const json_t *f;

    if (!json_is_array(fields))
        return pcf_fail(c, "a record has no fields array");
    sbuf_puts(&c->out, "[");
    json_array_foreach(fields, i, f)
    {
        const json_t *jname = json_object_get(f, "name");
        const json_t *jtype = json_object_get(f, "type");

        if (!json_is_string(jname))
            return pcf_fail(c, "field %zu of a record has no name", i);
        if (jtype == NULL)
            return pcf_fail(c, "field '%s' has no type",
                            json_string_value(jname));
        sbuf_puts(&c->out, i > 0 ? ",{\"name\":" : "{\"name\":");
        sbuf_json_string(&c->out, json_string_value(jname),
                         json_string_length(jname));
        sbuf_puts(&c->out, ",\"type\":");
        if (pcf_schema(c, jtype, ns, depth + 1) != 0)
            return -1;
        sbuf_puts(&c->out, "}");
    }
    sbuf_puts(&c->out, "]");
    return 0;
}

/* Rule INTEGERS: the size of a fixed, given as a number or as a quoted
 * number with leading zeros, written as a plain integer. */
static int pcf_size(pcf_ctx *c, const json_t *size)
{
    char buf[32];
    json_int_t v;

    if (json_is_integer(size)) {
        v = json_integer_value(size);
    } else if (json_is_string(size) && json_string_length(size) > 0 &&
               json_string_length(size) < 19 &&
               strspn(json_string_value(size), "0123456789") ==
                   json_string_length(size)) {
        v = (json_int_t)strtoll(json_string_value(size), NULL, 10);
    } else {
        return pcf_fail(c, "a fixed type has no valid size");
    }
    if (v < 0)
        return pcf_fail(c, "a fixed type has a negative size");
    snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, v);
    sbuf_puts(&c->out, buf);
    return 0;
}

/* One schema of any kind, in canonical form (rules PRIMITIVES, FULLNAMES,
 * STRIP, ORDER; WHITESPACE by never writing any). */
static int pcf_schema(pcf_ctx *c, const json_t *s, ns_ref ns, int depth)
{
    const json_t *jtype, *e;
    const char *type;
    ns_ref inner;
    size_t i;

    if (depth > PCF_MAX_DEPTH)
        return pcf_fail(c, "schema nested too deeply");
    if (json_is_string(s)) {
        type = json_string_value(s);
        if (is_primitive(type)) {
            sbuf_json_string(&c->out, type, strlen(type));
            return 0;
        }
        return pcf_reference(c, type, ns);
    }
    if (json_is_array(s)) { /* a union */
        sbuf_puts(&c->out, "[");
        json_array_foreach(s, i, e)
        {
            if (i > 0)
                sbuf_puts(&c->out, ",");
            if (pcf_schema(c, e, ns, depth + 1) != 0)
                return -1;
        }
        sbuf_puts(&c->out, "]");
        return 0;
    }
    if (!json_is_object(s))
        return pcf_fail(c, "a schema must be a string, an array or an "
                           "object");
    jtype = json_object_get(s, "type");
    if (!json_is_string(jtype))
        return pcf_fail(c, "a schema object has no type name");
    type = json_string_value(jtype);
    if (is_primitive(type)) {
        /* {"type":"int", "logicalType": ...} is just "int" */
        sbuf_json_string(&c->out, type, strlen(type));
        return 0;
    }
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        sbuf_puts(&c->out, "{");
        if (pcf_define(c, s, ns, &inner) != 0)
            return -1;
        sbuf_puts(&c->out, ",\"type\":");
        sbuf_json_string(&c->out, type, strlen(type));
        sbuf_puts(&c->out, ",\"fields\":");
        if (pcf_fields(c, json_object_get(s, "fields"), inner, depth) != 0)
            return -1;
        sbuf_puts(&c->out, "}");
        return 0;
    }
    if (strcmp(type, "enum") == 0) {
        const json_t *syms = json_object_get(s, "symbols");
        sbuf_puts(&c->out, "{");
        if (pcf_define(c, s, ns, &inner) != 0)
            return -1;
        if (!json_is_array(syms))
            return pcf_fail(c, "an enum has no symbols array");
        sbuf_puts(&c->out, ",\"type\":\"enum\",\"symbols\":[");
        json_array_foreach(syms, i, e)
        {
            if (!json_is_string(e))
                return pcf_fail(c, "an enum symbol is not a string");
            if (i > 0)
                sbuf_puts(&c->out, ",");
            sbuf_json_string(&c->out, json_string_value(e),
                             json_string_length(e));
        }
        sbuf_puts(&c->out, "]}");
        return 0;
    }
    if (strcmp(type, "array") == 0) {
        e = json_object_get(s, "items");
        if (e == NULL)
            return pcf_fail(c, "an array has no items");
        sbuf_puts(&c->out, "{\"type\":\"array\",\"items\":");
        if (pcf_schema(c, e, ns, depth + 1) != 0)
            return -1;
        sbuf_puts(&c->out, "}");
        return 0;
    }
    if (strcmp(type, "map") == 0) {
        e = json_object_get(s, "values");
        if (e == NULL)
            return pcf_fail(c, "a map has no values");
        sbuf_puts(&c->out, "{\"type\":\"map\",\"values\":");
        if (pcf_schema(c, e, ns, depth + 1) != 0)
            return -1;
        sbuf_puts(&c->out, "}");
        return 0;
    }
    if (strcmp(type, "fixed") == 0) {
        sbuf_puts(&c->out, "{");
        if (pcf_define(c, s, ns, &inner) != 0)
            return -1;
        sbuf_puts(&c->out, ",\"type\":\"fixed\",\"size\":");
        if (pcf_size(c, json_object_get(s, "size")) != 0)
            return -1;
        sbuf_puts(&c->out, "}");
        return 0;
    }
    /* {"type":"SomeNamedType"}: a reference in object clothing */
    return pcf_reference(c, type, ns);
}

int cb_schema_canonical_json(const json_t *schema, char **out, char *errstr,
                             size_t errstr_size)
{
    pcf_ctx c;
    ns_ref none = {NULL, 0};
    int rc;

    memset(&c, 0, sizeof(c));
    c.errstr = errstr;
    c.errstr_size = errstr_size;
    *out = NULL;
    rc = pcf_schema(&c, schema, none, 0);
    if (rc == 0 && (c.out.oom || c.out.data == NULL))
        rc = pcf_fail(&c, "out of memory");
    for (size_t i = 0; i < c.nnames; i++)
        free(c.names[i]);
    free(c.names);
    if (rc != 0) {
        free(c.out.data);
        return -1;
    }
    *out = c.out.data;
    return 0;
}

int cb_schema_canonical(const char *json, size_t len, char **out, char *errstr,
                        size_t errstr_size)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    *out = NULL;
    root =
        json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(errstr, errstr_size, "not JSON: %s (line %d, column %d)",
                 jerr.text, jerr.line, jerr.column);
        return -1;
    }
    rc = cb_schema_canonical_json(root, out, errstr, errstr_size);
    json_decref(root);
    return rc;
}

int cb_schema_fingerprint(const char *json, size_t len, uint64_t *fp,
                          char *errstr, size_t errstr_size)
{
    char *pcf;

    if (cb_schema_canonical(json, len, &pcf, errstr, errstr_size) != 0)
        return -1;
    *fp = cb_schema_crc64(pcf, strlen(pcf));
    free(pcf);
    return 0;
}
