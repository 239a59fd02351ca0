import { afterAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import type { ContactWrite } from '../../src/core/ports.ts';
import { testSink, withJsonBody } from './hubspot-fixtures.ts';

const UPSERT = '/crm/v3/objects/contacts/batch/upsert';

interface UpsertInput {
  id: string;
  idProperty: string;
  objectWriteTraceId: string;
  properties: Record<string, string>;
}
interface UpsertBody {
  inputs: UpsertInput[];
}

afterAll(() => nock.restore());

function contacts(n: number, overrides: Record<number, string> = {}): ContactWrite[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `mailchimp:aud1:m${i}`,
    email: overrides[i] ?? `person${i}@example.com`,
    properties: { firstname: `P${i}` },
  }));
}

function result(input: UpsertInput, id: string, isNew = false) {
  return {
    id,
    new: isNew,
    objectWriteTraceId: input.objectWriteTraceId,
    properties: { email: input.id.toLowerCase(), firstname: input.properties.firstname ?? null },
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-28T00:00:00Z',
    archived: false,
  };
}

function complete(inputs: UpsertInput[]) {
  return {
    status: 'COMPLETE',
    results: inputs.map((input) => result(input, `9${input.objectWriteTraceId}`)),
    startedAt: '2026-11-28T00:00:00Z',
    completedAt: '2026-11-28T00:00:01Z',
  };
}

/** A HubSpot that answers 400 for the whole batch whenever it holds one of `bad` (no 207 for upserts). */
function strictHubSpot(baseUrl: string, bad: Set<string>, message: (email: string) => string) {
  const batches: string[][] = [];
  const scope = nock(baseUrl)
    .post(UPSERT)
    .times(50)
    .reply(
      withJsonBody((body: UpsertBody) => {
        const { inputs } = body;
        batches.push(inputs.map((i) => i.id));
        const offender = inputs.find((i) => bad.has(i.id));
        if (offender) {
          return [
            400,
            {
              status: 'error',
              message: message(offender.id),
              correlationId: 'c',
              category: 'VALIDATION_ERROR',
            },
          ];
        }
        return [200, complete(inputs)];
      }),
    );
  return { batches, scope };
}

describe('upsertContacts', () => {
  it('upserts by email with a trace id per input and matches unordered, lowercased results', async () => {
    const t = testSink();
    let sent: UpsertBody | undefined;
    nock(t.baseUrl)
      .post(UPSERT, (body: UpsertBody) => {
        sent = body;
        return true;
      })
      .reply(
        200,
        withJsonBody((body: UpsertBody) => {
          const inputs = body.inputs;
          const [first, second] = inputs as [UpsertInput, UpsertInput];
          // HubSpot answers out of order and with the address lowercased.
          return { status: 'COMPLETE', results: [result(second, '702', true), result(first, '701')] };
        }),
      );
    const inputs = [
      { key: 'a', email: 'Jane.Doe@Example.COM', properties: { firstname: 'Jane' } },
      { key: 'b', email: 'john@example.com', properties: { firstname: 'John' } },
    ];
    const results = await t.sink.upsertContacts(inputs);
    expect(results).toEqual([
      { key: 'a', email: 'Jane.Doe@Example.COM', ok: true, hubspotId: '701', created: false },
      { key: 'b', email: 'john@example.com', ok: true, hubspotId: '702', created: true },
    ]);
    expect(sent?.inputs).toEqual([
      {
        id: 'jane.doe@example.com',
        idProperty: 'email',
        objectWriteTraceId: '0',
        properties: { firstname: 'Jane', email: 'jane.doe@example.com' },
      },
      {
        id: 'john@example.com',
        idProperty: 'email',
        objectWriteTraceId: '1',
        properties: { firstname: 'John', email: 'john@example.com' },
      },
    ]);
  });

  it('reads a 207: written records succeed, listed errors fail with HubSpot’s message', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(UPSERT)
      .reply(
        207,
        withJsonBody((body: UpsertBody) => {
          const [a, , c] = body.inputs as [UpsertInput, UpsertInput, UpsertInput];
          return {
            status: 'COMPLETE',
            results: [result(c, '3'), result(a, '1')],
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'VALIDATION_ERROR',
                message:
                  'Property values were not valid: [{"isValid":false,"message":"Property value \\"invalid-format\\" is not a valid email","error":"INVALID_EMAIL","name":"email"}]',
                context: { objectWriteTraceId: ['1'] },
                errors: [],
                links: {},
              },
            ],
          };
        }),
      );
    const results = await t.sink.upsertContacts(contacts(3));
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({
      key: 'mailchimp:aud1:m1',
      ok: false,
      reason: 'Property values were not valid: Property value "invalid-format" is not a valid email',
    });
  });

  it('bisects a whole-batch 400 until only the bad record fails, with the fewest calls', async () => {
    const t = testSink();
    const bad = 'person5@example.com';
    const { batches } = strictHubSpot(t.baseUrl, new Set([bad]), () => 'Property values were not valid');
    const results = await t.sink.upsertContacts(contacts(8));
    expect(results.filter((r) => !r.ok)).toEqual([
      { key: 'mailchimp:aud1:m5', email: bad, ok: false, reason: 'Property values were not valid' },
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    // 0-7 ✗, 0-3 ✓, 4-7 ✗, 4-5 ✗, 4 ✓ → 5 is the bad one without asking, 6-7 ✓.
    expect(batches.map((b) => b.length)).toEqual([8, 4, 4, 2, 1, 2]);
  });

  it('isolates two bad records in one batch', async () => {
    const t = testSink();
    const bad = new Set(['person0@example.com', 'person6@example.com']);
    strictHubSpot(t.baseUrl, bad, () => 'Property values were not valid');
    const results = await t.sink.upsertContacts(contacts(8));
    expect(results.filter((r) => !r.ok).map((r) => r.email)).toEqual([...bad]);
    expect(results.filter((r) => r.ok)).toHaveLength(6);
  });

  it('fails the record HubSpot names in a whole-batch 400 straight away (2 calls)', async () => {
    const t = testSink();
    const bad = 'person3@example.com';
    const { batches } = strictHubSpot(
      t.baseUrl,
      new Set([bad]),
      (email) =>
        `Property values were not valid: [{"isValid":false,"message":"Email address ${email} is invalid"}]`,
    );
    const results = await t.sink.upsertContacts(contacts(8));
    expect(results[3]).toMatchObject({
      ok: false,
      reason: `Property values were not valid: Email address ${bad} is invalid`,
    });
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    expect(batches.map((b) => b.length)).toEqual([8, 7]);
  });

  it('splits a "Duplicate IDs" 400 (two addresses of one contact) and writes both', async () => {
    const t = testSink();
    const calls: string[][] = [];
    nock(t.baseUrl)
      .post(UPSERT)
      .times(5)
      .reply(
        withJsonBody((body: UpsertBody) => {
          const inputs = body.inputs;
          const ids = inputs.map((i) => i.id);
          calls.push(ids);
          // jane@ is an additional email of contact 12877907025, like janet@.
          if (ids.includes('jane@example.com') && ids.includes('janet@example.com')) {
            return [
              400,
              {
                status: 'error',
                message: 'Duplicate IDs found in batch input: [12877907025]. IDs must be unique',
                correlationId: 'c',
                context: { ids: ['12877907025'] },
                category: 'VALIDATION_ERROR',
              },
            ];
          }
          return [200, complete(inputs)];
        }),
      );
    const results = await t.sink.upsertContacts(
      contacts(4, { 0: 'jane@example.com', 3: 'janet@example.com' }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls.map((c) => c.length)).toEqual([4, 2, 2]);
  });

  it('sends one input per address; later case-insensitive duplicates fail as duplicates', async () => {
    const t = testSink();
    let sent: UpsertBody | undefined;
    nock(t.baseUrl)
      .post(UPSERT, (body: UpsertBody) => {
        sent = body;
        return true;
      })
      .reply(
        200,
        withJsonBody((body: UpsertBody) => complete(body.inputs)),
      );
    const results = await t.sink.upsertContacts(contacts(3, { 0: 'Sam@example.com', 2: ' sam@EXAMPLE.com' }));
    expect(sent?.inputs.map((i) => i.id)).toEqual(['sam@example.com', 'person1@example.com']);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'duplicate email in batch']);
  });

  it('chunks more than 100 inputs into calls of at most 100', async () => {
    const t = testSink();
    const sizes: number[] = [];
    nock(t.baseUrl)
      .post(UPSERT)
      .times(2)
      .reply(
        200,
        withJsonBody((body: UpsertBody) => {
          const inputs = body.inputs;
          sizes.push(inputs.length);
          return complete(inputs);
        }),
      );
    const results = await t.sink.upsertContacts(contacts(130));
    expect(sizes).toEqual([100, 30]);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('fails every record of a batch with the reason on a 404 that splitting cannot help', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl).post(UPSERT).reply(404, {
      status: 'error',
      message: 'Unable to infer object type from: contactz',
      category: 'OBJECT_NOT_FOUND',
    });
    const results = await t.sink.upsertContacts(contacts(3));
    expect(scope.isDone()).toBe(true);
    expect(results.map((r) => !r.ok && r.reason)).toEqual(
      Array(3).fill('Unable to infer object type from: contactz'),
    );
  });
});
