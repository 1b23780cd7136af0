-- Reads up to ARGV[1] waiting tasks and changes nothing, in pop order: QUEUE (HIGH at its head),
-- then handed-back tasks (REDELIVER), then DELAYED by due time (due ones first). Returns
-- {server time in seconds, then per task: its payload and its due time in seconds ('' when ready)}.
-- With ARGV[2] (the payload cap) and ARGV[3] (the budget), a payload is returned only when it is at
-- most the cap and the payloads returned so far, it included, stay within the budget; from the first
-- one under the cap that would pass the budget on, none is. A payload not returned comes as its length
-- (an integer reply) instead: what the script sends back is bounded by the budget, not by the tasks.
local limit = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local left = tonumber(ARGV[3])
local _, now_s = server_time()
local out = {now_s}
local n = 0
local function add(payload, due)
  if cap then
    local size = #payload
    if size <= cap and left >= size then
      left = left - size
    else
      if size <= cap then left = -1 end
      payload = size
    end
  end
  out[#out + 1] = payload
  out[#out + 1] = due
  n = n + 1
end
local ready = redis.call('LRANGE', QUEUE, 0, limit - 1)
for i = 1, #ready do
  add(ready[i], '')
end
if n < limit then
  local again = redis.call('LRANGE', REDELIVER, 0, limit - n - 1)
  for i = 1, #again do
    local _, payload = decode_redelivery(again[i])
    add(payload, '')
  end
end
if n < limit then
  local delayed = redis.call('ZRANGE', DELAYED, 0, limit - n - 1, 'WITHSCORES')
  for i = 1, #delayed, 2 do
    add(delayed[i], delayed[i + 1])
  end
end
return out
