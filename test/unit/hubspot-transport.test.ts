import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo } from 'node:net';
import nock from 'nock';
import {
  AuthError,
  MalformedResponseError,
  QuotaExhaustedError,
  RateLimitedError,
  TransientError,
} from '../../src/errors/index.ts';
import { fakeLimiter, testSink } from './hubspot-fixtures.ts';

const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const ok = {
  status: 'COMPLETE',
  results: [
    {
      id: '512',
      new: false,
      objectWriteTraceId: '0',
      properties: { email: 'jane@example.com' },
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-11-28T00:00:00Z',
      archived: false,
    },
  ],
  startedAt: '2026-11-28T00:00:00Z',
  completedAt: '2026-11-28T00:00:01Z',
};
const jane = [{ key: 'k1', email: 'jane@example.com', properties: { firstname: 'Jane' } }];

afterAll(() => nock.restore());

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('HubSpot transport (through upsertContacts)', () => {
  it('sends the bearer token, acquires the limiter and reports the call', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl, { reqheaders: { authorization: 'Bearer pat-na1-test-token' } })
      .post(UPSERT)
      .reply(200, ok);
    await t.sink.upsertContacts(jane);
    expect(scope.isDone()).toBe(true);
    expect(t.limiter.state.acquired).toBe(1);
    expect(t.events).toEqual([
      { api: 'hubspot', endpoint: `POST ${UPSERT}`, status: 200, durationMs: expect.any(Number) },
    ]);
  });

  it('retries a 503, then succeeds; every attempt acquires the limiter', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl).post(UPSERT).reply(503, 'Service Unavailable').post(UPSERT).reply(200, ok);
    const [result] = await t.sink.upsertContacts(jane);
    expect(result).toMatchObject({ ok: true, hubspotId: '512', created: false });
    expect(scope.isDone()).toBe(true);
    expect(t.limiter.state.acquired).toBe(2);
    expect(t.events.map((e) => e.status)).toEqual([503, 200]);
  });

  it('gives up on a lasting 5xx with a TransientError after the configured retries', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl).post(UPSERT).times(3).reply(502, '<html>Bad gateway</html>');
    await expect(t.sink.upsertContacts(jane)).rejects.toBeInstanceOf(TransientError);
    expect(scope.isDone()).toBe(true);
  });

  it('hands a ten-secondly 429 to the queue at once by default: no worker slot held, one request', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(UPSERT)
      .reply(429, { status: 'error', policyName: 'TEN_SECONDLY_ROLLING' });
    const err = await t.sink.upsertContacts(jane).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(scope.isDone()).toBe(true);
    expect(t.sleeps).toEqual([]);
  });

  it('waits out ten-secondly 429s in-process when allowed, without counting them as failures', async () => {
    const sleeps: number[] = [];
    const t = testSink({
      deps: {
        retry: {
          retries: 2,
          minTimeoutMs: 1,
          maxTimeoutMs: 1,
          maxRateLimitWaits: 4,
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
        },
      },
    });
    const limited = {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: 'x',
      policyName: 'TEN_SECONDLY_ROLLING',
    };
    // More 429s in a row than transient retries (2): they must not use up the retry budget.
    const scope = nock(t.baseUrl).post(UPSERT).times(4).reply(429, limited).post(UPSERT).reply(200, ok);
    const [result] = await t.sink.upsertContacts(jane);
    expect(result?.ok).toBe(true);
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([2_000, 2_000, 2_000, 2_000]);
  });

  it('turns a DAILY 429 into QuotaExhaustedError at once, paused until the reset the usage endpoint reports', async () => {
    const t = testSink();
    const resetsAt = new Date(Date.now() + 5 * 3600_000).toISOString();
    const scope = nock(t.baseUrl)
      .post(UPSERT)
      .reply(429, { status: 'error', message: 'You have reached your daily limit.', policyName: 'DAILY' })
      .get('/account-info/v3/api-usage/daily/private-apps')
      .reply(200, {
        results: [{ name: 'private-apps-api-calls-daily', usageLimit: 1, currentUsage: 1, resetsAt }],
      });
    const error = await t.sink.upsertContacts(jane).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QuotaExhaustedError);
    expect((error as QuotaExhaustedError).resetAt.toISOString()).toBe(resetsAt);
    expect(scope.isDone()).toBe(true);
    expect(t.sleeps).toEqual([]);
  });

  it('a DAILY 429 without a usable usage answer pauses for a probe within the hour', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(UPSERT)
      .reply(429, { status: 'error', message: 'You have reached your daily limit.', policyName: 'DAILY' })
      .get('/account-info/v3/api-usage/daily/private-apps')
      .reply(429, { status: 'error', policyName: 'DAILY' });
    const error = await t.sink.upsertContacts(jane).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QuotaExhaustedError);
    const pause = (error as QuotaExhaustedError).resetAt.getTime() - Date.now();
    expect(pause).toBeGreaterThan(50 * 60_000);
    expect(pause).toBeLessThanOrEqual(60 * 60_000);
  });

  it('tells the limiter the burst limit HubSpot announces, once, and lowers it after a TEN_SECONDLY 429', async () => {
    const learned: [number, number][] = [];
    let lowered = 0;
    const base = fakeLimiter();
    const t = testSink({
      deps: {
        limiter: {
          ...base,
          learn: (max, intervalMs) => {
            learned.push([max, intervalMs]);
            return Promise.resolve();
          },
          lower: () => {
            lowered++;
            return Promise.resolve();
          },
        },
        retry: { retries: 0, maxRateLimitWaits: 0, sleep: () => Promise.resolve() },
      },
    });
    const limits = { 'X-HubSpot-RateLimit-Max': '100', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' };
    nock(t.baseUrl)
      .post(UPSERT)
      .times(2)
      .reply(200, ok, limits)
      .post(UPSERT)
      .reply(429, { status: 'error', policyName: 'TEN_SECONDLY_ROLLING' }, limits);
    await t.sink.upsertContacts(jane);
    await t.sink.upsertContacts(jane);
    expect(learned).toEqual([[100, 10_000]]);
    await expect(t.sink.upsertContacts(jane)).rejects.toThrow(/rate limit/i);
    expect(lowered).toBe(1);
  });

  it('stops on 401 with a message that says what to fix and no token in it', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(UPSERT)
      .reply(401, { status: 'error', message: 'Authentication credentials not found.' });
    const error = await t.sink.upsertContacts(jane).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/HUBSPOT_ACCESS_TOKEN \(401\): check the token/);
    expect((error as Error).message).not.toContain('pat-na1-test-token');
  });

  it('does not slow down for its own use of the window, only when the budget is spent elsewhere', async () => {
    const t = testSink();
    t.limiter.state.usedInWindow = 170;
    nock(t.baseUrl)
      // Our limiter counts 170 in the window and HubSpot says 20 remain: all of it is ours.
      .post(UPSERT)
      .reply(200, ok, { 'X-HubSpot-RateLimit-Max': '190', 'X-HubSpot-RateLimit-Remaining': '20' })
      // None remain although we used 170 of 190: someone else spends our budget.
      .post(UPSERT)
      .reply(200, ok, { 'X-HubSpot-RateLimit-Max': '190', 'X-HubSpot-RateLimit-Remaining': '0' });
    await t.sink.upsertContacts(jane);
    expect(t.limiter.state.slowDowns).toEqual([]);
    await t.sink.upsertContacts(jane);
    expect(t.limiter.state.slowDowns).toEqual([[0.5, 10_000]]);
  });

  it('sends once more after a 200 that is not JSON, then stops with vendor, endpoint and field, no body', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(UPSERT)
      .times(3)
      .reply(200, '{"status":"COMPLETE","results":[{"id":"jane@');
    const err = await t.sink.upsertContacts(jane).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as Error).message).toMatch(
      /^HubSpot .*POST \/crm\/v3\/objects\/contacts\/batch\/upsert.*\(body: /,
    );
    expect((err as Error).message).not.toContain('jane@');
    expect(t.events).toHaveLength(2);
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it('a 200 of the wrong shape is not transient: one more send, then the first offending field', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(UPSERT)
      .times(3)
      .reply(200, { status: 'COMPLETE', results: [{ id: null }] });
    const err = await t.sink.upsertContacts(jane).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(err).toMatchObject({ api: 'hubspot', field: 'results.0.id' });
    expect(t.events).toHaveLength(2);
  });

  it('turns a hung request into a TransientError after timeoutMs', async () => {
    const t = testSink({ deps: { timeoutMs: 50, retry: { retries: 0 } } });
    nock(t.baseUrl).post(UPSERT).delay(400).reply(200, ok);
    const error = await t.sink.upsertContacts(jane).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).reason).toBe('timeout');
    expect(t.events).toEqual([expect.objectContaining({ status: 'network' })]);
  });

  it('turns a refused connection into a TransientError', async () => {
    // nock's replyWithError never settles a native fetch, so use a loopback port nothing listens on.
    const t = testSink({
      config: { baseUrl: `http://127.0.0.1:${await closedPort()}` },
      deps: { retry: { retries: 0 } },
    });
    const error = await t.sink.upsertContacts(jane).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).reason).toBe('network_error');
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(t.events).toEqual([expect.objectContaining({ status: 'network' })]);
  });
});
