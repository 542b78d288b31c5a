"""The Lua scripts behind the balance store: each runs atomically in Redis (Valkey).

Keys of one user share the hash tag ``{user}`` so a cluster keeps them on one slot:

- ``credits:{u}:balance``  settled balance (integer); missing means "rebuild from the ledger"
- ``credits:{u}:holds``    hash request id -> reserved amount (the live reservations)
- ``credits:{u}:expiry``   zset request id -> expiry (ms); expired holds free themselves
- ``credits:{u}:res:<id>`` hash of one reservation (amount), with a TTL; once priced
  (quoted) it lives for the settling TTL, so its room stays taken while the charge's
  commit is retried
- ``credits:{u}:done:<id>`` the amount a request was charged; makes settling idempotent
  (the rebuild sets it for recent ledger rows: they are in the rebuilt sum already)
- ``credits:{u}:pending``  hash request id -> signed delta applied while the balance was
  missing; the rebuild adds those the ledger snapshot does not hold yet
"""

from __future__ import annotations

# Drops expired holds and answers the sum of the live ones (shared by reserve and settle);
# `extend` lengthens a key's TTL, never shortens it (a priced hold outlives new ones).
_LIVE_RESERVED = """
local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end

local function live_reserved(holds, expiry, now, except)
  local expired = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
  for _, id in ipairs(expired) do
    redis.call('HDEL', holds, id)
    redis.call('ZREM', expiry, id)
  end
  local total = 0
  local all = redis.call('HGETALL', holds)
  for i = 1, #all, 2 do
    if all[i] ~= except then total = total + tonumber(all[i + 1]) end
  end
  return total
end
"""

# KEYS: balance, holds, expiry, res, done. ARGV: request id, cost, ttl ms, now ms.
# Answers {status, available}: 1 reserved, 0 insufficient, -1 balance missing,
# -2 already settled (a retried request), 2 already reserved (idempotent).
RESERVE = (
    _LIVE_RESERVED
    + """
if redis.call('EXISTS', KEYS[5]) == 1 then return {-2, 0} end
local balance = redis.call('GET', KEYS[1])
if not balance then return {-1, 0} end
local id, cost, ttl, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {2, tonumber(balance) - live_reserved(KEYS[2], KEYS[3], now, '')}
end
local available = tonumber(balance) - live_reserved(KEYS[2], KEYS[3], now, '')
if available < cost then return {0, available} end
redis.call('HSET', KEYS[2], id, cost)
redis.call('ZADD', KEYS[3], now + ttl, id)
extend(KEYS[2], ttl)
extend(KEYS[3], ttl)
redis.call('HSET', KEYS[4], 'amount', cost)
redis.call('PEXPIRE', KEYS[4], ttl)
return {1, available - cost}
"""
)

# Applies a signed delta once per request id: to the balance, or to `pending` when the
# balance is missing (the rebuild then decides whether the ledger snapshot already has it).
_APPLY = """
local function apply(balance, pending, done, id, delta, done_ttl)
  redis.call('SET', done, -delta, 'PX', done_ttl)
  if redis.call('EXISTS', balance) == 1 then
    redis.call('INCRBY', balance, delta)
  else
    redis.call('HSET', pending, id, delta)
    redis.call('PEXPIRE', pending, done_ttl)
  end
end
"""

# KEYS: balance, holds, expiry, res, done. ARGV: request id, used, allow over (1/0), now ms,
# settling ttl ms. Answers {status, charge}: 1 quoted, 0 already settled, -1 no reservation.
# Policy: charge `used` up to the reservation; above it only what the balance still has
# (after the other live reservations), so the balance never goes negative. The hold is set
# to the charge and kept for the settling TTL, so the room it needs stays taken until the
# settlement commits, also when the worker retries the commit after the hold's own TTL.
QUOTE = (
    _LIVE_RESERVED
    + """
local id, used, over, now = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4])
local settled = redis.call('GET', KEYS[5])
if settled then return {0, tonumber(settled)} end
local quoted = redis.call('HGET', KEYS[4], 'quoted')
if quoted then return {1, tonumber(quoted)} end
local reserved = tonumber(redis.call('HGET', KEYS[4], 'amount'))
if not reserved then return {-1, 0} end
local charge = math.max(used, 0)
if charge > reserved then
  local balance = redis.call('GET', KEYS[1])
  if over and balance then
    local others = live_reserved(KEYS[2], KEYS[3], now, id)
    local room = math.max(tonumber(balance) - others - reserved, 0)
    charge = reserved + math.min(charge - reserved, room)
  else
    charge = reserved
  end
end
local settling = tonumber(ARGV[5])
redis.call('HSET', KEYS[4], 'amount', charge, 'quoted', charge)
extend(KEYS[4], settling)
if redis.call('HEXISTS', KEYS[2], id) == 1 then
  redis.call('HSET', KEYS[2], id, charge)
  redis.call('ZADD', KEYS[3], 'GT', now + settling, id)
  extend(KEYS[2], settling)
  extend(KEYS[3], settling)
end
return {1, charge}
"""
)

# KEYS: holds, expiry, res. ARGV: request id. Frees a reservation; answers 1 if it existed.
RELEASE = """
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[3])
"""

# KEYS: balance, holds, expiry, res, done, pending. ARGV: request id, signed delta, done ttl.
# A movement already in the ledger (settlement, grant, purchase) reaches the balance once,
# freeing the request's reservation if it has one; answers 1 when applied now.
COMMIT = (
    _APPLY
    + """
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
apply(KEYS[1], KEYS[6], KEYS[5], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
return 1
"""
)

# KEYS: balance, pending. ARGV: ledger sum, then request ids, then for each of them
# '1' (in the ledger snapshot) or '0'. Installs the rebuilt balance: the sum plus the
# pending deltas the snapshot lacks. Answers {1, balance}, {0, unknown pending ids...}
# when a pending id was not classified (the caller classifies and calls again), or
# {2, balance} when another rebuild already installed one.
INSTALL = """
local existing = redis.call('GET', KEYS[1])
if existing then return {2, tonumber(existing)} end
local total = tonumber(ARGV[1])
local n = (#ARGV - 1) / 2
local known = {}
for i = 1, n do known[ARGV[1 + i]] = ARGV[1 + n + i] end
local pending = redis.call('HGETALL', KEYS[2])
local unknown = {}
for i = 1, #pending, 2 do
  if known[pending[i]] == nil then table.insert(unknown, pending[i]) end
end
if #unknown > 0 then
  table.insert(unknown, 1, 0)
  return unknown
end
for i = 1, #pending, 2 do
  if known[pending[i]] == '0' then total = total + tonumber(pending[i + 1]) end
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], total)
return {1, total}
"""
