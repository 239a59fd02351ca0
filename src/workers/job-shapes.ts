/**
 * Hand-written twins of the busiest job schemas of job-schemas.ts: a write batch carries a hundred records and a
 * page up to two hundred, and zod's check copied every record and property of each (about 7 µs of worker CPU
 * per record). A twin only ever says yes when its zod schema would say yes too; on no, the zod schema decides
 * and words the refusal. So a twin may be stricter than its schema (an odd prototype, say), never looser.
 * Job data comes from JSON (BullMQ stores it so): no symbol keys, no getters, no holes to think about.
 */

const SOURCES: ReadonlySet<unknown> = new Set(['mailchimp', 'constant-contact']);
const CONSENT_STATES: ReadonlySet<unknown> = new Set(['subscribe', 'none', 'optOut']);

/** zod's object test: what z.object()/z.looseObject() accept. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown, min: number, max = Infinity): boolean {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

/** z.record(z.string(), z.string()), for plain objects only (a JSON object's prototype is Object.prototype). */
function isStringRecord(value: unknown): boolean {
  if (!isObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

/** The `record` schema of job-schemas.ts. */
export function isRecordShape(value: unknown): boolean {
  return (
    isObject(value) &&
    isString(value.key, 1) &&
    SOURCES.has(value.source) &&
    isString(value.email, 3) &&
    isObject(value.consent) &&
    CONSENT_STATES.has(value.consent.state) &&
    isStringRecord(value.properties)
  );
}

/** Every item is a record; `min` and `max` bound the list's length. */
export function isRecordList(value: unknown, min: number, max: number): boolean {
  if (!Array.isArray(value) || value.length < min || value.length > max) return false;
  for (const item of value) if (!isRecordShape(item)) return false;
  return true;
}

/** The 'write-batch' schema of job-schemas.ts. */
export function isWriteBatchShape(data: unknown): boolean {
  return isObject(data) && isString(data.runId, 1, 100) && isRecordList(data.records, 1, 100);
}

/** The 'source-page' schema of job-schemas.ts: the records a page carries to the next one are checked too. */
export function isSourcePageShape(data: unknown): boolean {
  return (
    isObject(data) &&
    isString(data.runId, 1, 100) &&
    isString(data.chain, 1) &&
    Number.isSafeInteger(data.index) &&
    (data.index as number) >= 0 &&
    isObject(data.checkpoint) &&
    SOURCES.has(data.checkpoint.source) &&
    (data.carry === undefined || isRecordList(data.carry, 0, 200))
  );
}
