/**
 * Vendors send null for an optional field as often as they leave it out. Every connector call is run against
 * answers where each optional field, in turn, is null and then absent: the call must succeed, and a record
 * field sent as null must reach the mapper as absent.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import nock from 'nock';
import { pino } from 'pino';
import type { ConstantContactConfig } from '../../src/config/env.ts';
import type { CcTokenProvider } from '../../src/connectors/constant-contact/auth.ts';
import { createConstantContactSource } from '../../src/connectors/constant-contact/source.ts';
import { buildMailchimpSource } from '../../src/connectors/mailchimp/index.ts';
import { createSdkListsApi } from '../../src/connectors/mailchimp/sdk.ts';
import { cases, type Json } from './lenient-variants.ts';

afterAll(() => nock.restore());

describe('Mailchimp source', () => {
  const HOST = 'https://us6.api.mailchimp.com';
  const source = () =>
    buildMailchimpSource({
      lists: () => createSdkListsApi({ apiKey: 'k-us6', baseUrl: `${HOST}/3.0`, timeoutMs: 2000 }),
      limiter: { run: (operation) => operation() },
      retry: { retries: 0, sleep: () => Promise.resolve() },
    });

  const membersBody = {
    members: [
      {
        id: 'h1',
        email_address: 'a@example.com',
        unique_email_id: 'u1',
        contact_id: 'c1',
        status: 'subscribed',
        merge_fields: { FNAME: 'A' },
        interests: { i1: true },
        tags: [],
        unsubscribe_reason: 'N/A',
        marketing_permissions: [],
        last_changed: '2026-11-01T00:00:00+00:00',
        language: '',
        location: { latitude: 0 },
      },
    ],
    list_id: 'aud1',
    total_items: 1,
    _links: [],
  };
  it.each(
    cases(
      membersBody,
      [
        'unique_email_id',
        'contact_id',
        'merge_fields',
        'interests',
        'tags',
        'unsubscribe_reason',
        'marketing_permissions',
        'last_changed',
        'language',
        'location',
      ]
        .map((f) => `members.0.${f}`)
        .concat(['list_id', '_links']),
    ),
  )(
    'memberPage reads an answer with $path $how; a null member field reaches the mapper as absent',
    async ({ path, body }) => {
      nock(HOST).get('/3.0/lists/aud1/members').query(true).reply(200, body);
      const page = await source().memberPage({
        audienceId: 'aud1',
        status: 'subscribed',
        offset: 0,
        count: 1000,
      });
      expect(page.members).toHaveLength(1);
      const field = path.split('.').at(-1)!;
      if (path.startsWith('members.')) expect(field in page.members[0]!).toBe(false);
    },
  );

  const mergeBody = {
    merge_fields: [
      {
        tag: 'FNAME',
        name: 'First',
        type: 'text',
        options: { size: 25, choices: ['a'], date_format: 'MM/DD' },
      },
    ],
    list_id: 'aud1',
    total_items: 1,
    _links: [],
  };
  it.each(
    cases(mergeBody, [
      'merge_fields.0.name',
      'merge_fields.0.options',
      'merge_fields.0.options.choices',
      'merge_fields.0.options.date_format',
      'list_id',
      '_links',
    ]),
  )('mergeFields reads an answer with $path $how', async ({ body }) => {
    nock(HOST).get('/3.0/lists/aud1/merge-fields').query(true).reply(200, body);
    const fields = await source().mergeFields('aud1');
    expect(fields.map((f) => f.tag)).toEqual(['FNAME']);
  });

  const listsBody = {
    lists: [{ id: 'aud1', name: 'A', stats: {} }],
    total_items: 1,
    constraints: {},
    _links: [],
  };
  it.each(cases(listsBody, ['lists.0.stats', 'constraints', '_links']))(
    'listAudiences and getAudience read answers with $path $how',
    async ({ body }) => {
      nock(HOST)
        .get('/3.0/lists')
        .query(true)
        .reply(200, body)
        .get('/3.0/lists/aud1')
        .query(true)
        .reply(200, (body.lists as Json[] | undefined)?.[0] ?? { id: 'aud1', name: 'A' });
      expect(await source().listAudiences()).toEqual([{ id: 'aud1', name: 'A' }]);
      expect(await source().getAudience('aud1')).toEqual({ id: 'aud1', name: 'A' });
    },
  );
});

describe('Constant Contact source', () => {
  const HOST = 'https://api.cc.test';
  const config: ConstantContactConfig = {
    clientId: 'client-id',
    clientSecret: 'client-secret',
    seedRefreshToken: undefined,
    baseUrl: `${HOST}/v3`,
    tokenUrl: 'https://authz.cc.test/oauth2/default/v1/token',
    requestsPerSecond: 4,
  };
  const admittingRedis = {
    time: () => Promise.resolve([String(Math.floor(Date.now() / 1000)), '0']),
    eval: () => Promise.resolve([0, 1]),
  } as unknown as Redis;
  const tokens: CcTokenProvider = {
    accessToken: () => Promise.resolve('token'),
    invalidate: () => undefined,
    storeRefreshToken: () => Promise.resolve(),
  };
  const source = () =>
    createConstantContactSource(config, {
      redis: admittingRedis,
      keyPrefix: 'unit',
      timeoutMs: 2000,
      logger: pino({ level: 'silent' }),
      tokens,
      retry: { retries: 0, sleep: () => Promise.resolve() },
    });
  const json = { 'Content-Type': 'application/json' };

  const contactsBody = {
    contacts: [
      {
        contact_id: 'c1',
        email_address: { address: 'a@example.com', permission_to_send: 'implicit', opt_out_reason: 'x' },
        first_name: 'A',
        last_name: 'B',
        job_title: 'J',
        company_name: 'C',
        birthday_month: 1,
        birthday_day: 2,
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-02T00:00:00Z',
        deleted_at: '2026-01-03',
        custom_fields: [],
        phone_numbers: [],
        street_addresses: [],
        list_memberships: [],
        taggings: [],
        sms_channel: {},
      },
    ],
    contacts_count: 1,
    _links: { next: { href: '/v3/contacts?cursor=c2' } },
  };
  const contactFields = [
    'email_address',
    'email_address.opt_out_reason',
    'first_name',
    'last_name',
    'job_title',
    'company_name',
    'birthday_month',
    'birthday_day',
    'created_at',
    'updated_at',
    'deleted_at',
    'custom_fields',
    'phone_numbers',
    'street_addresses',
    'list_memberships',
    'taggings',
    'sms_channel',
  ];
  it.each(
    cases(contactsBody, [
      ...contactFields.map((f) => `contacts.0.${f}`),
      'contacts_count',
      '_links',
      '_links.next',
      '_links.next.href',
    ]),
  )(
    'contactPage reads an answer with $path $how; a null contact field reaches the mapper as absent',
    async ({ path, how, body }) => {
      nock(HOST).get('/v3/contacts').query(true).reply(200, body, json);
      const page = await source().contactPage({ cursor: null });
      expect(page.contacts).toHaveLength(1);
      const [, , field, nested] = path.split('.');
      if (path.startsWith('contacts.') && nested === undefined && how === 'null') {
        expect(field! in page.contacts[0]!).toBe(false);
      }
    },
  );

  const fieldsBody = {
    custom_fields: [{ custom_field_id: 'f1', name: 'n', label: 'L', type: 'string', choices: [] }],
    _links: { next: null },
  };
  const listsBody = {
    lists: [{ list_id: 'l1', name: 'List', favorite: false }],
    lists_count: 1,
    _links: null,
  };
  const tagsBody = { tags: [{ tag_id: 't1', name: 'Tag', contacts_count: 0 }], _links: {} };
  it.each([
    ...cases(fieldsBody, [
      'custom_fields.0.name',
      'custom_fields.0.label',
      'custom_fields.0.type',
      '_links',
    ]).map((c) => ({ ...c, fields: c.body, lists: listsBody, tags: tagsBody })),
    ...cases(listsBody, ['lists.0.favorite', 'lists_count', '_links']).map((c) => ({
      ...c,
      fields: fieldsBody,
      lists: c.body,
      tags: tagsBody,
    })),
    ...cases(tagsBody, ['tags.0.contacts_count', '_links']).map((c) => ({
      ...c,
      fields: fieldsBody,
      lists: listsBody,
      tags: c.body,
    })),
  ])('definitions read answers with $path $how', async ({ fields, lists, tags }) => {
    nock(HOST)
      .get('/v3/contact_custom_fields')
      .query(true)
      .reply(200, fields, json)
      .get('/v3/contact_lists')
      .query(true)
      .reply(200, lists, json)
      .get('/v3/contact_tags')
      .query(true)
      .reply(200, tags, json);
    const definitions = await source().definitions();
    expect([
      ...definitions.customFields.keys(),
      ...definitions.lists.keys(),
      ...definitions.tags.keys(),
    ]).toEqual(['f1', 'l1', 't1']);
  });
});
