-- At-least-once pop. ARGV: max, lease (ms), maxDeliveries, reason for dead letters.
-- Order: handed-back tasks (REDELIVER), then QUEUE (HIGH at its head), then due DELAYED tasks.
-- Returns a flat array: id, token, deliveryCount, payload for each leased task.
local max = tonumber(ARGV[1])
local lease_ms = tonumber(ARGV[2])
local max_deliveries = tonumber(ARGV[3])
local reason = ARGV[4]
local now_ms, now_s = server_time()
local deadline = now_ms + lease_ms

local again, again_counts, again_payloads = {}, {}, {}
local buried, buried_counts = {}, {}
local ids = redis.call('LPOP', REDELIVER, max)
if ids then
  local states = hmget(STATE, ids)
  local payloads = hmget(PAYLOAD, ids)
  for i = 1, #ids do
    local s, p = states[i], payloads[i]
    if s and p then
      local _, count = parse_state(s)
      if count + 1 > max_deliveries then
        buried[#buried + 1] = ids[i]
        buried_counts[#buried_counts + 1] = count
      else
        again[#again + 1] = ids[i]
        again_counts[#again_counts + 1] = count + 1
        again_payloads[#again_payloads + 1] = p
      end
    end
  end
end

local fresh = {}
local remaining = max - #again
if remaining > 0 then
  local popped = redis.call('LPOP', QUEUE, remaining)
  if popped then fresh = popped end
  remaining = remaining - #fresh
  if remaining > 0 then
    local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, remaining)
    if #due > 0 then
      each_chunk('ZREM', DELAYED, due)
      for i = 1, #due do fresh[#fresh + 1] = due[i] end
    end
  end
end

local total = #again + #fresh + #buried
if total == 0 then return {} end
local seq = redis.call('INCRBY', SEQ, total) - total

for i = 1, #buried do
  seq = seq + 1
  bury(buried[i], buried_counts[i], reason, seq, now_ms)
end

local out, states, leases, payloads = {}, {}, {}, {}
for i = 1, #again do
  seq = seq + 1
  local id = again[i]
  states[#states + 1] = id
  states[#states + 1] = int(seq) .. ':' .. int(again_counts[i])
  leases[#leases + 1] = deadline
  leases[#leases + 1] = id
  out[#out + 1] = id
  out[#out + 1] = seq
  out[#out + 1] = again_counts[i]
  out[#out + 1] = again_payloads[i]
end
for i = 1, #fresh do
  seq = seq + 1
  local id = int(seq)
  payloads[#payloads + 1] = id
  payloads[#payloads + 1] = fresh[i]
  states[#states + 1] = id
  states[#states + 1] = id .. ':1'
  leases[#leases + 1] = deadline
  leases[#leases + 1] = id
  out[#out + 1] = id
  out[#out + 1] = seq
  out[#out + 1] = 1
  out[#out + 1] = fresh[i]
end
if #payloads > 0 then each_chunk('HSET', PAYLOAD, payloads) end
if #states > 0 then
  each_chunk('HSET', STATE, states)
  each_chunk('ZADD', LEASES, leases)
end
return out
