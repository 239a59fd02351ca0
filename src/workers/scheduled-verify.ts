import type { Job } from 'bullmq';
import { errorMessage } from '../errors/index.ts';
import { isFinished } from '../run/follow.ts';
import { newRunId } from '../run/store.ts';
import { createAlerter } from '../monitoring/alerts.ts';
import type { ScheduledSyncData } from '../run/schedules.ts';
import { VerifyRunStore } from '../verify/run-store.ts';
import { runVerify } from '../verify/verify-run.ts';
import { verifyDeps } from '../verify/wiring.ts';
import type { WorkerContext } from './context.ts';

/** A scheduled verify's job: the schedule's data, and the run this job started (set once it has one). */
type ScheduledVerifyData = ScheduledSyncData & { verifyRunId?: string };

/** The run of an earlier attempt of this job, whose worker stopped mid-way: it ends failed, saying so. */
async function endAbandoned(ctx: WorkerContext, runId: string | undefined): Promise<void> {
  const run = runId ? await ctx.store.getRun(runId) : null;
  if (run?.kind === 'verify' && !isFinished(run)) {
    await ctx.store.finish(
      run.id,
      'failed',
      'The worker running this verify stopped; the schedule started a new verify run.',
    );
  }
}

/**
 * Fired by a verify schedule: runs a verify of the schedule's sources here, on the worker, as a run of its own
 * (it reads through the same shared rate limits as the workers' jobs, takes no source lock and moves no
 * watermark), then alerts when it found a missing opt-out or a subscription without consent. The job answers
 * the run id even when the verify failed, so `esp-sync schedule list` shows the run and why.
 */
export async function processScheduledVerify(
  ctx: WorkerContext,
  job: Job<ScheduledVerifyData>,
): Promise<{ runId: string }> {
  const { scheduleId, sources, audiences } = job.data;
  const runs = new VerifyRunStore(ctx.store);
  await endAbandoned(ctx, job.data.verifyRunId);
  // The run's id is remembered in the job before the run exists: should this worker die at any point after, the
  // job runs again and ends this run first (a run created before its id was recorded would stay running).
  const runId = newRunId();
  await job.updateData({ ...job.data, verifyRunId: runId });
  const run = await runs.create({ sources, audiences }, runId);
  const log = { scheduleId, runId: run.id };
  ctx.logger.info(log, `scheduled verify ${scheduleId} started run ${run.id}`);
  const alerter = createAlerter({ webhookUrl: ctx.config.alerts.webhookUrl, logger: ctx.logger });
  const deps = verifyDeps(ctx, { progress: (message) => ctx.logger.info(log, `verify: ${message}`) });
  try {
    const report = await runVerify({ ...deps.verify, keepDifferences: false }, runs, run.id, {
      sources,
      audiences,
    });
    const { optOutMissing, consentUnreadable, subscribedWithoutConsent } = report.counts;
    await alerter.verifyFound(run.id, { optOutMissing, consentUnreadable, subscribedWithoutConsent });
  } catch (err) {
    // runVerify has ended the run (failed or cancelled); a verify that could not finish proves nothing.
    const ended = await ctx.store.getRun(run.id);
    ctx.logger.warn({ ...log, err: errorMessage(err) }, `scheduled verify ${scheduleId} did not finish`);
    if (ended?.status === 'failed') await alerter.runFinished(ended, (await ctx.store.counts(run.id)).counts);
  }
  return { runId: run.id };
}
