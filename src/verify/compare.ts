/**
 * One person's differences between what the sources call for and what HubSpot holds. Pure.
 *
 * Kinds, most important first:
 * - optOutMissing: a record (or the consent ledger) says opted out, HubSpot does not hold the person opted out
 *   of all email. Always a failure.
 * - consentUnreadable: the person must be opted out, but HubSpot's answer about them could not be read, so
 *   the opt-out cannot be proven. A failure.
 * - subscribedWithoutConsent: HubSpot holds the marketing subscription SUBSCRIBED while the person's
 *   strictest consent is "no consent". Reported, not a failure: HubSpot does not say who subscribed someone
 *   (a form, a sales rep), and a SUBSCRIBED the tool wrote is by design not taken back when a source later
 *   says "no consent" (README, consent). The tool itself writes SUBSCRIBED only for people whose every
 *   record asks for it, after reading HubSpot's current status.
 * - missingContact: no HubSpot contact has the address.
 * - propertiesDiffer: the contact's properties differ from the owning record's (only properties the record
 *   sets; values compared as numbers or instants where both sides read as such). Not compared when the
 *   ledger's owner of the address is a record changed later than any read now (outside verify's scope).
 */
import { CONSENT_RANK } from '../core/contact.ts';
import type { HubSpotConsent, HubSpotContactRead } from '../core/ports.ts';
import type { PersonExpectation } from './expectation.ts';

export const DIFFERENCE_KINDS = [
  'optOutMissing',
  'consentUnreadable',
  'subscribedWithoutConsent',
  'missingContact',
  'propertiesDiffer',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/** Kinds that make verify exit 1. */
export const FAILING_KINDS: ReadonlySet<DifferenceKind> = new Set(['optOutMissing', 'consentUnreadable']);

export interface PropertyDifference {
  name: string;
  expected: string;
  /** null: HubSpot has no value. */
  actual: string | null;
}

export interface Difference {
  kind: DifferenceKind;
  email: string;
  /** The person's source records. */
  keys: string[];
  detail: string;
  properties?: PropertyDifference[];
}

/** Whether two property values mean the same: equal text, equal numbers, or the same instant or day. */
export function sameValue(expected: string, actual: string): boolean {
  const a = expected.trim();
  const b = actual.trim();
  if (a === b) return true;
  const numeric = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
  if (numeric.test(a) && numeric.test(b) && Number(a) === Number(b)) return true;
  const instant = (v: string): number | null => {
    if (/^-?\d{10,}$/.test(v)) return Number(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return null;
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    return Number.isNaN(ms) ? null : ms;
  };
  const ta = instant(a);
  const tb = instant(b);
  return ta !== null && tb !== null && ta === tb;
}

export interface HubSpotView {
  contact: HubSpotContactRead | undefined;
  consent: HubSpotConsent | undefined;
  /** The ledger's strictest rank for the address, when it knows one. */
  ledgerRank: number | undefined;
  /**
   * The ledger's property owner of the address ("<changedAt>|<recordKey>"), when it knows one. A later one than
   * the records read now (another audience or source outside verify's scope) owns the properties: they are not
   * compared.
   */
  ledgerOwner?: string | undefined;
}

export function compareOne(expected: PersonExpectation, hubspot: HubSpotView): Difference[] {
  const out: Difference[] = [];
  const base = { email: expected.email, keys: expected.keys };
  const rank = Math.max(expected.rank, hubspot.ledgerRank ?? 0);
  const consent = hubspot.consent;
  if (rank === CONSENT_RANK.optOut) {
    const why = expected.rank === CONSENT_RANK.optOut ? 'a source record' : 'the consent ledger';
    if (!consent || consent.absent) {
      out.push({
        ...base,
        kind: 'optOutMissing',
        detail: `${why} says opted out; HubSpot has no status at all`,
      });
    } else if (consent.unknown) {
      out.push({
        ...base,
        kind: 'consentUnreadable',
        detail: `${why} says opted out; HubSpot's answer could not be read: ${consent.unknown}`,
      });
    } else if (!consent.optedOutOfAll) {
      out.push({
        ...base,
        kind: 'optOutMissing',
        detail: `${why} says opted out; HubSpot holds them not opted out (marketing ${consent.marketing})`,
      });
    }
  } else if (
    rank === CONSENT_RANK.none &&
    consent &&
    !consent.unknown &&
    consent.marketing === 'SUBSCRIBED'
  ) {
    out.push({
      ...base,
      kind: 'subscribedWithoutConsent',
      detail: expected.anySubscribe
        ? 'SUBSCRIBED in HubSpot, but another record of the person says no consent'
        : 'SUBSCRIBED in HubSpot, but no source record asks for a subscription',
    });
  }

  if (!hubspot.contact) {
    out.push({ ...base, kind: 'missingContact', detail: 'no HubSpot contact has this address' });
    return out;
  }
  const ownedElsewhere =
    hubspot.ledgerOwner !== undefined &&
    expected.ownerTag !== null &&
    hubspot.ledgerOwner > expected.ownerTag;
  if (ownedElsewhere) return out;
  const actual = hubspot.contact.properties;
  const differing = Object.entries(expected.properties)
    .filter(([name, value]) => actual[name] === undefined || !sameValue(value, actual[name]))
    .map(([name, value]) => ({ name, expected: value, actual: actual[name] ?? null }));
  if (differing.length > 0) {
    out.push({
      ...base,
      kind: 'propertiesDiffer',
      detail: `${differing.length} propert${differing.length === 1 ? 'y differs' : 'ies differ'}: ${differing
        .slice(0, 5)
        .map((d) => d.name)
        .join(', ')}${differing.length > 5 ? ', …' : ''}`,
      properties: differing,
    });
  }
  return out;
}
