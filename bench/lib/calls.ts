/**
 * HubSpot calls by kind (from the sandbox's call counts) against the fewest the consent rules allow for a run's
 * own outcome: one contact upsert per 100 contacts written, one opt-out-of-all write per 100 opt-outs, and per
 * 100 subscription candidates one status read, one opt-out-of-all read and one status write. Setup calls
 * (property group, properties, subscription definitions) are counted at what was made: their minimum depends
 * on what the portal already holds, and they do not grow with the data.
 */
import type { CallCounts } from '../../src/sandbox/index.ts';
import type { RunStore } from '../../src/run/store.ts';

export type CallKind =
  'upsert' | 'optOutWrite' | 'statusRead' | 'optOutRead' | 'statusWrite' | 'setup' | 'other';

export const CALL_KINDS: CallKind[] = [
  'upsert',
  'optOutWrite',
  'statusRead',
  'optOutRead',
  'statusWrite',
  'setup',
  'other',
];

/** Which kind a sandbox route ("METHOD /path/:param") is; the API version segment may change. */
export function kindOf(route: string): CallKind {
  if (route === 'POST /crm/v3/objects/contacts/batch/upsert') return 'upsert';
  if (/^POST \/communication-preferences\/[^/]+\/statuses\/batch\/unsubscribe-all$/.test(route)) {
    return 'optOutWrite';
  }
  if (/^POST \/communication-preferences\/[^/]+\/statuses\/batch\/unsubscribe-all\/read$/.test(route)) {
    return 'optOutRead';
  }
  if (/^POST \/communication-preferences\/[^/]+\/statuses\/batch\/read$/.test(route)) return 'statusRead';
  if (/^POST \/communication-preferences\/[^/]+\/statuses\/batch\/write$/.test(route)) return 'statusWrite';
  if (/\/properties\/|\/definitions$/.test(route)) return 'setup';
  return 'other';
}

export type ByKind = Record<CallKind, number>;

const zero = (): ByKind => Object.fromEntries(CALL_KINDS.map((k) => [k, 0])) as ByKind;

/** HubSpot calls made, by kind (every status counted: a 429 or a retry is a call). */
export function hubspotCallsByKind(counts: CallCounts): ByKind {
  const out = zero();
  for (const [route, c] of Object.entries(counts.hubspot.routes)) out[kindOf(route)] += c.calls;
  return out;
}

/** Calls on routes outside the kinds above (per-address fallbacks, searches, …), by route. */
export function otherRoutes(counts: CallCounts): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts.hubspot.routes)
      .filter(([route]) => kindOf(route) === 'other')
      .map(([route, c]) => [route, c.calls]),
  );
}

/** What the run did, per distinct address: the inputs of the floor. */
export interface RunOutcome {
  contactsWritten: number;
  /** Records whose properties were written (created or updated): more than the people when a person's older
   * record was written before their newer one arrived from another source or audience. */
  recordsWritten: number;
  optOuts: number;
  subscriptionCandidates: number;
}

export async function runOutcome(
  store: RunStore,
  runId: string,
  subscriptionCandidates: number,
): Promise<RunOutcome> {
  const written = new Set<string>();
  const optedOut = new Set<string>();
  let recordsWritten = 0;
  for await (const rows of store.scanRows(runId)) {
    for (const row of rows) {
      if (!row.email) continue;
      if (row.outcome === 'created' || row.outcome === 'updated') {
        written.add(row.email);
        recordsWritten++;
      }
      if (row.consent === 'optedOut') optedOut.add(row.email);
    }
  }
  return { contactsWritten: written.size, recordsWritten, optOuts: optedOut.size, subscriptionCandidates };
}

export function floorOf(outcome: RunOutcome, made: ByKind): ByKind {
  const batches = (n: number) => Math.ceil(n / 100);
  const subscribe = batches(outcome.subscriptionCandidates);
  return {
    upsert: batches(outcome.contactsWritten),
    optOutWrite: batches(outcome.optOuts),
    statusRead: subscribe,
    optOutRead: subscribe,
    statusWrite: subscribe,
    setup: made.setup,
    other: 0,
  };
}

export const sum = (byKind: ByKind): number => CALL_KINDS.reduce((n, k) => n + byKind[k], 0);
