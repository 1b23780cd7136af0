-- Deletes ready (QUEUE, REDELIVER) and DELAYED tasks, not leases nor dead letters.
-- Returns the number of keys deleted.
local ids = redis.call('LRANGE', REDELIVER, 0, -1)
if #ids > 0 then
  each_chunk('HDEL', PAYLOAD, ids)
  each_chunk('HDEL', STATE, ids)
end
return redis.call('DEL', QUEUE, DELAYED, REDELIVER)
