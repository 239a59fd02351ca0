import { UnrecoverableError, type Job } from 'bullmq';
import type { PhaseJobData } from '../queue/queues.ts';
import type { RunStatus } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import { settleRetriedRun } from './retry-failed.ts';
import { WatermarkStore } from '../run/watermarks.ts';
import { releaseRun } from '../run/start.ts';
import { dropDryRunState } from './dry-run.ts';

/**
 * Every page of the run was read and every record ended in an outcome (failures sit in the dead letters for
 * retry-failed), so each source's watermark may move up to the time the run pinned when it started.
 */
async function advanceWatermarks(ctx: WorkerContext, runId: string): Promise<void> {
  const watermarks = new WatermarkStore(ctx.redis, ctx.config.queuePrefix);
  for (const [scope, at] of await ctx.store.pinnedWatermarks(runId)) await watermarks.advance(scope, at);
}

/** The last job of a run: settles its status from the counts and lets its personal data expire. */
export async function processFinalize(ctx: WorkerContext, job: Job<PhaseJobData>): Promise<RunStatus> {
  const { runId } = job.data;
  const run = await ctx.store.getRun(runId);
  if (!run) throw new UnrecoverableError(`Run ${runId} does not exist (expired or removed).`);
  await ctx.store.setPhase(runId, 'finishing');
  if (run.kind === 'retry') await settleRetriedRun(ctx, run);
  const { counts } = await ctx.store.counts(runId);
  // Every record read must have its outcome: jobs removed by hand (an emptied queue) fail the run, and its
  // watermarks stay where they were, so the next run reads those records again.
  const lost = await ctx.store.recordsWithoutOutcome(runId);
  if (lost > 0 && run.status !== 'failed') {
    await ctx.store.finish(
      runId,
      'failed',
      `${lost} record(s) read have no outcome: their jobs were removed from the queues (by hand?). Nothing was lost for good: run the migration or sync again.`,
    );
  }
  // A run a stopping error already failed stays failed, and its watermarks stay where they were; so do a
  // cancelled run's (it did not read everything).
  const status: RunStatus =
    run.status === 'failed' || lost > 0
      ? 'failed'
      : run.cancelRequested
        ? 'cancelled'
        : counts.failed > 0
          ? 'completed_with_errors'
          : 'completed';
  // Watermarks and the source lock first: whoever sees the run finished may start the next one at once.
  if (run.kind !== 'retry' && !run.dryRun && status !== 'failed' && status !== 'cancelled') {
    await advanceWatermarks(ctx, runId);
  }
  await releaseRun(ctx.store, run);
  if (status !== 'failed') await ctx.store.finish(runId, status);
  await ctx.runFinished(runId);
  await alertOnOldPendingOptOuts(ctx);
  await ctx.store.dropReadMarks(runId);
  if (run.dryRun) await dropDryRunState(ctx, runId);
  await ctx.store.expireRun(runId, ctx.config.jobRetentionDays * 24 * 3600);
  ctx.logger.info({ runId, status, counts }, `run ${runId} ${status}`);
  return status;
}

/** Opt-out laws give days, not weeks: an opt-out HubSpot has not confirmed for a day raises an alert. */
export const PENDING_OPT_OUT_ALERT_MS = 24 * 3600 * 1000;

async function alertOnOldPendingOptOuts(ctx: WorkerContext): Promise<void> {
  const { count, oldestSince } = await ctx.ledger.pendingOptOutSummary();
  if (!oldestSince || Date.now() - Date.parse(oldestSince) < PENDING_OPT_OUT_ALERT_MS) return;
  await ctx.consentAlert(
    'opt_outs_pending_too_long',
    `${count} opt-out(s) are not confirmed by HubSpot, the oldest since ${oldestSince}: every run sends them again; see \`esp-sync status\` and fix what HubSpot refuses.`,
  );
}
