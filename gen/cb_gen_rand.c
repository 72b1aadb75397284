/* cb_gen_rand.c -- the generator's randomness: the PRNG, names, resident
 * IDs and credit codes, townships by weight. */
#include <stdio.h>
#include <string.h>

#include "cb_gen_int.h"
#include "cb_gen_names.h"
#include "cb_ident.h"

/* ----------------------------------------------------------------- PRNG */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cb_gen_rng_seed(cb_gen_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cb_gen_rng_next(cb_gen_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t cb_gen_rng_below(cb_gen_rng *rng, uint32_t n)
{
    /* Lemire's multiply-shift; the bias (< n / 2^32) does not matter
     * here, and it is the same on every machine. */
    return (uint32_t)(((cb_gen_rng_next(rng) >> 32) * (uint64_t)n) >> 32);
}

int32_t cb_gen_rng_range(cb_gen_rng *rng, int32_t lo, int32_t hi)
{
    return lo + (int32_t)cb_gen_rng_below(rng, (uint32_t)(hi - lo) + 1);
}

int cb_gen_rng_chance(cb_gen_rng *rng, double p)
{
    return (double)(cb_gen_rng_next(rng) >> 11) * 0x1.0p-53 < p;
}

/* ------------------------------------------------------------ places */

static const char *const regions[CB_GEN_NREGIONS] = {
    "320923", /* 阜宁县 */
    "320922", /* 滨海县 */
    "320924", /* 射阳县 */
    "320925", /* 建湖县 */
    "320921", /* 响水县 */
    "320902", /* 亭湖区 */
    "320981", /* 东台市 */
    "321302", /* 宿城区 */
    "320804", /* 淮阴区 */
    "340104", /* 合肥蜀山区 */
    "410102", /* 郑州中原区 */
    "510107", /* 成都武侯区 */
    "370102", /* 济南历下区 */
    "440305", /* 深圳南山区 */
    "310115", /* 上海浦东新区 */
    "330106", /* 杭州西湖区 */
};

const char *cb_gen_region(int index)
{
    return regions[index];
}

const char *cb_gen_tw(const cb_gen_ctx *g, int tw)
{
    return g->tws.rows[tw].code;
}

int cb_gen_tw_pick(cb_gen_ctx *g)
{
    double u = (double)(cb_gen_rng_next(&g->rng) >> 11) * 0x1.0p-53;
    size_t lo = 0, hi = g->tws.count - 1;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->tw_cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (int)lo;
}

int cb_gen_tw_other(cb_gen_ctx *g, int tw)
{
    int n = (int)g->tws.count;

    if (n < 2)
        return tw;
    return (tw + 1 + (int)cb_gen_rng_below(&g->rng, (uint32_t)n - 1)) % n;
}

int64_t cb_gen_ms(int32_t day, int sec)
{
    return ((int64_t)day * 86400 - CB_TIME_LOCAL_OFFSET_S + sec) * 1000;
}

int32_t cb_gen_add_years(int32_t day, int years)
{
    int y, m, d;
    int32_t r;

    cb_date_to_ymd(day, &y, &m, &d);
    r = cb_date_from_ymd(y + years, m, d);
    return r != CB_DATE_NONE ? r : cb_date_from_ymd(y + years, 3, 1);
}

int32_t cb_gen_month_day(int32_t month, int day)
{
    int32_t m = month % 12, y = month / 12;

    if (m < 0)
        m += 12, y--;
    return cb_date_from_ymd(1970 + y, m + 1, day);
}

int cb_gen_office_sec(cb_gen_ctx *g)
{
    return cb_gen_rng_range(&g->rng, 8 * 3600, 18 * 3600 - 1);
}

void cb_gen_count_case(cb_gen_ctx *g, const char *name)
{
    for (int i = 0; i < g->ncases; i++)
        if (strcmp(g->case_names[i], name) == 0) {
            g->case_counts[i]++;
            return;
        }
    if (g->ncases < CB_GEN_MAX_CASES) {
        g->case_names[g->ncases] = name;
        g->case_counts[g->ncases++] = 1;
    }
}

/* ------------------------------------------------------------- names */

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨",   "黄",   "赵",  "吴", "周", "徐",
    "孙", "马", "朱", "胡", "郭", "何",   "高",   "林",  "罗", "郑", "梁",
    "谢", "宋", "唐", "许", "韩", "冯",   "邓",   "曹",  "彭", "曾", "肖",
    "田", "董", "袁", "潘", "于", "蒋",   "蔡",   "余",  "杜", "叶", "程",
    "苏", "魏", "吕", "丁", "任", "沈",   "姚",   "卢",  "姜", "崔", "钟",
    "谭", "陆", "汪", "范", "金", "石",   "廖",   "贾",  "夏", "顾", "戴",
    "孔", "邵", "季", "葛", "单", "欧阳", "司马", "诸葛"};

static const char *const given_m[] = {
    "建", "国", "华", "军", "伟", "明", "强", "勇", "杰", "涛", "斌", "超",
    "波", "辉", "刚", "平", "东", "文", "林", "峰", "磊", "鹏", "宇", "浩",
    "俊", "志", "海", "春", "永", "德", "忠", "成", "兵", "亮", "新", "祥",
    "庆", "宝", "荣", "昌", "瑞", "龙", "福", "金", "生", "松", "晨", "睿"};

static const char *const given_f[] = {
    "芳", "娟", "敏", "静", "丽", "艳", "霞", "燕", "玲", "梅", "兰", "英",
    "萍", "秀", "桂", "凤", "玉", "华", "红", "琴", "云", "莉", "娜", "婷",
    "雪", "慧", "佳", "欣", "月", "珍", "洁", "琳", "颖", "倩", "美", "彤",
    "怡", "涵", "萱", "悦", "妍", "淑", "翠", "菊", "荷", "晶", "蓉", "薇"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void person_name(cb_gen_ctx *g, int male, char *out, size_t size)
{
    const char *const *given = male ? given_m : given_f;
    size_t ng = male ? NELEM(given_m) : NELEM(given_f);
    /* common surnames first: squaring favours the start of the list */
    uint32_t u = cb_gen_rng_below(&g->rng, 1000);
    size_t s = (size_t)u * u / 1000 * NELEM(surnames) / 1000;

    if (cb_gen_rng_chance(&g->rng, 0.3))
        snprintf(out, size, "%s%s", surnames[s],
                 given[cb_gen_rng_below(&g->rng, (uint32_t)ng)]);
    else
        snprintf(out, size, "%s%s%s", surnames[s],
                 given[cb_gen_rng_below(&g->rng, (uint32_t)ng)],
                 given[cb_gen_rng_below(&g->rng, (uint32_t)ng)]);
}

static const char *const trades[] = {
    "农业", "建材", "纺织", "电子", "机械", "食品", "物流", "商贸",
    "服装", "家具", "环保", "化工", "印刷", "餐饮", "水产", "园艺"};

static const char *const shops[] = {
    "便利店", "小吃店", "五金店",     "理发店", "水果店", "家电维修部",
    "服装店", "农资店", "快递代办点", "早点铺", "烟酒店", "汽修店"};

static const char *const marks[] = {"金", "华", "兴", "盛", "达", "鑫", "源",
                                    "丰", "隆", "泰", "宏", "恒", "瑞", "祥",
                                    "顺", "益", "新", "阳", "海", "鼎"};

void cb_gen_org_name(cb_gen_ctx *g, int kind, int tw, char *out, size_t size)
{
    const char *place = g->tws.rows[tw].name;
    char brand[16];
    char township[64];
    const char *paren = strstr(place, "(");

    /* "花园街道(含现代园)" is written without its note. */
    snprintf(township, sizeof(township), "%.*s",
             paren != NULL ? (int)(paren - place) : (int)strlen(place), place);
    snprintf(brand, sizeof(brand), "%s%s",
             marks[cb_gen_rng_below(&g->rng, NELEM(marks))],
             marks[cb_gen_rng_below(&g->rng, NELEM(marks))]);
    switch (kind) {
    case CB_BIZ_INDIVIDUAL:
        snprintf(out, size, "阜宁县%s%s%s", township, brand,
                 shops[cb_gen_rng_below(&g->rng, NELEM(shops))]);
        break;
    case CB_BIZ_COOPERATIVE:
        snprintf(out, size, "阜宁县%s%s%s专业合作社", township, brand,
                 trades[cb_gen_rng_below(&g->rng, NELEM(trades))]);
        break;
    case CB_BIZ_BRANCH:
        snprintf(out, size, "江苏%s%s有限公司阜宁%s分公司", brand,
                 trades[cb_gen_rng_below(&g->rng, NELEM(trades))], township);
        break;
    default:
        /* now and then a name that CSV must quote */
        if (cb_gen_rng_chance(&g->rng, 0.02))
            snprintf(out, size, "阜宁县\"%s\"%s有限公司", brand,
                     trades[cb_gen_rng_below(&g->rng, NELEM(trades))]);
        else if (cb_gen_rng_chance(&g->rng, 0.02))
            snprintf(out, size, "阜宁%s%s科技有限公司,%s分部", brand,
                     trades[cb_gen_rng_below(&g->rng, NELEM(trades))],
                     township);
        else
            snprintf(out, size, "阜宁县%s%s有限公司", brand,
                     trades[cb_gen_rng_below(&g->rng, NELEM(trades))]);
        break;
    }
}

/* ------------------------------------------------------- identifiers */

int cb_gen_person(cb_gen_ctx *g, gen_person *p, int32_t birth, int male,
                  int region, int tw)
{
    int y, m, d;
    int64_t day = (int64_t)birth - g->id_first_day;

    if (day < 0 || day >= g->id_days) {
        snprintf(g->err, sizeof(g->err), "a birth date outside %d days",
                 g->id_days);
        return -1;
    }
    /* The sequence number is odd for men: 500 of each sex per region and
     * day; a full region passes to the next. */
    for (int k = 0; k < CB_GEN_NREGIONS; k++) {
        int r = (region + k) % CB_GEN_NREGIONS;
        uint16_t *count =
            &g->id_count[((size_t)r * (size_t)g->id_days + (size_t)day) * 2 +
                         (male ? 1 : 0)];
        if (*count >= 500)
            continue;
        cb_date_to_ymd(birth, &y, &m, &d);
        snprintf(p->id, sizeof(p->id), "%s%04d%02d%02d%03d", regions[r], y, m,
                 d, *count * 2 + (male ? 1 : 0));
        (*count)++;
        p->id[17] = cb_ident_person_check_char(p->id);
        p->id[18] = '\0';
        p->birth = birth;
        p->male = male;
        p->tw = tw;
        person_name(g, male, p->name, sizeof(p->name));
        cb_gen_names_person(g, p);
        return 0;
    }
    snprintf(g->err, sizeof(g->err), "no resident ID number left for a day");
    return -1;
}

void cb_gen_uscc(cb_gen_ctx *g, int kind, char out[CB_ID_SIZE])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const uint64_t span = 27512614111ULL; /* 31^7 */
    uint64_t n = (g->next_uscc++ * 1000003ULL + 12345) % span;
    char type = kind == CB_BIZ_INDIVIDUAL    ? '2'
                : kind == CB_BIZ_COOPERATIVE ? '3'
                                             : '1';

    /* 9 (market regulation), the type, the region, then an organisation
     * code "MA" + 7 characters: unique while fewer than 31^7 are made. */
    snprintf(out, CB_ID_SIZE, "9%c320923MA", type);
    for (int i = 16; i >= 10; i--) {
        out[i] = alphabet[n % 31];
        n /= 31;
    }
    out[17] = cb_ident_uscc_check_char(out);
    out[18] = '\0';
}
