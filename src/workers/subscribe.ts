import { WaitingChildrenError, type Job } from 'bullmq';
import { CONSENT_RANK, type LegalBasis } from '../core/contact.ts';
import { AuthError, ConfigError, TransientError, errorMessage } from '../errors/index.ts';
import { jobId, QUEUE_NAMES, type PhaseJobData, type SubscribeBatchData } from '../queue/queues.ts';
import type { SubscribeCandidate } from '../run/store.ts';
import type { DeadLetter, RecordRow } from '../run/types.ts';
import { HUBSPOT_BATCH_SIZE } from './batching.ts';
import type { WorkerContext } from './context.ts';

/**
 * The subscribe phase starts only when every write batch of the run (and so every opt-out) is done. It queues
 * the run's subscription candidates whose strictest known consent, across all sources, is still "subscribe".
 */
export async function processSubscribePhase(
  ctx: WorkerContext,
  job: Job<PhaseJobData>,
  token: string,
): Promise<void> {
  const { runId } = job.data;
  if (job.data.step !== 'waiting') {
    const parent = { id: job.id!, queue: job.queueQualifiedName };
    const hubspot = ctx.queues.byName[QUEUE_NAMES.hubspot];
    let pending: SubscribeCandidate[] = [];
    let batchNo = 0;
    const flush = async (all: boolean) => {
      while (pending.length >= HUBSPOT_BATCH_SIZE || (all && pending.length > 0)) {
        const candidates = pending.splice(0, HUBSPOT_BATCH_SIZE);
        await hubspot.add('subscribe-batch', { runId, candidates } satisfies SubscribeBatchData, {
          jobId: jobId(runId, 's', batchNo++),
          parent,
          ignoreDependencyOnFailure: true,
        });
      }
    };
    for await (const chunk of ctx.store.scanSubscribeCandidates(runId)) {
      const strictest = await ctx.store.strictestConsent(chunk.map((c) => c.email));
      const vetoed = chunk.filter((c) => (strictest.get(c.email) ?? 0) > CONSENT_RANK.subscribe);
      await settleVetoed(ctx, runId, vetoed);
      pending.push(...chunk.filter((c) => !vetoed.includes(c)));
      await flush(false);
    }
    await flush(true);
    await job.updateData({ ...job.data, step: 'waiting' });
  }
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
}

/** Another source holds a stricter state for these people: no subscription; their rows stay as they are. */
async function settleVetoed(ctx: WorkerContext, runId: string, vetoed: SubscribeCandidate[]): Promise<void> {
  if (vetoed.length === 0) return;
  await settle(ctx, runId, vetoed, () => ({ consent: null }));
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Writes SUBSCRIBED only for addresses HubSpot does not hold as opted out or unsubscribed: read first, then
 * write. Someone HubSpot has opted out is never resubscribed; they are counted as "kept opted out".
 */
export async function processSubscribeBatch(ctx: WorkerContext, job: Job<SubscribeBatchData>): Promise<void> {
  try {
    await subscribeBatch(ctx, job.data);
  } catch (err) {
    const stop = err instanceof AuthError || err instanceof ConfigError;
    if (!stop && (!(err instanceof TransientError) || !isLastAttempt(job))) throw err;
    const why = stop ? errorMessage(err) : `HubSpot kept failing: ${errorMessage(err)}`;
    await settle(ctx, job.data.runId, job.data.candidates, () => ({
      consent: null,
      failed: `subscription not written: ${why}`,
    }));
    if (stop) throw err;
  }
}

async function subscribeBatch(ctx: WorkerContext, data: SubscribeBatchData): Promise<void> {
  const hubspot = ctx.hubspot();
  const emails = data.candidates.map((c) => c.email);
  const current = await hubspot.readConsent(emails);
  const toWrite = data.candidates.filter((c) => {
    const state = current.get(c.email);
    return state && !state.optedOutOfAll && state.marketing === 'NOT_SPECIFIED';
  });
  const results = new Map<string, { ok: boolean; reason?: string }>();
  if (toWrite.length > 0) {
    const written = await hubspot.subscribe(
      toWrite.map((c) => ({
        email: c.email,
        legalBasis: c.legalBasis as LegalBasis,
        explanation: c.explanation,
      })),
    );
    for (const r of written) results.set(r.email, r.ok ? { ok: true } : { ok: false, reason: r.reason });
  }
  await settle(ctx, data.runId, data.candidates, (c) => {
    const state = current.get(c.email);
    if (!state || state.optedOutOfAll || state.marketing === 'NOT_SUBSCRIBED')
      return { consent: 'keptOptedOut' };
    if (state.marketing === 'SUBSCRIBED') return { consent: null };
    const result = results.get(c.email);
    if (result?.ok) return { consent: 'subscribed' };
    return {
      consent: null,
      failed: `subscription not written: ${result?.reason ?? 'no result from HubSpot'}`,
    };
  });
}

type Verdict = { consent: RecordRow['consent']; failed?: string };

async function settle(
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
      const next: RecordRow = verdict.failed
        ? { ...previous, outcome: 'failed', consent: null, reason: verdict.failed }
        : { ...previous, consent: verdict.consent };
      updated.push(next);
      if (verdict.failed) {
        const { email, legalBasis, explanation } = candidate;
        dead.push({ row: next, contact: null, subscription: { email, legalBasis, explanation } });
      } else {
        settled.push({ key, fingerprint: candidate.fingerprints[i] ?? '', email: candidate.email });
      }
    });
  }
  await ctx.store.recordRows(runId, updated);
  await ctx.store.putDeadLetters(runId, dead);
  await ctx.store.setFingerprints(settled.filter((s) => s.fingerprint !== ''));
}
