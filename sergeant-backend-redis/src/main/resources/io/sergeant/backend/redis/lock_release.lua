-- Deletes lock KEYS[1] only if its value is the caller's owner token ARGV[1].
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
