/* cb_gen_names.c -- names as offices write them, and the name defects of
 * the generated county (cb_gen_names.h): minority and Latin names, the
 * same name typed differently, another name for a number, and death
 * notices on a living person's number.  The rates are plausible for
 * hand-kept registers, not measured. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cb_gen_names.h"
#include "cb_name.h"

/* Shares of people with a minority name with a middle dot, and with a
 * name in Latin letters. */
#define RATE_MINORITY 0.005
#define RATE_LATIN    0.002
/* Of the assistance rows and legal representatives' names: another name
 * for the number (name_mismatch). */
#define RATE_OTHER 0.01
/* Of the name rows not given another name (those and death notices):
 * the same name typed differently. */
#define RATE_TYPED 0.02
/* Of the deaths: one more notice on a living person's number. */
#define RATE_WRONG_DEATH 0.02

#define POOL 256 /* living persons remembered for a mistyped number */

struct cb_gen_names {
    cb_gen_rng rng;
    int defects;
    int hold; /* > 0: rows name persons as given (injected cases) */
    gen_person pool[POOL];
    int npool, pool_next;
    /* draws made and what they gave (random), and rows in the files
     * (random and injected) */
    int64_t people, minority, latin;
    int64_t other_trials, other, typed_trials, typed, deaths, wrong;
    int64_t rows_other, rows_typed, rows_wrong;
};

#define NRNG (&g->names->rng)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- names */

/* Uyghur given names and fathers' names, joined by U+00B7. */
static const char *const minority_m[] = {"买买提", "艾力",   "阿不都",
                                         "艾尔肯", "库尔班", "玉素甫",
                                         "依明",   "热合曼", "阿布来提"};
static const char *const minority_f[] = {"阿依古丽", "古丽娜尔", "帕提古丽",
                                         "热依拉",   "米热古丽", "努尔古丽",
                                         "再娜甫",   "阿瓦古丽"};
static const char *const fathers[] = {"吐尔逊", "买买提", "艾力",
                                      "阿不都热合曼", "玉素甫", "库尔班",
                                      "热合曼", "依明", "艾海提", "托合提"};
#define MIDDLE_DOT "\xC2\xB7" /* U+00B7, the register's separator */

/* Names in Latin letters, as a register writes a naturalized or
 * foreign-born resident's: capitals, spaces between the parts. */
static const char *const latin_m[] = {"JOHN SMITH", "PETER MUELLER",
                                      "NGUYEN VAN NAM", "KIM MINJUN",
                                      "DAVID BROWN"};
static const char *const latin_f[] = {"MARIA SANTOS", "ANNA SCHMIDT",
                                      "NGUYEN THI HOA", "KIM JIYEON",
                                      "SARAH MILLER"};

/* Characters a clerk writes for one another (the same sound): a slip
 * that makes another name, as 王晓明 is not 王小明. */
static const char *const sound_alike[][2] = {
    {"建", "健"}, {"国", "帼"}, {"华", "桦"}, {"军", "君"}, {"伟", "玮"},
    {"明", "铭"}, {"强", "蔷"}, {"勇", "永"}, {"杰", "洁"}, {"涛", "韬"},
    {"斌", "彬"}, {"超", "朝"}, {"辉", "晖"}, {"刚", "钢"}, {"平", "萍"},
    {"东", "冬"}, {"文", "雯"}, {"林", "琳"}, {"峰", "锋"}, {"鹏", "朋"},
    {"宇", "雨"}, {"浩", "昊"}, {"俊", "骏"}, {"志", "智"}, {"成", "诚"},
    {"祥", "翔"}, {"庆", "清"}, {"荣", "蓉"}, {"龙", "隆"}, {"金", "锦"},
    {"生", "升"}, {"芳", "方"}, {"娟", "鹃"}, {"静", "晶"}, {"丽", "莉"},
    {"艳", "燕"}, {"霞", "侠"}, {"玲", "龄"}, {"梅", "玫"}, {"兰", "岚"},
    {"英", "瑛"}, {"秀", "绣"}, {"桂", "贵"}, {"凤", "风"}, {"玉", "钰"},
    {"红", "虹"}, {"琴", "芹"}, {"云", "芸"}, {"婷", "亭"}, {"慧", "惠"},
    {"佳", "嘉"}, {"欣", "馨"}, {"珍", "贞"}, {"颖", "莹"}, {"倩", "茜"},
    {"彤", "桐"}, {"怡", "宜"}, {"涵", "含"}, {"萱", "宣"}, {"妍", "研"},
    {"淑", "书"}, {"翠", "萃"}, {"菊", "桔"}, {"荷", "禾"}, {"薇", "微"}};

/* The separators 9.2 maps to U+00B7 (itself aside), for a minority name
 * typed differently. */
static const char *const separators[] = {"\xE3\x83\xBB", /* U+30FB */
                                         "\xE2\x80\xA2", /* U+2022 */
                                         ".", "\xEF\xBC\x8E" /* U+FF0E */};
#define IDEO_SPACE "\xE3\x80\x80" /* U+3000 */

/* The bytes of the UTF-8 character that starts with byte c. */
static size_t char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >> 5 == 6 ? 2 : c >> 4 == 14 ? 3 : 4;
}

static int is_latin(const char *name)
{
    return (name[0] >= 'A' && name[0] <= 'Z') ||
           (name[0] >= 'a' && name[0] <= 'z');
}

/* Appends text to out (size bytes, *len used); 0, or -1 when it does not
 * fit. */
static int put(char *out, size_t size, size_t *len, const char *text,
               size_t n)
{
    if (*len + n >= size)
        return -1;
    memcpy(out + *len, text, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

/* The same name typed differently: a minority name with another
 * separator, a Latin one in full-width letters (its spaces perhaps
 * ideographic), a Han name with an ASCII or ideographic space after its
 * first character or an ASCII space between all.  Returns 0, or
 * -1 when it does not fit in out. */
static int typed_differently(cb_gen_ctx *g, const char *name, char *out,
                             size_t size)
{
    size_t len = 0, n = strlen(name);
    int rc = 0;

    out[0] = '\0';
    if (strstr(name, MIDDLE_DOT) != NULL) {
        const char *sep =
            separators[cb_gen_rng_below(NRNG, NELEM(separators))];
        for (size_t i = 0; i < n && rc == 0;) {
            if (strncmp(name + i, MIDDLE_DOT, 2) == 0) {
                rc = put(out, size, &len, sep, strlen(sep));
                i += 2;
            } else {
                rc = put(out, size, &len, name + i, 1);
                i++;
            }
        }
    } else if (is_latin(name)) {
        int ideo = cb_gen_rng_chance(NRNG, 0.5);
        for (size_t i = 0; i < n && rc == 0; i++) {
            unsigned char c = (unsigned char)name[i];
            char fw[3];
            if (c == ' ' && ideo) {
                rc = put(out, size, &len, IDEO_SPACE, 3);
            } else if (c > ' ' && c < 0x7F) {
                /* U+FF01..U+FF5E: c + 0xFEE0 in three bytes */
                unsigned cp = c + 0xFEE0u;
                fw[0] = (char)(0xE0 | cp >> 12);
                fw[1] = (char)(0x80 | (cp >> 6 & 0x3F));
                fw[2] = (char)(0x80 | (cp & 0x3F));
                rc = put(out, size, &len, fw, 3);
            } else {
                rc = put(out, size, &len, name + i, 1);
            }
        }
    } else {
        uint32_t how = cb_gen_rng_below(NRNG, 3);
        for (size_t i = 0; i < n && rc == 0;) {
            size_t k = char_len((unsigned char)name[i]);
            rc = put(out, size, &len, name + i, k);
            i += k;
            if (rc == 0 && i < n && (how == 2 || i == k))
                rc = how == 1 ? put(out, size, &len, IDEO_SPACE, 3)
                              : put(out, size, &len, " ", 1);
        }
    }
    if (rc == 0 && strcmp(out, name) == 0)
        rc = -1; /* a name of one character: nothing to space */
    return rc;
}

/* Another name for the same number: a minority name with another
 * father's name, another Latin name, or a Han name with one character
 * written as another of its sound (the last such; without one, the last
 * character replaced).  Never the same name in another typing. */
static void other_name(cb_gen_ctx *g, const char *name, char *out,
                       size_t size)
{
    const char *dot = strstr(name, MIDDLE_DOT);

    if (dot != NULL) {
        const char *f;
        do
            f = fathers[cb_gen_rng_below(NRNG, NELEM(fathers))];
        while (strcmp(f, dot + 2) == 0);
        snprintf(out, size, "%.*s%s%s", (int)(dot - name), name, MIDDLE_DOT,
                 f);
    } else if (is_latin(name)) {
        const char *l;
        do {
            uint32_t k = cb_gen_rng_below(NRNG, NELEM(latin_m) * 2);
            l = k < NELEM(latin_m) ? latin_m[k] : latin_f[k - NELEM(latin_m)];
        } while (strcmp(l, name) == 0);
        snprintf(out, size, "%s", l);
    } else {
        size_t n = strlen(name), at = n, last = 0, k;
        const char *to = NULL;
        for (size_t i = 0; i < n; i += k) {
            k = char_len((unsigned char)name[i]);
            last = i;
            for (size_t s = 0; s < NELEM(sound_alike); s++)
                for (int side = 0; side < 2; side++)
                    if (strlen(sound_alike[s][side]) == k &&
                        memcmp(name + i, sound_alike[s][side], k) == 0)
                        at = i, to = sound_alike[s][1 - side];
        }
        if (to == NULL) { /* no such character: the last one changes to
                             one of a given name */
            at = last;
            do
                to = sound_alike[cb_gen_rng_below(NRNG, NELEM(sound_alike))]
                                [0];
            while (strncmp(name + at, to, strlen(to)) == 0);
        }
        k = char_len((unsigned char)name[at]);
        snprintf(out, size, "%.*s%s%s", (int)at, name, to, name + at + k);
    }
}

static void minority_name(cb_gen_ctx *g, int male, char *out, size_t size)
{
    const char *given =
        male ? minority_m[cb_gen_rng_below(NRNG, NELEM(minority_m))]
             : minority_f[cb_gen_rng_below(NRNG, NELEM(minority_f))];
    const char *father;

    do
        father = fathers[cb_gen_rng_below(NRNG, NELEM(fathers))];
    while (strcmp(father, given) == 0);
    snprintf(out, size, "%s%s%s", given, MIDDLE_DOT, father);
}

/* ------------------------------------------------------------- hooks */

cb_gen_names *cb_gen_names_new(uint64_t seed, int defects)
{
    cb_gen_names *n = calloc(1, sizeof(*n));

    if (n == NULL)
        return NULL;
    /* another stream than the county's: the seed mixed with "names" */
    cb_gen_rng_seed(&n->rng, seed ^ 0x6e616d6573ULL);
    n->defects = defects;
    return n;
}

void cb_gen_names_free(cb_gen_names *n)
{
    free(n);
}

void cb_gen_names_person(cb_gen_ctx *g, gen_person *p)
{
    double u = (double)(cb_gen_rng_next(NRNG) >> 11) * 0x1.0p-53;

    g->names->people++;
    if (u < RATE_MINORITY) {
        minority_name(g, p->male, p->name, sizeof(p->name));
        g->names->minority++;
    } else if (u < RATE_MINORITY + RATE_LATIN) {
        const char *const *l = p->male ? latin_m : latin_f;
        snprintf(p->name, sizeof(p->name), "%s",
                 l[cb_gen_rng_below(NRNG, NELEM(latin_m))]);
        g->names->latin++;
    }
}

void cb_gen_names_row(cb_gen_ctx *g, int file, const char *name, char *out,
                      size_t size)
{
    cb_gen_names *n = g->names;

    snprintf(out, size, "%s", name);
    if (!n->defects || n->hold > 0)
        return;
    if (file != CB_GEN_DEATH) {
        n->other_trials++;
        if (cb_gen_rng_chance(NRNG, RATE_OTHER)) {
            other_name(g, name, out, size);
            n->other++;
            n->rows_other++;
            return;
        }
    }
    n->typed_trials++;
    if (cb_gen_rng_chance(NRNG, RATE_TYPED)) {
        if (typed_differently(g, name, out, size) == 0) {
            n->typed++;
            n->rows_typed++;
        } else {
            snprintf(out, size, "%s", name);
        }
    }
}

void cb_gen_names_living(cb_gen_ctx *g, const gen_person *p)
{
    cb_gen_names *n = g->names;

    if (!n->defects)
        return;
    n->pool[n->pool_next] = *p;
    n->pool_next = (n->pool_next + 1) % POOL;
    if (n->npool < POOL)
        n->npool++;
}

/* A death notice from civil affairs on day `day` for the number of `who`
 * naming `name`, filed from township tw; counted as a wrong notice. */
static int wrong_notice(cb_gen_ctx *g, const gen_person *who,
                        const char *name, int tw, int32_t d, int32_t day)
{
    gen_person q = *who;
    int rc;

    snprintf(q.name, sizeof(q.name), "%s", name);
    q.tw = tw;
    g->names->hold++;
    rc = cb_gen_death(g, &q, d, CB_DEATH_CIVIL,
                      cb_gen_ms(day, cb_gen_rng_range(NRNG, 8 * 3600,
                                                      18 * 3600 - 1)),
                      CB_TIME_NONE, NULL);
    g->names->hold--;
    g->names->rows_wrong++;
    return rc;
}

int cb_gen_names_wrong_death(cb_gen_ctx *g, const gen_person *p, int32_t d)
{
    cb_gen_names *n = g->names;
    int32_t day;

    if (!n->defects)
        return 0;
    n->deaths++;
    if (n->npool == 0 || !cb_gen_rng_chance(NRNG, RATE_WRONG_DEATH))
        return 0;
    /* a living person whose name is not the dead one's */
    for (int tries = 0; tries < 8; tries++) {
        const gen_person *y =
            &n->pool[cb_gen_rng_below(NRNG, (uint32_t)n->npool)];
        if (cb_name_same(y->name, strlen(y->name), p->name, strlen(p->name)))
            continue;
        day = d + cb_gen_rng_range(NRNG, 3, 25);
        if (day > g->E)
            day = g->E;
        if (day < d)
            return 0;
        n->wrong++;
        return wrong_notice(g, y, p->name, p->tw, d, day);
    }
    return 0;
}

/* ------------------------------------------------------------- cases */

static int64_t office(cb_gen_ctx *g, int32_t day)
{
    return cb_gen_ms(day, cb_gen_rng_range(NRNG, 8 * 3600, 18 * 3600 - 1));
}

/* A person of the initial register aged `age` on T, with a `resident` row
 * at the stream's start; with a minority name when asked. */
static int registered(cb_gen_ctx *g, gen_person *p, int age, int minority)
{
    int32_t birth =
        cb_gen_add_years(g->T, -age) - cb_gen_rng_range(NRNG, 1, 300);

    if (cb_gen_person(g, p, birth, (int)cb_gen_rng_below(NRNG, 2), 0,
                      cb_gen_tw_pick(g)) != 0)
        return -1;
    if (minority)
        minority_name(g, p->male, p->name, sizeof(p->name));
    g->register_used++;
    return cb_gen_hh(g, p, CB_HH_RESIDENT, p->tw, cb_gen_ms(g->S, 0), -1,
                     CB_TIME_NONE, NULL);
}

/* On a roster valid on T, the assistance row giving another name: an open
 * assisted lead all the same (it follows the number) and a name_mismatch
 * item.  Variant: the renewal gives the same other name. */
static int other_assistance(cb_gen_ctx *g, int k)
{
    gen_person p, q;
    int32_t T = g->T;
    int rc;

    if (registered(g, &p, 30 + k % 25, 0) != 0)
        return -1;
    q = p;
    other_name(g, p.name, q.name, sizeof(q.name));
    g->names->hold++;
    rc = cb_gen_roster(g, &q, CB_ID_MINIMUM_LIVING, T - 200, T - 101, p.tw,
                       office(g, T - 200), CB_TIME_NONE, NULL);
    g->names->rows_other++;
    if (rc == 0 && k % 2 == 1) {
        rc = cb_gen_roster(g, &q, CB_ID_MINIMUM_LIVING, T - 100, T + 265,
                           p.tw, office(g, T - 100), CB_TIME_NONE, NULL);
        g->names->rows_other++;
    }
    g->names->hold--;
    if (rc == 0 && k % 2 == 0)
        rc = cb_gen_roster(g, &p, CB_ID_MINIMUM_LIVING, T - 100, T + 265,
                           p.tw, office(g, T - 100), CB_TIME_NONE, NULL);
    if (rc != 0)
        return -1;
    cb_gen_count_case(g, "name_mismatch_assistance");
    return 0;
}

/* An individual business whose legal representative's name is another:
 * an open business-owner lead and a name_mismatch item. */
static int other_legal_rep(cb_gen_ctx *g, int k)
{
    gen_person p, q;
    char code[CB_ID_SIZE], name[CB_ORG_NAME_SIZE];
    int32_t T = g->T;
    int rc;

    if (registered(g, &p, 30 + k % 20, 0) != 0)
        return -1;
    q = p;
    other_name(g, p.name, q.name, sizeof(q.name));
    cb_gen_uscc(g, CB_BIZ_INDIVIDUAL, code);
    cb_gen_org_name(g, CB_BIZ_INDIVIDUAL, p.tw, name, sizeof(name));
    g->names->hold++;
    rc = cb_gen_biz(g, code, name, CB_BIZ_INDIVIDUAL, CB_BIZ_ESTABLISHED,
                    T - 150, p.tw, &q, office(g, T - 148), CB_TIME_NONE);
    g->names->hold--;
    if (rc != 0)
        return -1;
    g->names->rows_other++;
    cb_gen_count_case(g, "name_mismatch_legal_rep");
    return 0;
}

/* A death notice on a living person's number naming someone else: a
 * death_unconfirmed item, and the person stays alive -- the lead stays
 * open (working age, or, variant, elderly without a pension). */
static int death_unconfirmed(cb_gen_ctx *g, int k)
{
    gen_person p, x;
    int32_t D = g->T - 90;

    if (registered(g, &p, k % 2 ? 66 + k % 10 : 30 + k % 25, 0) != 0)
        return -1;
    do /* the one who died, somewhere else in the county */
        if (cb_gen_person(g, &x, cb_gen_add_years(g->T, -70), 1, 0,
                          cb_gen_tw_pick(g)) != 0)
            return -1;
    while (cb_name_same(x.name, strlen(x.name), p.name, strlen(p.name)));
    if (wrong_notice(g, &p, x.name, x.tw, D, D + 4) != 0)
        return -1;
    cb_gen_count_case(g, "death_unconfirmed");
    return 0;
}

/* A death whose notices type the name differently: the same name, so they
 * apply -- closed deceased, no item.  Variant: a minority name, its
 * separator written otherwise. */
static int death_typed(cb_gen_ctx *g, int k)
{
    gen_person p, q;
    int32_t D = g->T - 140;

    if (registered(g, &p, 30 + k % 25, k % 2) != 0)
        return -1;
    q = p;
    for (int s = 0; s < 2; s++) {
        if (typed_differently(g, p.name, q.name, sizeof(q.name)) != 0)
            return -1;
        g->names->hold++;
        int rc = cb_gen_death(g, &q, D, s ? CB_DEATH_CIVIL : CB_DEATH_POLICE,
                              office(g, D + 2 + 10 * s), CB_TIME_NONE, NULL);
        g->names->hold--;
        if (rc != 0)
            return -1;
        g->names->rows_typed++;
    }
    cb_gen_count_case(g, "death_name_typed_differently");
    return 0;
}

int cb_gen_names_cases(cb_gen_ctx *g, int per_kind)
{
    if (!g->names->defects)
        return 0;
    for (int k = 0; k < per_kind; k++)
        if (other_assistance(g, k) != 0 || other_legal_rep(g, k) != 0 ||
            death_unconfirmed(g, k) != 0 || death_typed(g, k) != 0)
            return -1;
    return 0;
}

/* ---------------------------------------------------------- manifest */

/* The names of the defects, in the order of the manifest's objects. */
static const char *const kinds[5] = {"minority_name", "latin_name",
                                     "other_name", "typed_differently",
                                     "death_other_name"};

/* One member of the manifest's object: "name": {kinds[from..5): v}. */
static void counts(FILE *f, const char *name, int from, const int64_t *v)
{
    fprintf(f, ",\n    \"%s\": {", name);
    for (int i = from; i < 5; i++)
        fprintf(f, "%s\n      \"%s\": %" PRId64, i > from ? "," : "",
                kinds[i], v[i - from]);
    fputs("\n    }", f);
}

void cb_gen_names_manifest(const cb_gen_ctx *g, FILE *f)
{
    const cb_gen_names *n = g->names;
    const double rates[5] = {RATE_MINORITY, RATE_LATIN, RATE_OTHER,
                             RATE_TYPED, RATE_WRONG_DEATH};
    const int64_t trials[4] = {n->people, n->other_trials, n->typed_trials,
                               n->deaths};
    const int64_t drawn[5] = {n->minority, n->latin, n->other, n->typed,
                              n->wrong};
    const int64_t rows[3] = {n->rows_other, n->rows_typed, n->rows_wrong};

    fprintf(f, "{\n    \"on\": %s,\n    \"rates\": {",
            n->defects ? "true" : "false");
    for (int i = 0; i < 5; i++)
        fprintf(f, "%s\n      \"%s\": %g", i ? "," : "", kinds[i],
                rates[i]);
    fputs("\n    }", f);
    /* the people drawn for both kinds of name, then the rows and deaths */
    fprintf(f, ",\n    \"trials\": {\n      \"people\": %" PRId64,
            trials[0]);
    for (int i = 2; i < 5; i++)
        fprintf(f, ",\n      \"%s\": %" PRId64, kinds[i], trials[i - 1]);
    fputs("\n    }", f);
    counts(f, "drawn", 0, drawn);
    counts(f, "rows", 2, rows);
    fputs("\n  }", f);
}
