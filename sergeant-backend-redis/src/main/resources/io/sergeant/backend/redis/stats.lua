-- Returns {LLEN QUEUE, LLEN REDELIVER, due delayed, all delayed, leased items, dead letters}.
local _, now_s = server_time()
return {
  redis.call('LLEN', QUEUE),
  redis.call('LLEN', REDELIVER),
  redis.call('ZCOUNT', DELAYED, '-inf', now_s),
  redis.call('ZCARD', DELAYED),
  tonumber(redis.call('GET', INFLIGHT) or '0'),
  redis.call('ZCARD', DEAD)
}
