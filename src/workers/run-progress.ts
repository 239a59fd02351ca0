import { Job } from 'bullmq';
import { jobId, QUEUE_NAMES } from '../queue/queues.ts';
import type { WorkerContext } from './context.ts';

/**
 * Moves the progress bar of the run's read-phase job in Bull Board: records settled out of the total the
 * sources announced. The run page and `--wait` read the same counters; this only makes the queue view agree.
 */
export async function reportRunProgress(ctx: WorkerContext, runId: string): Promise<void> {
  const run = await ctx.store.getRun(runId);
  if (!run?.total) return;
  const { counts } = await ctx.store.counts(runId);
  const job = await Job.fromId(ctx.queues.byName[QUEUE_NAMES.runs], jobId(runId, 'read'));
  await job?.updateProgress(Math.min(100, Math.floor((100 * counts.read) / run.total)));
}

/** The same for the subscribe phase's job: subscriptions settled out of those queued. */
export async function reportSubscribeProgress(ctx: WorkerContext, runId: string): Promise<void> {
  const run = await ctx.store.getRun(runId);
  if (!run || run.subscribe.total === 0) return;
  const job = await Job.fromId(ctx.queues.byName[QUEUE_NAMES.runs], jobId(runId, 'subscribe'));
  await job?.updateProgress(Math.min(100, Math.floor((100 * run.subscribe.done) / run.subscribe.total)));
}
