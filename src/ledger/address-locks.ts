import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TransientError } from '../errors/index.ts';
import { ledgerKeys } from './keys.ts';
import { EXTEND_ALL, LOCK_ALL, UNLOCK_ALL } from './scripts.ts';

export interface AddressLockOptions {
  /** How long a lock outlives a worker that died holding it (a live job renews it every third of this). */
  ttlMs?: number;
  /** How long a job waits for another job's locks before it gives the slot back (and BullMQ retries it). */
  waitMs?: number;
  pollMs?: number;
}

/**
 * Per-address locks across every worker process: an opt-out write and a read-then-subscribe of the same
 * address never interleave, and two writes of one person happen one after the other. A job takes the locks of
 * all its addresses at once or none, so two jobs can never deadlock.
 */
export class AddressLocks {
  readonly redis: Redis;
  readonly prefix: string;
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly pollMs: number;
  constructor(redis: Redis, prefix: string, options: AddressLockOptions = {}) {
    this.redis = redis;
    this.prefix = prefix;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.waitMs = options.waitMs ?? 30_000;
    this.pollMs = options.pollMs ?? 50;
  }

  /** Runs `work` while holding the locks of every address; throws a TransientError when they stay taken. */
  async withLocks<T>(emails: string[], work: () => Promise<T>): Promise<T> {
    const keys = [...new Set(emails)].sort().map((e) => ledgerKeys(this.prefix).addressLock(e));
    if (keys.length === 0) return work();
    const token = randomBytes(12).toString('base64url');
    const until = Date.now() + this.waitMs;
    while ((await this.redis.eval(LOCK_ALL, keys.length, ...keys, token, this.ttlMs)) !== 1) {
      if (Date.now() > until) {
        throw new TransientError(
          `${keys.length} address(es) stayed locked by another job for ${this.waitMs / 1000} s; retrying later`,
          'address locks busy',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs + Math.random() * this.pollMs));
    }
    // A slow job (rate-limit waits) keeps its locks; a killed one loses them within ttlMs.
    const renew = setInterval(() => {
      this.redis.eval(EXTEND_ALL, keys.length, ...keys, token, this.ttlMs).catch(() => undefined);
    }, this.ttlMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.redis.eval(UNLOCK_ALL, keys.length, ...keys, token);
    }
  }
}
