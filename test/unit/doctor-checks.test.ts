/** The doctor's verdicts as pure functions of what Redis and HubSpot answered (no Redis, no network). */
import { describe, expect, it } from '@jest/globals';
import type { ProbeAnswer } from '../../src/connectors/hubspot/probe.ts';
import {
  batchStatusCheck,
  rateLimitChecks,
  scopeCheck,
  tokenCheck,
} from '../../src/doctor/hubspot-checks.ts';
import type { Redis } from 'ioredis';
import { evictionCheck, persistenceCheck, readRedisFacts } from '../../src/doctor/redis-checks.ts';

const answer = (status: ProbeAnswer['status'], extra: Partial<ProbeAnswer> = {}): ProbeAnswer => ({
  endpoint: 'GET /x',
  status,
  headers: {},
  body: null,
  detail: '',
  category: undefined,
  missingScopes: [],
  ...extra,
});

describe('Redis eviction policy', () => {
  it('passes noeviction only', () => {
    expect(evictionCheck('noeviction').status).toBe('ok');
  });

  it.each(['allkeys-lru', 'volatile-lru', 'allkeys-random', 'volatile-ttl'])(
    'fails %s, saying how to fix it',
    (p) => {
      const c = evictionCheck(p);
      expect(c.status).toBe('fail');
      expect(c.detail).toContain(`maxmemory-policy is ${p}`);
      expect(c.fix).toContain('CONFIG SET maxmemory-policy noeviction');
    },
  );

  it('warns when Redis refused to tell', () => {
    expect(evictionCheck(null).status).toBe('warn');
  });
});

describe('Redis persistence', () => {
  it('passes the append-only file (CONFIG or INFO spelling) or RDB snapshots', () => {
    expect(persistenceCheck({ appendonly: 'yes', save: '' }).status).toBe('ok');
    expect(persistenceCheck({ appendonly: '1', save: null }).status).toBe('ok');
    expect(persistenceCheck({ appendonly: 'no', save: '3600 1 300 100' })).toMatchObject({
      status: 'ok',
      detail: 'RDB snapshots (save 3600 1 300 100)',
    });
  });

  it('warns without either, and when CONFIG was refused (unknown)', () => {
    expect(persistenceCheck({ appendonly: 'no', save: '' })).toMatchObject({
      status: 'warn',
      detail: 'neither the append-only file nor RDB snapshots',
    });
    expect(persistenceCheck({ appendonly: null, save: null })).toMatchObject({
      status: 'warn',
      detail: 'unknown: Redis refused CONFIG GET',
    });
  });
});

/** A stand-in for a managed Redis: CONFIG refused, INFO answered (or refused too). */
function managedRedis(info: Record<string, string> | null): Redis {
  return {
    call: () => Promise.reject(new Error("ERR unknown command 'CONFIG'")),
    info: (section: string) =>
      info ? Promise.resolve(info[section] ?? '') : Promise.reject(new Error("ERR unknown command 'INFO'")),
  } as unknown as Redis;
}

describe('what a Redis that refuses CONFIG tells', () => {
  it('reads the policy and the append-only file from INFO instead', async () => {
    const facts = await readRedisFacts(
      managedRedis({
        memory: '# Memory\r\nmaxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\n',
        persistence: '# Persistence\r\naof_enabled:1\r\n',
      }),
    );
    expect(facts).toEqual({ maxmemoryPolicy: 'allkeys-lru', appendonly: '1', save: null });
    expect(evictionCheck(facts.maxmemoryPolicy).status).toBe('fail');
    expect(persistenceCheck(facts).status).toBe('ok');
  });

  it('is unknown (warnings, not failures) when INFO is refused too', async () => {
    const facts = await readRedisFacts(managedRedis(null));
    expect(facts).toEqual({ maxmemoryPolicy: null, appendonly: null, save: null });
    expect([evictionCheck(facts.maxmemoryPolicy).status, persistenceCheck(facts).status]).toEqual([
      'warn',
      'warn',
    ]);
  });
});

describe('HubSpot answers', () => {
  it('a 401 fails the token; a 403 means the token itself was accepted', () => {
    expect(tokenCheck(answer(401), 'https://api.hubapi.com').status).toBe('fail');
    expect(tokenCheck(answer(403), 'https://api.hubapi.com').status).toBe('ok');
    expect(tokenCheck(answer('network', { detail: 'ECONNREFUSED' }), 'http://h').detail).toBe(
      'no answer from http://h: ECONNREFUSED',
    );
    expect(tokenCheck(answer(503), 'https://api.hubapi.com').status).toBe('warn');
  });

  it('a 403 fails the scope and names what HubSpot lists; allowed statuses pass', () => {
    const refused = scopeCheck(
      'id',
      'label',
      answer(403, { category: 'MISSING_SCOPES', missingScopes: ['a.read', 'b.read'] }),
      'fallback.scope',
    );
    expect(refused.status).toBe('fail');
    expect(refused.detail).toBe(
      'HubSpot refused GET /x (403 MISSING_SCOPES): the token lacks a.read, b.read',
    );
    expect(scopeCheck('id', 'label', answer(403), 'fallback.scope').detail).toMatch(/lacks fallback\.scope$/);
    expect(scopeCheck('id', 'label', answer(404), 's', [404]).status).toBe('ok');
    expect(scopeCheck('id', 'label', answer(404), 's').status).toBe('warn');
  });

  it('batch status endpoints: 403 is a warning with the fallback cost at the portal’s limit', () => {
    expect(batchStatusCheck(answer(200), 190).status).toBe('ok');
    const fallback = batchStatusCheck(answer(403), 100);
    expect(fallback.status).toBe('warn');
    expect(fallback.detail).toMatch(/about 200 addresses a minute$/);
  });

  it('limits from the headers, the usage endpoint as a fallback, and a skip when neither tells', () => {
    const headers = {
      'x-hubspot-ratelimit-max': '100',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-daily': '250000',
      'x-hubspot-ratelimit-daily-remaining': '249000',
    };
    const [burst, daily] = rateLimitChecks([answer(200, { headers })], null, 190);
    expect(burst?.detail).toBe(
      "100 calls per 10 s; HUBSPOT_RATE_LIMIT=190 is above it, so the workers use HubSpot's 100",
    );
    expect(daily?.detail).toBe('249,000 of 250,000 calls left today');

    const usage = answer(200, {
      body: { results: [{ name: 'private-apps-api-calls-daily', usageLimit: 500000, currentUsage: 500000 }] },
    });
    const [none, used] = rateLimitChecks([answer(200)], usage, 190);
    expect(none?.status).toBe('skip');
    expect(used).toMatchObject({ status: 'warn', detail: 'used up (0 of 500,000 left)' });
    expect(rateLimitChecks([answer(200)], null, 190)[1]?.status).toBe('skip');
  });
});
