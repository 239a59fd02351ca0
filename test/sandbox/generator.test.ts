import { describe, expect, it } from '@jest/globals';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { Prng } from '../../src/sandbox/generator/prng.ts';
import { isoSeconds } from '../../src/sandbox/generator/people.ts';

const options = {
  seed: 42,
  mailchimp: { audiences: 3, membersPerAudience: 3000 },
  constantContact: { contacts: 3000 },
  overlap: 0.4,
  hubspotPreexisting: { contacts: 400, optedOutShare: 0.25 },
};
const data = generateDataset(options);
const norm = (e: string) => e.trim().toLowerCase();
const share = (n: number, total: number) => n / total;

describe('generateDataset', () => {
  it('gives the same data for the same seed and different data for another seed', () => {
    expect(JSON.stringify(generateDataset(options))).toBe(JSON.stringify(data));
    expect(JSON.stringify(generateDataset({ ...options, seed: 43 }))).not.toBe(JSON.stringify(data));
  });

  it('never calls Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random used');
    };
    try {
      expect(() => generateDataset({ seed: 1 })).not.toThrow();
    } finally {
      Math.random = original;
    }
  });

  it('makes a realistic Mailchimp status mix with every status and no duplicate within an audience', () => {
    for (const list of data.mailchimp.lists) {
      const counts: Record<string, number> = {};
      for (const m of list.members) counts[m.status] = (counts[m.status] ?? 0) + 1;
      expect(Object.keys(counts).sort()).toEqual([
        'archived',
        'cleaned',
        'pending',
        'subscribed',
        'transactional',
        'unsubscribed',
      ]);
      expect(share(counts.subscribed!, list.members.length)).toBeGreaterThan(0.6);
      expect(new Set(list.members.map((m) => norm(m.email_address))).size).toBe(list.members.length);
    }
  });

  it('makes every merge field type, and interests/GDPR only on some lists', () => {
    const [first, second] = data.mailchimp.lists;
    expect(new Set(first!.mergeFields.map((f) => f.type)).size).toBe(11);
    expect(
      first!.members.every((m) => m.interests !== undefined && m.marketing_permissions !== undefined),
    ).toBe(true);
    expect(
      second!.members.every((m) => m.interests === undefined && m.marketing_permissions === undefined),
    ).toBe(true);
    const addresses = first!.members.map((m) => m.merge_fields.ADDRESS);
    expect(addresses.some((a) => a === '')).toBe(true);
    expect(addresses.some((a) => typeof a === 'object')).toBe(true);
    expect(first!.members.some((m) => typeof m.merge_fields.LTV === 'number')).toBe(true);
    expect(first!.members.some((m) => m.tags.length > 0)).toBe(true);
  });

  it('makes all six CC permissions, deleted and SMS-only contacts, and custom fields of both types', () => {
    const contacts = data.constantContact.contacts;
    const permissions = new Set(contacts.map((c) => c.email_address?.permission_to_send).filter(Boolean));
    expect(permissions.size).toBe(6);
    expect(contacts.some((c) => c.deleted_at !== undefined)).toBe(true);
    expect(contacts.some((c) => c.email_address === undefined && c.sms_channel !== undefined)).toBe(true);
    expect(new Set(data.constantContact.customFields.map((f) => f.type))).toEqual(
      new Set(['string', 'date']),
    );
    expect(
      contacts
        .filter((c) => c.email_address?.permission_to_send === 'unsubscribed')
        .every((c) => c.email_address?.opt_out_date),
    ).toBe(true);
  });

  it('puts people in both sources, some with conflicting statuses', () => {
    const mc = new Map(data.mailchimp.lists[0]!.members.map((m) => [norm(m.email_address), m.status]));
    const both = data.constantContact.contacts.filter(
      (c) => c.email_address && mc.has(norm(c.email_address.address)),
    );
    expect(share(both.length, data.constantContact.contacts.length)).toBeGreaterThan(0.3);
    const conflicts = both.filter(
      (c) =>
        mc.get(norm(c.email_address!.address)) === 'subscribed' &&
        c.email_address!.permission_to_send === 'unsubscribed',
    );
    expect(conflicts.length).toBeGreaterThan(50);
  });

  it('makes messy data: mixed case, padding, unicode and emoji, empty and missing names, invalid emails, duplicates by case across sources', () => {
    const mcEmails = data.mailchimp.lists.flatMap((l) => l.members.map((m) => m.email_address));
    const ccEmails = data.constantContact.contacts.flatMap((c) =>
      c.email_address ? [c.email_address.address] : [],
    );
    const all = [...mcEmails, ...ccEmails];
    expect(all.some((e) => e !== e.toLowerCase())).toBe(true);
    expect(ccEmails.some((e) => e !== e.trim())).toBe(true);
    expect(all.some((e) => !/^[^@\s]+@[^@\s]+\.[a-z]+$/i.test(e.trim()))).toBe(true);
    const names = data.constantContact.contacts.map((c) => c.first_name);
    expect(names.some((n) => n === undefined)).toBe(true);
    expect(names.some((n) => n === '')).toBe(true);
    expect(names.some((n) => n !== undefined && /\p{Extended_Pictographic}/u.test(n))).toBe(true);
    expect(names.some((n) => n !== undefined && /[^\p{ASCII}]/u.test(n))).toBe(true);
    const byNorm = new Map<string, Set<string>>();
    for (const e of all) byNorm.set(norm(e), (byNorm.get(norm(e)) ?? new Set()).add(e));
    expect([...byNorm.values()].some((variants) => variants.size > 1)).toBe(true);
  });

  it('seeds HubSpot with pre-existing contacts, some opted out of all email, some known to the sources', () => {
    const hs = data.hubspot.contacts;
    expect(hs.length).toBeGreaterThan(300);
    const optedOut = hs.filter((c) => c.optedOutOfAll).length;
    expect(share(optedOut, hs.length)).toBeGreaterThan(0.15);
    expect(share(optedOut, hs.length)).toBeLessThan(0.35);
    const known = new Set([
      ...data.mailchimp.lists.flatMap((l) => l.members.map((m) => norm(m.email_address))),
    ]);
    expect(hs.some((c) => known.has(norm(c.email)))).toBe(true);
    expect(new Set(hs.map((c) => norm(c.email))).size).toBe(hs.length);
  });

  // Speed is the benchmark's to measure (npm run bench); this test checks only that the large sizes work.
  it('generates 100,000 records per source', () => {
    const big = generateDataset({
      seed: 5,
      mailchimp: { audiences: 1, membersPerAudience: 100_000 },
      constantContact: { contacts: 100_000 },
      hubspotPreexisting: { contacts: 100_000 },
    });
    expect(big.mailchimp.lists[0]!.members).toHaveLength(100_000);
    expect(big.constantContact.contacts).toHaveLength(100_000);
    expect(big.hubspot.contacts).toHaveLength(100_000);
  }, 20_000);
});

describe('helpers', () => {
  it('formats UTC seconds like Date#toISOString', () => {
    const rng = new Prng(3);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(rng.next() * 4e9) * 1000;
      expect(isoSeconds(ms)).toBe(new Date(ms).toISOString().slice(0, 19));
    }
  });
});
