-- Push. ARGV: mode ('normal' = RPUSH, 'high' = LPUSH, 'delayed' = ZADD NX), delay in ms (delayed
-- only: the score is the server's clock plus this delay, the same clock the pops check due tasks
-- with), push id, then the payloads. KEYS[16], when given, is the push id's marker key: a push whose
-- marker exists was already stored (a client library that retried after a read timeout) and is not
-- stored again. KEYS[15] is the queue's wake-up list (signal_wake in common.lua): every push
-- appends the delay in ms ('0' for an immediate task), after storing the tasks. The layout check of the prelude ran first, so a push of a key of another
-- type stores nothing. Returns the number of payloads stored now (0 for a repeated push id).
local mode = ARGV[1]
local marker = KEYS[16]
if marker then
  if not redis.call('SET', marker, '1', 'NX', 'PX', 3600000) then return 0 end
end
-- The payloads go to redis.call straight from ARGV (unpack of a range): no copy into a Lua table.
local first, last = 4, #ARGV
if mode == 'delayed' then
  local t = redis.call('TIME')
  local score = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[2]) / 1000)
  local args = {}
  for i = first, last do
    args[#args + 1] = score
    args[#args + 1] = ARGV[i]
  end
  local n = 1
  while n <= #args do
    local stop = n + CHUNK - 1
    if stop > #args then stop = #args end
    redis.call('ZADD', DELAYED, 'NX', unpack(args, n, stop))
    n = stop + 1
  end
else
  local cmd = mode == 'high' and 'LPUSH' or 'RPUSH'
  local i = first
  while i <= last do
    local j = i + CHUNK - 1
    if j > last then j = last end
    redis.call(cmd, QUEUE, unpack(ARGV, i, j))
    i = j + 1
  end
end
-- Signalled after the push, never before: Redis serves blocked clients in the order their keys became
-- ready, so an idle at-most-once worker blocked on QUEUE and the wake-up list (BLPOP q wake stop) takes the
-- task itself rather than the signal (docs/decisions.md "At-most-once idle wait takes the task itself").
signal_wake(mode == 'delayed' and ARGV[2] or '0')
return last - first + 1
