import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig, requireConstantContact, type ConstantContactConfig } from '../../src/config/env.ts';
import type { CcTokenProvider } from '../../src/connectors/constant-contact/auth.ts';
import { ccRateLimiterKey } from '../../src/connectors/constant-contact/limits.ts';
import { createConstantContactSource } from '../../src/connectors/constant-contact/source.ts';
import { generateEncryptionKey } from '../../src/lib/crypto.ts';
import { startSandbox } from '../../src/sandbox/index.ts';

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

describe('Constant Contact shared rate limit against the sandbox’s 4 requests per second', () => {
  it('meets no 429 from the start of a run: two readers, tokens refreshed on the first request, 50 ms latency', async () => {
    const sandbox = await startSandbox({
      dataset: {
        seed: 3,
        mailchimp: { audiences: 1, membersPerAudience: 1 },
        constantContact: { contacts: 40 },
      },
      faults: { constantContact: { latencyMs: 50 } },
    });
    const keyPrefix = `${prefix}-sandbox`;
    try {
      const config = requireConstantContact(
        parseConfig({ ...sandbox.env, ESP_SYNC_ENCRYPTION_KEY: generateEncryptionKey() }),
      );
      // No retries: a 429 fails the read as well as showing in the sandbox's counts.
      const source = (redis: Redis) =>
        createConstantContactSource(config, {
          redis,
          keyPrefix,
          timeoutMs: 5000,
          logger: pino({ level: 'silent' }),
          retry: { retries: 0, maxRateLimitWaits: 0, sleep: () => Promise.resolve() },
        });
      const readers = [source(redisA), source(redisB)];
      sandbox.resetCallCounts();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => readers[i % 2]!.contactPage({ cursor: null })),
      );
      const counts = sandbox.callCounts().constantContact;
      expect(counts.byStatus['429'] ?? 0).toBe(0);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      const keys = await redisA.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await redisA.del(...keys);
      await sandbox.close();
    }
  });
});
