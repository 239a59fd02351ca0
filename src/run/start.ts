import { QUEUE_NAMES, jobId, type PhaseJobData, type Queues } from '../queue/queues.ts';
import type { RunStore } from './store.ts';
import type { RunInfo, RunOptions } from './types.ts';

/**
 * Starts a run as a BullMQ flow: finalize ← subscribe phase ← read phase. The read phase adds the source pages
 * and write batches as its children, so the subscribe phase (subscriptions) starts only after every opt-out.
 */
export async function startRun(
  deps: { store: RunStore; queues: Queues },
  options: RunOptions,
): Promise<RunInfo> {
  const run = await deps.store.createRun(options);
  const data: PhaseJobData = { runId: run.id };
  const failParent = { ...deps.queues.jobOptions, failParentOnFailure: true };
  await deps.queues.flow.add({
    name: 'finalize',
    queueName: QUEUE_NAMES.runs,
    data,
    opts: { ...deps.queues.jobOptions, jobId: jobId(run.id, 'finalize') },
    children: [
      {
        name: 'subscribe-phase',
        queueName: QUEUE_NAMES.runs,
        data,
        opts: { jobId: jobId(run.id, 'subscribe'), ...failParent },
        children: [
          {
            name: 'read-phase',
            queueName: QUEUE_NAMES.runs,
            data,
            opts: { jobId: jobId(run.id, 'read'), ...failParent },
          },
        ],
      },
    ],
  });
  return run;
}
