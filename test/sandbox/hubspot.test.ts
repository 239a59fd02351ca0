/**
 * The HubSpot simulator's CRM side through a real node:http server: contact batches (v3 via the official SDK,
 * 2026-09 via fetch), properties and groups, auth, scopes and rate limits. Every test fails if the sandbox is
 * more lenient than HubSpot.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { createHubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import type { HubSpotSim, HubSpotSimOptions } from '../../src/sandbox/hubspot/index.ts';
import { serve, rejection } from './hubspot-harness.ts';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call */
// Raw HTTP bodies are asserted with expect(), the way a client without the SDK would see them.

const TOKEN = 'pat-na1-good';

let sim: HubSpotSim;
let server: { url: string; close: () => Promise<void> };
let client: Client;
let clockMs = Date.UTC(2026, 10, 20, 12, 0, 0);

const fresh = (options: Partial<HubSpotSimOptions> = {}): HubSpotSim =>
  createHubSpotSim({
    accessTokens: [TOKEN, 'pat-na1-other'],
    rateLimitPer10s: 0,
    dailyLimit: 0,
    clock: () => clockMs,
    ...options,
  });

async function call(
  method: string,
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const upsertInput = (email: string, properties: Record<string, string> = {}, traceId?: string) => ({
  id: email,
  idProperty: 'email',
  properties,
  ...(traceId === undefined ? {} : { objectWriteTraceId: traceId }),
});

beforeAll(async () => {
  sim = fresh();
  server = await serve(() => sim);
  client = new Client({ accessToken: TOKEN, basePath: server.url });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  sim = fresh();
});

describe('contacts batch upsert', () => {
  it('creates then updates by email, lowercases emails, flags new and returns results out of input order', async () => {
    const inputs = Array.from({ length: 20 }, (_, i) =>
      upsertInput(`User${i}@Example.COM`, { firstname: `U${i}` }),
    );
    const first = await client.crm.contacts.batchApi.upsert({ inputs });
    expect(first.status).toBe('COMPLETE');
    expect(first.results).toHaveLength(20);
    expect(first.results.every((r) => r._new === true)).toBe(true);
    expect(first.startedAt).toBeInstanceOf(Date);
    const emails = first.results.map((r) => r.properties.email);
    expect(new Set(emails)).toEqual(new Set(inputs.map((i) => i.id.toLowerCase())));
    expect(emails).not.toEqual(inputs.map((i) => i.id.toLowerCase()));
    expect(first.results.every((r) => /^\d+$/.test(r.id))).toBe(true);

    const second = await client.crm.contacts.batchApi.upsert({
      inputs: [upsertInput('user3@example.com', { lastname: 'Three' })],
    });
    expect(second.results[0]?._new).toBe(false);
    expect(sim.snapshot().contacts).toHaveLength(20);
    const three = sim.snapshot().contacts.find((c) => c.email === 'user3@example.com');
    expect(three?.properties).toMatchObject({ firstname: 'U3', lastname: 'Three' });
  });

  it('refuses 101 inputs with 400 and writes nothing', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => upsertInput(`u${i}@example.com`));
    const err = await rejection(client.crm.contacts.batchApi.upsert({ inputs }));
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(sim.snapshot().contacts).toHaveLength(0);
    const ok = await client.crm.contacts.batchApi.upsert({ inputs: inputs.slice(0, 100) });
    expect(ok.results).toHaveLength(100);
  });

  it('rejects duplicate ids case-insensitively for the whole request, trace ids or not', async () => {
    const err = await rejection(
      client.crm.contacts.batchApi.upsert({
        inputs: [
          upsertInput('a@example.com', {}, 't1'),
          upsertInput('b@example.com', {}, 't2'),
          upsertInput('A@Example.com', {}, 't3'),
        ],
      }),
    );
    expect(err.code).toBe(400);
    expect(String(err.body.message)).toMatch(
      /^Duplicate IDs found in batch input: \[a@example\.com\]\. IDs must be unique$/,
    );
    expect(err.body.context).toEqual({ ids: ['a@example.com'] });
    expect(err.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.snapshot().contacts).toHaveLength(0);
  });

  it('fails the whole request on an invalid email when inputs lack trace ids, writing nothing', async () => {
    const err = await rejection(
      client.crm.contacts.batchApi.upsert({
        inputs: [upsertInput('ok@example.com'), upsertInput('not-an-email')],
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
    expect(String(err.body.message)).toContain('not-an-email');
    expect(sim.snapshot().contacts).toHaveLength(0);
  });

  it('fails the whole request when only some inputs carry trace ids, or trace ids repeat', async () => {
    const partial = await rejection(
      client.crm.contacts.batchApi.upsert({
        inputs: [upsertInput('ok@example.com', {}, 't1'), upsertInput('bad@', {})],
      }),
    );
    expect(partial.code).toBe(400);
    const repeated = await rejection(
      client.crm.contacts.batchApi.upsert({
        inputs: [upsertInput('ok@example.com', {}, 't1'), upsertInput('bad@', {}, 't1')],
      }),
    );
    expect(repeated.code).toBe(400);
    expect(sim.snapshot().contacts).toHaveLength(0);
  });

  it('answers 207 with the valid inputs written when every input has a unique trace id', async () => {
    const res = await client.crm.contacts.batchApi.upsert({
      inputs: [
        upsertInput('good@example.com', { firstname: 'Good' }, 'row-1'),
        upsertInput('invalid-format', { firstname: 'Bad' }, 'row-2'),
        upsertInput('other@example.com', { nosuchproperty: 'x' }, 'row-3'),
      ],
    });
    expect('numErrors' in res && res.numErrors).toBe(2);
    expect(res.results.map((r) => r.objectWriteTraceId)).toEqual(['row-1']);
    const errors = 'errors' in res ? (res.errors ?? []) : [];
    const byTrace = new Map(errors.map((e) => [e.context?.objectWriteTraceId?.[0], e]));
    expect(byTrace.get('row-2')?.message).toBe('Property value "invalid-format" is not a valid email');
    expect(byTrace.get('row-3')?.message).toContain('PROPERTY_DOESNT_EXIST');
    expect(sim.snapshot().contacts.map((c) => c.email)).toEqual(['good@example.com']);
  });

  it.each(['hs_email_optout', 'hs_marketable_status', 'createdate', 'lastmodifieddate'])(
    'refuses to write read-only %s',
    async (name) => {
      const res = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
        inputs: [upsertInput('a@example.com', { [name]: 'true' })],
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('READ_ONLY_VALUE');
      expect(sim.snapshot().contacts).toHaveLength(0);
    },
  );

  it('refuses property values that are not strings', async () => {
    const res = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'a@example.com', idProperty: 'email', properties: { firstname: 42 } }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('validates enumeration, number and date values against the property definition', async () => {
    await client.crm.properties.coreApi.create('contacts', {
      name: 'score',
      label: 'Score',
      type: 'number' as never,
      fieldType: 'number' as never,
      groupName: 'contactinformation',
    });
    await client.crm.properties.coreApi.create('contacts', {
      name: 'signup_date',
      label: 'Signup date',
      type: 'date' as never,
      fieldType: 'date' as never,
      groupName: 'contactinformation',
    });
    const bad: Record<string, string>[] = [
      { lifecyclestage: 'prospect' },
      { score: 'twelve' },
      { signup_date: String(Date.UTC(2024, 0, 2, 10)) },
      { signup_date: '02/01/2024' },
    ];
    for (const properties of bad) {
      const res = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
        inputs: [upsertInput('a@example.com', properties)],
      });
      expect(res.status).toBe(400);
    }
    const midnight = String(Date.UTC(2024, 0, 2));
    const good = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        upsertInput('a@example.com', { lifecyclestage: 'lead', score: '12.5', signup_date: midnight }),
        upsertInput('b@example.com', { signup_date: '2024-01-02', score: '' }),
      ],
    });
    expect(good.status).toBe(200);
  });

  it('refuses an idProperty whose values are not unique, and upserts by a unique custom property', async () => {
    const err = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'Ann', idProperty: 'firstname', properties: {} }],
    });
    expect(err.status).toBe(400);
    expect(err.body.message).toBe('Unable to perform update/upsert by non-unique 0-1 property firstname');
    await client.crm.properties.coreApi.create('contacts', {
      name: 'source_key',
      label: 'Source key',
      type: 'string' as never,
      fieldType: 'text' as never,
      groupName: 'contactinformation',
      hasUniqueValue: true,
    });
    const res = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'mc:1', idProperty: 'source_key', properties: { email: 'x@example.com' } }],
    });
    expect(res.status).toBe(200);
    const clash = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'mc:2', idProperty: 'source_key', properties: { email: 'x@example.com' } }],
    });
    expect(clash.status).toBe(400);
  });

  it('serves the date-versioned 2026-09 path with the same rules', async () => {
    const ok = await call('POST', '/crm/objects/2026-09/contacts/batch/upsert', {
      inputs: [upsertInput('Dated@Example.com', { firstname: 'D' }, 't')],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.results[0]).toMatchObject({
      new: true,
      objectWriteTraceId: 't',
      properties: { email: 'dated@example.com' },
    });
    const tooMany = await call('POST', '/crm/objects/2026-09/contacts/batch/upsert', {
      inputs: Array.from({ length: 101 }, (_, i) => upsertInput(`d${i}@example.com`)),
    });
    expect(tooMany.status).toBe(400);
  });

  it('answers malformed JSON and a missing inputs field with 400', async () => {
    const malformed = await call('POST', '/crm/v3/objects/contacts/batch/upsert', '{"inputs": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.category).toBe('VALIDATION_ERROR');
    const missing = await call('POST', '/crm/v3/objects/contacts/batch/upsert', { input: [] });
    expect(missing.status).toBe(400);
  });
});

describe('contacts batch create, update, read and get', () => {
  it('creates with 201, answers 409 for an existing email, and 207 CONFLICT with trace ids', async () => {
    const created = await client.crm.contacts.batchApi.create({
      inputs: [{ properties: { email: 'new@example.com' }, associations: [] }],
    });
    expect(created.results).toHaveLength(1);
    const conflict = await rejection(
      client.crm.contacts.batchApi.create({
        inputs: [{ properties: { email: 'NEW@example.com' }, associations: [] }],
      }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.category).toBe('CONFLICT');
    const partial = await call('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [
        { properties: { email: 'new@example.com' }, objectWriteTraceId: 'a' },
        { properties: { email: 'fresh@example.com' }, objectWriteTraceId: 'b' },
      ],
    });
    expect(partial.status).toBe(207);
    expect(partial.body.errors[0]).toMatchObject({
      category: 'CONFLICT',
      context: { objectWriteTraceId: ['a'] },
    });
    expect(
      sim
        .snapshot()
        .contacts.map((c) => c.email)
        .sort(),
    ).toEqual(['fresh@example.com', 'new@example.com']);
  });

  it('updates by id and fails the whole request for an unknown id without trace ids', async () => {
    const [contact] = (await client.crm.contacts.batchApi.upsert({ inputs: [upsertInput('u@example.com')] }))
      .results;
    const ok = await client.crm.contacts.batchApi.update({
      inputs: [{ id: contact!.id, properties: { city: 'Oslo' } }],
    });
    expect(ok.results[0]?.properties.city).toBe('Oslo');
    const missing = await call('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id: contact!.id, properties: { city: 'Bergen' } },
        { id: '999', properties: { city: 'Bergen' } },
      ],
    });
    expect(missing.status).toBe(400);
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');
    expect(sim.snapshot().contacts[0]?.properties.city).toBe('Oslo');
  });

  it('reads by email with 207 for missing ids and null for requested but unset properties', async () => {
    await client.crm.contacts.batchApi.upsert({ inputs: [upsertInput('r@example.com', { firstname: 'R' })] });
    const res = await call('POST', '/crm/v3/objects/contacts/batch/read', {
      idProperty: 'email',
      properties: ['firstname', 'company'],
      inputs: [{ id: 'R@example.com' }, { id: 'nobody@example.com' }],
    });
    expect(res.status).toBe(207);
    expect(res.body.results[0].properties).toMatchObject({ firstname: 'R', company: null });
    expect(res.body.errors[0]).toMatchObject({
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['nobody@example.com'] },
    });
  });

  it('gets one contact by id, and 404s an unknown id and an unknown route', async () => {
    const [contact] = (
      await client.crm.contacts.batchApi.upsert({
        inputs: [upsertInput('g@example.com', { firstname: 'G' })],
      })
    ).results;
    const got = await client.crm.contacts.basicApi.getById(contact!.id, ['firstname']);
    expect(got.properties.firstname).toBe('G');
    expect((await rejection(client.crm.contacts.basicApi.getById('12345'))).code).toBe(404);
    const unknown = await call('GET', '/crm/v3/objects/widgets/batch/read');
    expect(unknown.status).toBe(404);
    expect(unknown.body.status).toBe('error');
  });
});

describe('properties and groups', () => {
  it('lists default properties with read-only metadata', async () => {
    const all = await client.crm.properties.coreApi.getAll('contacts');
    const names = all.results.map((p) => p.name);
    for (const n of [
      'email',
      'firstname',
      'lastname',
      'phone',
      'address',
      'city',
      'state',
      'zip',
      'country',
      'company',
      'jobtitle',
      'date_of_birth',
      'hs_email_optout',
      'hs_marketable_status',
      'createdate',
      'lastmodifieddate',
    ]) {
      expect(names).toContain(n);
    }
    const optout = all.results.find((p) => p.name === 'hs_email_optout');
    expect(optout?.modificationMetadata?.readOnlyValue).toBe(true);
  });

  it('creates a property with 201 and answers 409 for an existing name', async () => {
    const spec = {
      name: 'mc_status',
      label: 'Mailchimp status',
      type: 'string' as never,
      fieldType: 'text' as never,
      groupName: 'contactinformation',
    };
    const created = await client.crm.properties.coreApi.create('contacts', spec);
    expect(created.name).toBe('mc_status');
    const again = await rejection(client.crm.properties.coreApi.create('contacts', spec));
    expect(again.code).toBe(409);
    expect(again.body.category).toBe('OBJECT_ALREADY_EXISTS');
    const dflt = await rejection(
      client.crm.properties.coreApi.create('contacts', { ...spec, name: 'email' }),
    );
    expect(dflt.code).toBe(409);
  });

  it('refuses invalid definitions: hs_ prefix, unknown group, enumeration without options, wrong fieldType', async () => {
    const base = { label: 'X', type: 'string', fieldType: 'text', groupName: 'contactinformation' };
    const bad = [
      { ...base, name: 'hs_custom' },
      { ...base, name: 'x1', groupName: 'nosuchgroup' },
      { ...base, name: 'x2', type: 'enumeration', fieldType: 'select' },
      { ...base, name: 'x3', type: 'number', fieldType: 'text' },
      { ...base, name: 'Upper' },
    ];
    for (const body of bad) {
      expect((await call('POST', '/crm/v3/properties/contacts', body)).status).toBe(400);
    }
  });

  it('batch-creates properties with 201, and 207 when one already exists', async () => {
    const mk = (name: string) => ({
      name,
      label: name,
      type: 'string' as never,
      fieldType: 'text' as never,
      groupName: 'contactinformation',
    });
    const first = await client.crm.properties.batchApi.create('contacts', {
      inputs: [mk('p_one'), mk('p_two')],
    });
    expect(first.results).toHaveLength(2);
    expect('numErrors' in first).toBe(false);
    const second = await call('POST', '/crm/v3/properties/contacts/batch/create', {
      inputs: [mk('p_two'), mk('p_three')],
    });
    expect(second.status).toBe(207);
    expect(second.body.numErrors).toBe(1);
    expect(second.body.results.map((p: { name: string }) => p.name)).toEqual(['p_three']);
  });

  it('creates groups with 201 and 409 for an existing one', async () => {
    const group = await client.crm.properties.groupsApi.create('contacts', {
      name: 'esp_sync',
      label: 'ESP sync',
    });
    expect(group.name).toBe('esp_sync');
    expect(
      (
        await rejection(
          client.crm.properties.groupsApi.create('contacts', { name: 'esp_sync', label: 'ESP sync' }),
        )
      ).code,
    ).toBe(409);
    const groups = await client.crm.properties.groupsApi.getAll('contacts');
    expect(groups.results.map((g) => g.name)).toContain('esp_sync');
  });

  it('answers 403 MISSING_SCOPES on property and group creation without crm.schemas.contacts.write', async () => {
    sim = fresh({ missingScopes: ['crm.schemas.contacts.write'] });
    const err = await rejection(
      client.crm.properties.coreApi.create('contacts', {
        name: 'p',
        label: 'P',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'contactinformation',
      }),
    );
    expect(err.code).toBe(403);
    expect(err.body.category).toBe('MISSING_SCOPES');
    expect((await call('POST', '/crm/v3/properties/contacts/groups', { name: 'g', label: 'G' })).status).toBe(
      403,
    );
    expect((await call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
    expect(sim.snapshot().properties.map((p) => p.name)).not.toContain('p');
  });
});

describe('auth and rate limits', () => {
  it('answers 401 INVALID_AUTHENTICATION for a wrong or missing token', async () => {
    const wrong = await call(
      'POST',
      '/crm/v3/objects/contacts/batch/upsert',
      { inputs: [upsertInput('a@example.com')] },
      'pat-na1-wrong',
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(wrong.body.message).toMatch(/^Authentication credentials not found/);
    const none = await fetch(`${server.url}/crm/v3/properties/contacts`);
    expect(none.status).toBe(401);
    expect(sim.snapshot().contacts).toHaveLength(0);
  });

  it('limits each token to N requests per rolling 10 s with headers, then TEN_SECONDLY_ROLLING 429', async () => {
    sim = fresh({ rateLimitPer10s: 3 });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('GET', '/crm/v3/properties/contacts');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('3');
      expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      remaining.push(res.headers.get('x-hubspot-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await rejection(client.crm.properties.coreApi.getAll('contacts'));
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({
      policyName: 'TEN_SECONDLY_ROLLING',
      errorType: 'RATE_LIMIT',
      message: 'You have reached your ten_secondly_rolling limit.',
    });
    expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    expect((await call('GET', '/crm/v3/properties/contacts', undefined, 'pat-na1-other')).status).toBe(200);
    clockMs += 9_999;
    expect((await call('GET', '/crm/v3/properties/contacts')).status).toBe(429);
    clockMs += 2;
    expect((await call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
    expect(sim.snapshot().rateLimited.TEN_SECONDLY_ROLLING).toBe(2);
  });

  it('enforces the daily limit with a DAILY 429 and daily headers, and resets at midnight', async () => {
    sim = fresh({ dailyLimit: 2 });
    const first = await call('GET', '/crm/v3/properties/contacts');
    expect(first.headers.get('x-hubspot-ratelimit-daily')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('1');
    await call('GET', '/crm/v3/properties/contacts', undefined, 'pat-na1-other');
    const limited = await call('GET', '/crm/v3/properties/contacts');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      policyName: 'DAILY',
      message: 'You have reached your daily limit.',
    });
    clockMs += 86_400_000;
    expect((await call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
  });

  it('limits search to 5 per second without rate-limit headers', async () => {
    sim = fresh({ rateLimitPer10s: 100, dailyLimit: 1000 });
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/crm/v3/objects/contacts/search', { limit: 1 });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
      expect(res.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
    }
    const limited = await call('POST', '/crm/v3/objects/contacts/search', { limit: 1 });
    expect(limited.status).toBe(429);
    expect(limited.body.policyName).toBe('SECONDLY');
    clockMs += 1_001;
    expect((await call('POST', '/crm/v3/objects/contacts/search', { limit: 1 })).status).toBe(200);
  });

  it('builds a TEN_SECONDLY_ROLLING 429 for fault injection', () => {
    sim = fresh({ rateLimitPer10s: 190 });
    const res = sim.tooManyRequests();
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', status: 'error' });
    expect(res.headers).toMatchObject({
      'X-HubSpot-RateLimit-Max': '190',
      'X-HubSpot-RateLimit-Remaining': '0',
    });
  });
});
