/**
 * The HubSpot state and run report a migration of a seeded dataset must produce, computed from the dataset
 * alone. Deliberately written without the product's mapping code: if the mappers and this file disagree,
 * one of them is wrong and the chaos suite says so.
 */
import type { Dataset, DatasetOptions } from '../../../src/sandbox/index.ts';

type Consent = 'subscribe' | 'none' | 'optOut';
const RANK: Record<Consent, number> = { subscribe: 0, none: 1, optOut: 2 };

/** The defaults of SUBSCRIBED_LEGAL_BASIS and IMPLICIT_LEGAL_BASIS. */
const CONFIRMED_BASIS = 'CONSENT_WITH_NOTICE';
const IMPLICIT_BASIS = 'LEGITIMATE_INTEREST_OTHER';

export type ExpectedRecord =
  | { key: string; kind: 'contact'; email: string; consent: Consent; legalBasis: string | null }
  | { key: string; kind: 'skipped'; why: string }
  | { key: string; kind: 'failed'; why: string };

export interface ExpectedState {
  /** Every source record by its run key. */
  records: Map<string, ExpectedRecord>;
  /** Every email that must be a HubSpot contact exactly once (sources plus contacts HubSpot already had). */
  contactEmails: Set<string>;
  /** Every email that must end opted out of all email. */
  optedOut: Set<string>;
  /** Emails that must end SUBSCRIBED to the marketing subscription, with the legal bases allowed for them. */
  subscribed: Map<string, Set<string>>;
  /** Emails a source says are subscribed but HubSpot already holds as opted out: they must stay opted out. */
  keptOptedOut: Set<string>;
  totals: { read: number; skipped: number; failed: number; contacts: number };
}

/** N records per source: two Mailchimp audiences of N/2 members and N Constant Contact contacts. */
export function chaosDataset(recordsPerSource: number, seed: number): DatasetOptions {
  const half = Math.max(1, Math.floor(recordsPerSource / 2));
  return {
    seed,
    mailchimp: { audiences: 2, membersPerAudience: half },
    constantContact: { contacts: recordsPerSource },
    // Many pre-existing opt-outs that a source says are subscribed: the people a lenient sync would resubscribe.
    hubspotPreexisting: { contacts: Math.max(10, Math.round(recordsPerSource / 5)), optedOutShare: 0.5 },
  };
}

/** An address a mailer would send to: one @, dot-separated labels, a letter TLD, no empty local parts. */
const VALID_EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}$/;

export function canonicalEmail(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const email = raw.trim().toLowerCase();
  return VALID_EMAIL.test(email) ? email : null;
}

function mailchimpRecords(dataset: Dataset): ExpectedRecord[] {
  return dataset.mailchimp.lists.flatMap((list) =>
    list.members.map((m): ExpectedRecord => {
      const key = `mailchimp:${list.id}:${m.contact_id}`;
      if (m.status === 'archived') return { key, kind: 'skipped', why: 'archived' };
      const email = canonicalEmail(m.email_address);
      if (!email) return { key, kind: 'failed', why: 'invalid email' };
      const consent: Consent =
        m.status === 'subscribed'
          ? 'subscribe'
          : m.status === 'unsubscribed' || m.status === 'cleaned'
            ? 'optOut'
            : 'none';
      return {
        key,
        kind: 'contact',
        email,
        consent,
        legalBasis: consent === 'subscribe' ? CONFIRMED_BASIS : null,
      };
    }),
  );
}

function constantContactRecords(dataset: Dataset): ExpectedRecord[] {
  return dataset.constantContact.contacts.map((c): ExpectedRecord => {
    const key = `constant-contact:${c.contact_id}`;
    const address = c.email_address;
    if (!address) return { key, kind: 'skipped', why: 'sms only' };
    const permission = address.permission_to_send;
    if (c.deleted_at && permission !== 'unsubscribed') return { key, kind: 'skipped', why: 'deleted' };
    const email = canonicalEmail(address.address);
    if (!email) return { key, kind: 'failed', why: 'invalid email' };
    if (permission === 'explicit') {
      return { key, kind: 'contact', email, consent: 'subscribe', legalBasis: CONFIRMED_BASIS };
    }
    if (permission === 'implicit') {
      return { key, kind: 'contact', email, consent: 'subscribe', legalBasis: IMPLICIT_BASIS };
    }
    const consent: Consent = permission === 'unsubscribed' ? 'optOut' : 'none';
    return { key, kind: 'contact', email, consent, legalBasis: null };
  });
}

export function expectedState(dataset: Dataset): ExpectedState {
  const all = [...mailchimpRecords(dataset), ...constantContactRecords(dataset)];
  const records = new Map(all.map((r) => [r.key, r]));
  if (records.size !== all.length) throw new Error('the dataset has duplicate record keys');

  const strictest = new Map<string, Consent>();
  const bases = new Map<string, Set<string>>();
  for (const r of all) {
    if (r.kind !== 'contact') continue;
    const before = strictest.get(r.email);
    if (before === undefined || RANK[r.consent] > RANK[before]) strictest.set(r.email, r.consent);
    if (r.legalBasis) bases.set(r.email, (bases.get(r.email) ?? new Set()).add(r.legalBasis));
  }

  const hubspotOptedOut = new Set(
    dataset.hubspot.contacts.filter((c) => c.optedOutOfAll).map((c) => c.email.trim().toLowerCase()),
  );
  const contactEmails = new Set([
    ...strictest.keys(),
    ...dataset.hubspot.contacts.map((c) => c.email.trim().toLowerCase()),
  ]);
  const optedOut = new Set(hubspotOptedOut);
  const subscribed = new Map<string, Set<string>>();
  const keptOptedOut = new Set<string>();
  for (const [email, consent] of strictest) {
    if (consent === 'optOut') optedOut.add(email);
    // Someone HubSpot already holds as opted out stays opted out, whatever a source says.
    if (consent === 'subscribe' && !hubspotOptedOut.has(email)) subscribed.set(email, bases.get(email)!);
    if (consent === 'subscribe' && hubspotOptedOut.has(email)) keptOptedOut.add(email);
  }

  const count = (kind: ExpectedRecord['kind']) => all.filter((r) => r.kind === kind).length;
  return {
    records,
    contactEmails,
    optedOut,
    subscribed,
    keptOptedOut,
    totals: {
      read: all.length,
      skipped: count('skipped'),
      failed: count('failed'),
      contacts: count('contact'),
    },
  };
}
