import { afterAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import type { PropertyDefinition } from '../../src/core/contact.ts';
import { AuthError } from '../../src/errors/index.ts';
import { testSink } from './hubspot-fixtures.ts';

const GROUPS = '/crm/v3/properties/contacts/groups';
const LIST = '/crm/v3/properties/contacts';
const CREATE = '/crm/v3/properties/contacts/batch/create';

afterAll(() => nock.restore());

const defs: PropertyDefinition[] = [
  { name: 'firstname', label: 'First name', type: 'string', fieldType: 'text' },
  { name: 'esp_mailchimp_member_id', label: 'Mailchimp member id', type: 'string', fieldType: 'text' },
  {
    name: 'esp_mailchimp_status',
    label: 'Mailchimp status',
    type: 'enumeration',
    fieldType: 'select',
    options: [
      { label: 'Subscribed', value: 'subscribed' },
      { label: 'Cleaned', value: 'cleaned' },
    ],
  },
];

const existing = {
  results: [
    { name: 'email', label: 'Email', type: 'string', fieldType: 'text', groupName: 'contactinformation' },
    {
      name: 'firstname',
      label: 'First Name',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
    },
  ],
};

interface CreateBody {
  inputs: { name: string; groupName: string; type: string; fieldType: string; options?: unknown[] }[];
}

describe('ensureProperties', () => {
  it('creates the group and only the missing properties in it; the second call costs nothing', async () => {
    const t = testSink();
    let group: unknown;
    let created: CreateBody | undefined;
    const scope = nock(t.baseUrl)
      .post(GROUPS, (body: unknown) => {
        group = body;
        return true;
      })
      .reply(201, { name: 'esp_sync', label: 'ESP sync (Mailchimp / Constant Contact)', displayOrder: -1 })
      .get(LIST)
      .reply(200, existing)
      .post(CREATE, (body: CreateBody) => {
        created = body;
        return true;
      })
      .reply(201, {
        status: 'COMPLETE',
        results: [{ name: 'esp_mailchimp_member_id' }, { name: 'esp_mailchimp_status' }],
      });

    await t.sink.ensureProperties(defs);
    expect(scope.isDone()).toBe(true);
    expect(group).toEqual({
      name: 'esp_sync',
      label: 'ESP sync (Mailchimp / Constant Contact)',
      displayOrder: -1,
    });
    expect(created?.inputs.map((i) => [i.name, i.groupName])).toEqual([
      ['esp_mailchimp_member_id', 'esp_sync'],
      ['esp_mailchimp_status', 'esp_sync'],
    ]);
    expect(created?.inputs[1]?.options).toEqual([
      { label: 'Subscribed', value: 'subscribed', displayOrder: 0, hidden: false },
      { label: 'Cleaned', value: 'cleaned', displayOrder: 1, hidden: false },
    ]);

    const calls = t.events.length;
    await t.sink.ensureProperties(defs);
    expect(t.events.length).toBe(calls);
  });

  it('later creates only a newly needed property, without listing again', async () => {
    const t = testSink();
    nock(t.baseUrl).post(GROUPS).reply(201, {}).get(LIST).reply(200, existing);
    await t.sink.ensureProperties(defs.slice(0, 1));
    let created: CreateBody | undefined;
    const scope = nock(t.baseUrl)
      .post(CREATE, (body: CreateBody) => {
        created = body;
        return true;
      })
      .reply(201, { results: [{ name: 'esp_tags' }] });
    await t.sink.ensureProperties([
      ...defs.slice(0, 1),
      { name: 'esp_tags', label: 'Tags', type: 'string', fieldType: 'textarea' },
    ]);
    expect(scope.isDone()).toBe(true);
    expect(created?.inputs.map((i) => i.name)).toEqual(['esp_tags']);
  });

  it('tolerates 409 for the group and for properties another worker just created', async () => {
    const t = testSink();
    const scope = nock(t.baseUrl)
      .post(GROUPS)
      .reply(409, {
        status: 'error',
        message: 'A property group named esp_sync already exists.',
        category: 'CONFLICT',
      })
      .get(LIST)
      .reply(200, existing)
      .post(CREATE)
      .reply(409, { status: 'error', message: 'Property already exists', category: 'CONFLICT' });
    await expect(t.sink.ensureProperties(defs)).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('turns a 403 into an AuthError naming crm.schemas.contacts.write', async () => {
    const t = testSink();
    nock(t.baseUrl).post(GROUPS).reply(403, {
      status: 'error',
      message: "This app hasn't been granted all required scopes to make this call.",
      correlationId: 'c',
      category: 'MISSING_SCOPES',
    });
    const error = await t.sink.ensureProperties(defs).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/needs the scope crm\.schemas\.contacts\.write/);
  });

  it('names the scopes HubSpot lists in the 403 body', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(GROUPS)
      .reply(201, {})
      .get(LIST)
      .reply(403, {
        status: 'error',
        message: 'missing scopes',
        category: 'MISSING_SCOPES',
        errors: [{ message: 'required', context: { requiredGranularScopes: ['crm.schemas.contacts.read'] } }],
      });
    await expect(t.sink.ensureProperties(defs)).rejects.toThrow(
      /needs the scope crm\.schemas\.contacts\.read/,
    );
  });

  it('stops with a clear error when HubSpot refuses a property in a 207', async () => {
    const t = testSink();
    nock(t.baseUrl)
      .post(GROUPS)
      .reply(201, {})
      .get(LIST)
      .reply(200, existing)
      .post(CREATE)
      .reply(207, {
        status: 'COMPLETE',
        results: [{ name: 'esp_mailchimp_member_id' }],
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: 'Invalid option value for esp_mailchimp_status',
          },
        ],
      });
    await expect(t.sink.ensureProperties(defs)).rejects.toThrow(
      /Invalid option value for esp_mailchimp_status/,
    );
  });
});
