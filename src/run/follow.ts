import type { RunStore } from './store.ts';
import type { RunCounts, RunInfo } from './types.ts';

export const FINAL_STATUSES = ['completed', 'completed_with_errors', 'failed'] as const;

export function isFinished(run: RunInfo): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(run.status);
}

export interface RunSnapshot {
  run: RunInfo;
  counts: RunCounts;
  breakdown: Record<string, number>;
}

export async function snapshot(store: RunStore, runId: string): Promise<RunSnapshot | null> {
  const run = await store.getRun(runId);
  if (!run) return null;
  const { counts, breakdown } = await store.counts(runId);
  return { run, counts, breakdown };
}

/**
 * Polls a run until it finishes, calling onTick with each snapshot. When `signal` aborts (a time limit, Ctrl-C)
 * it stops following and answers the last snapshot, which is then not finished: the run itself goes on.
 */
export async function followRun(
  store: RunStore,
  runId: string,
  onTick: (s: RunSnapshot) => void,
  intervalMs = 1000,
  signal?: AbortSignal,
): Promise<RunSnapshot> {
  for (;;) {
    const s = await snapshot(store, runId);
    if (!s) throw new Error(`Run ${runId} disappeared from Redis.`);
    onTick(s);
    if (isFinished(s.run) || signal?.aborted) return s;
    await sleep(intervalMs, signal);
  }
}

/** Waits ms, or less when signal aborts first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Records done, the rate per second over the run's duration, and an ETA when the total is known. A finished run
 * is measured until its finish time, so its rate stays what it was instead of falling as time passes.
 */
export function progressOf(
  s: RunSnapshot,
  now = Date.now(),
): { done: number; total: number | null; rate: number; etaSeconds: number | null } {
  const done = s.counts.read;
  const started = s.run.startedAt ? Date.parse(s.run.startedAt) : now;
  const ended = s.run.finishedAt ? Date.parse(s.run.finishedAt) : now;
  const seconds = Math.max(1, (ended - started) / 1000);
  const rate = done / seconds;
  const total = s.run.total;
  const etaSeconds = total !== null && rate > 0 && total > done ? Math.round((total - done) / rate) : null;
  return { done, total, rate, etaSeconds };
}
