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

/** Mailchimp's since_last_changed is exclusive and second-precise: start this far before the watermark. */
export const OVERLAP_MS = 60_000;

/** ISO 8601 at second precision with +00:00, the format Mailchimp documents. */
export function toMailchimpTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function minusOverlap(iso: string, overlapMs = OVERLAP_MS): Date {
  return new Date(Date.parse(iso) - overlapMs);
}
