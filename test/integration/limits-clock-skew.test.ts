/**
 * Workers on machines whose clocks disagree still share one budget: the rate limiter and the semaphore take the
 * time from Redis (TIME inside their Lua scripts), never from the worker's own clock. Each test gives one of two
 * limiter instances a local clock far off the other's (Date.now shifted while that instance acquires).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { ccRateLimiterKey, createCcRateLimiter } from '../../src/connectors/constant-contact/limits.ts';
import { SharedRateLimiter, SharedSemaphore } from '../../src/lib/redis-limits.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const prefix = testPrefix('clock-skew');
let redis: Redis;
const realNow = Date.now.bind(Date);

beforeAll(() => {
  redis = newRedis();
});

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** Runs `fn` as if this machine's clock were `skewMs` off (both Date.now and new Date()). */
async function withClockSkew<T>(skewMs: number, fn: () => Promise<T>): Promise<T> {
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}

const HOUR = 3_600_000;

describe('limits share one budget across skewed clocks', () => {
  it('rate limiter: a worker whose clock runs an hour ahead cannot spend a budget another worker used', async () => {
    const key = `${prefix}:limits:rate`;
    const waits: number[] = [];
    // An injected sleep that gives up instead of waiting: it records that the limiter asked this worker to wait.
    const refuse = (ms: number) => {
      waits.push(ms);
      return Promise.reject(new Error('asked to wait'));
    };
    const onTime = new SharedRateLimiter(redis, key, 3, 60_000, refuse);
    const ahead = new SharedRateLimiter(redis, key, 3, 60_000, refuse);
    const behind = new SharedRateLimiter(redis, key, 3, 60_000, refuse);

    expect(await onTime.acquire()).toBe(1);
    expect(await withClockSkew(HOUR, () => ahead.acquire())).toBe(2);
    expect(await withClockSkew(-HOUR, () => behind.acquire())).toBe(3);
    await expect(withClockSkew(HOUR, () => ahead.acquire())).rejects.toThrow('asked to wait');
    await expect(withClockSkew(-HOUR, () => behind.acquire())).rejects.toThrow('asked to wait');
    // Both are told to wait for the first request to leave the one-minute window, not an hour more or less.
    expect(waits).toHaveLength(2);
    for (const ms of waits) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(60_000);
    }
  });

  it('Constant Contact: requests of workers an hour apart land in one window on Redis’s clock', async () => {
    const config = { clientId: 'skew-client', requestsPerSecond: 4 };
    const local = createCcRateLimiter(redis, prefix, config);
    const remote = createCcRateLimiter(redis, prefix, config);
    await local.acquire();
    await withClockSkew(-HOUR, () => remote.acquire());
    await withClockSkew(HOUR, () => remote.acquire());
    const [seconds, micros] = await redis.time();
    const redisNowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const stamps = (await redis.zrange(ccRateLimiterKey(prefix, config.clientId), '0', '-1', 'WITHSCORES'))
      .filter((_, i) => i % 2 === 1)
      .map(Number);
    expect(stamps).toHaveLength(3);
    // Stamped by Redis: none is an hour off (a generous minute allows for a slow machine).
    for (const stamp of stamps) expect(Math.abs(redisNowMs - stamp)).toBeLessThan(60_000);
  });

  it('semaphore: a worker whose clock runs ahead does not take a slot another worker holds', async () => {
    const key = `${prefix}:limits:semaphore`;
    const leaseMs = 60_000;
    const holder = new SharedSemaphore(redis, key, 1, leaseMs);
    let attempts = 0;
    let releaseHolder = () => undefined as void;
    const holding = new Promise<void>((resolve) => (releaseHolder = resolve));
    const entered: string[] = [];

    let holderEntered = () => undefined as void;
    const holderIn = new Promise<void>((resolve) => (holderEntered = resolve));
    const first = holder.run(async () => {
      entered.push('holder');
      holderEntered();
      await holding;
    });
    await holderIn;

    // The second worker's clock is two lease lengths ahead: by its own clock the holder's lease ran out.
    // Its injected sleep releases the holder after a few refused attempts, so the test never waits on a timer.
    const skewedSleep = () => {
      attempts++;
      if (attempts === 5) releaseHolder();
      return new Promise<void>((resolve) => setImmediate(resolve));
    };
    const skewed = new SharedSemaphore(redis, key, 1, leaseMs, skewedSleep);
    let attemptsWhenEntered = -1;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 2 * leaseMs);
    try {
      await skewed.run(() => {
        entered.push('skewed');
        attemptsWhenEntered = attempts;
        return Promise.resolve();
      });
    } finally {
      spy.mockRestore();
      releaseHolder();
    }
    await first;
    expect(entered).toEqual(['holder', 'skewed']);
    expect(attemptsWhenEntered).toBeGreaterThanOrEqual(5);
    expect(await redis.zcard(key)).toBe(0);
  });
});
