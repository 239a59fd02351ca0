import type { RunStore } from './store.ts';
import type { RunCounts, RunInfo } from './types.ts';

export const FINAL_STATUSES = ['completed', 'completed_with_errors', 'failed', 'cancelled'] as const;

export function isFinished(run: RunInfo): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(run.status);
}

export interface RunSnapshot {
  run: RunInfo;
  counts: RunCounts;
  breakdown: Record<string, number>;
  /** Subscription candidates collected so far (they are written in the subscribe phase). */
  candidates?: number;
}

export async function snapshot(store: RunStore, runId: string): Promise<RunSnapshot | null> {
  const run = await store.getRun(runId);
  if (!run) return null;
  const [{ counts, breakdown }, candidates] = await Promise.all([
    store.counts(runId),
    store.subscribeCandidateCount(runId),
  ]);
  return { run, counts, breakdown, candidates };
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

export interface RunProgress {
  phase: RunInfo['phase'];
  /** Records read and written so far, of the total the sources announced. */
  done: number;
  total: number | null;
  rate: number;
  /** Until the run ends, the subscribe phase included. */
  etaSeconds: number | null;
  /** The subscribe phase's own progress (subscriptions settled of those queued), once it has begun. */
  subscribe: { done: number; total: number; rate: number } | null;
}

/**
 * Records done, the rate per second over the run's duration, and an ETA when the total is known. A finished run
 * is measured until its finish time, so its rate stays what it was instead of falling as time passes. While
 * records are read, the ETA adds the subscriptions the run is expected to write (the share of candidates so
 * far, at the same rate); in the subscribe phase it is the subscriptions left at that phase's own rate.
 */
export function progressOf(s: RunSnapshot, now = Date.now()): RunProgress {
  const done = s.counts.read;
  const started = s.run.startedAt ? Date.parse(s.run.startedAt) : now;
  const ended = s.run.finishedAt ? Date.parse(s.run.finishedAt) : now;
  const seconds = Math.max(1, (ended - started) / 1000);
  const rate = done / seconds;
  const total = s.run.total;
  const phase = s.run.phase;
  const sub = s.run.subscribe;
  if (phase === 'subscribing' || (sub.startedAt && phase !== 'reading')) {
    const subSeconds = Math.max(1, (ended - Date.parse(sub.startedAt ?? new Date(now).toISOString())) / 1000);
    const subRate = sub.done / subSeconds;
    const left = Math.max(0, sub.total - sub.done);
    const eta = phase === 'subscribing' && subRate > 0 && left > 0 ? Math.round(left / subRate) : null;
    return {
      phase,
      done,
      total,
      rate,
      etaSeconds: eta,
      subscribe: { done: sub.done, total: sub.total, rate: subRate },
    };
  }
  let etaSeconds: number | null = null;
  if (total !== null && rate > 0 && total > done) {
    const expectedSubscriptions = done > 0 ? ((s.candidates ?? 0) * total) / done : 0;
    etaSeconds = Math.round((total - done + expectedSubscriptions) / rate);
  }
  return { phase, done, total, rate, etaSeconds, subscribe: null };
}
