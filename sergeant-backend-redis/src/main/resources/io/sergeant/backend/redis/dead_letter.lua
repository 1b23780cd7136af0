-- Moves one delivery to the dead letters.
-- ARGV: 'lease', id, token, reason (must still hold the lease) or 'payload', payload, reason.
-- Returns 1 if stored, 0 for a stale lease.
local now_ms = server_time()
if ARGV[1] == 'lease' then
  local id, token, reason = ARGV[2], ARGV[3], ARGV[4]
  local state = redis.call('HGET', STATE, id)
  if not holds_lease(state, token) then return 0 end
  local _, count = parse_state(state)
  redis.call('ZREM', LEASES, id)
  bury(id, count, reason, redis.call('INCR', SEQ), now_ms)
  return 1
end
local seq = redis.call('INCR', SEQ)
local id = int(seq)
redis.call('HSET', PAYLOAD, id, ARGV[2])
bury(id, 1, ARGV[3], seq, now_ms)
return 1
