import type { Redis } from 'ioredis';

/**
 * One run per source scope at a time: a scheduled sync that finds the previous one still running is skipped,
 * never run twice in parallel. The lock names the run holding it and expires on its own after a long time, so
 * a run whose every worker vanished cannot block its source for ever.
 */
export class RunLocks {
  readonly redis: Redis;
  readonly prefix: string;
  readonly ttlSeconds: number;
  constructor(redis: Redis, prefix: string, ttlSeconds = 24 * 3600) {
    this.redis = redis;
    this.prefix = prefix;
    this.ttlSeconds = ttlSeconds;
  }

  private key(scope: string): string {
    return `${this.prefix}:run-lock:${scope}`;
  }

  /** Takes the lock for runId, or answers the run that holds it. */
  async acquire(scope: string, runId: string): Promise<{ ok: true } | { ok: false; heldBy: string }> {
    const ok = await this.redis.set(this.key(scope), runId, 'EX', this.ttlSeconds, 'NX');
    if (ok === 'OK') return { ok: true };
    return { ok: false, heldBy: (await this.redis.get(this.key(scope))) ?? 'unknown' };
  }

  /**
   * Takes the lock of every source for runId (a source is locked whole, whichever audiences a run reads, which
   * is stricter than needed but never lets two runs write one person at once), or none of them.
   */
  async acquireAll(scopes: string[], runId: string): Promise<{ ok: true } | { ok: false; heldBy: string }> {
    const taken: string[] = [];
    for (const scope of [...scopes].sort()) {
      const result = await this.acquire(scope, runId);
      if (!result.ok) {
        for (const s of taken) await this.release(s, runId);
        return result;
      }
      taken.push(scope);
    }
    return { ok: true };
  }

  async releaseAll(scopes: string[], runId: string): Promise<void> {
    for (const scope of scopes) await this.release(scope, runId);
  }

  /** Releases the lock if runId still holds it. */
  async release(scope: string, runId: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.key(scope),
      runId,
    );
  }
}
