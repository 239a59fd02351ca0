import { RuntimeError } from '../errors/index.ts';
import { QUEUE_NAMES, jobId, type PhaseJobData, type Queues } from '../queue/queues.ts';
import { RunLocks } from './run-lock.ts';
import { newRunId, type RunStore } from './store.ts';
import type { RunInfo, RunOptions } from './types.ts';

/** Thrown when a source already has a run in progress; scheduled syncs count it as skipped. */
export class RunBusyError extends RuntimeError {
  readonly heldBy: string;
  constructor(message: string, heldBy: string) {
    super(message);
    this.heldBy = heldBy;
  }
}

export function runLocks(store: RunStore): RunLocks {
  return new RunLocks(store.redis, store.prefix);
}

/**
 * Starts a run as a BullMQ flow: finalize ← subscribe phase ← read phase. The read phase adds the source pages
 * and write batches as its children, so the subscribe phase (subscriptions) starts only after every opt-out.
 * A migration or sync first takes the lock of each of its sources: two runs never write one source at once.
 */
export async function startRun(
  deps: { store: RunStore; queues: Queues },
  options: RunOptions,
): Promise<RunInfo> {
  const id = newRunId();
  const locks = runLocks(deps.store);
  // A dry run writes nothing and works on its own copy of the cross-run state: it never blocks a real run.
  if (options.kind !== 'retry' && !options.dryRun) {
    const lock = await locks.acquireAll(options.sources, id);
    if (!lock.ok) {
      throw new RunBusyError(
        `Run ${lock.heldBy} is still running for ${options.sources.join(' and ')}: wait for it (esp-sync status ${lock.heldBy}) and start again.`,
        lock.heldBy,
      );
    }
  }
  try {
    const run = await deps.store.createRun(options, id);
    await addRunFlow(deps.queues, run.id);
    return run;
  } catch (err) {
    await locks.releaseAll(options.sources, id);
    throw err;
  }
}

async function addRunFlow(queues: Queues, runId: string): Promise<void> {
  const data: PhaseJobData = { runId };
  const failParent = { ...queues.jobOptions, failParentOnFailure: true };
  await queues.flow.add({
    name: 'finalize',
    queueName: QUEUE_NAMES.runs,
    data,
    opts: { ...queues.jobOptions, jobId: jobId(runId, 'finalize') },
    children: [
      {
        name: 'subscribe-phase',
        queueName: QUEUE_NAMES.runs,
        data,
        opts: { jobId: jobId(runId, 'subscribe'), ...failParent },
        children: [
          {
            name: 'read-phase',
            queueName: QUEUE_NAMES.runs,
            data,
            opts: { jobId: jobId(runId, 'read'), ...failParent },
          },
        ],
      },
    ],
  });
}

/** Lets the sources of a finished (or failed) run be run again. */
export async function releaseRun(store: RunStore, run: RunInfo): Promise<void> {
  if (run.kind !== 'retry') await runLocks(store).releaseAll(run.sources, run.id);
}
