import { describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import { fingerprint } from '../../src/run/fingerprint.ts';
import { batchByUniqueEmail } from '../../src/workers/batching.ts';

function contact(key: string, email: string, extra: Partial<SourceContact> = {}): SourceContact {
  return {
    key,
    source: 'mailchimp',
    sourceId: key,
    email,
    sourceStatus: 'subscribed',
    consent: { state: 'none' },
    properties: { firstname: 'Ann' },
    changedAt: null,
    ...extra,
  };
}

describe('batchByUniqueEmail', () => {
  it('never puts one email twice in a batch and keeps batches at most the size', () => {
    const contacts = [
      contact('a', 'x@example.com'),
      contact('b', 'x@example.com'),
      contact('c', 'y@example.com'),
      contact('d', 'x@example.com'),
    ];
    const batches = batchByUniqueEmail(contacts, 2);
    for (const batch of batches) {
      expect(new Set(batch.map((c) => c.email)).size).toBe(batch.length);
      expect(batch.length).toBeLessThanOrEqual(2);
    }
    expect(
      batches
        .flat()
        .map((c) => c.key)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(batches).toHaveLength(3);
  });

  it('fills batches of 100', () => {
    const contacts = Array.from({ length: 250 }, (_, i) => contact(`k${i}`, `p${i}@example.com`));
    expect(batchByUniqueEmail(contacts).map((b) => b.length)).toEqual([100, 100, 50]);
  });
});

describe('fingerprint', () => {
  it('ignores property order but not values, email or consent', () => {
    const base = contact('a', 'x@example.com', { properties: { a: '1', b: '2' } });
    expect(fingerprint(base)).toBe(fingerprint({ ...base, properties: { b: '2', a: '1' } }));
    expect(fingerprint(base)).not.toBe(fingerprint({ ...base, properties: { a: '1', b: '3' } }));
    expect(fingerprint(base)).not.toBe(fingerprint({ ...base, email: 'z@example.com' }));
    expect(fingerprint(base)).not.toBe(fingerprint({ ...base, consent: { state: 'optOut', reason: 'x' } }));
    const subscribed = {
      ...base,
      consent: { state: 'subscribe' as const, legalBasis: 'CONSENT_WITH_NOTICE' as const, explanation: 'a' },
    };
    // The explanation text changes with wording, not with what HubSpot should hold.
    expect(fingerprint(subscribed)).toBe(
      fingerprint({ ...subscribed, consent: { ...subscribed.consent, explanation: 'b' } }),
    );
  });
});
