import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SourceName } from '../core/contact.ts';
import type { SubscribeCandidate } from '../core/consent.ts';
import { ADD_CANDIDATE } from '../ledger/scripts.ts';
import { scanHash } from '../lib/redis-hash.ts';
import { globalKeys, runKeys } from './keys.ts';
import {
  COUNT_NAMES,
  emptyCounts,
  type DeadLetter,
  type RecordRow,
  type RunCounts,
  type RunInfo,
  type RunOptions,
  type RunPhase,
  type RunStatus,
} from './types.ts';

// Writes record rows and keeps the counters exact when a row is written again (a retried job, the subscribe
// phase adding a consent outcome): the previous row's counters are taken back before the new ones are added.
// ARGV: groups of (recordKey, rowJson, countersCsv).
const RECORD_ROWS = `
local records, counts = KEYS[1], KEYS[2]
for i = 1, #ARGV, 3 do
  local prev = redis.call('HGET', records, ARGV[i])
  if prev then
    local p = cjson.decode(prev)
    for field in string.gmatch(p.c, '[^,]+') do redis.call('HINCRBY', counts, field, -1) end
  end
  redis.call('HSET', records, ARGV[i], ARGV[i + 1])
  for field in string.gmatch(ARGV[i + 2], '[^,]+') do redis.call('HINCRBY', counts, field, 1) end
end
return 1
`;

interface StoredRow extends RecordRow {
  /** Counter fields this row added, so a rewrite can take them back. */
  c: string;
}

function countersFor(row: RecordRow): string {
  const fields = [
    'read',
    row.outcome,
    `src:${row.source}:read`,
    `src:${row.source}:${row.outcome}`,
    `status:${row.source}:${row.sourceStatus}`,
  ];
  if (row.consent) fields.push(row.consent, `src:${row.source}:${row.consent}`);
  return fields.join(',');
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function parseRun(raw: Record<string, string>): RunInfo | null {
  if (!raw.id) return null;
  return {
    id: raw.id,
    kind: (raw.kind ?? 'migrate') as RunInfo['kind'],
    sources: JSON.parse(raw.sources ?? '[]') as SourceName[],
    audiences: JSON.parse(raw.audiences ?? '[]') as string[],
    full: raw.full === '1',
    status: (raw.status ?? 'queued') as RunStatus,
    createdAt: raw.createdAt ?? '',
    startedAt: raw.startedAt || null,
    finishedAt: raw.finishedAt || null,
    total: raw.total ? Number(raw.total) : null,
    error: raw.error || null,
    notices: JSON.parse(raw.notices ?? '[]') as string[],
    retryOf: raw.retryOf || null,
    phase: (raw.phase ?? 'queued') as RunPhase,
    subscribe: {
      total: Number(raw.subscribeTotal ?? 0),
      done: Number(raw.subscribeDone ?? 0),
      startedAt: raw.subscribeStartedAt || null,
    },
    cancelRequested: raw.cancelRequested === '1',
  };
}

/** Per-run state in Redis: the run itself, its counters, one row per source record, dead letters, timeline. */
export class RunStore {
  readonly redis: Redis;
  readonly prefix: string;
  /** Every per-run key expires this long after its first write, even if the run never reaches finalize. */
  readonly retentionSeconds: number;
  constructor(redis: Redis, prefix: string, retentionSeconds = 7 * 24 * 3600) {
    this.redis = redis;
    this.prefix = prefix;
    this.retentionSeconds = retentionSeconds;
  }

  /** Gives keys their expiry when they are created (NX: finalize's own expiry is never pushed back). */
  private async expiring(...keys: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.expire(key, this.retentionSeconds, 'NX');
    await pipeline.exec();
  }

  keys(runId: string) {
    return runKeys(this.prefix, runId);
  }

  async createRun(options: RunOptions, id = newRunId()): Promise<RunInfo> {
    const now = new Date().toISOString();
    await this.redis
      .multi()
      .hset(this.keys(id).info, {
        id,
        kind: options.kind,
        sources: JSON.stringify(options.sources),
        audiences: JSON.stringify(options.audiences),
        full: options.full ? '1' : '0',
        status: 'queued',
        createdAt: now,
        notices: '[]',
        retryOf: options.retryOf ?? '',
        // Signs the run's write batches: a job added or edited by hand (a dashboard) is refused.
        secret: randomBytes(32).toString('base64url'),
      })
      .expire(this.keys(id).info, this.retentionSeconds)
      .zadd(globalKeys(this.prefix).runs, Date.now(), id)
      // The index forgets runs whose data has expired.
      .zremrangebyscore(globalKeys(this.prefix).runs, '-inf', `(${Date.now() - this.retentionSeconds * 1000}`)
      .exec();
    return (await this.getRun(id))!;
  }

  async runSecret(runId: string): Promise<string | null> {
    return this.redis.hget(this.keys(runId).info, 'secret');
  }

  async getRun(runId: string): Promise<RunInfo | null> {
    return parseRun(await this.redis.hgetall(this.keys(runId).info));
  }

  async listRuns(limit = 50): Promise<RunInfo[]> {
    const ids = await this.redis.zrevrange(globalKeys(this.prefix).runs, 0, limit - 1);
    const runs = await Promise.all(ids.map((id) => this.getRun(id)));
    return runs.filter((r): r is RunInfo => r !== null);
  }

  async latestRunId(): Promise<string | null> {
    const [id] = await this.redis.zrevrange(globalKeys(this.prefix).runs, 0, 0);
    return id ?? null;
  }

  async markStarted(runId: string): Promise<void> {
    await this.redis.hsetnx(this.keys(runId).info, 'startedAt', new Date().toISOString());
    await this.redis.hset(this.keys(runId).info, { status: 'running', phase: 'reading' });
  }

  async setPhase(runId: string, phase: RunPhase): Promise<void> {
    await this.redis.hset(this.keys(runId).info, 'phase', phase);
  }

  /** The subscribe phase began with this many subscriptions queued. */
  async startSubscribing(runId: string, total: number): Promise<void> {
    await this.redis.hset(this.keys(runId).info, {
      phase: 'subscribing',
      subscribeTotal: String(total),
      subscribeStartedAt: new Date().toISOString(),
    });
  }

  async addSubscribeSettled(runId: string, count: number): Promise<void> {
    if (count > 0) await this.redis.hincrby(this.keys(runId).info, 'subscribeDone', count);
  }

  /** Asks a queued or running run to stop; answers the run as it is now (null when it does not exist). */
  async requestCancel(runId: string): Promise<RunInfo | null> {
    const run = await this.getRun(runId);
    if (run && !run.finishedAt) await this.redis.hset(this.keys(runId).info, 'cancelRequested', '1');
    return this.getRun(runId);
  }

  async isCancelRequested(runId: string): Promise<boolean> {
    return (await this.redis.hget(this.keys(runId).info, 'cancelRequested')) === '1';
  }

  async finish(runId: string, status: RunStatus, error?: string): Promise<void> {
    await this.redis.hset(this.keys(runId).info, {
      status,
      phase: 'done',
      finishedAt: new Date().toISOString(),
      ...(error ? { error } : {}),
    });
  }

  /** Records the size a source announced; set once per part (e.g. per audience and status) so retries don't add twice. */
  async setTotalPart(runId: string, part: string, count: number): Promise<void> {
    const key = `${this.keys(runId).context}:totals`;
    await this.redis.hset(key, part, String(count));
    await this.expiring(key);
    const parts = await this.redis.hvals(key);
    const total = parts.reduce((sum, v) => sum + Number(v), 0);
    await this.redis.hset(this.keys(runId).info, 'total', String(total));
  }

  async addNotice(runId: string, notice: string): Promise<void> {
    const run = await this.getRun(runId);
    if (!run || run.notices.includes(notice)) return;
    await this.redis.hset(this.keys(runId).info, 'notices', JSON.stringify([...run.notices, notice]));
  }

  async counts(runId: string): Promise<{ counts: RunCounts; breakdown: Record<string, number> }> {
    const raw = await this.redis.hgetall(this.keys(runId).counts);
    const counts = emptyCounts();
    const breakdown: Record<string, number> = {};
    for (const [field, value] of Object.entries(raw)) {
      const n = Number(value);
      if ((COUNT_NAMES as readonly string[]).includes(field)) counts[field as keyof RunCounts] = n;
      else if (n !== 0) breakdown[field] = n;
    }
    return { counts, breakdown };
  }

  async recordRows(runId: string, rows: RecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    const args = rows.flatMap((row) => {
      const stored: StoredRow = { ...row, c: countersFor(row) };
      return [row.key, JSON.stringify(stored), stored.c];
    });
    const k = this.keys(runId);
    await this.redis.eval(RECORD_ROWS, 2, k.records, k.counts, ...args);
    await this.expiring(k.records, k.counts);
  }

  async getRows(runId: string, keys: string[]): Promise<Map<string, RecordRow>> {
    if (keys.length === 0) return new Map();
    const values = await this.redis.hmget(this.keys(runId).records, ...keys);
    const out = new Map<string, RecordRow>();
    values.forEach((v, i) => {
      if (v) out.set(keys[i]!, stripCounters(JSON.parse(v) as StoredRow));
    });
    return out;
  }

  /** Every record row of a run, a chunk at a time (HSCAN: memory stays flat for big runs). */
  async *scanRows(runId: string): AsyncGenerator<RecordRow[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).records)) {
      yield chunk.map(([, v]) => stripCounters(JSON.parse(v) as StoredRow));
    }
  }

  async putDeadLetters(runId: string, letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.redis.hset(
      this.keys(runId).dead,
      Object.fromEntries(letters.map((l) => [l.row.key, JSON.stringify(l)])),
    );
    await this.expiring(this.keys(runId).dead);
  }

  /** Which of these records have a dead letter (retry-failed can write them again). */
  async deadLetterKeys(runId: string, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const present = await this.redis.hmget(this.keys(runId).dead, ...keys);
    return new Set(keys.filter((_, i) => present[i] !== null));
  }

  async removeDeadLetters(runId: string, keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.hdel(this.keys(runId).dead, ...keys);
  }

  async *scanDeadLetters(runId: string): AsyncGenerator<DeadLetter[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).dead)) {
      yield chunk.map(([, v]) => JSON.parse(v) as DeadLetter);
    }
  }

  /** The run's own subscription candidates of these emails (a subscribe batch writes nothing else). */
  async subscribeCandidatesFor(runId: string, emails: string[]): Promise<Map<string, SubscribeCandidate>> {
    const out = new Map<string, SubscribeCandidate>();
    if (emails.length === 0) return out;
    const values = await this.redis.hmget(this.keys(runId).subscribe, ...emails);
    values.forEach((v, i) => {
      if (v) out.set(emails[i]!, JSON.parse(v) as SubscribeCandidate);
    });
    return out;
  }

  /** Remembers which records the run read, so finalize can tell whether each got its outcome. */
  async markRead(runId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.sadd(this.keys(runId).read, ...keys);
    await this.expiring(this.keys(runId).read);
  }

  /** Records the run read that have no row (their jobs were removed by hand or lost). */
  async recordsWithoutOutcome(runId: string): Promise<number> {
    const k = this.keys(runId);
    const [read, rows] = await Promise.all([this.redis.scard(k.read), this.redis.hlen(k.records)]);
    return Math.max(0, read - rows);
  }

  /** The read marks are only needed until finalize has checked them; they hold every key of the run. */
  async dropReadMarks(runId: string): Promise<void> {
    await this.redis.del(this.keys(runId).read);
  }

  /** The watermark each read scope may move to when the run completes (pinned when the run planned it). */
  async pinnedWatermarks(runId: string): Promise<Map<string, string>> {
    const context = await this.redis.hgetall(this.keys(runId).context);
    const out = new Map<string, string>();
    for (const [name, value] of Object.entries(context)) {
      if (name.startsWith('watermark:')) {
        out.set(name.slice('watermark:'.length), JSON.parse(value) as string);
      }
    }
    return out;
  }

  /** Adds to a counter of the run that is not a record outcome (e.g. earlier opt-outs confirmed). */
  async bumpCount(runId: string, field: string, by: number): Promise<void> {
    await this.redis.hincrby(this.keys(runId).counts, field, by);
    await this.expiring(this.keys(runId).counts);
  }

  async addSubscribeCandidates(runId: string, candidates: SubscribeCandidate[]): Promise<void> {
    if (candidates.length === 0) return;
    const args = candidates.flatMap((c) => [c.email, JSON.stringify(c)]);
    await this.redis.eval(ADD_CANDIDATE, 1, this.keys(runId).subscribe, ...args);
    await this.expiring(this.keys(runId).subscribe);
  }

  async subscribeCandidateCount(runId: string): Promise<number> {
    return this.redis.hlen(this.keys(runId).subscribe);
  }

  async *scanSubscribeCandidates(runId: string): AsyncGenerator<SubscribeCandidate[]> {
    for await (const chunk of scanHash(this.redis, this.keys(runId).subscribe)) {
      yield chunk.map(([, v]) => JSON.parse(v) as SubscribeCandidate);
    }
  }

  async setContext(runId: string, name: string, value: unknown): Promise<void> {
    await this.redis.hset(this.keys(runId).context, name, JSON.stringify(value));
    await this.expiring(this.keys(runId).context);
  }

  async getContext<T>(runId: string, name: string): Promise<T | null> {
    const raw = await this.redis.hget(this.keys(runId).context, name);
    return raw ? (JSON.parse(raw) as T) : null;
  }

  /** Adds to the per-minute timeline of a run (contacts written, 429s) that the run page charts. */
  async tick(runId: string, field: 'written' | 'rateLimited', by = 1): Promise<void> {
    const minute = new Date().toISOString().slice(0, 16);
    await this.redis.hincrby(this.keys(runId).timeline, `${minute}|${field}`, by);
    await this.expiring(this.keys(runId).timeline);
  }

  async timeline(runId: string): Promise<{ minute: string; written: number; rateLimited: number }[]> {
    const raw = await this.redis.hgetall(this.keys(runId).timeline);
    const byMinute = new Map<string, { minute: string; written: number; rateLimited: number }>();
    for (const [field, value] of Object.entries(raw)) {
      const [minute, kind] = field.split('|') as [string, 'written' | 'rateLimited'];
      const entry = byMinute.get(minute) ?? { minute, written: 0, rateLimited: 0 };
      entry[kind] = Number(value);
      byMinute.set(minute, entry);
    }
    return [...byMinute.values()].sort((a, b) => a.minute.localeCompare(b.minute));
  }

  /** Lets a finished run's personal data expire after the retention time. */
  async expireRun(runId: string, seconds: number): Promise<void> {
    const k = this.keys(runId);
    const pipeline = this.redis.pipeline();
    for (const key of [...Object.values(k), `${k.context}:totals`]) pipeline.expire(key, seconds);
    await pipeline.exec();
  }

  /** Drops runs whose data expired from the run index. */
  async pruneIndex(): Promise<void> {
    const ids = await this.redis.zrange(globalKeys(this.prefix).runs, 0, '-1');
    for (const id of ids) {
      if (!(await this.redis.exists(this.keys(id).info))) {
        await this.redis.zrem(globalKeys(this.prefix).runs, id);
      }
    }
  }
}

function stripCounters(stored: StoredRow): RecordRow {
  const { c: _c, ...row } = stored;
  return row;
}
