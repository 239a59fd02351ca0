import { COUNT_NAMES } from '../run/types.ts';
import type { RunSnapshot } from '../run/follow.ts';
import { progressOf } from '../run/follow.ts';

export function summaryJson(s: RunSnapshot): string {
  return JSON.stringify({ runId: s.run.id, status: s.run.status, counts: s.counts });
}

/** A human summary: status, counts, per-source breakdown, notices and the error if the run failed. */
export function summaryText(s: RunSnapshot): string {
  const lines = [`Run ${s.run.id} (${s.run.kind}, ${s.run.sources.join(' + ')}): ${s.run.status}`];
  lines.push('  ' + COUNT_NAMES.map((n) => `${n} ${s.counts[n]}`).join(', '));
  const bySource = Object.entries(s.breakdown)
    .filter(([k]) => k.startsWith('status:'))
    .map(([k, v]) => `${k.slice('status:'.length)} ${v}`);
  if (bySource.length > 0) lines.push(`  by source status: ${bySource.join(', ')}`);
  const listsAdded = s.breakdown.listMembershipsAdded ?? 0;
  const listsRemoved = s.breakdown.listMembershipsRemoved ?? 0;
  if (listsAdded + listsRemoved > 0) {
    lines.push(`  HubSpot list memberships: ${listsAdded} added, ${listsRemoved} removed`);
  }
  for (const notice of s.run.notices) lines.push(`  note: ${notice}`);
  if (s.run.error) lines.push(`  error: ${s.run.error}`);
  if (s.counts.failed > 0) lines.push(`  see the failures: esp-sync report ${s.run.id} --only failed`);
  return lines.join('\n');
}

export function progressLine(s: RunSnapshot): string {
  const p = progressOf(s);
  const total = p.total === null ? '?' : String(p.total);
  const eta = p.etaSeconds === null ? '' : `, ETA ${p.etaSeconds}s`;
  const phase = phaseText(s);
  return `[${s.run.id}] ${s.run.status}${phase}: ${p.done}/${total} records, ${s.counts.created} created, ${s.counts.updated} updated, ${s.counts.optedOut} opted out, ${s.counts.failed} failed, ${p.rate.toFixed(1)}/s${eta}`;
}

/** " (subscribing 1200/30000)": where a running run is, so a finished read does not look like a finished run. */
export function phaseText(s: RunSnapshot): string {
  const p = progressOf(s);
  if (s.run.phase === 'reading') return ' (reading and writing)';
  if (s.run.phase === 'importing') {
    const rows = s.breakdown.importRows;
    return rows
      ? ` (importing into HubSpot: ${s.breakdown.importRowsDone ?? 0}/${rows} rows)`
      : ' (importing into HubSpot)';
  }
  if (s.run.phase === 'subscribing') {
    return ` (subscribing ${p.subscribe?.done ?? 0}/${p.subscribe?.total ?? 0})`;
  }
  if (s.run.phase === 'finishing') return ' (finishing)';
  return '';
}
