import type { ListMembership } from './lists.ts';

/** The sources this project reads contacts from. */
export type SourceName = 'mailchimp' | 'constant-contact';

/** The APIs the project calls: both sources and the HubSpot sink. */
export type ApiName = SourceName | 'hubspot';

/**
 * The legal bases HubSpot's subscription APIs accept for a status write:
 * https://developers.hubspot.com/docs/api-reference/latest/communication-preferences/status/update-subscription
 */
export const LEGAL_BASES = [
  'CONSENT_WITH_NOTICE',
  'LEGITIMATE_INTEREST_CLIENT',
  'LEGITIMATE_INTEREST_OTHER',
  'LEGITIMATE_INTEREST_PQL',
  'NON_GDPR',
  'PERFORMANCE_OF_CONTRACT',
  'PROCESS_AND_STORE',
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/**
 * What a source record says about marketing email, from least to most restrictive.
 * - subscribe: confirmed consent; may become SUBSCRIBED in HubSpot unless HubSpot already has them opted out.
 * - none: no confirmed consent (pending, transactional, not set, temp hold): no subscription is written.
 * - optOut: unsubscribed or bounced: opted out of all email in HubSpot.
 */
export type ConsentIntent =
  | { state: 'subscribe'; legalBasis: LegalBasis; explanation: string }
  | { state: 'none' }
  | { state: 'optOut'; reason: string };

export const CONSENT_RANK: Record<ConsentIntent['state'], number> = { subscribe: 0, none: 1, optOut: 2 };

/** The stricter of two intents; on a tie the first wins. */
export function strictestConsent(a: ConsentIntent, b: ConsentIntent): ConsentIntent {
  return CONSENT_RANK[b.state] > CONSENT_RANK[a.state] ? b : a;
}

/** Identifies one source record within a run, e.g. "mailchimp:<audienceId>:<memberId>". */
export type RecordKey = string;

/** One source record mapped to what HubSpot should hold. */
export interface SourceContact {
  key: RecordKey;
  source: SourceName;
  sourceId: string;
  /** Trimmed and lowercased. */
  email: string;
  /** The source's own status word: "subscribed", "cleaned", "explicit", "unsubscribed", … */
  sourceStatus: string;
  consent: ConsentIntent;
  /** HubSpot property internal name → value, always strings (HubSpot's wire format). */
  properties: Record<string, string>;
  /** When the source last changed the record (ISO 8601), used to pick whose properties win. */
  changedAt: string | null;
  /** The HubSpot lists the record belongs in; absent when no kind of list is carried over (HUBSPOT_LISTS). */
  lists?: ListMembership[];
}

interface RecordIdentity {
  key: RecordKey;
  source: SourceName;
  sourceId: string;
  email: string | null;
  sourceStatus: string;
}

/** The result of mapping one source record: a contact to write, or a record that ends here with a reason. */
export type MappedRecord =
  | { kind: 'contact'; contact: SourceContact }
  | ({ kind: 'skipped'; reason: string } & RecordIdentity)
  | ({ kind: 'failed'; reason: string } & RecordIdentity);

/** The one outcome every source record ends in. */
export type RecordOutcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

/** What happened to the person's marketing email state, if anything. */
export type ConsentOutcome = 'subscribed' | 'optedOut' | 'keptOptedOut';

export type HubSpotPropertyType =
  'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';
export type HubSpotFieldType =
  | 'text'
  | 'textarea'
  | 'number'
  | 'date'
  | 'select'
  | 'radio'
  | 'checkbox'
  | 'booleancheckbox'
  | 'phonenumber';

/** A contact property the tool creates in its own property group when missing. */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: HubSpotPropertyType;
  fieldType: HubSpotFieldType;
  options?: { label: string; value: string }[];
}

/**
 * The one spelling of an address every part of the tool uses as a key (the consent ledger, batches, HubSpot
 * results): trimmed, Unicode NFC (so a composed and a decomposed "é" are one person) and lower-cased, as
 * HubSpot stores emails in lower case.
 */
export function canonicalEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

/**
 * The canonical address, or null for anything that is not a plausible single address. Format characters
 * (zero-width spaces, bidi marks: Unicode category Cf) make a record invalid: two addresses that look the same
 * would otherwise be two people with two consent states.
 */
export function normalizeEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = canonicalEmail(raw);
  if (email.length > 254) return null;
  // One @, a dot in the domain, no spaces, quotes, angle brackets, control or format characters.
  if (
    !/^[^\s@"<>()[\]\\,;:\p{Cc}\p{Cf}]+@[^\s@"<>()[\]\\,;:\p{Cc}\p{Cf}]+\.[^\s@"<>()[\]\\,;:\p{Cc}\p{Cf}.]{2,}$/u.test(
      email,
    )
  ) {
    return null;
  }
  const [local, domain] = email.split('@') as [string, string];
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  if (domain.includes('..') || domain.startsWith('.') || domain.startsWith('-')) return null;
  return email;
}
