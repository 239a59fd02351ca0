import type { ConsentOutcome, RecordOutcome, SourceContact, SourceName } from '../core/contact.ts';

/** `verify` compares HubSpot with the sources: it writes nothing, takes no source lock and moves no watermark. */
export type RunKind = 'migrate' | 'sync' | 'retry' | 'verify';
export type RunStatus = 'queued' | 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'cancelled';

/**
 * How a migration writes contacts: batch upserts, or HubSpot CRM imports of CSV files (consent stays batch
 * either way); `auto` picks imports above IMPORT_THRESHOLD records. Syncs and retries always batch.
 */
export type RunMode = 'batch' | 'import' | 'auto';

/** Where a run is: reading and writing records, then subscribing, then finishing. */
export type RunPhase = 'queued' | 'reading' | 'importing' | 'subscribing' | 'finishing' | 'done';

export interface RunOptions {
  sources: SourceName[];
  /** Mailchimp audience ids; empty means every audience. */
  audiences: string[];
  /** Ignore fingerprints and rewrite everything (`--full`). */
  ignoreFingerprints: boolean;
  kind: RunKind;
  /** For retry runs: the run whose dead letters are written again. */
  retryOf?: string;
  /** How contacts are written (`--mode`); default batch. */
  mode?: RunMode;
  /** Reads the sources and HubSpot and plans every write without making one (`--dry-run`). */
  dryRun?: boolean;
}

export interface RunInfo {
  id: string;
  kind: RunKind;
  sources: SourceName[];
  audiences: string[];
  /** Ignore fingerprints and rewrite everything (`--full`). */
  ignoreFingerprints: boolean;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Records the sources announced up front (Mailchimp total_items, Constant Contact contacts_count). */
  total: number | null;
  error: string | null;
  /** Notes for the summary, e.g. that opt-outs used the per-address fallback. */
  notices: string[];
  retryOf: string | null;
  phase: RunPhase;
  /** The subscribe phase's own progress: subscriptions queued, settled so far, and when it began. */
  subscribe: { total: number; done: number; startedAt: string | null };
  /** `esp-sync cancel` asked the run to stop: it reads and subscribes no more and ends `cancelled`. */
  cancelRequested: boolean;
  /** How contacts are written; `auto` until the read phase has sized the run. */
  mode?: RunMode;
  /** A dry run: HubSpot was read, never written; its rows are the plan, and no watermark moved. */
  dryRun: boolean;
}

export const COUNT_NAMES = [
  'read',
  'created',
  'updated',
  'unchanged',
  'subscribed',
  'optedOut',
  'keptOptedOut',
  'skipped',
  'failed',
] as const;
export type CountName = (typeof COUNT_NAMES)[number];
export type RunCounts = Record<CountName, number>;

/** One row of the report: what happened to one source record. */
export interface RecordRow {
  key: string;
  source: SourceName;
  email: string | null;
  sourceStatus: string;
  outcome: RecordOutcome;
  consent: ConsentOutcome | null;
  reason: string | null;
}

/** A record that failed, with what is needed to write it again: the contact, or only its subscription. */
export interface DeadLetter {
  row: RecordRow;
  contact: SourceContact | null;
  subscription?: { email: string; legalBasis: string; explanation: string };
}

export function emptyCounts(): RunCounts {
  return Object.fromEntries(COUNT_NAMES.map((n) => [n, 0])) as RunCounts;
}
