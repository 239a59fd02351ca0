import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Redis's clock in ms. Every limit reads the time inside its script, never from the worker: workers on machines
// whose clocks disagree still share one window. Since Redis 5 scripts replicate their effects, so a script may
// write after TIME: https://redis.io/commands/eval#replicating-commands-instead-of-scripts
const REDIS_NOW_MS = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

// Sliding-window log: removes entries older than the window, admits if under max, else answers how long to wait.
// The budget is the lowest of the caller's max and the shared budgets other processes learned (KEYS[2], KEYS[3]).
// An entry is scored with its admission time plus ARGV[4] ms: a request still on its way holds its place until
// it is answered (ANSWERED below). The wait is at most one window: an entry still held leaves no sooner than a
// window after it is answered.
const SLIDING_WINDOW = `${REDIS_NOW_MS}
local key, window, max, member, hold = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
for i = 2, 3 do
  local shared = tonumber(redis.call('GET', KEYS[i]))
  if shared and shared < max then max = shared end
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < max then
  redis.call('ZADD', key, now + hold, member)
  redis.call('PEXPIRE', key, window + hold)
  return {0, count + 1}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {math.max(1, math.min(window, tonumber(oldest[2]) + window - now)), count}
`;

// The request was answered: from now on its entry leaves the window a window after this moment (Redis's clock).
// XX: an entry that already left (a request slower than its hold and a window) is not put back.
const ANSWERED = `${REDIS_NOW_MS}
local key, member, ttl = KEYS[1], ARGV[1], ARGV[2]
if redis.call('ZADD', key, 'XX', 'CH', now, member) == 1 then redis.call('PEXPIRE', key, ttl) end
return 0
`;

// Lowers the shared budget to factor × the current one (at least 1) for ttl ms; answers the new budget. Several
// 429s of one burst (requests in flight together, from any process) lower it once: a budget lowered less than a
// window ago (ARGV[4]) stays as it is.
const LOWER_BUDGET = `
local learned, lowered, max, factor, ttl, window = KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local current = tonumber(redis.call('GET', lowered))
if current and redis.call('PTTL', lowered) > ttl - window then return current end
for _, k in ipairs({learned, lowered}) do
  local shared = tonumber(redis.call('GET', k))
  if shared and shared < max then max = shared end
end
local next = math.max(1, math.floor(max * factor))
redis.call('SET', lowered, next, 'PX', ttl)
return next
`;

/** One admitted request; `answered()` once its answer (or failure) is in. */
export interface Admission {
  /** Requests in the window, this one included. */
  used: number;
  answered(): Promise<void>;
}

/**
 * A request-rate limit shared by every worker process through Redis: at most `max` calls per `windowMs`.
 * `acquire()` resolves when the caller may send one request. `max` is an upper cap: a budget learned from the
 * API (`learnBudget`) or lowered after a 429 (`lowerBudget`) applies to every process until it expires.
 */
export class SharedRateLimiter {
  readonly max: number;
  readonly windowMs: number;
  private maxNow: number;
  private readonly redis: Redis;
  private readonly key: string;
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(redis: Redis, key: string, max: number, windowMs: number, sleep = defaultSleep) {
    this.redis = redis;
    this.key = key;
    this.max = max;
    this.windowMs = windowMs;
    this.maxNow = max;
    this.sleep = sleep;
  }

  /** Lowers the budget for a while, e.g. when X-HubSpot-RateLimit-Remaining runs low. */
  slowDown(factor: number, forMs: number): void {
    this.maxNow = Math.max(1, Math.floor(this.max * factor));
    setTimeout(() => (this.maxNow = this.max), forMs).unref();
  }

  /** Sets the budget the API announced for every process (capped by `max`), for `ttlMs`. */
  async learnBudget(budget: number, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.key}:budget:learned`, String(Math.max(1, Math.floor(budget))), 'PX', ttlMs);
  }

  /** Lowers the shared budget to `factor` of what it is now, for `ttlMs`; resolves to the new budget. */
  async lowerBudget(factor: number, ttlMs: number): Promise<number> {
    const next = await this.redis.eval(
      LOWER_BUDGET,
      2,
      `${this.key}:budget:learned`,
      `${this.key}:budget:lowered`,
      String(this.max),
      String(factor),
      String(ttlMs),
      String(this.windowMs),
    );
    return Number(next);
  }

  /** The budget every process uses now: `max`, or a learned or lowered budget below it. */
  async currentMax(): Promise<number> {
    const [learned, lowered] = await this.redis.mget(
      `${this.key}:budget:learned`,
      `${this.key}:budget:lowered`,
    );
    return Math.min(this.max, ...[learned, lowered].filter((v) => v !== null).map(Number));
  }

  /** Resolves when one request may go, with the number of requests (this one included) in the window. */
  async acquire(): Promise<number> {
    return this.take(randomUUID(), 0);
  }

  /**
   * Resolves when one request may go. Its place in the window is held from now until `answered()` and a window
   * after that (held at most `holdMs` while unanswered, for a process that dies mid-request): an API counts a
   * request when it arrives, which may be well after we admit it, and never after it answers.
   */
  async admit(holdMs: number): Promise<Admission> {
    const member = randomUUID();
    const used = await this.take(member, holdMs);
    return {
      used,
      answered: async () => {
        await this.redis.eval(ANSWERED, 1, this.key, member, String(this.windowMs + holdMs));
      },
    };
  }

  private async take(member: string, holdMs: number): Promise<number> {
    for (;;) {
      const [wait, used] = (await this.redis.eval(
        SLIDING_WINDOW,
        3,
        this.key,
        `${this.key}:budget:learned`,
        `${this.key}:budget:lowered`,
        String(this.windowMs),
        String(this.maxNow),
        member,
        String(holdMs),
      )) as [number, number];
      if (wait === 0) return used;
      await this.sleep(wait);
    }
  }
}

// A slot is a member scored with the end of its lease (Redis's clock); expired leases are dropped first.
const SEMAPHORE_ACQUIRE = `${REDIS_NOW_MS}
local key, lease, max, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now + lease, member)
  redis.call('PEXPIRE', key, lease * 2)
  return 1
end
return 0
`;

/**
 * At most `max` operations in flight across every worker process (Mailchimp's 10 simultaneous connections).
 * Each slot is a lease that expires, so a crashed process cannot hold a slot for ever.
 */
export class SharedSemaphore {
  readonly max: number;
  private readonly redis: Redis;
  private readonly key: string;
  private readonly leaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(redis: Redis, key: string, max: number, leaseMs = 130_000, sleep = defaultSleep) {
    this.redis = redis;
    this.key = key;
    this.max = max;
    this.leaseMs = leaseMs;
    this.sleep = sleep;
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    const member = randomUUID();
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      const got = await this.redis.eval(
        SEMAPHORE_ACQUIRE,
        1,
        this.key,
        String(this.leaseMs),
        String(this.max),
        member,
      );
      if (got === 1) break;
      await this.sleep(delay);
    }
    try {
      return await operation();
    } finally {
      await this.redis.zrem(this.key, member);
    }
  }
}
