-- Moves one delivery to the dead letters. ARGV: 'lease', reason, batch id, index (the item must
-- still be leased and unsettled) or 'payload', reason, payload. Returns 1 if stored, 0 if stale.
local now_ms = server_time()
if ARGV[1] == 'payload' then
  bury(ARGV[3], 1, ARGV[2], now_ms)
  return 1
end
local stored = 0
for_each_group(3, function(batch, valid)
  local payloads = cmsgpack.unpack(redis.call('HGET', BATCHES, batch.t))
  bury(payloads[valid[1] + 1], batch.count, ARGV[2], now_ms)
  settle(batch, valid)
  stored = 1
end)
return stored
