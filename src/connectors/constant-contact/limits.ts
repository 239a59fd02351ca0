import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConstantContactConfig } from '../../config/env.ts';
import { SharedRateLimiter } from '../../lib/redis-limits.ts';

/** Constant Contact's per-second window; its limit (4 requests) is per application, so every worker shares it. */
const WINDOW_MS = 1000;
/**
 * Constant Contact counts a request when it arrives, our limiter when it admits it; the time between (the reply
 * from Redis, building and sending the request, the network) varies by request. Each admission therefore stays
 * in our window a little longer than a second, so that requests admitted a second apart cannot arrive less than a
 * second apart: 4 requests per 1.1 s, 9% below the limit, instead of a 429 and a second's wait.
 * https://developer.constantcontact.com/api_guide/rate_limits.html
 */
export const CC_ARRIVAL_GUARD_MS = 100;
/** How long to back off after a `throttled` 429, which carries no Retry-After header. */
export const CC_THROTTLED_WAIT_MS = 1000;

/** A short, stable id of the application: the limit is per client id, and the id itself stays out of key names. */
export function clientFingerprint(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 16);
}

export function ccRateLimiterKey(keyPrefix: string, clientId: string): string {
  return `${keyPrefix}:limits:cc:${clientFingerprint(clientId)}`;
}

export function createCcRateLimiter(
  redis: Redis,
  keyPrefix: string,
  config: Pick<ConstantContactConfig, 'clientId' | 'requestsPerSecond'>,
): SharedRateLimiter {
  return new SharedRateLimiter(
    redis,
    ccRateLimiterKey(keyPrefix, config.clientId),
    config.requestsPerSecond,
    WINDOW_MS + CC_ARRIVAL_GUARD_MS,
  );
}
