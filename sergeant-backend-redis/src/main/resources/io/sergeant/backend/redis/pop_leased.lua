-- At-least-once pop. ARGV: max, lease (ms), maxDeliveries, reason for dead letters, lease token (a
-- random 128-bit hex string, new for every call), maximum payload bytes (0 = none), dead-letter cap
-- (0 = none); then, for settle-and-pop, the receipts to ack first as (batch id, index spec) pairs from
-- ARGV[8] on (as ack.lua takes them).
-- Order: handed-back tasks of older versions (REDELIVER), then QUEUE (returned and HIGH tasks at its
-- head; a returned task's count from COUNTS), then due DELAYED tasks.
-- Tasks of one delivery count form one leased batch (one lease entry, one msgpack blob); a batch id
-- is the call's token plus the group number, so no restart (an older snapshot, a promoted replica)
-- can hand out an id that an earlier receipt still names.
-- The layout check of the prelude ran before anything below, so no command here can fail on a key of
-- another type: the pop either happens whole or not at all.
-- Returns {payloads refused as oversized, dead letters trimmed, k, the k values of the refused acks as
-- (pair number, index), then per batch: batch id, delivery count, n, the array of its n payloads} (the
-- payloads as one nested array: the list LPOP gave is returned as it is, not copied item by item).
local max = tonumber(ARGV[1])
local lease_ms = tonumber(ARGV[2])
local max_deliveries = tonumber(ARGV[3])
local reason = ARGV[4]
local token = ARGV[5]
MAX_BYTES = tonumber(ARGV[6])
DEAD_CAP = tonumber(ARGV[7])
local now_ms, now_s = server_time()
-- Settle-and-pop: the acks go first, so that nothing acked here is handed out by this pop.
local ack_refused = {}
if #ARGV >= 8 then
  ack_refused = for_each_group(8, function(batch, valid) settle(batch, valid) end)
end

local groups, order = {}, {}
local taken, refused = 0, 0
local function add(count, payload)
  if oversized(payload) then
    bury(payload, count, oversized_reason(payload), now_ms)
    refused = refused + 1
    return
  end
  local g = groups[count]
  if not g then
    g = {}
    groups[count] = g
    order[#order + 1] = count
  end
  g[#g + 1] = payload
  taken = taken + 1
end

local had_counts = redis.call('EXISTS', COUNTS) == 1
local again = redis.call('LPOP', REDELIVER, max)
if again then
  for i = 1, #again do
    local count, payload = decode_redelivery(again[i])
    if count + 1 > max_deliveries then
      bury(payload, count, reason, now_ms)
    else
      add(count + 1, payload)
    end
  end
end
if taken < max then
  local fresh = redis.call('LPOP', QUEUE, max - taken)
  if fresh then
    local fits = true
    if MAX_BYTES > 0 then
      for i = 1, #fresh do
        if #fresh[i] > MAX_BYTES then fits = false break end
      end
    end
    if had_counts then
      -- Some tasks in QUEUE came back after earlier deliveries: they keep counting from there.
      for i = 1, #fresh do
        local count = take_count(fresh[i]) + 1
        if count > max_deliveries then
          bury(fresh[i], count - 1, reason, now_ms)
        else
          add(count, fresh[i])
        end
      end
    elseif taken == 0 and fits then
      groups[1] = fresh
      order[1] = 1
      taken = #fresh
    else
      for i = 1, #fresh do add(1, fresh[i]) end
    end
  end
end
if taken < max then
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, max - taken)
  if #due > 0 then
    each_chunk('ZREM', DELAYED, due)
    for i = 1, #due do add(1, due[i]) end
  end
end
-- (A pop never adds counts: when there were none before it, there are none now.)
if had_counts then forget_stale_counts() end
local out = {refused, trimmed, #ack_refused}
for i = 1, #ack_refused do out[#out + 1] = ack_refused[i] end
if taken == 0 then return out end

local deadline = now_ms + lease_ms
for k = 1, #order do
  local count = order[k]
  local payloads = groups[count]
  local n = #payloads
  local t = token .. '-' .. int(k)
  redis.call('HSET', BATCHES, t, cmsgpack.pack(payloads))
  redis.call('HSET', META, t, int(count) .. ':' .. int(n) .. ':' .. int(n))
  redis.call('ZADD', LEASES, deadline, t)
  out[#out + 1] = t
  out[#out + 1] = count
  out[#out + 1] = n
  out[#out + 1] = payloads
end
redis.call('INCRBY', INFLIGHT, taken)
return out
