import type { SourceContact } from '../core/contact.ts';
import type { LastWrite } from '../ledger/ledger.ts';
import type { WorkerContext } from './context.ts';

/** What an address change means for one record's write. */
export type MoveVerdict =
  /** The HubSpot contact moved (or there was none at the old address): write the record at its new address. */
  | { kind: 'moved'; oldEmail: string }
  /**
   * The person had opted out in HubSpot at the old address (all email, or the subscription type): the new
   * address is opted out too, and nothing is subscribed there.
   */
  | { kind: 'carryOptOut'; oldEmail: string; why: string }
  /** HubSpot's consent at the old address could not be read: the record is written, its subscription is not. */
  | { kind: 'consentUnclear'; oldEmail: string; why: string }
  /** HubSpot refused the move while the old contact still exists: writing would create a second contact. */
  | { kind: 'blocked'; oldEmail: string; reason: string };

/** Records whose address differs from the one of their last write, with that old address. */
export function addressChanges(
  records: SourceContact[],
  previous: Map<string, LastWrite>,
): { record: SourceContact; oldEmail: string }[] {
  return records.flatMap((record) => {
    const before = previous.get(record.key)?.email;
    return before && before !== record.email ? [{ record, oldEmail: before }] : [];
  });
}

/**
 * A source changed a person's address: read HubSpot's consent at the old address first (HubSpot keeps
 * statuses per address, so the move alone would leave an opt-out behind), then give the HubSpot contact the
 * new address so the upsert updates it instead of creating a duplicate. Callers hold both addresses' locks.
 */
export async function moveChangedEmails(
  ctx: WorkerContext,
  changes: { record: SourceContact; oldEmail: string }[],
): Promise<Map<string, MoveVerdict>> {
  const out = new Map<string, MoveVerdict>();
  if (changes.length === 0) return out;
  const hubspot = ctx.hubspot();
  const consent = await hubspot.readConsent([...new Set(changes.map((c) => c.oldEmail))]);
  const results = await hubspot.changeEmails(
    changes.map((c) => ({ key: c.record.key, oldEmail: c.oldEmail, newEmail: c.record.email })),
  );
  const resultOf = new Map(results.map((r) => [r.key, r]));
  for (const { record, oldEmail } of changes) {
    const result = resultOf.get(record.key);
    if (!result || (!result.ok && !result.oldMissing)) {
      const reason = result && !result.ok ? result.reason : 'HubSpot reported no result for this change';
      out.set(record.key, { kind: 'blocked', oldEmail, reason });
      continue;
    }
    const old = consent.get(oldEmail);
    // No contact and no status at the old address: there is nothing to carry.
    if (old?.absent && !result.ok) out.set(record.key, { kind: 'moved', oldEmail });
    else if (!old || old.unknown) {
      const why = old?.unknown ?? 'HubSpot returned no status';
      out.set(record.key, { kind: 'consentUnclear', oldEmail, why });
    } else if (old.optedOutOfAll || old.marketing === 'NOT_SUBSCRIBED') {
      const what = old.optedOutOfAll ? 'opted out of all email' : 'unsubscribed from the subscription type';
      out.set(record.key, { kind: 'carryOptOut', oldEmail, why: what });
    } else {
      out.set(record.key, { kind: 'moved', oldEmail });
    }
  }
  return out;
}

/** The row text for a record whose address change decided its consent. */
export function moveReason(verdict: MoveVerdict): string | null {
  switch (verdict.kind) {
    case 'carryOptOut':
      return `address changed from ${verdict.oldEmail}, which was ${verdict.why} in HubSpot: the new address is opted out too`;
    case 'consentUnclear':
      return `subscription not written: HubSpot's consent at the previous address ${verdict.oldEmail} could not be read (${verdict.why}); retry-failed tries again`;
    case 'blocked':
      return `address change from ${verdict.oldEmail} not applied in HubSpot (${verdict.reason}); not written, so that no second contact is created. Fix the contact in HubSpot, then retry-failed`;
    case 'moved':
      return null;
  }
}
