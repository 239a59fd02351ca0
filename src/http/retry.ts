import pRetry, { AbortError } from 'p-retry';
import { MalformedResponseError, RateLimitedError, TransientError } from '../errors/index.ts';

export interface RetryOptions {
  /** Retries of transient failures (5xx, 423, network) before giving up with the TransientError. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Short rate-limit waits in a row before handing the RateLimitedError to the caller (the queue then waits). */
  maxRateLimitWaits?: number;
  /** Sends after an answer that could not be read (MalformedResponseError), default 1: a cut connection. */
  malformedRetries?: number;
  /** Called before each rate-limit wait, e.g. to count 429s. */
  onRateLimited?: (err: RateLimitedError) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one retry layer for a single API call. The call must throw errors of the taxonomy:
 * - TransientError: retried with exponential backoff and jitter (p-retry), at least its waitMs apart;
 * - RateLimitedError: waited out without counting as a failure, up to maxRateLimitWaits times in a row;
 * - MalformedResponseError: sent again once (malformedRetries), then thrown: an answer that does not parse
 *   twice will not parse the eighth time either;
 * - anything else (auth, quota, invalid record, config): thrown at once.
 */
export async function callWithRetry<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const maxWaits = options.maxRateLimitWaits ?? 12;
  let malformedLeft = options.malformedRetries ?? 1;
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
            if (err instanceof TransientError) throw err;
            throw new AbortError(err instanceof Error ? err : new Error(String(err)));
          }
        },
        {
          retries: options.retries ?? 4,
          minTimeout: options.minTimeoutMs ?? 500,
          maxTimeout: options.maxTimeoutMs ?? 20_000,
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
