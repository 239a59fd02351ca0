import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors/index.ts';
import { isFinished } from '../run/follow.ts';
import type { RunStore } from '../run/store.ts';
import type { Alerter } from './alerts.ts';
import { recordRunTotals } from './run-totals.ts';

export interface RunFinishedDeps {
  redis: Redis;
  prefix: string;
  store: RunStore;
  alerter: Alerter;
  logger: Logger;
}

/**
 * Call after a run got its final status (finalize, or a job that failed the run): adds its counts to the
 * /metrics counters and alerts if it failed or has failed records. Once per run, however often it is called;
 * never throws, so it cannot turn a finished run into a failed job.
 */
export async function reportRunFinished(deps: RunFinishedDeps, runId: string): Promise<void> {
  try {
    const run = await deps.store.getRun(runId);
    if (!run || !isFinished(run)) return;
    const { counts } = await deps.store.counts(runId);
    const first = await recordRunTotals(deps.redis, deps.prefix, runId, run.status, counts);
    if (first) await deps.alerter.runFinished(run, counts);
  } catch (err) {
    deps.logger.warn(
      { runId, err: errorMessage(err) },
      'could not report the finished run to metrics/alerts',
    );
  }
}
