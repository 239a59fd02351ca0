import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { ConstantContactConfig } from '../../src/config/env.ts';
import type { CcTokenProvider } from '../../src/connectors/constant-contact/auth.ts';
import { ccRateLimiterKey } from '../../src/connectors/constant-contact/limits.ts';
import { createConstantContactSource } from '../../src/connectors/constant-contact/source.ts';

const PER_SECOND = 4;
const arrivals: number[] = [];
let server: Server;
let baseUrl = '';
const prefix = `test-${randomUUID()}`;
const redisA = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const redisB = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

const tokens: CcTokenProvider = {
  accessToken: () => Promise.resolve('token'),
  invalidate: () => undefined,
  storeRefreshToken: () => Promise.resolve(),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    arrivals.push(Date.now());
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ contacts: [{ contact_id: String(arrivals.length) }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
});

afterAll(async () => {
  await redisA.del(ccRateLimiterKey(prefix, 'shared-client'));
  await redisA.quit();
  await redisB.quit();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function reader(redis: Redis) {
  const config: ConstantContactConfig = {
    clientId: 'shared-client',
    clientSecret: 'secret',
    seedRefreshToken: undefined,
    baseUrl,
    tokenUrl: 'http://127.0.0.1:1/token',
    requestsPerSecond: PER_SECOND,
  };
  return createConstantContactSource(config, {
    redis,
    keyPrefix: prefix,
    timeoutMs: 5000,
    logger: pino({ level: 'silent' }),
    tokens,
  });
}

describe('Constant Contact shared rate limit (real Redis)', () => {
  it('keeps two readers (two Redis connections, like two workers) under N requests per second together', async () => {
    const readers = [reader(redisA), reader(redisB)];
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => readers[i % 2]!.contactPage({ cursor: null })));
    const elapsed = Date.now() - started;

    expect(arrivals).toHaveLength(12);
    const sorted = [...arrivals].sort((a, b) => a - b);
    // Any PER_SECOND + 1 consecutive requests span at least one window. The limiter admits on Redis's clock and
    // the server sees arrivals a little later (by varying amounts), hence the slack; unlimited, all 12 would
    // arrive within a few milliseconds. On a loaded machine one arrival can lag its admission by a few hundred ms.
    for (let i = 0; i + PER_SECOND < sorted.length; i++) {
      expect(sorted[i + PER_SECOND]! - sorted[i]!).toBeGreaterThanOrEqual(600);
    }
    expect(elapsed).toBeGreaterThanOrEqual(1990);
  });
});
