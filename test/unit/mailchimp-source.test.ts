import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import nock from 'nock';
import type { ApiCallEvent } from '../../src/core/ports.ts';
import type { MailchimpPort } from '../../src/connectors/mailchimp/wire.ts';
import {
  buildMailchimpSource,
  mailchimpSemaphoreKey,
  type ConnectionLimiter,
} from '../../src/connectors/mailchimp/index.ts';
import { createSdkListsApi } from '../../src/connectors/mailchimp/sdk.ts';
import {
  AuthError,
  ConfigError,
  MalformedResponseError,
  RateLimitedError,
  TransientError,
} from '../../src/errors/index.ts';
import type { RetryOptions } from '../../src/http/retry.ts';

const API_KEY = 'abc123secret-us6';
const HOST = 'https://us6.api.mailchimp.com';
const BASE = `${HOST}/3.0`;

class CountingLimiter implements ConnectionLimiter {
  inFlight = 0;
  maxInFlight = 0;
  runs = 0;
  private readonly max: number;
  private readonly waiting: (() => void)[] = [];
  constructor(max: number) {
    this.max = max;
  }
  async run<T>(operation: () => Promise<T>): Promise<T> {
    this.runs++;
    while (this.inFlight >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await operation();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}

function setup(options: { retry?: RetryOptions; timeoutMs?: number; maxConnections?: number } = {}) {
  const events: ApiCallEvent[] = [];
  const rateLimited: RateLimitedError[] = [];
  const limiter = new CountingLimiter(options.maxConnections ?? 10);
  const source: MailchimpPort = buildMailchimpSource({
    lists: () => createSdkListsApi({ apiKey: API_KEY, baseUrl: BASE, timeoutMs: options.timeoutMs ?? 5000 }),
    limiter,
    observe: (event) => events.push(event),
    retry: {
      retries: 2,
      minTimeoutMs: 1,
      maxTimeoutMs: 2,
      sleep: () => Promise.resolve(),
      onRateLimited: (err) => rateLimited.push(err),
      ...options.retry,
    },
  });
  return { source, events, limiter, rateLimited };
}

const membersPath = '/3.0/lists/aud1/members';
const pageParams = { audienceId: 'aud1', status: 'subscribed' as const, offset: 0, count: 1000 };
const member = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  email_address: `${id}@example.com`,
  status: 'subscribed',
  _links: [],
  ...extra,
});
const problem = (status: number, title: string, detail: string) => ({
  type: 'https://mailchimp.com/developer/marketing/docs/errors/',
  title,
  status,
  detail,
  instance: 'x',
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('Mailchimp source: reading', () => {
  it('reads a member page with count, offset 0, status, sort, window and excluded links, over Basic auth', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get('/lists/aud1/members')
      .basicAuth({ user: 'user', pass: API_KEY })
      .query({
        count: '1000',
        offset: '0',
        status: 'subscribed',
        sort_field: 'last_changed',
        sort_dir: 'ASC',
        since_last_changed: '2024-01-01T00:00:00+00:00',
        before_last_changed: '2024-06-01T00:00:00+00:00',
        exclude_fields: '_links,members._links',
      })
      .reply(200, { members: [member('m1'), member('m2')], list_id: 'aud1', total_items: 2502 });
    const page = await source.memberPage({
      ...pageParams,
      sinceLastChanged: '2024-01-01T00:00:00+00:00',
      beforeLastChanged: '2024-06-01T00:00:00+00:00',
    });
    expect(page.totalItems).toBe(2502);
    expect(page.members.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(page.members[0]).toMatchObject({ email_address: 'm1@example.com', status: 'subscribed' });
    scope.done();
  });

  it.each(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional', 'archived'] as const)(
    'passes status=%s and the offset of later pages; no window when none is given',
    async (status) => {
      const { source } = setup();
      const scope = nock(BASE)
        .get('/lists/aud1/members')
        .query({
          count: '1000',
          offset: '2000',
          status,
          sort_field: 'last_changed',
          sort_dir: 'ASC',
          exclude_fields: '_links,members._links',
        })
        .reply(200, { members: [], total_items: 2000 });
      const page = await source.memberPage({ ...pageParams, status, offset: 2000 });
      expect(page).toEqual({ members: [], totalItems: 2000, lastChanged: { first: null, last: null } });
      scope.done();
    },
  );

  it('caps count at 1000', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get(membersPath.replace('/3.0', ''))
      .query((q) => q.count === '1000')
      .reply(200, { members: [], total_items: 0 });
    await source.memberPage({ ...pageParams, count: 5000 });
    scope.done();
  });

  it('listAudiences pages /lists until total_items', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get('/lists')
      .query({ count: '1000', offset: '0', fields: 'lists.id,lists.name,total_items' })
      .reply(200, {
        lists: [
          { id: 'a', name: 'A' },
          { id: 'b', name: 'B', extra: 1 },
        ],
        total_items: 3,
      })
      .get('/lists')
      .query({ count: '1000', offset: '2', fields: 'lists.id,lists.name,total_items' })
      .reply(200, { lists: [{ id: 'c', name: 'C' }], total_items: 3 });
    expect(await source.listAudiences()).toEqual([
      { id: 'a', name: 'A' },
      { id: 'b', name: 'B' },
      { id: 'c', name: 'C' },
    ]);
    scope.done();
  });

  it('listAudiences stops on an empty page even if total_items says more', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get('/lists')
      .query(true)
      .reply(200, { lists: [{ id: 'a', name: 'A' }], total_items: 5 })
      .get('/lists')
      .query((q) => q.offset === '1')
      .reply(200, { lists: [], total_items: 5 });
    expect(await source.listAudiences()).toHaveLength(1);
    scope.done();
  });

  it('getAudience reads id and name', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get('/lists/aud1')
      .query({ fields: 'id,name' })
      .reply(200, { id: 'aud1', name: 'Newsletter' });
    expect(await source.getAudience('aud1')).toEqual({ id: 'aud1', name: 'Newsletter' });
    scope.done();
  });

  it('mergeFields reads every merge field with its options, keeping only string choices', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get('/lists/aud1/merge-fields')
      .query({ count: '1000', offset: '0', exclude_fields: '_links,merge_fields._links' })
      .reply(200, {
        merge_fields: [
          {
            merge_id: 1,
            tag: 'FNAME',
            name: 'First Name',
            type: 'text',
            required: false,
            options: { size: 25 },
          },
          {
            merge_id: 2,
            tag: 'PLAN',
            name: 'Plan',
            type: 'dropdown',
            options: { choices: ['Free', 7, 'Pro'] },
          },
          { merge_id: 3, tag: 'BDAY', name: 'Birthday', type: 'birthday', options: { date_format: 'MM/DD' } },
        ],
        total_items: 3,
      });
    const fields = await source.mergeFields('aud1');
    expect(fields).toEqual([
      {
        tag: 'FNAME',
        name: 'First Name',
        type: 'text',
        options: { choices: undefined, date_format: undefined },
      },
      {
        tag: 'PLAN',
        name: 'Plan',
        type: 'dropdown',
        options: { choices: ['Free', 'Pro'], date_format: undefined },
      },
      {
        tag: 'BDAY',
        name: 'Birthday',
        type: 'birthday',
        options: { choices: undefined, date_format: 'MM/DD' },
      },
    ]);
    scope.done();
  });

  it('one member with messy fields does not fail its page', async () => {
    const { source } = setup();
    nock(BASE)
      .get('/lists/aud1/members')
      .query(true)
      .reply(200, {
        members: [member('ok'), { id: 'odd', email_address: 42, status: null, merge_fields: 'x' }],
        total_items: 2,
      });
    const page = await source.memberPage(pageParams);
    expect(page.members.map((m) => m.id)).toEqual(['ok', 'odd']);
  });

  it('reports every call to the observer with an endpoint label without ids', async () => {
    const { source, events } = setup();
    nock(BASE).get('/lists/aud1/members').query(true).reply(200, { members: [], total_items: 0 });
    await source.memberPage(pageParams);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      api: 'mailchimp',
      endpoint: 'GET /lists/{list_id}/members',
      status: 200,
    });
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('Mailchimp source: errors', () => {
  it('401 → AuthError naming MAILCHIMP_API_KEY, not retried, key not in the message', async () => {
    const { source, events } = setup();
    const scope = nock(BASE)
      .get('/lists')
      .query(true)
      .reply(
        401,
        problem(
          401,
          'API Key Invalid',
          "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        ),
        {
          'Content-Type': 'application/problem+json',
        },
      );
    const err = await rejection(source.listAudiences());
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('MAILCHIMP_API_KEY');
    expect(err.message).toContain('API Key Invalid');
    expect(err.message).not.toContain(API_KEY);
    expect(events.map((e) => e.status)).toEqual([401]);
    scope.done();
  });

  it('403 with a problem body → AuthError', async () => {
    const { source } = setup();
    nock(BASE)
      .get('/lists')
      .query(true)
      .reply(403, problem(403, 'Forbidden', 'You do not have permission'), {
        'Content-Type': 'application/problem+json',
      });
    expect(await rejection(source.listAudiences())).toBeInstanceOf(AuthError);
  });

  it('429 → RateLimitedError handed to the queue at once by default (no worker slot held)', async () => {
    const { source, events } = setup();
    nock(BASE)
      .get(membersPath.replace('/3.0', ''))
      .query(true)
      .reply(
        429,
        problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.'),
      );
    const err = await rejection(source.memberPage(pageParams));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(events.map((e) => e.status)).toEqual([429]);
  });

  it('429 → RateLimitedError waited out in-process when allowed, then success', async () => {
    const { source, events, rateLimited } = setup({ retry: { maxRateLimitWaits: 1 } });
    const scope = nock(BASE)
      .get(membersPath.replace('/3.0', ''))
      .query(true)
      .reply(
        429,
        problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.'),
      )
      .get(membersPath.replace('/3.0', ''))
      .query(true)
      .reply(200, { members: [member('m1')], total_items: 1 });
    const page = await source.memberPage(pageParams);
    expect(page.totalItems).toBe(1);
    expect(rateLimited).toHaveLength(1);
    expect(rateLimited[0]).toBeInstanceOf(RateLimitedError);
    expect(rateLimited[0]!.api).toBe('mailchimp');
    expect(rateLimited[0]!.waitMs).toBeGreaterThanOrEqual(1000);
    expect(rateLimited[0]!.waitMs).toBeLessThanOrEqual(2000);
    expect(events.map((e) => e.status)).toEqual([429, 200]);
    scope.done();
  });

  it('403 without a JSON body is throttling → rate-limited, then success', async () => {
    const { source, rateLimited } = setup({ retry: { maxRateLimitWaits: 1 } });
    const scope = nock(BASE)
      .get('/lists/aud1')
      .query(true)
      .reply(403, '')
      .get('/lists/aud1')
      .query(true)
      .reply(200, { id: 'aud1', name: 'N' });
    expect(await source.getAudience('aud1')).toEqual({ id: 'aud1', name: 'N' });
    expect(rateLimited).toHaveLength(1);
    scope.done();
  });

  it('403s without a problem body (a proxy page) stop with a clear message after a few waits', async () => {
    const { source, events } = setup();
    nock(BASE)
      .get('/lists/aud1')
      .query(true)
      .times(10)
      .reply(403, '<html><body>Access denied</body></html>', { 'Content-Type': 'text/html' });
    // Each wait is the queue's (the job comes back after it); the count spans calls of the process.
    for (let wait = 0; wait < 3; wait++) {
      expect(await rejection(source.getAudience('aud1'))).toBeInstanceOf(RateLimitedError);
    }
    const err = await rejection(source.getAudience('aud1'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(
      /403 without an error body 4 times in a row.*GET \/lists\/\{list_id\}.*proxy/,
    );
    expect(events).toHaveLength(4);
  });

  it('a RateLimitedError reaches the caller when the waits run out', async () => {
    const { source } = setup({ retry: { maxRateLimitWaits: 1 } });
    nock(BASE).get('/lists/aud1').query(true).times(2).reply(429, {});
    expect(await rejection(source.getAudience('aud1'))).toBeInstanceOf(RateLimitedError);
  });

  it('500 → retried, then success', async () => {
    const { source, events } = setup();
    const scope = nock(BASE)
      .get('/lists/aud1/members')
      .query(true)
      .times(2)
      .reply(500, problem(500, 'Internal Server Error', 'oops'))
      .get('/lists/aud1/members')
      .query(true)
      .reply(200, { members: [], total_items: 0 });
    await expect(source.memberPage(pageParams)).resolves.toEqual({
      members: [],
      totalItems: 0,
      lastChanged: { first: null, last: null },
    });
    expect(events.map((e) => e.status)).toEqual([500, 500, 200]);
    scope.done();
  });

  it('5xx every time → TransientError after the retries', async () => {
    const { source, events } = setup();
    nock(BASE).get('/lists/aud1/members').query(true).times(3).reply(503, 'Service Unavailable');
    const err = await rejection(source.memberPage(pageParams));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).reason).toBe('status_code_503');
    expect(events).toHaveLength(3);
  });

  it.each([
    [
      'an HTML page behind a 200',
      '<html><body>Maintenance</body></html>',
      { 'Content-Type': 'text/html' },
      /body: not JSON \(text\/html\)/,
    ],
    ['truncated JSON', '{"members":[{"id":"m1"', { 'Content-Type': 'application/json' }, /body: not JSON/],
    [
      'a body without members',
      JSON.stringify({ total_items: 3 }),
      { 'Content-Type': 'application/json' },
      /members/,
    ],
    ['an empty object', '{}', { 'Content-Type': 'application/json' }, /members: /],
    [
      'members that is not an array',
      JSON.stringify({ members: {}, total_items: 1 }),
      { 'Content-Type': 'application/json' },
      /members/,
    ],
    [
      'a member without an id',
      JSON.stringify({ members: [{ email_address: 'a@b.co' }], total_items: 1 }),
      { 'Content-Type': 'application/json' },
      /members\.0\.id/,
    ],
  ])(
    '%s → MalformedResponseError after one more send, with a clear message',
    async (_label, body, headers, message) => {
      const { source, events } = setup({ retry: { retries: 0 } });
      const scope = nock(BASE).get('/lists/aud1/members').query(true).times(2).reply(200, body, headers);
      const err = await rejection(source.memberPage(pageParams));
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect(err.message).toMatch(message);
      expect(err.message).toContain('Mailchimp');
      expect(err.message).toContain('GET /lists/{list_id}/members');
      expect(err.message).not.toContain('a@b.co');
      expect(events).toHaveLength(2);
      scope.done();
    },
  );

  it('a malformed page is retried and a good one then succeeds', async () => {
    const { source } = setup();
    const scope = nock(BASE)
      .get('/lists/aud1/members')
      .query(true)
      .reply(200, '<html></html>', { 'Content-Type': 'text/html' })
      .get('/lists/aud1/members')
      .query(true)
      .reply(200, { members: [member('m1')], total_items: 1 });
    expect((await source.memberPage(pageParams)).members).toHaveLength(1);
    scope.done();
  });

  it('404 on an audience → ConfigError pointing at --audience, not retried', async () => {
    const { source, events } = setup();
    nock(BASE)
      .get('/lists/nope/members')
      .query(true)
      .reply(404, problem(404, 'Resource Not Found', 'The requested resource could not be found.'), {
        'Content-Type': 'application/problem+json',
      });
    const err = await rejection(source.memberPage({ ...pageParams, audienceId: 'nope' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/Audience nope not found: check --audience/i);
    expect(events).toHaveLength(1);
  });

  it('a network error (connection refused) → TransientError, retried', async () => {
    const port = await closedPort();
    const events: ApiCallEvent[] = [];
    const source = buildMailchimpSource({
      lists: () =>
        createSdkListsApi({ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}/3.0`, timeoutMs: 5000 }),
      limiter: new CountingLimiter(10),
      observe: (event) => events.push(event),
      retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 },
    });
    const err = await rejection(source.getAudience('aud1'));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).reason).toBe('network_ECONNREFUSED');
    expect(err.message).toContain('Could not reach Mailchimp');
    expect(events.map((e) => e.status)).toEqual(['network', 'network']);
  });

  it('a timeout → TransientError', async () => {
    const { source } = setup({ timeoutMs: 50, retry: { retries: 0 } });
    nock(BASE).get('/lists/aud1').query(true).delay(300).reply(200, { id: 'aud1', name: 'N' });
    const err = await rejection(source.getAudience('aud1'));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).reason).toBe('timeout');
  });

  it('another 4xx (400) → not retried, the problem detail in the message', async () => {
    const { source, events } = setup();
    nock(BASE)
      .get('/lists/aud1/members')
      .query(true)
      .reply(400, problem(400, 'Invalid Resource', 'since_last_changed is not a date'), {
        'Content-Type': 'application/problem+json',
      });
    const err = await rejection(source.memberPage(pageParams));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('since_last_changed is not a date');
    expect(events).toHaveLength(1);
  });
});

describe('Mailchimp source: connections', () => {
  it('every HTTP attempt holds a connection slot, and never more than the limit at once', async () => {
    const { source, limiter } = setup({ maxConnections: 2 });
    nock(BASE)
      .get('/lists/aud1/members')
      .query(true)
      .times(6)
      .delay(30)
      .reply(200, { members: [], total_items: 0 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => source.memberPage({ ...pageParams, offset: i })));
    expect(limiter.runs).toBe(6);
    expect(limiter.maxInFlight).toBe(2);
  });

  it('a retried call takes a slot per attempt and releases it in between', async () => {
    const { source, limiter } = setup();
    nock(BASE)
      .get('/lists/aud1')
      .query(true)
      .reply(500)
      .get('/lists/aud1')
      .query(true)
      .reply(200, { id: 'aud1', name: 'N' });
    await source.getAudience('aud1');
    expect(limiter.runs).toBe(2);
    expect(limiter.inFlight).toBe(0);
  });

  it('the semaphore key holds a hash of the API key, never the key', () => {
    const key = mailchimpSemaphoreKey('esp-sync', API_KEY);
    expect(key).toMatch(/^esp-sync:limits:mailchimp:[0-9a-f]{16}$/);
    expect(key).not.toContain('abc123');
    expect(mailchimpSemaphoreKey('esp-sync', 'other-us6')).not.toBe(key);
  });
});
