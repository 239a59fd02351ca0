import { CONSENT_RANK } from '../core/contact.ts';
import type { SubscribeCandidate } from '../core/consent.ts';
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
  const rows = await ctx.store.getRows(
    runId,
    candidates.flatMap((c) => c.keys),
  );
  const updated: RecordRow[] = [];
  const dead: DeadLetter[] = [];
  const settled: { key: string; fingerprint: string; email: string }[] = [];
  for (const candidate of candidates) {
    const verdict = verdictFor(candidate);
    candidate.keys.forEach((key, i) => {
      const previous = rows.get(key);
      if (!previous) return;
      // A candidate settled twice (queued again after a crash) keeps "subscribed" from its first write.
      const consent = verdict.consent ?? (previous.consent === 'subscribed' ? 'subscribed' : null);
      const next: RecordRow = verdict.failed
        ? { ...previous, outcome: 'failed', consent: null, reason: verdict.failed }
        : { ...previous, consent, reason: verdict.note ?? previous.reason };
      updated.push(next);
      if (verdict.failed) {
        const { email, legalBasis, explanation } = candidate;
        dead.push({ row: next, contact: null, subscription: { email, legalBasis, explanation } });
      } else if (!verdict.waits) {
        settled.push({ key, fingerprint: candidate.fingerprints[i] ?? '', email: candidate.email });
      }
    });
  }
  await ctx.store.recordRows(runId, updated);
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
