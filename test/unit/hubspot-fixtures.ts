/** Shared builders for the HubSpot sink tests: a fake limiter, an in-memory Redis stand-in, a log capture. */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HubSpotConfig } from '../../src/config/env.ts';
import { createHubSpotSink, type HubSpotSinkDeps } from '../../src/connectors/hubspot/index.ts';
import type { ApiCallEvent } from '../../src/core/ports.ts';
import { createLogger } from '../../src/lib/logger.ts';

/** A fresh host per test: the sink keeps per-process caches per account (base URL + token). */
export function uniqueBaseUrl(): string {
  return `https://hs-${randomUUID().slice(0, 8)}.hubapi.test`;
}

export function hubSpotConfig(baseUrl: string, overrides: Partial<HubSpotConfig> = {}): HubSpotConfig {
  return {
    accessToken: 'pat-na1-test-token',
    baseUrl,
    subscriptionId: '1234567',
    subscriptionName: 'Marketing Information',
    rateLimitPer10s: 190,
    propertyGroup: 'esp_sync',
    ...overrides,
  };
}

export function fakeLimiter() {
  const state = { acquired: 0, usedInWindow: 0, slowDowns: [] as [number, number][] };
  return {
    state,
    acquire: () => {
      state.acquired++;
      return Promise.resolve(state.usedInWindow || undefined);
    },
    slowDown: (factor: number, forMs: number) => {
      state.slowDowns.push([factor, forMs]);
    },
  };
}

/** Just get/set, which is all the sink asks of Redis when a limiter is injected. */
export function fakeRedis(): { redis: Redis; data: Map<string, string> } {
  const data = new Map<string, string>();
  const redis = {
    get: (key: string) => Promise.resolve(data.get(key) ?? null),
    set: (key: string, value: string) => {
      data.set(key, value);
      return Promise.resolve('OK');
    },
  } as unknown as Redis;
  return { redis, data };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  // pino writes synchronously to a plain Writable, so lines are there when the call returns.
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

export function testSink(options: { config?: Partial<HubSpotConfig>; deps?: Partial<HubSpotSinkDeps> } = {}) {
  const baseUrl = uniqueBaseUrl();
  const limiter = fakeLimiter();
  const { redis, data: redisData } = fakeRedis();
  const { logger, lines } = captureLogger();
  const events: ApiCallEvent[] = [];
  const sleeps: number[] = [];
  const config = hubSpotConfig(baseUrl, options.config);
  const sink = createHubSpotSink(config, {
    redis,
    keyPrefix: 'test',
    timeoutMs: 2_000,
    logger,
    observe: (event) => events.push(event),
    limiter,
    retry: {
      retries: 2,
      minTimeoutMs: 1,
      maxTimeoutMs: 1,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    },
    ...options.deps,
  });
  return { sink, baseUrl, config, limiter, redisData, lines, events, sleeps };
}

/** nock 15 calls reply functions with the fetch Request (not `(uri, body)` as its README says); read its JSON. */
export function withJsonBody<T, R>(fn: (body: T) => R): (req: Request) => Promise<R> {
  return async (req) => fn((await req.json()) as T);
}
