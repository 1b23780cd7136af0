-- Hands leases back: the tasks go to REDELIVER (served before QUEUE) keeping their delivery count.
-- ARGV: id1, token1, ... Returns the 1-based positions refused.
local n = #ARGV / 2
local ids = {}
for i = 1, n do ids[i] = ARGV[2 * i - 1] end
local states = hmget(STATE, ids)
local back, back_states, refused, seen = {}, {}, {}, {}
for i = 1, n do
  local id = ids[i]
  if not seen[id] and holds_lease(states[i], ARGV[2 * i]) then
    seen[id] = true
    local _, count = parse_state(states[i])
    back[#back + 1] = id
    back_states[#back_states + 1] = id
    back_states[#back_states + 1] = '0:' .. int(count)
  else
    refused[#refused + 1] = i
  end
end
if #back > 0 then
  each_chunk('ZREM', LEASES, back)
  each_chunk('HSET', STATE, back_states)
  each_chunk('RPUSH', REDELIVER, back)
end
return refused
