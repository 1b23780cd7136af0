-- Prelude shared by every queue script (prepended by LuaScript). All queue scripts receive the
-- same nine keys, which share one hash slot in Redis Cluster (see README.md of this module).
local QUEUE, DELAYED, REDELIVER = KEYS[1], KEYS[2], KEYS[3]
local PAYLOAD, STATE, LEASES = KEYS[4], KEYS[5], KEYS[6]
local SEQ, DEAD, DEAD_INFO = KEYS[7], KEYS[8], KEYS[9]

-- Lua's unpack() is limited by the C stack (about 8000 values): variadic calls go in chunks.
-- The chunk is even so that field/value and score/member pairs never straddle two calls.
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

local function hmget(key, fields)
  local out = {}
  local n = #fields
  local i = 1
  while i <= n do
    local j = i + CHUNK - 1
    if j > n then j = n end
    local part = redis.call('HMGET', key, unpack(fields, i, j))
    for k = 1, #part do out[#out + 1] = part[k] end
    i = j + 1
  end
  return out
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

-- A state value is "<token>:<deliveryCount>"; token 0 means "not leased" (waiting in REDELIVER).
local function parse_state(s)
  local sep = string.find(s, ':', 1, true)
  return string.sub(s, 1, sep - 1), tonumber(string.sub(s, sep + 1))
end

local function holds_lease(state, token)
  return state and token ~= '0' and string.sub(state, 1, #token + 1) == token .. ':'
end

-- Moves a task (whose payload stays in PAYLOAD) to the dead letters; `order` sorts them oldest first.
local function bury(id, count, reason, order, now_ms)
  redis.call('ZADD', DEAD, order, id)
  redis.call('HSET', DEAD_INFO, id, int(count) .. ':' .. int(now_ms) .. ':' .. reason)
  redis.call('HDEL', STATE, id)
end
