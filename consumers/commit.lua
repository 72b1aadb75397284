-- commit.lua -- commits one step of the matcher on one partition: the
-- writes the C side computed (consumers/cb_step*.c; their encoding is
-- cb_step_writes.c's) from what it read of the partition, applied only if
-- the partition has not changed since.
--
-- KEYS[1] is the partition's version (cb:v:{pN}, a counter every commit
-- raises); ARGV[1] the version the step's reads saw ("0" when none).
-- On a Redis Cluster KEYS[2..] are the keys the writes touch, declared so
-- that the node checks them before the script runs: while a slot moves,
-- some of its keys are already on the new node, and a script that met one
-- would fail after whatever it wrote before (scripts are not rolled back);
-- declared, the commit is refused whole (ASK, TRYAGAIN) and redone once
-- the slot has moved.  A single Redis needs no such check.  If
-- another writer committed in between (a second matcher during a
-- rebalance, `canbao lead` recording a decision), nothing is written and
-- the script returns 0: the step reads again and recomputes.  Otherwise
-- every write is applied, the version raised, and it returns 1.  Either
-- way the partition changes atomically: states, leads, alerts, indexes,
-- timers, outbox and applied offsets together, or nothing.
--
-- ARGV[2..] are the writes, in runs: an opcode, a key, a count m and the
-- arguments of m writes of that opcode to that key, applied by one call
-- (a call from a script costs more than most writes it makes, and a loop
-- over the arguments in Lua would cost more again):
--   H key m (field value)*m     HSET
--   D key m field*m             HDEL
--   Z key m (score member)*m    ZADD
--   L key m (score member)*m    ZADD LT
--   R key m member*m            ZREM
--   X key m (field value)*m     XADD key * (one entry of m fields)
-- Every key carries the partition's hash tag, so a commit touches one
-- Redis Cluster slot.

if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end

local call, unpack, A, n = redis.call, unpack, ARGV, #ARGV
local W = {H = 2, D = 1, Z = 2, L = 2, R = 1, X = 2}
local NAME = {H = 'HSET', D = 'HDEL', Z = 'ZADD', R = 'ZREM'}
-- A run is unpacked onto Lua's stack, which holds some 8,000 values; the
-- C side makes runs of at most 2,000 arguments.
local MAX_RUN = 4000

-- A script is not rolled back when it fails half way: check every run
-- before the first write, so that a bad list writes nothing.
local i = 2
while i <= n do
  local w, m = W[A[i]], tonumber(A[i + 2])
  if w == nil or m == nil or m < 1 or m ~= math.floor(m) or
     m * w > MAX_RUN or i + 2 + m * w > n then
    return redis.error_reply('commit.lua: bad write ' .. tostring(A[i]) ..
      ' at argument ' .. i)
  end
  i = i + 3 + m * w
end

-- The version's INCR is the first write, on purpose: with maxmemory
-- reached, Redis refuses a script's first write (OOM) and, once a script
-- has written, lets the rest through to keep it atomic.  So a commit
-- refused for memory has written nothing (tests/integration/redis_oom.sh).
call('INCR', KEYS[1])

i = 2
while i <= n do
  local c, key = A[i], A[i + 1]
  local last = i + 2 + tonumber(A[i + 2]) * W[c]
  if c == 'X' then
    call('XADD', key, '*', unpack(A, i + 3, last))
  elseif c == 'L' then
    call('ZADD', key, 'LT', unpack(A, i + 3, last))
  else
    call(NAME[c], key, unpack(A, i + 3, last))
  end
  i = last + 1
end
return 1
