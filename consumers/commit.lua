-- commit.lua -- commits one step of the matcher on one partition: the
-- writes the C side computed (consumers/cb_step.c) from what it read of
-- the partition, applied only if the partition has not changed since.
--
-- KEYS[1] is the partition's version (cb:v:{pN}, a counter every commit
-- raises); ARGV[1] the version the step's reads saw ("0" when none).  If
-- another writer committed in between (a second matcher during a
-- rebalance, `canbao lead` recording a decision), nothing is written and
-- the script returns 0: the step reads again and recomputes.  Otherwise
-- every write is applied, the version raised, and it returns 1.  Either
-- way the partition changes atomically: states, leads, alerts, indexes,
-- timers, outbox and applied offsets together, or nothing.
--
-- ARGV[2..] are the writes, each an opcode and its arguments (a run of
-- one opcode on one key is applied by one call):
--   H key field value      HSET            D key field     HDEL
--   Z key score member     ZADD            L key score member  ZADD LT
--   R key member           ZREM
--   X key n f1 v1 .. fn vn XADD key * f1 v1 .. fn vn
-- Every key carries the partition's hash tag, so a commit touches one
-- Redis Cluster slot.

if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end

local call, A, n = redis.call, ARGV, #ARGV
local ARITY = {H = 3, D = 2, Z = 3, L = 3, R = 2}

-- A script is not rolled back when it fails half way: check every write
-- before the first one, so that a bad list writes nothing.
local i = 2
while i <= n do
  local c, a = A[i], ARITY[A[i]]
  if c == 'X' then a = 2 + 2 * (tonumber(A[i + 2]) or -1) end
  if a == nil or a < 2 or i + a > n then
    return redis.error_reply('commit.lua: bad write ' .. tostring(c) ..
      ' at argument ' .. i)
  end
  i = i + 1 + a
end

call('INCR', KEYS[1])

-- Writes of one opcode to one key side by side (the C side groups them:
-- every lead of the partition, every timer) make one call: a call from a
-- script costs more than the write it makes.  At most RUN arguments a
-- call, well within what unpack takes.
local NAME = {H = 'HSET', D = 'HDEL', Z = 'ZADD', L = 'ZADD', R = 'ZREM'}
local RUN = 2000
i = 2
while i <= n do
  local c, key = A[i], A[i + 1]
  if c == 'X' then
    local m = tonumber(A[i + 2])
    call('XADD', key, '*', unpack(A, i + 3, i + 2 + 2 * m))
    i = i + 3 + 2 * m
  else
    local w = ARITY[c] - 1 -- arguments after the key
    local t, k = {}, 0
    if c == 'L' then t[1] = 'LT'; k = 1 end
    repeat
      for j = 1, w do t[k + j] = A[i + 1 + j] end
      k = k + w
      i = i + 2 + w
    until i > n or A[i] ~= c or A[i + 1] ~= key or k >= RUN
    call(NAME[c], key, unpack(t, 1, k))
  end
end
return 1
