import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import nock from 'nock';
import { pino } from 'pino';
import type { ConstantContactConfig } from '../../src/config/env.ts';
import { createCcTokenProvider, INVALID_GRANT_MESSAGE } from '../../src/connectors/constant-contact/auth.ts';
import { createConstantContactSource } from '../../src/connectors/constant-contact/source.ts';
import { CC_TOKEN_PURPOSE, ccTokenKeys } from '../../src/connectors/constant-contact/token-store.ts';
import { AuthError } from '../../src/errors/index.ts';
import { decodeEncryptionKey, generateEncryptionKey, open } from '../../src/lib/crypto.ts';

const AUTHZ = 'https://authz.cc.test';
const TOKEN_PATH = '/oauth2/default/v1/token';
const API = 'https://api.cc.test';
const json = { 'Content-Type': 'application/json' };
const logger = pino({ level: 'silent' });
const basic = `Basic ${Buffer.from('client-id:client-secret').toString('base64')}`;

const redisA = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const redisB = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
let prefix = '';
let keys = ccTokenKeys('unset');

const encryption = { current: decodeEncryptionKey(generateEncryptionKey())!, previous: undefined };

/** A token as stored in Redis, decrypted (tokens are kept encrypted; a token written in clear reads as it is). */
async function stored(redis: Redis, key: string): Promise<string | null> {
  const value = await redis.get(key);
  if (value === null) return null;
  const purpose = key.endsWith(':cc:access-token')
    ? CC_TOKEN_PURPOSE.accessToken
    : CC_TOKEN_PURPOSE.refreshToken;
  return open(encryption, value, purpose, 'A token').plaintext;
}

function config(seed?: string): ConstantContactConfig {
  return {
    clientId: 'client-id',
    clientSecret: 'client-secret',
    seedRefreshToken: seed,
    baseUrl: `${API}/v3`,
    tokenUrl: `${AUTHZ}${TOKEN_PATH}`,
    requestsPerSecond: 50,
    encryption,
  };
}

function provider(seed?: string, redis = redisA) {
  return createCcTokenProvider(config(seed), { redis, keyPrefix: prefix, timeoutMs: 2000, logger });
}

/** The token endpoint, expecting exactly this refresh token; answers with the next pair. */
function tokenEndpoint(
  expectedRefresh: string,
  answer: { access: string; refresh?: string; expiresIn?: number },
) {
  return nock(AUTHZ, { reqheaders: { authorization: basic } })
    .post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: expectedRefresh })
    .reply(
      200,
      {
        access_token: answer.access,
        token_type: 'Bearer',
        expires_in: answer.expiresIn ?? 86_400,
        ...(answer.refresh ? { refresh_token: answer.refresh } : {}),
      },
      json,
    );
}

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
  keys = ccTokenKeys(prefix);
});

afterEach(async () => {
  const found = await redisA.keys(`${prefix}:*`);
  if (found.length > 0) await redisA.del(...found);
});

afterAll(async () => {
  await redisA.quit();
  await redisB.quit();
});

describe('Constant Contact token provider (real Redis)', () => {
  it('stores a rotated refresh token before the access token is used', async () => {
    const token = tokenEndpoint('seed-1', { access: 'at-1', refresh: 'rt-2' });
    let refreshAtUse: string | null = 'not called';
    const api = nock(API, { reqheaders: { authorization: 'Bearer at-1' } })
      .get('/v3/contacts')
      .query(true)
      .reply(async () => {
        refreshAtUse = await stored(redisB, keys.refreshToken);
        return [200, JSON.stringify({ contacts: [] }), json];
      });
    const source = createConstantContactSource(config('seed-1'), {
      redis: redisA,
      keyPrefix: prefix,
      timeoutMs: 2000,
      logger,
      tokens: provider('seed-1'),
    });
    await source.contactPage({ cursor: null });

    expect(refreshAtUse).toBe('rt-2');
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-2');
    expect(await stored(redisA, keys.accessToken)).toBe('at-1');
    const ttl = await redisA.pttl(keys.accessToken);
    expect(ttl).toBeGreaterThan(86_400_000 - 300_000 - 10_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000 - 300_000);
    expect(await redisA.exists(keys.refreshLock)).toBe(0);
    expect(token.isDone() && api.isDone()).toBe(true);
  });

  it('a restarted worker uses the stored rotated token, not the seed', async () => {
    tokenEndpoint('seed-1', { access: 'at-1', refresh: 'rt-2' });
    expect(await provider('seed-1').accessToken()).toBe('at-1');
    await redisA.del(keys.accessToken); // the access token expired while the worker was down

    const second = tokenEndpoint('rt-2', { access: 'at-2', refresh: 'rt-3' });
    expect(await provider('seed-1').accessToken()).toBe('at-2');
    expect(second.isDone()).toBe(true);
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-3');
  });

  it('a restarted worker reuses the shared access token without refreshing', async () => {
    tokenEndpoint('seed-1', { access: 'at-1', refresh: 'rt-2' });
    await provider('seed-1').accessToken();
    // No token endpoint is mocked any more: a refresh would fail with "Disallowed net connect".
    expect(await provider('seed-1', redisB).accessToken()).toBe('at-1');
  });

  it('two workers refreshing at once make exactly one token request, and both get the token', async () => {
    let requests = 0;
    nock(AUTHZ)
      .post(TOKEN_PATH)
      .times(5)
      .delay(300)
      .reply(() => {
        requests++;
        return [
          200,
          { access_token: `at-${requests}`, refresh_token: `rt-${requests + 1}`, expires_in: 86_400 },
        ];
      });
    await redisA.set(keys.refreshToken, 'rt-1');
    const [a, b] = await Promise.all([
      provider(undefined, redisA).accessToken(),
      provider(undefined, redisB).accessToken(),
    ]);
    expect(requests).toBe(1);
    expect(a).toBe('at-1');
    expect(b).toBe('at-1');
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-2');
  });

  it('concurrent calls in one process share one refresh', async () => {
    let requests = 0;
    nock(AUTHZ)
      .post(TOKEN_PATH)
      .times(5)
      .delay(100)
      .reply(() => {
        requests++;
        return [200, { access_token: 'at-1', refresh_token: 'rt-2', expires_in: 86_400 }];
      });
    await redisA.set(keys.refreshToken, 'rt-1');
    const tokens = provider();
    const got = await Promise.all([tokens.accessToken(), tokens.accessToken(), tokens.accessToken()]);
    expect(got).toEqual(['at-1', 'at-1', 'at-1']);
    expect(requests).toBe(1);
  });

  it('a new seed in the env replaces a stale stored token', async () => {
    tokenEndpoint('seed-A', { access: 'at-1', refresh: 'rt-A2' });
    await provider('seed-A').accessToken();
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-A2');

    // The user re-authorised and put a new token in the env; the stored rt-A2 is dead.
    const fresh = tokenEndpoint('seed-B', { access: 'at-B', refresh: 'rt-B2' });
    expect(await provider('seed-B').accessToken()).toBe('at-B');
    expect(fresh.isDone()).toBe(true);
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-B2');
  });

  it('the same seed again does not undo a rotation', async () => {
    tokenEndpoint('seed-A', { access: 'at-1', refresh: 'rt-A2' });
    await provider('seed-A').accessToken();
    await provider('seed-A').accessToken();
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-A2');
  });

  it('a token stored by `esp-sync auth` wins over an old seed that was never applied', async () => {
    await provider().storeRefreshToken('rt-from-auth');
    const endpoint = tokenEndpoint('rt-from-auth', { access: 'at-1', refresh: 'rt-next' });
    expect(await provider('old-seed').accessToken()).toBe('at-1');
    expect(endpoint.isDone()).toBe(true);
  });

  it('storeRefreshToken replaces the stored token and drops the cached access token', async () => {
    await redisA.set(keys.refreshToken, 'rt-old');
    await redisA.set(keys.accessToken, 'at-old', 'PX', 60_000);
    await provider().storeRefreshToken('rt-new');
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-new');
    expect(await redisA.exists(keys.accessToken)).toBe(0);
  });

  it('a refused refresh token → AuthError with the `esp-sync auth constant-contact` hint, no token in it', async () => {
    nock(AUTHZ)
      .post(TOKEN_PATH)
      .reply(
        400,
        { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' },
        json,
      );
    await redisA.set(keys.refreshToken, 'rt-dead');
    const err = await provider()
      .accessToken()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toBe(INVALID_GRANT_MESSAGE);
    expect((err as Error).message).toContain('esp-sync auth constant-contact');
    expect((err as Error).message).not.toContain('rt-dead');
    expect(await redisA.exists(keys.refreshLock)).toBe(0);
  });

  it('no stored token and no seed → AuthError saying how to get one', async () => {
    await expect(provider().accessToken()).rejects.toThrow(/esp-sync auth constant-contact/);
  });

  it('an app set up as a public client (device flow) refreshes without the secret', async () => {
    await redisA.set(keys.refreshToken, 'rt-1');
    const confidential = nock(AUTHZ)
      .post(TOKEN_PATH)
      .matchHeader('authorization', basic)
      .reply(401, { error: 'invalid_client', error_description: 'Client authentication failed.' }, json);
    const publicClient = nock(AUTHZ, { badheaders: ['authorization'] })
      .post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'client-id' })
      .reply(200, { access_token: 'at-1', refresh_token: 'rt-2', expires_in: 86_400 }, json);
    expect(await provider().accessToken()).toBe('at-1');
    expect(confidential.isDone() && publicClient.isDone()).toBe(true);
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-2');
  });

  it('401 from the API → one refresh and one retry', async () => {
    tokenEndpoint('rt-1', { access: 'at-1', refresh: 'rt-2' });
    tokenEndpoint('rt-2', { access: 'at-2', refresh: 'rt-3' });
    const api = nock(API)
      .get('/v3/contacts')
      .query(true)
      .matchHeader('authorization', 'Bearer at-1')
      .reply(401, { error_key: 'unauthorized', error_message: 'Unauthorized' }, json)
      .get('/v3/contacts')
      .query(true)
      .matchHeader('authorization', 'Bearer at-2')
      .reply(200, { contacts: [{ contact_id: 'a' }] }, json);
    await redisA.set(keys.refreshToken, 'rt-1');
    const source = createConstantContactSource(config(), {
      redis: redisA,
      keyPrefix: prefix,
      timeoutMs: 2000,
      logger,
    });
    const page = await source.contactPage({ cursor: null });
    expect(page.contacts).toHaveLength(1);
    expect(api.isDone()).toBe(true);
    expect(await stored(redisA, keys.accessToken)).toBe('at-2');
    expect(await stored(redisA, keys.refreshToken)).toBe('rt-3');
  });
});
