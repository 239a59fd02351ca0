import { formatDuration } from '../../lib/time.ts';
import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { progressOf } from '../../run/follow.ts';
import type { RunStore } from '../../run/store.ts';
import type { RunCounts, RunInfo } from '../../run/types.ts';
import { differenceCounts } from '../../verify/run-store.ts';
import { parsePositiveInt } from '../shared.ts';

export interface RunListEntry {
  run: RunInfo;
  counts: RunCounts;
  /** A verify run's differences per kind. */
  differences?: ReturnType<typeof differenceCounts>;
}

/** A verify's counts: records read, differences found, and the opt-outs HubSpot does not hold. */
function verifyCounts(read: number, d: NonNullable<RunListEntry['differences']>): string {
  const total = Object.values(d).reduce((a, b) => a + b, 0);
  return `read ${read}, differences ${total} (opt-outs missing ${d.optOutMissing + d.consentUnreadable})`;
}

/** One line per run: id, status, kind and sources, when it started, how long it took, and its main counts. */
export function runListLine(entry: RunListEntry, now = Date.now()): string {
  const { run, counts } = entry;
  const started = run.startedAt ?? run.createdAt;
  const ended = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const took = run.startedAt ? formatDuration((ended - Date.parse(run.startedAt)) / 1000) : '–';
  const total = run.total === null ? '' : `/${run.total}`;
  const rate = progressOf({ run, counts, breakdown: {} }, now).rate.toFixed(1);
  return [
    run.id,
    run.status.padEnd(21),
    `${run.kind}${run.dryRun ? ' (dry run)' : ''} ${run.sources.join('+')}`.padEnd(32),
    `started ${started}`,
    `took ${took}`,
    entry.differences
      ? verifyCounts(counts.read, entry.differences)
      : `read ${counts.read}${total} (${rate}/s), failed ${counts.failed}`,
  ].join('  ');
}

export async function listRunEntries(store: RunStore, limit: number): Promise<RunListEntry[]> {
  const runs = await store.listRuns(limit);
  return Promise.all(
    runs.map(async (run) => {
      const { counts, breakdown } = await store.counts(run.id);
      return run.kind === 'verify'
        ? { run, counts, differences: differenceCounts(breakdown) }
        : { run, counts };
    }),
  );
}

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('List recent runs, newest first, with their status and counts')
    .option('--limit <n>', 'how many runs to list', '20')
    .option('--json', 'print a JSON array of { run, counts }')
    .action(async (opts: { limit: string; json?: boolean }) => {
      const limit = parsePositiveInt(opts.limit, '--limit');
      const app = await createApp(loadConfig());
      try {
        const entries = await listRunEntries(app.store, limit);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(entries)}\n`);
          return;
        }
        if (entries.length === 0) {
          process.stdout.write(
            `No runs yet under QUEUE_PREFIX=${app.config.queuePrefix}: start one with \`esp-sync migrate --source …\`.\n`,
          );
          return;
        }
        for (const entry of entries) process.stdout.write(`${runListLine(entry)}\n`);
      } finally {
        await app.close();
      }
    });
}
