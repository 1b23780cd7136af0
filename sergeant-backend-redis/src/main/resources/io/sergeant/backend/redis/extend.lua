-- Extends the leases of batches holding valid items to server time + ARGV[1] ms.
-- ARGV[2..]: batch id, index spec pairs. Returns the refused items as (pair number, index).
local now_ms = server_time()
local deadline = now_ms + tonumber(ARGV[1])
return for_each_group(2, function(batch, valid) redis.call('ZADD', LEASES, deadline, batch.t) end)
