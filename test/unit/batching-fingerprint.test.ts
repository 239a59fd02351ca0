import { describe, expect, it } from '@jest/globals';
import type { SourceContact } from '../../src/core/contact.ts';
import { fingerprint } from '../../src/run/fingerprint.ts';
import { batchByUniqueEmail, fullBatches, lastBatches } from '../../src/workers/batching.ts';

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

const optOut = (key: string, email = `${key}@example.com`) =>
  contact(key, email, { consent: { state: 'optOut', reason: 'unsubscribed' } });
const person = (key: string, email = `${key}@example.com`) => contact(key, email);
const many = (n: number, make: (key: string) => SourceContact, tag: string) =>
  Array.from({ length: n }, (_, i) => make(`${tag}${i}`));
const shape = (batches: SourceContact[][]) =>
  batches.map((b) => `${b.filter((c) => c.consent.state === 'optOut').length}/${b.length}`);

describe('fullBatches', () => {
  it.each([
    // [opt-outs, others, full batches as opt-outs/size, carried]
    [0, 99, [], 99],
    [150, 0, ['100/100'], 50],
    [30, 250, ['0/100', '0/100'], 80],
    [130, 170, ['100/100', '0/100'], 100],
    [99, 99, [], 198],
    [200, 300, ['100/100', '100/100', '0/100', '0/100', '0/100'], 0],
  ])('%i opt-outs and %i others: full batches %j, %i carried', (o, p, full, carried) => {
    const out = fullBatches([...many(p, person, 'p'), ...many(o, optOut, 'o')]);
    expect(shape(out.full)).toEqual(full);
    expect(out.rest).toHaveLength(carried);
    // Nothing is lost or doubled.
    const keys = [...out.full.flat(), ...out.rest].map((c) => c.key);
    expect(new Set(keys).size).toBe(o + p);
    expect(keys).toHaveLength(o + p);
  });

  it('sends a batch held back only by a repeated address rather than carry more than two batches', () => {
    // 150 records of 3 addresses: no batch of unique addresses can ever hold more than 3 of them.
    const same = Array.from({ length: 150 }, (_, i) => person(`k${i}`, `a${i % 3}@example.com`));
    const out = fullBatches(same, 100);
    expect(out.rest.length).toBeLessThanOrEqual(200);
    expect(out.full.flat().length + out.rest.length).toBe(150);
    for (const b of out.full) expect(new Set(b.map((c) => c.email)).size).toBe(b.length);
  });
});

describe('lastBatches', () => {
  it('sends everything, opt-outs first, so only one batch mixes them', () => {
    const batches = lastBatches([...many(120, person, 'p'), ...many(130, optOut, 'o')]);
    expect(shape(batches)).toEqual(['100/100', '30/100', '0/50']);
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
