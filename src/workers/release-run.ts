import { DelayedError, type Job } from 'bullmq';
import { jobId, QUEUE_NAMES } from '../queue/queues.ts';
import { releaseRun } from '../run/start.ts';
import { scanTargets } from '../lib/redis.ts';
import { failChainTails } from './chain-tails.ts';
import type { WorkerContext } from './context.ts';
import { dropDryRunState } from './dry-run.ts';
import { failUnsettledImports, importStopped } from './import-failure.ts';

export const RELEASE_RUN_JOB = 'release-run';
const CHECK_EVERY_MS = 2_000;

/**
 * A run that failed keeps its source lock until its last job has ended: write batches and subscribe batches
 * of a failed run may still be writing, and a second run of the same source must not start beside them.
 * Queued when a job fails for good; checks again every few seconds until nothing of the run is left.
 */
export async function queueReleaseWhenDrained(ctx: WorkerContext, runId: string): Promise<void> {
  await ctx.queues.byName[QUEUE_NAMES.runs].add(
    RELEASE_RUN_JOB,
    { runId },
    { jobId: jobId(runId, 'release'), delay: CHECK_EVERY_MS, attempts: 3 },
  );
}

export async function processReleaseRun(
  ctx: WorkerContext,
  job: Job<{ runId: string }>,
  token: string,
): Promise<void> {
  const run = await ctx.store.getRun(job.data.runId);
  if (!run) return;
  if (await runHasUnfinishedJobs(ctx, run.id, job.id)) {
    await job.moveToDelayed(Date.now() + CHECK_EVERY_MS, token);
    throw new DelayedError();
  }
  // Before the sources are free: records its chains left for the end of the read phase end failed, for retry,
  await failChainTails(ctx, run.id);
  // and so do records an import-mode run staged but never imported.
  if (run.mode === 'import') {
    const why = `the run failed before its HubSpot import wrote it (${run.error ?? 'no reason recorded'})`;
    await failUnsettledImports(ctx, run.id, importStopped(why));
  }
  await releaseRun(ctx.store, run);
  // A failed dry run never reaches finalize: its copy of the cross-run state goes here.
  if (run.dryRun) await dropDryRunState(ctx, run.id);
}

/** Any job of the run (their ids start with the run id) in any queue that has not finished yet. */
async function runHasUnfinishedJobs(
  ctx: WorkerContext,
  runId: string,
  self: string | undefined,
): Promise<boolean> {
  const own = jobId(runId);
  // On a cluster every master is scanned: SCAN through the cluster client reaches one node only.
  for (const node of scanTargets(ctx.redis)) {
    for (const queue of Object.values(QUEUE_NAMES)) {
      const queueKey = `${ctx.config.queuePrefix}:${queue}:`;
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${queueKey}${own}.*`, 'COUNT', 1000);
        cursor = next;
        // Job hashes only: ":logs", ":dependencies" and the like belong to a job key with a further suffix.
        const jobs = keys.filter((k) => !k.slice(queueKey.length).includes(':'));
        for (const key of jobs) {
          if (key.endsWith(`:${self ?? ''}`)) continue;
          if (!(await ctx.redis.hexists(key, 'finishedOn'))) return true;
        }
      } while (cursor !== '0');
    }
  }
  return false;
}
