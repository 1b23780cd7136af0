-- Deletes ready (QUEUE, REDELIVER) and DELAYED tasks, not leases nor dead letters.
-- Returns the number of keys deleted.
return redis.call('DEL', QUEUE, DELAYED, REDELIVER)
