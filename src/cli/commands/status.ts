import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { RuntimeError } from '../../errors/index.ts';
import { snapshot } from '../../run/follow.ts';
import { progressLine, summaryJson, summaryText } from '../summary.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show a run (default: the latest) with its counts')
    .argument('[runId]', 'run id (see `esp-sync status`)')
    .option('--json', 'print the run as JSON')
    .action(async (runId: string | undefined, opts: { json?: boolean }) => {
      const app = await createApp(loadConfig());
      try {
        const id = runId ?? (await app.store.latestRunId());
        if (!id) throw new RuntimeError('No run yet: start one with `esp-sync migrate --source …`.');
        const s = await snapshot(app.store, id);
        if (!s) {
          throw new RuntimeError(`Run ${id} does not exist (or its data expired after the retention time).`);
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
