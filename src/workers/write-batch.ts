import { UnrecoverableError, type Job } from 'bullmq';
import { CONSENT_RANK, type SourceContact } from '../core/contact.ts';
import type { ContactWriteResult } from '../core/ports.ts';
import { AuthError, ConfigError, TransientError, errorMessage } from '../errors/index.ts';
import type { WriteBatchData } from '../queue/queues.ts';
import { fingerprint } from '../run/fingerprint.ts';
import type { RecordRow, RunInfo } from '../run/types.ts';
import { isLastAttempt } from './attempts.ts';
import type { WorkerContext } from './context.ts';
import { addressChanges, moveChangedEmails } from './email-moves.ts';
import { stageForImport } from './import-staging.ts';
import { verifyRecords } from './job-signature.ts';
import { syncListMemberships } from './list-memberships.ts';
import { writeOptOuts } from './opt-outs.ts';
import {
  hasProperties,
  persistSettled,
  recordRow as row,
  settleWritten,
  type WrittenRecord,
} from './write-settle.ts';

export { outcomeOf } from './write-settle.ts';

export const STALE_REASON = 'not written: a newer version of this record was read after this one failed';
/** Held back: consent is written into the person's carried opt-out instead. */
const carriedKey = (key: string) => `carried:${key}`;

/**
 * Writes one batch to HubSpot: contact properties (batch upsert), then opt-outs. Subscriptions are not written
 * here: they are collected for the run's subscribe phase, which runs after every opt-out of the run. In import
 * mode the contact properties are staged for the run's HubSpot import instead (import-step.ts), which settles
 * those records; everything about consent happens here exactly as in batch mode.
 */
export async function processWriteBatch(ctx: WorkerContext, job: Job<WriteBatchData>): Promise<void> {
  const run = await ctx.store.getRun(job.data.runId);
  if (!run) throw new UnrecoverableError(`Run ${job.data.runId} does not exist (expired or removed).`);
  await verifyRecords(ctx, run.id, job.data.records, job.data.signature);
  const data = run.cancelRequested ? await keepOnlyOptOuts(ctx, job.data) : job.data;
  try {
    await writeBatch(ctx, run, data);
  } catch (err) {
    // Credentials or configuration refused: the run stops, and these records say why (retry-failed later).
    if (err instanceof AuthError || err instanceof ConfigError) {
      await failWholeBatch(ctx, data, errorMessage(err));
      throw err;
    }
    // A batch that still fails transiently on its last attempt fails its records (retryable later), not the run.
    if (!(err instanceof TransientError) || !isLastAttempt(job)) throw err;
    await failWholeBatch(ctx, data, `HubSpot kept failing: ${errorMessage(err)}`);
  }
}

async function writeBatch(ctx: WorkerContext, run: RunInfo, data: WriteBatchData): Promise<void> {
  const { records } = data;
  const previous = await ctx.ledger.lastWrites(records.map((r) => r.key));
  const changes = addressChanges(records, previous);
  // Every address this batch touches, old ones included, is locked for the whole write.
  const addresses = [...records.map((r) => r.email), ...changes.map((c) => c.oldEmail)];
  await ctx.addressLocks.withLocks(addresses, () => writeLocked(ctx, run, data, previous));
}

async function writeLocked(
  ctx: WorkerContext,
  run: RunInfo,
  data: WriteBatchData,
  previous: Map<string, { fingerprint: string; email: string }>,
): Promise<void> {
  const { runId } = data;
  const { ledger } = ctx;
  const { stale } = await ledger.registerConsent(
    data.records.map((r) => ({
      email: r.email,
      key: r.key,
      rank: CONSENT_RANK[r.consent.state],
      changedAt: r.changedAt,
    })),
    // A retry replays an old snapshot: it may add restrictions, never take one away.
    { neverLower: run.kind === 'retry' },
  );
  const records = data.records.filter((r) => !stale.has(r.key));
  const digests = new Map(records.map((r) => [r.key, fingerprint(r)]));
  const isUnchanged = (r: SourceContact) =>
    !data.ignoreFingerprints && previous.get(r.key)?.fingerprint === digests.get(r.key);
  const changed = records.filter((r) => !isUnchanged(r));
  const unchanged = records.filter(isUnchanged);

  const moves = await moveChangedEmails(ctx, addressChanges(changed, previous));
  const blocked = (r: SourceContact) => moves.get(r.key)?.kind === 'blocked';
  const writers = changed.filter((r) => !blocked(r));
  // Only records that write properties compete for them; an opt-out alone (a deleted, unsubscribed contact)
  // still makes sure the contact exists, without taking the properties from another record.
  const owners = await ledger.claimProperties(
    writers.filter(hasProperties).map((r) => ({ email: r.email, key: r.key, changedAt: r.changedAt })),
  );
  const toUpsert = writers.filter((r) => !hasProperties(r) || owners.has(r.key));
  const importing = run.mode === 'import';
  const upserts = new Map<string, ContactWriteResult>();
  if (toUpsert.length > 0 && !importing) {
    const results = await ctx
      .hubspot()
      .upsertContacts(toUpsert.map((r) => ({ key: r.key, email: r.email, properties: r.properties })));
    for (const result of results) upserts.set(result.key, result);
  }

  // Opt-outs go out whether or not the properties could be written: consent never waits on data quality.
  const carried = changed.filter((r) => moves.get(r.key)?.kind === 'carryOptOut');
  await ledger.registerConsent(
    carried.map((r) => ({
      email: r.email,
      key: carriedKey(r.key),
      rank: CONSENT_RANK.optOut,
      changedAt: null,
    })),
    { neverLower: true },
  );
  const optOutKeys = new Map<string, string[]>();
  for (const r of [...changed.filter((c) => c.consent.state === 'optOut'), ...carried]) {
    optOutKeys.set(r.email, [...(optOutKeys.get(r.email) ?? []), r.key]);
  }
  const optOuts = await writeOptOuts(
    ctx,
    runId,
    [...optOutKeys].map(([email, keys]) => ({ email, keys })),
  );
  // Lists after the opt-outs: a list call that keeps failing must never hold an opt-out back. An import
  // returns no record ids, so lists are not carried in import mode (the run says so).
  if (!importing) await syncListMemberships(ctx, runId, writers, upserts);

  const seen = await ctx.store.getRows(
    runId,
    unchanged.map((r) => r.key),
  );
  const rows: RecordRow[] = [
    // A record read twice in one run (overlapping pages) keeps the outcome of its first write.
    ...unchanged.filter((r) => !seen.has(r.key)).map((r) => row(r, { outcome: 'unchanged' })),
    ...data.records
      .filter((r) => stale.has(r.key))
      .map((r) => row(r, { outcome: 'unchanged', reason: STALE_REASON })),
  ];
  const staged = new Set(importing ? toUpsert.map((r) => r.key) : []);
  const written: WrittenRecord[] = changed.map((record) => ({
    record,
    move: moves.get(record.key),
    upsert: upserts.get(record.key),
    isOwner: owners.has(record.key),
    optOut: optOuts.get(record.email),
    fingerprint: digests.get(record.key)!,
  }));
  await stageForImport(
    ctx,
    runId,
    written.filter((w) => staged.has(w.record.key)),
    (key) => previous.has(key),
  );
  await persistSettled(ctx, runId, settleWritten(written.filter((w) => !staged.has(w.record.key))), rows);
}

export const CANCELLED_WRITE = 'not written: the run was cancelled (the next run reads this record again)';

/**
 * A cancelled run still writes the opt-outs it has queued (whole records: no record is half-written); every
 * other record of the batch ends skipped.
 */
async function keepOnlyOptOuts(ctx: WorkerContext, data: WriteBatchData): Promise<WriteBatchData> {
  const optOuts = data.records.filter((r) => r.consent.state === 'optOut');
  const rest = data.records.filter((r) => r.consent.state !== 'optOut');
  await ctx.store.recordRows(
    data.runId,
    rest.map((r) => row(r, { outcome: 'skipped', reason: CANCELLED_WRITE })),
  );
  return { ...data, records: optOuts };
}

/** Every record of the batch ends failed, kept for retry-failed; its opt-outs stay pending for later runs. */
export async function failWholeBatch(
  ctx: WorkerContext,
  data: WriteBatchData,
  reason: string,
): Promise<void> {
  const rows = data.records.map((r) => row(r, { outcome: 'failed', reason }));
  // Opt-outs of a batch that failed for good stay pending: every later run sends them again.
  const optOuts = data.records.filter((r) => r.consent.state === 'optOut');
  await ctx.ledger.addPendingOptOuts(
    optOuts.map((r) => ({ email: r.email, keys: [r.key], runId: data.runId, lastError: reason })),
  );
  await ctx.store.recordRows(data.runId, rows);
  await ctx.store.putDeadLetters(
    data.runId,
    rows.map((r, i) => ({ row: r, contact: data.records[i] ?? null })),
  );
}
