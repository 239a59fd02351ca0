/**
 * The consent ledger's Lua scripts. Each runs atomically in Redis, so two workers updating one person's entry
 * never lose each other's write.
 */

// Per email, JSON {recordKey: [rank, changedAt]} (older entries hold a bare rank). A record older than the one
// the ledger already holds for that key is stale and leaves the entry alone; in "retry" mode a rank is never
// lowered. ARGV: mode, then groups of (email, recordKey, rank, changedAt). Returns (strictest, stale) per group.
export const REGISTER_CONSENT = `
local mode = ARGV[1]
local out = {}
for i = 2, #ARGV, 4 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local m = raw and cjson.decode(raw) or {}
  local key, rank, at = ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local cur = m[key]
  local curRank, curAt = nil, ''
  if type(cur) == 'number' then curRank = cur elseif type(cur) == 'table' then curRank, curAt = cur[1], cur[2] end
  local stale = 0
  if curRank ~= nil and curAt ~= '' and at ~= '' and at < curAt then
    stale = 1
  else
    if mode == 'retry' and curRank ~= nil and curRank > rank then rank = curRank end
    if at == '' then at = curAt end
    m[key] = {rank, at}
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(m))
  end
  local strictest = 0
  for _, r in pairs(m) do
    local v = type(r) == 'table' and r[1] or r
    if v > strictest then strictest = v end
  end
  table.insert(out, strictest)
  table.insert(out, stale)
end
return out
`;

// An archived or deleted record withdraws its own earlier "subscribe": its consent entry (when it was a
// subscribe), its part of a held subscription and its property ownership. Opt-outs stay.
// KEYS: consent, held, owners. ARGV: groups of (email, recordKey).
export const WITHDRAW = `
for i = 1, #ARGV, 2 do
  local email, key = ARGV[i], ARGV[i + 1]
  local raw = redis.call('HGET', KEYS[1], email)
  if raw then
    local m = cjson.decode(raw)
    local cur = m[key]
    local rank = type(cur) == 'table' and cur[1] or cur
    if rank == 0 then
      m[key] = nil
      if next(m) == nil then redis.call('HDEL', KEYS[1], email) else redis.call('HSET', KEYS[1], email, cjson.encode(m)) end
    end
  end
  local held = redis.call('HGET', KEYS[2], email)
  if held then
    local c = cjson.decode(held)
    local keys, prints = {}, {}
    for j, k in ipairs(c.keys) do
      if k ~= key then table.insert(keys, k); table.insert(prints, c.fingerprints[j]) end
    end
    if #keys == 0 then redis.call('HDEL', KEYS[2], email)
    else c.keys = keys; c.fingerprints = prints; redis.call('HSET', KEYS[2], email, cjson.encode(c)) end
  end
  local owner = redis.call('HGET', KEYS[3], email)
  if owner and string.sub(owner, -#key - 1) == '|' .. key then redis.call('HDEL', KEYS[3], email) end
end
return 1
`;

// Per email, across runs and sources, the record with the newest change owns the properties; ties go to the
// larger key so the result does not depend on job order. ARGV: groups of (email, "<changedAt>|<recordKey>").
// Returns 1 = owner.
export const CLAIM_PROPERTIES = `
local out = {}
for i = 1, #ARGV, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if (not cur) or cur <= ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    table.insert(out, 1)
  else
    table.insert(out, 0)
  end
end
return out
`;

// Appends the record keys of an incoming entry that the stored one lacks (with the incoming entry's parallel
// list, e.g. fingerprints, when it has one). Shared by the scripts below.
const MERGE_KEYS = `
local function mergeKeys(stored, incoming, parallel)
  for j, key in ipairs(incoming.keys) do
    local seen = false
    for _, k in ipairs(stored.keys) do if k == key then seen = true end end
    if not seen then
      table.insert(stored.keys, key)
      if parallel then table.insert(stored[parallel], incoming[parallel][j]) end
    end
  end
end
`;

// Subscription candidates, one per email; further records of the same email are appended.
export const ADD_CANDIDATE = `${MERGE_KEYS}
for i = 1, #ARGV, 2 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local incoming = cjson.decode(ARGV[i + 1])
  if raw then
    local c = cjson.decode(raw)
    mergeKeys(c, incoming, 'fingerprints')
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(c))
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
`;

// Pending opt-outs: email → JSON {since, keys, runId, lastError}, plus a sorted set by first-seen time for the
// age alert. A later failure keeps the first time. ARGV: now (ms), then groups of (email, entryJson).
export const ADD_PENDING_OPT_OUT = `${MERGE_KEYS}
local now = ARGV[1]
for i = 2, #ARGV, 2 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  local incoming = cjson.decode(ARGV[i + 1])
  if raw then
    local c = cjson.decode(raw)
    mergeKeys(c, incoming, nil)
    if incoming.lastError then c.lastError = incoming.lastError end
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(c))
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    redis.call('ZADD', KEYS[2], 'NX', now, ARGV[i])
  end
end
return 1
`;

// Takes every address lock of a job at once, or none (all-or-nothing: two jobs never deadlock). KEYS: the lock
// keys. ARGV: token, ttl ms. Returns 1, or 0 when another job holds one of them. One EXISTS answers the common
// case (nobody holds any) before the keys are set.
export const LOCK_ALL = `
if redis.call('EXISTS', unpack(KEYS)) > 0 then
  local holders = redis.call('MGET', unpack(KEYS))
  for i = 1, #KEYS do
    if holders[i] and holders[i] ~= ARGV[1] then return 0 end
  end
end
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
return 1
`;

export const UNLOCK_ALL = `
local holders = redis.call('MGET', unpack(KEYS))
local mine = {}
for i = 1, #KEYS do
  if holders[i] == ARGV[1] then table.insert(mine, KEYS[i]) end
end
if #mine > 0 then redis.call('DEL', unpack(mine)) end
return 1
`;

// Keeps a running job's locks alive (only those it still holds). ARGV: token, ttl ms.
export const EXTEND_ALL = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1
`;
