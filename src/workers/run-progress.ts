import { jobId, QUEUE_NAMES } from '../queue/queues.ts';
import type { WorkerContext } from './context.ts';

/**
 * The percentage this process last put on each phase job. Every write batch reports, and most batches of a
 * large run leave the percentage where it was: those write nothing (a report of another process in between
 * could only have been as high or higher, counts never go down).
 */
const reported = new Map<string, number>();
const REMEMBERED = 1000;

async function setProgress(ctx: WorkerContext, id: string, percent: number): Promise<void> {
  if (reported.get(id) === percent) return;
  try {
    // By id: loading the job (Job.fromId) only to call its updateProgress was a read and a parse per batch.
    await ctx.queues.byName[QUEUE_NAMES.runs].updateJobProgress(id, percent);
  } catch (err) {
    // The phase job is gone (removed by hand or by age): nothing to move, as before.
    if (err instanceof Error && /missing key/i.test(err.message)) return;
    throw err;
  }
  if (reported.size >= REMEMBERED) reported.clear();
  reported.set(id, percent);
}

/**
 * Moves the progress bar of the run's read-phase job in Bull Board: records settled out of the total the
 * sources announced. The run page and `--wait` read the same counters; this only makes the queue view agree.
 */
export async function reportRunProgress(ctx: WorkerContext, runId: string): Promise<void> {
  const run = await ctx.store.getRun(runId);
  if (!run?.total) return;
  const { counts } = await ctx.store.counts(runId);
  await setProgress(ctx, jobId(runId, 'read'), Math.min(100, Math.floor((100 * counts.read) / run.total)));
}

/** The same for the subscribe phase's job: subscriptions settled out of those queued. */
export async function reportSubscribeProgress(ctx: WorkerContext, runId: string): Promise<void> {
  const run = await ctx.store.getRun(runId);
  if (!run || run.subscribe.total === 0) return;
  await setProgress(
    ctx,
    jobId(runId, 'subscribe'),
    Math.min(100, Math.floor((100 * run.subscribe.done) / run.subscribe.total)),
  );
}
