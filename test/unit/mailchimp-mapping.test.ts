import { describe, expect, it } from '@jest/globals';
import type { MailchimpMember, MailchimpMergeField } from '../../src/connectors/mailchimp/wire.ts';
import {
  mailchimpPropertyDefinitions,
  mailchimpRecordKey,
  mapMailchimpMember,
  type MailchimpMapContext,
} from '../../src/mapping/mailchimp.ts';
import { DEFAULT_POLICY } from '../../src/mapping/policy.ts';

const MERGE_FIELDS: MailchimpMergeField[] = [
  { tag: 'FNAME', name: 'First Name', type: 'text' },
  { tag: 'LNAME', name: 'Last Name', type: 'text' },
  { tag: 'PHONE', name: 'Phone Number', type: 'phone' },
  { tag: 'ADDRESS', name: 'Address', type: 'address' },
  { tag: 'BIRTHDAY', name: 'Birthday', type: 'birthday', options: { date_format: 'MM/DD' } },
  { tag: 'LTV', name: 'Lifetime value', type: 'number' },
  { tag: 'JOINED', name: 'Joined', type: 'date', options: { date_format: 'DD/MM/YYYY' } },
  { tag: 'PLAN', name: 'Plan', type: 'dropdown', options: { choices: ['Free', 'Pro'] } },
  { tag: 'SIZE', name: 'Size', type: 'radio', options: { choices: ['S', 'M'] } },
  { tag: 'SITE', name: 'Website', type: 'url' },
  { tag: 'AVATAR', name: 'Avatar', type: 'imageurl' },
  { tag: 'POSTCODE', name: 'Post code', type: 'zip' },
  { tag: 'MOBILE', name: 'Mobile', type: 'phone' },
  { tag: 'SHIP-TO', name: 'Shipping address', type: 'address' },
  { tag: 'STATUS', name: 'Customer status', type: 'text' },
];

const ctx: MailchimpMapContext = {
  audience: { id: 'aud1', name: 'Newsletter' },
  mergeFields: MERGE_FIELDS,
  policy: DEFAULT_POLICY,
};

function member(overrides: Partial<MailchimpMember> = {}): MailchimpMember {
  return {
    id: 'm1',
    email_address: 'Ada@Example.COM ',
    unique_email_id: 'u1',
    contact_id: 'c1',
    status: 'subscribed',
    merge_fields: {},
    tags: [],
    ip_signup: '',
    timestamp_signup: '',
    ip_opt: '203.0.113.9',
    timestamp_opt: '2024-03-01T10:20:30+00:00',
    last_changed: '2024-05-02T08:00:00+00:00',
    ...overrides,
  };
}

function contactOf(m: MailchimpMember, c: MailchimpMapContext = ctx) {
  const result = mapMailchimpMember(m, c);
  if (result.kind !== 'contact') throw new Error(`expected a contact, got ${result.kind}: ${result.reason}`);
  return result.contact;
}

describe('mapMailchimpMember: status table', () => {
  it('subscribed → subscribe with the policy legal basis and an explanation from the evidence', () => {
    const c = contactOf(member());
    expect(c.consent).toEqual({
      state: 'subscribe',
      legalBasis: 'CONSENT_WITH_NOTICE',
      explanation: 'Subscribed to Mailchimp audience Newsletter on 2024-03-01 from 203.0.113.9',
    });
    expect(c.sourceStatus).toBe('subscribed');
  });

  it('subscribed uses the configured legal basis', () => {
    const c = contactOf(member(), {
      ...ctx,
      policy: { ...DEFAULT_POLICY, subscribedLegalBasis: 'NON_GDPR' },
    });
    expect(c.consent).toMatchObject({ state: 'subscribe', legalBasis: 'NON_GDPR' });
  });

  it.each([
    [
      'signup time and IP when there is no opt-in evidence',
      {
        timestamp_opt: '',
        ip_opt: '',
        timestamp_signup: '2023-01-05T00:00:00+00:00',
        ip_signup: '198.51.100.2',
      },
      'Subscribed to Mailchimp audience Newsletter on 2023-01-05 from 198.51.100.2',
    ],
    [
      'last_changed and no "from" without any IP',
      { timestamp_opt: '', ip_opt: '', timestamp_signup: '', ip_signup: '' },
      'Subscribed to Mailchimp audience Newsletter on 2024-05-02',
    ],
    [
      'no date at all when no timestamp parses, and no garbage IP',
      { timestamp_opt: 'yesterday', ip_opt: 'not-an-ip', last_changed: '' },
      'Subscribed to Mailchimp audience Newsletter',
    ],
  ])('subscribed explanation falls back: %s', (_label, overrides, explanation) => {
    expect(contactOf(member(overrides)).consent).toMatchObject({ state: 'subscribe', explanation });
  });

  it.each([
    [
      'unsubscribed with a reason',
      { status: 'unsubscribed', unsubscribe_reason: 'N/A (Unsubscribed by admin)' },
      'Unsubscribed in Mailchimp: N/A (Unsubscribed by admin)',
    ],
    ['unsubscribed without a reason', { status: 'unsubscribed' }, 'Unsubscribed in Mailchimp'],
    [
      'unsubscribed with an empty reason',
      { status: 'unsubscribed', unsubscribe_reason: '' },
      'Unsubscribed in Mailchimp',
    ],
    ['cleaned', { status: 'cleaned' }, 'Bounced (cleaned) in Mailchimp'],
  ])('%s → optOut', (_label, overrides, reason) => {
    expect(contactOf(member(overrides)).consent).toEqual({ state: 'optOut', reason });
  });

  it.each(['pending', 'transactional'])('%s → contact upserted, consent none', (status) => {
    const c = contactOf(member({ status }));
    expect(c.consent).toEqual({ state: 'none' });
    expect(c.properties.esp_mc_status).toBe(status);
  });

  it('archived → skipped by policy', () => {
    expect(mapMailchimpMember(member({ status: 'archived' }), ctx)).toEqual({
      kind: 'skipped',
      reason: 'archived in Mailchimp: skipped by policy',
      key: 'mailchimp:aud1:c1',
      source: 'mailchimp',
      sourceId: 'm1',
      email: 'ada@example.com',
      sourceStatus: 'archived',
    });
  });

  it.each([
    ['Subscribed'],
    [' subscribed'],
    ['nonsubscribed'],
    [''],
    [null],
    [1],
    [{ status: 'subscribed' }],
  ])('unknown status %j → failed, never subscribed', (status) => {
    const result = mapMailchimpMember(member({ status }), ctx);
    expect(result.kind).toBe('failed');
    if (result.kind === 'failed') expect(result.reason).toMatch(/^unknown Mailchimp status /);
  });
});

describe('mapMailchimpMember: email', () => {
  it('normalises the email (trim, lowercase)', () => {
    expect(contactOf(member()).email).toBe('ada@example.com');
  });

  it.each([
    ['not-an-email', 'not-an-email'],
    ['', null],
    [null, null],
    ['two@@example.com', 'two@@example.com'],
    [' a b@example.com ', 'a b@example.com'],
  ])(
    'invalid email %j → failed with the address in the reason, and in the row as the source holds it',
    (email, shown) => {
      const result = mapMailchimpMember(member({ email_address: email }), ctx);
      expect(result).toMatchObject({
        kind: 'failed',
        email: shown,
        key: 'mailchimp:aud1:c1',
        sourceStatus: 'subscribed',
      });
      if (result.kind === 'failed') expect(result.reason).toMatch(/^invalid email address "/);
    },
  );

  it('an invalid email on an unsubscribed member still fails (it cannot reach HubSpot)', () => {
    expect(mapMailchimpMember(member({ status: 'unsubscribed', email_address: 'x' }), ctx).kind).toBe(
      'failed',
    );
  });
});

describe('mapMailchimpMember: merge fields', () => {
  const full = {
    FNAME: ' Ada ',
    LNAME: 'Lovelace',
    PHONE: '+44 20 7946 0000',
    ADDRESS: {
      addr1: '1 Main St',
      addr2: 'Apt 2',
      city: 'London',
      state: 'LDN',
      zip: 'N1 9GU',
      country: 'GB',
    },
    BIRTHDAY: '12/10',
    LTV: 12.5,
    JOINED: '31/01/2024',
    PLAN: 'Pro',
    SIZE: 'XL',
    SITE: 'https://example.com',
    AVATAR: 'https://example.com/a.png',
    POSTCODE: '12345',
    MOBILE: '555-0100',
    'SHIP-TO': { addr1: '2 Side St', addr2: '', city: 'Leeds', state: '', zip: 'LS1', country: 'GB' },
    STATUS: 'VIP',
  };

  it.each([
    ['FNAME → firstname (trimmed)', 'firstname', 'Ada'],
    ['LNAME → lastname', 'lastname', 'Lovelace'],
    ['PHONE → phone', 'phone', '+44 20 7946 0000'],
    ['ADDRESS addr1 + addr2 → address', 'address', '1 Main St, Apt 2'],
    ['ADDRESS city → city', 'city', 'London'],
    ['ADDRESS state → state', 'state', 'LDN'],
    ['ADDRESS zip → zip', 'zip', 'N1 9GU'],
    ['ADDRESS country → country', 'country', 'GB'],
    ['BIRTHDAY MM/DD → esp_mc_birthday MM-DD', 'esp_mc_birthday', '12-10'],
    ['number → number string', 'esp_mc_ltv', '12.5'],
    ['date DD/MM/YYYY → YYYY-MM-DD', 'esp_mc_joined', '2024-01-31'],
    ['dropdown value among the choices → the enumeration', 'esp_mc_plan', 'Pro'],
    ['radio value outside the choices → the _other string property', 'esp_mc_size_other', 'XL'],
    ['url → string', 'esp_mc_site', 'https://example.com'],
    ['imageurl → string', 'esp_mc_avatar', 'https://example.com/a.png'],
    ['zip → string', 'esp_mc_postcode', '12345'],
    ['phone other than PHONE → string', 'esp_mc_mobile', '555-0100'],
    ['another address → one line of text, sanitised name', 'esp_mc_ship_to', '2 Side St, Leeds, LS1, GB'],
    ['a tag clashing with a tool property gets its own name', 'esp_mc_status_mf', 'VIP'],
  ])('%s', (_label, property, value) => {
    expect(contactOf(member({ merge_fields: full })).properties[property]).toBe(value);
  });

  it('a radio value outside the choices does not touch the enumeration property', () => {
    expect(contactOf(member({ merge_fields: full })).properties).not.toHaveProperty('esp_mc_size');
  });

  it('the tool status property is not overwritten by the STATUS merge field', () => {
    expect(contactOf(member({ merge_fields: full })).properties.esp_mc_status).toBe('subscribed');
  });

  it('omits empty values, an empty address and values that do not fit their type', () => {
    const props = contactOf(
      member({
        merge_fields: {
          FNAME: '',
          LNAME: '   ',
          PHONE: null,
          ADDRESS: '',
          BIRTHDAY: '13/45',
          LTV: 'abc',
          JOINED: '31/02/2024',
          PLAN: '',
          SITE: {},
        },
      }),
    ).properties;
    for (const name of [
      'firstname',
      'lastname',
      'phone',
      'address',
      'city',
      'esp_mc_birthday',
      'esp_mc_ltv',
      'esp_mc_joined',
      'esp_mc_plan',
      'esp_mc_plan_other',
      'esp_mc_site',
    ]) {
      expect(props).not.toHaveProperty(name);
    }
    expect(Object.values(props)).not.toContain('');
  });

  it('an address with empty parts keeps only the filled ones', () => {
    const props = contactOf(
      member({
        merge_fields: { ADDRESS: { addr1: '', addr2: '', city: 'Paris', state: '', zip: '', country: 'FR' } },
      }),
    ).properties;
    expect(props).toMatchObject({ city: 'Paris', country: 'FR' });
    expect(props).not.toHaveProperty('address');
    expect(props).not.toHaveProperty('zip');
  });

  it('numbers given as numeric strings are accepted', () => {
    expect(contactOf(member({ merge_fields: { LTV: ' 42 ' } })).properties.esp_mc_ltv).toBe('42');
  });

  it('merge_fields that is not an object is ignored, not a failure', () => {
    expect(contactOf(member({ merge_fields: 'oops' })).properties.firstname).toBeUndefined();
  });

  it('strips control characters, replaces unpaired surrogates and truncates to 65,536 characters', () => {
    const props = contactOf(
      member({
        merge_fields: {
          FNAME: 'A\u0000d\u0007a\uD800',
          LNAME: 'x'.repeat(70_000),
          SITE: `${'y'.repeat(65_535)}😀`,
        },
      }),
    ).properties;
    expect(props.firstname).toBe('Ada\uFFFD');
    expect(props.lastname).toHaveLength(65_536);
    // The emoji would be split at the limit: it is dropped whole.
    expect(props.esp_mc_site).toBe('y'.repeat(65_535));
  });

  it('an address whose parts together exceed the limit is cut to 65,536 characters', () => {
    const address = {
      addr1: 'a'.repeat(40_000),
      addr2: 'b'.repeat(40_000),
      city: '',
      state: '',
      zip: '',
      country: '',
    };
    expect(contactOf(member({ merge_fields: { ADDRESS: address } })).properties.address).toHaveLength(65_536);
  });

  it('a BIRTHDAY in DD/MM format is read day first', () => {
    const fields: MailchimpMergeField[] = [
      { tag: 'BIRTHDAY', name: 'Birthday', type: 'birthday', options: { date_format: 'DD/MM' } },
    ];
    expect(
      contactOf(member({ merge_fields: { BIRTHDAY: '31/12' } }), { ...ctx, mergeFields: fields }).properties
        .esp_mc_birthday,
    ).toBe('12-31');
  });
});

describe('mapMailchimpMember: tool properties', () => {
  it('fills the member evidence', () => {
    const c = contactOf(
      member({
        status: 'unsubscribed',
        unsubscribe_reason: 'Too many emails',
        tags: [{ id: 1, name: 'VIP' }, { id: 2, name: 'Donor' }, { id: 3 }],
        ip_signup: '198.51.100.2',
        timestamp_signup: '2023-01-05T00:00:00+00:00',
      }),
    );
    expect(c.properties).toEqual({
      esp_mc_member_id: 'm1',
      esp_mc_contact_id: 'c1',
      esp_mc_unique_email_id: 'u1',
      esp_mc_status: 'unsubscribed',
      esp_mc_audience: 'Newsletter',
      esp_mc_audience_id: 'aud1',
      esp_mc_tags: 'VIP;Donor',
      esp_mc_opt_in_time: '2024-03-01T10:20:30.000Z',
      esp_mc_opt_in_ip: '203.0.113.9',
      esp_mc_signup_time: '2023-01-05T00:00:00.000Z',
      esp_mc_signup_ip: '198.51.100.2',
      esp_mc_unsubscribe_reason: 'Too many emails',
      esp_mc_last_changed: '2024-05-02T08:00:00.000Z',
    });
    expect(c.key).toBe('mailchimp:aud1:c1');
    expect(c.sourceId).toBe('m1');
    expect(c.source).toBe('mailchimp');
    expect(c.changedAt).toBe('2024-05-02T08:00:00.000Z');
  });

  it('omits empty evidence ("" for unset IPs and times, no tags)', () => {
    const props = contactOf(
      member({ ip_opt: '', timestamp_opt: '', tags: [], unique_email_id: '' }),
    ).properties;
    for (const name of [
      'esp_mc_opt_in_ip',
      'esp_mc_opt_in_time',
      'esp_mc_tags',
      'esp_mc_unique_email_id',
      'esp_mc_signup_ip',
    ]) {
      expect(props).not.toHaveProperty(name);
    }
  });

  it('changedAt is null without a usable last_changed', () => {
    expect(contactOf(member({ last_changed: '' })).changedAt).toBeNull();
    expect(contactOf(member({ last_changed: 17 })).changedAt).toBeNull();
  });
});

describe('mailchimpPropertyDefinitions', () => {
  const defs = mailchimpPropertyDefinitions(MERGE_FIELDS);
  const byName = new Map(defs.map((d) => [d.name, d]));

  it('defines every tool property with a label, type and field type', () => {
    for (const name of [
      'esp_mc_member_id',
      'esp_mc_contact_id',
      'esp_mc_unique_email_id',
      'esp_mc_status',
      'esp_mc_audience',
      'esp_mc_audience_id',
      'esp_mc_tags',
      'esp_mc_opt_in_time',
      'esp_mc_opt_in_ip',
      'esp_mc_signup_time',
      'esp_mc_signup_ip',
      'esp_mc_unsubscribe_reason',
      'esp_mc_last_changed',
    ]) {
      const def = byName.get(name);
      expect(def?.label).toMatch(/^Mailchimp /);
      expect(def?.type).toBeDefined();
      expect(def?.fieldType).toBeDefined();
    }
    expect(byName.get('esp_mc_opt_in_time')).toMatchObject({ type: 'datetime', fieldType: 'date' });
    expect(byName.get('esp_mc_status')?.options?.map((o) => o.value)).toEqual([
      'subscribed',
      'unsubscribed',
      'cleaned',
      'pending',
      'transactional',
      'archived',
    ]);
  });

  it.each([
    ['esp_mc_birthday', { type: 'string', fieldType: 'text' }],
    ['esp_mc_ltv', { type: 'number', fieldType: 'number' }],
    ['esp_mc_joined', { type: 'date', fieldType: 'date' }],
    [
      'esp_mc_plan',
      {
        type: 'enumeration',
        fieldType: 'select',
        options: [
          { label: 'Free', value: 'Free' },
          { label: 'Pro', value: 'Pro' },
        ],
      },
    ],
    ['esp_mc_plan_other', { type: 'string', fieldType: 'text' }],
    ['esp_mc_size', { type: 'enumeration', fieldType: 'radio' }],
    ['esp_mc_site', { type: 'string', fieldType: 'text' }],
    ['esp_mc_ship_to', { type: 'string', fieldType: 'textarea' }],
    ['esp_mc_status_mf', { type: 'string', fieldType: 'text', label: 'Mailchimp: Customer status' }],
  ])('custom merge field %s', (name, expected) => {
    expect(byName.get(name)).toMatchObject(expected);
  });

  it('defines no custom property for the standard fields and no duplicate names', () => {
    for (const name of ['esp_mc_fname', 'esp_mc_lname', 'esp_mc_phone', 'esp_mc_address']) {
      expect(byName.has(name)).toBe(false);
    }
    expect(new Set(defs.map((d) => d.name)).size).toBe(defs.length);
  });

  it('a dropdown without choices becomes a string property', () => {
    const defs2 = mailchimpPropertyDefinitions([
      { tag: 'X', name: 'X', type: 'dropdown', options: { choices: [] } },
    ]);
    expect(defs2.find((d) => d.name === 'esp_mc_x')).toMatchObject({ type: 'string' });
  });
});

describe('mailchimpRecordKey', () => {
  it('joins source, audience and member id', () => {
    expect(mailchimpRecordKey('a1', 'm9')).toBe('mailchimp:a1:m9');
  });
});
