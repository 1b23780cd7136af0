-- Makes the unsettled items of up to ARGV[2] expired batches deliverable again (at the head of QUEUE,
-- their count kept: return_to_queue), or
-- dead letters when they were delivered ARGV[1] (maxDeliveries) times; ARGV[3] is the reason,
-- ARGV[4] the dead-letter cap (0 = none). Atomic, so concurrent reapers never move one item twice.
-- Returns {redelivered, deadLettered, expired batches looked at, dead letters trimmed}.
local max_deliveries = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local reason = ARGV[3]
DEAD_CAP = tonumber(ARGV[4])
local now_ms = server_time()
local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now_ms, 'LIMIT', 0, limit)
local back_count, dead_count = 0, 0
for e = 1, #expired do
  local t = expired[e]
  local batch = load_batch(t)
  if batch then
    local payloads = cmsgpack.unpack(redis.call('HGET', BATCHES, t))
    local back = {}
    for i = 0, batch.size - 1 do
      if not is_settled(batch, i) then
        if batch.count >= max_deliveries then
          bury(payloads[i + 1], batch.count, reason, now_ms)
          dead_count = dead_count + 1
        else
          back[#back + 1] = {batch.count, payloads[i + 1]}
        end
      end
    end
    return_to_queue(back)
    back_count = back_count + #back
    redis.call('DECRBY', INFLIGHT, batch.remaining)
  end
  forget_batch(t)
end
return {back_count, dead_count, #expired, trimmed}
