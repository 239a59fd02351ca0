import type { PendingOptOutSummary } from '../core/consent.ts';
import { ConsentLedger } from '../ledger/ledger.ts';
import { progressOf, snapshot, type RunSnapshot } from '../run/follow.ts';
import { DryPlanStore, type DryRunTotals } from '../run/dry-plan.ts';
import { readImportFiles, type ImportFile } from '../run/imports.ts';
import type { RunStore } from '../run/store.ts';
import type { RecordRow } from '../run/types.ts';

/** The failures table shows at most this many rows; the report download has them all. */
export const FAILURES_SHOWN = 500;

export type Progress = ReturnType<typeof progressOf>;

export interface RunPageData extends RunSnapshot {
  progress: Progress;
  /** Failed records retry-failed can write again; the rest only the source can fix. */
  retryable: number;
  /** Opt-outs HubSpot has not confirmed yet (from any run): whoever looks at a run must see them. */
  pendingOptOuts: PendingOptOutSummary;
  timeline: { minute: string; written: number; rateLimited: number }[];
  failures: RecordRow[];
  failuresTruncated: boolean;
  /** A dry run's plan totals: the calls a real run would make, lists and properties it would create. */
  plan: DryRunTotals | null;
  /** An import-mode run's HubSpot imports, one per CSV file (null before its files are written). */
  imports: ImportFile[] | null;
}

/**
 * The failed rows of a run, stopping at the cap. Rows are scanned because records that failed mapping have no
 * dead letter; a run without failures costs nothing.
 */
async function failedRows(store: RunStore, runId: string, failedCount: number, cap: number) {
  const failures: RecordRow[] = [];
  if (failedCount === 0) return { failures, truncated: false };
  for await (const rows of store.scanRows(runId)) {
    for (const row of rows) {
      if (row.outcome !== 'failed') continue;
      if (failures.length === cap) return { failures, truncated: true };
      failures.push(row);
    }
  }
  return { failures, truncated: false };
}

export async function loadRunPage(
  store: RunStore,
  runId: string,
  cap = FAILURES_SHOWN,
): Promise<RunPageData | null> {
  const s = await snapshot(store, runId);
  if (!s) return null;
  const [timeline, failed, retryable, pendingOptOuts, plan] = await Promise.all([
    store.timeline(runId),
    failedRows(store, runId, s.counts.failed, cap),
    store.deadLetterCount(runId),
    new ConsentLedger(store.redis, store.prefix).pendingOptOutSummary(),
    s.run.dryRun ? new DryPlanStore(store.redis, store.prefix, runId).totals() : null,
  ]);
  const imports = s.run.mode === 'import' ? await readImportFiles(store.redis, store.prefix, runId) : null;
  return {
    ...s,
    imports,
    progress: progressOf(s),
    retryable,
    pendingOptOuts,
    timeline,
    failures: failed.failures,
    failuresTruncated: failed.truncated,
    plan,
  };
}

/** The JSON shape of one run in the API: the run, its counters and how far it is. */
export function runJson(s: RunSnapshot) {
  return { run: s.run, counts: s.counts, breakdown: s.breakdown, progress: progressOf(s) };
}

export function durationSeconds(run: RunSnapshot['run'], now = Date.now()): number | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return (end - Date.parse(run.startedAt)) / 1000;
}
