import type { Difference, DifferenceKind } from './compare.ts';
import { DIFFERENCE_KINDS, FAILING_KINDS } from './compare.ts';
import type { FixResult } from './fix.ts';
import type { VerifyRunState } from './run-store.ts';
import type { VerifyReport } from './verify.ts';

export const KIND_LABELS: Record<DifferenceKind, string> = {
  optOutMissing: 'opt-out not applied',
  consentUnreadable: 'consent unreadable',
  subscribedWithoutConsent: 'subscribed without consent',
  missingContact: 'missing contact',
  propertiesDiffer: 'properties differ',
};

/** Shown per kind in the text table; the JSON report has every difference. */
const SHOWN_PER_KIND = 50;

/** The verify report as text: counts per kind, then one line per person (kind, email, what differs). */
export function verifyText(report: VerifyReport): string {
  const r = report.records;
  const lines = [
    `Verified ${r.read} source records (${r.contacts} mapped to ${report.people} people; ${r.skipped} skipped by policy, ` +
      `${r.failed} failed mapping) against HubSpot.`,
  ];
  const width = Math.max(...DIFFERENCE_KINDS.map((k) => KIND_LABELS[k].length));
  for (const kind of DIFFERENCE_KINDS) {
    const flag = FAILING_KINDS.has(kind) && report.counts[kind] > 0 ? '  ← must be fixed' : '';
    lines.push(`  ${KIND_LABELS[kind].padEnd(width)}  ${report.counts[kind]}${flag}`);
  }
  for (const kind of DIFFERENCE_KINDS) {
    const found = report.differences.filter((d) => d.kind === kind);
    for (const d of found.slice(0, SHOWN_PER_KIND)) {
      lines.push(`${KIND_LABELS[kind].padEnd(width)}  ${d.email}  ${d.detail}  [${d.keys.join(' ')}]`);
    }
    const more = report.counts[kind] - Math.min(found.length, SHOWN_PER_KIND);
    if (more > 0) lines.push(`${KIND_LABELS[kind].padEnd(width)}  … and ${more} more (see --json)`);
  }
  lines.push(
    report.ok
      ? report.differences.length === 0
        ? 'HubSpot agrees with the sources.'
        : 'Every opt-out is in HubSpot; the differences above do not block (see --fix).'
      : `${report.counts.optOutMissing + report.counts.consentUnreadable} opt-out(s) not proven in HubSpot: ` +
          'run esp-sync verify --fix (or a migration) to write them.',
  );
  return `${lines.join('\n')}\n`;
}

export function fixText(fix: FixResult): string {
  const lines = [`Opt-outs written: ${fix.optOutsWritten.length}`];
  for (const f of fix.optOutsFailed) lines.push(`Opt-out refused for ${f.email}: ${f.reason} (kept pending)`);
  if (fix.run) lines.push(`Full migration ${fix.run.runId} for contacts and properties: ${fix.run.status}`);
  return `${lines.join('\n')}\n`;
}

/** A spreadsheet-safe cell: quoted when needed, and a leading =, +, - or @ defused (it would run as a formula). */
function csvCell(text: string): string {
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const VERIFY_CSV_COLUMNS = ['kind', 'email', 'detail', 'keys'] as const;

/** One CSV row of a difference: kind (as in the JSON), email, what differs, the record keys. */
export function differenceCsvLine(d: Difference): string {
  return [d.kind, d.email, d.detail, d.keys.join(' ')].map(csvCell).join(',');
}

/** One row per listed difference. */
export function verifyCsv(report: VerifyReport): string {
  return `${[VERIFY_CSV_COLUMNS.join(','), ...report.differences.map(differenceCsvLine)].join('\n')}\n`;
}

/** `esp-sync status` of a verify run: where it is, and its differences by kind so far. */
export function verifyStatusText(
  run: { id: string; status: string; error: string | null },
  state: VerifyRunState,
  read: number,
): string {
  const p = state.progress;
  const where = !p
    ? 'not started'
    : p.step === 'reading'
      ? `reading the sources, ${p.read} records read`
      : `compared ${p.compared} of ${p.people} people with HubSpot, from ${p.read} source records`;
  const lines = [
    `Verify run ${run.id}: ${run.status}${state.summary ? `, ${read} records read` : ` (${where})`}` +
      `${run.error ? ` — ${run.error}` : ''}`,
  ];
  const width = Math.max(...DIFFERENCE_KINDS.map((k) => KIND_LABELS[k].length));
  for (const kind of DIFFERENCE_KINDS) {
    const flag = FAILING_KINDS.has(kind) && state.counts[kind] > 0 ? '  ← must be fixed' : '';
    lines.push(`  ${KIND_LABELS[kind].padEnd(width)}  ${state.counts[kind]}${flag}`);
  }
  lines.push(`\`esp-sync report ${run.id}\` lists the differences.`);
  return `${lines.join('\n')}\n`;
}
