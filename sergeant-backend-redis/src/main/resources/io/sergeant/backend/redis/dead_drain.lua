-- Removes up to ARGV[1] of the oldest dead letters; with ARGV[2] == 'requeue' their payloads are
-- appended to QUEUE as fresh NORMAL tasks (RPUSH, byte for byte). Returns how many were removed.
local ids = redis.call('ZRANGE', DEAD, 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return 0 end
if ARGV[2] == 'requeue' then
  local live = {}
  for i = 1, #ids do
    local payload = redis.call('HGET', DEAD_PAYLOAD, ids[i])
    if payload then live[#live + 1] = payload end
  end
  if #live > 0 then
    each_chunk('RPUSH', QUEUE, live)
    signal_wake('0')
  end
end
each_chunk('HDEL', DEAD_PAYLOAD, ids)
each_chunk('HDEL', DEAD_INFO, ids)
each_chunk('ZREM', DEAD, ids)
return #ids
