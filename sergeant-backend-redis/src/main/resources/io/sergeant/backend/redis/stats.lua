-- Returns {LLEN QUEUE, LLEN REDELIVER, due delayed, all delayed, leased, dead letters}.
local _, now_s = server_time()
return {
  redis.call('LLEN', QUEUE),
  redis.call('LLEN', REDELIVER),
  redis.call('ZCOUNT', DELAYED, '-inf', now_s),
  redis.call('ZCARD', DELAYED),
  redis.call('ZCARD', LEASES),
  redis.call('ZCARD', DEAD)
}
