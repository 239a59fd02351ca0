/**
 * The one oracle of what HubSpot must hold after a migration, for the e2e and the chaos suites: computed from
 * the sandbox's seed data and the README's consent tables alone. Deliberately written without the product's
 * mapping code (nothing here imports src/mapping or src/core): if the mappers and this file disagree, one of
 * them is wrong and the tests say so.
 */
import type { Dataset, HubSpotSeed } from '../../src/sandbox/generator/types.ts';

export type Intent = 'subscribe' | 'none' | 'optOut';
export type SourceName = 'mailchimp' | 'constant-contact';

/** One source record as the policy tables see it. */
export interface SourceRecord {
  /** The run's record key, as the report lists it. */
  key: string;
  source: SourceName;
  /** Trimmed and lowercased, or null when it is not a valid address. */
  email: string | null;
  rawEmail: string | null;
  /** The status word the run's breakdown counts it under. */
  status: string;
  /** Null: skipped by policy (archived, deleted, no email). */
  intent: Intent | null;
  /** Mailchimp audience id; null for Constant Contact. */
  audienceId: string | null;
  /** The legal basis a subscribing record is written with; null when it does not subscribe. */
  legalBasis: string | null;
}

/** The defaults of SUBSCRIBED_LEGAL_BASIS and IMPLICIT_LEGAL_BASIS. */
const CONFIRMED_BASIS = 'CONSENT_WITH_NOTICE';
const IMPLICIT_BASIS = 'LEGITIMATE_INTEREST_OTHER';

const RANK: Record<Intent, number> = { subscribe: 0, none: 1, optOut: 2 };

// Deliberately stricter than the product's check (ASCII domain labels, letters-only TLD), as HubSpot is:
// an address that fails here must end up failed, whether the mapper or HubSpot refuses it.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

export function normalize(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  return DOMAIN.test(domain) ? email : null;
}

const MC_INTENT: Record<string, Intent | null> = {
  subscribed: 'subscribe',
  unsubscribed: 'optOut',
  cleaned: 'optOut',
  pending: 'none',
  transactional: 'none',
  archived: null,
};

/** Every member of every audience, as Mailchimp serves them (one member per lowercased address per audience). */
export function mailchimpRecords(dataset: Dataset): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const list of dataset.mailchimp.lists) {
    const seen = new Set<string>();
    for (const m of list.members) {
      const lower = m.email_address.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      out.push({
        key: `mailchimp:${list.id}:${m.contact_id}`,
        source: 'mailchimp',
        email: normalize(m.email_address),
        rawEmail: m.email_address,
        status: m.status,
        intent: MC_INTENT[m.status] ?? null,
        audienceId: list.id,
        legalBasis: m.status === 'subscribed' ? CONFIRMED_BASIS : null,
      });
    }
  }
  return out;
}

export interface CcPolicy {
  /** Implicit permission subscribes unless the policy sets it to "not set". */
  implicitSubscribes: boolean;
}

function ccIntent(permission: string, policy: CcPolicy): Intent {
  if (permission === 'explicit') return 'subscribe';
  if (permission === 'implicit') return policy.implicitSubscribes ? 'subscribe' : 'none';
  if (permission === 'unsubscribed') return 'optOut';
  return 'none';
}

export function constantContactRecords(
  dataset: Dataset,
  policy: CcPolicy = { implicitSubscribes: true },
): SourceRecord[] {
  return dataset.constantContact.contacts.map((c) => {
    const base = {
      key: `constant-contact:${c.contact_id}`,
      source: 'constant-contact' as const,
      audienceId: null,
      rawEmail: c.email_address?.address ?? null,
      email: normalize(c.email_address?.address),
      legalBasis: null,
    };
    if (!c.email_address) return { ...base, status: 'sms_only', intent: null };
    const permission = c.email_address.permission_to_send;
    // A deleted contact is skipped unless it unsubscribed: then only its opt-out counts.
    if (c.deleted_at && permission !== 'unsubscribed') return { ...base, status: 'deleted', intent: null };
    const intent = ccIntent(permission, policy);
    const legalBasis =
      intent !== 'subscribe' ? null : permission === 'explicit' ? CONFIRMED_BASIS : IMPLICIT_BASIS;
    return { ...base, status: permission, intent, legalBasis };
  });
}

/** Records that reach HubSpot: not skipped by policy, with an address HubSpot accepts. */
export const writable = (r: SourceRecord): r is SourceRecord & { email: string; intent: Intent } =>
  r.intent !== null && r.email !== null;

/** Records that must end failed with a reason: not skipped by policy, but no usable address. */
export const invalid = (r: SourceRecord): boolean => r.intent !== null && r.email === null;

export interface PreExisting {
  optedOutOfAll: boolean;
  /** The marketing subscription's status before the run, if HubSpot had one. */
  marketing: 'SUBSCRIBED' | 'NOT_SUBSCRIBED' | null;
}

export function preExisting(seeds: HubSpotSeed[], subscriptionId = '1001'): Map<string, PreExisting> {
  const out = new Map<string, PreExisting>();
  for (const s of seeds) {
    out.set(s.email.trim().toLowerCase(), {
      optedOutOfAll: s.optedOutOfAll === true,
      marketing: s.optedOutOfAll ? 'NOT_SUBSCRIBED' : (s.subscriptions?.[subscriptionId] ?? null),
    });
  }
  return out;
}

/** HubSpot will never let this address be subscribed again. */
export const blocksSubscription = (p: PreExisting | undefined): boolean =>
  p !== undefined && (p.optedOutOfAll || p.marketing === 'NOT_SUBSCRIBED');

export interface ExpectedPerson {
  email: string;
  /** The strictest intent of the person's records. */
  intent: Intent;
  optedOutOfAll: boolean;
  /** Marketing subscription status afterwards; null = none set. */
  marketing: 'SUBSCRIBED' | 'NOT_SUBSCRIBED' | null;
  records: SourceRecord[];
}

/** Per normalised email: the strictest state any source record or HubSpot itself holds. */
export function expectedPeople(
  records: SourceRecord[],
  pre: Map<string, PreExisting>,
): Map<string, ExpectedPerson> {
  const byEmail = new Map<string, SourceRecord[]>();
  for (const r of records.filter(writable)) {
    byEmail.set(r.email, [...(byEmail.get(r.email) ?? []), r]);
  }
  const out = new Map<string, ExpectedPerson>();
  for (const [email, recs] of byEmail) {
    const intent = recs
      .map((r) => r.intent!)
      .reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'subscribe' as Intent);
    const before = pre.get(email);
    const optedOutOfAll = intent === 'optOut' || before?.optedOutOfAll === true;
    let marketing: ExpectedPerson['marketing'] = before?.marketing ?? null;
    if (optedOutOfAll) marketing = 'NOT_SUBSCRIBED';
    else if (intent === 'subscribe' && !blocksSubscription(before)) marketing = 'SUBSCRIBED';
    out.set(email, { email, intent, optedOutOfAll, marketing, records: recs });
  }
  return out;
}

export interface ExpectedCounts {
  read: number;
  skipped: number;
  failed: number;
  /** New HubSpot contacts: distinct written addresses HubSpot did not have. */
  created: number;
  optedOut: number;
  subscribed: number;
  keptOptedOut: number;
}

/** Run counts of one run that reads all of `records` into a portal holding `pre`. */
export function expectedCounts(records: SourceRecord[], pre: Map<string, PreExisting>): ExpectedCounts {
  const people = expectedPeople(records, pre);
  const ok = records.filter(writable);
  const subscribers = ok.filter(
    (r) => r.intent === 'subscribe' && people.get(r.email)!.intent === 'subscribe',
  );
  return {
    read: records.length,
    skipped: records.filter((r) => r.intent === null).length,
    failed: records.filter(invalid).length,
    created: [...people.keys()].filter((e) => !pre.has(e)).length,
    optedOut: ok.filter((r) => r.intent === 'optOut').length,
    subscribed: subscribers.filter((r) => !blocksSubscription(pre.get(r.email))).length,
    keptOptedOut: subscribers.filter((r) => blocksSubscription(pre.get(r.email))).length,
  };
}

/** How many records of each status a source has, keyed like the run's breakdown. */
export function statusBreakdown(records: SourceRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const key = `status:${r.source}:${r.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export interface ExpectedState {
  /** Every source record by its run key. */
  records: Map<string, SourceRecord>;
  /** Every email that must be a HubSpot contact exactly once (sources plus contacts HubSpot already had). */
  contactEmails: Set<string>;
  /** Every email that must end opted out of all email. */
  optedOut: Set<string>;
  /** Emails that must end SUBSCRIBED to the marketing subscription, with the legal bases allowed for them. */
  subscribed: Map<string, Set<string>>;
  /** Emails a source says are subscribed but HubSpot already holds as opted out: they must stay opted out. */
  keptOptedOut: Set<string>;
  totals: { read: number; skipped: number; failed: number };
}

/** The whole state one run of both sources over `dataset` must leave in HubSpot and in the run's rows. */
export function expectedState(dataset: Dataset, policy?: CcPolicy): ExpectedState {
  const all = [...mailchimpRecords(dataset), ...constantContactRecords(dataset, policy)];
  const records = new Map(all.map((r) => [r.key, r]));
  if (records.size !== all.length) throw new Error('the dataset has duplicate record keys');
  const pre = preExisting(dataset.hubspot.contacts);
  const people = [...expectedPeople(all, pre).values()];
  const subscribed = new Map<string, Set<string>>();
  const keptOptedOut = new Set<string>();
  for (const p of people.filter((person) => person.intent === 'subscribe')) {
    if (blocksSubscription(pre.get(p.email))) keptOptedOut.add(p.email);
    else subscribed.set(p.email, new Set(p.records.flatMap((r) => (r.legalBasis ? [r.legalBasis] : []))));
  }
  return {
    records,
    contactEmails: new Set([...people.map((p) => p.email), ...pre.keys()]),
    optedOut: new Set([
      ...people.filter((p) => p.optedOutOfAll).map((p) => p.email),
      ...[...pre].filter(([, p]) => p.optedOutOfAll).map(([email]) => email),
    ]),
    subscribed,
    keptOptedOut,
    totals: {
      read: all.length,
      skipped: all.filter((r) => r.intent === null).length,
      failed: all.filter(invalid).length,
    },
  };
}
