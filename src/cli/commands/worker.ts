import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig, requireHubSpot } from '../../config/env.ts';
import { startWorkers } from '../../workers/index.ts';
import { createWorkerContext } from '../../workers/context.ts';
import { parsePositiveInt } from '../shared.ts';
import { ExitCode } from '../exit-codes.ts';

/** How long SIGTERM waits for active jobs before handing them back to the queue. */
const SHUTDOWN_GRACE_MS = 30_000;

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run the queue workers until SIGTERM or SIGINT, then stop cleanly')
    .option('--concurrency <n>', 'HubSpot write jobs at once in this process (default WORKER_CONCURRENCY)')
    .action(async (opts: { concurrency?: string }) => {
      const config = loadConfig();
      requireHubSpot(config);
      const concurrency = opts.concurrency
        ? parsePositiveInt(opts.concurrency, '--concurrency')
        : config.workerConcurrency;
      const app = await createApp(config);
      const ctx = createWorkerContext({ ...app });
      const running = startWorkers(ctx, { concurrency });
      app.logger.info(
        { concurrency, prefix: config.queuePrefix },
        'workers started; stop with Ctrl-C or SIGTERM',
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          app.logger.info(`${signal}: finishing active jobs (at most ${SHUTDOWN_GRACE_MS / 1000}s)`);
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      // Jobs still active after the grace time are handed back: their lock expires and another worker takes them.
      const timer = setTimeout(() => {
        app.logger.warn('grace time over; active jobs will be picked up by another worker');
        process.exit(ExitCode.Ok);
      }, SHUTDOWN_GRACE_MS);
      timer.unref();
      await running.close();
      await app.close();
      app.logger.info('workers stopped');
    });
}
