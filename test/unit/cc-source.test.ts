import { describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { pino } from 'pino';
import type { ConstantContactConfig } from '../../src/config/env.ts';
import type { CcTokenProvider } from '../../src/connectors/constant-contact/auth.ts';
import { createCcHttp } from '../../src/connectors/constant-contact/client.ts';
import { contactsPageSchema } from '../../src/connectors/constant-contact/schemas.ts';
import {
  CcCursorLoopError,
  createConstantContactSource,
} from '../../src/connectors/constant-contact/source.ts';
import type { ApiCallEvent } from '../../src/core/ports.ts';
import {
  AuthError,
  ConfigError,
  MalformedResponseError,
  QuotaExhaustedError,
  RateLimitedError,
  TransientError,
} from '../../src/errors/index.ts';

const HOST = 'https://api.cc.test';
const config: ConstantContactConfig = {
  clientId: 'client-id',
  clientSecret: 'client-secret',
  seedRefreshToken: undefined,
  baseUrl: `${HOST}/v3`,
  tokenUrl: 'https://authz.cc.test/oauth2/default/v1/token',
  requestsPerSecond: 4,
};
const INCLUDE = 'custom_fields,list_memberships,phone_numbers,street_addresses,taggings';

/** Enough of ioredis for SharedRateLimiter to always admit (the shared limit itself is an integration test). */
const admittingRedis = {
  time: () => Promise.resolve([String(Math.floor(Date.now() / 1000)), '0']),
  eval: () => Promise.resolve([0, 1]),
} as unknown as Redis;

function fakeTokens(tokens: string[] = ['token-1', 'token-2', 'token-3']) {
  const invalidated: string[] = [];
  let index = 0;
  const provider: CcTokenProvider = {
    accessToken: () => Promise.resolve(tokens[Math.min(index, tokens.length - 1)]!),
    invalidate: (token) => {
      invalidated.push(token);
      index++;
    },
    storeRefreshToken: () => Promise.resolve(),
  };
  return { provider, invalidated };
}

function source(
  options: {
    tokens?: CcTokenProvider;
    waits?: number[];
    events?: ApiCallEvent[];
    retries?: number;
    rateLimitWaits?: number;
  } = {},
) {
  const waits = options.waits ?? [];
  return createConstantContactSource(config, {
    redis: admittingRedis,
    keyPrefix: 'unit',
    timeoutMs: 2000,
    logger: pino({ level: 'silent' }),
    tokens: options.tokens ?? fakeTokens().provider,
    observe: (e) => options.events?.push(e),
    retry: {
      retries: options.retries ?? 2,
      maxRateLimitWaits: options.rateLimitWaits ?? 0,
      minTimeoutMs: 1,
      maxTimeoutMs: 2,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    },
  });
}

const json = { 'Content-Type': 'application/json' };

describe('Constant Contact contactPage', () => {
  it('asks for every status and sub-resource, then follows relative hrefs to the end', async () => {
    const scope = nock(HOST, { reqheaders: { authorization: 'Bearer token-1' } })
      .get('/v3/contacts')
      .query({
        limit: '500',
        status: 'all',
        include: INCLUDE,
        include_count: 'true',
        updated_after: '2024-01-01T00:00:00Z',
      })
      .reply(
        200,
        {
          contacts: [{ contact_id: 'a' }],
          contacts_count: 3,
          _links: { next: { href: '/v3/contacts?cursor=c2' } },
        },
        json,
      )
      .get('/v3/contacts')
      .query({ cursor: 'c2' })
      .reply(
        200,
        { contacts: [{ contact_id: 'b' }], _links: { next: { href: '/v3/contacts?cursor=c3' } } },
        json,
      )
      .get('/v3/contacts')
      .query({ cursor: 'c3' })
      .reply(200, { contacts: [{ contact_id: 'c' }, { contact_id: 7 }] }, json);

    const cc = source();
    const ids: string[] = [];
    const counts: (number | null)[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await cc.contactPage({ cursor, updatedAfter: '2024-01-01T00:00:00Z' });
      ids.push(...page.contacts.map((c) => c.contact_id));
      counts.push(page.totalCount);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(ids).toEqual(['a', 'b', 'c', '']);
    expect(counts).toEqual([3, null, null]);
    expect(scope.isDone()).toBe(true);
  });

  it('returns the href itself as the next cursor, and passes optout_after', async () => {
    nock(HOST)
      .get('/v3/contacts')
      .query((q) => q.optout_after === '2024-02-02T00:00:00Z' && q.updated_after === undefined)
      .reply(200, { contacts: [], _links: { next: { href: '/v3/contacts?cursor=xyz&limit=500' } } }, json);
    const page = await source().contactPage({ cursor: null, optoutAfter: '2024-02-02T00:00:00Z' });
    expect(page.nextCursor).toBe('/v3/contacts?cursor=xyz&limit=500');
  });

  it('stops with a clear error when the next href repeats the current one', async () => {
    nock(HOST)
      .get('/v3/contacts')
      .query({ cursor: 'same' })
      .reply(
        200,
        { contacts: [{ contact_id: 'a' }], _links: { next: { href: '/v3/contacts?cursor=same' } } },
        json,
      );
    const err = await source()
      .contactPage({ cursor: '/v3/contacts?cursor=same' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CcCursorLoopError);
    // A ConfigError: the worker stops the run with this message instead of retrying the page eight times.
    expect(err).toBeInstanceOf(ConfigError);
  });

  it('refuses a next link to another host (the token must not leave Constant Contact)', async () => {
    await expect(source().contactPage({ cursor: 'https://evil.test/v3/contacts?cursor=a' })).rejects.toThrow(
      ConfigError,
    );
  });

  it('hands a throttled 429 to the queue at once by default', async () => {
    const waits: number[] = [];
    nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .reply(429, { error_key: 'throttled', error_message: 'Too Many Requests' }, json);
    const err = await source({ waits })
      .contactPage({ cursor: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(waits).toEqual([]);
  });

  it('waits out a throttled 429 in-process when allowed, and carries on', async () => {
    const waits: number[] = [];
    nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .reply(429, { error_key: 'throttled', error_message: 'Too Many Requests' }, json)
      .get('/v3/contacts')
      .query(true)
      .reply(200, { contacts: [{ contact_id: 'a' }] }, json);
    const page = await source({ waits, rateLimitWaits: 1 }).contactPage({ cursor: null });
    expect(page.contacts).toHaveLength(1);
    expect(waits).toEqual([1000]);
  });

  it('quota_exceeded → QuotaExhaustedError until the next 00:00 UTC, without retrying', async () => {
    const scope = nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .reply(429, { error_key: 'quota_exceeded', error_message: 'Limit Exceeded' }, json);
    const err = await source()
      .contactPage({ cursor: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExhaustedError);
    const resetAt = (err as QuotaExhaustedError).resetAt;
    expect(resetAt.getTime()).toBeGreaterThan(Date.now());
    expect(resetAt.toISOString()).toMatch(/T00:00:00\.000Z$/);
    expect(resetAt.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect(scope.isDone()).toBe(true);
  });

  it('401 → invalidates the token, refreshes once and retries', async () => {
    const { provider, invalidated } = fakeTokens();
    nock(HOST, { reqheaders: { authorization: 'Bearer token-1' } })
      .get('/v3/contacts')
      .query(true)
      .reply(401, { error_key: 'unauthorized', error_message: 'Unauthorized' }, json);
    nock(HOST, { reqheaders: { authorization: 'Bearer token-2' } })
      .get('/v3/contacts')
      .query(true)
      .reply(200, { contacts: [] }, json);
    await source({ tokens: provider }).contactPage({ cursor: null });
    expect(invalidated).toEqual(['token-1']);
  });

  it('401 after every refresh (six tokens) → AuthError that says how to fix it', async () => {
    const tokens = ['token-1', 'token-2', 'token-3', 'token-4', 'token-5', 'token-6'];
    const { provider, invalidated } = fakeTokens(tokens);
    nock(HOST).get('/v3/contacts').query(true).times(6).reply(401, { error_key: 'unauthorized' }, json);
    const err = await source({ tokens: provider })
      .contactPage({ cursor: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain('esp-sync auth constant-contact');
    expect((err as Error).message).not.toContain('token-');
    expect(invalidated).toEqual(tokens);
  });

  it('403 → AuthError naming the contact_data scope', async () => {
    nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .reply(403, [{ error_key: 'unauthorized', error_message: 'Missing scope' }], json);
    await expect(source().contactPage({ cursor: null })).rejects.toThrow(/contact_data/);
  });

  it('5xx is retried, then succeeds', async () => {
    const events: ApiCallEvent[] = [];
    nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .reply(503, 'Service Unavailable')
      .get('/v3/contacts')
      .query(true)
      .reply(200, { contacts: [] }, json);
    await source({ events }).contactPage({ cursor: null });
    expect(events.map((e) => [e.api, e.endpoint, e.status])).toEqual([
      ['constant-contact', 'GET /contacts', 503],
      ['constant-contact', 'GET /contacts', 200],
    ]);
  });

  it('network failures become TransientError after the retries', async () => {
    const events: ApiCallEvent[] = [];
    nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .times(2)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await source({ events, retries: 1 })
      .contactPage({ cursor: null })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).reason).toBe('network_error');
    expect(events.map((e) => e.status)).toEqual(['network', 'network']);
  });

  it.each([
    ['HTML', 200, '<html>maintenance</html>', { 'Content-Type': 'text/html' }, /body: text\/html, not JSON/],
    ['truncated JSON', 200, '{"contacts":[{"contact_id":"a"', json, /body: truncated or invalid JSON/],
    ['a page without contacts', 200, '{"_links":{}}', json, /contacts: /],
    ['no content type', 200, '{"contacts":[]}', {}, /body: no content type, not JSON/],
  ])(
    'malformed response (%s) → MalformedResponseError after one more send, with a clear message',
    async (_name, status, body, headers, message) => {
      const events: ApiCallEvent[] = [];
      const scope = nock(HOST).get('/v3/contacts').query(true).times(2).reply(status, body, headers);
      const err = await source({ retries: 0, events })
        .contactPage({ cursor: null })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MalformedResponseError);
      expect((err as Error).message).toMatch(/^Constant Contact .*GET \/contacts/);
      expect((err as Error).message).toMatch(message);
      expect(events).toHaveLength(2);
      scope.done();
    },
  );

  it('a 400 with an error array is a final error carrying Constant Contact’s message', async () => {
    nock(HOST)
      .get('/v3/contacts')
      .query(true)
      .reply(400, [{ error_key: 'contacts.api.bad.request', error_message: 'cursor is invalid' }], json);
    await expect(source().contactPage({ cursor: null })).rejects.toThrow(
      /contacts\.api\.bad\.request: cursor is invalid/,
    );
  });
});

describe('Constant Contact definitions', () => {
  it('reads custom fields, lists and tags, following the paging links', async () => {
    const scope = nock(HOST)
      .get('/v3/contact_custom_fields')
      .query({ limit: '100' })
      .reply(
        200,
        {
          custom_fields: [{ custom_field_id: 'cf-1', name: 'Make', label: 'Make', type: 'string' }],
          _links: { next: { href: '/v3/contact_custom_fields?cursor=p2' } },
        },
        json,
      )
      .get('/v3/contact_custom_fields')
      .query({ cursor: 'p2' })
      .reply(200, { custom_fields: [{ custom_field_id: 'cf-2', label: 'When', type: 'date' }] }, json)
      .get('/v3/contact_lists')
      .query({ limit: '500' })
      .reply(200, { lists: [{ list_id: 'l-1', name: 'Newsletter' }], lists_count: 1 }, json)
      .get('/v3/contact_tags')
      .query({ limit: '500' })
      .reply(
        200,
        { tags: [{ tag_id: 't-1', name: 'VIP' }], _links: { next: { href: '/v3/contact_tags?cursor=t2' } } },
        json,
      )
      .get('/v3/contact_tags')
      .query({ cursor: 't2' })
      .reply(200, { tags: [{ tag_id: 't-2', name: 'Lead' }], _links: {} }, json);

    const defs = await source().definitions();
    expect([...defs.customFields]).toEqual([
      ['cf-1', { name: 'Make', label: 'Make', type: 'string' }],
      ['cf-2', { name: 'When', label: 'When', type: 'date' }],
    ]);
    expect([...defs.lists]).toEqual([['l-1', 'Newsletter']]);
    expect([...defs.tags]).toEqual([
      ['t-1', 'VIP'],
      ['t-2', 'Lead'],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('a definitions cursor that repeats stops with a clear error', async () => {
    nock(HOST)
      .get('/v3/contact_custom_fields')
      .query(true)
      .reply(
        200,
        { custom_fields: [], _links: { next: { href: '/v3/contact_custom_fields?cursor=x' } } },
        json,
      )
      .get('/v3/contact_custom_fields')
      .query({ cursor: 'x' })
      .reply(
        200,
        { custom_fields: [], _links: { next: { href: '/v3/contact_custom_fields?cursor=x' } } },
        json,
      );
    await expect(source().definitions()).rejects.toThrow(CcCursorLoopError);
  });
});

describe('createCcHttp', () => {
  it('quota_exceeded resets at the next midnight UTC of the injected clock', async () => {
    nock(HOST).get('/v3/contacts').reply(429, { error_key: 'quota_exceeded' }, json);
    const http = createCcHttp({
      baseUrl: config.baseUrl,
      timeoutMs: 1000,
      tokens: fakeTokens().provider,
      limiter: { acquire: () => Promise.resolve() },
      now: () => new Date('2026-11-28T23:59:59.500Z'),
    });
    const err = await http
      .get({ path: '/contacts' }, 'GET /contacts', contactsPageSchema)
      .catch((e: unknown) => e);
    expect((err as QuotaExhaustedError).resetAt.toISOString()).toBe('2026-11-29T00:00:00.000Z');
  });

  it('an unknown 429 is treated as throttling', async () => {
    nock(HOST).get('/v3/contacts').reply(429, 'slow down');
    const http = createCcHttp({
      baseUrl: config.baseUrl,
      timeoutMs: 1000,
      tokens: fakeTokens().provider,
      limiter: { acquire: () => Promise.resolve() },
      retry: { maxRateLimitWaits: 0 },
    });
    const err = await http
      .get({ path: '/contacts' }, 'GET /contacts', contactsPageSchema)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).waitMs).toBe(1000);
  });

  it('acquires the limiter once per request', async () => {
    let acquired = 0;
    nock(HOST)
      .get('/v3/contacts')
      .reply(401, {}, json)
      .get('/v3/contacts')
      .reply(200, { contacts: [] }, json);
    const http = createCcHttp({
      baseUrl: config.baseUrl,
      timeoutMs: 1000,
      tokens: fakeTokens().provider,
      limiter: {
        acquire: () => {
          acquired++;
          return Promise.resolve();
        },
      },
    });
    await http.get({ path: '/contacts' }, 'GET /contacts', contactsPageSchema);
    expect(acquired).toBe(2);
  });
});
