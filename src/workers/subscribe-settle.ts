import { CONSENT_RANK } from '../core/contact.ts';
import type { SubscribeCandidate } from '../core/consent.ts';
import type { RowSettlement } from '../run/store.ts';
import type { DeadLetter, RecordRow } from '../run/types.ts';
import type { WorkerContext } from './context.ts';

export const VETOED = 'not subscribed: another record of this person holds no consent or an opt-out';
export const CANCELLED = 'not subscribed: the run was cancelled (the next run reads this record again)';

export type Verdict = {
  consent: RecordRow['consent'];
  failed?: string;
  note?: string;
  /** The candidate waits for a later run (held again): no fingerprint, so nothing counts as written. */
  waits?: boolean;
};

/** Updates the rows of the candidates' records with the verdict; held candidates' rows live in their own run. */
export async function settle(
  ctx: WorkerContext,
  runId: string,
  candidates: SubscribeCandidate[],
  verdictFor: (c: SubscribeCandidate) => Verdict,
): Promise<void> {
  const byRun = new Map<string, SubscribeCandidate[]>();
  for (const c of candidates) byRun.set(c.runId ?? runId, [...(byRun.get(c.runId ?? runId) ?? []), c]);
  for (const [owner, group] of byRun) await settleInRun(ctx, owner, group, verdictFor);
}

async function settleInRun(
  ctx: WorkerContext,
  runId: string,
  candidates: SubscribeCandidate[],
  verdictFor: (c: SubscribeCandidate) => Verdict,
): Promise<void> {
  const verdicts = new Map(candidates.map((c) => [c, verdictFor(c)]));
  const settlements: RowSettlement[] = [...verdicts].flatMap(([candidate, verdict]) =>
    candidate.keys.map((key) => ({
      key,
      consent: verdict.consent,
      ...(verdict.note ? { note: verdict.note } : {}),
      ...(verdict.failed ? { failed: verdict.failed } : {}),
    })),
  );
  // The rows are patched inside Redis; the failed ones come back for their dead letters.
  const settledRows = await ctx.store.settleRows(runId, settlements);
  const dead: DeadLetter[] = [];
  const settled: { key: string; fingerprint: string; email: string }[] = [];
  for (const [candidate, verdict] of verdicts) {
    candidate.keys.forEach((key, i) => {
      if (!settledRows.has(key)) return;
      const failedRow = settledRows.get(key);
      if (verdict.failed && failedRow) {
        const { email, legalBasis, explanation } = candidate;
        dead.push({ row: failedRow, contact: null, subscription: { email, legalBasis, explanation } });
      } else if (!verdict.waits && !verdict.failed) {
        settled.push({ key, fingerprint: candidate.fingerprints[i] ?? '', email: candidate.email });
      }
    });
  }
  await ctx.store.putDeadLetters(runId, dead);
  await ctx.ledger.setLastWrites(settled.filter((s) => s.fingerprint !== ''));
}

/** Candidates another record of the same person (any source, any run) holds a stricter state for. */
export async function splitVetoed(
  ctx: WorkerContext,
  chunk: SubscribeCandidate[],
): Promise<{ allowed: SubscribeCandidate[]; vetoed: SubscribeCandidate[] }> {
  const strictest = await ctx.ledger.strictestConsent(chunk.map((c) => c.email));
  const isVetoed = (c: SubscribeCandidate) => (strictest.get(c.email) ?? 0) > CONSENT_RANK.subscribe;
  return { allowed: chunk.filter((c) => !isVetoed(c)), vetoed: chunk.filter(isVetoed) };
}
