/**
 * Scenario 3, second row: HubSpot calls per 1,000 records of a full migration from both sources, with batch
 * upserts and in import mode (`--mode import`: HubSpot CRM imports of CSV files), on the same seed. Counts, not
 * times, so the figures mean the same on a loaded machine; limits are off. The import's polls depend on how
 * long HubSpot takes (the sandbox's import delay), not on the number of records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../src/demo/local-stack.ts';
import type { RunMode } from '../../src/run/types.ts';
import { hubspotCallsByKind, otherRoutes, sum, type ByKind } from '../lib/calls.ts';
import type { BenchRedis } from '../lib/redis-server.ts';
import { callsSandbox } from './calls.ts';
import type { Row } from '../lib/report.ts';

export interface ModeCalls {
  mode: RunMode;
  status: string;
  records: number;
  made: ByKind;
  otherRoutes: Record<string, number>;
  total: number;
  perThousand: number;
}

async function migrateIn(
  mode: RunMode,
  redis: BenchRedis,
  records: number,
  prefix: string,
): Promise<ModeCalls> {
  const dir = mkdtempSync(join(tmpdir(), 'esp-bench-import-'));
  const stack = await startLocalStack({
    queuePrefix: `${prefix}-${mode}`,
    redisUrl: redis.url,
    sandbox: callsSandbox(records),
    env: { WORKER_CONCURRENCY: '8', IMPORT_DIR: dir, IMPORT_POLL_MS: '500' },
  });
  try {
    stack.sandbox.resetCallCounts();
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'], kind: 'migrate', mode });
    const counts = stack.sandbox.callCounts();
    const made = hubspotCallsByKind(counts);
    const total = sum(made);
    return {
      mode,
      status: done.run.status,
      records: done.counts.read,
      made,
      otherRoutes: otherRoutes(counts),
      total,
      perThousand: (1000 * total) / Math.max(1, done.counts.read),
    };
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runImportCallsScenario(
  redis: BenchRedis,
  records: number,
  prefix: string,
): Promise<ModeCalls[]> {
  return [
    await migrateIn('batch', redis, records, prefix),
    await migrateIn('import', redis, records, prefix),
  ];
}

export function importCallRows(runs: ModeCalls[]): Row[] {
  return runs.map((r) => ({
    scenario: '3 calls vs floor',
    measure: `HubSpot calls per 1,000 records, full migration of ${r.records.toLocaleString('en-US')} records, ${r.mode} mode`,
    result:
      `${r.perThousand.toFixed(1)} (${r.total} calls: ${r.made.upsert} upserts, ` +
      `${
        Object.entries(r.otherRoutes)
          .map(([route, n]) => `${n}× ${route}`)
          .join(', ') || 'no other calls'
      }; run ${r.status})`,
    target: 'report',
    met: null,
  }));
}
