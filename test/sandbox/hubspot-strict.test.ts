/**
 * The HubSpot simulator is no more lenient than HubSpot: rate tiers, the daily reset in the account's time zone
 * and the usage endpoint, 423/477/DAILY faults, additional email addresses, whole-batch 400s for upsert by
 * email, optional fields sent as null, and property options that must say whether they are hidden.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createHubSpotSink, forgetKnownProperties } from '../../src/connectors/hubspot/index.ts';
import { TransientError } from '../../src/errors/index.ts';
import { captureLogger, fakeLimiter, fakeRedis, hubSpotConfig } from '../unit/hubspot-fixtures.ts';

/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */

let sandbox: Sandbox;
let clockMs = Date.UTC(2026, 10, 20, 12, 0, 0);

beforeAll(async () => {
  sandbox = await startSandbox({ dataset: 'none', hubspot: { clock: () => clockMs } });
});
afterAll(() => sandbox.close());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sandbox.env.HUBSPOT_ACCESS_TOKEN}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const upsert = (...emails: string[]) =>
  call('POST', '/crm/v3/objects/contacts/batch/upsert', {
    inputs: emails.map((email, i) => ({
      id: email,
      idProperty: 'email',
      objectWriteTraceId: String(i),
      properties: { email },
    })),
  });

function sink() {
  return createHubSpotSink(hubSpotConfig(sandbox.url, { accessToken: sandbox.env.HUBSPOT_ACCESS_TOKEN! }), {
    redis: fakeRedis().redis,
    keyPrefix: 'test',
    timeoutMs: 5_000,
    logger: captureLogger().logger,
    limiter: fakeLimiter(),
    retry: { retries: 0, sleep: () => Promise.resolve() },
  });
}

describe('HubSpot simulator strictness', () => {
  it('selects the Free/Starter or Pro/Enterprise burst limit by tier', async () => {
    sandbox.hubspot.setOptions({ tier: 'starter' });
    expect((await upsert('tier@example.com')).headers.get('x-hubspot-ratelimit-max')).toBe('100');
    expect(sandbox.hubspot.options().dailyLimit).toBe(250_000);
    sandbox.hubspot.setOptions({ tier: 'professional' });
    expect((await upsert('tier@example.com')).headers.get('x-hubspot-ratelimit-max')).toBe('190');
    expect(sandbox.hubspot.options().dailyLimit).toBe(625_000);
    sandbox.hubspot.setOptions({ tier: 'enterprise' });
  });

  it('resets the daily limit at midnight in the account time zone and says when in the usage endpoint', async () => {
    sandbox.hubspot.reset();
    sandbox.hubspot.setOptions({ timeZone: 'America/New_York', dailyLimit: 2 });
    clockMs = Date.UTC(2026, 10, 20, 23, 0, 0); // 18:00 in New York
    expect((await upsert('d1@example.com')).status).toBe(200);
    expect((await upsert('d2@example.com')).status).toBe(200);
    const refused = await upsert('d3@example.com');
    expect([refused.status, refused.body.policyName]).toEqual([429, 'DAILY']);
    const usage = await call('GET', '/account-info/v3/api-usage/daily/private-apps');
    expect(usage.status).toBe(200);
    expect(usage.body.results[0]).toMatchObject({
      name: 'private-apps-api-calls-daily',
      usageLimit: 2,
      currentUsage: 2,
      resetsAt: '2026-11-21T05:00:00.000Z',
    });
    clockMs = Date.UTC(2026, 10, 21, 1, 0, 0); // past midnight UTC, still 20:00 in New York
    expect((await upsert('d3@example.com')).status).toBe(429);
    clockMs = Date.UTC(2026, 10, 21, 5, 0, 1);
    expect((await upsert('d3@example.com')).status).toBe(200);
    sandbox.hubspot.setOptions({ timeZone: 'UTC', dailyLimit: 1_000_000 });
  });

  it('injects 423, 477 with Retry-After and DAILY 429s', async () => {
    sandbox.faults.set({ hubspot: { lockedBurst: 1, migrationBurst: 1, migrationRetryAfterSeconds: 90 } });
    expect((await upsert('f@example.com')).status).toBe(423);
    const migrating = await upsert('f@example.com');
    expect([migrating.status, migrating.headers.get('retry-after')]).toEqual([477, '90']);
    sandbox.faults.set({ hubspot: { rateLimitBurst: 1, rateLimitPolicy: 'DAILY' } });
    const daily = await upsert('f@example.com');
    expect([daily.status, daily.body.policyName]).toEqual([429, 'DAILY']);
    expect((await upsert('f@example.com')).status).toBe(200);
    sandbox.faults.clear();
  });

  it('the sink sends a 423 again after the lock and hands a 477 to the queue with its Retry-After', async () => {
    const slept: number[] = [];
    const s = createHubSpotSink(
      hubSpotConfig(sandbox.url, { accessToken: sandbox.env.HUBSPOT_ACCESS_TOKEN! }),
      {
        redis: fakeRedis().redis,
        keyPrefix: 'test',
        timeoutMs: 5_000,
        logger: captureLogger().logger,
        limiter: fakeLimiter(),
        retry: { minTimeoutMs: 1, maxTimeoutMs: 1, sleep: async (ms) => void slept.push(ms) },
      },
    );
    sandbox.faults.set({ hubspot: { lockedBurst: 1 } });
    const [written] = await s.upsertContacts([{ key: 'k', email: 'locked@example.com', properties: {} }]);
    expect(written?.ok).toBe(true);
    expect(slept).toEqual([2_500]);
    const migratingBefore = sandbox.faults.counters().hubspot.migrating;
    sandbox.faults.set({ hubspot: { migrationBurst: 1, migrationRetryAfterSeconds: 120 } });
    const err = await s
      .upsertContacts([{ key: 'k', email: 'locked@example.com', properties: {} }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).waitMs).toBe(120_000);
    expect(sandbox.faults.counters().hubspot.migrating).toBe(migratingBefore + 1);
    sandbox.faults.clear();
  });

  it('finds a contact by an additional email address on upsert, without a second contact', async () => {
    sandbox.hubspot.reset();
    sandbox.hubspot.seedContacts([
      {
        email: 'main@example.com',
        properties: { hs_additional_emails: 'alias@example.com;other@example.com' },
      },
    ]);
    const res = await upsert('Alias@example.com');
    expect(res.status).toBe(200);
    const contacts = sandbox.hubspot.snapshot().contacts;
    expect(contacts).toHaveLength(1);
    expect(res.body.results[0]).toMatchObject({ id: contacts[0]!.id, new: false });
    expect(contacts[0]!.email).toBe('main@example.com');
    const both = await upsert('main@example.com', 'other@example.com');
    expect([both.status, both.body.message]).toEqual([400, expect.stringMatching(/Duplicate IDs/)]);
  });

  it('can answer a failing upsert by email with a whole-batch 400 instead of a 207', async () => {
    sandbox.hubspot.reset();
    expect((await upsert('ok@example.com', 'not-an-email')).status).toBe(207);
    sandbox.hubspot.setOptions({ upsertByEmailErrors: 'whole-batch' });
    const whole = await upsert('ok2@example.com', 'not-an-email');
    expect(whole.status).toBe(400);
    expect(sandbox.hubspot.snapshot().contacts.map((c) => c.email)).toEqual(['ok@example.com']);
    const results = await sink().upsertContacts([
      { key: 'a', email: 'ok3@example.com', properties: {} },
      { key: 'b', email: 'not-an-email', properties: {} },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    sandbox.hubspot.setOptions({ upsertByEmailErrors: 'partial' });
  });

  it('sends optional fields as null by default, or leaves them out', async () => {
    sandbox.hubspot.reset();
    const nulls = await upsert('n@example.com');
    expect(nulls.body).toMatchObject({ errors: null, numErrors: null });
    const refused = await call('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: 'x' });
    expect(refused.body).toMatchObject({ subCategory: null, context: null });
    sandbox.hubspot.setOptions({ optionalFields: 'omit' });
    const omitted = await upsert('n@example.com');
    expect(omitted.body).not.toHaveProperty('errors');
    sandbox.hubspot.setOptions({ optionalFields: 'null' });
  });

  it('refuses property options that do not say whether they are hidden; the sink says so', async () => {
    sandbox.hubspot.reset();
    const bare = await call('POST', '/crm/v3/properties/contacts/batch/create', {
      inputs: [
        {
          name: 'esp_status',
          label: 'Status',
          type: 'enumeration',
          fieldType: 'select',
          groupName: 'contactinformation',
          options: [{ label: 'A', value: 'a', displayOrder: 0 }],
        },
      ],
    });
    expect(bare.status).toBe(400);
    forgetKnownProperties();
    await sink().ensureProperties([
      {
        name: 'esp_status',
        label: 'Status',
        type: 'enumeration',
        fieldType: 'select',
        options: [{ label: 'A', value: 'a' }],
      },
    ]);
    const created = sandbox.hubspot.snapshot().properties.find((p) => p.name === 'esp_status');
    expect(created).toBeDefined();
  });
});
