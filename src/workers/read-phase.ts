import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { firstCcCheckpoints } from '../connectors/constant-contact/index.ts';
import { firstMailchimpCheckpoints } from '../connectors/mailchimp/index.ts';
import { mailchimpPropertyDefinitions } from '../mapping/mailchimp.ts';
import { ccPropertyDefinitions } from '../mapping/constant-contact.ts';
import { errorMessage } from '../errors/index.ts';
import type { ParentRef, PhaseJobData } from '../queue/queues.ts';
import type { RunInfo } from '../run/types.ts';
import {
  CONSTANT_CONTACT_SCOPE,
  WatermarkStore,
  mailchimpScope,
  minusOverlap,
  toWatermarkTime,
} from '../run/watermarks.ts';
import { queueChainTails } from './chain-tails.ts';
import type { WorkerContext } from './context.ts';
import { enqueueRetryBatches } from './retry-failed.ts';
import { firstPageData, serializeDefinitions, sourcePageJob } from './source-page.ts';
import { enqueuePendingOptOuts } from './opt-outs.ts';
import { resolveMode } from './import-mode.ts';
import { runImportStep } from './import-step.ts';
import { endsImportStep, failUnsettledImports, importStopped } from './import-failure.ts';

/**
 * The read phase of a run: makes sure HubSpot has the tool's properties, then queues the first page of every
 * source (each page queues the pages after it) and waits until every page and write batch is done. In import
 * mode it then imports the staged contacts (import-step.ts) before the subscribe phase may begin.
 */
export async function processReadPhase(
  ctx: WorkerContext,
  job: Job<PhaseJobData>,
  token: string,
): Promise<void> {
  const { runId } = job.data;
  if (job.data.step === undefined || job.data.step === 'started') {
    await ctx.store.markStarted(runId);
    const found = await ctx.store.getRun(runId);
    if (!found) throw new UnrecoverableError(`Run ${runId} does not exist (expired or removed).`);
    // Before any page is read: every write batch of the run must see the same mode.
    const run = await resolveMode(ctx, found);
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
  const run = await ctx.store.getRun(runId);
  if (job.data.step === 'waiting') {
    // Every page is read: the chains' last records that did not fill a batch go now, all together.
    if (!run) throw new UnrecoverableError(`Run ${runId} does not exist (expired or removed).`);
    const queued = await queueChainTails(ctx, run, { id: job.id!, queue: job.queueQualifiedName });
    await job.updateData({ ...job.data, step: 'tails' });
    if (queued > 0 && (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError();
  }
  // Import mode: every opt-out is written; the staged contacts are imported before the subscribe phase.
  if (run?.mode !== 'import') return;
  try {
    await runImportStep(ctx, run, job, token);
  } catch (err) {
    // The run stops: its staged records still end in an outcome, kept for retry-failed. The run fails with
    // the step's own error even when that could not be done (the next run writes those records again).
    if (endsImportStep(err, job)) {
      const why = `the run's HubSpot import stopped (${errorMessage(err)})`;
      await failUnsettledImports(ctx, run.id, importStopped(why)).catch((e: unknown) =>
        ctx.logger.error({ runId, err: errorMessage(e) }, 'could not fail the records staged for import'),
      );
    }
    throw err;
  }
}

/** Pins the upper bound of this run's read window once (a retried plan reuses it). */
async function planTime(ctx: WorkerContext, run: RunInfo): Promise<string> {
  const existing = await ctx.store.plannedAt(run.id);
  if (existing) return existing;
  const now = toWatermarkTime(new Date());
  await ctx.store.setPlannedAt(run.id, now);
  return now;
}

/** Where a sync starts reading: the watermark minus the overlap, or nothing (a full read) without one. */
async function sinceFor(ctx: WorkerContext, run: RunInfo, scope: string): Promise<Date | undefined> {
  if (run.kind !== 'sync') return undefined;
  const watermark = await new WatermarkStore(ctx.redis, ctx.config.queuePrefix).get(scope);
  return watermark ? minusOverlap(watermark) : undefined;
}

/** Queues the first page of each chain as a child of the read phase. */
async function queueFirstPages(
  ctx: WorkerContext,
  run: RunInfo,
  parent: ParentRef,
  chains: Parameters<typeof firstPageData>[2][],
): Promise<void> {
  const jobs = chains.map((first) => sourcePageJob(firstPageData(run.id, parent, first)));
  for (const queue of new Set(jobs.map((j) => j.queue))) {
    const ofQueue = jobs.filter((j) => j.queue === queue);
    await ctx.queues.byName[queue].addBulk(ofQueue.map(({ name, data, opts }) => ({ name, data, opts })));
  }
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
  for (const audience of audiences) {
    const mergeFields = await mailchimp.mergeFields(audience.id);
    await ctx.hubspot().ensureProperties(mailchimpPropertyDefinitions(mergeFields));
    await ctx.store.setMailchimpAudience(run.id, { audience, mergeFields });
    await ctx.store.pinWatermark(run.id, mailchimpScope(audience.id), before);
    const since = await sinceFor(ctx, run, mailchimpScope(audience.id));
    await queueFirstPages(
      ctx,
      run,
      parent,
      firstMailchimpCheckpoints(audience.id, { before: new Date(before), since }),
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
  await queueFirstPages(ctx, run, parent, firstCcCheckpoints(since));
}
