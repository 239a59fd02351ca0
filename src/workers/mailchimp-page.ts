import { UnrecoverableError, type Job } from 'bullmq';
import { mapMailchimpMember } from '../mapping/mailchimp.ts';
import { jobId, QUEUE_NAMES, type MailchimpPageData } from '../queue/queues.ts';
import { holdIfWritesPileUp } from './backpressure.ts';
import type { WorkerContext } from './context.ts';
import { MAILCHIMP_PAGE_SIZE, mailchimpQuery, nextMailchimpWindow } from './mailchimp-keyset.ts';
import { dispatchMappedPage } from './mapped-records.ts';

/**
 * Reads one page of one audience and status, queues the next page of the chain (before this one completes, so
 * the read phase cannot finish early), maps this page and queues its write batches. The first page of a chain
 * learns total_items, which sizes the run.
 */
export async function processMailchimpPage(
  ctx: WorkerContext,
  job: Job<MailchimpPageData>,
  token: string,
): Promise<void> {
  await holdIfWritesPileUp(ctx, job, token);
  const data = job.data;
  const run = await ctx.store.getRun(data.runId);
  if (!run) throw new UnrecoverableError(`Run ${data.runId} does not exist (expired or removed).`);
  // A cancelled run reads no further page (what is already queued for HubSpot still settles).
  if (run.cancelRequested) return;
  const context = await ctx.store.mailchimpAudience(data.runId, data.audienceId);
  if (!context) {
    throw new UnrecoverableError(
      `Run ${data.runId} has no Mailchimp context for audience ${data.audienceId}.`,
    );
  }

  const query = mailchimpQuery(data);
  const page = await ctx.mailchimp().memberPage({
    audienceId: data.audienceId,
    status: data.status,
    offset: query.offset,
    count: MAILCHIMP_PAGE_SIZE,
    beforeLastChanged: query.before,
    ...(query.since ? { sinceLastChanged: query.since } : {}),
  });

  if (data.index === 0) {
    await ctx.store.setTotalPart(data.runId, `mailchimp:${data.audienceId}:${data.status}`, page.totalItems);
  }
  const next = nextMailchimpWindow(data, page);
  if (next) {
    const nextData: MailchimpPageData = {
      runId: data.runId,
      parent: data.parent,
      audienceId: data.audienceId,
      status: data.status,
      index: data.index + 1,
      ...next,
    };
    await ctx.queues.byName[QUEUE_NAMES.mailchimp].add('mailchimp-page', nextData, {
      jobId: jobId(data.runId, 'mc', data.audienceId, data.status, data.index + 1),
      parent: data.parent,
      failParentOnFailure: true,
    });
  }

  const mapped = page.members.map((member) =>
    mapMailchimpMember(member, {
      audience: context.audience,
      mergeFields: context.mergeFields,
      policy: ctx.policy,
    }),
  );
  await dispatchMappedPage(ctx, {
    runId: data.runId,
    full: run.full,
    parent: data.parent,
    pageId: `mc.${data.audienceId}.${data.status}.${data.index}`,
    mapped,
  });
  await job.updateProgress(100);
}
