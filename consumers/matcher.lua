-- matcher.lua -- one atomic step of the matcher: applies a batch of events
-- of one Kafka partition to the states of their subjects, re-evaluates
-- each touched subject's lead and alerts (docs/RULES.md), and records the
-- partition's applied offsets, in one script run.
--
-- Every key carries the partition's hash tag (ARGV[1], e.g. "{p7}"), so a
-- run touches one Redis Cluster slot.  Keys, with T = the tag:
--   cb:s:T:<b>          hash: subject -> packed state (bucket b)
--   cb:lead:T           hash: subject -> packed lead
--   cb:lid:T            hash: lead id -> subject
--   cb:lt:T:<township>  zset: subject -> opened_at (leads of a township)
--   cb:dec:T            hash: lead id -> packed team decision
--   cb:alert:T          hash: alert id -> packed alert
--   cb:at:T:<township>  zset: alert id -> raised_at day
--   cb:pg:T:<tw>:<year> zset: person -> date of the first enrollment (progress)
--   cb:tm:T             zset: subject -> day to re-evaluate it (timers)
--   cb:off:T            hash: topic -> next offset to apply
--   cb:out:T            stream: lead, alert and ownership changes to publish
--
-- ARGV[1] tag, ARGV[2] today (days since 1970, UTC+08:00), ARGV[3] now (ms),
-- ARGV[4] timer horizon (days), ARGV[5] offsets ("<B i8" pairs: topic,
-- next offset), ARGV[6..] ops, each one string packed by the C side
-- (consumers/cb_ops.c; the layouts are in the comments of each op).
--
-- Subjects are given as their key in the state (a person: the 8-byte binary
-- form of the ID; an employer: the 18-character USCC) and as their ID text.
-- Returns {applied, skipped, leads changed, alerts changed}.

local TAG, TODAY, NOW, HORIZON = ARGV[1], tonumber(ARGV[2]),
    tonumber(ARGV[3]), tonumber(ARGV[4])
local unpack, pack = struct.unpack, struct.pack
local floor = math.floor

local function key(...) return table.concat({'cb:', select(1, ...)}) end

-- ---------------------------------------------------------------- dates

-- civil date <-> days since 1970-01-01 (proleptic Gregorian)
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524)
    - floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end

-- The date of the n-th birthday; 29 February falls on 1 March in common
-- years.
local function birthday(birth, n)
  local y, m, d = civil_from_days(birth)
  y = y + n
  if m == 2 and d == 29 and not leap(y) then m, d = 3, 1 end
  return days_from_civil(y, m, d)
end

local function age(birth, on)
  local by, bm, bd = civil_from_days(birth)
  local y, m, d = civil_from_days(on)
  local a = y - by
  if bm == 2 and bd == 29 and not leap(y) then bm, bd = 3, 1 end
  if m < bm or (m == bm and d < bd) then a = a - 1 end
  return a
end

local function month_of(day)
  local y, m = civil_from_days(day)
  return (y - 1970) * 12 + m - 1
end

local function ymd(day)
  local y, m, d = civil_from_days(day)
  return string.format('%04d-%02d-%02d', y, m, d)
end

local function ym(month)
  return string.format('%04d-%02d', 1970 + floor(month / 12), month % 12 + 1)
end

-- Bytewise string order (Lua's '<' follows the server's locale).
local function bytes_lt(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- ------------------------------------------------------------ constants

local OP_HH, OP_DEATH, OP_ENR, OP_FACT, OP_ROSTER, OP_BIZ, OP_REG,
  OP_OWN, OP_TICK, OP_DECIDE = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
local HH_MOVE_OUT = 3
local F_STAY, F_LEAVE, F_STUDENT, F_DEATH, F_NAME, F_ROSTER, F_OWN,
  F_FACTS, F_SNAPBASIC, F_MALE = 1, 2, 4, 8, 16, 32, 64, 128, 256, 512
local EF_BIZ, EF_REG, EF_DEREG = 1, 2, 4
local S_EMPLOYEE, S_RESIDENT = 0, 1           -- basic pension schemes
local K_BENEFIT, K_CONTRIBUTE = 0, 1
local PAID_GOVERNMENT, PAID_NONE = 2, 255
local OPEN_END = 8388607                       -- i3 max: no valid_to
local BIZ_INDIVIDUAL, BIZ_DEREGISTERED = 1, 2
-- lead reasons (cb_lead_reason), priorities, statuses, closed reasons
local R_ASSISTED, R_ELDERLY, R_OWNER, R_WORKING, R_EMPLOYER = 0, 1, 2, 3, 4
local P_HIGH, P_NORMAL = 0, 1
local ST_OPEN, ST_CONTACTED, ST_REFUSED, ST_CLOSED = 0, 1, 2, 3
local C_ENROLLED, C_DECEASED, C_MOVED_OUT, C_DEREGISTERED, C_INVALID,
  C_NONE = 0, 1, 2, 3, 4, 255
local D_CONTACTED, D_REFUSED, D_ENROLLED, D_INVALID = 0, 1, 2, 3
local DECISION_NAMES = {[0] = 'contacted', 'refused', 'enrolled', 'invalid'}
local A_PAID_AFTER, A_DUAL_ENR, A_DUAL_BEN, A_DUP_SUBSIDY,
  A_ACTIVE_AFTER = 0, 1, 2, 3, 4
local ALERT_NAMES = {[0] = 'paid_after_death', 'dual_pension_enrollment',
  'dual_pension_benefit', 'duplicate_subsidy', 'active_after_death'}
local STAMP = 16777216                         -- date * STAMP + 24 bits

-- ------------------------------------------------------- person states

local function new_person()
  return {birth = 0, male = false, schemes = {}, roster = {}, own = {},
    facts = {}, deaths = {}}
end

local function decode_person(v)
  local P = new_person()
  local ver, flags, pos
  ver, flags, P.birth, pos = unpack('<BHi3', v)
  P.male = bit.band(flags, F_MALE) ~= 0
  P.snapbasic = bit.band(flags, F_SNAPBASIC) ~= 0
  if bit.band(flags, F_STAY) ~= 0 then
    local tw, since, s24
    tw, since, s24, pos = unpack('<i6HI3', v, pos)
    P.stay = {tw = tw, since = since, st = since * STAMP + s24}
  end
  if bit.band(flags, F_LEAVE) ~= 0 then
    local tw, out, s24
    tw, out, s24, pos = unpack('<i6HI3', v, pos)
    P.leave = {tw = tw, out = out, st = out * STAMP + s24}
  end
  if bit.band(flags, F_STUDENT) ~= 0 then
    local val, d, s24
    val, d, s24, pos = unpack('<BHI3', v, pos)
    P.student = {v = val, st = d * STAMP + s24}
  end
  if bit.band(flags, F_DEATH) ~= 0 then
    local n
    P.death, P.dtw, n, pos = unpack('<Hi6B', v, pos)
    for i = 1, n do
      local e
      e, pos = unpack('<Bc0', v, pos)
      P.deaths[i] = e
    end
  end
  if bit.band(flags, F_NAME) ~= 0 then
    P.name, pos = unpack('<Bc0', v, pos)
  end
  local n
  n, pos = unpack('<B', v, pos)
  for _ = 1, n do
    local sb, d, s24
    sb, d, s24, pos = unpack('<BHI3', v, pos)
    P.schemes[floor(sb / 2)] = {on = sb % 2, date = d, st = d * STAMP + s24}
  end
  if bit.band(flags, F_ROSTER) ~= 0 then
    n, pos = unpack('<B', v, pos)
    for _ = 1, n do
      local id, from, to, d, s24
      id, from, to, d, s24, pos = unpack('<Bi3i3HI3', v, pos)
      P.roster[id] = {from = from, to = to, st = d * STAMP + s24}
    end
  end
  if bit.band(flags, F_OWN) ~= 0 then
    n, pos = unpack('<B', v, pos)
    for _ = 1, n do
      local u, act, est, dereg, d, s24
      u, act, est, dereg, d, s24, pos = unpack('<Bc0Bi3i3HI3', v, pos)
      P.own[u] = {active = act, est = est, dereg = dereg,
        st = d * STAMP + s24}
    end
  end
  if bit.band(flags, F_FACTS) ~= 0 then
    n, pos = unpack('<H', v, pos)
    for i = 1, n do
      local f = {}
      f.k, f.scheme, f.region, f.period, f.amount, f.paid, f.tier, f.tw,
        f.eid, pos = unpack('<BBi6Hi6Bi6i6Bc0', v, pos)
      P.facts[i] = f
    end
  end
  return P
end

local function encode_person(P)
  local flags = 0
  local parts = {}
  if P.male then flags = flags + F_MALE end
  if P.snapbasic then flags = flags + F_SNAPBASIC end
  if P.stay then
    flags = flags + F_STAY
    parts[#parts + 1] = pack('<i6HI3', P.stay.tw, P.stay.since,
      P.stay.st % STAMP)
  end
  if P.leave then
    flags = flags + F_LEAVE
    parts[#parts + 1] = pack('<i6HI3', P.leave.tw, P.leave.out,
      P.leave.st % STAMP)
  end
  if P.student then
    flags = flags + F_STUDENT
    parts[#parts + 1] = pack('<BHI3', P.student.v,
      floor(P.student.st / STAMP), P.student.st % STAMP)
  end
  if P.death then
    flags = flags + F_DEATH
    parts[#parts + 1] = pack('<Hi6B', P.death, P.dtw, #P.deaths)
    for _, e in ipairs(P.deaths) do parts[#parts + 1] = pack('<Bc0', #e, e) end
  end
  if P.name and P.name ~= '' then
    flags = flags + F_NAME
    parts[#parts + 1] = pack('<Bc0', #P.name, P.name)
  end
  local ns = {}
  for s, e in pairs(P.schemes) do
    ns[#ns + 1] = pack('<BHI3', s * 2 + e.on, e.date, e.st % STAMP)
  end
  table.sort(ns)
  parts[#parts + 1] = pack('<B', #ns)
  for _, x in ipairs(ns) do parts[#parts + 1] = x end
  if next(P.roster) then
    flags = flags + F_ROSTER
    local rs = {}
    for id, r in pairs(P.roster) do
      rs[#rs + 1] = pack('<Bi3i3HI3', id, r.from, r.to, floor(r.st / STAMP),
        r.st % STAMP)
    end
    table.sort(rs)
    parts[#parts + 1] = pack('<B', #rs)
    for _, x in ipairs(rs) do parts[#parts + 1] = x end
  end
  if next(P.own) then
    flags = flags + F_OWN
    local os = {}
    for u, o in pairs(P.own) do
      os[#os + 1] = pack('<Bc0Bi3i3HI3', #u, u, o.active, o.est, o.dereg,
        floor(o.st / STAMP), o.st % STAMP)
    end
    table.sort(os)
    parts[#parts + 1] = pack('<B', #os)
    for _, x in ipairs(os) do parts[#parts + 1] = x end
  end
  if #P.facts > 0 then
    flags = flags + F_FACTS
    -- a canonical order, so that the same facts give the same bytes
    table.sort(P.facts, function(a, b)
      if a.period ~= b.period then return a.period < b.period end
      return bytes_lt(a.eid, b.eid)
    end)
    parts[#parts + 1] = pack('<H', #P.facts)
    for _, f in ipairs(P.facts) do
      parts[#parts + 1] = pack('<BBi6Hi6Bi6i6Bc0', f.k, f.scheme, f.region,
        f.period, f.amount, f.paid, f.tier, f.tw, #f.eid, f.eid)
    end
  end
  return pack('<BHi3', 1, flags, P.birth) .. table.concat(parts)
end

-- ----------------------------------------------------- employer states

local function decode_employer(v)
  local E = {}
  local ver, flags, pos = unpack('<BH', v)
  if bit.band(flags, EF_BIZ) ~= 0 then
    local d, s24
    E.kind, E.action, E.est, E.tw, d, s24, E.name, E.rep, pos =
      unpack('<BBi3i6HI3Bc0Bc0', v, pos)
    E.st = d * STAMP + s24
  end
  if bit.band(flags, EF_REG) ~= 0 then E.reg, pos = unpack('<H', v, pos) end
  if bit.band(flags, EF_DEREG) ~= 0 then
    E.dereg, pos = unpack('<H', v, pos)
  end
  return E
end

local function encode_employer(E)
  local flags, parts = 0, {}
  if E.kind then
    flags = flags + EF_BIZ
    parts[#parts + 1] = pack('<BBi3i6HI3Bc0Bc0', E.kind, E.action, E.est,
      E.tw, floor(E.st / STAMP), E.st % STAMP, #E.name, E.name, #E.rep, E.rep)
  end
  if E.reg then
    flags = flags + EF_REG
    parts[#parts + 1] = pack('<H', E.reg)
  end
  if E.dereg then
    flags = flags + EF_DEREG
    parts[#parts + 1] = pack('<H', E.dereg)
  end
  return pack('<BH', 1, flags) .. table.concat(parts)
end

-- ------------------------------------------------------- person rules

local function moved_out(P)
  return P.leave ~= nil and (P.stay == nil or P.leave.st >= P.stay.st)
end

local function resident(P, D)
  if not P.stay or P.stay.since > D then return false end
  if moved_out(P) and P.leave.out <= D then return false end
  return true
end

local function enrolled(P, s, D)
  local e = P.schemes[s]
  return e ~= nil and e.on == 1 and e.date <= D
end

local function basic(P, D)
  return enrolled(P, S_EMPLOYEE, D) or enrolled(P, S_RESIDENT, D)
end

local function draws(P, D)
  local m = month_of(D)
  for _, f in ipairs(P.facts) do
    if f.k == K_BENEFIT and f.scheme <= 1 and f.period >= m - 2 and
        f.period <= m then
      return true
    end
  end
  return false
end

local function on_roster(P, D)
  for _, r in pairs(P.roster) do
    if r.from <= D and (r.to == OPEN_END or r.to >= D) then return true end
  end
  return false
end

local function owner(P, D)
  for _, o in pairs(P.own) do
    if o.active == 1 and o.est <= D and (o.dereg == 0 or o.dereg > D) then
      return true
    end
  end
  return false
end

-- The reason (and priority) a person's lead has on day D, or nil.
local function person_reason(P, D)
  if not resident(P, D) or (P.death and P.death <= D) then return nil end
  local a = age(P.birth, D)
  if a < 16 then return nil end
  if on_roster(P, D) and not enrolled(P, S_RESIDENT, D) then
    return R_ASSISTED, P_HIGH
  end
  local b = basic(P, D)
  if b then return nil end
  if a >= 60 then
    if not draws(P, D) then return R_ELDERLY, P_NORMAL end
    return nil
  end
  if owner(P, D) then return R_OWNER, P_NORMAL end
  if not (P.student and P.student.v == 1) then
    return R_WORKING, a >= 45 and P_HIGH or P_NORMAL
  end
  return nil
end

-- A lead as a table: reason, priority, status, closed (reason), closed_at,
-- township, since (for the id), opened.  nil when there is none.
local function person_lead(P, T)
  if not P.stay then return nil end
  local r, pr = person_reason(P, T)
  local L
  if r then
    L = {reason = r, priority = pr, status = ST_OPEN, closed = C_NONE,
      closed_at = -1}
  else
    local function closes(day, why)
      if day == nil or day > T then return nil end
      local r2, p2 = person_reason(P, day - 1)
      if r2 then
        return {reason = r2, priority = p2, status = ST_CLOSED, closed = why,
          closed_at = day}
      end
    end
    L = closes(P.death, C_DECEASED)
    if not L and moved_out(P) then L = closes(P.leave.out, C_MOVED_OUT) end
    if not L then
      local e
      for _, s in ipairs({S_EMPLOYEE, S_RESIDENT}) do
        local x = P.schemes[s]
        if x and x.on == 1 and x.date <= T and (e == nil or x.date < e) then
          e = x.date
        end
      end
      L = closes(e, C_ENROLLED)
    end
  end
  if not L then return nil end
  L.township = P.stay.tw
  L.since = P.stay.since
  -- opened: the latest of arriving, turning 16, the last stop of a pension
  local opened = math.max(P.stay.since, birthday(P.birth, 16))
  for _, s in ipairs({S_EMPLOYEE, S_RESIDENT}) do
    local x = P.schemes[s]
    if x and x.on == 0 and x.date <= T and x.date > opened then
      opened = x.date
    end
  end
  L.opened = opened
  L.kind = 0
  L.name = P.name or ''
  return L
end

-- The next day after T on which the person's outcome can change with no
-- event: a threshold birthday, a roster's start or end, the pension
-- window's end, an owned business's start or end.
local function person_next(P, T)
  local best
  local function cand(d)
    if d and d > T and (best == nil or d < best) then best = d end
  end
  for _, n in ipairs({16, 45, 60}) do cand(birthday(P.birth, n)) end
  for _, r in pairs(P.roster) do
    cand(r.from)
    if r.to ~= OPEN_END then cand(r.to + 1) end
  end
  for _, f in ipairs(P.facts) do
    if f.k == K_BENEFIT and f.scheme <= 1 then
      local y = 1970 + floor((f.period + 3) / 12)
      cand(days_from_civil(y, (f.period + 3) % 12 + 1, 1))
    end
  end
  for _, o in pairs(P.own) do
    cand(o.est)
    if o.dereg ~= 0 then cand(o.dereg) end
  end
  if P.stay then cand(P.stay.since) end
  return best
end

-- ----------------------------------------------------- employer rules

local function employer_reason(E, D)
  if not E.kind or E.kind == BIZ_INDIVIDUAL then return nil end
  if E.dereg and E.dereg <= D then return nil end
  local deadline = E.est + 30
  if E.reg and E.reg <= deadline then return nil end
  if D <= deadline then return nil end
  if E.reg and E.reg <= D then return nil end
  return R_EMPLOYER, P_NORMAL
end

local function employer_lead(E, T)
  if not E.kind then return nil end
  local L
  if employer_reason(E, T) then
    L = {reason = R_EMPLOYER, priority = P_NORMAL, status = ST_OPEN,
      closed = C_NONE, closed_at = -1}
  else
    local function closes(day, why)
      if day == nil or day > T then return nil end
      if employer_reason(E, day - 1) then
        return {reason = R_EMPLOYER, priority = P_NORMAL, status = ST_CLOSED,
          closed = why, closed_at = day}
      end
    end
    L = closes(E.dereg, C_DEREGISTERED) or closes(E.reg, C_ENROLLED)
  end
  if not L then return nil end
  L.township = E.tw
  L.since = E.est
  L.opened = E.est + 31
  L.kind = 1
  L.name = E.name
  return L
end

local function employer_next(E, T)
  if E.kind and E.est + 31 > T then return E.est + 31 end
  return nil
end

-- --------------------------------------------------------------- alerts

-- The alerts a person's facts make, as a list of {kind, period, amount,
-- evidence (sorted list), township}.
local function person_alerts(P)
  local out = {}
  local function tw_of(facts)
    if P.stay then return P.stay.tw end
    if P.leave then return P.leave.tw end
    local best
    for _, f in ipairs(facts) do
      if best == nil or f.period > best.period or
          (f.period == best.period and bytes_lt(f.eid, best.eid)) then
        best = f
      end
    end
    if best then return best.tw end
    return P.dtw or 0
  end
  local function add(kind, period, amount, eids, facts)
    table.sort(eids, bytes_lt)
    out[#out + 1] = {kind = kind, period = period, amount = amount,
      evidence = eids, township = tw_of(facts)}
  end
  if P.death then
    local dm = month_of(P.death)
    local amount, eids, facts = 0, {}, {}
    for _, e in ipairs(P.deaths) do eids[#eids + 1] = e end
    for _, f in ipairs(P.facts) do
      if f.k == K_BENEFIT and f.period > dm then
        amount = amount + f.amount
        eids[#eids + 1] = f.eid
        facts[#facts + 1] = f
      end
    end
    if #facts > 0 then add(A_PAID_AFTER, '', amount, eids, facts) end
    local active = false
    for _, e in pairs(P.schemes) do
      if e.on == 1 or e.date > P.death then active = true end
    end
    if active then
      local ev = {}
      for _, e in ipairs(P.deaths) do ev[#ev + 1] = e end
      add(A_ACTIVE_AFTER, '', 0, ev, {})
    end
  end
  -- two basic pensions in one month, contributions or benefits
  for _, k in ipairs({K_CONTRIBUTE, K_BENEFIT}) do
    local months = {}
    for _, f in ipairs(P.facts) do
      if f.k == k and f.scheme <= 1 then
        local m = months[f.period]
        if not m then
          m = {pairs = {}, n = 0, total = 0, eids = {}, facts = {}}
          months[f.period] = m
        end
        local pk = f.scheme .. ':' .. f.region
        if not m.pairs[pk] then
          m.pairs[pk] = 0
          m.n = m.n + 1
        end
        m.pairs[pk] = m.pairs[pk] + f.amount
        m.total = m.total + f.amount
        m.eids[#m.eids + 1] = f.eid
        m.facts[#m.facts + 1] = f
      end
    end
    for period, m in pairs(months) do
      if m.n >= 2 then
        local largest = 0
        for _, a in pairs(m.pairs) do
          if a > largest then largest = a end
        end
        add(k == K_CONTRIBUTE and A_DUAL_ENR or A_DUAL_BEN, ym(period),
          m.total - largest, m.eids, m.facts)
      end
    end
  end
  -- government-paid contributions, more than one in a year
  local years = {}
  for _, f in ipairs(P.facts) do
    if f.k == K_CONTRIBUTE and f.paid == PAID_GOVERNMENT then
      local y = 1970 + floor(f.period / 12)
      years[y] = years[y] or {}
      table.insert(years[y], f)
    end
  end
  for y, fs in pairs(years) do
    if #fs >= 2 then
      local due = fs[1]
      for _, f in ipairs(fs) do
        if f.tier > due.tier or (f.tier == due.tier and (f.amount > due.amount
            or (f.amount == due.amount and bytes_lt(f.eid, due.eid)))) then
          due = f
        end
      end
      local amount, eids = 0, {}
      for _, f in ipairs(fs) do
        if f ~= due then amount = amount + f.amount end
        eids[#eids + 1] = f.eid
      end
      add(A_DUP_SUBSIDY, tostring(y), amount, eids, fs)
    end
  end
  return out
end

-- ------------------------------------------------------------ applying

-- Latest wins: the new stamp is later, or equal and the tie rule says so.
local function later(new, old, tie)
  if old == nil then return true end
  if new ~= old then return new > old end
  return tie
end

local function apply_person(P, op, o)
  local kind = op.kind
  if kind == OP_HH then
    local st = op.date * STAMP + op.s24
    -- On a full tie of stamps (RULES.md section 1): the greater name,
    -- the greater township code.
    local latest = math.max(P.stay and P.stay.st or -1,
      P.leave and P.leave.st or -1)
    if op.name ~= '' and (st > latest or (st == latest and
        (P.name == nil or bytes_lt(P.name, op.name)))) then
      P.name = op.name
    end
    if op.action == HH_MOVE_OUT then
      if later(st, P.leave and P.leave.st,
          P.leave and op.township > P.leave.tw) then
        P.leave = {tw = op.township, out = op.date, st = st}
      end
    elseif later(st, P.stay and P.stay.st,
        P.stay and op.township > P.stay.tw) then
      P.stay = {tw = op.township, since = op.date, st = st}
    end
    if op.student >= 0 and later(st, P.student and P.student.st,
        op.student > (P.student and P.student.v or -1)) then
      P.student = {v = op.student, st = st}
    end
  elseif kind == OP_DEATH then
    -- the township of the notice with the smallest event id: an alert's
    -- last resort
    local smallest = true
    for _, e in ipairs(P.deaths) do
      if e == op.eid then return end
      if bytes_lt(e, op.eid) then smallest = false end
    end
    if smallest then P.dtw = op.township end
    if P.death == nil or op.death < P.death then P.death = op.death end
    P.deaths[#P.deaths + 1] = op.eid
    table.sort(P.deaths, bytes_lt)
  elseif kind == OP_ENR then
    local st = op.date * STAMP + op.s24
    local e = P.schemes[op.scheme]
    if later(st, e and e.st, op.on < (e and e.on or 2)) then
      P.schemes[op.scheme] = {on = op.on, date = op.date, st = st}
    end
    if op.snapshot == 1 and op.on == 1 and op.scheme <= 1 then
      P.snapbasic = true
    end
    -- progress: a new enrollment from the feed, of someone the snapshot
    -- did not have insured
    if op.snapshot == 0 and op.on == 1 and op.scheme <= 1 and
        not P.snapbasic and op.township > 0 then
      local y = civil_from_days(op.date)
      redis.call('ZADD', key('pg:', TAG, ':', op.township, ':', y), 'LT',
        op.date, o.subject)
    end
  elseif kind == OP_FACT then
    for _, f in ipairs(P.facts) do
      if f.eid == op.eid then return end
    end
    P.facts[#P.facts + 1] = {k = op.k, scheme = op.scheme, region = op.region,
      period = op.period, amount = op.amount, paid = op.paid, tier = op.tier,
      tw = op.township, eid = op.eid}
  elseif kind == OP_ROSTER then
    local st = op.date * STAMP + op.s24
    local r = P.roster[op.identity]
    local tie = r and (op.to > r.to or (op.to == r.to and op.from > r.from))
    if later(st, r and r.st, tie) then
      P.roster[op.identity] = {from = op.from, to = op.to, st = st}
    end
  elseif kind == OP_OWN then
    -- Who represents the business: latest wins.  Its deregistration: the
    -- earliest date, whatever the order (it may come with an older stamp).
    -- A business no longer represented is forgotten: the changes of one
    -- (person, business) come in the order of their stamps (the business
    -- sends one only when its own latest-wins register moves forward, and
    -- the ownership topic keeps the order of a key), so no older "active"
    -- can follow.  So the state is the same whether or not the person was
    -- ever told of a representation that a later row took back.
    local st = op.date * STAMP + op.s24
    local x = P.own[op.uscc]
    if not x then
      if op.active == 1 then
        P.own[op.uscc] = {active = 1, est = op.est, dereg = op.dereg, st = st}
      end
    else
      if later(st, x.st, op.active < x.active) then
        x.active, x.est, x.st = op.active, op.est, st
      end
      if op.dereg ~= 0 and (x.dereg == 0 or op.dereg < x.dereg) then
        x.dereg = op.dereg
      end
      if x.active == 0 then P.own[op.uscc] = nil end
    end
  end
end

-- The outbox gets the ownership a business event changes, for the person's
-- own partition to apply (the person may be in another partition).
-- eid: the business event behind the change, the lead's provenance.
local function own_change(rep, uscc, active, E, st, eid)
  if rep == '' then return end
  redis.call('XADD', key('out:', TAG), '*', 't', 'O', 'k', rep, 'v',
    pack('<Bc0Bi3i3HI3Bc0', #uscc, uscc, active, E.est, E.dereg or 0,
      floor(st / STAMP), st % STAMP, #eid, eid))
end

-- Two business rows of one stamp: the greater (action, kind, established,
-- township, name, representative) wins, as in cb_truth.c.
local function biz_tie(op, E)
  if op.action ~= E.action then return op.action > E.action end
  if op.bkind ~= E.kind then return op.bkind > E.kind end
  if op.est ~= E.est then return op.est > E.est end
  if op.township ~= E.tw then return op.township > E.tw end
  if op.name ~= E.name then return bytes_lt(E.name, op.name) end
  return bytes_lt(E.rep or '', op.rep)
end

local function apply_employer(E, op, subject)
  if op.kind == OP_BIZ then
    local st = op.date * STAMP + op.s24
    if op.action == BIZ_DEREGISTERED then
      if E.dereg == nil or op.date < E.dereg then E.dereg = op.date end
      if E.kind == BIZ_INDIVIDUAL then
        own_change(E.rep, subject, 1, E, E.st, op.eid)
      end
      return
    end
    if later(st, E.st, E.st and biz_tie(op, E)) then
      local old_rep, old_kind = E.rep, E.kind
      E.kind, E.action, E.est, E.tw, E.st, E.name, E.rep = op.bkind,
        op.action, op.est, op.township, st, op.name, op.rep
      if old_kind == BIZ_INDIVIDUAL and old_rep and old_rep ~= '' and
          (old_rep ~= E.rep or E.kind ~= BIZ_INDIVIDUAL) then
        own_change(old_rep, subject, 0, E, st, op.eid)
      end
      if E.kind == BIZ_INDIVIDUAL then
        own_change(E.rep, subject, 1, E, st, op.eid)
      end
    end
  elseif op.kind == OP_REG then
    if E.reg == nil or op.date < E.reg then E.reg = op.date end
  end
end

-- --------------------------------------------------------------- leads

local function pack_lead(L, lead_id, subject_id, source)
  return pack('<c16BBBBBi6i3i3Bc0Bc0Bc0', lead_id, L.kind, L.reason,
    L.priority, L.status, L.closed, L.township, L.opened, L.closed_at,
    #subject_id, subject_id, #source, source, #L.name, L.name)
end

local function unpack_lead(v)
  local L = {}
  L.id, L.kind, L.reason, L.priority, L.status, L.closed, L.township,
    L.opened, L.closed_at, L.subject_id, L.source, L.name =
    unpack('<c16BBBBBi6i3i3Bc0Bc0Bc0', v)
  return L
end

-- Applies a team decision on the lead's id to an open lead.
local function apply_decision(L, lead_id)
  if L.status ~= ST_OPEN then return end
  local d = redis.call('HGET', key('dec:', TAG), lead_id)
  if not d then return end
  local decision, at_day = unpack('<Bi3', d)
  if decision == D_CONTACTED then L.status = ST_CONTACTED
  elseif decision == D_REFUSED then L.status = ST_REFUSED
  else
    L.status = ST_CLOSED
    L.closed = decision == D_ENROLLED and C_ENROLLED or C_INVALID
    L.closed_at = at_day
  end
end

-- Stores the subject's lead if it changed, with its indexes, and puts the
-- change in the outbox.  Returns 1 when it changed.
local function store_lead(subject, subject_id, L, source)
  local lkey = key('lead:', TAG)
  local old = redis.call('HGET', lkey, subject)
  local oldL = old and unpack_lead(old)
  if L == nil then
    if not oldL then return 0 end
    -- No longer a lead: it leaves the store; the topic hears it closed.
    redis.call('HDEL', lkey, subject)
    redis.call('HDEL', key('lid:', TAG), oldL.id)
    redis.call('ZREM', key('lt:', TAG, ':', oldL.township), subject)
    if oldL.status ~= ST_CLOSED then
      oldL.status, oldL.closed, oldL.closed_at = ST_CLOSED, C_INVALID, TODAY
      redis.call('XADD', key('out:', TAG), '*', 't', 'L', 'v',
        pack_lead(oldL, oldL.id, subject_id, source))
    end
    return 1
  end
  local text = (L.kind == 0 and 'person|' or 'employer|') .. subject_id ..
    '|' .. L.township .. '|' .. ymd(L.since)
  local lead_id = string.sub(redis.sha1hex(text), 1, 16)
  apply_decision(L, lead_id)
  if oldL and oldL.id == lead_id and oldL.reason == L.reason and
      oldL.priority == L.priority and oldL.status == L.status and
      oldL.closed == L.closed and oldL.township == L.township and
      oldL.opened == L.opened and oldL.closed_at == L.closed_at and
      oldL.name == L.name then
    return 0
  end
  local v = pack_lead(L, lead_id, subject_id, source)
  redis.call('HSET', lkey, subject, v)
  if oldL and oldL.id ~= lead_id then
    redis.call('HDEL', key('lid:', TAG), oldL.id)
    -- A new episode replaces the lead: the topic hears the old one closed,
    -- moved_out when the subject's township changed.
    if oldL.status ~= ST_CLOSED then
      oldL.status, oldL.closed_at = ST_CLOSED, TODAY
      oldL.closed = oldL.township ~= L.township and C_MOVED_OUT or C_INVALID
      redis.call('XADD', key('out:', TAG), '*', 't', 'L', 'v',
        pack_lead(oldL, oldL.id, subject_id, source))
    end
  end
  if oldL and oldL.township ~= L.township then
    redis.call('ZREM', key('lt:', TAG, ':', oldL.township), subject)
  end
  redis.call('HSET', key('lid:', TAG), lead_id, subject)
  redis.call('ZADD', key('lt:', TAG, ':', L.township), L.opened, subject)
  redis.call('XADD', key('out:', TAG), '*', 't', 'L', 'v', v)
  return 1
end

-- ---------------------------------------------------------------- alerts

local function pack_alert(kind, subject_id, township, period, amount,
                          evidence, raised)
  return pack('<BBc0i6Bc0i6I2c0d', kind, #subject_id, subject_id, township,
    #period, period, amount, #evidence, evidence, raised)
end

-- Merges the computed alerts into the store: evidence only grows, amounts
-- only rise, and an active_after_death that no longer holds leaves.
local function store_alerts(subject_id, P)
  local akey = key('alert:', TAG)
  local changed = 0
  local have_active = false
  for _, a in ipairs(person_alerts(P)) do
    local id = string.sub(redis.sha1hex(ALERT_NAMES[a.kind] .. '|' ..
      subject_id .. '|' .. a.period), 1, 16)
    local old = redis.call('HGET', akey, id)
    local raised, amount, evidence, otw = NOW, a.amount, a.evidence, nil
    if a.kind == A_ACTIVE_AFTER then have_active = true end
    if old then
      local _, oamount, oev, oraised
      _, _, otw, _, oamount, oev, oraised = unpack('<BBc0i6Bc0i6I2c0d', old)
      raised = oraised
      if oamount > amount then amount = oamount end
      local seen, merged = {}, {}
      for e in string.gmatch(oev, '%S+') do
        seen[e] = true
        merged[#merged + 1] = e
      end
      for _, e in ipairs(evidence) do
        if not seen[e] then merged[#merged + 1] = e end
      end
      table.sort(merged, bytes_lt)
      evidence = merged
    end
    local v = pack_alert(a.kind, subject_id, a.township, a.period, amount,
      table.concat(evidence, ' '), raised)
    if v ~= old then
      redis.call('HSET', akey, id, v)
      if otw and otw ~= a.township then
        -- the person's township changed: the old township's list loses it
        redis.call('ZREM', key('at:', TAG, ':', otw), id)
        if otw ~= 0 then
          redis.call('XADD', key('out:', TAG), '*', 't', 'X', 'k', id, 'v',
            old)
        end
      end
      redis.call('ZADD', key('at:', TAG, ':', a.township), floor(raised /
        86400000), id)
      -- The topic is keyed by township, for the teams: an alert whose
      -- township no row has named yet waits in the store until one does.
      if a.township ~= 0 then
        redis.call('XADD', key('out:', TAG), '*', 't', 'A', 'k', id, 'v', v)
      end
      changed = changed + 1
    end
  end
  if P.death and not have_active then
    local id = string.sub(redis.sha1hex('active_after_death|' .. subject_id ..
      '|'), 1, 16)
    local old = redis.call('HGET', akey, id)
    if old then
      local _, _, otw = unpack('<BBc0i6', old)
      redis.call('HDEL', akey, id)
      redis.call('ZREM', key('at:', TAG, ':', otw), id)
      if otw ~= 0 then
        redis.call('XADD', key('out:', TAG), '*', 't', 'X', 'k', id, 'v', old)
      end
      changed = changed + 1
    end
  end
  return changed
end

-- ------------------------------------------------------------------ ops

-- Decodes one op.  Common head: op u8, topic u8, offset i8, bucket u16,
-- subject key (Bc0), subject id text (Bc0), event id (Bc0).
local function decode_op(s)
  local o = {}
  local pos
  o.kind, o.topic, o.offset, o.bucket, o.subject, o.subject_id, o.eid, pos =
    unpack('<BBi8HBc0Bc0Bc0', s)
  local k = o.kind
  if k == OP_HH then
    -- township, date, stamp, student (-1 absent), action, birth, male, name
    o.township, o.date, o.s24, o.student, o.action, o.birth, o.male, o.name =
      unpack('<i6HI3bBi3BBc0', s, pos)
  elseif k == OP_DEATH then
    o.death, o.township, o.birth, o.male = unpack('<i3i6i3B', s, pos)
  elseif k == OP_ENR then
    o.scheme, o.on, o.date, o.s24, o.snapshot, o.township, o.birth, o.male =
      unpack('<BBHI3Bi6i3B', s, pos)
  elseif k == OP_FACT then
    o.k, o.scheme, o.region, o.period, o.amount, o.paid, o.tier, o.township,
      o.birth, o.male = unpack('<BBi6Hi6Bi6i6i3B', s, pos)
  elseif k == OP_ROSTER then
    o.identity, o.from, o.to, o.date, o.s24, o.birth, o.male =
      unpack('<Bi3i3HI3i3B', s, pos)
  elseif k == OP_OWN then
    o.uscc, o.active, o.est, o.dereg, o.date, o.s24, o.src, o.birth, o.male =
      unpack('<Bc0Bi3i3HI3Bc0i3B', s, pos)
  elseif k == OP_BIZ then
    o.bkind, o.action, o.est, o.township, o.date, o.s24, o.name, o.rep =
      unpack('<BBi3i6HI3Bc0Bc0', s, pos)
  elseif k == OP_REG then
    o.date = unpack('<H', s, pos)
  elseif k == OP_TICK then
    o.birth, o.male = unpack('<i3B', s, pos)
  elseif k == OP_DECIDE then
    o.decision, o.lead_id, o.why = unpack('<BBc0I2c0', s, pos)
  end
  return o
end

-- ----------------------------------------------------------------- main

local offkey = key('off:', TAG)
local offsets = {}
do
  local flat = redis.call('HGETALL', offkey)
  for i = 1, #flat, 2 do offsets[tonumber(flat[i])] = tonumber(flat[i + 1]) end
end

-- Ops grouped by subject, in arrival order within each subject.
local order, groups = {}, {}
local applied, skipped = 0, 0
local upto = {} -- per topic: next offset, Redis's or past this batch's ops
for t, n in pairs(offsets) do upto[t] = n end
for i = 6, #ARGV do
  local o = decode_op(ARGV[i])
  if o.offset >= 0 and upto[o.topic] and o.offset < upto[o.topic] then
    skipped = skipped + 1 -- applied before (a redelivery, or a message read
                          -- twice within this batch after a seek back)
  else
    if o.offset >= 0 then upto[o.topic] = o.offset + 1 end
    local g = groups[o.subject]
    if not g then
      g = {}
      groups[o.subject] = g
      order[#order + 1] = o.subject
    end
    g[#g + 1] = o
    applied = applied + 1
  end
end

local leads_changed, alerts_changed = 0, 0
local tmkey = key('tm:', TAG)
for _, subject in ipairs(order) do
  local ops = groups[subject]
  local first = ops[1]
  local skey = key('s:', TAG, ':', first.bucket)
  local v = redis.call('HGET', skey, subject)
  local is_employer = #subject == 18
  local S
  if is_employer then
    S = v and decode_employer(v) or {}
  else
    S = v and decode_person(v) or new_person()
  end
  local source = ''
  for _, o in ipairs(ops) do
    if o.kind == OP_DECIDE then
      -- the decision belongs to the lead id; store it, then re-evaluate
      redis.call('HSET', key('dec:', TAG), o.lead_id,
        pack('<Bi3I2c0', o.decision, TODAY, #o.why, o.why))
    elseif is_employer then
      apply_employer(S, o, subject)
    else
      if not v and o.birth then S.birth, S.male = o.birth, o.male == 1 end
      apply_person(S, o, o)
    end
    -- provenance: the event, else the business event behind an
    -- ownership change, the timer or the team's decision
    if o.eid ~= '' then source = o.eid
    elseif o.src and o.src ~= '' then source = o.src
    elseif o.kind == OP_TICK then source = 'timer:' .. ymd(TODAY)
    elseif o.kind == OP_DECIDE then
      source = 'decision:' .. DECISION_NAMES[o.decision] .. ':' .. ymd(TODAY)
    end
  end
  if not is_employer then
    -- facts older than 12 months before today's month are not kept
    local keep, oldest = {}, month_of(TODAY) - 12
    for _, f in ipairs(S.facts) do
      if f.period >= oldest then keep[#keep + 1] = f end
    end
    S.facts = keep
  end
  local nv = is_employer and encode_employer(S) or encode_person(S)
  if nv ~= v then redis.call('HSET', skey, subject, nv) end

  -- Contributions feed alerts only (RULES.md sections 4-6): a subject
  -- whose ops are all contributions keeps its lead and its timer.
  local lead_inputs = is_employer
  for _, o in ipairs(ops) do
    if o.kind ~= OP_FACT or o.k ~= K_CONTRIBUTE then lead_inputs = true end
  end
  if not is_employer then
    alerts_changed = alerts_changed + store_alerts(first.subject_id, S)
  end
  if lead_inputs then
    local L, nxt
    if is_employer then
      L, nxt = employer_lead(S, TODAY), employer_next(S, TODAY)
    else
      L, nxt = person_lead(S, TODAY), person_next(S, TODAY)
    end
    if source == '' then
      local old = redis.call('HGET', key('lead:', TAG), subject)
      if old then source = unpack_lead(old).source end
    end
    leads_changed = leads_changed + store_lead(subject, first.subject_id, L,
      source)
    if nxt and nxt <= TODAY + HORIZON then
      redis.call('ZADD', tmkey, nxt, subject)
    else
      redis.call('ZREM', tmkey, subject)
    end
  end
end

-- The applied positions, with the state they cover.
local offs = ARGV[5]
local pos = 1
while pos <= #offs do
  local topic, next_off
  topic, next_off, pos = unpack('<Bi8', offs, pos)
  if not offsets[topic] or next_off > offsets[topic] then
    redis.call('HSET', offkey, topic, next_off)
  end
end

return {applied, skipped, leads_changed, alerts_changed}
