-- Makes up to ARGV[2] expired leases deliverable again (REDELIVER), or dead letters for those
-- delivered ARGV[1] (maxDeliveries) times already; ARGV[3] is the dead-letter reason.
-- Atomic, so concurrent reapers never move one task twice. Returns {redelivered, deadLettered}.
local max_deliveries = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local reason = ARGV[3]
local now_ms = server_time()
local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now_ms, 'LIMIT', 0, limit)
if #expired == 0 then return {0, 0} end
each_chunk('ZREM', LEASES, expired)
local states = hmget(STATE, expired)
local back, back_states, dead, dead_counts = {}, {}, {}, {}
for i = 1, #expired do
  local s = states[i]
  if s then
    local _, count = parse_state(s)
    if count >= max_deliveries then
      dead[#dead + 1] = expired[i]
      dead_counts[#dead_counts + 1] = count
    else
      back[#back + 1] = expired[i]
      back_states[#back_states + 1] = expired[i]
      back_states[#back_states + 1] = '0:' .. int(count)
    end
  end
end
if #back > 0 then
  each_chunk('HSET', STATE, back_states)
  each_chunk('RPUSH', REDELIVER, back)
end
if #dead > 0 then
  local seq = redis.call('INCRBY', SEQ, #dead) - #dead
  for i = 1, #dead do
    seq = seq + 1
    bury(dead[i], dead_counts[i], reason, seq, now_ms)
  end
end
return {#back, #dead}
