import type { Redis } from 'ioredis';
import type { ApiCallEvent, ApiCallObserver } from '../core/ports.ts';
import type { ApiName } from '../errors/index.ts';

/** Latency histogram bounds in milliseconds (rendered in seconds for Prometheus). */
export const LATENCY_BOUNDS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
export const APIS: readonly ApiName[] = ['hubspot', 'mailchimp', 'constant-contact'];
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'network'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Minute buckets of the global 429 counter live this long: enough for a day of graphs, then they go. */
const MINUTE_TTL_SECONDS = 24 * 3600;

export function metricsKeys(prefix: string) {
  return {
    /** Cumulative API counters written by every worker process, read by the dashboard. */
    api: `${prefix}:metrics:api`,
    rateLimitedMinute: (minute: string) => `${prefix}:metrics:429:${minute}`,
    runs: `${prefix}:metrics:runs`,
    runRecorded: (runId: string) => `${prefix}:metrics:run-recorded:${runId}`,
  };
}

export function statusClass(status: ApiCallEvent['status']): StatusClass {
  if (status === 'network') return 'network';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

/** Index of the first bound the duration fits under, or the bounds' length for the +Inf bucket. */
export function latencyBucket(durationMs: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((le) => durationMs <= le);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

export function minuteOf(date: Date): string {
  return date.toISOString().slice(0, 16);
}

/** HINCRBY of each field/increment pair of ARGV into KEYS[1]: one command where a pipeline took four. */
const ADD_COUNTERS = `for i = 1, #ARGV - 1, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

/**
 * An ApiCallObserver that adds each call to cumulative counters in Redis, one round trip per call, so the
 * dashboard process can serve what every worker process observed. It never throws: metrics must not break a
 * sync, so a failed write is reported to onError (once per burst is the caller's business).
 * One script call, not a pipeline: an ioredis pipeline copies every script defined on the connection (BullMQ's
 * sixty) when it is built, which cost more CPU than the API call it counted.
 */
export function createMetricsRecorder(
  redis: Redis,
  prefix: string,
  onError: (err: unknown) => void = () => undefined,
): ApiCallObserver {
  const keys = metricsKeys(prefix);
  return (event) => {
    const api = event.api;
    const counters = [
      `req|${api}|${statusClass(event.status)}`,
      1,
      `lat|${api}|${latencyBucket(event.durationMs)}`,
      1,
      `latsum|${api}`,
      Math.max(0, Math.round(event.durationMs)),
      `latcount|${api}`,
      1,
    ];
    if (event.status === 429) {
      counters.push(`429|${api}`, 1);
      // Another key (another cluster slot): its own commands, and only on a 429.
      const minuteKey = keys.rateLimitedMinute(minuteOf(new Date()));
      redis.incr(minuteKey).catch(onError);
      redis.expire(minuteKey, MINUTE_TTL_SECONDS).catch(onError);
    }
    redis.eval(ADD_COUNTERS, 1, keys.api, ...counters).catch(onError);
  };
}

export interface ApiMetrics {
  requests: { api: ApiName; statusClass: StatusClass; count: number }[];
  rateLimited: Record<ApiName, number>;
  latency: Record<ApiName, { perBucket: number[]; sumMs: number; count: number }>;
}

/** Reads the cumulative API counters back (every API appears, with zeros when it made no call). */
export async function readApiMetrics(redis: Redis, prefix: string): Promise<ApiMetrics> {
  const raw = await redis.hgetall(metricsKeys(prefix).api);
  const n = (field: string) => Number(raw[field] ?? 0);
  const requests = APIS.flatMap((api) =>
    STATUS_CLASSES.map((c) => ({ api, statusClass: c, count: n(`req|${api}|${c}`) })),
  );
  const rateLimited = Object.fromEntries(APIS.map((api) => [api, n(`429|${api}`)])) as Record<
    ApiName,
    number
  >;
  const latency = Object.fromEntries(
    APIS.map((api) => [
      api,
      {
        perBucket: LATENCY_BOUNDS_MS.map((_, i) => n(`lat|${api}|${i}`)),
        sumMs: n(`latsum|${api}`),
        count: n(`latcount|${api}`),
      },
    ]),
  ) as ApiMetrics['latency'];
  return { requests, rateLimited, latency };
}

/** 429s across every API in the given minute (default: the current one). */
export async function rateLimitedInMinute(redis: Redis, prefix: string, at = new Date()): Promise<number> {
  return Number((await redis.get(metricsKeys(prefix).rateLimitedMinute(minuteOf(at)))) ?? 0);
}
