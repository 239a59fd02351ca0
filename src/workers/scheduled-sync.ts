import type { Job } from 'bullmq';
import { RunBusyError, startRun } from '../run/start.ts';
import { Schedules, type ScheduledSyncData } from '../run/schedules.ts';
import { QUEUE_NAMES } from '../queue/queues.ts';
import type { WorkerContext } from './context.ts';

/**
 * Fired by a job scheduler: starts an incremental sync, unless the previous run of these sources is still
 * going, in which case this firing is skipped and counted (never two runs of a source in parallel).
 */
export async function processScheduledSync(
  ctx: WorkerContext,
  job: Job<ScheduledSyncData>,
): Promise<{ runId: string } | { skipped: string }> {
  const { scheduleId, sources, audiences } = job.data;
  try {
    const run = await startRun(ctx, { sources, audiences, ignoreFingerprints: false, kind: 'sync' });
    ctx.logger.info({ scheduleId, runId: run.id }, `scheduled sync ${scheduleId} started run ${run.id}`);
    return { runId: run.id };
  } catch (err) {
    if (!(err instanceof RunBusyError)) throw err;
    await new Schedules(ctx.queues.byName[QUEUE_NAMES.runs], ctx.redis, ctx.config.queuePrefix).countSkipped(
      scheduleId,
    );
    ctx.logger.warn(
      { scheduleId, heldBy: err.heldBy },
      `scheduled sync ${scheduleId} skipped: run ${err.heldBy} still running`,
    );
    return { skipped: err.heldBy };
  }
}
