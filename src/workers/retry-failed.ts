import { QUEUE_NAMES, jobId, type ParentRef, type WriteBatchData } from '../queue/queues.ts';
import type { SubscribeCandidate } from '../core/consent.ts';
import type { RunInfo } from '../run/types.ts';
import { chunked } from '../lib/chunked.ts';
import { batchByUniqueEmail, HUBSPOT_BATCH_SIZE } from './batching.ts';
import type { WorkerContext } from './context.ts';
import { runSecretOf, signRecords } from './job-signature.ts';

/**
 * A retry run writes the dead letters of an earlier run again: contacts go through the normal write batches
 * (fingerprints ignored), lone subscription failures straight to subscribe candidates. Records that fail
 * again land in the retry run's own dead letters.
 */
export async function enqueueRetryBatches(
  ctx: WorkerContext,
  run: RunInfo,
  parent: ParentRef,
): Promise<void> {
  if (!run.retryOf) throw new Error(`Retry run ${run.id} does not name the run to retry.`);
  const hubspot = ctx.queues.byName[QUEUE_NAMES.hubspot];
  let batchNo = 0;
  const secret = await runSecretOf(ctx, run.id);
  for await (const letters of ctx.store.scanDeadLetters(run.retryOf)) {
    await ctx.store.markRead(
      run.id,
      letters.map((l) => l.row.key),
    );
    const contacts = letters.flatMap((l) => (l.contact ? [l.contact] : []));
    await hubspot.addBulk(
      batchByUniqueEmail(contacts).map((records) => ({
        name: 'write-batch',
        data: {
          runId: run.id,
          ignoreFingerprints: true,
          records,
          signature: signRecords(secret, run.id, records),
        } satisfies WriteBatchData,
        opts: { jobId: jobId(run.id, 'w', batchNo++), parent, ignoreDependencyOnFailure: true },
      })),
    );
    const subscriptions: SubscribeCandidate[] = letters.flatMap((l) =>
      !l.contact && l.subscription ? [{ ...l.subscription, keys: [l.row.key], fingerprints: [''] }] : [],
    );
    // Rows must exist before the subscribe phase settles them.
    await ctx.store.recordRows(
      run.id,
      letters
        .filter((l) => !l.contact && l.subscription)
        .map((l) => ({ ...l.row, outcome: 'unchanged', reason: null })),
    );
    for (const candidates of chunked(subscriptions, HUBSPOT_BATCH_SIZE)) {
      await ctx.store.addSubscribeCandidates(run.id, candidates);
    }
  }
}

/**
 * After a retry run: records that are no longer failed leave the original run's dead letters, and the original
 * run's rows show their new outcome, so its report and counts tell the current truth.
 */
export async function settleRetriedRun(ctx: WorkerContext, run: RunInfo): Promise<void> {
  if (!run.retryOf) return;
  for await (const rows of ctx.store.scanRows(run.id)) {
    const fixed = rows.filter((r) => r.outcome !== 'failed');
    await ctx.store.removeDeadLetters(
      run.retryOf,
      fixed.map((r) => r.key),
    );
    await ctx.store.recordRows(
      run.retryOf,
      fixed.map((r) => ({ ...r, reason: `written by retry run ${run.id}` })),
    );
  }
}
