/**
 * The records a source chain left over (workers/batching.ts: a page sends only full batches and carries the
 * rest; a chain's last page leaves its rest in the run's `tails` hash). The read phase sends every chain's rest
 * together once all pages are read; a run that fails before that fails them, kept for retry-failed, so every
 * record read ends in an outcome.
 */
import type { SourceContact } from '../core/contact.ts';
import type { ParentRef } from '../queue/queues.ts';
import type { RunInfo } from '../run/types.ts';
import { fullBatches, lastBatches } from './batching.ts';
import type { WorkerContext } from './context.ts';
import { verifyRecords } from './job-signature.ts';
import { queueWriteBatches } from './mapped-records.ts';
import { failWholeBatch } from './write-batch.ts';

export const TAIL_NOT_WRITTEN =
  'not written: the run failed before this record’s batch was sent; esp-sync retry-failed writes it again';

/**
 * Queues the records every chain left over, in full batches (the last one excepted). Their signatures are
 * checked first: they were stored in Redis, where a hand edit must not become a HubSpot write. A phase run
 * again queues the same batches under the same job ids.
 */
export async function queueChainTails(ctx: WorkerContext, run: RunInfo, parent: ParentRef): Promise<number> {
  const batch = { runId: run.id, ignoreFingerprints: run.ignoreFingerprints, parent, pageId: 'tails' };
  let waiting: SourceContact[] = [];
  let queued = 0;
  for await (const tails of ctx.store.scanChainTails(run.id)) {
    for (const tail of tails) await verifyRecords(ctx, run.id, tail.records, tail.signature);
    const { full, rest } = fullBatches([...waiting, ...tails.flatMap((t) => t.records)]);
    await queueWriteBatches(ctx, { ...batch, batches: full });
    queued += full.length;
    waiting = rest;
  }
  const last = lastBatches(waiting);
  await queueWriteBatches(ctx, { ...batch, batches: last });
  return queued + last.length;
}

/**
 * A failed run: the records left in its chains' tails that no batch wrote end failed (their opt-outs pending for
 * the next run, the records kept for retry-failed). Tails that fail their signature are left alone.
 */
export async function failChainTails(ctx: WorkerContext, runId: string): Promise<void> {
  for await (const tails of ctx.store.scanChainTails(runId)) {
    for (const tail of tails) {
      const signed = await verifyRecords(ctx, runId, tail.records, tail.signature).then(
        () => true,
        () => false,
      );
      if (!signed) continue;
      const rows = await ctx.store.getRows(
        runId,
        tail.records.map((r) => r.key),
      );
      const open = tail.records.filter((r) => !rows.has(r.key));
      if (open.length > 0) {
        await failWholeBatch(ctx, { runId, ignoreFingerprints: false, records: open }, TAIL_NOT_WRITTEN);
      }
    }
  }
}
