/* cb_timers.c -- the timers due of a partition (cb_timers.h). */
#include <stdio.h>
#include <string.h>

#include "cb_ops.h"
#include "cb_timers.h"

/* KEYS[1] the bound, ARGV: today, the buckets' key without the bucket,
 * the buckets, the limit.  A full pass costs some 2 us a bucket. */
static const char fire_lua[] =
    "local today, pre = tonumber(ARGV[1]), ARGV[2]\n"
    "local n, limit = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local b = redis.call('ZSCORE', KEYS[1], 'due')\n"
    "if not b or tonumber(b) > today then return {} end\n"
    "local out, low = {}, nil\n"
    "for i = 0, n - 1 do\n"
    "  local key = pre .. i\n"
    "  if #out < limit then\n"
    "    local due = redis.call('ZRANGEBYSCORE', key, '-inf', today,\n"
    "                           'LIMIT', 0, limit - #out)\n"
    "    for _, k in ipairs(due) do out[#out + 1] = k end\n"
    "  end\n"
    "  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')\n"
    "  if first[2] then\n"
    "    local v = tonumber(first[2])\n"
    "    if low == nil or v < low then low = v end\n"
    "  end\n"
    "end\n"
    "if low == nil then redis.call('DEL', KEYS[1])\n"
    "else redis.call('ZADD', KEYS[1], low, 'due') end\n"
    "return out\n";

redisReply *cb_timers_due(cb_redis *r, int partition, int32_t today,
                          int limit)
{
    char bound[48], pre[48], day[16], n[16], lim[16];
    const char *argv[] = {"EVAL", fire_lua, "1", bound, day, pre, n, lim};
    size_t argvlen[8];

    snprintf(bound, sizeof(bound), "cb:tmin:{p%d}", partition);
    snprintf(pre, sizeof(pre), "cb:tm:{p%d}:", partition);
    snprintf(day, sizeof(day), "%d", (int)today);
    snprintf(n, sizeof(n), "%d", CB_SIDE_BUCKETS);
    snprintf(lim, sizeof(lim), "%d", limit);
    for (int i = 0; i < 8; i++)
        argvlen[i] = strlen(argv[i]);
    return cb_redis_command(r, 8, argv, argvlen);
}
