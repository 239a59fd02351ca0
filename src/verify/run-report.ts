/**
 * A verify run's report, streamed from Redis a page at a time: one line (CSV) or one array element (JSON) per
 * difference, most important kind first, then by address. `esp-sync report RUN_ID`, the dashboard's report
 * downloads and `esp-sync verify --csv/--json` all print it from here.
 */
import type { ReportFormat } from '../run/report.ts';
import { DIFFERENCE_KINDS, type Difference, type DifferenceKind } from './compare.ts';
import { differenceCsvLine, VERIFY_CSV_COLUMNS } from './format.ts';
import type { VerifyRunStore } from './run-store.ts';

/** Rows of a verify run's report, as `esp-sync report` prints them. */
export async function* differenceLines(
  runs: VerifyRunStore,
  runId: string,
  format: ReportFormat,
): AsyncGenerator<string> {
  yield format === 'csv' ? VERIFY_CSV_COLUMNS.join(',') : '[';
  let first = true;
  for await (const page of runs.differences(runId)) {
    for (const d of page) {
      if (format === 'csv') yield differenceCsvLine(d);
      else {
        yield `${first ? '' : ','}${JSON.stringify(d)}`;
        first = false;
      }
    }
  }
  if (format === 'json') yield ']';
}

/**
 * `verify --json`: the report object (with whatever else the command adds, e.g. what --fix wrote), its
 * `differences` array streamed from the run's keys.
 */
export async function* verifyJsonLines(
  head: Record<string, unknown>,
  runs: VerifyRunStore,
  runId: string,
): AsyncGenerator<string> {
  const opening = JSON.stringify({ ...head, differences: [] });
  yield opening.slice(0, opening.lastIndexOf('[]}'));
  yield '[';
  let first = true;
  for await (const page of runs.differences(runId)) {
    for (const d of page) {
      yield `${first ? '' : ','}${JSON.stringify(d)}`;
      first = false;
    }
  }
  yield ']}';
}

/** The first `perKind` differences of each kind (what the text report and the run page show). */
export async function firstDifferences(
  runs: VerifyRunStore,
  runId: string,
  perKind: number,
  kinds: readonly DifferenceKind[] = DIFFERENCE_KINDS,
): Promise<Difference[]> {
  const out: Difference[] = [];
  for (const kind of kinds) out.push(...(await runs.page(runId, kind, 0, perKind)));
  return out;
}
