/**
 * The Mailchimp source against real Redis (for the shared connection semaphore) and a local HTTP server that
 * counts how many requests are in flight at once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { createMailchimpSource, mailchimpSemaphoreKey } from '../../src/connectors/mailchimp/index.ts';
import { createRedis } from '../../src/lib/redis.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_KEY = 'integrationsecret-us6';

let redis: Redis;
let server: Server;
let baseUrl: string;
let inFlight = 0;
let maxInFlight = 0;
let requests = 0;
const authHeaders: string[] = [];
let prefix: string;

beforeAll(async () => {
  redis = createRedis(REDIS_URL);
  server = createServer((req, res) => {
    requests++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    authHeaders.push(req.headers.authorization ?? '');
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          members: [{ id: 'm1', email_address: 'a@example.com', status: 'subscribed' }],
          total_items: 1,
        }),
      );
    }, 40);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no server address');
  baseUrl = `http://127.0.0.1:${address.port}/3.0`;
});

afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  inFlight = 0;
  maxInFlight = 0;
  requests = 0;
  authHeaders.length = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await redis.quit();
});

const page = (offset: number) => ({ audienceId: 'aud1', status: 'subscribed' as const, offset, count: 1000 });

describe('Mailchimp source with the shared semaphore (real Redis)', () => {
  it('two workers on one account never have more than maxConnections requests in flight together', async () => {
    prefix = `test-${randomUUID()}`;
    const config = { apiKey: API_KEY, baseUrl, maxConnections: 3 };
    const workerA = createMailchimpSource(config, { redis, keyPrefix: prefix, timeoutMs: 5000 });
    const workerB = createMailchimpSource(config, { redis, keyPrefix: prefix, timeoutMs: 5000 });
    const calls = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? workerA : workerB).memberPage(page(i)));
    const pages = await Promise.all(calls);
    expect(pages.every((p) => p.totalItems === 1 && p.members[0]?.id === 'm1')).toBe(true);
    expect(requests).toBe(12);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    // Every slot was given back.
    expect(await redis.zcard(mailchimpSemaphoreKey(prefix, API_KEY))).toBe(0);
  });

  it('keeps the API key out of Redis and sends it only as Basic auth', async () => {
    prefix = `test-${randomUUID()}`;
    const source = createMailchimpSource(
      { apiKey: API_KEY, baseUrl, maxConnections: 10 },
      { redis, keyPrefix: prefix, timeoutMs: 5000 },
    );
    const call = source.memberPage(page(0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const keysDuringCall = await redis.keys(`${prefix}*`);
    await call;
    expect(keysDuringCall).toEqual([mailchimpSemaphoreKey(prefix, API_KEY)]);
    expect(keysDuringCall.join(' ')).not.toContain('integrationsecret');
    expect(authHeaders).toEqual([`Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`]);
  });

  it('different accounts have separate limits', async () => {
    prefix = `test-${randomUUID()}`;
    const one = createMailchimpSource(
      { apiKey: 'first-us6', baseUrl, maxConnections: 1 },
      { redis, keyPrefix: prefix, timeoutMs: 5000 },
    );
    const two = createMailchimpSource(
      { apiKey: 'second-us6', baseUrl, maxConnections: 1 },
      { redis, keyPrefix: prefix, timeoutMs: 5000 },
    );
    await Promise.all([one.memberPage(page(0)), two.memberPage(page(0))]);
    expect(maxInFlight).toBe(2);
  });
});
