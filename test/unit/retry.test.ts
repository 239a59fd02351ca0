import { describe, expect, it } from '@jest/globals';
import {
  AuthError,
  MalformedResponseError,
  RateLimitedError,
  TransientError,
} from '../../src/errors/index.ts';
import { callWithRetry, DEFAULT_RETRY, queueBackoffMs } from '../../src/http/retry.ts';

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
      {
        retries: 0,
        maxRateLimitWaits: 3,
        sleep: async (ms) => void waits.push(ms),
        onRateLimited: () => undefined,
      },
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

  describe('the default policy (one place decides each error’s fate)', () => {
    const blip = () => new TransientError('socket hang up', 'network_error');

    it('sends a short network blip at most 3 times in all (2 retries)', async () => {
      let calls = 0;
      const err = await callWithRetry(
        async () => {
          calls++;
          throw blip();
        },
        { minTimeoutMs: 1, maxTimeoutMs: 1, sleep: noSleep },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect(calls).toBe(1 + DEFAULT_RETRY.retries);
      expect(DEFAULT_RETRY.retries).toBe(2);
    });

    it('hands a transient error that asks for a long wait (a 477’s Retry-After) to the queue at once', async () => {
      let calls = 0;
      const err = await callWithRetry(async () => {
        calls++;
        throw new TransientError('477', 'hubspot_migration', 60_000);
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect(calls).toBe(1);
    });

    it('hands a rate limit to the queue at once: no worker slot held waiting', async () => {
      let calls = 0;
      const err = await callWithRetry(async () => {
        calls++;
        throw new RateLimitedError('429', 'hubspot', 10_000);
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitedError);
      expect(calls).toBe(1);
    });
  });

  describe('queueBackoffMs (BullMQ backoffStrategy)', () => {
    const mid = () => 0.5;
    it('doubles from 2 s per attempt, at most a minute', () => {
      expect([1, 2, 3, 6, 7, 12].map((n) => queueBackoffMs(n, new Error('x'), mid))).toEqual([
        2_000, 4_000, 8_000, 60_000, 60_000, 60_000,
      ]);
    });

    it('waits at least what the error asks for', () => {
      expect(queueBackoffMs(1, new TransientError('477', 'hubspot_migration', 90_000), mid)).toBe(90_000);
    });

    it('spreads retries by ±20 %', () => {
      expect(queueBackoffMs(1, null, () => 0)).toBe(1_600);
      expect(queueBackoffMs(1, null, () => 0.999_999)).toBe(2_400);
    });
  });
});
