import type { Logger } from 'pino';
import { errorMessage } from '../errors/index.ts';
import type { Alerter } from './alerts.ts';

/** The part of a BullMQ Queue the watch needs (a fake in tests). */
export interface WatchedQueue {
  name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getWorkersCount(): Promise<number>;
}

export interface NoWorkerWatchOptions {
  queues: WatchedQueue[];
  alerter: Alerter;
  thresholdSeconds: number;
  intervalMs?: number;
  logger?: Logger;
  now?: () => number;
}

interface QueueState {
  since: number | null;
  alerted: boolean;
}

/**
 * One check of every queue: a queue with jobs ready to run and no worker starts a timer; past the threshold it
 * alerts once, and may alert again only after a worker came back (or the jobs were gone) in between.
 */
export function createNoWorkerCheck(options: NoWorkerWatchOptions): () => Promise<void> {
  const now = options.now ?? Date.now;
  const states = new Map<string, QueueState>();
  return async () => {
    for (const queue of options.queues) {
      const state = states.get(queue.name) ?? { since: null, alerted: false };
      states.set(queue.name, state);
      try {
        const counts = await queue.getJobCounts('waiting', 'prioritized');
        const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        const stuck = waiting > 0 && (await queue.getWorkersCount()) === 0;
        if (!stuck) {
          if (state.alerted) {
            options.logger?.info({ queue: queue.name }, `queue ${queue.name} has jobs handled again`);
          }
          state.since = null;
          state.alerted = false;
          continue;
        }
        state.since ??= now();
        const seconds = Math.round((now() - state.since) / 1000);
        if (!state.alerted && seconds >= options.thresholdSeconds) {
          state.alerted = true;
          await options.alerter.noWorker(queue.name, waiting, seconds);
        }
      } catch (err) {
        options.logger?.warn({ queue: queue.name, err: errorMessage(err) }, 'no-worker check failed');
      }
    }
  };
}

/** Runs the no-worker check every intervalMs (ALERT_NO_WORKER_SECONDS as threshold); returns stop(). */
export function startNoWorkerWatch(options: NoWorkerWatchOptions): () => void {
  const check = createNoWorkerCheck(options);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void check().finally(() => {
      running = false;
    });
  }, options.intervalMs ?? 15_000);
  timer.unref();
  return () => clearInterval(timer);
}
