import { describe, expect, it } from '@jest/globals';
import type { CcContact, CcDefinitions } from '../../src/connectors/constant-contact/wire.ts';
import {
  CC_PROPERTY,
  ccCustomFieldPropertyNames,
  ccPropertyDefinitions,
  ccRecordKey,
  mapCcContact,
  SKIP_DELETED,
  SKIP_NO_EMAIL,
  type CcMapContext,
} from '../../src/mapping/constant-contact.ts';
import { DEFAULT_POLICY } from '../../src/mapping/policy.ts';

const definitions: CcDefinitions = {
  customFields: new Map([
    ['cf-1', { name: 'Vehicle_make', label: 'Vehicle make', type: 'string' }],
    ['cf-2', { name: 'Renewal_Date', label: 'Renewal date', type: 'date' }],
  ]),
  lists: new Map([
    ['list-1', 'Newsletter'],
    ['list-2', 'Customers'],
  ]),
  tags: new Map([['tag-1', 'VIP']]),
};
const ctx: CcMapContext = { definitions, policy: DEFAULT_POLICY };

function contact(overrides: Partial<CcContact> = {}, email: Record<string, unknown> = {}): CcContact {
  return {
    contact_id: 'c-1',
    email_address: {
      address: ' Jane.Doe@Example.com ',
      permission_to_send: 'explicit',
      opt_in_source: 'Contact',
      opt_in_date: '2024-03-01T10:00:00Z',
      ...email,
    },
    updated_at: '2024-05-01T12:00:00Z',
    ...overrides,
  };
}

function mappedContact(c: CcContact, context: CcMapContext = ctx) {
  const mapped = mapCcContact(c, context);
  if (mapped.kind !== 'contact') throw new Error(`expected a contact, got ${mapped.kind}: ${mapped.reason}`);
  return mapped.contact;
}

describe('mapCcContact consent table (README, consent)', () => {
  it('explicit → subscribe with the subscribed legal basis and the opt-in evidence', () => {
    const c = mappedContact(contact());
    expect(c.consent).toEqual({
      state: 'subscribe',
      legalBasis: 'CONSENT_WITH_NOTICE',
      explanation: 'Explicit permission in Constant Contact (opt-in source: Contact, 2024-03-01)',
    });
    expect(c.email).toBe('jane.doe@example.com');
    expect(c.key).toBe('constant-contact:c-1');
    expect(c.sourceStatus).toBe('explicit');
  });

  it('explicit uses a configured subscribed legal basis', () => {
    const c = mappedContact(contact(), {
      definitions,
      policy: { ...DEFAULT_POLICY, subscribedLegalBasis: 'PERFORMANCE_OF_CONTRACT' },
    });
    expect(c.consent).toMatchObject({ state: 'subscribe', legalBasis: 'PERFORMANCE_OF_CONTRACT' });
  });

  it('explicit without evidence still explains itself', () => {
    const c = mappedContact(contact({}, { opt_in_source: undefined, opt_in_date: undefined }));
    expect(c.consent).toMatchObject({ explanation: 'Explicit permission in Constant Contact' });
  });

  it('implicit → subscribe with the implicit legal basis', () => {
    const c = mappedContact(contact({}, { permission_to_send: 'implicit', opt_in_source: 'Account' }));
    expect(c.consent).toEqual({
      state: 'subscribe',
      legalBasis: 'LEGITIMATE_INTEREST_OTHER',
      explanation: 'Implicit permission in Constant Contact (opt-in source: Account, 2024-03-01)',
    });
  });

  it('implicit with IMPLICIT_LEGAL_BASIS=NOT_SET → no subscription', () => {
    const c = mappedContact(contact({}, { permission_to_send: 'implicit' }), {
      definitions,
      policy: { ...DEFAULT_POLICY, implicitLegalBasis: 'NOT_SET' },
    });
    expect(c.consent).toEqual({ state: 'none' });
    expect(c.properties[CC_PROPERTY.permission]).toBe('implicit');
  });

  it.each(['pending_confirmation', 'not_set', 'temp_hold'])(
    '%s → upsert without a subscription',
    (permission) => {
      const c = mappedContact(contact({}, { permission_to_send: permission }));
      expect(c.consent).toEqual({ state: 'none' });
      expect(c.sourceStatus).toBe(permission);
      expect(c.properties[CC_PROPERTY.permission]).toBe(permission);
    },
  );

  it('unsubscribed → opt out with the reason Constant Contact recorded', () => {
    const c = mappedContact(
      contact(
        {},
        {
          permission_to_send: 'unsubscribed',
          opt_out_source: 'Contact',
          opt_out_date: '2024-06-01T08:00:00Z',
          opt_out_reason: 'Too many emails',
        },
      ),
    );
    expect(c.consent).toEqual({ state: 'optOut', reason: 'Too many emails' });
    expect(c.properties[CC_PROPERTY.optOutSource]).toBe('Contact');
    expect(c.properties[CC_PROPERTY.optOutDate]).toBe('2024-06-01T08:00:00.000Z');
    expect(c.properties[CC_PROPERTY.optOutReason]).toBe('Too many emails');
  });

  it('unsubscribed without a reason gets the default reason', () => {
    const c = mappedContact(contact({}, { permission_to_send: 'unsubscribed', opt_out_reason: '  ' }));
    expect(c.consent).toEqual({ state: 'optOut', reason: 'Unsubscribed in Constant Contact' });
  });

  it('permission values are read case-insensitively', () => {
    expect(mappedContact(contact({}, { permission_to_send: ' Unsubscribed ' })).consent.state).toBe('optOut');
  });

  it('deleted contact (deleted_at) → skipped by policy', () => {
    const mapped = mapCcContact(
      contact({ deleted_at: '2024-07-08' }, { permission_to_send: 'implicit' }),
      ctx,
    );
    expect(mapped).toMatchObject({ kind: 'skipped', reason: SKIP_DELETED, sourceStatus: 'deleted' });
  });

  it('deleted contact (status deleted) → skipped by policy, even when explicit', () => {
    const mapped = mapCcContact(contact({ status: 'deleted' }), ctx);
    expect(mapped).toMatchObject({ kind: 'skipped', reason: SKIP_DELETED, email: 'jane.doe@example.com' });
  });

  it('deleted but unsubscribed → opt-out only, with no properties', () => {
    const c = mappedContact(
      contact(
        { deleted_at: '2024-07-08', first_name: 'Jane', list_memberships: ['list-1'] },
        { permission_to_send: 'unsubscribed', opt_out_date: '2024-07-08T09:00:00Z' },
      ),
    );
    expect(c.consent).toEqual({ state: 'optOut', reason: 'Unsubscribed in Constant Contact' });
    expect(c.properties).toEqual({});
    expect(c.changedAt).toBe('2024-07-08T09:00:00.000Z');
  });

  it('no email address (SMS-only) → skipped with the reason', () => {
    const mapped = mapCcContact({ contact_id: 'c-2', sms_channel: { sms_address: '+15555550100' } }, ctx);
    expect(mapped).toMatchObject({ kind: 'skipped', reason: SKIP_NO_EMAIL, email: null, sourceId: 'c-2' });
  });

  it('an empty address counts as no email address', () => {
    expect(mapCcContact(contact({}, { address: '' }), ctx)).toMatchObject({
      kind: 'skipped',
      reason: SKIP_NO_EMAIL,
    });
  });

  it('invalid email → failed with the reason', () => {
    const mapped = mapCcContact(contact({}, { address: 'not-an-email' }), ctx);
    expect(mapped).toMatchObject({ kind: 'failed', reason: 'invalid email address "not-an-email"' });
  });

  it.each([['subscribed'], [''], [undefined], [42]])(
    'unknown permission %p → failed, never subscribed',
    (p) => {
      const mapped = mapCcContact(contact({}, { permission_to_send: p }), ctx);
      expect(mapped.kind).toBe('failed');
      expect(mapped.kind !== 'contact' && mapped.reason).toMatch(/unknown permission_to_send/);
    },
  );

  it('a contact without contact_id → failed', () => {
    expect(mapCcContact(contact({ contact_id: '' }), ctx)).toMatchObject({
      kind: 'failed',
      reason: 'the contact has no contact_id',
    });
  });
});

describe('mapCcContact properties', () => {
  const full = contact(
    {
      first_name: 'Jane',
      last_name: 'Doe',
      job_title: 'CTO',
      company_name: 'Acme',
      birthday_month: 2,
      birthday_day: 29,
      phone_numbers: [
        { phone_number: '', kind: 'home' },
        { phone_number: '+1 555 0100', kind: 'work' },
      ],
      street_addresses: [
        {
          kind: 'home',
          street: '1 Main St',
          city: 'Springfield',
          state: 'IL',
          postal_code: '62701',
          country: 'US',
        },
        { kind: 'work', street: '2 Other St', city: 'Elsewhere' },
      ],
      custom_fields: [
        { custom_field_id: 'cf-1', value: 'Tesla S 2017' },
        { custom_field_id: 'cf-2', value: '03/15/2025' },
        { custom_field_id: 'cf-unknown', value: 'dropped' },
      ],
      list_memberships: ['list-2', 'list-1', 'list-gone', 'list-1'],
      taggings: ['tag-1'],
    },
    { opt_out_source: '' },
  );

  it('maps every documented field', () => {
    expect(mappedContact(full).properties).toEqual({
      firstname: 'Jane',
      lastname: 'Doe',
      jobtitle: 'CTO',
      company: 'Acme',
      phone: '+1 555 0100',
      address: '1 Main St',
      city: 'Springfield',
      state: 'IL',
      zip: '62701',
      country: 'US',
      esp_cc_birthday: '02-29',
      esp_cc_cf_vehicle_make: 'Tesla S 2017',
      esp_cc_cf_renewal_date: '2025-03-15',
      esp_cc_lists: 'Customers;Newsletter;list-gone',
      esp_cc_tags: 'VIP',
      esp_cc_contact_id: 'c-1',
      esp_cc_permission: 'explicit',
      esp_cc_opt_in_source: 'Contact',
      esp_cc_opt_in_date: '2024-03-01T10:00:00.000Z',
      esp_cc_updated_at: '2024-05-01T12:00:00.000Z',
    });
  });

  it('omits empty strings and impossible values', () => {
    const c = mappedContact(
      contact({
        first_name: '   ',
        last_name: null,
        birthday_month: 2,
        birthday_day: 30,
        custom_fields: [{ custom_field_id: 'cf-2', value: 'someday' }],
        street_addresses: 'not a list',
      }),
    );
    expect(Object.keys(c.properties).sort()).toEqual(
      [
        'esp_cc_contact_id',
        'esp_cc_opt_in_date',
        'esp_cc_opt_in_source',
        'esp_cc_permission',
        'esp_cc_updated_at',
      ].sort(),
    );
  });

  it('strips control characters, repairs unpaired surrogates and truncates huge strings', () => {
    const c = mappedContact(
      contact({ first_name: 'Ja\u0000ne\u0007', last_name: 'Do\uD800e', job_title: 'x'.repeat(70_000) }),
    );
    expect(c.properties.firstname).toBe('Jane');
    expect(c.properties.lastname).toBe('Do\uFFFDe');
    expect(c.properties.jobtitle).toHaveLength(65_536);
  });

  it('changedAt is the later of updated_at and the opt-out date', () => {
    expect(mappedContact(contact()).changedAt).toBe('2024-05-01T12:00:00.000Z');
    const later = contact({}, { permission_to_send: 'unsubscribed', opt_out_date: '2024-09-01T00:00:00Z' });
    expect(mappedContact(later).changedAt).toBe('2024-09-01T00:00:00.000Z');
    expect(mappedContact(contact({ updated_at: undefined })).changedAt).toBeNull();
  });

  it('ccRecordKey names the source', () => {
    expect(ccRecordKey('abc')).toBe('constant-contact:abc');
  });
});

describe('ccPropertyDefinitions', () => {
  it('defines the esp_cc_* properties and one per custom field, typed by the definition', () => {
    const defs = ccPropertyDefinitions(definitions);
    const byName = new Map(defs.map((d) => [d.name, d]));
    for (const name of Object.values(CC_PROPERTY)) expect(byName.has(name)).toBe(true);
    expect(byName.get('esp_cc_cf_renewal_date')).toMatchObject({ type: 'date', fieldType: 'date' });
    expect(byName.get('esp_cc_cf_vehicle_make')).toMatchObject({
      type: 'string',
      label: 'Constant Contact: Vehicle make',
    });
    expect(byName.get(CC_PROPERTY.permission)?.options?.map((o) => o.value)).toContain('temp_hold');
    expect(new Set(defs.map((d) => d.name)).size).toBe(defs.length);
  });

  it('every property the mapper writes (except HubSpot standard ones) is defined', () => {
    const defined = new Set(ccPropertyDefinitions(definitions).map((d) => d.name));
    const c = mappedContact(
      contact({
        custom_fields: [{ custom_field_id: 'cf-1', value: 'v' }],
        list_memberships: ['list-1'],
        taggings: ['tag-1'],
      }),
    );
    for (const name of Object.keys(c.properties).filter((n) => n.startsWith('esp_'))) {
      expect(defined.has(name)).toBe(true);
    }
  });

  it('custom field names that collide after sanitising get distinct, stable names', () => {
    const customFields = new Map([
      ['b', { name: 'Favourite-Colour', label: 'x', type: 'string' }],
      ['a', { name: 'favourite colour', label: 'y', type: 'string' }],
    ]);
    const names = ccCustomFieldPropertyNames(customFields);
    expect(names.get('a')).toBe('esp_cc_cf_favourite_colour');
    expect(names.get('b')).toBe('esp_cc_cf_favourite_colour_2');
  });
});
