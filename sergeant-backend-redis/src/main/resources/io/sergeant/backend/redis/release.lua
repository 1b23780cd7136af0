-- Hands leased items back: they go to REDELIVER (served before QUEUE) keeping their delivery count.
-- ARGV: batch id, index spec pairs. Returns the refused items as (pair number, index).
return for_each_group(1, function(batch, valid)
  local payloads = cmsgpack.unpack(redis.call('HGET', BATCHES, batch.t))
  local back = {}
  for k = 1, #valid do
    back[#back + 1] = int(batch.count) .. ':' .. payloads[valid[k] + 1]
  end
  each_chunk('RPUSH', REDELIVER, back)
  settle(batch, valid)
end)
