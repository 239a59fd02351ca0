import type { RunStore } from './store.ts';
import type { RunInfo } from './types.ts';

/** Why retry-failed refuses a run of this kind, or null: a verify or a dry run wrote nothing, so nothing failed. */
export function retryRefusal(run: RunInfo): string | null {
  if (run.dryRun) {
    return `Run ${run.id} is a dry run: it wrote nothing, so there is nothing to retry. Start the real run (the same command without --dry-run).`;
  }
  if (run.kind !== 'verify') return null;
  return `Run ${run.id} is a verify: it compared HubSpot with the sources and wrote nothing, so there is nothing to retry. To close its differences, run \`esp-sync verify --fix\` (or a migration).`;
}

export interface FailureSummary {
  /** Failed records retry-failed can write again (their contact or subscription is kept). */
  retryable: number;
  /** Failed records only the source can fix (invalid data there): the next sync reads them again. */
  notRetryable: number;
  /** The most common reasons of the records that cannot be retried, most frequent first. */
  notRetryableReasons: { reason: string; count: number }[];
}

/** Reasons differ per record only in the quoted value ("invalid email address \"x@\""): group without it. */
function reasonKind(reason: string | null): string {
  return (reason ?? 'no reason recorded').replace(/\s*"[^"]*"|\s*'[^']*'/g, '').trim();
}

/** Which failures of a run retry-failed can act on, and why the others cannot be retried. */
export async function failureSummary(store: RunStore, runId: string): Promise<FailureSummary> {
  const kinds = new Map<string, number>();
  let retryable = 0;
  let notRetryable = 0;
  for await (const rows of store.scanRows(runId)) {
    const failed = rows.filter((r) => r.outcome === 'failed');
    const kept = await store.deadLetterKeys(
      runId,
      failed.map((r) => r.key),
    );
    for (const row of failed) {
      if (kept.has(row.key)) retryable++;
      else {
        notRetryable++;
        const kind = reasonKind(row.reason);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    }
  }
  const notRetryableReasons = [...kinds]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 3);
  return { retryable, notRetryable, notRetryableReasons };
}

export function failureSummaryText(runId: string, s: FailureSummary): string {
  const lines = [`Run ${runId}: ${s.retryable} failed record(s) can be retried.`];
  if (s.notRetryable > 0) {
    const why = s.notRetryableReasons.map((r) => `${r.count} × ${r.reason}`).join('; ');
    lines.push(
      `${s.notRetryable} cannot be retried: their data is invalid in the source (${why}). Fix them there; the next sync reads them again.`,
    );
  }
  return lines.join('\n');
}
