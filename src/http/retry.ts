import pRetry, { AbortError } from 'p-retry';
import { MalformedResponseError, RateLimitedError, TransientError } from '../errors/index.ts';

/**
 * The retry policy, decided here for every API call:
 * - a short blip (no answer, a timeout, or a transient answer that asks to wait at most `maxBlipWaitMs`) is sent
 *   again in-process, at most `retries` (2) times, within a few seconds;
 * - an answer that cannot be read (MalformedResponseError) is sent once more (a cut connection), then fails;
 * - everything else goes to the caller at once: a longer transient wait (423 after retries, 477, 5xx that
 *   persist) to BullMQ's backoff, which reads the error's wait (`queueBackoffMs`); a rate limit to the queue's
 *   rate limiter (the queue parks, no attempt used); auth, config and quota errors stop.
 * Worst case for one call in one job attempt: 3 sends and about 3 s of backoff plus the timeouts.
 */
export interface RetryOptions {
  /** In-process retries of a short blip before the TransientError goes to the caller. Default 2. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** A transient error that asks for a longer wait than this is not retried in-process. Default 5 s. */
  maxBlipWaitMs?: number;
  /** Rate-limit waits in-process before the RateLimitedError goes to the caller (the queue then parks). Default 0. */
  maxRateLimitWaits?: number;
  /** Sends after an answer that could not be read (MalformedResponseError), default 1: a cut connection. */
  malformedRetries?: number;
  /** Called before each rate-limit wait, e.g. to count 429s. */
  onRateLimited?: (err: RateLimitedError) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY = {
  retries: 2,
  minTimeoutMs: 250,
  maxTimeoutMs: 2_000,
  maxBlipWaitMs: 5_000,
  maxRateLimitWaits: 0,
  malformedRetries: 1,
} as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs one API call under the policy above. The call must throw errors of the taxonomy (src/errors). */
export async function callWithRetry<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const maxWaits = options.maxRateLimitWaits ?? DEFAULT_RETRY.maxRateLimitWaits;
  const maxBlipWaitMs = options.maxBlipWaitMs ?? DEFAULT_RETRY.maxBlipWaitMs;
  let malformedLeft = options.malformedRetries ?? DEFAULT_RETRY.malformedRetries;
  const sendOnceMore = async (): Promise<T> => {
    try {
      return await operation();
    } catch (err) {
      if (!(err instanceof MalformedResponseError) || malformedLeft <= 0) throw err;
      malformedLeft--;
      return sendOnceMore();
    }
  };
  for (let waits = 0; ; waits++) {
    try {
      return await pRetry(
        async () => {
          try {
            return await sendOnceMore();
          } catch (err) {
            if (err instanceof TransientError && (err.waitMs ?? 0) <= maxBlipWaitMs) throw err;
            throw new AbortError(err instanceof Error ? err : new Error(String(err)));
          }
        },
        {
          retries: options.retries ?? DEFAULT_RETRY.retries,
          minTimeout: options.minTimeoutMs ?? DEFAULT_RETRY.minTimeoutMs,
          maxTimeout: options.maxTimeoutMs ?? DEFAULT_RETRY.maxTimeoutMs,
          factor: 2,
          randomize: true,
          onFailedAttempt: async ({ error }) => {
            if (error instanceof TransientError && error.waitMs) await sleep(error.waitMs);
          },
        },
      );
    } catch (err) {
      if (!(err instanceof RateLimitedError) || waits >= maxWaits) throw err;
      options.onRateLimited?.(err);
      await sleep(err.waitMs);
    }
  }
}

/** BullMQ backoff for a failed attempt: the error's own wait when it names one, else exponential from 2 s. */
export const QUEUE_BACKOFF = { baseMs: 2_000, maxMs: 60_000 } as const;

/**
 * The delay before BullMQ's next attempt of a job (a custom `backoffStrategy`): at least the wait the error asks
 * for (a 477's Retry-After, a 423's lock), else 2 s doubling per attempt, at most a minute; ±20 % jitter so
 * jobs that failed together do not return together.
 */
export function queueBackoffMs(
  attemptsMade: number,
  err: unknown,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    QUEUE_BACKOFF.maxMs,
    QUEUE_BACKOFF.baseMs * 2 ** Math.max(0, attemptsMade - 1),
  );
  const asked = err instanceof TransientError ? (err.waitMs ?? 0) : 0;
  const base = Math.max(asked, exponential);
  return Math.round(base * (0.8 + 0.4 * random()));
}
