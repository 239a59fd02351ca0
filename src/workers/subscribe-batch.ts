import type { Job } from 'bullmq';
import { CONSENT_RANK, type LegalBasis } from '../core/contact.ts';
import type { SubscribeCandidate } from '../core/consent.ts';
import type { HubSpotConsent } from '../core/ports.ts';
import { AuthError, ConfigError, TransientError, errorMessage } from '../errors/index.ts';
import type { SubscribeBatchData } from '../queue/queues.ts';
import { isLastAttempt } from './attempts.ts';
import { RefusedJobError } from './job-signature.ts';
import type { WorkerContext } from './context.ts';
import { writeOptOuts } from './opt-outs.ts';
import { reportSubscribeProgress } from './run-progress.ts';
import { CANCELLED, settle, splitVetoed, VETOED, type Verdict } from './subscribe-settle.ts';

/**
 * Writes SUBSCRIBED only for addresses HubSpot does not hold as opted out or unsubscribed: read first, then
 * write, under the addresses' locks so that no opt-out (of this run or any other) lands in between. Someone
 * HubSpot has opted out is never resubscribed; they are counted as "kept opted out".
 */
export async function processSubscribeBatch(ctx: WorkerContext, job: Job<SubscribeBatchData>): Promise<void> {
  const data = await ownCandidates(ctx, job);
  if (await ctx.store.isCancelRequested(data.runId)) {
    await settle(ctx, data.runId, data.candidates, () => ({ consent: null, waits: true, note: CANCELLED }));
    await ctx.store.addSubscribeSettled(data.runId, data.candidates.length);
    return;
  }
  try {
    await ctx.addressLocks.withLocks(
      data.candidates.map((c) => c.email),
      () => subscribeBatch(ctx, data),
    );
  } catch (err) {
    const stop = err instanceof AuthError || err instanceof ConfigError;
    if (!stop && (!(err instanceof TransientError) || !isLastAttempt(job))) throw err;
    const why = stop ? errorMessage(err) : `HubSpot kept failing: ${errorMessage(err)}`;
    await settle(ctx, data.runId, data.candidates, () => ({
      consent: null,
      failed: `subscription not written: ${why}`,
    }));
    if (stop) throw err;
  }
  await ctx.store.addSubscribeSettled(data.runId, data.candidates.length);
  await reportSubscribeProgress(ctx, data.runId);
}

/**
 * A subscribe batch writes only what the run itself (or an earlier run, held) asked for: each candidate is
 * taken from the run's own subscribe set or from the ledger's held set, with the records and legal basis
 * stored there. A job added or edited by hand subscribes no one.
 */
async function ownCandidates(ctx: WorkerContext, job: Job<SubscribeBatchData>): Promise<SubscribeBatchData> {
  // The shape was checked before the processor ran (job-schemas.ts); here, whether the contents are the run's.
  const { runId, candidates } = job.data;
  const emails = candidates.map((c) => c.email);
  const [mine, held] = await Promise.all([
    ctx.store.subscribeCandidatesFor(runId, emails),
    ctx.ledger.heldFor(emails),
  ]);
  let foreign = 0;
  const own: SubscribeCandidate[] = candidates.flatMap((c) => {
    const fromHeld = c.runId !== undefined && c.runId !== runId;
    const stored = fromHeld ? held.get(c.email) : mine.get(c.email);
    // A held candidate may already have been settled (and released) by another run's batch: nothing to do.
    if (!stored && !fromHeld) foreign++;
    if (!stored) return [];
    const keys = c.keys.filter((k) => stored.keys.includes(k));
    if (keys.length === 0) return [];
    const fingerprints = keys.map((k) => stored.fingerprints[stored.keys.indexOf(k)] ?? '');
    return [{ ...stored, ...(fromHeld ? { runId: c.runId } : {}), keys, fingerprints }];
  });
  if (foreign > 0 && own.length === 0) {
    throw new RefusedJobError(
      `Refused subscribe batch ${job.id}: none of its ${candidates.length} candidate(s) was collected by run ${runId} or held by an earlier run.`,
    );
  }
  return { runId, candidates: own };
}

async function subscribeBatch(ctx: WorkerContext, data: SubscribeBatchData): Promise<void> {
  const hubspot = ctx.hubspot();
  // Checked again under the locks: an opt-out another run registered since the phase began vetoes.
  const { allowed, vetoed } = await splitVetoed(ctx, data.candidates);
  await settle(ctx, data.runId, vetoed, () => ({ consent: null, note: VETOED }));
  const current = await hubspot.readConsent(allowed.map((c) => c.email));
  const toWrite = allowed.filter((c) => {
    const state = current.get(c.email);
    return state && !state.unknown && !state.optedOutOfAll && state.marketing === 'NOT_SPECIFIED';
  });
  const results = new Map<string, { ok: boolean; reason?: string; resubscribed?: boolean }>();
  if (toWrite.length > 0) {
    const written = await hubspot.subscribe(
      toWrite.map((c) => ({
        email: c.email,
        legalBasis: c.legalBasis as LegalBasis,
        explanation: c.explanation,
      })),
    );
    for (const r of written) results.set(r.email, r.ok ? { ok: true, resubscribed: r.resubscribed } : r);
  }
  const resubscribed = await undoResubscribes(ctx, data.runId, allowed, results);
  const waiting = allowed.filter((c) => isUnclear(current.get(c.email)));
  const settledHeld = allowed.filter((c) => c.runId && c.runId !== data.runId && !waiting.includes(c));
  await ctx.ledger.release(
    [...vetoed, ...settledHeld].filter((c) => c.runId && c.runId !== data.runId).map((c) => c.email),
  );
  // Unknown means no: the candidate waits in the ledger for the next run.
  await ctx.ledger.hold(waiting.map((c) => ({ ...c, runId: c.runId ?? data.runId })));
  await settle(ctx, data.runId, allowed, (c) => {
    if (resubscribed.has(c.email)) {
      return {
        consent: null,
        failed:
          'HubSpot resubscribed this address (RESUBSCRIBE_OCCURRED) although it had opted out; it was opted out again at once',
      };
    }
    const verdict = subscribeVerdict(current.get(c.email), results.get(c.email));
    const heldEarlier = c.runId !== undefined && c.runId !== data.runId;
    return heldEarlier && !verdict.failed && !verdict.waits
      ? { ...verdict, note: `settled by run ${data.runId}` }
      : verdict;
  });
}

const isUnclear = (state: HubSpotConsent | undefined) => !state || state.unknown !== undefined;

/** A write HubSpot answered with RESUBSCRIBE_OCCURRED is undone at once, and a person is told. */
async function undoResubscribes(
  ctx: WorkerContext,
  runId: string,
  candidates: SubscribeCandidate[],
  results: Map<string, { resubscribed?: boolean }>,
): Promise<Set<string>> {
  const hit = candidates.filter((c) => results.get(c.email)?.resubscribed);
  if (hit.length === 0) return new Set();
  await ctx.ledger.registerConsent(
    hit.map((c) => ({
      email: c.email,
      key: 'hubspot:resubscribe-undone',
      rank: CONSENT_RANK.optOut,
      changedAt: null,
    })),
    { neverLower: true },
  );
  await writeOptOuts(
    ctx,
    runId,
    hit.map((c) => ({ email: c.email, keys: c.keys })),
  );
  await ctx.consentAlert(
    'resubscribe_occurred',
    `Run ${runId}: HubSpot resubscribed ${hit.length} address(es) that had opted out (RESUBSCRIBE_OCCURRED); they were opted out again at once. Review them in HubSpot (esp-sync report ${runId} --only failed).`,
  );
  return new Set(hit.map((c) => c.email));
}

function subscribeVerdict(
  state: HubSpotConsent | undefined,
  result: { ok: boolean; reason?: string } | undefined,
): Verdict {
  if (isUnclear(state)) {
    return {
      consent: null,
      waits: true,
      note: `subscription waits: HubSpot's status of this address could not be read (${state?.unknown ?? 'no answer'}); the next run tries again`,
    };
  }
  if (!state || state.optedOutOfAll || state.marketing === 'NOT_SUBSCRIBED') {
    return { consent: 'keptOptedOut' };
  }
  if (state.marketing === 'SUBSCRIBED') return { consent: null };
  if (result?.ok) return { consent: 'subscribed' };
  return { consent: null, failed: `subscription not written: ${result?.reason ?? 'no result from HubSpot'}` };
}
