/**
 * The consent ledger's Lua scripts. Each runs atomically in Redis, so two workers updating one person's entry
 * never lose each other's write.
 */

// A hash read once and written once per script call: one HMGET for every field the call names, the changes kept
// in a table, then one HSET and one HDEL. So a batch costs a few Redis commands, not two or three per record
// (Redis counts the commands a script runs). A field named twice in one call sees its earlier change. Fields go
// in slices of 1000, below Lua's limit on unpack().
const HASH_BATCH = `
local function sliced(list, fn)
  for s = 1, #list, 1000 do
    local part = {}
    for j = s, math.min(s + 999, #list) do table.insert(part, list[j]) end
    fn(part)
  end
end
local function hashBatch(key, fields)
  local cache, seen, unique, order, dirty = {}, {}, {}, {}, {}
  for _, f in ipairs(fields) do
    if not seen[f] then seen[f] = true; table.insert(unique, f) end
  end
  sliced(unique, function(part)
    local values = redis.call('HMGET', key, unpack(part))
    for j = 1, #part do cache[part[j]] = values[j] end
  end)
  local h = {}
  function h.get(f) local v = cache[f]; if v == false then return nil end; return v end
  local function touch(f)
    if not dirty[f] then dirty[f] = true; table.insert(order, f) end
  end
  function h.set(f, v) touch(f); cache[f] = v end
  function h.del(f) touch(f); cache[f] = false end
  function h.flush()
    local pairsToSet, toDelete = {}, {}
    for _, f in ipairs(order) do
      if cache[f] then table.insert(pairsToSet, f); table.insert(pairsToSet, cache[f])
      else table.insert(toDelete, f) end
    end
    for s = 1, #pairsToSet, 2000 do
      local part = {}
      for j = s, math.min(s + 1999, #pairsToSet) do table.insert(part, pairsToSet[j]) end
      redis.call('HSET', key, unpack(part))
    end
    sliced(toDelete, function(part) redis.call('HDEL', key, unpack(part)) end)
  end
  return h
end
local function every(first, step)
  local out = {}
  for i = first, #ARGV, step do table.insert(out, ARGV[i]) end
  return out
end
`;

// Per email, JSON {recordKey: [rank, changedAt]} (older entries hold a bare rank). A record older than the one
// the ledger already holds for that key is stale and leaves the entry alone; in "retry" mode a rank is never
// lowered. ARGV: mode, then groups of (email, recordKey, rank, changedAt). Returns (strictest, stale) per group.
export const REGISTER_CONSENT = `${HASH_BATCH}
local mode = ARGV[1]
local consent = hashBatch(KEYS[1], every(2, 4))
local out = {}
for i = 2, #ARGV, 4 do
  local raw = consent.get(ARGV[i])
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
    consent.set(ARGV[i], cjson.encode(m))
  end
  local strictest = 0
  for _, r in pairs(m) do
    local v = type(r) == 'table' and r[1] or r
    if v > strictest then strictest = v end
  end
  table.insert(out, strictest)
  table.insert(out, stale)
end
consent.flush()
return out
`;

// An archived or deleted record withdraws its own earlier "subscribe": its consent entry (when it was a
// subscribe), its part of a held subscription and its property ownership. Opt-outs stay.
// KEYS: consent, held, owners. ARGV: groups of (email, recordKey).
export const WITHDRAW = `${HASH_BATCH}
local emails = every(1, 2)
local consent, held, owners = hashBatch(KEYS[1], emails), hashBatch(KEYS[2], emails), hashBatch(KEYS[3], emails)
for i = 1, #ARGV, 2 do
  local email, key = ARGV[i], ARGV[i + 1]
  local raw = consent.get(email)
  if raw then
    local m = cjson.decode(raw)
    local cur = m[key]
    local rank = type(cur) == 'table' and cur[1] or cur
    if rank == 0 then
      m[key] = nil
      if next(m) == nil then consent.del(email) else consent.set(email, cjson.encode(m)) end
    end
  end
  local heldRaw = held.get(email)
  if heldRaw then
    local c = cjson.decode(heldRaw)
    local keys, prints = {}, {}
    for j, k in ipairs(c.keys) do
      if k ~= key then table.insert(keys, k); table.insert(prints, c.fingerprints[j]) end
    end
    if #keys == 0 then held.del(email)
    else c.keys = keys; c.fingerprints = prints; held.set(email, cjson.encode(c)) end
  end
  local owner = owners.get(email)
  if owner and string.sub(owner, -#key - 1) == '|' .. key then owners.del(email) end
end
consent.flush()
held.flush()
owners.flush()
return 1
`;

// Per email, across runs and sources, the record with the newest change owns the properties; ties go to the
// larger key so the result does not depend on job order. ARGV: groups of (email, "<changedAt>|<recordKey>").
// Returns 1 = owner.
export const CLAIM_PROPERTIES = `${HASH_BATCH}
local owners = hashBatch(KEYS[1], every(1, 2))
local out = {}
for i = 1, #ARGV, 2 do
  local cur = owners.get(ARGV[i])
  if (not cur) or cur <= ARGV[i + 1] then
    owners.set(ARGV[i], ARGV[i + 1])
    table.insert(out, 1)
  else
    table.insert(out, 0)
  end
end
owners.flush()
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
export const ADD_CANDIDATE = `${HASH_BATCH}${MERGE_KEYS}
local held = hashBatch(KEYS[1], every(1, 2))
for i = 1, #ARGV, 2 do
  local raw = held.get(ARGV[i])
  if raw then
    local c = cjson.decode(raw)
    mergeKeys(c, cjson.decode(ARGV[i + 1]), 'fingerprints')
    held.set(ARGV[i], cjson.encode(c))
  else
    held.set(ARGV[i], ARGV[i + 1])
  end
end
held.flush()
return 1
`;

// Pending opt-outs: email → JSON {since, keys, runId, lastError}, plus a sorted set by first-seen time for the
// age alert. A later failure keeps the first time. ARGV: now (ms), then groups of (email, entryJson).
export const ADD_PENDING_OPT_OUT = `${HASH_BATCH}${MERGE_KEYS}
local now = ARGV[1]
local pending = hashBatch(KEYS[1], every(2, 2))
local since = {}
for i = 2, #ARGV, 2 do
  local raw = pending.get(ARGV[i])
  local incoming = cjson.decode(ARGV[i + 1])
  if raw then
    local c = cjson.decode(raw)
    mergeKeys(c, incoming, nil)
    if incoming.lastError then c.lastError = incoming.lastError end
    pending.set(ARGV[i], cjson.encode(c))
  else
    pending.set(ARGV[i], ARGV[i + 1])
    table.insert(since, now)
    table.insert(since, ARGV[i])
  end
end
pending.flush()
for s = 1, #since, 2000 do
  local part = {}
  for j = s, math.min(s + 1999, #since) do table.insert(part, since[j]) end
  redis.call('ZADD', KEYS[2], 'NX', unpack(part))
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
