-- Deletes ready (QUEUE, REDELIVER) and DELAYED tasks and the counts of returned tasks, not leases
-- nor dead letters. Returns the number of task keys deleted.
redis.call('DEL', COUNTS)
return redis.call('DEL', QUEUE, DELAYED, REDELIVER)
