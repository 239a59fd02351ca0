import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig, requireHubSpot } from '../../config/env.ts';
import { startWorkers } from '../../workers/index.ts';
import { createWorkerContext } from '../../workers/context.ts';
import { parsePositiveInt } from '../shared.ts';
import { ExitCode } from '../exit-codes.ts';

/** How long SIGTERM waits for active jobs before handing them back to the queue. */
const SHUTDOWN_GRACE_MS = 30_000;

interface WorkerCommandOptions {
  concurrency?: string;
  lockDuration?: string;
  stalledInterval?: string;
  shutdownGrace?: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run the queue workers until SIGTERM or SIGINT, then stop cleanly')
    .option('--concurrency <n>', 'HubSpot write jobs at once in this process (default WORKER_CONCURRENCY)')
    .option(
      '--lock-duration <ms>',
      "how long a job's lock lasts without renewal: a crashed worker's jobs are free again after it (default 60000)",
    )
    .option(
      '--stalled-interval <ms>',
      'how often this worker looks for jobs whose worker vanished and hands them on (default 30000)',
    )
    .option(
      '--shutdown-grace <ms>',
      'on SIGTERM/SIGINT, how long active jobs may finish before the process exits and leaves them to another worker (default 30000)',
    )
    .action(async (opts: WorkerCommandOptions) => {
      const config = loadConfig();
      requireHubSpot(config);
      const concurrency = opts.concurrency
        ? parsePositiveInt(opts.concurrency, '--concurrency')
        : config.workerConcurrency;
      const lockDuration = opts.lockDuration
        ? parsePositiveInt(opts.lockDuration, '--lock-duration')
        : undefined;
      const stalledInterval = opts.stalledInterval
        ? parsePositiveInt(opts.stalledInterval, '--stalled-interval')
        : undefined;
      const graceMs = opts.shutdownGrace
        ? parsePositiveInt(opts.shutdownGrace, '--shutdown-grace')
        : SHUTDOWN_GRACE_MS;
      const app = await createApp(config);
      const ctx = createWorkerContext({ ...app });
      const running = startWorkers(ctx, {
        concurrency,
        ...(lockDuration ? { lockDuration } : {}),
        ...(stalledInterval ? { stalledInterval } : {}),
      });
      app.logger.info(
        { concurrency, prefix: config.queuePrefix, pid: process.pid },
        'workers started; stop with Ctrl-C or SIGTERM',
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          app.logger.info(
            `${signal}: taking no new jobs, finishing active ones (at most ${graceMs / 1000}s)`,
          );
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      // Jobs still active after the grace time are handed back: their lock expires and another worker takes them.
      const timer = setTimeout(() => {
        app.logger.warn('grace time over; active jobs will be picked up by another worker');
        process.exit(ExitCode.Ok);
      }, graceMs);
      timer.unref();
      await running.close();
      await app.close();
      app.logger.info('workers stopped');
    });
}
