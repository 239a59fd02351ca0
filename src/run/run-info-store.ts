import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SourceName } from '../core/contact.ts';
import type { MailchimpAudience, MailchimpMergeField } from '../connectors/mailchimp/wire.ts';
import { globalKeys, runKeys } from './keys.ts';
import type { RunInfo, RunMode, RunOptions, RunPhase, RunStatus } from './types.ts';

/** What the read phase keeps per Mailchimp audience for the page jobs. */
export interface MailchimpAudienceContext {
  audience: MailchimpAudience;
  mergeFields: MailchimpMergeField[];
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
    // Stored as `full`, the field's name before it was renamed, so runs stored earlier read the same.
    ignoreFingerprints: raw.full === '1',
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
    mode: (raw.mode || 'batch') as RunMode,
    dryRun: raw.dryRun === '1',
  };
}

/**
 * A run itself in Redis: its info (status, phase, totals, notices), what its read phase planned, and its
 * timeline. RunStore adds the rows, counters, dead letters and subscription candidates.
 */
export class RunInfoStore {
  readonly redis: Redis;
  readonly prefix: string;
  /** Every per-run key expires this long after its first write, even if the run never reaches finalize. */
  readonly retentionSeconds: number;
  constructor(redis: Redis, prefix: string, retentionSeconds = 7 * 24 * 3600) {
    this.redis = redis;
    this.prefix = prefix;
    this.retentionSeconds = retentionSeconds;
  }

  /**
   * Runs a write and gives its keys their expiry when they are created, in one round trip (NX: finalize's own
   * expiry is never pushed back). The commands go out together on the connection without an ioredis pipeline:
   * building one copies every script defined on the connection (BullMQ's sixty), which cost more CPU than
   * the write. `write` issues one command and returns its promise.
   */
  protected async writeExpiring(keys: string[], write: (redis: Redis) => Promise<unknown>): Promise<void> {
    await Promise.all([
      write(this.redis),
      ...keys.map((key) => this.redis.expire(key, this.retentionSeconds, 'NX')),
    ]);
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
        full: options.ignoreFingerprints ? '1' : '0',
        status: 'queued',
        createdAt: now,
        notices: '[]',
        retryOf: options.retryOf ?? '',
        // Syncs and retries always batch: imports are for one-off migrations.
        mode: options.kind === 'migrate' ? (options.mode ?? 'batch') : 'batch',
        dryRun: options.dryRun ? '1' : '0',
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

  async isDryRun(runId: string): Promise<boolean> {
    return (await this.redis.hget(this.keys(runId).info, 'dryRun')) === '1';
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
    await this.writeExpiring([key], (p) => p.hset(key, part, String(count)));
    const parts = await this.redis.hvals(key);
    const total = parts.reduce((sum, v) => sum + Number(v), 0);
    await this.redis.hset(this.keys(runId).info, 'total', String(total));
  }

  async addNotice(runId: string, notice: string): Promise<void> {
    const run = await this.getRun(runId);
    if (!run || run.notices.includes(notice)) return;
    await this.redis.hset(this.keys(runId).info, 'notices', JSON.stringify([...run.notices, notice]));
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

  private async setContext(runId: string, name: string, value: unknown): Promise<void> {
    const key = this.keys(runId).context;
    await this.writeExpiring([key], (p) => p.hset(key, name, JSON.stringify(value)));
  }

  private async getContext<T>(runId: string, name: string): Promise<T | null> {
    const raw = await this.redis.hget(this.keys(runId).context, name);
    return raw ? (JSON.parse(raw) as T) : null;
  }
  // What the read phase planned, for the jobs after it (one typed method per entry of the run's context).

  /** The upper bound of the run's read window, pinned once (a retried plan reuses it). */
  async plannedAt(runId: string): Promise<string | null> {
    return this.getContext<string>(runId, 'plannedAt');
  }

  async setPlannedAt(runId: string, at: string): Promise<void> {
    await this.setContext(runId, 'plannedAt', at);
  }

  async mailchimpAudience(runId: string, audienceId: string): Promise<MailchimpAudienceContext | null> {
    return this.getContext<MailchimpAudienceContext>(runId, `mailchimp:${audienceId}`);
  }

  async setMailchimpAudience(runId: string, value: MailchimpAudienceContext): Promise<void> {
    await this.setContext(runId, `mailchimp:${value.audience.id}`, value);
  }

  /** Every audience of the Mailchimp account (held subscriptions wait until each has been read once). */
  async allMailchimpAudiences(runId: string): Promise<string[] | null> {
    return this.getContext<string[]>(runId, 'mailchimp:allAudiences');
  }

  async setAllMailchimpAudiences(runId: string, ids: string[]): Promise<void> {
    await this.setContext(runId, 'mailchimp:allAudiences', ids);
  }

  /** What the run reads in full ("mailchimp:<audienceId>", "constant-contact"). */
  async readScopes(runId: string): Promise<string[]> {
    return (await this.getContext<string[]>(runId, 'readScopes')) ?? [];
  }

  async addReadScopes(runId: string, scopes: string[]): Promise<void> {
    const known = await this.readScopes(runId);
    await this.setContext(runId, 'readScopes', [...new Set([...known, ...scopes])]);
  }

  /** Constant Contact's field, list and tag definitions as the read phase stored them (shape owned by its reader). */
  async ccDefinitions(runId: string): Promise<unknown> {
    return this.getContext<unknown>(runId, 'constant-contact');
  }

  async setCcDefinitions(runId: string, value: unknown): Promise<void> {
    await this.setContext(runId, 'constant-contact', value);
  }

  /** The watermark a read scope may move to when the run completes. */
  /** The run will move no watermark: the next sync reads again everything it read. */
  async unpinWatermarks(runId: string): Promise<void> {
    const pinned = [...(await this.pinnedWatermarks(runId)).keys()].map((scope) => `watermark:${scope}`);
    if (pinned.length > 0) await this.redis.hdel(this.keys(runId).context, ...pinned);
  }

  async pinWatermark(runId: string, scope: string, at: string): Promise<void> {
    await this.setContext(runId, `watermark:${scope}`, at);
  }

  /** Adds to the per-minute timeline of a run (contacts written, 429s) that the run page charts. */
  async tick(runId: string, field: 'written' | 'rateLimited', by = 1): Promise<void> {
    const minute = new Date().toISOString().slice(0, 16);
    const key = this.keys(runId).timeline;
    await this.writeExpiring([key], (p) => p.hincrby(key, `${minute}|${field}`, by));
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
