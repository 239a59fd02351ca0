import type { Redis } from 'ioredis';
import { COUNT_NAMES, type RunCounts, type RunStatus } from '../run/types.ts';
import { metricsKeys } from './metrics.ts';

// Adds a finished run's counts to the cumulative counters once, however often it is reported
// (finalize retried, a failed run reported from two places). KEYS: totals hash, recorded marker.
// ARGV: marker ttl, then (field, increment) pairs.
const ADD_ONCE = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

/** The marker outlives any plausible retry of a finalize job. */
const RECORDED_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Adds a finished run's counts and status to the cumulative /metrics counters. Idempotent per run; answers
 * whether this call was the first (callers use that to alert exactly once).
 */
export async function recordRunTotals(
  redis: Redis,
  prefix: string,
  runId: string,
  status: RunStatus,
  counts: RunCounts,
): Promise<boolean> {
  const keys = metricsKeys(prefix);
  const pairs = COUNT_NAMES.flatMap((name) => [`contacts|${name}`, String(counts[name])]);
  pairs.push(`runs|${status}`, '1');
  const first = await redis.eval(
    ADD_ONCE,
    2,
    keys.runs,
    keys.runRecorded(runId),
    String(RECORDED_TTL_SECONDS),
    ...pairs,
  );
  return first === 1;
}

export interface RunTotals {
  contacts: RunCounts;
  runsByStatus: Record<string, number>;
}

export async function readRunTotals(redis: Redis, prefix: string): Promise<RunTotals> {
  const raw = await redis.hgetall(metricsKeys(prefix).runs);
  const contacts = Object.fromEntries(
    COUNT_NAMES.map((name) => [name, Number(raw[`contacts|${name}`] ?? 0)]),
  ) as RunCounts;
  const runsByStatus: Record<string, number> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field.startsWith('runs|')) runsByStatus[field.slice(5)] = Number(value);
  }
  return { contacts, runsByStatus };
}
