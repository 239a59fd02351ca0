/** The rows of bench/RESULTS.md, scenario by scenario: each figure with its target, a miss marked as missed. */
import { CALL_KINDS, sum, type ByKind } from './calls.ts';
import { formatStats, stats, type Row } from './report.ts';
import type { CallsResult } from '../scenarios/calls.ts';
import type { CeilingRun } from '../scenarios/ceiling.ts';
import type { HorizontalRun } from '../scenarios/horizontal.ts';
import type { WorkerRun } from '../scenarios/worker.ts';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (share: number) => `${(100 * share).toFixed(2)}%`;

const KIND_LABEL: Record<keyof ByKind, string> = {
  upsert: 'contact upserts',
  optOutWrite: 'opt-out-of-all writes',
  statusRead: 'subscription status reads',
  optOutRead: 'opt-out-of-all reads',
  statusWrite: 'subscription status writes',
  setup: 'setup (properties, definitions)',
  other: 'other calls',
};

export function callRows(result: CallsResult): Row[] {
  const rows: Row[] = [];
  const { full, incremental } = result;
  const s3 = '3 calls vs floor';
  rows.push({
    scenario: s3,
    measure: `full migration, ${int(result.records)} records: what the floor is made of`,
    result: `${int(full.outcome.contactsWritten)} contacts written, ${int(full.outcome.optOuts)} opt-outs, ${int(full.outcome.subscriptionCandidates)} subscription candidates`,
    target: 'report',
    met: null,
  });
  for (const kind of CALL_KINDS) {
    if (full.made[kind] === 0 && full.floor[kind] === 0) continue;
    const over = full.made[kind] > full.floor[kind];
    const routes = Object.entries(full.otherRoutes).map(([route, n]) => `${n}× ${route}`);
    rows.push({
      scenario: s3,
      measure: `HubSpot ${KIND_LABEL[kind]}${kind === 'other' ? ` (${routes.join(', ')})` : ''}: made / floor`,
      result: `${int(full.made[kind])} / ${int(full.floor[kind])}`,
      target: 'report',
      met: over ? false : null,
    });
  }
  rows.push({
    scenario: s3,
    measure: 'records whose properties were written / people (a person whose older record was written first)',
    result: `${int(full.outcome.recordsWritten)} / ${int(full.outcome.contactsWritten)}: ${int(Math.ceil(full.outcome.recordsWritten / 100))} upserts at 100 records each`,
    target: 'report',
    met: null,
  });
  rows.push({
    scenario: s3,
    measure: 'all HubSpot calls / floor',
    result: `${full.ratio.toFixed(3)}× (${int(sum(full.made))} / ${int(sum(full.floor))})`,
    target: '≤ 1.02×',
    met: full.ratio <= 1.02,
  });
  const s5 = '5 incremental';
  rows.push({
    scenario: s5,
    measure: 'changes in the sources (1% of records)',
    result: Object.entries(incremental.changed)
      .map(([k, v]) => `${v} ${k}`)
      .join(', '),
    target: 'report',
    met: null,
  });
  rows.push({
    scenario: s5,
    measure: 'HubSpot calls of the sync / of the full migration',
    result: `${percent(incremental.shareOfFull)} (${int(sum(incremental.made))} / ${int(sum(full.made))}; read ${int(incremental.read)} records)`,
    target: '≤ 2%',
    met: incremental.shareOfFull <= 0.02,
  });
  rows.push({
    scenario: s5,
    measure: 'HubSpot calls of the sync / its floor',
    result: `${incremental.ratio.toFixed(2)}× (${int(sum(incremental.made))} / ${int(sum(incremental.floor))})`,
    target: 'report',
    met: null,
  });
  return rows;
}

export function workerRows(runs: WorkerRun[], workerSizes: number[], dedicatedRedis: boolean): Row[] {
  const rows: Row[] = [];
  const s1 = '1 worker cost';
  const s4 = '4 memory';
  const cpuOf = (rs: WorkerRun[]) =>
    stats(rs.flatMap((r) => (r.cpuMicrosPerRecord === null ? [] : [r.cpuMicrosPerRecord])));
  for (const size of workerSizes) {
    const atSize = runs.filter((r) => r.requested === size);
    const cpu = cpuOf(atSize);
    rows.push({
      scenario: s1,
      measure: `worker CPU per record, ${int(size)} records, limits off`,
      result: cpu.runs > 0 ? formatStats(cpu, 0, ' µs') : 'not measured (no /proc)',
      target: '≤ 50 µs',
      met: cpu.runs > 0 ? cpu.median <= 50 : null,
    });
    rows.push({
      scenario: s1,
      measure: `records per second end to end, ${int(size)} records (sandbox on the same cores)`,
      result: formatStats(stats(atSize.map((r) => r.recordsPerSecond))),
      target: 'report',
      met: null,
    });
  }
  const commands = stats(runs.map((r) => r.redisCommandsPerRecord));
  const scripts = stats(runs.map((r) => r.redisScriptCallsPerRecord));
  rows.push({
    scenario: s1,
    measure: 'Redis commands per record, every run (incl. commands run inside Lua scripts)',
    result: `${formatStats(commands, 1)}; EVAL/EVALSHA ${scripts.median.toFixed(2)}`,
    target: '≤ 5',
    met: dedicatedRedis ? commands.median <= 5 : null,
  });
  rows.push({
    scenario: s1,
    measure: 'most called Redis commands, per record (first run)',
    result: Object.entries(runs[0]?.topRedisCommandsPerRecord ?? {})
      .map(([name, n]) => `${name} ${n}`)
      .join(', '),
    target: 'report',
    met: null,
  });
  for (const size of workerSizes) {
    const atSize = runs.filter((r) => r.requested === size);
    const peak = stats(atSize.flatMap((r) => (r.workerPeakRssMb === null ? [] : [r.workerPeakRssMb])));
    rows.push({
      scenario: s4,
      measure: `worker peak RSS, ${int(size)} records (idle ${atSize[0]?.workerIdleRssMb ?? '?'} MB)`,
      result: peak.runs > 0 ? formatStats(peak, 0, ' MB') : 'not measured (no /proc)',
      target: '≤ 250 MB',
      met: peak.runs > 0 ? peak.max <= 250 : null,
    });
    rows.push({
      scenario: s4,
      measure: `Redis peak memory, ${int(size)} records`,
      result: formatStats(stats(atSize.map((r) => r.redisPeakMemoryMb)), 0, ' MB'),
      target: 'report',
      met: null,
    });
  }
  return rows;
}

export function ceilingRows(runs: CeilingRun[]): Row[] {
  const rows: Row[] = [];
  const s2 = '2 at the ceiling';
  for (const r of runs) {
    const limit = `HubSpot ${r.perTenSeconds}/10 s (${r.tier}), ${int(r.records)} records`;
    rows.push({
      scenario: s2,
      measure: `${limit}: wall time / least time the limit allows for the calls made`,
      result:
        r.ratio === null
          ? `not measurable: ${int(r.hubspotCalls)} calls fit in one window (raise BENCH_CEILING_RECORDS)`
          : `${r.ratio.toFixed(3)}× (${r.seconds.toFixed(1)} s / ${r.boundSeconds} s for ${int(r.hubspotCalls)} calls)`,
      target: '≤ 1.03×',
      met: r.ratio === null ? null : r.ratio <= 1.03,
    });
    rows.push({
      scenario: s2,
      measure: `${limit}: HubSpot 429s after the first 10 s (in the first)`,
      result: `${r.hubspot429sAfterFirstWindow} (${r.hubspot429sInFirstWindow})`,
      target: '0',
      met: r.hubspot429sAfterFirstWindow === 0,
    });
    rows.push({
      scenario: s2,
      measure: `${limit}: busiest rolling 10 s (sampled every 250 ms)`,
      result: `${r.busiestTenSeconds} of ${r.perTenSeconds}`,
      target: 'report',
      met: null,
    });
    rows.push({
      scenario: s2,
      measure: `${limit}: Constant Contact 429s at 4 requests/s`,
      result: String(r.constantContact429s),
      target: '0',
      met: r.constantContact429s === 0,
    });
  }
  return rows;
}

export function horizontalRows(runs: HorizontalRun[]): Row[] {
  const rows: Row[] = [];
  const s6 = '6 horizontal';
  const one = runs.find((r) => r.mode === 'ceiling' && r.processes === 1);
  for (const r of runs.filter((x) => x.mode === 'ceiling')) {
    const ratio = r.ratio === null ? 'not measurable (one window)' : `${r.ratio.toFixed(3)}×`;
    rows.push({
      scenario: s6,
      measure: `${r.processes} worker process(es) at HubSpot's 190/10 s, ${int(r.records)} records: wall time / bound, 429s`,
      result: `${ratio} (${r.seconds.toFixed(1)} s, ${int(r.hubspotCalls)} calls), ${r.hubspot429s} × 429`,
      target:
        r.processes === 1 ? '≤ 1.03×, 0 × 429' : `≤ 1.03×, ≤ ${one?.hubspot429s ?? 0} × 429 (one process)`,
      met:
        r.ratio === null
          ? null
          : r.ratio <= 1.03 && r.hubspot429s <= (r.processes === 1 ? 0 : (one?.hubspot429s ?? 0)),
    });
  }
  for (const r of runs.filter((x) => x.mode === 'limits off')) {
    rows.push({
      scenario: s6,
      measure: `${r.processes} worker process(es), limits off, ${int(r.records)} records: records per second`,
      result: int(r.recordsPerSecond),
      target: 'report',
      met: null,
    });
  }
  return rows;
}
