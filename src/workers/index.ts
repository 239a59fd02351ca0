import { UnrecoverableError, Worker, type Job, type Processor } from 'bullmq';
import {
  AuthError,
  ConfigError,
  MalformedResponseError,
  QuotaExhaustedError,
  RateLimitedError,
  errorMessage,
} from '../errors/index.ts';
import { QUEUE_NAMES, WORKER_SETTINGS, type QueueName } from '../queue/queues.ts';
import { isFinished } from '../run/follow.ts';
import type { WorkerContext } from './context.ts';
import { processFinalize } from './finalize.ts';
import { processReadPhase } from './read-phase.ts';
import { processSourcePage, SOURCE_PAGE_JOB } from './source-page.ts';
import { processSubscribePhase } from './subscribe.ts';
import { processSubscribeBatch } from './subscribe-batch.ts';
import { PENDING_OPT_OUTS_JOB, processPendingOptOuts } from './opt-outs.ts';
import { checkJobData } from './job-schemas.ts';
import { RefusedJobError } from './job-signature.ts';
import { processReleaseRun, queueReleaseWhenDrained, RELEASE_RUN_JOB } from './release-run.ts';
import { processWriteBatch } from './write-batch.ts';
import { contextForRun } from './dry-run.ts';
import { processScheduledSync } from './scheduled-sync.ts';
import { processScheduledVerify } from './scheduled-verify.ts';
import { SCHEDULED_SYNC_JOB, SCHEDULED_VERIFY_JOB } from '../run/schedules.ts';

type Handler = (ctx: WorkerContext, job: Job, token: string) => Promise<unknown>;

const HANDLERS: Record<string, Handler> = {
  'read-phase': processReadPhase,
  'subscribe-phase': processSubscribePhase,
  finalize: processFinalize,
  [SOURCE_PAGE_JOB]: processSourcePage,
  'write-batch': processWriteBatch,
  'subscribe-batch': processSubscribeBatch,
  [PENDING_OPT_OUTS_JOB]: processPendingOptOuts,
  [RELEASE_RUN_JOB]: processReleaseRun,
  [SCHEDULED_SYNC_JOB]: processScheduledSync,
  [SCHEDULED_VERIFY_JOB]: processScheduledVerify,
};

export interface WorkerOptions {
  /** Jobs at once on the HubSpot queue per process; the shared rate limit, not this, bounds the request rate. */
  concurrency: number;
  /** How often a crashed worker's jobs are noticed and handed to another (ms). */
  stalledInterval?: number;
  lockDuration?: number;
}

const CONCURRENCY: Record<QueueName, (o: WorkerOptions) => number> = {
  runs: () => 4,
  mailchimp: () => 4,
  'constant-contact': () => 1,
  hubspot: (o) => o.concurrency,
};

/**
 * Turns the error taxonomy into queue behaviour: rate limits and quotas park the whole queue (every worker)
 * without using up attempts; auth and config errors stop the run; anything transient is retried with backoff.
 */
function processorFor(ctx: WorkerContext, worker: () => Worker): Processor {
  return async (job, token) => {
    const handler = HANDLERS[job.name];
    if (!handler) throw new UnrecoverableError(`No processor for job "${job.name}".`);
    checkJobData(job.name, job.data, job.id);
    const runId = (job.data as { runId?: string }).runId;
    const runCtx = await contextForRun(ctx, runId);
    try {
      return await handler(runCtx, job, token!);
    } catch (err) {
      if (err instanceof RateLimitedError) {
        await worker().rateLimit(err.waitMs);
        if (runId) await ctx.store.tick(runId, 'rateLimited');
        throw Worker.RateLimitError();
      }
      if (err instanceof QuotaExhaustedError) {
        const waitMs = Math.max(1000, err.resetAt.getTime() - Date.now());
        ctx.logger.warn(
          { api: err.api, resetAt: err.resetAt.toISOString() },
          `${err.api} daily quota used up: its jobs are paused until ${err.resetAt.toISOString()}`,
        );
        if (runId) {
          await ctx.store.addNotice(
            runId,
            `${err.api} daily quota reached; paused until ${err.resetAt.toISOString()}.`,
          );
        }
        await worker().rateLimit(waitMs);
        throw Worker.RateLimitError();
      }
      // An answer that could not be read was already sent twice (src/http/retry.ts): more attempts won't help.
      if (err instanceof AuthError || err instanceof ConfigError || err instanceof MalformedResponseError) {
        if (runId) await failRun(runCtx, runId, err.message);
        ctx.logger.error({ runId, job: job.name }, err.message);
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
  };
}

/** Marks a run failed (once); its sources are freed for the next run when its last job has ended. */
async function failRun(ctx: WorkerContext, runId: string, message: string): Promise<void> {
  const run = await ctx.store.getRun(runId);
  if (!run) return;
  if (!isFinished(run)) {
    await ctx.store.finish(runId, 'failed', message);
    await ctx.runFinished(runId);
  }
  await queueReleaseWhenDrained(ctx, runId);
}

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(ctx: WorkerContext, options: WorkerOptions): RunningWorkers {
  const workers = Object.values(QUEUE_NAMES).map((name) => {
    const worker: Worker = new Worker(
      name,
      processorFor(ctx, () => worker),
      {
        connection: ctx.queues.connection,
        prefix: ctx.queues.prefix,
        concurrency: CONCURRENCY[name](options),
        maxStalledCount: 5,
        // How often a rate-limited (or quota-paused) queue is checked again: an operator's manual resume, or
        // a reset that came early, takes effect within seconds.
        maximumRateLimitDelay: 5_000,
        stalledInterval: options.stalledInterval ?? 30_000,
        lockDuration: options.lockDuration ?? 60_000,
        settings: WORKER_SETTINGS,
      },
    );
    worker.on('failed', (job, err) => {
      if (!job) return;
      const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
      const runId = (job.data as { runId?: string }).runId;
      if (!exhausted || !runId) return;
      if (err instanceof RefusedJobError) {
        ctx.logger.error({ runId, job: job.name, jobId: job.id }, err.message);
        return;
      }
      ctx.logger.error({ runId, job: job.name, jobId: job.id }, `job failed for good: ${errorMessage(err)}`);
      // The run's own context: a dry run's failure reaches no metrics and no alert.
      void contextForRun(ctx, runId)
        .then((runCtx) => failRun(runCtx, runId, `${job.name} failed: ${errorMessage(err)}`))
        .catch((e: unknown) => ctx.logger.error({ err: errorMessage(e) }, 'could not mark the run failed'));
    });
    worker.on('error', (err) =>
      ctx.logger.error({ err: errorMessage(err) }, `worker error on queue ${name}`),
    );
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
