import type { Job } from 'bullmq';
import type { MailchimpAudience, MailchimpMergeField } from '../core/ports.ts';
import { mapMailchimpMember } from '../mapping/mailchimp.ts';
import { jobId, QUEUE_NAMES, type MailchimpPageData } from '../queue/queues.ts';
import { holdIfWritesPileUp } from './backpressure.ts';
import type { WorkerContext } from './context.ts';
import { dispatchMappedPage } from './mapped-records.ts';

export const MAILCHIMP_PAGE_SIZE = 1000;

/**
 * Reads one page of one audience and status, maps it and queues its write batches. The page at offset 0 also
 * learns total_items, which sizes the run, and queues the remaining pages of its status.
 */
export async function processMailchimpPage(
  ctx: WorkerContext,
  job: Job<MailchimpPageData>,
  token: string,
): Promise<void> {
  await holdIfWritesPileUp(ctx, job, token);
  const data = job.data;
  const run = await ctx.store.getRun(data.runId);
  if (!run) throw new Error(`Run ${data.runId} does not exist (expired or removed).`);
  const context = await ctx.store.getContext<{
    audience: MailchimpAudience;
    mergeFields: MailchimpMergeField[];
  }>(data.runId, `mailchimp:${data.audienceId}`);
  if (!context)
    throw new Error(`Run ${data.runId} has no Mailchimp context for audience ${data.audienceId}.`);

  const page = await ctx.mailchimp().memberPage({
    audienceId: data.audienceId,
    status: data.status,
    offset: data.offset,
    count: MAILCHIMP_PAGE_SIZE,
    ...(data.sinceLastChanged ? { sinceLastChanged: data.sinceLastChanged } : {}),
    ...(data.beforeLastChanged ? { beforeLastChanged: data.beforeLastChanged } : {}),
  });

  if (data.offset === 0) {
    await ctx.store.setTotalPart(data.runId, `mailchimp:${data.audienceId}:${data.status}`, page.totalItems);
    const offsets = [];
    for (let o = MAILCHIMP_PAGE_SIZE; o < page.totalItems; o += MAILCHIMP_PAGE_SIZE) offsets.push(o);
    await ctx.queues.byName[QUEUE_NAMES.mailchimp].addBulk(
      offsets.map((offset) => ({
        name: 'mailchimp-page',
        data: { ...data, offset },
        opts: {
          jobId: jobId(data.runId, 'mc', data.audienceId, data.status, offset),
          parent: data.parent,
          failParentOnFailure: true,
        },
      })),
    );
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
    pageId: `mc.${data.audienceId}.${data.status}.${data.offset}`,
    mapped,
  });
  await job.updateProgress(100);
}
