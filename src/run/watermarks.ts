import type { Redis } from 'ioredis';

/**
 * Watermarks of incremental syncs: per source (and Mailchimp audience), the time up to which every change has
 * been read and written. A run pins its upper bound when it starts; the watermark moves to that bound only
 * when the run finished every page and write batch, so a crash, a 429 or a quota pause never moves it past
 * unwritten records, and the next run simply reads the same window again.
 */
export class WatermarkStore {
  readonly redis: Redis;
  readonly key: string;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.key = `${prefix}:watermarks`;
  }

  async get(scope: string): Promise<string | null> {
    return this.redis.hget(this.key, scope);
  }

  async getMany(scopes: string[]): Promise<Map<string, string>> {
    if (scopes.length === 0) return new Map();
    const values = await this.redis.hmget(this.key, ...scopes);
    const out = new Map<string, string>();
    values.forEach((v, i) => v && out.set(scopes[i]!, v));
    return out;
  }

  /** Moves a watermark forward only (a late, older run never moves it back). */
  async advance(scope: string, to: string): Promise<void> {
    const current = await this.get(scope);
    if (current && Date.parse(current) >= Date.parse(to)) return;
    await this.redis.hset(this.key, scope, to);
  }

  async all(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key);
  }
}

export const mailchimpScope = (audienceId: string) => `mailchimp:${audienceId}`;
export const CONSTANT_CONTACT_SCOPE = 'constant-contact';

/**
 * How far before the watermark a sync starts reading: source timestamps are second-precise at best (Mailchimp's
 * since_last_changed, https://mailchimp.com/developer/marketing/api/list-members/list-members-info/), and a
 * change stamped just before the run's bound may become visible only after it was read.
 */
export const OVERLAP_MS = 60_000;

/** A watermark as stored: ISO 8601 at second precision (each source connector formats it its own way). */
export function toWatermarkTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function minusOverlap(iso: string, overlapMs = OVERLAP_MS): Date {
  return new Date(Date.parse(iso) - overlapMs);
}
