/**
 * The HubSpot rate budget comes from HubSpot itself: the first answers' X-HubSpot-RateLimit-Max and
 * -Interval-Milliseconds set the budget every worker shares (minus the headroom, never above HUBSPOT_RATE_LIMIT),
 * a TEN_SECONDLY_ROLLING 429 lowers it, and a DAILY 429 pauses until the reset HubSpot reports for the account.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createHubSpotSink } from '../../src/connectors/hubspot/index.ts';
import { QuotaExhaustedError } from '../../src/errors/index.ts';
import { SharedRateLimiter } from '../../src/lib/redis-limits.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { captureLogger, hubSpotConfig } from '../unit/hubspot-fixtures.ts';

const prefix = `test-${randomUUID()}`;
let redis: Redis;
let sandbox: Sandbox;
// Ahead of the real clock: the sink ignores a reset time that has already passed.
const clockMs = Date.UTC(2030, 0, 10, 23, 0, 0);

beforeAll(async () => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  sandbox = await startSandbox({ dataset: 'none', hubspot: { clock: () => clockMs } });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await sandbox.close();
});

function sink(keyPrefix: string, rateLimitPer10s = 190) {
  return createHubSpotSink(
    hubSpotConfig(sandbox.url, { accessToken: sandbox.env.HUBSPOT_ACCESS_TOKEN!, rateLimitPer10s }),
    {
      redis,
      keyPrefix,
      timeoutMs: 5_000,
      logger: captureLogger().logger,
      retry: { retries: 0, maxRateLimitWaits: 0, sleep: () => Promise.resolve() },
    },
  );
}

const write = (i: number) => [{ key: `k${i}`, email: `p${i}@example.com`, properties: {} }];
const budget = (keyPrefix: string) =>
  new SharedRateLimiter(redis, `${keyPrefix}:limits:hubspot`, 1_000, 10_000).currentMax();

describe('HubSpot rate budget', () => {
  it('learns a Starter app’s 100 per 10 s from the first answer, for every worker', async () => {
    sandbox.hubspot.setOptions({ tier: 'starter' });
    const keyPrefix = `${prefix}-starter`;
    await sink(keyPrefix).upsertContacts(write(1));
    expect(await budget(keyPrefix)).toBe(99);
  });

  it('keeps HUBSPOT_RATE_LIMIT as the upper cap', async () => {
    sandbox.hubspot.setOptions({ tier: 'enterprise' });
    const keyPrefix = `${prefix}-capped`;
    await sink(keyPrefix, 50).upsertContacts(write(2));
    expect(await budget(keyPrefix)).toBe(49);
  });

  it('lowers the shared budget after a TEN_SECONDLY_ROLLING 429', async () => {
    const keyPrefix = `${prefix}-lowered`;
    const s = sink(keyPrefix);
    await s.upsertContacts(write(3));
    const learned = await budget(keyPrefix);
    sandbox.faults.set({ hubspot: { rateLimitBurst: 1 } });
    await expect(s.upsertContacts(write(4))).rejects.toThrow(/rate limit/i);
    const lowered = await budget(keyPrefix);
    expect(lowered).toBeLessThan(learned);
    // The next answer's headers do not raise it again while the lowering lasts.
    await s.upsertContacts(write(5));
    expect(await budget(keyPrefix)).toBe(lowered);
  });

  it('lowers the budget once for the 429s of one burst, however many requests met them', async () => {
    const keyPrefix = `${prefix}-burst`;
    const s = sink(keyPrefix);
    await s.upsertContacts(write(7));
    const learned = await budget(keyPrefix);
    sandbox.faults.set({ hubspot: { rateLimitBurst: 4 } });
    const answers = await Promise.allSettled([8, 9, 10, 11].map((i) => s.upsertContacts(write(i))));
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(await budget(keyPrefix)).toBe(Math.floor(learned * 0.8));
  });

  it('pauses a DAILY 429 until midnight in the account’s time zone, as the usage endpoint reports', async () => {
    sandbox.hubspot.setOptions({ timeZone: 'America/Los_Angeles' });
    sandbox.faults.set({ hubspot: { rateLimitBurst: 1, rateLimitPolicy: 'DAILY' } });
    const err = await sink(`${prefix}-daily`)
      .upsertContacts(write(6))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExhaustedError);
    expect((err as QuotaExhaustedError).resetAt.toISOString()).toBe('2030-01-11T08:00:00.000Z');
    sandbox.hubspot.setOptions({ timeZone: 'UTC' });
  });
});
