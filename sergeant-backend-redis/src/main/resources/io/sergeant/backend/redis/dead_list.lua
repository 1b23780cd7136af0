-- Lists up to ARGV[1] dead letters, oldest first: a flat array of id, payload, info
-- ("<deliveryCount>:<deadAt ms>:<reason>"). With ARGV[2] == 'sizes' the payload's length
-- (HSTRLEN) comes instead of the payload, which is then never read. With ARGV[2] == 'ids' the
-- letters are those named in ARGV[3..] (in that order; ids no longer there are left out) instead of
-- the oldest: a listing over several shards picks the oldest by their sizes' entries first, then
-- reads only those payloads.
local ids
if ARGV[2] == 'ids' then
  ids = {}
  for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = redis.call('ZRANGE', DEAD, 0, tonumber(ARGV[1]) - 1)
end
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
