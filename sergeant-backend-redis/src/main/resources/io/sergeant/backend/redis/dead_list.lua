-- Lists up to ARGV[1] dead letters, oldest first: a flat array of id, payload, info
-- ("<deliveryCount>:<deadAt ms>:<reason>").
local ids = redis.call('ZRANGE', DEAD, 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
local payloads = hmget(PAYLOAD, ids)
local infos = hmget(DEAD_INFO, ids)
local out = {}
for i = 1, #ids do
  if payloads[i] and infos[i] then
    out[#out + 1] = ids[i]
    out[#out + 1] = payloads[i]
    out[#out + 1] = infos[i]
  end
end
return out
