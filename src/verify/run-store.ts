/**
 * A verify as a run of the run store: it has a run id, shows in `esp-sync runs` and the dashboard, and its
 * report is its differences. They are stored in Redis as verify finds them (within verify's listing caps), so
 * neither the worker nor the CLI holds them: per kind a sorted set of addresses (all scores 0, so Redis keeps
 * them in address order) and one hash of the differences themselves. The counts per kind live in the run's
 * counters as `diff:<kind>`, so every view of a run's counters carries them. Every key expires with the run.
 */
import type { RunStore } from '../run/store.ts';
import type { RunInfo } from '../run/types.ts';
import type { SourceName } from '../core/contact.ts';
import { DIFFERENCE_KINDS, type Difference, type DifferenceKind } from './compare.ts';
import type { VerifyProgress, VerifyReport } from './verify.ts';

/** The verify report without its list of differences (those are read from the run's keys). */
export type VerifySummary = Omit<VerifyReport, 'differences'>;

export interface VerifyRunState {
  progress: VerifyProgress | null;
  /** Set when the verify has finished. */
  summary: VerifySummary | null;
  counts: Record<DifferenceKind, number>;
}

const COUNT_PREFIX = 'diff:';

/** The difference counts per kind from a run's counters (`esp-sync runs --json`, the API's breakdown). */
export function differenceCounts(breakdown: Record<string, number>): Record<DifferenceKind, number> {
  return Object.fromEntries(
    DIFFERENCE_KINDS.map((k) => [k, breakdown[`${COUNT_PREFIX}${k}`] ?? 0]),
  ) as Record<DifferenceKind, number>;
}

export class VerifyRunStore {
  readonly runs: RunStore;
  constructor(runs: RunStore) {
    this.runs = runs;
  }

  private keys(runId: string) {
    const base = this.runs.keys(runId).info;
    return {
      state: `${base}:verify`,
      differences: `${base}:differences`,
      kind: (kind: DifferenceKind) => `${base}:differences:${kind}`,
    };
  }

  /** A new verify run: never a source lock, never a watermark (it writes nothing). */
  async create(scope: { sources: SourceName[]; audiences: string[] }, id?: string): Promise<RunInfo> {
    return this.runs.createRun({ ...scope, ignoreFingerprints: false, kind: 'verify' }, id);
  }

  private async write(
    keys: string[],
    build: (p: ReturnType<RunStore['redis']['pipeline']>) => void,
  ): Promise<void> {
    const pipeline = this.runs.redis.pipeline();
    build(pipeline);
    for (const key of keys) pipeline.expire(key, this.runs.retentionSeconds, 'NX');
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  /** Where the verify is; the records read are the run's `read` counter too (rate and lists use it). */
  async setProgress(runId: string, progress: VerifyProgress): Promise<void> {
    const k = this.keys(runId);
    const counts = this.runs.keys(runId).counts;
    await this.write([k.state, counts], (p) =>
      p.hset(k.state, 'progress', JSON.stringify(progress)).hset(counts, 'read', String(progress.read)),
    );
  }

  /** One chunk's differences: the listed ones stored, every one found counted. */
  async addDifferences(
    runId: string,
    listed: Difference[],
    found: Partial<Record<DifferenceKind, number>>,
  ): Promise<void> {
    const k = this.keys(runId);
    const counts = this.runs.keys(runId).counts;
    const kinds = [...new Set(listed.map((d) => d.kind))];
    await this.write([k.differences, counts, ...kinds.map(k.kind)], (p) => {
      for (const [kind, n] of Object.entries(found)) p.hincrby(counts, `${COUNT_PREFIX}${kind}`, n);
      if (listed.length === 0) return;
      p.hset(
        k.differences,
        Object.fromEntries(listed.map((d) => [`${d.kind}|${d.email}`, JSON.stringify(d)])),
      );
      for (const kind of kinds) {
        p.zadd(k.kind(kind), ...listed.filter((d) => d.kind === kind).flatMap((d) => ['0', d.email]));
      }
    });
  }

  async setSummary(runId: string, summary: VerifySummary): Promise<void> {
    const k = this.keys(runId);
    await this.write([k.state], (p) => p.hset(k.state, 'summary', JSON.stringify(summary)));
  }

  async state(runId: string): Promise<VerifyRunState> {
    const [raw, { breakdown }] = await Promise.all([
      this.runs.redis.hmget(this.keys(runId).state, 'progress', 'summary'),
      this.runs.counts(runId),
    ]);
    return {
      progress: raw[0] ? (JSON.parse(raw[0]) as VerifyProgress) : null,
      summary: raw[1] ? (JSON.parse(raw[1]) as VerifySummary) : null,
      counts: differenceCounts(breakdown),
    };
  }

  /** The stored differences of one kind, in address order, from `offset`. */
  async page(runId: string, kind: DifferenceKind, offset: number, count: number): Promise<Difference[]> {
    const k = this.keys(runId);
    const stop = Number.isSafeInteger(offset + count) ? offset + count - 1 : -1;
    const emails = await this.runs.redis.zrange(k.kind(kind), String(offset), String(stop));
    if (emails.length === 0) return [];
    const values = await this.runs.redis.hmget(k.differences, ...emails.map((e) => `${kind}|${e}`));
    return values.flatMap((v) => (v ? [JSON.parse(v) as Difference] : []));
  }

  /** Every stored difference, most important kind first, then by address, a page at a time. */
  async *differences(
    runId: string,
    kinds: readonly DifferenceKind[] = DIFFERENCE_KINDS,
    pageSize = 500,
  ): AsyncGenerator<Difference[]> {
    for (const kind of kinds) {
      const total = await this.runs.redis.zcard(this.keys(runId).kind(kind));
      for (let offset = 0; offset < total; offset += pageSize) {
        const page = await this.page(runId, kind, offset, pageSize);
        if (page.length > 0) yield page;
      }
    }
  }
}
