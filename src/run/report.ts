import { DryPlanStore, planText } from './dry-plan.ts';
import type { RunStore } from './store.ts';
import type { RecordRow } from './types.ts';

export type ReportFilter = 'failed' | 'skipped' | 'optedOut';
export type ReportFormat = 'csv' | 'json';

export const REPORT_COLUMNS = [
  'email',
  'source',
  'sourceStatus',
  'outcome',
  'consent',
  'reason',
  'key',
] as const;

export function matchesFilter(row: RecordRow, only: ReportFilter | undefined): boolean {
  if (!only) return true;
  if (only === 'optedOut') return row.consent === 'optedOut' || row.consent === 'keptOptedOut';
  return row.outcome === only;
}

function csvCell(value: string | null): string {
  const text = value ?? '';
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return REPORT_COLUMNS.join(',');
}

/** A dry run's report has one more column: the contact write planned for the record (old → new). */
export const PLAN_COLUMN = 'plan';

export function csvLine(row: RecordRow): string {
  return REPORT_COLUMNS.map((c) => csvCell(row[c])).join(',');
}

/** Streams a run's report, one line (CSV) or one array element (JSON) per source record. */
export async function* reportLines(
  store: RunStore,
  runId: string,
  format: ReportFormat,
  only?: ReportFilter,
): AsyncGenerator<string> {
  const plans = (await store.isDryRun(runId)) ? new DryPlanStore(store.redis, store.prefix, runId) : null;
  if (format === 'csv') yield plans ? `${csvHeader()},${PLAN_COLUMN}` : csvHeader();
  else yield '[';
  let first = true;
  for await (const rows of store.scanRows(runId)) {
    const planned = plans ? await plans.recordPlans(rows.map((r) => r.key)) : null;
    for (const row of rows) {
      if (!matchesFilter(row, only)) continue;
      const plan = planned?.get(row.key);
      if (format === 'csv') yield planned ? `${csvLine(row)},${csvCell(planText(plan))}` : csvLine(row);
      else {
        const item = planned ? { ...row, plan: plan ?? null } : row;
        yield `${first ? '' : ','}${JSON.stringify(item)}`;
        first = false;
      }
    }
  }
  if (format === 'json') yield ']';
}
