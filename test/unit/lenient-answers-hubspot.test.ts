/**
 * Vendors send null for an optional field as often as they leave it out. Every connector call is run against
 * answers where each optional field, in turn, is null and then absent: the call must succeed, and a record
 * field sent as null must reach the mapper as absent.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import {
  batchStatusesSchema,
  batchWideStatusesSchema,
  definitionsSchema,
  flatStatusesSchema,
  flatWideStatusesSchema,
} from '../../src/connectors/hubspot/schemas.ts';
import { testSink } from './hubspot-fixtures.ts';
import { cases } from './lenient-variants.ts';

afterAll(() => nock.restore());

describe('HubSpot sink', () => {
  const upsertBody = {
    status: 'COMPLETE',
    results: [
      {
        id: '701',
        new: true,
        objectWriteTraceId: '0',
        properties: { email: 'a@example.com', firstname: null },
        createdAt: '2026-11-28T00:00:00Z',
        updatedAt: '2026-11-28T00:00:00Z',
        archived: false,
        archivedAt: null,
      },
    ],
    numErrors: 0,
    errors: [],
    startedAt: '2026-11-28T00:00:00Z',
    completedAt: '2026-11-28T00:00:01Z',
    links: {},
  };
  it.each(
    cases(upsertBody, [
      'status',
      'results.0.new',
      'results.0.properties',
      'results.0.archivedAt',
      'numErrors',
      'errors',
      'startedAt',
      'links',
    ]),
  )('upsertContacts reads an answer with $path $how', async ({ body }) => {
    const t = testSink();
    nock(t.baseUrl).post('/crm/v3/objects/contacts/batch/upsert').reply(200, body);
    const [result] = await t.sink.upsertContacts([{ key: 'k', email: 'a@example.com', properties: {} }]);
    expect(result).toMatchObject({ ok: true, hubspotId: '701' });
  });

  const readBody = {
    status: 'COMPLETE',
    results: [{ id: '701', properties: { email: 'old@example.com' }, archived: false }],
    errors: [],
    numErrors: 0,
  };
  const updateBody = {
    status: 'COMPLETE',
    results: [{ id: '701', objectWriteTraceId: '0', properties: { email: 'new@example.com' } }],
    errors: [],
  };
  it.each([
    ...cases(readBody, ['status', 'errors', 'numErrors', 'results.0.archived']).map((c) => ({
      ...c,
      read: c.body,
      update: updateBody,
    })),
    ...cases(updateBody, ['status', 'errors', 'results.0.properties']).map((c) => ({
      ...c,
      read: readBody,
      update: c.body,
    })),
  ])('changeEmails reads answers with $path $how', async ({ read, update }) => {
    const t = testSink();
    nock(t.baseUrl)
      .post('/crm/v3/objects/contacts/batch/read')
      .reply(200, read)
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(200, update);
    const results = await t.sink.changeEmails([
      { key: 'k', oldEmail: 'old@example.com', newEmail: 'new@example.com' },
    ]);
    expect(results).toEqual([{ key: 'k', ok: true, hubspotId: '701' }]);
  });

  const listBody = { results: [{ name: 'email', groupName: 'contactinformation', description: '' }] };
  const createBody = { status: 'COMPLETE', results: [{ name: 'esp_x' }], errors: [], numErrors: 0 };
  it.each([
    ...cases(listBody, ['results.0.groupName', 'results.0.description']).map((c) => ({
      ...c,
      list: c.body,
      create: createBody,
    })),
    ...cases(createBody, ['results', 'errors', 'numErrors', 'status']).map((c) => ({
      ...c,
      list: listBody,
      create: c.body,
    })),
  ])('ensureProperties reads answers with $path $how', async ({ list, create }) => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post('/crm/v3/properties/contacts/groups')
      .reply(201, { name: 'esp_sync' })
      .get('/crm/v3/properties/contacts')
      .reply(200, list)
      .post('/crm/v3/properties/contacts/batch/create')
      .reply(201, create);
    await t.sink.ensureProperties([{ name: 'esp_x', label: 'X', type: 'string', fieldType: 'text' }]);
    expect(scope.isDone()).toBe(true);
  });
});

describe('HubSpot communication-preferences answers (the schemas the consent calls read)', () => {
  const status = {
    subscriberIdString: 'a@example.com',
    subscriptionId: 1001,
    status: 'SUBSCRIBED',
    channel: 'EMAIL',
    businessUnitId: 0,
    setStatusSuccessReason: 'NO_STATUS_CHANGE',
    legalBasis: null,
  };
  const wide = {
    subscriberIdString: 'a@example.com',
    status: 'SUBSCRIBED',
    wideStatusType: 'PORTAL_WIDE',
    businessUnitId: 0,
  };
  const envelope = { status: 'COMPLETE', errors: [], numErrors: 0, startedAt: 'x', completedAt: 'y' };
  const statusFields = ['subscriptionId', 'status', 'channel', 'businessUnitId', 'setStatusSuccessReason'];
  const wideFields = ['status', 'wideStatusType', 'businessUnitId'];
  const schemas = [
    {
      name: 'statuses/batch/read',
      schema: batchStatusesSchema,
      body: { ...envelope, results: [{ subscriberIdString: 'a@example.com', statuses: [status] }] },
      paths: [
        'status',
        'errors',
        'numErrors',
        'results',
        'results.0.statuses',
        ...statusFields.map((f) => `results.0.statuses.0.${f}`),
      ],
    },
    {
      name: 'statuses/batch/unsubscribe-all/read',
      schema: batchWideStatusesSchema,
      body: { ...envelope, results: [{ subscriberIdString: 'a@example.com', wideStatuses: [wide] }] },
      paths: [
        'status',
        'errors',
        'results',
        'results.0.wideStatuses',
        ...wideFields.map((f) => `results.0.wideStatuses.0.${f}`),
      ],
    },
    {
      name: 'statuses/{email}',
      schema: flatStatusesSchema,
      body: { ...envelope, results: [status] },
      paths: ['status', 'errors', 'results', ...statusFields.map((f) => `results.0.${f}`)],
    },
    {
      name: 'statuses/{email}/unsubscribe-all',
      schema: flatWideStatusesSchema,
      body: { ...envelope, results: [wide] },
      paths: ['status', 'errors', 'results', ...wideFields.map((f) => `results.0.${f}`)],
    },
    {
      name: 'definitions',
      schema: definitionsSchema,
      body: {
        results: [
          { id: '1001', name: 'Marketing', isActive: true, communicationMethod: 'EMAIL', businessUnitId: 0 },
        ],
        subscriptionDefinitions: null,
      },
      paths: [
        'subscriptionDefinitions',
        'results.0.isActive',
        'results.0.communicationMethod',
        'results.0.businessUnitId',
      ],
    },
  ];
  it.each(
    schemas.flatMap(({ name, schema, body, paths }) =>
      cases(body, paths).map((c) => ({ ...c, name, schema })),
    ),
  )('$name reads an answer with $path $how', ({ schema, body }) => {
    expect(schema.safeParse(body).success).toBe(true);
  });
});
