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
-- ARGV[2..] are the writes, each an opcode and its arguments:
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
i = 2
while i <= n do
  local c = A[i]
  if c == 'H' then
    call('HSET', A[i + 1], A[i + 2], A[i + 3])
    i = i + 4
  elseif c == 'D' then
    call('HDEL', A[i + 1], A[i + 2])
    i = i + 3
  elseif c == 'Z' then
    call('ZADD', A[i + 1], A[i + 2], A[i + 3])
    i = i + 4
  elseif c == 'L' then
    call('ZADD', A[i + 1], 'LT', A[i + 2], A[i + 3])
    i = i + 4
  elseif c == 'R' then
    call('ZREM', A[i + 1], A[i + 2])
    i = i + 3
  else -- 'X'
    local m = tonumber(A[i + 2])
    call('XADD', A[i + 1], '*', unpack(A, i + 3, i + 2 + 2 * m))
    i = i + 3 + 2 * m
  end
end
return 1
