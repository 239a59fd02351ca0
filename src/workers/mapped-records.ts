import type { MappedRecord, SourceContact } from '../core/contact.ts';
import { jobId, QUEUE_NAMES, type ParentRef, type WriteBatchData } from '../queue/queues.ts';
import type { RecordRow } from '../run/types.ts';
import { fullBatches } from './batching.ts';
import type { WorkerContext } from './context.ts';
import { runSecretOf, signRecords } from './job-signature.ts';

/** Where a page's (or the chains' tails') write batches go: the run, its read phase, ids from the page. */
export interface BatchTarget {
  runId: string;
  ignoreFingerprints: boolean;
  parent: ParentRef;
  pageId: string;
}

/**
 * Takes a mapped page: records that end here (skipped by policy, failed mapping) get their row now; contacts,
 * after the ones earlier pages of the chain carried, go to HubSpot write batches, children of the run's read
 * phase, as far as they fill batches. Returns the rest, for the next page of the chain (or the read phase).
 */
export async function dispatchMappedPage(
  ctx: WorkerContext,
  params: BatchTarget & { mapped: MappedRecord[]; carried: SourceContact[] },
): Promise<SourceContact[]> {
  const { runId, mapped } = params;
  const rows: RecordRow[] = [];
  const contacts = [...params.carried];
  for (const record of mapped) {
    if (record.kind === 'contact') {
      contacts.push(record.contact);
      continue;
    }
    rows.push({
      key: record.key,
      source: record.source,
      email: record.email,
      sourceStatus: record.sourceStatus,
      outcome: record.kind,
      consent: null,
      reason: record.reason,
    });
  }
  await ctx.store.markRead(
    runId,
    mapped.map((r) => (r.kind === 'contact' ? r.contact.key : r.key)),
  );
  await ctx.store.recordRows(runId, rows);
  await withdrawSkipped(ctx, mapped);
  const { full, rest } = fullBatches(contacts);
  await queueWriteBatches(ctx, { ...params, batches: full });
  return rest;
}

/**
 * Queues write batches as children of the read phase. A batch's job id comes from its page and its signature
 * (its contents), so a page read again after a crash adds no second copy of a batch, and a page that reads
 * differently the second time adds its new batches instead of being taken for the old ones.
 */
export async function queueWriteBatches(
  ctx: WorkerContext,
  params: BatchTarget & { batches: SourceContact[][] },
): Promise<void> {
  const { runId, ignoreFingerprints, parent, pageId, batches } = params;
  if (batches.length === 0) return;
  const secret = await runSecretOf(ctx, runId);
  await ctx.queues.byName[QUEUE_NAMES.hubspot].addBulk(
    batches.map((records) => {
      const signature = signRecords(secret, runId, records);
      return {
        name: 'write-batch',
        data: { runId, ignoreFingerprints, records, signature } satisfies WriteBatchData,
        opts: {
          jobId: jobId(runId, 'w', pageId, signature.slice(0, 22)),
          parent,
          ignoreDependencyOnFailure: true,
        },
      };
    }),
  );
}

/**
 * An archived or deleted record no longer asks for anything: it takes back its own earlier "subscribe" (a
 * subscription held for a later run is not written), at its current address and at its last written one.
 */
async function withdrawSkipped(ctx: WorkerContext, mapped: MappedRecord[]): Promise<void> {
  const skipped = mapped.filter((r) => r.kind === 'skipped');
  if (skipped.length === 0) return;
  const lastWrites = await ctx.ledger.lastWrites(skipped.map((r) => r.key));
  await ctx.ledger.withdraw(
    skipped.flatMap((r) => {
      const emails = new Set([r.email, lastWrites.get(r.key)?.email].filter((e): e is string => !!e));
      return [...emails].map((email) => ({ email, key: r.key }));
    }),
  );
}
