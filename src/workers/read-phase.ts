import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { MAILCHIMP_STATUSES } from '../core/ports.ts';
import { mailchimpPropertyDefinitions } from '../mapping/mailchimp.ts';
import { ccPropertyDefinitions } from '../mapping/constant-contact.ts';
import {
  jobId,
  QUEUE_NAMES,
  type CcPageData,
  type MailchimpPageData,
  type ParentRef,
  type PhaseJobData,
} from '../queue/queues.ts';
import type { RunInfo } from '../run/types.ts';
import {
  CONSTANT_CONTACT_SCOPE,
  WatermarkStore,
  mailchimpScope,
  minusOverlap,
  toMailchimpTime,
} from '../run/watermarks.ts';
import type { WorkerContext } from './context.ts';
import { enqueueRetryBatches } from './retry-failed.ts';
import { serializeDefinitions } from './cc-page.ts';
import { enqueuePendingOptOuts } from './opt-outs.ts';

/**
 * The read phase of a run: makes sure HubSpot has the tool's properties, then queues the first page of every
 * source (each page queues the pages after it) and waits until every page and write batch is done.
 */
export async function processReadPhase(
  ctx: WorkerContext,
  job: Job<PhaseJobData>,
  token: string,
): Promise<void> {
  const { runId } = job.data;
  if (job.data.step !== 'waiting') {
    await ctx.store.markStarted(runId);
    const run = await ctx.store.getRun(runId);
    if (!run) throw new UnrecoverableError(`Run ${runId} does not exist (expired or removed).`);
    const parent = { id: job.id!, queue: job.queueQualifiedName };
    // Opt-outs earlier runs could not get confirmed go first, in every run (a cancelled one too).
    await enqueuePendingOptOuts(ctx, run.id, parent);
    if (run.cancelRequested) {
      await ctx.store.addNotice(run.id, 'Cancelled before any source was read.');
    } else if (run.kind === 'retry') {
      await enqueueRetryBatches(ctx, run, parent);
    } else {
      if (run.sources.includes('mailchimp')) await planMailchimp(ctx, run, parent);
      if (run.sources.includes('constant-contact')) await planConstantContact(ctx, run, parent);
    }
    await job.updateData({ ...job.data, step: 'waiting' });
  }
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
}

/** Pins the upper bound of this run's read window once (a retried plan reuses it). */
async function planTime(ctx: WorkerContext, run: RunInfo): Promise<string> {
  const existing = await ctx.store.plannedAt(run.id);
  if (existing) return existing;
  const now = toMailchimpTime(new Date());
  await ctx.store.setPlannedAt(run.id, now);
  return now;
}

/** Where a sync starts reading: the watermark minus the overlap, or nothing (a full read) without one. */
async function sinceFor(ctx: WorkerContext, run: RunInfo, scope: string): Promise<string | undefined> {
  if (run.kind !== 'sync') return undefined;
  const watermark = await new WatermarkStore(ctx.redis, ctx.config.queuePrefix).get(scope);
  return watermark ? toMailchimpTime(minusOverlap(watermark)) : undefined;
}

async function planMailchimp(ctx: WorkerContext, run: RunInfo, parent: ParentRef): Promise<void> {
  const mailchimp = ctx.mailchimp();
  const before = await planTime(ctx, run);
  const all = await mailchimp.listAudiences();
  const audiences =
    run.audiences.length > 0 ? await Promise.all(run.audiences.map((id) => mailchimp.getAudience(id))) : all;
  // Held subscriptions wait until every audience of the account has been read once, not just these.
  await ctx.store.setAllMailchimpAudiences(
    run.id,
    all.map((a) => a.id),
  );
  await ctx.store.addReadScopes(
    run.id,
    audiences.map((a) => `mailchimp:${a.id}`),
  );
  const queue = ctx.queues.byName[QUEUE_NAMES.mailchimp];
  for (const audience of audiences) {
    const mergeFields = await mailchimp.mergeFields(audience.id);
    await ctx.hubspot().ensureProperties(mailchimpPropertyDefinitions(mergeFields));
    await ctx.store.setMailchimpAudience(run.id, { audience, mergeFields });
    await ctx.store.pinWatermark(run.id, mailchimpScope(audience.id), before);
    const since = await sinceFor(ctx, run, mailchimpScope(audience.id));
    await queue.addBulk(
      MAILCHIMP_STATUSES.map((status) => ({
        name: 'mailchimp-page',
        data: {
          runId: run.id,
          parent,
          audienceId: audience.id,
          status,
          index: 0,
          before,
          offset: 0,
          ...(since ? { since } : {}),
        } satisfies MailchimpPageData,
        opts: { jobId: jobId(run.id, 'mc', audience.id, status, 0), parent, failParentOnFailure: true },
      })),
    );
  }
}

async function planConstantContact(ctx: WorkerContext, run: RunInfo, parent: ParentRef): Promise<void> {
  const definitions = await ctx.constantContact().definitions();
  await ctx.hubspot().ensureProperties(ccPropertyDefinitions(definitions));
  await ctx.store.setCcDefinitions(run.id, serializeDefinitions(definitions));
  await ctx.store.addReadScopes(run.id, ['constant-contact']);
  await ctx.store.pinWatermark(run.id, CONSTANT_CONTACT_SCOPE, await planTime(ctx, run));
  const since = await sinceFor(ctx, run, CONSTANT_CONTACT_SCOPE);
  const sinceIso = since ? new Date(since).toISOString() : undefined;
  // An unsubscribe may not move updated_at, so a sync reads updated and opted-out contacts as two chains.
  const chains: CcPageData[] = sinceIso
    ? [
        { runId: run.id, parent, cursor: null, index: 0, chain: 'updated', updatedAfter: sinceIso },
        { runId: run.id, parent, cursor: null, index: 0, chain: 'optout', optoutAfter: sinceIso },
      ]
    : [{ runId: run.id, parent, cursor: null, index: 0, chain: 'all' }];
  await ctx.queues.byName[QUEUE_NAMES.constantContact].addBulk(
    chains.map((data) => ({
      name: 'cc-page',
      data,
      opts: { jobId: jobId(run.id, 'cc', data.chain, 0), parent, failParentOnFailure: true },
    })),
  );
}
