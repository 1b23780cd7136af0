-- At-most-once pop of what a plain LPOP of QUEUE did not give: handed-back tasks (left by
-- at-least-once workers), QUEUE again, then due DELAYED tasks, atomically. ARGV: max.
-- Returns the payloads.
local max = tonumber(ARGV[1])
local out = {}
local again = redis.call('LPOP', REDELIVER, max)
if again then
  for i = 1, #again do
    local _, payload = decode_redelivery(again[i])
    out[#out + 1] = payload
  end
end
if #out < max then
  local popped = redis.call('LPOP', QUEUE, max - #out)
  if popped then
    for i = 1, #popped do out[#out + 1] = popped[i] end
  end
end
if #out < max then
  local _, now_s = server_time()
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, max - #out)
  if #due > 0 then
    each_chunk('ZREM', DELAYED, due)
    for i = 1, #due do out[#out + 1] = due[i] end
  end
end
return out
