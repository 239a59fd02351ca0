/**
 * Email changes against the HubSpot simulator: HubSpot updates records by id only, so the sink reads the id by
 * the old address first. The simulator refuses a batch update keyed by email the way HubSpot does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import type { HubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import { createHubSpotSink } from '../../src/connectors/hubspot/index.ts';
import { captureLogger, fakeLimiter, fakeRedis, hubSpotConfig } from '../unit/hubspot-fixtures.ts';
import { serve } from './hubspot-harness.ts';

const TOKEN = 'pat-na1-email-changes-test';
let sim: HubSpotSim;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  sim = createHubSpotSim({ accessTokens: [TOKEN], rateLimitPer10s: 0, dailyLimit: 0 });
  server = await serve(() => sim);
});
afterAll(() => server.close());
beforeEach(() => {
  sim.reset();
  sim.seedContacts([
    { email: 'old@example.com', properties: { firstname: 'Olga' } },
    { email: 'taken@example.com', properties: { firstname: 'Tara' } },
  ]);
});

function sink() {
  return createHubSpotSink(hubSpotConfig(server.url, { accessToken: TOKEN }), {
    redis: fakeRedis().redis,
    keyPrefix: 'test',
    timeoutMs: 5_000,
    logger: captureLogger().logger,
    limiter: fakeLimiter(),
    retry: { retries: 0, sleep: () => Promise.resolve() },
  });
}

const idOf = (email: string) => sim.snapshot().contacts.find((c) => c.email === email)?.id;

describe('HubSpot email changes', () => {
  it('the simulator refuses a batch update keyed by email, as HubSpot does', async () => {
    const res = await fetch(`${server.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ id: 'old@example.com', idProperty: 'email', properties: { email: 'new@example.com' } }],
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /Unable to perform update\/upsert by non-unique 0-1 property/,
    );
    expect(idOf('new@example.com')).toBeUndefined();
  });

  it('reads the record id by the old address, then updates that record: no second contact', async () => {
    const before = idOf('old@example.com');
    const results = await sink().changeEmails([
      { key: 'mc:1', oldEmail: 'Old@Example.com', newEmail: 'new@example.com' },
    ]);
    expect(results).toEqual([{ key: 'mc:1', ok: true, hubspotId: before }]);
    const contacts = sim.snapshot().contacts;
    expect(contacts.map((c) => c.email).sort()).toEqual(['new@example.com', 'taken@example.com']);
    expect(idOf('new@example.com')).toBe(before);
  });

  it('reports each refused change: unknown old address, new address taken; the others go through', async () => {
    const results = await sink().changeEmails([
      { key: 'a', oldEmail: 'nobody@example.com', newEmail: 'n1@example.com' },
      { key: 'b', oldEmail: 'old@example.com', newEmail: 'taken@example.com' },
    ]);
    expect(results[0]).toEqual({
      key: 'a',
      ok: false,
      reason: expect.stringMatching(/no contact at the old address/i),
      oldMissing: true,
    });
    expect(results[1]).toMatchObject({ key: 'b', ok: false });
    expect(
      sim
        .snapshot()
        .contacts.map((c) => c.email)
        .sort(),
    ).toEqual(['old@example.com', 'taken@example.com']);

    const mixed = await sink().changeEmails([
      { key: 'c', oldEmail: 'old@example.com', newEmail: 'fresh@example.com' },
      { key: 'd', oldEmail: 'nobody@example.com', newEmail: 'n2@example.com' },
    ]);
    expect(mixed.map((r) => r.ok)).toEqual([true, false]);
    expect(idOf('fresh@example.com')).toBeDefined();
  });
});
