import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { MailchimpMember, MailchimpMergeField } from '../../src/connectors/mailchimp/wire.ts';
import { mapMailchimpMember, type MailchimpMapContext } from '../../src/mapping/mailchimp.ts';
import { DEFAULT_POLICY } from '../../src/mapping/policy.ts';
import { HUBSPOT_MAX_VALUE_LENGTH } from '../../src/mapping/values.ts';

const MERGE_FIELDS: MailchimpMergeField[] = [
  { tag: 'FNAME', name: 'First Name', type: 'text' },
  { tag: 'ADDRESS', name: 'Address', type: 'address' },
  { tag: 'BIRTHDAY', name: 'Birthday', type: 'birthday' },
  { tag: 'LTV', name: 'LTV', type: 'number' },
  { tag: 'JOINED', name: 'Joined', type: 'date' },
  { tag: 'PLAN', name: 'Plan', type: 'dropdown', options: { choices: ['A', 'B'] } },
];
const ctx: MailchimpMapContext = {
  audience: { id: 'aud', name: 'News' },
  mergeFields: MERGE_FIELDS,
  policy: DEFAULT_POLICY,
};

const messyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '  ', '\u0000', '\uD800', 'a@b.co', 'ADA@EXAMPLE.COM', '2024-03-01T00:00:00+00:00'),
  // Around HubSpot's length limit, built cheaply, with a surrogate pair that may straddle the cut.
  fc
    .tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 65_530, max: 65_540 }))
    .map(([s, n]) => `${s.padEnd(n, 'x')}\u{1F600}`),
);
const anyValue = fc.oneof(fc.anything(), messyString);
const status = fc.oneof(
  fc.constantFrom('subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional', 'archived'),
  fc.constantFrom('Subscribed', 'subscribed ', 'SUBSCRIBED', 'nonsubscribed', ''),
  anyValue,
);
const mergeFields = fc.oneof(
  anyValue,
  fc.record(
    {
      FNAME: anyValue,
      ADDRESS: fc.oneof(
        anyValue,
        fc.dictionary(fc.constantFrom('addr1', 'addr2', 'city', 'zip', 'country'), anyValue),
      ),
      BIRTHDAY: anyValue,
      LTV: anyValue,
      JOINED: anyValue,
      PLAN: anyValue,
    },
    { requiredKeys: [] },
  ),
);

const memberLike: fc.Arbitrary<MailchimpMember> = fc
  .record(
    {
      id: fc.oneof(fc.string(), anyValue),
      email_address: fc.oneof(fc.emailAddress(), messyString, anyValue),
      status,
      unique_email_id: anyValue,
      contact_id: anyValue,
      merge_fields: mergeFields,
      tags: fc.oneof(anyValue, fc.array(fc.record({ id: anyValue, name: anyValue }, { requiredKeys: [] }))),
      ip_signup: anyValue,
      timestamp_signup: anyValue,
      ip_opt: anyValue,
      timestamp_opt: fc.oneof(
        anyValue,
        fc.date().map((d) => (Number.isNaN(d.getTime()) ? '' : d.toISOString())),
      ),
      last_changed: anyValue,
      unsubscribe_reason: anyValue,
    },
    { requiredKeys: ['id', 'email_address', 'status'] },
  )
  .map((m) => m as MailchimpMember);

function hasControlCharacter(value: string): boolean {
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

describe('mapMailchimpMember (property-based)', () => {
  it('never throws, always returns contact|skipped|failed, and failures carry a reason', () => {
    fc.assert(
      fc.property(memberLike, (member) => {
        const result = mapMailchimpMember(member, ctx);
        expect(['contact', 'skipped', 'failed']).toContain(result.kind);
        if (result.kind !== 'contact') {
          expect(typeof result.reason).toBe('string');
          expect(result.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a subscribe intent only when the status is exactly "subscribed"', () => {
    fc.assert(
      fc.property(memberLike, (member) => {
        const result = mapMailchimpMember(member, ctx);
        if (result.kind === 'contact' && result.contact.consent.state === 'subscribe') {
          expect(member.status).toBe('subscribed');
        }
        if (member.status !== 'subscribed') {
          expect(result.kind === 'contact' && result.contact.consent.state === 'subscribe').toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('every property value is a non-empty, well-formed string within HubSpot limits', () => {
    fc.assert(
      fc.property(memberLike, (member) => {
        const result = mapMailchimpMember(member, ctx);
        if (result.kind !== 'contact') return;
        for (const value of Object.values(result.contact.properties)) {
          expect(typeof value).toBe('string');
          expect(value.length).toBeGreaterThan(0);
          expect(value.length).toBeLessThanOrEqual(HUBSPOT_MAX_VALUE_LENGTH);
          expect(value.isWellFormed()).toBe(true);
          expect(hasControlCharacter(value)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('survives members whose fields throw when read', () => {
    const hostile = new Proxy(
      { id: 'x', email_address: 'a@b.co', status: 'subscribed' },
      {
        get(target, prop) {
          if (prop === 'merge_fields') throw new Error('boom');
          return Reflect.get(target, prop) as unknown;
        },
      },
    );
    const result = mapMailchimpMember(hostile, ctx);
    expect(result.kind).toBe('failed');
    if (result.kind === 'failed') expect(result.reason).toContain('boom');
  });
});
