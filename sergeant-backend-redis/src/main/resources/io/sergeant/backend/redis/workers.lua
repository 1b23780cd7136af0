-- The worker registry (monitoring role). KEYS[1]: hash worker id -> record; KEYS[2]: sorted set
-- worker id -> expiry (server time in ms). Both carry one hash tag, so a cluster keeps them in one slot.
-- ARGV[1] is the operation:
--   beat <id> <record> <ttl ms>  stores or replaces a record, to expire ttl from now; returns 1
--   drop <id>                    deletes a record; returns 1 if it was there and not expired
--   list                         returns the records that have not expired
-- Every call first deletes the records whose expiry passed, so a dead worker's record goes away at
-- the next call of any worker or reader, and is never listed after its TTL.
-- During a cluster slot migration Redis runs this on the source only when both keys are there, but checks
-- each command again: dropping the last expired record deletes both keys (Redis deletes an emptied hash and
-- sorted set), and the HSET, ZADD or HVALS after it is asked for on the target, failing the call half-way.
-- As common.lua does for queue scripts, a never-existing key of this slot is probed first: it fails exactly
-- when the slot is migrating away, and the call is refused with TRYAGAIN before it changes anything (the
-- client waits that out and sends it again). Any other refusal of the probe is ignored.
do
  local probe = redis.pcall('EXISTS', KEYS[1] .. ':migration-probe')
  if type(probe) == 'table' and probe.err and string.find(probe.err, 'non local key', 1, true) then
    return redis.error_reply('TRYAGAIN the slot of the worker registry is migrating and a key this script may'
      .. ' empty or create would be on the importing node; nothing was changed')
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for i = 1, #expired do
  redis.call('HDEL', KEYS[1], expired[i])
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
local op = ARGV[1]
if op == 'beat' then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[2])
  return 1
end
if op == 'drop' then
  local removed = redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[1], ARGV[2])
  return removed
end
return redis.call('HVALS', KEYS[1])
