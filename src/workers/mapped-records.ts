import type { MappedRecord } from '../core/contact.ts';
import { jobId, QUEUE_NAMES, type ParentRef, type WriteBatchData } from '../queue/queues.ts';
import type { RecordRow } from '../run/types.ts';
import { batchByUniqueEmail } from './batching.ts';
import type { WorkerContext } from './context.ts';
import { runSecretOf, signRecords } from './job-signature.ts';

/**
 * Takes a mapped page: records that end here (skipped by policy, failed mapping) get their row now; contacts
 * go to HubSpot write batches, children of the run's read phase. Job ids are derived from the page, so a page
 * read again after a crash adds no second copy.
 */
export async function dispatchMappedPage(
  ctx: WorkerContext,
  params: {
    runId: string;
    ignoreFingerprints: boolean;
    parent: ParentRef;
    pageId: string;
    mapped: MappedRecord[];
  },
): Promise<void> {
  const { runId, parent, pageId, mapped, ignoreFingerprints } = params;
  const rows: RecordRow[] = [];
  const contacts = [];
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
  const hubspot = ctx.queues.byName[QUEUE_NAMES.hubspot];
  const batches = batchByUniqueEmail(contacts);
  const secret = await runSecretOf(ctx, runId);
  await hubspot.addBulk(
    batches.map((records, i) => ({
      name: 'write-batch',
      data: {
        runId,
        ignoreFingerprints,
        records,
        signature: signRecords(secret, runId, records),
      } satisfies WriteBatchData,
      opts: { jobId: jobId(runId, 'w', pageId, i), parent, ignoreDependencyOnFailure: true },
    })),
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
