-- Lists up to ARGV[1] dead letters, oldest first: a flat array of id, payload, info
-- ("<deliveryCount>:<deadAt ms>:<reason>").
local ids = redis.call('ZRANGE', DEAD, 0, tonumber(ARGV[1]) - 1)
local out = {}
for i = 1, #ids do
  local payload = redis.call('HGET', DEAD_PAYLOAD, ids[i])
  local info = redis.call('HGET', DEAD_INFO, ids[i])
  if payload and info then
    out[#out + 1] = ids[i]
    out[#out + 1] = payload
    out[#out + 1] = info
  end
end
return out
