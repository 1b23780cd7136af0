-- At-least-once pop. ARGV: max, lease (ms), maxDeliveries, reason for dead letters.
-- Order: handed-back tasks (REDELIVER), then QUEUE (HIGH at its head), then due DELAYED tasks.
-- Tasks of one delivery count form one leased batch (one lease entry, one msgpack blob).
-- Returns, per batch: batch id, delivery count, n, then the n payloads.
local max = tonumber(ARGV[1])
local lease_ms = tonumber(ARGV[2])
local max_deliveries = tonumber(ARGV[3])
local reason = ARGV[4]
local now_ms, now_s = server_time()

local groups, order = {}, {}
local taken = 0
local function add(count, payload)
  local g = groups[count]
  if not g then
    g = {}
    groups[count] = g
    order[#order + 1] = count
  end
  g[#g + 1] = payload
  taken = taken + 1
end

local again = redis.call('LPOP', REDELIVER, max)
if again then
  for i = 1, #again do
    local count, payload = decode_redelivery(again[i])
    if count + 1 > max_deliveries then
      bury(payload, count, reason, now_ms)
    else
      add(count + 1, payload)
    end
  end
end
if taken < max then
  local fresh = redis.call('LPOP', QUEUE, max - taken)
  if fresh then
    if taken == 0 then
      groups[1] = fresh
      order[1] = 1
      taken = #fresh
    else
      for i = 1, #fresh do add(1, fresh[i]) end
    end
  end
end
if taken < max then
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, max - taken)
  if #due > 0 then
    each_chunk('ZREM', DELAYED, due)
    for i = 1, #due do add(1, due[i]) end
  end
end
if taken == 0 then return {} end

local deadline = now_ms + lease_ms
local out = {}
for k = 1, #order do
  local count = order[k]
  local payloads = groups[count]
  local n = #payloads
  local t = int(redis.call('INCR', SEQ))
  redis.call('HSET', BATCHES, t, cmsgpack.pack(payloads))
  redis.call('HSET', META, t, int(count) .. ':' .. int(n) .. ':' .. int(n))
  redis.call('ZADD', LEASES, deadline, t)
  out[#out + 1] = t
  out[#out + 1] = count
  out[#out + 1] = n
  for i = 1, n do out[#out + 1] = payloads[i] end
end
redis.call('INCRBY', INFLIGHT, taken)
return out
