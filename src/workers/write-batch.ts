import type { Job } from 'bullmq';
import { CONSENT_RANK, type SourceContact } from '../core/contact.ts';
import type { ContactWriteResult } from '../core/ports.ts';
import { AuthError, ConfigError, TransientError, errorMessage } from '../errors/index.ts';
import type { WriteBatchData } from '../queue/queues.ts';
import { fingerprint } from '../run/fingerprint.ts';
import type { DeadLetter, RecordRow } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import { reportRunProgress } from './run-progress.ts';

function row(contact: SourceContact, patch: Partial<RecordRow> & Pick<RecordRow, 'outcome'>): RecordRow {
  return {
    key: contact.key,
    source: contact.source,
    email: contact.email,
    sourceStatus: contact.sourceStatus,
    consent: null,
    reason: null,
    ...patch,
  };
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Writes one batch to HubSpot: contact properties (batch upsert), then opt-outs. Subscriptions are not written
 * here: they are collected for the run's subscribe phase, which runs after every opt-out of the run.
 */
export async function processWriteBatch(ctx: WorkerContext, job: Job<WriteBatchData>): Promise<void> {
  try {
    await writeBatch(ctx, job.data);
  } catch (err) {
    // Credentials or configuration refused: the run stops, and these records say why (retry-failed later).
    if (err instanceof AuthError || err instanceof ConfigError) {
      await failWholeBatch(ctx, job.data, errorMessage(err));
      throw err;
    }
    // A batch that still fails transiently on its last attempt fails its records (retryable later), not the run.
    if (!(err instanceof TransientError) || !isLastAttempt(job)) throw err;
    await failWholeBatch(ctx, job.data, `HubSpot kept failing: ${errorMessage(err)}`);
  }
}

/**
 * The outcome of one changed record: its upsert result (or none when a newer record of the same email owns
 * the properties) and, for an opt-out, whether the opt-out was written. A failed opt-out fails the record.
 */
export function outcomeOf(
  record: SourceContact,
  upsert: ContactWriteResult | undefined,
  isOwner: boolean,
  optOut: { ok: boolean; reason?: string } | undefined,
): Pick<RecordRow, 'outcome' | 'consent' | 'reason'> {
  let outcome: RecordRow['outcome'] = 'unchanged';
  let reason: string | null = isOwner
    ? null
    : 'a more recently changed record of this email set its properties';
  if (upsert?.ok) outcome = upsert.created ? 'created' : 'updated';
  else if (upsert) [outcome, reason] = ['failed', upsert.reason];
  else if (isOwner) [outcome, reason] = ['failed', 'HubSpot returned no result for this record'];
  if (record.consent.state !== 'optOut') return { outcome, consent: null, reason };
  if (optOut?.ok) return { outcome, consent: 'optedOut', reason };
  return {
    outcome: 'failed',
    consent: null,
    reason: `opt-out not written: ${optOut?.reason ?? 'no result from HubSpot'}`,
  };
}

async function writeBatch(ctx: WorkerContext, data: WriteBatchData): Promise<void> {
  const { runId, records, full } = data;
  const { store } = ctx;
  const hubspot = ctx.hubspot();

  await store.registerConsent(
    records.map((r) => ({ email: r.email, key: r.key, rank: CONSENT_RANK[r.consent.state] })),
  );
  const previous: Map<string, { fingerprint: string; email: string }> = full
    ? new Map<string, { fingerprint: string; email: string }>()
    : await store.getFingerprints(records.map((r) => r.key));
  const digests = new Map(records.map((r) => [r.key, fingerprint(r)]));
  const changed = records.filter((r) => previous.get(r.key)?.fingerprint !== digests.get(r.key));
  const unchanged = records.filter((r) => previous.get(r.key)?.fingerprint === digests.get(r.key));

  const owners = await store.claimProperties(
    changed.map((r) => ({ email: r.email, key: r.key, changedAt: r.changedAt })),
  );
  await moveChangedEmails(ctx, changed, previous);
  const toUpsert = changed.filter((r) => owners.has(r.key));
  const upserts = new Map<string, ContactWriteResult>();
  if (toUpsert.length > 0) {
    const results = await hubspot.upsertContacts(
      toUpsert.map((r) => ({ key: r.key, email: r.email, properties: r.properties })),
    );
    for (const result of results) upserts.set(result.key, result);
  }

  // Opt-outs go out whether or not the properties could be written: consent never waits on data quality.
  const optOuts = changed.filter((r) => r.consent.state === 'optOut');
  const optOutResults = new Map<string, { ok: boolean; reason?: string }>();
  if (optOuts.length > 0) {
    for (const result of await hubspot.unsubscribeAll([...new Set(optOuts.map((r) => r.email))])) {
      optOutResults.set(result.email, result.ok ? { ok: true } : { ok: false, reason: result.reason });
    }
    if (hubspot.usingOptOutFallback) {
      await store.addNotice(
        runId,
        'HubSpot refused batch opt-outs (403: the portal lacks Marketing Hub Enterprise); opt-outs were written one address at a time.',
      );
    }
  }

  // A record read twice in one run (overlapping pages) keeps the outcome of its first write.
  const seen = await store.getRows(
    runId,
    unchanged.map((r) => r.key),
  );
  const rows: RecordRow[] = unchanged
    .filter((r) => !seen.has(r.key))
    .map((r) => row(r, { outcome: 'unchanged' }));
  const dead: DeadLetter[] = [];
  const done: { key: string; fingerprint: string; email: string }[] = [];
  const candidates = [];
  let written = 0;

  for (const record of changed) {
    const { outcome, consent, reason } = outcomeOf(
      record,
      upserts.get(record.key),
      owners.has(record.key),
      optOutResults.get(record.email),
    );
    if (outcome === 'created' || outcome === 'updated') written++;

    if (outcome === 'failed') {
      const failedRow = row(record, { outcome, consent, reason });
      rows.push(failedRow);
      dead.push({ row: failedRow, contact: record });
      continue;
    }
    rows.push(row(record, { outcome, consent, reason }));
    if (record.consent.state === 'subscribe') {
      candidates.push({
        email: record.email,
        keys: [record.key],
        fingerprints: [digests.get(record.key)!],
        legalBasis: record.consent.legalBasis,
        explanation: record.consent.explanation,
      });
    } else {
      done.push({ key: record.key, fingerprint: digests.get(record.key)!, email: record.email });
    }
  }

  await store.recordRows(runId, rows);
  await store.putDeadLetters(runId, dead);
  await store.removeDeadLetters(
    runId,
    rows.filter((r) => r.outcome !== 'failed').map((r) => r.key),
  );
  await store.addSubscribeCandidates(runId, candidates);
  await store.setFingerprints(done);
  if (written > 0) await store.tick(runId, 'written', written);
  await reportRunProgress(ctx, runId);
}

/**
 * A record whose email differs from the one of its last write changed address in the source: the HubSpot
 * contact at the old address gets the new one first, so the upsert below updates it instead of creating a
 * duplicate. If HubSpot refuses (the old contact is gone, the new address is taken), the upsert still writes
 * the person under the new address.
 */
async function moveChangedEmails(
  ctx: WorkerContext,
  changed: SourceContact[],
  previous: Map<string, { fingerprint: string; email: string }>,
): Promise<void> {
  const changes = changed.flatMap((r) => {
    const before = previous.get(r.key)?.email;
    return before && before !== r.email ? [{ key: r.key, oldEmail: before, newEmail: r.email }] : [];
  });
  if (changes.length === 0) return;
  const results = await ctx.hubspot().changeEmails(changes);
  for (const result of results) {
    if (!result.ok) {
      ctx.logger.info({ key: result.key }, `email change not applied in HubSpot: ${result.reason}`);
    }
  }
}

async function failWholeBatch(ctx: WorkerContext, data: WriteBatchData, reason: string): Promise<void> {
  const rows = data.records.map((r) => row(r, { outcome: 'failed', reason }));
  await ctx.store.recordRows(data.runId, rows);
  await ctx.store.putDeadLetters(
    data.runId,
    rows.map((r, i) => ({ row: r, contact: data.records[i] ?? null })),
  );
}
