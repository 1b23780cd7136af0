-- Sets the TTL of lock KEYS[1] to ARGV[2] ms only if its value is the caller's owner token ARGV[1].
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
