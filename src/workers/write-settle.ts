/**
 * How one written record ends: its row, its dead letter, its subscription candidate or its last write. Shared
 * by write batches (after their upsert) and by the import step (after the HubSpot import of the record's row),
 * so both modes settle a record by the same rules.
 */
import type { SourceContact } from '../core/contact.ts';
import type { SubscribeCandidate } from '../core/consent.ts';
import type { ContactWriteResult } from '../core/ports.ts';
import type { DeadLetter, RecordRow } from '../run/types.ts';
import type { WorkerContext } from './context.ts';
import { moveReason, type MoveVerdict } from './email-moves.ts';
import type { OptOutResult } from './opt-outs.ts';
import { reportRunProgress } from './run-progress.ts';

export function recordRow(
  contact: SourceContact,
  patch: Partial<RecordRow> & Pick<RecordRow, 'outcome'>,
): RecordRow {
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

export const hasProperties = (r: SourceContact) => Object.keys(r.properties).length > 0;

/**
 * The outcome of one changed record: its upsert result (or none when a newer record of the same email owns
 * the properties) and, for an opt-out, whether the opt-out was written. A failed opt-out fails the record.
 */
export function outcomeOf(
  record: SourceContact,
  upsert: ContactWriteResult | undefined,
  isWriter: boolean,
  optOut: OptOutResult | undefined,
): Pick<RecordRow, 'outcome' | 'consent' | 'reason'> {
  let outcome: RecordRow['outcome'] = 'unchanged';
  let reason: string | null = isWriter
    ? null
    : 'a more recently changed record of this email set its properties';
  if (upsert?.ok) outcome = upsert.created ? 'created' : 'updated';
  else if (upsert) [outcome, reason] = ['failed', upsert.reason];
  else if (isWriter) [outcome, reason] = ['failed', 'HubSpot returned no result for this record'];
  if (record.consent.state !== 'optOut') return { outcome, consent: null, reason };
  if (optOut?.ok) return { outcome, consent: 'optedOut', reason };
  return {
    outcome: 'failed',
    consent: null,
    reason: `opt-out not written: ${optOut?.reason ?? 'no result from HubSpot'}`,
  };
}

/** One changed record's row, from its address change, upsert and opt-out. */
export function settleRecord(
  record: SourceContact,
  move: MoveVerdict | undefined,
  upsert: ContactWriteResult | undefined,
  isOwner: boolean,
  optOut: OptOutResult | undefined,
): Pick<RecordRow, 'outcome' | 'consent' | 'reason'> {
  const why = move ? moveReason(move) : null;
  if (move?.kind === 'blocked') {
    const optedOut = record.consent.state === 'optOut' && optOut?.ok;
    return { outcome: 'failed', consent: optedOut ? 'optedOut' : null, reason: why };
  }
  const isWriter = !hasProperties(record) || isOwner;
  if (move?.kind === 'carryOptOut') {
    const base = outcomeOf(
      { ...record, consent: { state: 'optOut', reason: why ?? '' } },
      upsert,
      isWriter,
      optOut,
    );
    return base.outcome === 'failed' ? base : { ...base, reason: why };
  }
  const base = outcomeOf(record, upsert, isWriter, optOut);
  if (move?.kind === 'consentUnclear' && record.consent.state === 'subscribe' && base.outcome !== 'failed') {
    return { outcome: 'failed', consent: null, reason: why };
  }
  return base;
}

/** A changed record with everything its settlement depends on. */
export interface WrittenRecord {
  record: SourceContact;
  move: MoveVerdict | undefined;
  upsert: ContactWriteResult | undefined;
  isOwner: boolean;
  optOut: OptOutResult | undefined;
  fingerprint: string;
}

export interface Settled {
  rows: RecordRow[];
  dead: DeadLetter[];
  candidates: SubscribeCandidate[];
  done: { key: string; fingerprint: string; email: string }[];
  written: number;
}

/**
 * Rows, dead letters, subscription candidates (for the subscribe phase) and last writes of changed records.
 * A record asking for a subscription keeps its fingerprint out of the ledger until it is subscribed.
 */
export function settleWritten(records: WrittenRecord[]): Settled {
  const out: Settled = { rows: [], dead: [], candidates: [], done: [], written: 0 };
  for (const w of records) {
    const { record, move } = w;
    const settled = settleRecord(record, move, w.upsert, w.isOwner, w.optOut);
    if (settled.outcome === 'created' || settled.outcome === 'updated') out.written++;
    const row = recordRow(record, settled);
    out.rows.push(row);
    if (settled.outcome === 'failed') {
      out.dead.push({ row, contact: record });
      continue;
    }
    if (record.consent.state === 'subscribe' && move?.kind !== 'carryOptOut') {
      out.candidates.push({
        email: record.email,
        keys: [record.key],
        fingerprints: [w.fingerprint],
        legalBasis: record.consent.legalBasis,
        explanation: record.consent.explanation,
      });
    } else {
      out.done.push({ key: record.key, fingerprint: w.fingerprint, email: record.email });
    }
  }
  return out;
}

/** Stores what settleWritten decided (plus rows settled elsewhere) and moves the run's progress. */
export async function persistSettled(
  ctx: WorkerContext,
  runId: string,
  settled: Settled,
  extraRows: RecordRow[] = [],
): Promise<void> {
  const rows = [...extraRows, ...settled.rows];
  await ctx.store.recordRows(runId, rows);
  await ctx.store.putDeadLetters(runId, settled.dead);
  await ctx.store.removeDeadLetters(
    runId,
    rows.filter((r) => r.outcome !== 'failed').map((r) => r.key),
  );
  await ctx.store.addSubscribeCandidates(runId, settled.candidates);
  await ctx.ledger.setLastWrites(settled.done);
  if (settled.written > 0) await ctx.store.tick(runId, 'written', settled.written);
  await reportRunProgress(ctx, runId);
}
