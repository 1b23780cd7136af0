-- Reads up to ARGV[1] waiting tasks and changes nothing, in pop order: QUEUE (HIGH at its head),
-- then handed-back tasks (REDELIVER), then DELAYED by due time (due ones first). Returns
-- {server time in seconds, then per task: its payload and its due time in seconds ('' when ready)}.
local limit = tonumber(ARGV[1])
local _, now_s = server_time()
local out = {now_s}
local n = 0
local ready = redis.call('LRANGE', QUEUE, 0, limit - 1)
for i = 1, #ready do
  out[#out + 1] = ready[i]
  out[#out + 1] = ''
  n = n + 1
end
if n < limit then
  local again = redis.call('LRANGE', REDELIVER, 0, limit - n - 1)
  for i = 1, #again do
    local _, payload = decode_redelivery(again[i])
    out[#out + 1] = payload
    out[#out + 1] = ''
    n = n + 1
  end
end
if n < limit then
  local delayed = redis.call('ZRANGE', DELAYED, 0, limit - n - 1, 'WITHSCORES')
  for i = 1, #delayed, 2 do
    out[#out + 1] = delayed[i]
    out[#out + 1] = delayed[i + 1]
  end
end
return out
