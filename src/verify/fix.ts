/**
 * `esp-sync verify --fix`: closes what verify found, opt-outs first.
 * - Missing opt-outs (and those HubSpot's answer left unprovable) are written at once through the sink's unsubscribeAll, under the same per-address locks
 *   as the workers (an opt-out never interleaves with a read-then-subscribe of the same address). One HubSpot
 *   does not confirm stays pending in the consent ledger, so every later run sends it again.
 * - Missing contacts and differing properties are written by a normal run: a full migration of the verified
 *   sources (the worker's rules for email changes, property owners and consent apply; a worker must be running).
 * - "Subscribed without consent" is never changed: the tool does not unsubscribe anyone a person or HubSpot
 *   subscribed.
 */
import type { SourceName } from '../core/contact.ts';
import type { HubSpotPort } from '../core/ports.ts';
import type { AddressLocks } from '../ledger/address-locks.ts';
import type { ConsentLedger } from '../ledger/ledger.ts';
import { chunked } from '../lib/chunked.ts';
import type { Difference, DifferenceKind } from './compare.ts';

/** Differences an opt-out closes: writing one is always safe, so an unreadable answer gets one too. */
export const FIX_OPT_OUT_KINDS: readonly DifferenceKind[] = ['optOutMissing', 'consentUnreadable'];
/** Differences a migration closes. */
export const FIX_MIGRATION_KINDS: readonly DifferenceKind[] = ['missingContact', 'propertiesDiffer'];
const OPT_OUT_KINDS: ReadonlySet<DifferenceKind> = new Set(FIX_OPT_OUT_KINDS);
const MIGRATION_KINDS: ReadonlySet<DifferenceKind> = new Set(FIX_MIGRATION_KINDS);

/** Whether --fix has anything to write for these differences. */
export function isFixable(differences: Difference[]): boolean {
  return differences.some((d) => OPT_OUT_KINDS.has(d.kind) || MIGRATION_KINDS.has(d.kind));
}

/** Marks opt-outs verify --fix could not get confirmed in the ledger (where a run id goes otherwise). */
export const FIX_MARK = 'verify --fix';

export interface FixDeps {
  hubspot: Pick<HubSpotPort, 'unsubscribeAll'>;
  locks: Pick<AddressLocks, 'withLocks'>;
  ledger: Pick<ConsentLedger, 'confirmOptOuts' | 'addPendingOptOuts'>;
  /** Starts a full migration of these sources and follows it to its end; answers the run id and status. */
  migrate: (sources: SourceName[], audiences: string[]) => Promise<{ runId: string; status: string }>;
}

export interface FixResult {
  optOutsWritten: string[];
  optOutsFailed: { email: string; reason: string }[];
  /** The full migration started for missing contacts and differing properties, if any. */
  run: { runId: string; status: string } | null;
}

export async function fixDifferences(
  deps: FixDeps,
  differences: Difference[],
  scope: { sources: SourceName[]; audiences: string[] },
): Promise<FixResult> {
  const result: FixResult = { optOutsWritten: [], optOutsFailed: [], run: null };
  const optOuts = new Map(
    differences.filter((d) => OPT_OUT_KINDS.has(d.kind)).map((d) => [d.email, d.keys] as const),
  );
  for (const emails of chunked([...optOuts.keys()], 100)) {
    await deps.locks.withLocks(emails, async () => {
      const answers = await deps.hubspot.unsubscribeAll(emails);
      const written = answers.filter((a) => a.ok).map((a) => a.email);
      await deps.ledger.confirmOptOuts(written);
      result.optOutsWritten.push(...written);
      const refused = answers.flatMap((a) => (a.ok ? [] : [{ email: a.email, reason: a.reason }]));
      await deps.ledger.addPendingOptOuts(
        refused.map((r) => ({
          email: r.email,
          keys: optOuts.get(r.email) ?? [],
          runId: FIX_MARK,
          lastError: r.reason,
        })),
      );
      result.optOutsFailed.push(...refused);
    });
  }
  if (differences.some((d) => MIGRATION_KINDS.has(d.kind))) {
    result.run = await deps.migrate(scope.sources, scope.audiences);
  }
  return result;
}
