/**
 * Lua for a run's record rows. The counters a row adds are derived from the row itself, here and only here, so
 * writing a row again (a retried job) or settling it (the subscribe phase's verdict) takes back exactly what the
 * previous version added. Rows are patched inside Redis: a worker never reads a row to write it back.
 */

/** The counter fields of a row: records read, its outcome and consent, per source, and its source status. */
const COUNTERS = `
local function counters(row, delta, by)
  local source = row.source
  local fields = { 'read', row.outcome, 'src:' .. source .. ':read', 'src:' .. source .. ':' .. row.outcome,
    'status:' .. source .. ':' .. row.sourceStatus }
  if type(row.consent) == 'string' then
    table.insert(fields, row.consent)
    table.insert(fields, 'src:' .. source .. ':' .. row.consent)
  end
  for _, field in ipairs(fields) do delta[field] = (delta[field] or 0) + by end
end
local function apply(counts, delta)
  for field, by in pairs(delta) do
    if by ~= 0 then redis.call('HINCRBY', counts, field, by) end
  end
end
`;

/**
 * Writes rows (the last of a key wins), taking back what each previous version counted. The deltas are summed
 * first: a batch costs one HMGET, one HSET and one HINCRBY per counter that changed.
 * KEYS: records, counts. ARGV: pairs of (recordKey, rowJson).
 */
export const RECORD_ROWS = `${COUNTERS}
local records, counts = KEYS[1], KEYS[2]
local keys, rows = {}, {}
for i = 1, #ARGV, 2 do
  table.insert(keys, ARGV[i])
  table.insert(rows, ARGV[i])
  table.insert(rows, ARGV[i + 1])
end
local prev = redis.call('HMGET', records, unpack(keys))
local delta = {}
for j = 1, #keys do
  if prev[j] then counters(cjson.decode(prev[j]), delta, -1) end
  counters(cjson.decode(ARGV[2 * j]), delta, 1)
end
redis.call('HSET', records, unpack(rows))
apply(counts, delta)
return 1
`;

/**
 * Settles subscription candidates' rows with the subscribe phase's verdict. A patch: { consent, note, failed }.
 * consent null keeps "subscribed" when the row has it (a candidate settled twice after a crash); failed turns
 * the row into a failure with that reason; note replaces the reason. Rows that do not exist are left alone.
 * KEYS: records, counts. ARGV: pairs of (recordKey, patchJson). Returns, per settled key: the key and, for a
 * failed one, its new row (the dead letter holds it).
 */
export const SETTLE_ROWS = `${COUNTERS}
local records, counts = KEYS[1], KEYS[2]
-- One HMGET and one HSET per call (slices of 1000 keys, below Lua's limit on unpack), not one of each per row.
local keys, current = {}, {}
for i = 1, #ARGV, 2 do table.insert(keys, ARGV[i]) end
for s = 1, #keys, 1000 do
  local part = {}
  for j = s, math.min(s + 999, #keys) do table.insert(part, keys[j]) end
  local got = redis.call('HMGET', records, unpack(part))
  for j = 1, #part do if got[j] then current[part[j]] = got[j] end end
end
local delta, out, order, written = {}, {}, {}, {}
for i = 1, #ARGV, 2 do
  local key = ARGV[i]
  local raw = current[key]
  if raw then
    local row = cjson.decode(raw)
    local patch = cjson.decode(ARGV[i + 1])
    counters(row, delta, -1)
    if type(patch.failed) == 'string' then
      row.outcome, row.consent, row.reason = 'failed', cjson.null, patch.failed
    else
      if type(patch.consent) == 'string' then row.consent = patch.consent
      elseif row.consent ~= 'subscribed' then row.consent = cjson.null end
      if type(patch.note) == 'string' then row.reason = patch.note end
    end
    counters(row, delta, 1)
    local encoded = cjson.encode(row)
    -- A key patched twice in one call reads its first patch.
    current[key] = encoded
    if not written[key] then table.insert(order, key) end
    written[key] = encoded
    table.insert(out, key)
    table.insert(out, type(patch.failed) == 'string' and encoded or '')
  end
end
for s = 1, #order, 1000 do
  local fields = {}
  for j = s, math.min(s + 999, #order) do
    table.insert(fields, order[j])
    table.insert(fields, written[order[j]])
  end
  redis.call('HSET', records, unpack(fields))
end
apply(counts, delta)
return out
`;
