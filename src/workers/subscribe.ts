import { createHash } from 'node:crypto';
import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import type { SubscribeCandidate } from '../core/consent.ts';
import { jobId, QUEUE_NAMES, type PhaseJobData, type SubscribeBatchData } from '../queue/queues.ts';
import { HUBSPOT_BATCH_SIZE } from './batching.ts';
import type { WorkerContext } from './context.ts';
import { CANCELLED, settle, splitVetoed, VETOED } from './subscribe-settle.ts';
import { syncSegmentLists } from './segment-lists.ts';

/**
 * What must have been read once before any subscription is written: every Mailchimp audience of the account
 * and the Constant Contact account, whichever of them is configured.
 */
async function configuredScopes(ctx: WorkerContext, runId: string): Promise<string[]> {
  const scopes: string[] = [];
  if (ctx.config.mailchimp) {
    const known = await ctx.store.allMailchimpAudiences(runId);
    const ids = known ?? (await ctx.mailchimp().listAudiences()).map((a) => a.id);
    scopes.push(...ids.map((id) => `mailchimp:${id}`));
  }
  if (ctx.config.constantContact) scopes.push('constant-contact');
  return scopes;
}

/**
 * The subscribe phase starts only when every write batch of the run (and so every opt-out) is done. It queues
 * the run's subscription candidates whose strictest known consent, across all sources, is still "subscribe".
 *
 * A configured audience or account that has never been read may hold a stricter state for the same person,
 * and a SUBSCRIBED once written is not taken back by a later "no consent". So until every one has been read
 * once, candidates are held (in the consent ledger, across runs), and the first run after which all have been
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
    if (!run) throw new UnrecoverableError(`Run ${runId} does not exist (expired or removed).`);
    // Every write batch is done, so every person written has a record id for the segments' lists.
    await syncSegmentLists(ctx, run);
    await ctx.store.setPhase(runId, 'subscribing');
    // A cancelled run may not have read everything it planned to.
    if (run.kind !== 'retry' && !run.cancelRequested) {
      await ctx.ledger.markRead(await ctx.store.readScopes(runId));
    }
    const read = await ctx.ledger.readScopes();
    const unread = (await configuredScopes(ctx, runId)).filter((s) => !read.has(s));
    if (run.cancelRequested) await dropCandidates(ctx, runId);
    else if (unread.length > 0) await holdCandidates(ctx, runId, unread);
    else await queueSubscribeBatches(ctx, job);
    await job.updateData({ ...job.data, step: 'waiting' });
  }
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
}

function describeScopes(scopes: string[]): string {
  const shown = scopes.slice(0, 3).map((s) => s.replace(/^mailchimp:/, 'Mailchimp audience '));
  return scopes.length > 3 ? `${shown.join(', ')} and ${scopes.length - 3} more` : shown.join(' and ');
}

/** A cancelled run subscribes no one; its rows say so (the next run reads those records again). */
async function dropCandidates(ctx: WorkerContext, runId: string): Promise<void> {
  await ctx.store.startSubscribing(runId, 0);
  for await (const chunk of ctx.store.scanSubscribeCandidates(runId)) {
    await settle(ctx, runId, chunk, () => ({ consent: null, waits: true, note: CANCELLED }));
  }
}

async function holdCandidates(ctx: WorkerContext, runId: string, unread: string[]): Promise<void> {
  await ctx.store.startSubscribing(runId, 0);
  let held = 0;
  const what = describeScopes(unread);
  for await (const chunk of ctx.store.scanSubscribeCandidates(runId)) {
    const { allowed, vetoed } = await splitVetoed(ctx, chunk);
    await settle(ctx, runId, vetoed, () => ({ consent: null, note: VETOED }));
    await ctx.ledger.hold(allowed.map((c) => ({ ...c, runId })));
    await settle(ctx, runId, allowed, () => ({
      consent: null,
      waits: true,
      note: `subscription held until ${what} has been read once`,
    }));
    held += allowed.length;
  }
  if (held > 0) {
    await ctx.store.addNotice(
      runId,
      `${held} subscription(s) held until ${what} has been read once (its consent may be stricter); the first run that reads it writes them.`,
    );
  }
}

/**
 * Queues the run's candidates and the ones held by earlier runs, in batches whose job ids come from their
 * contents: a phase repeated after a crash adds no batch twice, and held candidates leave the ledger only
 * when their batch has settled them.
 */
async function queueSubscribeBatches(ctx: WorkerContext, job: Job<PhaseJobData>): Promise<void> {
  const { runId } = job.data;
  const parent = { id: job.id!, queue: job.queueQualifiedName };
  const hubspot = ctx.queues.byName[QUEUE_NAMES.hubspot];
  const pending: SubscribeCandidate[] = [];
  let queued = 0;
  const flush = async (all: boolean) => {
    while (pending.length >= HUBSPOT_BATCH_SIZE || (all && pending.length > 0)) {
      const candidates = pending.splice(0, HUBSPOT_BATCH_SIZE);
      queued += candidates.length;
      const digest = createHash('sha256')
        .update(JSON.stringify(candidates.map((c) => [c.runId ?? '', c.email, c.keys])))
        .digest('hex')
        .slice(0, 20);
      await hubspot.add('subscribe-batch', { runId, candidates } satisfies SubscribeBatchData, {
        jobId: jobId(runId, 's', digest),
        parent,
        ignoreDependencyOnFailure: true,
      });
    }
  };
  const take = async (chunk: SubscribeCandidate[]) => {
    const { allowed, vetoed } = await splitVetoed(ctx, chunk);
    await settle(ctx, runId, vetoed, () => ({ consent: null, note: VETOED }));
    await ctx.ledger.release(vetoed.filter((c) => c.runId && c.runId !== runId).map((c) => c.email));
    pending.push(...allowed);
    await flush(false);
  };
  for await (const chunk of ctx.store.scanSubscribeCandidates(runId)) await take(chunk);
  for await (const chunk of ctx.ledger.scanHeld()) await take(chunk);
  await flush(true);
  await ctx.store.startSubscribing(runId, queued);
}
