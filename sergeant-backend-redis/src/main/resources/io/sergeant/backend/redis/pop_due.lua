-- At-most-once pop of what a plain LPOP of QUEUE did not give: handed-back tasks (left by
-- at-least-once workers), QUEUE again, then due DELAYED tasks, atomically. ARGV: max.
-- Returns the payloads.
local max = tonumber(ARGV[1])
local out = {}
local ids = redis.call('LPOP', REDELIVER, max)
if ids then
  local payloads = hmget(PAYLOAD, ids)
  for i = 1, #ids do
    if payloads[i] then out[#out + 1] = payloads[i] end
  end
  each_chunk('HDEL', PAYLOAD, ids)
  each_chunk('HDEL', STATE, ids)
end
local remaining = max - #out
if remaining > 0 then
  local popped = redis.call('LPOP', QUEUE, remaining)
  if popped then
    for i = 1, #popped do out[#out + 1] = popped[i] end
  end
  remaining = max - #out
end
if remaining > 0 then
  local _, now_s = server_time()
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, remaining)
  if #due > 0 then
    each_chunk('ZREM', DELAYED, due)
    for i = 1, #due do out[#out + 1] = due[i] end
  end
end
return out
