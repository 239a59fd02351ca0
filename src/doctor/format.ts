import type { CheckStatus, DoctorReport } from './types.ts';

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** The doctor's table: one line per check, the fix indented below a warning or failure, then the verdict. */
export function doctorText(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.label.length));
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${MARK[c.status]}  ${c.label.padEnd(width)}  ${c.detail}`);
    if (c.fix && (c.status === 'warn' || c.status === 'fail')) {
      lines.push(`${' '.repeat(6 + width + 2)}fix: ${c.fix}`);
    }
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push(
    report.canMigrate
      ? 'A migration can run.'
      : `A migration cannot run: fix the ${failed} FAIL line(s) above, then run esp-sync doctor again.`,
  );
  return `${lines.join('\n')}\n`;
}
