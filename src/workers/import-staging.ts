/**
 * Import mode: the contacts a write batch would have upserted wait in Redis for the run's HubSpot import, one
 * hash field per address holding that address's records in the order their properties were claimed (under the
 * address lock), so the import writes each person once with the properties batch upserts would have left.
 */
import type { Redis } from 'ioredis';
import type { SourceContact } from '../core/contact.ts';
import { importKeys } from '../run/imports.ts';
import type { WorkerContext } from './context.ts';
import type { MoveVerdict } from './email-moves.ts';
import type { OptOutResult } from './opt-outs.ts';
import type { WrittenRecord } from './write-settle.ts';

/** A record staged for the import, with what its settlement needs once the import has answered. */
export interface StagedRecord {
  record: SourceContact;
  move?: MoveVerdict;
  isOwner: boolean;
  optOut?: OptOutResult;
  fingerprint: string;
  /** The record had been written before (by an earlier run): its import row updates rather than creates. */
  known: boolean;
}

// Appends each entry to its address's array in one round trip; the caller holds the addresses' locks.
const APPEND = `
for i = 1, #ARGV - 1, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur then cur = string.sub(cur, 1, -2) .. ',' .. ARGV[i + 1] .. ']' else cur = '[' .. ARGV[i + 1] .. ']' end
  redis.call('HSET', KEYS[1], ARGV[i], cur)
end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return 1`;

export async function stageForImport(
  ctx: WorkerContext,
  runId: string,
  written: WrittenRecord[],
  known: (key: string) => boolean,
): Promise<void> {
  if (written.length === 0) return;
  const args = written.flatMap((w) => {
    const staged: StagedRecord = {
      record: w.record,
      ...(w.move ? { move: w.move } : {}),
      isOwner: w.isOwner,
      ...(w.optOut ? { optOut: w.optOut } : {}),
      fingerprint: w.fingerprint,
      known: known(w.record.key),
    };
    return [w.record.email, JSON.stringify(staged)];
  });
  const key = importKeys(ctx.config.queuePrefix, runId).staged;
  await ctx.redis.eval(APPEND, 1, key, ...args, String(ctx.store.retentionSeconds));
}

/**
 * An address's staged records: a write batch run again after a crash stages its records again, so each record
 * counts once, at its last place.
 */
export function parseStaged(raw: string): StagedRecord[] {
  const all = JSON.parse(raw) as StagedRecord[];
  const last = new Map(all.map((s, i) => [s.record.key, i]));
  return all.filter((s, i) => last.get(s.record.key) === i);
}

/** The properties one import row carries: every staged record's, in claim order (later ones win). */
export function mergedProperties(staged: StagedRecord[]): Record<string, string> {
  return Object.assign({}, ...staged.map((s) => s.record.properties)) as Record<string, string>;
}

/** Staged addresses with their records, a chunk at a time (HSCAN: flat memory whatever the run's size). */
export async function* scanStaged(
  redis: Redis,
  key: string,
): AsyncGenerator<[email: string, staged: StagedRecord[]][]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 500);
    cursor = next;
    const chunk: [string, StagedRecord[]][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) chunk.push([flat[i]!, parseStaged(flat[i + 1]!)]);
    if (chunk.length > 0) yield chunk;
  } while (cursor !== '0');
}
