-- At-most-once pop, whole in one script (nothing is removed outside it, and the layout check of the
-- prelude ran before anything here): QUEUE (HIGH at its head; Python's list first, as a Python
-- worker would), then handed-back tasks (left by at-least-once workers), then due DELAYED tasks.
-- ARGV: max, maximum payload bytes (0 = none), dead-letter cap (0 = none). An oversized payload becomes a dead letter instead of being returned.
-- Returns {payloads refused as oversized, dead letters trimmed, the payloads...}.
local max = tonumber(ARGV[1])
MAX_BYTES = tonumber(ARGV[2])
DEAD_CAP = tonumber(ARGV[3])
local out = {0, 0}
local refused = 0
local now_ms, now_s = server_time()
local function add(payload)
  if oversized(payload) then
    bury(payload, 1, oversized_reason(payload), now_ms)
    refused = refused + 1
  else
    out[#out + 1] = payload
  end
end
local popped = redis.call('LPOP', QUEUE, max)
if popped then
  for i = 1, #popped do add(popped[i]) end
end
if #out - 2 < max then
  local again = redis.call('LPOP', REDELIVER, max - (#out - 2))
  if again then
    for i = 1, #again do
      local _, payload = decode_redelivery(again[i])
      add(payload)
    end
  end
end
if #out - 2 < max then
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, max - (#out - 2))
  if #due > 0 then
    each_chunk('ZREM', DELAYED, due)
    for i = 1, #due do add(due[i]) end
  end
end
if redis.call('EXISTS', COUNTS) == 1 then forget_stale_counts() end
out[1] = refused
out[2] = trimmed
return out
