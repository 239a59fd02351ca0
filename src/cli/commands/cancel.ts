import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors/index.ts';

export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description(
      'Stop a queued or running run cleanly: it reads no further page, still writes the opt-outs it has queued, subscribes no one and ends "cancelled"',
    )
    .argument('<runId>', 'the run to stop (see `esp-sync runs`)')
    .action(async (runId: string) => {
      const app = await createApp(loadConfig());
      try {
        const before = await app.store.getRun(runId);
        if (!before) {
          throw new ConfigError(
            `Run ${runId} does not exist under QUEUE_PREFIX=${app.config.queuePrefix} (or its data expired): see \`esp-sync runs\`.`,
          );
        }
        if (before.finishedAt) {
          throw new ConfigError(
            `Run ${runId} has already ended (${before.status}); there is nothing to cancel.`,
          );
        }
        await app.store.requestCancel(runId);
        process.stdout.write(
          `Cancel requested for run ${runId}: it stops at its next job, writes the opt-outs it has queued and ends "cancelled". Follow it with \`esp-sync status ${runId}\`.\n`,
        );
      } finally {
        await app.close();
      }
    });
}
