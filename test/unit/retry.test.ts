import { describe, expect, it } from '@jest/globals';
import {
  AuthError,
  MalformedResponseError,
  RateLimitedError,
  TransientError,
} from '../../src/errors/index.ts';
import { callWithRetry } from '../../src/http/retry.ts';

const noSleep = async () => undefined;

describe('callWithRetry', () => {
  it('retries transient errors, then succeeds', async () => {
    let calls = 0;
    const result = await callWithRetry(
      async () => {
        calls++;
        if (calls < 3) throw new TransientError('503', 'status_code_503');
        return 'ok';
      },
      { minTimeoutMs: 1, maxTimeoutMs: 2, sleep: noSleep },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the retries with the transient error', async () => {
    let calls = 0;
    await expect(
      callWithRetry(
        async () => {
          calls++;
          throw new TransientError('still 503', 'status_code_503');
        },
        { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2, sleep: noSleep },
      ),
    ).rejects.toBeInstanceOf(TransientError);
    expect(calls).toBe(3);
  });

  it('waits out rate limits without spending transient retries', async () => {
    let calls = 0;
    const waits: number[] = [];
    const result = await callWithRetry(
      async () => {
        calls++;
        if (calls <= 3) throw new RateLimitedError('429', 'hubspot', 10_000);
        return calls;
      },
      { retries: 0, sleep: async (ms) => void waits.push(ms), onRateLimited: () => undefined },
    );
    expect(result).toBe(4);
    expect(waits).toEqual([10_000, 10_000, 10_000]);
  });

  it('hands a rate limit to the caller after too many waits in a row', async () => {
    await expect(
      callWithRetry(async () => Promise.reject(new RateLimitedError('429', 'hubspot', 5)), {
        maxRateLimitWaits: 2,
        sleep: noSleep,
      }),
    ).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('sends once more after an answer that cannot be read, then gives up whatever the transient budget', async () => {
    let calls = 0;
    const err = await callWithRetry(
      async () => {
        calls++;
        throw new MalformedResponseError('hubspot', 'POST /x', 'results.0.id', 'expected string');
      },
      { retries: 4, minTimeoutMs: 1, maxTimeoutMs: 2, sleep: noSleep },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(calls).toBe(2);
  });

  it('never retries auth errors', async () => {
    let calls = 0;
    await expect(
      callWithRetry(async () => {
        calls++;
        throw new AuthError('401', 'hubspot');
      }),
    ).rejects.toBeInstanceOf(AuthError);
    expect(calls).toBe(1);
  });
});
