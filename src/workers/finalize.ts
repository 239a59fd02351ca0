import type { Job } from 'bullmq';
import type { PhaseJobData } from '../queue/queues.ts';
import type { RunStatus } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import { settleRetriedRun } from './retry-failed.ts';

/** The last job of a run: settles its status from the counts and lets its personal data expire. */
export async function processFinalize(ctx: WorkerContext, job: Job<PhaseJobData>): Promise<RunStatus> {
  const { runId } = job.data;
  const run = await ctx.store.getRun(runId);
  if (!run) throw new Error(`Run ${runId} does not exist (expired or removed).`);
  if (run.kind === 'retry') await settleRetriedRun(ctx, run);
  const { counts } = await ctx.store.counts(runId);
  const status: RunStatus = counts.failed > 0 ? 'completed_with_errors' : 'completed';
  await ctx.store.finish(runId, status);
  await ctx.store.expireRun(runId, ctx.config.jobRetentionDays * 24 * 3600);
  ctx.logger.info({ runId, status, counts }, `run ${runId} ${status}`);
  return status;
}
