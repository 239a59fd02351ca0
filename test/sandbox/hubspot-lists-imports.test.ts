/**
 * The HubSpot simulator's lists, imports and CRM search, through the official SDK and fetch.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import type { HubSpotSim } from '../../src/sandbox/hubspot/index.ts';
import { serve, rejection } from './hubspot-harness.ts';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */
// Raw HTTP bodies are asserted with expect(), the way a client without the SDK would see them.

const TOKEN = 'pat-na1-lists';

let sim: HubSpotSim;
let server: { url: string; close: () => Promise<void> };
let client: Client;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  sim = createHubSpotSim({ accessTokens: [TOKEN] });
  server = await serve(() => sim);
  client = new Client({ accessToken: TOKEN, basePath: server.url });
});

afterAll(async () => {
  sim.reset();
  await server.close();
});

beforeEach(() => {
  sim = createHubSpotSim({
    accessTokens: [TOKEN],
    rateLimitPer10s: 0,
    dailyLimit: 0,
    searchRateLimitPerSecond: 0,
    importDelayMs: 20,
  });
});

describe('lists', () => {
  it('creates a MANUAL list, finds it by name, and refuses a second list with that name', async () => {
    const created = await client.crm.lists.listsApi.create({
      name: 'Mailchimp: Newsletter',
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    });
    expect(created.list).toMatchObject({
      name: 'Mailchimp: Newsletter',
      processingType: 'MANUAL',
      objectTypeId: '0-1',
    });
    const found = await client.crm.lists.listsApi.getByName('Mailchimp: Newsletter', '0-1');
    expect(found.list.listId).toBe(created.list.listId);
    expect((await rejection(client.crm.lists.listsApi.getByName('No such list', '0-1'))).code).toBe(404);
    const dupe = await rejection(
      client.crm.lists.listsApi.create({
        name: 'mailchimp: newsletter',
        objectTypeId: '0-1',
        processingType: 'MANUAL',
      }),
    );
    expect(dupe.code).toBe(400);
    expect(
      (await call('POST', '/crm/v3/lists', { name: 'Dyn', objectTypeId: '0-1', processingType: 'DYNAMIC' }))
        .status,
    ).toBe(400);
  });

  it('adds existing record ids, reports missing ones, and ignores ids already in the list', async () => {
    sim.seedContacts([{ email: 'a@example.com' }, { email: 'b@example.com' }]);
    const [a, b] = sim.snapshot().contacts;
    const { list } = await client.crm.lists.listsApi.create({
      name: 'L',
      objectTypeId: '0-1',
      processingType: 'MANUAL',
    });
    const first = await client.crm.lists.membershipsApi.add(list.listId, [a!.id, '424242']);
    expect(first.recordsIdsAdded).toEqual([a!.id]);
    expect(first.recordIdsMissing).toEqual(['424242']);
    const second = await call('PUT', `/crm/v3/lists/${list.listId}/memberships/add`, [a!.id, b!.id]);
    expect(second.body).toEqual({ recordsIdsAdded: [b!.id], recordIdsMissing: [] });
    expect((await call('PUT', `/crm/v3/lists/${list.listId}/memberships/add`, { ids: [a!.id] })).status).toBe(
      400,
    );
    expect((await call('PUT', `/crm/v3/lists/999/memberships/add`, [a!.id])).status).toBe(404);
    expect(sim.snapshot().lists).toEqual([
      { listId: list.listId, name: 'L', processingType: 'MANUAL', members: [a!.id, b!.id] },
    ]);
  });
});

describe('imports', () => {
  const request = (
    fileName: string,
    mappings: { columnName: string; propertyName: string }[],
    extra: Record<string, unknown> = {},
  ) =>
    JSON.stringify({
      name: 'Mailchimp backfill',
      importOperations: { '0-1': 'UPSERT' },
      marketableContactImport: true,
      files: [
        {
          fileName,
          fileFormat: 'CSV',
          fileImportPage: {
            hasHeader: true,
            columnMappings: mappings.map((m) => ({ columnObjectTypeId: '0-1', ...m })),
          },
        },
      ],
      ...extra,
    });
  const mappings = [
    { columnName: 'Email', propertyName: 'email' },
    { columnName: 'First', propertyName: 'firstname' },
    { columnName: 'Stage', propertyName: 'lifecyclestage' },
  ];

  async function finished(id: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const job = await client.crm.imports.coreApi.getById(Number(id));
      const state: string = job.state;
      if (state === 'DONE' || state === 'FAILED') return state;
      await sleep(10);
    }
    throw new Error('import did not finish');
  }

  it('imports a CSV asynchronously, upserting by email and reporting row errors', async () => {
    sim.seedContacts([{ email: 'old@example.com', properties: { firstname: 'Old' } }]);
    const csv =
      'Email,First,Stage\r\nOLD@example.com,"Renamed, Jr.",lead\r\nnew@example.com,New,\r\nnot-an-email,Bad,lead\r\nx@example.com,X,prospect\r\nnew@example.com,New,\r\n';
    const job = await client.crm.imports.coreApi.create(
      { data: Buffer.from(csv), name: 'contacts.csv' },
      request('contacts.csv', mappings),
    );
    expect(job.state).toBe('STARTED');
    expect(sim.snapshot().contacts).toHaveLength(1);
    expect(await finished(job.id)).toBe('DONE');
    const done = await client.crm.imports.coreApi.getById(Number(job.id));
    expect(done.metadata.counters).toMatchObject({ TOTAL_ROWS: 5, CREATED_OBJECTS: 1, UPDATED_OBJECTS: 1 });
    const errors = await client.crm.imports.publicImportsApi.getErrors(
      Number(job.id),
      undefined,
      undefined,
      true,
      true,
    );
    expect(errors.results.map((e) => [e.errorType, e.sourceData.lineNumber])).toEqual([
      ['INVALID_EMAIL', 4],
      ['INVALID_ENUMERATION_OPTION', 5],
      ['DUPLICATE_ROW_CONTENT', 6],
    ]);
    const contacts = new Map(sim.snapshot().contacts.map((c) => [c.email, c.properties]));
    expect(contacts.get('old@example.com')).toMatchObject({
      firstname: 'Renamed, Jr.',
      lifecyclestage: 'lead',
      hs_marketable_status: 'true',
    });
    expect(contacts.get('new@example.com')).toMatchObject({ firstname: 'New', hs_marketable_status: 'true' });
    expect(contacts.has('x@example.com')).toBe(false);
  });

  it('refuses unknown or read-only properties, a file name mismatch, and a non-multipart body', async () => {
    const file = { data: Buffer.from('Email,Opt\r\na@example.com,true\r\n'), name: 'a.csv' };
    const unknown = await rejection(
      client.crm.imports.coreApi.create(
        file,
        request('a.csv', [{ columnName: 'Opt', propertyName: 'nosuch' }, mappings[0]!]),
      ),
    );
    expect(unknown.code).toBe(400);
    expect(String(unknown.body.message)).toContain('nosuch does not exist');
    const readOnly = await rejection(
      client.crm.imports.coreApi.create(
        file,
        request('a.csv', [{ columnName: 'Opt', propertyName: 'hs_email_optout' }, mappings[0]!]),
      ),
    );
    expect(readOnly.code).toBe(400);
    expect(String(readOnly.body.message)).toContain('read only');
    const mismatch = await rejection(
      client.crm.imports.coreApi.create(file, request('b.csv', [mappings[0]!])),
    );
    expect(mismatch.code).toBe(400);
    expect(String(mismatch.body.message)).toContain('fileName must match');
    expect((await call('POST', '/crm/v3/imports', { importRequest: {} })).status).toBe(400);
    expect(sim.snapshot().imports).toEqual([]);
  });
});

describe('search', () => {
  beforeEach(async () => {
    await client.crm.properties.coreApi.create('contacts', {
      name: 'source_id',
      label: 'Source id',
      type: 'string' as never,
      fieldType: 'text' as never,
      groupName: 'contactinformation',
    });
    sim.seedContacts(
      Array.from({ length: 30 }, (_, i) => ({
        email: `s${i}@example.com`,
        properties: { source_id: `mc-${i}`, firstname: i % 2 ? 'Odd' : 'Even' },
      })),
    );
  });

  it('finds a contact by EQ on a custom property through the SDK, and follows later writes', async () => {
    const search = (value: string) =>
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'source_id', operator: 'EQ' as never, value }] }],
        properties: ['email', 'source_id'],
        limit: 10,
      });
    const res = await search('MC-7');
    expect(res.total).toBe(1);
    expect(res.results[0]?.properties).toMatchObject({ email: 's7@example.com', source_id: 'mc-7' });
    await client.crm.contacts.batchApi.upsert({
      inputs: [{ id: 's7@example.com', idProperty: 'email', properties: { source_id: 'cc-7' } }],
    });
    expect((await search('mc-7')).total).toBe(0);
    expect((await search('cc-7')).results[0]?.properties.email).toBe('s7@example.com');
  });

  it('pages with after, caps limit at 200 and refuses to reach beyond 10,000 results', async () => {
    const page = await call('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'odd' }] }],
      limit: 10,
    });
    expect(page.body.total).toBe(15);
    expect(page.body.paging.next.after).toBe('10');
    const rest = await call('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'odd' }] }],
      limit: 10,
      after: '10',
    });
    expect(rest.body.results).toHaveLength(5);
    expect(rest.body.paging).toBeUndefined();
    expect((await call('POST', '/crm/v3/objects/contacts/search', { limit: 201 })).status).toBe(400);
    expect(
      (await call('POST', '/crm/v3/objects/contacts/search', { limit: 100, after: '9950' })).status,
    ).toBe(400);
    const tooMany = {
      filterGroups: Array.from({ length: 6 }, () => ({
        filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'x' }],
      })),
    };
    expect((await call('POST', '/crm/v3/objects/contacts/search', tooMany)).status).toBe(400);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/search', {
          filterGroups: [{ filters: [{ propertyName: 'nosuch', operator: 'EQ', value: 'x' }] }],
        })
      ).status,
    ).toBe(400);
  });
});
