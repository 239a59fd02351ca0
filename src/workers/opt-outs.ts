import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import { jobId, QUEUE_NAMES, type ParentRef } from '../queue/queues.ts';
import { HUBSPOT_BATCH_SIZE } from './batching.ts';
import type { WorkerContext } from './context.ts';

export interface OptOutResult {
  ok: boolean;
  reason?: string;
}

/**
 * Opts addresses out of all email with a write-ahead in the consent ledger: each opt-out is pending before
 * HubSpot is asked and leaves the pending set only when HubSpot's answer names it. A refusal, a crash or a
 * batch that fails for good leaves it pending, and every later run tries it again.
 * Callers hold the addresses' locks.
 */
export async function writeOptOuts(
  ctx: WorkerContext,
  runId: string,
  entries: { email: string; keys: string[] }[],
): Promise<Map<string, OptOutResult>> {
  const out = new Map<string, OptOutResult>();
  if (entries.length === 0) return out;
  await ctx.ledger.addPendingOptOuts(entries.map((e) => ({ ...e, runId })));
  const hubspot = ctx.hubspot();
  const results = await hubspot.unsubscribeAll(entries.map((e) => e.email));
  for (const r of results) out.set(r.email, r.ok ? { ok: true } : { ok: false, reason: r.reason });
  await ctx.ledger.confirmOptOuts(results.filter((r) => r.ok).map((r) => r.email));
  const refused = entries.flatMap((e) => {
    const r = out.get(e.email);
    return r?.ok ? [] : [{ ...e, runId, lastError: r?.reason ?? 'no result from HubSpot' }];
  });
  await ctx.ledger.addPendingOptOuts(refused);
  if (hubspot.usingOptOutFallback) {
    await ctx.store.addNotice(
      runId,
      'HubSpot refused batch opt-outs (403: the portal lacks Marketing Hub Enterprise); opt-outs were written one address at a time.',
    );
  }
  return out;
}

export interface PendingOptOutJobData {
  runId: string;
  emails: string[];
}
export const PENDING_OPT_OUTS_JOB = 'pending-opt-outs';

/**
 * Every run (any source, any kind, retry runs too) first sends again the opt-outs earlier runs could not get
 * confirmed. Job ids come from the contents, so a plan repeated after a crash adds no second copy.
 */
export async function enqueuePendingOptOuts(
  ctx: WorkerContext,
  runId: string,
  parent: ParentRef,
): Promise<number> {
  const queue = ctx.queues.byName[QUEUE_NAMES.hubspot];
  let count = 0;
  for await (const chunk of ctx.ledger.scanPendingOptOuts()) {
    for (let i = 0; i < chunk.length; i += HUBSPOT_BATCH_SIZE) {
      const emails = chunk.slice(i, i + HUBSPOT_BATCH_SIZE).map((p) => p.email);
      const digest = createHash('sha256').update(emails.join('\n')).digest('hex').slice(0, 16);
      await queue.add(PENDING_OPT_OUTS_JOB, { runId, emails } satisfies PendingOptOutJobData, {
        jobId: jobId(runId, 'po', digest),
        parent,
        ignoreDependencyOnFailure: true,
      });
      count += emails.length;
    }
  }
  if (count > 0) {
    await ctx.store.addNotice(
      runId,
      `${count} opt-out(s) from earlier runs were not confirmed by HubSpot yet: sent again.`,
    );
  }
  return count;
}

export async function processPendingOptOuts(
  ctx: WorkerContext,
  job: Job<PendingOptOutJobData>,
): Promise<void> {
  // The shape was checked before the processor ran (job-schemas.ts); only what is still pending is sent.
  const { runId, emails } = job.data;
  await ctx.addressLocks.withLocks(emails, async () => {
    // Only what is still pending: another run may have confirmed some in the meantime.
    const pending = await ctx.ledger.pendingOptOutsFor(emails);
    const entries = [...pending.values()].map((p) => ({ email: p.email, keys: p.keys }));
    const results = await writeOptOuts(ctx, runId, entries);
    const confirmed = [...results.values()].filter((r) => r.ok).length;
    if (confirmed > 0) await ctx.store.bumpCount(runId, 'pendingOptOutsConfirmed', confirmed);
  });
}
