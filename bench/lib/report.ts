/**
 * The benchmark's figures with their targets: bench/results.json (everything measured) and bench/RESULTS.md
 * (the table). A missed target is shown as missed; a figure without a target says "report".
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { format, resolveConfig } from 'prettier';

export interface Row {
  scenario: string;
  measure: string;
  /** The figure as shown, e.g. "1.04× (412 of 396)". */
  result: string;
  /** The target as shown, e.g. "≤ 1.02×", or "report". */
  target: string;
  /** true = met, false = missed, null = no target (reported only) or not measured. */
  met: boolean | null;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** Median and spread (min–max) of several measurements. */
export function stats(values: number[]): { median: number; min: number; max: number; runs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2 === 1
        ? (sorted[mid] ?? Number.NaN)
        : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, runs: sorted.length };
}

export function formatStats(s: ReturnType<typeof stats>, digits = 0, unit = ''): string {
  const f = (n: number) => n.toFixed(digits);
  return s.runs > 1
    ? `${f(s.median)}${unit} (median of ${s.runs}, ${f(s.min)}–${f(s.max)})`
    : `${f(s.median)}${unit}`;
}

const verdict = (met: boolean | null) => (met === null ? 'report' : met ? 'met' : '**MISSED**');

export function markdown(rows: Row[], machine: Machine, settings: Record<string, string | number>): string {
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.platform}, Node ${machine.node}; ` +
      `load average ${machine.loadAverageAtStart.join(' / ')} at the start and ` +
      `${(machine.loadAverageAtEnd ?? []).join(' / ')} at the end (1 / 5 / 15 min).`,
    '',
    `Settings: ${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
    '| scenario | measure | result | target | verdict |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.measure} | ${r.result} | ${r.target} | ${verdict(r.met)} |`),
    '',
  ];
  return lines.join('\n');
}

export function printTable(rows: Row[]): void {
  const width = (pick: (r: Row) => string) => Math.max(...rows.map((r) => pick(r).length));
  const w = [
    width((r) => r.scenario),
    width((r) => r.measure),
    width((r) => r.result),
    width((r) => r.target),
  ];
  for (const r of rows) {
    const cells = [r.scenario, r.measure, r.result, r.target].map((c, i) => c.padEnd(w[i] ?? 0));
    process.stdout.write(`${cells.join('  ')}  ${verdict(r.met).replace(/\*/g, '')}\n`);
  }
}

/** Writes both files; the JSON formatted as the repository's Prettier settings want it (`npm run lint`). */
export async function writeResults(
  dir: string,
  rows: Row[],
  machine: Machine,
  settings: Record<string, string | number>,
  raw: unknown,
): Promise<void> {
  const file = `${dir}/results.json`;
  const json = JSON.stringify({ writtenAt: new Date().toISOString(), machine, settings, rows, raw });
  writeFileSync(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
  writeFileSync(`${dir}/RESULTS.md`, markdown(rows, machine, settings));
}
