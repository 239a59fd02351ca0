import { WaitingChildrenError, type Job } from 'bullmq';
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
import type { WorkerContext } from './context.ts';
import { enqueueRetryBatches } from './retry-failed.ts';
import { serializeDefinitions } from './cc-page.ts';

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
    if (!run) throw new Error(`Run ${runId} does not exist (expired or removed).`);
    const parent = { id: job.id!, queue: job.queueQualifiedName };
    if (run.kind === 'retry') {
      await enqueueRetryBatches(ctx, run, parent);
    } else {
      if (run.sources.includes('mailchimp')) await planMailchimp(ctx, run, parent);
      if (run.sources.includes('constant-contact')) await planConstantContact(ctx, run, parent);
    }
    await job.updateData({ ...job.data, step: 'waiting' });
  }
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
}

async function planMailchimp(ctx: WorkerContext, run: RunInfo, parent: ParentRef): Promise<void> {
  const mailchimp = ctx.mailchimp();
  const audiences =
    run.audiences.length > 0
      ? await Promise.all(run.audiences.map((id) => mailchimp.getAudience(id)))
      : await mailchimp.listAudiences();
  const queue = ctx.queues.byName[QUEUE_NAMES.mailchimp];
  for (const audience of audiences) {
    const mergeFields = await mailchimp.mergeFields(audience.id);
    await ctx.hubspot().ensureProperties(mailchimpPropertyDefinitions(mergeFields));
    await ctx.store.setContext(run.id, `mailchimp:${audience.id}`, { audience, mergeFields });
    await queue.addBulk(
      MAILCHIMP_STATUSES.map((status) => ({
        name: 'mailchimp-page',
        data: {
          runId: run.id,
          parent,
          audienceId: audience.id,
          status,
          offset: 0,
        } satisfies MailchimpPageData,
        opts: { jobId: jobId(run.id, 'mc', audience.id, status, 0), parent, failParentOnFailure: true },
      })),
    );
  }
}

async function planConstantContact(ctx: WorkerContext, run: RunInfo, parent: ParentRef): Promise<void> {
  const definitions = await ctx.constantContact().definitions();
  await ctx.hubspot().ensureProperties(ccPropertyDefinitions(definitions));
  await ctx.store.setContext(run.id, 'constant-contact', serializeDefinitions(definitions));
  await ctx.queues.byName[QUEUE_NAMES.constantContact].add(
    'cc-page',
    { runId: run.id, parent, cursor: null, index: 0, chain: 'all' } satisfies CcPageData,
    { jobId: jobId(run.id, 'cc', 'all', 0), parent, failParentOnFailure: true },
  );
}
