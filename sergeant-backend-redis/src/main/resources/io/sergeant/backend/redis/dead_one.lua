-- Removes the dead letter ARGV[1]; with ARGV[2] == 'requeue' its payload is appended to QUEUE as a
-- fresh NORMAL task (RPUSH, byte for byte), as dead_drain.lua does for all. Returns 1 if it was there.
local id = ARGV[1]
local payload = redis.call('HGET', DEAD_PAYLOAD, id)
if redis.call('ZREM', DEAD, id) == 0 then return 0 end
if ARGV[2] == 'requeue' and payload then
  redis.call('RPUSH', QUEUE, payload)
  signal_wake('0')
end
redis.call('HDEL', DEAD_PAYLOAD, id)
redis.call('HDEL', DEAD_INFO, id)
return 1
