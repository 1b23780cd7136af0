-- Prelude shared by every queue script (prepended by LuaScript). All queue scripts receive the
-- same fourteen keys, which share one hash slot in Redis Cluster (see README.md of this module).
local QUEUE, DELAYED, REDELIVER = KEYS[1], KEYS[2], KEYS[3]
local BATCHES, META, SETTLED, LEASES = KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local SEQ, INFLIGHT = KEYS[8], KEYS[9]
local DEAD, DEAD_PAYLOAD, DEAD_INFO, DEAD_TRIMMED = KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local COUNTS = KEYS[14]

-- A Redis Cluster slot that migrates runs a script on the source only when every key it names is there,
-- but checks each command inside it again: a key the script empties (Redis deletes an empty list) or creates
-- is then missing on the source and asked for on the target, and the script fails half-way with its earlier
-- writes kept (a pop's LPOP done, its lease not written: tasks lost). So before anything changes, a key of
-- the queue's slot that never exists is probed: it fails exactly when the slot is migrating away, and the
-- script is refused as Redis refuses a split multi-key call before it runs (TRYAGAIN: retried by the client).
-- The probe is named under our own prefix (the Python layout's first keys are not: an ACL granting only
-- the queue's keys still grants it), and any other refusal of it is ignored: it only looks for a migration.
do
  local probe = redis.pcall('EXISTS', REDELIVER .. ':migration-probe')
  if type(probe) == 'table' and probe.err and string.find(probe.err, 'non local key', 1, true) then
    return redis.error_reply('TRYAGAIN the slot of this queue is migrating and a key this script may empty'
      .. ' or create would be on the importing node; nothing was changed')
  end
end

-- A script is not a transaction: a command that fails halfway leaves the earlier writes in place.
-- So before any script changes anything, every key it may touch is checked: a key of another type
-- (a foreign key such as a string named "<q>.delayed") or a counter that is not an integer fails
-- the whole call here, with nothing removed or written (push_commit.lua: nothing stays written).
local LAYOUT = {
  {QUEUE, 'list'}, {DELAYED, 'zset'}, {REDELIVER, 'list'}, {BATCHES, 'hash'}, {META, 'hash'},
  {SETTLED, 'hash'}, {LEASES, 'zset'}, {SEQ, 'string'}, {INFLIGHT, 'string'}, {DEAD, 'zset'},
  {DEAD_PAYLOAD, 'hash'}, {DEAD_INFO, 'hash'}, {DEAD_TRIMMED, 'string'}, {COUNTS, 'hash'}
}
-- The layout error of the queue's keys as they are now, or nil.
local function layout_error()
  for i = 1, #LAYOUT do
    local key, want = LAYOUT[i][1], LAYOUT[i][2]
    local got = redis.call('TYPE', key)['ok']
    if got ~= 'none' and got ~= want then
      return 'SERGEANT_LAYOUT key \'' .. key .. '\' holds a ' .. got .. ' where the queue needs a '
        .. want .. '; nothing was changed: rename or delete that key, or use another queue name'
    end
    if want == 'string' and got == 'string' then
      local value = redis.call('GET', key)
      if not string.match(value, '^%-?%d+$') then
        return 'SERGEANT_LAYOUT key \'' .. key .. '\' holds a string that is not an integer counter'
          .. '; nothing was changed: delete that key'
      end
    end
  end
  return nil
end
-- LAYOUT_CHECKED_BY_SCRIPT is declared by LuaScript before this prelude: true only for push_commit.lua,
-- which runs after the push it commits (in one MULTI/EXEC) and must take that push back first.
if not LAYOUT_CHECKED_BY_SCRIPT then
  local problem = layout_error()
  if problem then error({err = problem}) end
end

-- Lua's unpack() is limited by the C stack (about 8000 values): variadic calls go in chunks.
local CHUNK = 4000

local function each_chunk(cmd, key, args)
  local n = #args
  local i = 1
  while i <= n do
    local j = i + CHUNK - 1
    if j > n then j = n end
    redis.call(cmd, key, unpack(args, i, j))
    i = j + 1
  end
end

local function int(n)
  return string.format('%d', n)
end

-- The server clock: one source of time for every worker (scripts replicate by effects in Redis 7).
local function server_time()
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local seconds = string.format('%d.%06d', tonumber(t[1]), tonumber(t[2]))
  return ms, seconds
end

-- A handed-back task in REDELIVER is "<deliveryCount>:<payload bytes>". Nothing writes REDELIVER any
-- more (tasks come back to QUEUE, below); pops still drain what older versions left there.
local function decode_redelivery(entry)
  local sep = string.find(entry, ':', 1, true)
  return tonumber(string.sub(entry, 1, sep - 1)), string.sub(entry, sep + 1)
end

-- Dead letters are bounded per queue: a script that buries sets DEAD_CAP from its arguments
-- (0 = no cap); the oldest over the cap are removed, counted in DEAD_TRIMMED and in `trimmed`,
-- which the script returns so that the caller can log it.
local DEAD_CAP = 0
local trimmed = 0

-- Stores a payload as a dead letter; DEAD is ordered by a sequence number (oldest first).
local function bury(payload, count, reason, now_ms)
  local id = redis.call('INCR', SEQ)
  redis.call('HSET', DEAD_PAYLOAD, id, payload)
  redis.call('ZADD', DEAD, id, id)
  redis.call('HSET', DEAD_INFO, id, int(count) .. ':' .. int(now_ms) .. ':' .. reason)
  if DEAD_CAP > 0 then
    local over = redis.call('ZCARD', DEAD) - DEAD_CAP
    if over > 0 then
      local oldest = redis.call('ZPOPMIN', DEAD, over)
      local ids = {}
      for i = 1, #oldest, 2 do ids[#ids + 1] = oldest[i] end
      each_chunk('HDEL', DEAD_PAYLOAD, ids)
      each_chunk('HDEL', DEAD_INFO, ids)
      redis.call('INCRBY', DEAD_TRIMMED, #ids)
      trimmed = trimmed + #ids
    end
  end
end

-- Payloads larger than MAX_BYTES (0 = no limit; set by the pop scripts) are never handed to a
-- worker: the pop dead-letters them with this reason instead, so they never reach its heap.
local MAX_BYTES = 0
local function oversized_reason(payload)
  return 'undecodable: the payload has ' .. int(#payload) .. ' bytes, over the maximum encoded size of '
    .. int(MAX_BYTES) .. ' bytes (limits.maxEncodedBytes); the backend refused it before it reached a worker'
end
local function oversized(payload)
  return MAX_BYTES > 0 and #payload > MAX_BYTES
end

-- A leased batch: META[t] = "<deliveryCount>:<size>:<unsettled>", BATCHES[t] = msgpack array of
-- payloads, SETTLED[t] = one '0'/'1' per item (only once some but not all items are settled).
local function load_batch(t)
  local meta = redis.call('HGET', META, t)
  if not meta then return nil end
  local a = string.find(meta, ':', 1, true)
  local b = string.find(meta, ':', a + 1, true)
  local batch = {
    t = t,
    count = tonumber(string.sub(meta, 1, a - 1)),
    size = tonumber(string.sub(meta, a + 1, b - 1)),
    remaining = tonumber(string.sub(meta, b + 1))
  }
  -- Marks exist only once some item is settled (remaining < size).
  if batch.remaining < batch.size then batch.marks = redis.call('HGET', SETTLED, t) end
  return batch
end

local function is_settled(batch, i)
  return batch.marks and string.byte(batch.marks, i + 1) == 49
end

local function forget_batch(t)
  redis.call('HDEL', BATCHES, t)
  redis.call('HDEL', META, t)
  redis.call('HDEL', SETTLED, t)
  redis.call('ZREM', LEASES, t)
end

-- The most items the index specs of one script call are checked item by item (check() below); the
-- Java client's own specs never come near it (its ranges lie inside batches it popped).
local spec_budget = 1048576

-- One part of an index spec: "3" or "0-999" as (lo, hi); nil when it is not that.
local function parse_range(part)
  local dash = string.find(part, '-', 1, true)
  if dash then
    return tonumber(string.sub(part, 1, dash - 1)), tonumber(string.sub(part, dash + 1))
  end
  local i = tonumber(part)
  return i, i
end

-- Splits "0-999,1003" (0-based item indexes of batch) into the valid, unsettled ones and the rest.
-- The valid items come as ranges {n = how many, lo1, hi1, lo2, hi2, ...}. A spec of ascending, disjoint
-- integer ranges inside the batch none of whose items is settled yet (what the Java client sends for its
-- own receipts) is valid whole and checked per range (`sorted`), not per item; any other spec is checked
-- item by item (duplicates, settled or out-of-range items refused), its items as one-item ranges.
local function check(batch, spec)
  if batch then
    local valid, n, prev = {sorted = true}, 0, -1
    for part in string.gmatch(spec, '[^,]+') do
      local lo, hi = parse_range(part)
      if not lo or not hi or lo % 1 ~= 0 or hi % 1 ~= 0 or lo <= prev or hi < lo or hi >= batch.size
          or (batch.marks and string.find(string.sub(batch.marks, lo + 1, hi + 1), '1', 1, true)) then
        valid = nil
        break
      end
      valid[#valid + 1] = lo
      valid[#valid + 1] = hi
      n = n + hi - lo + 1
      prev = hi
    end
    if valid then
      valid.n = n
      return valid, {}
    end
  end
  -- Item by item, but only indexes inside the batch and never more than spec_budget items in one script call,
  -- so a forged spec such as "0-999999999" or "0-inf" cannot keep the server in this loop: a part that
  -- is not an integer range is refused as the one index -1, and the indexes of a part outside the batch
  -- (or past the budget) as the first of them.
  local valid, refused, seen, n = {}, {}, {}, 0
  for part in string.gmatch(spec, '[^,]+') do
    local lo, hi = parse_range(part)
    if not lo or not hi or lo % 1 ~= 0 or hi % 1 ~= 0 or hi < lo then
      refused[#refused + 1] = -1
    else
      local first = lo < 0 and 0 or lo
      local last = hi
      if batch and last > batch.size - 1 then last = batch.size - 1 end
      if last > first + spec_budget - 1 then last = first + spec_budget - 1 end
      if lo < 0 then refused[#refused + 1] = lo end
      for i = first, last do
        if batch and not seen[i] and not is_settled(batch, i) then
          seen[i] = true
          valid[#valid + 1] = i
          valid[#valid + 1] = i
          n = n + 1
        else
          refused[#refused + 1] = i
        end
      end
      if last >= first then spec_budget = spec_budget - (last - first + 1) end
      if hi > last and hi >= first then refused[#refused + 1] = last >= first and last + 1 or first end
    end
  end
  valid.n = n
  return valid, refused
end

-- Calls fn(i) for each item index of the valid ranges check() returned, in ascending range order.
local function each_valid(valid, fn)
  for r = 1, #valid, 2 do
    for i = valid[r], valid[r + 1] do fn(i) end
  end
end

-- Marks the valid items of a batch settled; the batch disappears with its last unsettled item.
local function settle(batch, valid)
  local n = valid.n
  if n == 0 then return end
  redis.call('DECRBY', INFLIGHT, n)
  if n >= batch.remaining then
    forget_batch(batch.t)
    return
  end
  if valid.sorted then
    -- Ascending, disjoint ranges: the new marks are cut and pasted range by range.
    local marks = batch.marks or string.rep('0', batch.size)
    local parts, pos = {}, 1
    for r = 1, #valid, 2 do
      parts[#parts + 1] = string.sub(marks, pos, valid[r])
      parts[#parts + 1] = string.rep('1', valid[r + 1] - valid[r] + 1)
      pos = valid[r + 1] + 2
    end
    parts[#parts + 1] = string.sub(marks, pos)
    batch.marks = table.concat(parts)
  else
    local chars = {}
    for i = 1, batch.size do
      chars[i] = batch.marks and string.sub(batch.marks, i, i) or '0'
    end
    each_valid(valid, function(i) chars[i + 1] = '1' end)
    batch.marks = table.concat(chars)
  end
  batch.remaining = batch.remaining - n
  redis.call('HSET', SETTLED, batch.t, batch.marks)
  redis.call('HSET', META, batch.t, int(batch.count) .. ':' .. int(batch.size) .. ':' .. int(batch.remaining))
end

-- Runs fn(batch, valid) for each (batch id, index spec) pair of ARGV from position `first`;
-- returns the refused items as a flat list of (pair number, index).
local function for_each_group(first, fn)
  local out = {}
  local g = 0
  for a = first, #ARGV, 2 do
    g = g + 1
    local batch = load_batch(ARGV[a])
    local valid, refused = check(batch, ARGV[a + 1])
    if batch and valid.n > 0 then fn(batch, valid) end
    for k = 1, #refused do
      out[#out + 1] = g
      out[#out + 1] = refused[k]
    end
  end
  return out
end

-- The queue's wake-up list (pickup without polling, RedisWakeups) is KEYS[15] of the scripts that make
-- tasks deliverable (push, hand-back and release, reap, dead-letter requeue); absent elsewhere. A signal
-- is the delay in ms of the tasks made deliverable ('0' for immediate ones); it wakes one idle worker
-- blocked on the list. The list keeps the last 4 signals and expires after 10 s unread, so it never
-- grows; a key of another type there (not ours) is replaced. Python Sergeant never reads it.
local WAKE = KEYS[15]
local function signal_wake(delay_ms)
  if not WAKE then return end
  local wake_type = redis.call('TYPE', WAKE)['ok']
  if wake_type ~= 'list' and wake_type ~= 'none' then redis.call('DEL', WAKE) end
  redis.call('RPUSH', WAKE, delay_ms)
  redis.call('LTRIM', WAKE, -4, -1)
  redis.call('PEXPIRE', WAKE, 10000)
end

-- Tasks that come back (released, handed back, reaped) return to the head of QUEUE, Python's list,
-- so a Python worker sharing the queue sees and pops them, HIGH end as Python's own hand-backs. A
-- task delivered before keeps its delivery count in COUNTS (SHA1 of the payload -> count), which
-- the leased pop reads back; `entries` is a list of {count, payload}, kept in this order at the head.
local function return_to_queue(entries)
  local n = #entries
  if n == 0 then return end
  local reversed = {}
  for k = n, 1, -1 do
    local count, payload = entries[k][1], entries[k][2]
    reversed[#reversed + 1] = payload
    if count > 0 then
      local sha = redis.sha1hex(payload)
      local known = tonumber(redis.call('HGET', COUNTS, sha) or '0')
      if count > known then redis.call('HSET', COUNTS, sha, int(count)) end
    end
  end
  each_chunk('LPUSH', QUEUE, reversed)
  signal_wake('0')
end

-- The delivery count kept for a payload taken from QUEUE (0 for a fresh task), forgotten once read.
local function take_count(payload)
  local sha = redis.sha1hex(payload)
  local known = redis.call('HGET', COUNTS, sha)
  if not known then return 0 end
  redis.call('HDEL', COUNTS, sha)
  return tonumber(known)
end

-- Counts of tasks a Python worker popped are never read back: once QUEUE is empty, none is needed.
local function forget_stale_counts()
  if redis.call('LLEN', QUEUE) == 0 then redis.call('DEL', COUNTS) end
end
