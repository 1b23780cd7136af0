-- Lists up to ARGV[1] dead letters, oldest first: a flat array of id, payload, info
-- ("<deliveryCount>:<deadAt ms>:<reason>"). With ARGV[2] == 'sizes' the payload's length
-- (HSTRLEN) comes instead of the payload, which is then never read.
local ids = redis.call('ZRANGE', DEAD, 0, tonumber(ARGV[1]) - 1)
local sizes = ARGV[2] == 'sizes'
local out = {}
for i = 1, #ids do
  local payload
  if sizes then
    payload = redis.call('HSTRLEN', DEAD_PAYLOAD, ids[i])
    if payload == 0 and redis.call('HEXISTS', DEAD_PAYLOAD, ids[i]) == 0 then payload = nil end
  else
    payload = redis.call('HGET', DEAD_PAYLOAD, ids[i])
  end
  local info = redis.call('HGET', DEAD_INFO, ids[i])
  if payload and info then
    out[#out + 1] = ids[i]
    out[#out + 1] = payload
    out[#out + 1] = info
  end
end
return out
