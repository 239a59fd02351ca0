import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import nock from 'nock';
import { createHubSpotSink } from '../../src/connectors/hubspot/index.ts';
import type { ContactWrite } from '../../src/core/ports.ts';
import { SharedRateLimiter } from '../../src/lib/redis-limits.ts';
import { captureLogger, hubSpotConfig, uniqueBaseUrl, withJsonBody } from '../unit/hubspot-fixtures.ts';

const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const prefix = `test-${randomUUID()}`;
let redis: Redis;

interface UpsertBody {
  inputs: { id: string; objectWriteTraceId: string }[];
}

beforeAll(() => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  nock.restore();
});

function contact(i: number): ContactWrite[] {
  return [{ key: `k${i}`, email: `p${i}@example.com`, properties: { firstname: `P${i}` } }];
}

/** A HubSpot that notes when each request arrives. */
function recordingHubSpot(baseUrl: string, times: number, arrivals: number[]) {
  return nock(baseUrl)
    .post(UPSERT)
    .times(times)
    .reply(
      200,
      withJsonBody((body: UpsertBody) => {
        arrivals.push(Date.now());
        return {
          status: 'COMPLETE',
          results: body.inputs.map((i) => ({
            id: '1',
            new: false,
            objectWriteTraceId: i.objectWriteTraceId,
          })),
        };
      }),
    );
}

describe('HubSpot sink with the shared Redis limiter', () => {
  it('two sinks (two workers) stay within 5 requests per window together', async () => {
    const baseUrl = uniqueBaseUrl();
    const arrivals: number[] = [];
    const scope = recordingHubSpot(baseUrl, 12, arrivals);
    const windowMs = 1_000;
    const key = `${prefix}:limits:hubspot-shared`;
    // When each request was let through; a request goes out right after, so this is the send rate
    // without the network latency jitter of the arrivals.
    const admitted: number[] = [];
    // Each worker process builds its own limiter over the same Redis key.
    const sinks = [0, 1].map(() => {
      const shared = new SharedRateLimiter(redis, key, 5, windowMs);
      return createHubSpotSink(hubSpotConfig(baseUrl), {
        redis,
        keyPrefix: prefix,
        timeoutMs: 5_000,
        logger: captureLogger().logger,
        limiter: {
          acquire: async () => {
            await shared.acquire();
            admitted.push(Date.now());
          },
          slowDown: (factor, forMs) => shared.slowDown(factor, forMs),
        },
      });
    });

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => sinks[i % 2]!.upsertContacts(contact(i))),
    );
    expect(results.flat().every((r) => r.ok)).toBe(true);
    expect(scope.isDone()).toBe(true);
    expect(arrivals).toHaveLength(12);
    expect(admitted).toHaveLength(12);

    admitted.sort((a, b) => a - b);
    // Any 6 consecutive admissions span at least a window (a few ms of slack between Redis's clock and ours).
    for (let i = 0; i + 5 < admitted.length; i++) {
      expect(admitted[i + 5]! - admitted[i]!).toBeGreaterThanOrEqual(windowMs - 20);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * windowMs - 100);
  });

  it('by default shares `${keyPrefix}:limits:hubspot` across sinks, at HUBSPOT_RATE_LIMIT per 10 s', async () => {
    const baseUrl = uniqueBaseUrl();
    const arrivals: number[] = [];
    const scope = recordingHubSpot(baseUrl, 4, arrivals);
    const sinks = [0, 1].map(() =>
      createHubSpotSink(hubSpotConfig(baseUrl, { rateLimitPer10s: 3 }), {
        redis,
        keyPrefix: `${prefix}-default`,
        timeoutMs: 5_000,
        logger: captureLogger().logger,
      }),
    );
    await Promise.all([0, 1, 2].map((i) => sinks[i % 2]!.upsertContacts(contact(i))));
    const key = `${prefix}-default:limits:hubspot`;
    expect(await redis.zcard(key)).toBe(3);

    // The fourth call, from either sink, must wait for the 10 s window: it has not gone out after 1 s.
    const fourth = sinks[1]!.upsertContacts(contact(3));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(arrivals).toHaveLength(3);
    await fourth;
    expect(scope.isDone()).toBe(true);
    expect(arrivals[3]! - arrivals[0]!).toBeGreaterThanOrEqual(9_000);
  }, 20_000);

  it('counts a request in the shared window until HubSpot answers it, so a late arrival cannot overlap the next window', async () => {
    // HubSpot counts a request when it takes it up; the first three reach it late (a loaded network or
    // worker), the fourth at once. Its limit here: 3 per rolling 10 s, as the sink is told.
    const counted: number[] = [];
    let seen = 0;
    let refused = 0;
    const server = createServer((req, res) => {
      const lateBy = ++seen <= 3 ? 600 : 0;
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          const now = Date.now();
          if (counted.filter((t) => now - t < 10_000).length >= 3) {
            refused++;
            res.writeHead(429, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ status: 'error', policyName: 'TEN_SECONDLY_ROLLING' }));
            return;
          }
          counted.push(now);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ status: 'COMPLETE', results: [] }));
        }, lateBy);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    nock.enableNetConnect('127.0.0.1');
    try {
      const sinks = [0, 1].map(() =>
        createHubSpotSink(hubSpotConfig(baseUrl, { rateLimitPer10s: 3 }), {
          redis,
          keyPrefix: `${prefix}-late`,
          timeoutMs: 5_000,
          logger: captureLogger().logger,
          retry: { retries: 0, maxRateLimitWaits: 0, sleep: () => Promise.resolve() },
        }),
      );
      const results = await Promise.allSettled(
        [0, 1, 2, 3].map((i) => sinks[i % 2]!.upsertContacts(contact(i))),
      );
      expect(refused).toBe(0);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 20_000);
});
