/**
 * The HubSpot simulator's imports as HubSpot documents them: at most 3 run at once (the others wait
 * DEFERRED), a file over the row or size limit is refused with 429, an import writes a contact exactly as a
 * batch upsert of the same properties would, and it never changes a subscription status or an opt-out.
 * https://developers.hubspot.com/docs/api/crm/imports
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import type { HubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import { serve } from './hubspot-harness.ts';

const TOKEN = 'pat-na1-imports';
let sim: HubSpotSim;
let server: { url: string; close: () => Promise<void> };

const fresh = (options: Partial<Parameters<typeof createHubSpotSim>[0]> = {}) =>
  createHubSpotSim({
    accessTokens: [TOKEN],
    rateLimitPer10s: 0,
    dailyLimit: 0,
    importDelayMs: 40,
    ...options,
  });

beforeAll(async () => {
  sim = fresh();
  server = await serve(() => sim);
});
afterAll(() => server.close());
beforeEach(() => {
  sim = fresh();
});

async function startImport(
  csv: string,
  columns: string[],
  opts: { name?: string; marketable?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append(
    'importRequest',
    JSON.stringify({
      name: opts.name ?? 'test import',
      importOperations: { '0-1': 'UPSERT' },
      marketableContactImport: opts.marketable ?? false,
      files: [
        {
          fileName: 'c.csv',
          fileFormat: 'CSV',
          fileImportPage: {
            hasHeader: true,
            columnMappings: columns.map((c) => ({
              columnObjectTypeId: '0-1',
              columnName: c,
              propertyName: c,
            })),
          },
        },
      ],
    }),
  );
  form.append('files', new Blob([csv], { type: 'text/csv' }), 'c.csv');
  const res = await fetch(`${server.url}/crm/v3/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function upsert(inputs: { email: string; properties: Record<string, string> }[]): Promise<number> {
  const res = await fetch(`${server.url}/crm/v3/objects/contacts/batch/upsert`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: inputs.map((i) => ({ id: i.email, idProperty: 'email', properties: i.properties })),
    }),
  });
  return res.status;
}

const states = () => sim.snapshot().imports.map((i) => i.state);

async function allDone(): Promise<void> {
  for (let i = 0; i < 200 && !states().every((s) => s === 'DONE'); i++) await sleep(10);
  expect(states().every((s) => s === 'DONE')).toBe(true);
}

describe('sandbox imports', () => {
  it('runs at most 3 imports at once; the others are DEFERRED and start as earlier ones end', async () => {
    // Long enough that five starts in a row land while the first three still run, however loaded the machine.
    sim = fresh({ importDelayMs: 2_000 });
    const answers: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const started = await startImport(`email\r\np${i}@example.com\r\n`, ['email'], { name: `n${i}` });
      answers.push(started.body.state);
    }
    expect(answers).toEqual(['STARTED', 'STARTED', 'STARTED', 'DEFERRED', 'DEFERRED']);
    let mostRunning = 0;
    for (let i = 0; i < 4_000 && !states().every((s) => s === 'DONE'); i++) {
      mostRunning = Math.max(
        mostRunning,
        states().filter((s) => s === 'STARTED' || s === 'PROCESSING').length,
      );
      await sleep(5);
    }
    expect(states()).toEqual(['DONE', 'DONE', 'DONE', 'DONE', 'DONE']);
    expect(mostRunning).toBe(3);
    expect(
      sim
        .snapshot()
        .contacts.map((c) => c.email)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4].map((i) => `p${i}@example.com`));
  }, 60_000);

  it('refuses a file over the row or the byte limit with 429 and imports nothing', async () => {
    sim.setOptions({ importMaxRows: 3, importMaxBytes: 60 });
    const rows = await startImport('email\r\na@example.com\r\nb@example.com\r\nc@example.com\r\n', ['email']);
    expect(rows.status).toBe(429);
    expect(String(rows.body.message)).toContain('4 rows');
    const bytes = await startImport(`email,firstname\r\na@example.com,${'x'.repeat(60)}\r\n`, [
      'email',
      'firstname',
    ]);
    expect(bytes.status).toBe(429);
    expect(sim.snapshot().imports).toEqual([]);
    expect(sim.snapshot().contacts).toEqual([]);
  });

  it('leaves a contact exactly as a batch upsert of the same properties does', async () => {
    const twin = createHubSpotSim({ accessTokens: [TOKEN], rateLimitPer10s: 0, dailyLimit: 0 });
    const seed = [{ email: 'old@example.com', properties: { firstname: 'Old', lastname: 'Kept' } }];
    sim.seedContacts(seed);
    twin.seedContacts(seed);
    const csv = 'email,firstname,lifecyclestage\r\nold@example.com,Renamed,lead\r\nnew@example.com,New,\r\n';
    expect((await startImport(csv, ['email', 'firstname', 'lifecyclestage'])).status).toBe(200);
    await allDone();
    const imported = sim.snapshot();
    sim = twin;
    expect(
      await upsert([
        { email: 'old@example.com', properties: { firstname: 'Renamed', lifecyclestage: 'lead' } },
        { email: 'new@example.com', properties: { firstname: 'New' } },
      ]),
    ).toBe(200);
    const stable = (s: ReturnType<HubSpotSim['snapshot']>) => {
      const out: Record<string, Record<string, string>> = {};
      for (const c of s.contacts) {
        const kept = Object.entries(c.properties).filter(
          ([k]) => !/^(hs_object_id|createdate|lastmodifieddate)$/.test(k),
        );
        out[c.email ?? ''] = Object.fromEntries(kept);
      }
      return out;
    };
    expect(stable(imported)).toEqual(stable(twin.snapshot()));
  });

  it('never changes an opt-out or a subscription; a marketable import sets only the marketing status', async () => {
    sim.seedContacts([
      { email: 'out@example.com', optedOutOfAll: true },
      { email: 'sub@example.com', subscriptions: { '1001': 'SUBSCRIBED' } },
    ]);
    // An address opted out before it is a contact (an opt-out written before the import creates it).
    const before = await fetch(
      `${server.url}/communication-preferences/v4/statuses/batch/unsubscribe-all?channel=EMAIL`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: ['later@example.com'] }),
      },
    );
    expect(before.status).toBe(200);
    const changes = sim.snapshot().history.statusChanges.length;
    const csv =
      'email,firstname\r\nout@example.com,Out\r\nsub@example.com,Sub\r\nlater@example.com,Later\r\n';
    expect((await startImport(csv, ['email', 'firstname'], { marketable: true })).status).toBe(200);
    await allDone();
    const after = sim.snapshot();
    expect(after.history.statusChanges).toHaveLength(changes);
    expect(after.statuses['out@example.com']?.optedOutOfAll).toBe(true);
    expect(after.statuses['later@example.com']?.optedOutOfAll).toBe(true);
    expect(after.statuses['sub@example.com']?.subscriptions['1001']?.status).toBe('SUBSCRIBED');
    const byEmail = new Map(after.contacts.map((c) => [c.email, c.properties]));
    expect(byEmail.get('later@example.com')).toMatchObject({
      hs_email_optout: 'true',
      hs_marketable_status: 'true',
    });
    expect(byEmail.get('out@example.com')).toMatchObject({
      hs_email_optout: 'true',
      hs_marketable_status: 'true',
    });
  });
});
