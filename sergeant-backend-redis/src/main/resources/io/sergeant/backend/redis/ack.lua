-- Settles leases. ARGV: id1, token1, id2, token2, ... Returns the 1-based positions refused.
local n = #ARGV / 2
local ids = {}
for i = 1, n do ids[i] = ARGV[2 * i - 1] end
local states = hmget(STATE, ids)
local settled, refused, seen = {}, {}, {}
for i = 1, n do
  local id = ids[i]
  if not seen[id] and holds_lease(states[i], ARGV[2 * i]) then
    seen[id] = true
    settled[#settled + 1] = id
  else
    refused[#refused + 1] = i
  end
end
if #settled > 0 then
  each_chunk('HDEL', PAYLOAD, settled)
  each_chunk('HDEL', STATE, settled)
  each_chunk('ZREM', LEASES, settled)
end
return refused
