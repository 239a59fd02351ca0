/**
 * What the sources call for, per person, by the same rules as a migration: the strictest consent of all the
 * person's records wins (opted out beats no consent beats subscribed), and the properties come from the most
 * recently changed record that has any (the ledger's owner rule: the greatest "<changedAt>|<recordKey>").
 * Pure functions; verify keeps one compact entry per person in Redis while it reads the sources.
 */
import { CONSENT_RANK, type SourceContact } from '../core/contact.ts';

export interface PersonExpectation {
  email: string;
  /** The strictest consent rank of the person's records: 0 subscribe, 1 none, 2 opt-out. */
  rank: number;
  /** Whether at least one record asks to subscribe. */
  anySubscribe: boolean;
  /** The person's record keys (the report lists them). */
  keys: string[];
  /** "<changedAt>|<recordKey>" of the record whose properties HubSpot should hold, or null when none has any. */
  ownerTag: string | null;
  properties: Record<string, string>;
}

const ownerTagOf = (c: SourceContact) => `${c.changedAt ?? ''}|${c.key}`;

/** Adds one mapped record of the person to what is known so far (undefined: the person's first record). */
export function addRecord(known: PersonExpectation | undefined, contact: SourceContact): PersonExpectation {
  const base: PersonExpectation = known ?? {
    email: contact.email,
    rank: 0,
    anySubscribe: false,
    keys: [],
    ownerTag: null,
    properties: {},
  };
  const hasProperties = Object.keys(contact.properties).length > 0;
  const tag = ownerTagOf(contact);
  const owns = hasProperties && (base.ownerTag === null || base.ownerTag <= tag);
  return {
    email: base.email,
    rank: Math.max(base.rank, CONSENT_RANK[contact.consent.state]),
    anySubscribe: base.anySubscribe || contact.consent.state === 'subscribe',
    keys: base.keys.includes(contact.key) ? base.keys : [...base.keys, contact.key],
    ownerTag: owns ? tag : base.ownerTag,
    properties: owns ? contact.properties : base.properties,
  };
}
