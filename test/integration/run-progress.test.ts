/** The read-phase job's progress follows the run's counters, written only when the percentage moves. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createQueues, jobId, QUEUE_NAMES } from '../../src/queue/queues.ts';
import type { WorkerContext } from '../../src/workers/context.ts';
import { reportRunProgress } from '../../src/workers/run-progress.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const redis = newRedis();
const prefix = testPrefix('progress');
const queues = createQueues(redis, prefix, 1);
afterAll(async () => {
  await queues.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** A context with just what progress reports read: the run's total and its read counter. */
function contextFor(runId: string, total: number, read: () => number): WorkerContext {
  const store = {
    getRun: async (id: string) => (id === runId ? { id, total } : null),
    counts: async () => ({ counts: { read: read() }, breakdown: {} }),
  };
  return { store, queues } as unknown as WorkerContext;
}

describe('reportRunProgress', () => {
  it('moves the read-phase job to the settled share, and writes nothing while it stays put', async () => {
    const runs = queues.byName[QUEUE_NAMES.runs];
    const id = jobId('run-a', 'read');
    await runs.add('read-phase', { runId: 'run-a' }, { jobId: id, delay: 60_000 });
    let read = 250;
    const ctx = contextFor('run-a', 1000, () => read);

    await reportRunProgress(ctx, 'run-a');
    expect((await runs.getJob(id))?.progress).toBe(25);

    // Set by someone else meanwhile: an unchanged share from this process leaves it alone.
    await runs.updateJobProgress(id, 40);
    read = 259;
    await reportRunProgress(ctx, 'run-a');
    expect((await runs.getJob(id))?.progress).toBe(40);

    read = 1000;
    await reportRunProgress(ctx, 'run-a');
    expect((await runs.getJob(id))?.progress).toBe(100);
  });

  it('does nothing for a run whose read-phase job is gone', async () => {
    const ctx = contextFor('run-b', 10, () => 5);
    await expect(reportRunProgress(ctx, 'run-b')).resolves.toBeUndefined();
    expect(await queues.byName[QUEUE_NAMES.runs].getJob(jobId('run-b', 'read'))).toBeUndefined();
  });
});
