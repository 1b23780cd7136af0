-- Hands leased items back to the head of QUEUE (return_to_queue). ARGV[1] is what this delivery
-- counts: 1 for a release (a lost delivery: the task's process died running it), 0 for a graceful
-- hand-back (a stopping worker gives up tasks; the next delivery has the same count as this one).
-- Then batch id, index spec pairs. Returns the refused items as (pair number, index).
local counted = tonumber(ARGV[1])
return for_each_group(2, function(batch, valid)
  local payloads = cmsgpack.unpack(redis.call('HGET', BATCHES, batch.t))
  local back = {}
  each_valid(valid, function(i) back[#back + 1] = {batch.count - 1 + counted, payloads[i + 1]} end)
  return_to_queue(back)
  settle(batch, valid)
end)
