import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors/index.ts';
import type { PendingOptOutSummary } from '../../core/consent.ts';
import { ConsentLedger } from '../../ledger/ledger.ts';
import { snapshot } from '../../run/follow.ts';
import { verifyStatusText } from '../../verify/format.ts';
import { VerifyRunStore } from '../../verify/run-store.ts';
import { progressLine, summaryJson, summaryText } from '../summary.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show a run (default: the latest) with its counts')
    .argument(
      '[runId]',
      'run id as printed by migrate/sync and listed by `esp-sync runs` (default: the latest run)',
    )
    .option('--json', 'print the run as JSON')
    .action(async (runId: string | undefined, opts: { json?: boolean }) => {
      const app = await createApp(loadConfig());
      try {
        const id = runId ?? (await app.store.latestRunId());
        if (!id) {
          throw new ConfigError(
            `No run yet under QUEUE_PREFIX=${app.config.queuePrefix}: start one with \`esp-sync migrate --source …\`.`,
          );
        }
        const s = await snapshot(app.store, id);
        if (!s) {
          throw new ConfigError(
            `Run ${id} does not exist under QUEUE_PREFIX=${app.config.queuePrefix} (or its data expired after the retention time): see \`esp-sync runs\`.`,
          );
        }
        const pending = await new ConsentLedger(app.redis, app.config.queuePrefix).pendingOptOutSummary();
        if (s.run.kind === 'verify') {
          const state = await new VerifyRunStore(app.store).state(id);
          process.stdout.write(
            opts.json
              ? `${JSON.stringify({ run: s.run, counts: s.counts, verify: state, pendingOptOuts: pending })}\n`
              : `${verifyStatusText(s.run, state, s.counts.read)}${pendingOptOutsLine(pending)}`,
          );
          return;
        }
        if (opts.json) {
          const body = {
            ...(JSON.parse(summaryJson(s)) as Record<string, unknown>),
            run: s.run,
            breakdown: s.breakdown,
            pendingOptOuts: pending,
          };
          process.stdout.write(`${JSON.stringify(body)}\n`);
        } else {
          process.stdout.write(`${summaryText(s)}\n${progressLine(s)}\n${pendingOptOutsLine(pending)}`);
        }
      } finally {
        await app.close();
      }
    });
}

/** Opt-outs not confirmed by HubSpot belong to no single run, but whoever looks at a run must see them. */
function pendingOptOutsLine({ count, oldestSince }: PendingOptOutSummary): string {
  if (count === 0) return '';
  return `Opt-outs waiting for HubSpot's confirmation: ${count} (oldest since ${oldestSince}); every run sends them again.\n`;
}
