import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors/index.ts';
import { snapshot } from '../../run/follow.ts';
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
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ ...JSON.parse(summaryJson(s)), run: s.run, breakdown: s.breakdown })}\n`,
          );
        } else {
          process.stdout.write(`${summaryText(s)}\n${progressLine(s)}\n`);
        }
      } finally {
        await app.close();
      }
    });
}
