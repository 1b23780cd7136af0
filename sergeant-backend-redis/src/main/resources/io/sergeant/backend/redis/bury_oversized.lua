-- Buries a payload the at-most-once plain pop found over the maximum payload size (RedisQueue.popPlain):
-- the worker streamed it, a chunk at a time, into KEYS[15] (a string of its own in the queue's slot) instead
-- of holding it, and this moves it into the dead letters with the reason pop_due.lua gives an oversized
-- payload. ARGV: maximum payload bytes, dead-letter cap (0 = none), the payload's length. A held string of
-- another length (a SET refused, say by maxmemory, and the APPENDs after it making a tail) is deleted, not
-- buried. Returns {payloads buried (0 or 1), dead letters trimmed}.
MAX_BYTES = tonumber(ARGV[1])
DEAD_CAP = tonumber(ARGV[2])
local held = KEYS[15]
if redis.call('STRLEN', held) ~= tonumber(ARGV[3]) then
  redis.call('DEL', held)
  return {0, 0}
end
local payload = redis.call('GET', held)
local now_ms = server_time()
bury(payload, 1, oversized_reason(payload), now_ms)
redis.call('DEL', held)
return {1, trimmed}
