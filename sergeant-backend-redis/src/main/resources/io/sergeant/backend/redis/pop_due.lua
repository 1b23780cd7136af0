-- At-most-once pop, whole in one script (nothing is removed outside it, and the layout check of the
-- prelude ran before anything here): QUEUE (HIGH at its head; Python's list first, as a Python
-- worker would), then handed-back tasks (left by at-least-once workers), then due DELAYED tasks.
-- ARGV: max, maximum payload bytes (0 = none), dead-letter cap (0 = none). An oversized payload becomes a dead letter instead of being returned.
-- Returns {the payloads..., payloads refused as oversized, dead letters trimmed}: the counts come last, so the
-- usual pop (QUEUE gives all, none oversized) returns LPOP's own table with two entries appended instead of
-- copying every payload into a second table (Lua's copies of the payloads are what a pop costs the server:
-- BENCHMARKS.md, "Redis at-most-once drain: a cheaper pop script").
local max = tonumber(ARGV[1])
MAX_BYTES = tonumber(ARGV[2])
DEAD_CAP = tonumber(ARGV[3])
local out = redis.call('LPOP', QUEUE, max) or {}
local n = #out
local refused = 0
local now_ms = nil
-- Buries an oversized payload (the clock is read once, at the first).
local function refuse(payload)
  if not now_ms then now_ms = server_time() end
  bury(payload, 1, oversized_reason(payload), now_ms)
  refused = refused + 1
end
if MAX_BYTES > 0 then
  local first = 0
  for i = 1, n do
    if #out[i] > MAX_BYTES then
      first = i
      break
    end
  end
  if first > 0 then
    -- Rare: the payloads from the first oversized one on are compacted in place, without the oversized.
    local kept = first - 1
    for i = first, n do
      local payload = out[i]
      if #payload > MAX_BYTES then
        refuse(payload)
      else
        kept = kept + 1
        out[kept] = payload
      end
    end
    for i = n, kept + 1, -1 do out[i] = nil end
    n = kept
  end
end
-- Appends a payload popped from REDELIVER or DELAYED, or buries it when oversized.
local function add(payload)
  if MAX_BYTES > 0 and #payload > MAX_BYTES then
    refuse(payload)
  else
    n = n + 1
    out[n] = payload
  end
end
if n < max then
  local again = redis.call('LPOP', REDELIVER, max - n)
  if again then
    for i = 1, #again do
      local _, payload = decode_redelivery(again[i])
      add(payload)
    end
  end
end
if n < max then
  local _, now_s = server_time()
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now_s, 'LIMIT', 0, max - n)
  if #due > 0 then
    each_chunk('ZREM', DELAYED, due)
    for i = 1, #due do add(due[i]) end
  end
end
if redis.call('EXISTS', COUNTS) == 1 then forget_stale_counts() end
out[n + 1] = refused
out[n + 2] = trimmed
return out
