import { UnrecoverableError, type Job } from 'bullmq';
import type { CcDefinitions } from '../core/ports.ts';
import { mapCcContact } from '../mapping/constant-contact.ts';
import { jobId, QUEUE_NAMES, type CcPageData } from '../queue/queues.ts';
import { holdIfWritesPileUp } from './backpressure.ts';
import type { WorkerContext } from './context.ts';
import { dispatchMappedPage } from './mapped-records.ts';

type StoredDefinitions = {
  customFields: [string, { name: string; label: string; type: string }][];
  lists: [string, string][];
  tags: [string, string][];
};

export function serializeDefinitions(d: CcDefinitions): StoredDefinitions {
  return { customFields: [...d.customFields], lists: [...d.lists], tags: [...d.tags] };
}

function deserializeDefinitions(d: StoredDefinitions): CcDefinitions {
  return { customFields: new Map(d.customFields), lists: new Map(d.lists), tags: new Map(d.tags) };
}

/**
 * Reads one Constant Contact page (cursor paging is sequential), queues the next page before this one
 * completes (so the read phase cannot finish early), then maps this page and queues its write batches.
 */
export async function processCcPage(ctx: WorkerContext, job: Job<CcPageData>, token: string): Promise<void> {
  await holdIfWritesPileUp(ctx, job, token);
  const data = job.data;
  const run = await ctx.store.getRun(data.runId);
  if (!run) throw new UnrecoverableError(`Run ${data.runId} does not exist (expired or removed).`);
  // A cancelled run reads no further page (what is already queued for HubSpot still settles).
  if (run.cancelRequested) return;
  const stored = (await ctx.store.ccDefinitions(data.runId)) as StoredDefinitions | null;
  if (!stored) throw new UnrecoverableError(`Run ${data.runId} has no Constant Contact context.`);

  const page = await ctx.constantContact().contactPage({
    cursor: data.cursor,
    ...(data.updatedAfter ? { updatedAfter: data.updatedAfter } : {}),
    ...(data.optoutAfter ? { optoutAfter: data.optoutAfter } : {}),
  });
  if (data.index === 0 && page.totalCount !== null) {
    await ctx.store.setTotalPart(data.runId, `constant-contact:${data.chain}`, page.totalCount);
  }
  if (page.nextCursor) {
    await ctx.queues.byName[QUEUE_NAMES.constantContact].add(
      'cc-page',
      { ...data, cursor: page.nextCursor, index: data.index + 1 },
      {
        jobId: jobId(data.runId, 'cc', data.chain, data.index + 1),
        parent: data.parent,
        failParentOnFailure: true,
      },
    );
  }
  const definitions = deserializeDefinitions(stored);
  const mapped = page.contacts.map((contact) => mapCcContact(contact, { definitions, policy: ctx.policy }));
  await dispatchMappedPage(ctx, {
    runId: data.runId,
    full: run.full,
    parent: data.parent,
    pageId: `cc.${data.chain}.${data.index}`,
    mapped,
  });
  await job.updateProgress(100);
}
