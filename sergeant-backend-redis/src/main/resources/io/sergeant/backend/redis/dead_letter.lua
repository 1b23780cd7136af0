-- Moves one delivery to the dead letters. ARGV: 'lease', reason, dead-letter cap (0 = none), batch
-- id, index (the item must still be leased and unsettled) or 'payload', reason, cap, payload.
-- Returns {1 if stored or 0 if stale, dead letters trimmed}.
local now_ms = server_time()
DEAD_CAP = tonumber(ARGV[3])
if ARGV[1] == 'payload' then
  bury(ARGV[4], 1, ARGV[2], now_ms)
  return {1, trimmed}
end
local stored = 0
for_each_group(4, function(batch, valid)
  local payloads = cmsgpack.unpack(redis.call('HGET', BATCHES, batch.t))
  bury(payloads[valid[1] + 1], batch.count, ARGV[2], now_ms)
  settle(batch, valid)
  stored = 1
end)
return {stored, trimmed}
