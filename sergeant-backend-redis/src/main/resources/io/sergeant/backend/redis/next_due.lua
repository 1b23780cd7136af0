-- Pickup without polling (RedisWakeups): how long until this shard has a deliverable task, read
-- when an idle worker starts waiting. KEYS[15] is the queue's wake-up list. Returns 0 when QUEUE or
-- REDELIVER holds a task or a delayed task is due; otherwise it drops the wake-up signals already
-- there (they announced tasks that are gone or delayed ones this answer covers, so a worker would
-- only wake up for nothing) and returns the ms until the earliest delayed task is due (server
-- clock), or -1 when there is no task at all.
if redis.call('LLEN', QUEUE) > 0 or redis.call('LLEN', REDELIVER) > 0 then return 0 end
local first = redis.call('ZRANGE', DELAYED, 0, 0, 'WITHSCORES')
local now_ms = server_time()
if #first > 0 then
  local due_ms = math.floor(tonumber(first[2]) * 1000)
  if due_ms <= now_ms then return 0 end
  redis.call('DEL', KEYS[15])
  return due_ms - now_ms
end
redis.call('DEL', KEYS[15])
return -1
