import { WaitingChildrenError, type Job } from 'bullmq';
import { CONSENT_RANK, type LegalBasis, type SourceName } from '../core/contact.ts';
import { AuthError, ConfigError, TransientError, errorMessage } from '../errors/index.ts';
import { jobId, QUEUE_NAMES, type PhaseJobData, type SubscribeBatchData } from '../queue/queues.ts';
import type { HubSpotConsent } from '../core/ports.ts';
import type { SubscribeCandidate } from '../run/store.ts';
import type { DeadLetter, RecordRow } from '../run/types.ts';
import { HUBSPOT_BATCH_SIZE } from './batching.ts';
import type { WorkerContext } from './context.ts';

const VETOED = 'not subscribed: another record of this person holds no consent or an opt-out';

/** The sources this installation has credentials for: the ones whose consent counts. */
function configuredSources(ctx: WorkerContext): SourceName[] {
  const sources: SourceName[] = [];
  if (ctx.config.mailchimp) sources.push('mailchimp');
  if (ctx.config.constantContact) sources.push('constant-contact');
  return sources;
}

/**
 * The subscribe phase starts only when every write batch of the run (and so every opt-out) is done. It queues
 * the run's subscription candidates whose strictest known consent, across all sources, is still "subscribe".
 *
 * A configured source that has never been read may hold a stricter state for the same person, and a
 * SUBSCRIBED once written is not taken back by a later "no consent". So until every configured source has been
 * read once, candidates are held (in Redis, across runs), and the first run after which all sources have been
 * read writes them: the result is the same whatever order the sources are migrated in.
 */
export async function processSubscribePhase(
  ctx: WorkerContext,
  job: Job<PhaseJobData>,
  token: string,
): Promise<void> {
  const { runId } = job.data;
  if (job.data.step !== 'waiting') {
    const run = await ctx.store.getRun(runId);
    if (!run) throw new Error(`Run ${runId} does not exist (expired or removed).`);
    if (run.kind !== 'retry') await ctx.store.markSourcesRead(run.sources);
    const read = await ctx.store.sourcesRead();
    const unread = configuredSources(ctx).filter((s) => !read.includes(s));
    if (unread.length > 0) await holdCandidates(ctx, runId, unread);
    else await queueSubscribeBatches(ctx, job);
    await job.updateData({ ...job.data, step: 'waiting' });
  }
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
}

async function holdCandidates(ctx: WorkerContext, runId: string, unread: SourceName[]): Promise<void> {
  let held = 0;
  for await (const chunk of ctx.store.scanSubscribeCandidates(runId)) {
    const { allowed, vetoed } = await splitVetoed(ctx, chunk);
    await settle(ctx, runId, vetoed, () => ({ consent: null, note: VETOED }));
    await settle(ctx, runId, allowed, () => ({
      consent: null,
      note: `subscription held until ${unread.join(' and ')} has been read once`,
    }));
    await ctx.store.holdSubscriptions(allowed.map((c) => ({ ...c, runId })));
    held += allowed.length;
  }
  if (held > 0) {
    await ctx.store.addNotice(
      runId,
      `${held} subscription(s) held until ${unread.join(' and ')} has been read once (its consent may be stricter); the first run that reads it writes them.`,
    );
  }
}

async function queueSubscribeBatches(ctx: WorkerContext, job: Job<PhaseJobData>): Promise<void> {
  const { runId } = job.data;
  const parent = { id: job.id!, queue: job.queueQualifiedName };
  const hubspot = ctx.queues.byName[QUEUE_NAMES.hubspot];
  const pending: SubscribeCandidate[] = [];
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
  const take = async (chunk: SubscribeCandidate[]) => {
    const { allowed, vetoed } = await splitVetoed(ctx, chunk);
    await settle(ctx, runId, vetoed, () => ({ consent: null, note: VETOED }));
    pending.push(...allowed);
    await flush(false);
  };
  for await (const chunk of ctx.store.scanSubscribeCandidates(runId)) await take(chunk);
  for await (const chunk of ctx.store.scanHeldSubscriptions()) {
    await take(chunk);
    // Queued now (deterministic job ids): a crash before this line only queues them again, harmlessly.
    await ctx.store.releaseHeldSubscriptions(chunk.map((c) => c.email));
  }
  await flush(true);
}

/** Candidates another record of the same person (any source, any run) holds a stricter state for. */
async function splitVetoed(
  ctx: WorkerContext,
  chunk: SubscribeCandidate[],
): Promise<{ allowed: SubscribeCandidate[]; vetoed: SubscribeCandidate[] }> {
  const strictest = await ctx.store.strictestConsent(chunk.map((c) => c.email));
  const isVetoed = (c: SubscribeCandidate) => (strictest.get(c.email) ?? 0) > CONSENT_RANK.subscribe;
  return { allowed: chunk.filter((c) => !isVetoed(c)), vetoed: chunk.filter(isVetoed) };
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
    const verdict = subscribeVerdict(current.get(c.email), results.get(c.email));
    const heldEarlier = c.runId !== undefined && c.runId !== data.runId;
    return heldEarlier && !verdict.failed ? { ...verdict, note: `settled by run ${data.runId}` } : verdict;
  });
}

function subscribeVerdict(
  state: HubSpotConsent | undefined,
  result: { ok: boolean; reason?: string } | undefined,
): Verdict {
  if (!state || state.optedOutOfAll || state.marketing === 'NOT_SUBSCRIBED') {
    return { consent: 'keptOptedOut' };
  }
  if (state.marketing === 'SUBSCRIBED') return { consent: null };
  if (result?.ok) return { consent: 'subscribed' };
  return { consent: null, failed: `subscription not written: ${result?.reason ?? 'no result from HubSpot'}` };
}

type Verdict = { consent: RecordRow['consent']; failed?: string; note?: string };

async function settle(
  ctx: WorkerContext,
  runId: string,
  candidates: SubscribeCandidate[],
  verdictFor: (c: SubscribeCandidate) => Verdict,
): Promise<void> {
  // Held candidates belong to the run that read them: their rows are updated there.
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
      const next: RecordRow = verdict.failed
        ? { ...previous, outcome: 'failed', consent: null, reason: verdict.failed }
        : { ...previous, consent: verdict.consent, reason: verdict.note ?? previous.reason };
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
