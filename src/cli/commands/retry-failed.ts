import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { ConfigError } from '../../errors/index.ts';
import { configFor, TIMEOUT_OPTION_HELP, waitOptions } from '../shared.ts';
import { failureSummary, failureSummaryText, retryRefusal } from '../../run/retryable.ts';
import { startAndMaybeFollow } from './migrate.ts';

export function registerRetryFailedCommand(program: Command): void {
  program
    .command('retry-failed')
    .description(
      "Write a run's failed records again (after fixing the cause); records that fail again stay failed",
    )
    .argument('<runId>', 'the run whose failures to retry')
    .option('--wait', 'follow the retry run to the end')
    .option('--timeout <seconds>', TIMEOUT_OPTION_HELP)
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { wait?: boolean; timeout?: string; json?: boolean }) => {
      const { wait, timeoutSeconds } = waitOptions(opts);
      const app = await createApp(configFor([]));
      try {
        const run = await app.store.getRun(runId);
        if (!run) {
          throw new ConfigError(
            `Run ${runId} does not exist under QUEUE_PREFIX=${app.config.queuePrefix} (or its data expired after the retention time): see \`esp-sync runs\`.`,
          );
        }
        const refusal = retryRefusal(run);
        if (refusal) throw new ConfigError(refusal);
        const failures = await failureSummary(app.store, runId);
        process.stderr.write(`${failureSummaryText(runId, failures)}\n`);
        if (failures.retryable === 0) {
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ runId: null, retryOf: runId, ...failures })}\n`);
          }
          return;
        }
        await startAndMaybeFollow(app, {
          sources: run.sources,
          audiences: run.audiences,
          ignoreFingerprints: true,
          kind: 'retry',
          retryOf: runId,
          wait,
          timeoutSeconds,
          json: opts.json ?? false,
        });
      } finally {
        await app.close();
      }
    });
}
