import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CcContact, CcDefinitions } from '../../src/connectors/constant-contact/wire.ts';
import { mapCcContact } from '../../src/mapping/constant-contact.ts';
import type { ConsentPolicy } from '../../src/mapping/policy.ts';

const definitions: CcDefinitions = {
  customFields: new Map([
    ['cf-1', { name: 'Make', label: 'Make', type: 'string' }],
    ['cf-2', { name: 'When', label: 'When', type: 'date' }],
  ]),
  lists: new Map([['l-1', 'List']]),
  tags: new Map([['t-1', 'Tag']]),
};

const permission = fc.oneof(
  fc.constantFrom('explicit', 'implicit', 'pending_confirmation', 'not_set', 'temp_hold', 'unsubscribed'),
  fc.constantFrom('Explicit', ' IMPLICIT ', 'subscribed', 'active', ''),
  fc.anything(),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(''), fc.anything());

const emailAddress = fc.oneof(
  fc.record(
    {
      address: fc.oneof(fc.emailAddress(), fc.string(), fc.anything()),
      permission_to_send: permission,
      opt_in_source: text,
      opt_in_date: fc.oneof(
        fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
        text,
      ),
      opt_out_date: text,
      opt_out_reason: text,
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

const contactLike: fc.Arbitrary<CcContact> = fc
  .record(
    {
      contact_id: fc.oneof(fc.uuid(), fc.string(), fc.anything()),
      email_address: emailAddress,
      first_name: text,
      last_name: text,
      job_title: text,
      company_name: text,
      birthday_month: fc.oneof(fc.integer({ min: -2, max: 14 }), fc.anything()),
      birthday_day: fc.oneof(fc.integer({ min: -2, max: 33 }), fc.anything()),
      updated_at: text,
      deleted_at: maybe(fc.oneof(fc.constant('2024-07-08'), text)),
      status: maybe(fc.constantFrom('deleted', 'active')),
      custom_fields: fc.oneof(
        fc.array(fc.record({ custom_field_id: fc.constantFrom('cf-1', 'cf-2', 'cf-x'), value: text })),
        fc.anything(),
      ),
      phone_numbers: fc.oneof(fc.array(fc.record({ phone_number: text })), fc.anything()),
      street_addresses: fc.oneof(
        fc.array(fc.record({ street: text, city: text, postal_code: text })),
        fc.anything(),
      ),
      list_memberships: fc.oneof(fc.array(fc.oneof(fc.constant('l-1'), fc.string())), fc.anything()),
      taggings: fc.oneof(fc.array(fc.oneof(fc.constant('t-1'), fc.anything())), fc.anything()),
    },
    { requiredKeys: [] },
  )
  .map((raw) => raw as unknown as CcContact);

const policy: fc.Arbitrary<ConsentPolicy> = fc.record({
  subscribedLegalBasis: fc.constantFrom('CONSENT_WITH_NOTICE', 'PERFORMANCE_OF_CONTRACT'),
  implicitLegalBasis: fc.constantFrom('LEGITIMATE_INTEREST_OTHER', 'NOT_SET'),
});

function permissionOf(contact: CcContact): string {
  const email = contact.email_address as { permission_to_send?: unknown } | null | undefined;
  const raw = typeof email === 'object' && email !== null ? email.permission_to_send : undefined;
  return typeof raw === 'string' ? raw.trim().toLowerCase() : '';
}

describe('mapCcContact over arbitrary contact-like input', () => {
  it('never throws, subscribes only explicit/implicit, and gives every failed/skipped record a reason', () => {
    fc.assert(
      fc.property(contactLike, policy, (contact, p) => {
        const mapped = mapCcContact(contact, { definitions, policy: p });
        if (mapped.kind === 'contact') {
          const { consent, properties } = mapped.contact;
          if (consent.state === 'subscribe') {
            expect(['explicit', 'implicit']).toContain(permissionOf(contact));
            if (permissionOf(contact) === 'implicit') expect(p.implicitLegalBasis).not.toBe('NOT_SET');
          }
          if (permissionOf(contact) === 'unsubscribed') expect(consent.state).toBe('optOut');
          for (const value of Object.values(properties)) {
            expect(typeof value).toBe('string');
            expect(value).not.toBe('');
            expect(value.isWellFormed()).toBe(true);
          }
        } else {
          expect(mapped.reason.length).toBeGreaterThan(0);
          // The mapper's last-resort catch must never be what produced the outcome.
          expect(mapped.reason).not.toMatch(/^could not map the contact/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
