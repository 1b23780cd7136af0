-- Commit of a plain push (no delay, no push id, one node): RedisQueue.push sends
--   MULTI, RPUSH (normal) or LPUSH (high) QUEUE <the n payloads>, EVAL <this script>, EXEC
-- so that the payloads reach Redis as arguments of a plain RPUSH/LPUSH and never pass through Lua (a
-- script's ARGV costs the server several times the RPUSH itself). ARGV: mode ('normal' or 'high'), n.
-- Nothing runs between the push and this script, and nobody sees the state between them. A queued
-- command that fails does not stop the rest of a MULTI, so this script is what keeps the guarantee of
-- the prelude's layout check: when a key has another type it takes back exactly the n payloads the
-- push just added (RPOP n / LPOP n from the end they went to) before it fails with the layout error,
-- so the push stores nothing. If QUEUE itself is foreign, the push already failed with WRONGTYPE and
-- stored nothing; nothing is taken back. Then it signals idle workers (signal_wake, as push.lua).
local mode, n = ARGV[1], tonumber(ARGV[2])
local problem = layout_error()
if problem then
  if redis.call('TYPE', QUEUE)['ok'] == 'list' then
    redis.call(mode == 'high' and 'LPOP' or 'RPOP', QUEUE, n)
  end
  error({err = problem})
end
signal_wake('0')
return n
