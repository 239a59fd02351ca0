import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SourceName } from '../config/env.ts';
import { ConfigError } from '../errors/index.ts';

/** The data of a scheduled sync: which sources and audiences to sync each time it fires. */
export interface ScheduledSyncData {
  scheduleId: string;
  sources: SourceName[];
  audiences: string[];
}

export interface ScheduleInfo {
  id: string;
  /** A recurring sync, or a recurring verify (it writes nothing and alerts when an opt-out is missing). */
  kind: 'sync' | 'verify';
  cron: string;
  timezone: string | null;
  sources: SourceName[];
  audiences: string[];
  next: string | null;
  skipped: number;
}

export const SCHEDULED_SYNC_JOB = 'scheduled-sync';
/** Fired by a verify schedule: the worker runs a verify of these sources as a run of its own. */
export const SCHEDULED_VERIFY_JOB = 'scheduled-verify';

function validateTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new ConfigError(
      `--timezone "${tz}" is not a known time zone; use an IANA name such as Europe/Stockholm.`,
    );
  }
}

function validateCron(cron: string): void {
  const fields = cron.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    throw new ConfigError(
      `--cron "${cron}" must have 5 fields (minute hour day month weekday), e.g. "0 * * * *".`,
    );
  }
}

/** Schedules live as BullMQ job schedulers on the runs queue: they survive restarts and show in the dashboard. */
export class Schedules {
  readonly queue: Queue;
  readonly redis: Redis;
  readonly statsKey: string;
  constructor(queue: Queue, redis: Redis, prefix: string) {
    this.queue = queue;
    this.redis = redis;
    this.statsKey = `${prefix}:schedule-stats`;
  }

  async add(params: {
    sources: SourceName[];
    audiences: string[];
    cron: string;
    timezone?: string;
    /** A recurring verify instead of a sync. */
    verify?: boolean;
  }): Promise<string> {
    validateCron(params.cron);
    if (params.timezone) validateTimezone(params.timezone);
    const kind = params.verify ? 'verify' : 'sync';
    const id = `${kind}-${params.sources.join('+')}${params.audiences.length ? `-${[...params.audiences].sort().join('+')}` : ''}`;
    const data: ScheduledSyncData = { scheduleId: id, sources: params.sources, audiences: params.audiences };
    try {
      await this.queue.upsertJobScheduler(
        id,
        { pattern: params.cron, ...(params.timezone ? { tz: params.timezone } : {}) },
        {
          name: params.verify ? SCHEDULED_VERIFY_JOB : SCHEDULED_SYNC_JOB,
          data,
          opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        },
      );
    } catch (err) {
      throw new ConfigError(
        `--cron "${params.cron}" was refused: ${err instanceof Error ? err.message : String(err)}.`,
      );
    }
    return id;
  }

  async list(): Promise<ScheduleInfo[]> {
    const schedulers = await this.queue.getJobSchedulers(0, -1, true);
    const stats = await this.redis.hgetall(this.statsKey);
    return schedulers.map((s) => {
      const data = (s.template?.data ?? {}) as Partial<ScheduledSyncData>;
      return {
        id: s.key,
        kind: s.name === SCHEDULED_VERIFY_JOB ? 'verify' : 'sync',
        cron: s.pattern ?? '',
        timezone: s.tz ?? null,
        sources: data.sources ?? [],
        audiences: data.audiences ?? [],
        next: s.next ? new Date(s.next).toISOString() : null,
        skipped: Number(stats[`${s.key}:skipped`] ?? 0),
      };
    });
  }

  async remove(id: string): Promise<boolean> {
    return this.queue.removeJobScheduler(id);
  }

  async countSkipped(id: string): Promise<void> {
    await this.redis.hincrby(this.statsKey, `${id}:skipped`, 1);
  }
}
