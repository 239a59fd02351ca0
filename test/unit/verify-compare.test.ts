/** verify's pure parts: merging a person's records like a migration, and the kinds of difference. */
import { describe, expect, it } from '@jest/globals';
import type { ConsentIntent, SourceContact } from '../../src/core/contact.ts';
import type { HubSpotConsent } from '../../src/core/ports.ts';
import { compareOne, sameValue } from '../../src/verify/compare.ts';
import { addRecord, type PersonExpectation } from '../../src/verify/expectation.ts';

const EMAIL = 'ann@example.com';
const subscribe: ConsentIntent = { state: 'subscribe', legalBasis: 'CONSENT_WITH_NOTICE', explanation: 'x' };

function record(
  key: string,
  consent: ConsentIntent,
  changedAt: string | null,
  properties = {},
): SourceContact {
  return {
    key,
    source: 'mailchimp',
    sourceId: key,
    email: EMAIL,
    sourceStatus: consent.state,
    consent,
    properties,
    changedAt,
  };
}

const person = (...records: SourceContact[]): PersonExpectation =>
  records.reduce<PersonExpectation | undefined>((p, r) => addRecord(p, r), undefined)!;

const consent = (patch: Partial<HubSpotConsent>): HubSpotConsent => ({
  email: EMAIL,
  optedOutOfAll: false,
  marketing: 'NOT_SPECIFIED',
  ...patch,
});

const contact = (properties: Record<string, string>) => ({ email: EMAIL, hubspotId: '1', properties });

describe('a person from their records', () => {
  it('takes the strictest consent, in any order', () => {
    const a = record('a', subscribe, '2024-01-01T00:00:00.000Z');
    const b = record('b', { state: 'optOut', reason: 'r' }, '2023-01-01T00:00:00.000Z');
    expect(person(a, b).rank).toBe(2);
    expect(person(b, a).rank).toBe(2);
    expect(person(a, b).anySubscribe).toBe(true);
  });

  it('takes the properties of the most recently changed record that has any', () => {
    const older = record('a', subscribe, '2024-01-01T00:00:00.000Z', { firstname: 'Old' });
    const newer = record('b', subscribe, '2025-01-01T00:00:00.000Z', { firstname: 'New' });
    const bare = record('c', { state: 'optOut', reason: 'r' }, '2026-01-01T00:00:00.000Z');
    expect(person(older, newer, bare).properties).toEqual({ firstname: 'New' });
    expect(person(bare, newer, older).properties).toEqual({ firstname: 'New' });
    expect(person(older, newer).keys).toEqual(['a', 'b']);
  });
});

describe('differences', () => {
  const optOut = person(record('a', { state: 'optOut', reason: 'r' }, null));
  const none = person(record('a', { state: 'none' }, null));

  it('an opt-out HubSpot does not hold is missing, whether HubSpot has a status or none at all', () => {
    const found = compareOne(optOut, { contact: contact({}), consent: consent({}), ledgerRank: undefined });
    expect(found.map((d) => d.kind)).toEqual(['optOutMissing']);
    const absent = consent({ optedOutOfAll: true, absent: true, unknown: '404' });
    expect(
      compareOne(optOut, { contact: undefined, consent: absent, ledgerRank: 2 }).map((d) => d.kind),
    ).toEqual(['optOutMissing', 'missingContact']);
    const held = consent({ optedOutOfAll: true, marketing: 'NOT_SUBSCRIBED' });
    expect(compareOne(optOut, { contact: contact({}), consent: held, ledgerRank: 2 })).toEqual([]);
  });

  it('the consent ledger’s opt-out counts although no record read now says so', () => {
    const [d] = compareOne(none, { contact: contact({}), consent: consent({}), ledgerRank: 2 });
    expect(d).toMatchObject({
      kind: 'optOutMissing',
      detail: expect.stringMatching(/^the consent ledger says/),
    });
  });

  it('an unreadable answer cannot prove an opt-out', () => {
    const unclear = consent({
      optedOutOfAll: true,
      marketing: 'NOT_SUBSCRIBED',
      unknown: 'HubSpot answered 500',
    });
    expect(compareOne(optOut, { contact: contact({}), consent: unclear, ledgerRank: 2 })[0]?.kind).toBe(
      'consentUnreadable',
    );
  });

  it('SUBSCRIBED without consent is its own kind; with consent it is no difference', () => {
    const subscribed = consent({ marketing: 'SUBSCRIBED' });
    expect(compareOne(none, { contact: contact({}), consent: subscribed, ledgerRank: 1 })[0]?.kind).toBe(
      'subscribedWithoutConsent',
    );
    const withConsent = person(record('a', subscribe, null));
    expect(compareOne(withConsent, { contact: contact({}), consent: subscribed, ledgerRank: 0 })).toEqual([]);
  });

  it('lists the properties that differ, and only those the record sets', () => {
    const p = person(
      record('a', { state: 'none' }, null, { firstname: 'Ann', esp_mc_status: 'pending', n: '1.5' }),
    );
    const [d] = compareOne(p, {
      contact: contact({ firstname: 'Anne', n: '1.50', city: 'Oslo' }),
      consent: consent({}),
      ledgerRank: 1,
    });
    expect(d?.kind).toBe('propertiesDiffer');
    expect(d?.properties).toEqual([
      { name: 'firstname', expected: 'Ann', actual: 'Anne' },
      { name: 'esp_mc_status', expected: 'pending', actual: null },
    ]);
  });

  it('leaves the properties alone when the ledger’s owner is a record changed later than those read now', () => {
    const p = person(record('a', { state: 'none' }, '2024-01-01T00:00:00.000Z', { firstname: 'Ann' }));
    const view = { contact: contact({ firstname: 'Anne' }), consent: consent({}), ledgerRank: 1 };
    expect(compareOne(p, { ...view, ledgerOwner: '2025-01-01T00:00:00.000Z|b' })).toEqual([]);
    expect(compareOne(p, { ...view, ledgerOwner: '2024-01-01T00:00:00.000Z|a' })[0]?.kind).toBe(
      'propertiesDiffer',
    );
    expect(compareOne(p, { ...view, ledgerOwner: '2023-01-01T00:00:00.000Z|b' })[0]?.kind).toBe(
      'propertiesDiffer',
    );
  });

  it('compares numbers and instants by value', () => {
    expect(sameValue('2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z')).toBe(true);
    expect(sameValue('2024-05-01', '1714521600000')).toBe(true);
    expect(sameValue('2024-05-01T10:00:00Z', '2024-05-01T10:00:01Z')).toBe(false);
    expect(sameValue('10', '10.0')).toBe(true);
    expect(sameValue('Ann', 'ann')).toBe(false);
  });
});
