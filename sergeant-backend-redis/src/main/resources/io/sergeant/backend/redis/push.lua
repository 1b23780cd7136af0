-- Push. ARGV: mode ('normal' = RPUSH, 'high' = LPUSH, 'delayed' = ZADD NX), delay in ms (delayed
-- only: the score is the server's clock plus this delay, the same clock the pops check due tasks
-- with), push id, then the payloads. KEYS[16], when given, is the push id's marker key: a push whose
-- marker exists was already stored (a client library that retried after a read timeout) and is not
-- stored again. KEYS[15] is the queue's wake-up list (signal_wake in common.lua): every push
-- appends the delay in ms ('0' for an immediate task). The layout check of the prelude ran first, so a push of a key of another
-- type stores nothing. Returns the number of payloads stored now (0 for a repeated push id).
local mode = ARGV[1]
local marker = KEYS[16]
signal_wake(mode == 'delayed' and ARGV[2] or '0')
if marker then
  if not redis.call('SET', marker, '1', 'NX', 'PX', 3600000) then return 0 end
end
local payloads = {}
for i = 4, #ARGV do payloads[#payloads + 1] = ARGV[i] end
if mode == 'delayed' then
  local t = redis.call('TIME')
  local score = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[2]) / 1000
  local args = {}
  for i = 1, #payloads do
    args[#args + 1] = string.format('%.6f', score)
    args[#args + 1] = payloads[i]
  end
  local n = 1
  while n <= #args do
    local last = n + CHUNK - 1
    if last > #args then last = #args end
    redis.call('ZADD', DELAYED, 'NX', unpack(args, n, last))
    n = last + 1
  end
elseif mode == 'high' then
  each_chunk('LPUSH', QUEUE, payloads)
else
  each_chunk('RPUSH', QUEUE, payloads)
end
return #payloads
