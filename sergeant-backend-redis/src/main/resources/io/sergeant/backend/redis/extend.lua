-- Extends leases to server time + ARGV[1] ms. ARGV[2..]: id, token pairs.
-- Returns the 1-based positions (among the pairs) refused.
local now_ms = server_time()
local deadline = now_ms + tonumber(ARGV[1])
local n = (#ARGV - 1) / 2
local ids = {}
for i = 1, n do ids[i] = ARGV[2 * i] end
local states = hmget(STATE, ids)
local leases, refused = {}, {}
for i = 1, n do
  if holds_lease(states[i], ARGV[2 * i + 1]) then
    leases[#leases + 1] = deadline
    leases[#leases + 1] = ids[i]
  else
    refused[#refused + 1] = i
  end
end
if #leases > 0 then each_chunk('ZADD', LEASES, leases) end
return refused
