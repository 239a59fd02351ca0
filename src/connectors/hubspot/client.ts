/**
 * The one way the sink talks to HubSpot: `@hubspot/api-client`'s `apiRequest` (raw Response, never throws on a
 * status) behind the shared rate limiter, a timeout, classification and exactly one `callWithRetry`.
 */
import { Client } from '@hubspot/api-client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { HubSpotConfig } from '../../config/env.ts';
import type { ApiCallObserver } from '../../core/ports.ts';
import {
  MalformedResponseError,
  QuotaExhaustedError,
  TransientError,
  firstIssue,
} from '../../errors/index.ts';
import { callWithRetry, type RetryOptions } from '../../http/retry.ts';
import {
  classifyHubSpotResponse,
  headerValue,
  networkError,
  rejectionFrom,
  type HubSpotRejection,
} from './errors.ts';
import { dailyUsageSchema } from './schemas.ts';
import type { Endpoint } from './versions.ts';

export interface HubSpotLimiter {
  /** May resolve with the requests in the current window (this one included) as our limiter counts them. */
  acquire(): Promise<number | void>;
  slowDown(factor: number, forMs: number): void;
  /** The app's burst limit as HubSpot announces it (X-HubSpot-RateLimit-Max per -Interval-Milliseconds). */
  learn?(max: number, intervalMs: number): Promise<void>;
  /** HubSpot answered a TEN_SECONDLY_ROLLING 429: something spends the budget faster than we count. */
  lower?(): Promise<void>;
  /**
   * Instead of `acquire`: the request keeps its place in the window until `answered()`. HubSpot counts a
   * request when it arrives, which may be well after we let it go (a busy worker, the network), never after
   * it answers.
   */
  admit?(): Promise<{ used: number; answered(): Promise<void> }>;
}

// The SDK keeps its retry/limiter decorators in a process-wide singleton that every `new Client()` overwrites
// (https://github.com/HubSpot/hubspot-api-nodejs/issues/416), so the process holds one Client per token and
// base URL, all created with the same settings: no numberOfApiCallRetries, no limiterOptions. Our retry layer
// is the only one.
const clients = new Map<string, Client>();

export function hubSpotClient(config: Pick<HubSpotConfig, 'accessToken' | 'baseUrl'>): Client {
  const key = `${config.baseUrl}\u0000${config.accessToken}`;
  let client = clients.get(key);
  if (!client) {
    client = new Client({ accessToken: config.accessToken, basePath: config.baseUrl });
    clients.set(key, client);
  }
  return client;
}

export interface HubSpotRequest<T> {
  endpoint: Endpoint;
  body?: unknown;
  qs?: Record<string, string>;
  /** Validates a 2xx body; a mismatch is a MalformedResponseError (sent once more, then the call fails). */
  schema: z.ZodType<T>;
  /** Statuses handed back as a rejection instead of classified, e.g. 403 where a fallback exists. */
  passThrough?: readonly number[];
  /** A multipart body (sent as it is, with its own content type) instead of `body` as JSON. */
  form?: FormData;
  /** Sent once, never again in-process: a call whose repetition is not harmless (starting an import). */
  once?: boolean;
}

export type HubSpotReply<T> =
  { ok: true; status: number; body: T } | { ok: false; rejection: HubSpotRejection };

export interface HubSpotTransportDeps {
  limiter: HubSpotLimiter;
  /** GET …/api-usage/daily/private-apps: when the account's daily limit resets (asked after a DAILY 429). */
  dailyUsage?: Endpoint;
  timeoutMs: number;
  logger: Logger;
  observe?: ApiCallObserver | undefined;
  retry?: RetryOptions | undefined;
}

/**
 * HubSpot's remaining budget may fall this far (share of the window) below what our own shared limiter counts
 * before we conclude that something else spends it (another install, a wrong HUBSPOT_RATE_LIMIT) and halve.
 * Running at the ceiling ourselves is the goal, not a reason to slow down.
 */
const FOREIGN_USE_SHARE = 0.1;
/** How often a process tells the shared limiter the burst limit HubSpot announces, at most. */
const RELEARN_MS = 5 * 60_000;

export interface HubSpotTransport {
  request<T>(req: HubSpotRequest<T>): Promise<HubSpotReply<T>>;
}

export function createHubSpotTransport(client: Client, deps: HubSpotTransportDeps): HubSpotTransport {
  const slowDownIfSpentElsewhere = (headers: Headers, usedByUs: number | void) => {
    const remaining = Number(headerValue(headers, 'x-hubspot-ratelimit-remaining'));
    const max = Number(headerValue(headers, 'x-hubspot-ratelimit-max'));
    if (!Number.isFinite(remaining) || !Number.isFinite(max) || max <= 0) return;
    const expected = typeof usedByUs === 'number' ? max - usedByUs : max;
    if (remaining < expected - max * FOREIGN_USE_SHARE) {
      deps.logger.debug(
        { remaining, max, expected },
        'HubSpot rate-limit budget spent elsewhere; slowing down',
      );
      deps.limiter.slowDown(0.5, 10_000);
    }
  };

  // The first answers tell the app's burst limit; it is told to the limiter again only when it changes or
  // every few minutes (the shared budget in Redis expires), not on every answer.
  let announced = { limit: '', at: 0 };
  const learnBudget = async (headers: Headers) => {
    const max = Number(headerValue(headers, 'x-hubspot-ratelimit-max'));
    const interval = Number(headerValue(headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    if (!deps.limiter.learn || !(max > 0) || !(interval > 0)) return;
    const limit = `${max}/${interval}`;
    if (limit === announced.limit && Date.now() - announced.at < RELEARN_MS) return;
    announced = { limit, at: Date.now() };
    await bestEffort(() => deps.limiter.learn?.(max, interval), 'learn the HubSpot rate budget');
  };
  // Adjusting the budget helps; failing to (Redis away for a moment) must not fail the call that was answered.
  const bestEffort = async (adjust: () => Promise<void> | undefined, what: string) => {
    try {
      await adjust();
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `Could not ${what}`);
    }
  };

  /**
   * The daily limit resets at midnight in the account's time zone, which only the usage endpoint tells.
   * https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-usage-details
   * Without an answer the classification's pause stands: a probe some time later, until the daily remaining
   * count recovers.
   */
  const dailyLimitError = async (fallback: QuotaExhaustedError): Promise<QuotaExhaustedError> => {
    if (!deps.dailyUsage) return fallback;
    try {
      await deps.limiter.acquire();
      const answer = await withTimeout(
        send({ endpoint: deps.dailyUsage, schema: dailyUsageSchema }),
        deps.timeoutMs,
        deps.dailyUsage.label,
      );
      const parsed = answer.status === 200 ? dailyUsageSchema.safeParse(JSON.parse(answer.text)) : undefined;
      const entries = parsed?.success ? parsed.data.results : [];
      const entry = entries.find((r) => r.name === 'private-apps-api-calls-daily') ?? entries[0];
      const resetAt = entry?.resetsAt ? new Date(entry.resetsAt) : undefined;
      if (!resetAt || Number.isNaN(resetAt.getTime()) || resetAt.getTime() <= Date.now()) return fallback;
      return new QuotaExhaustedError(
        `HubSpot's daily API limit is used up (429 DAILY); writes resume after ${resetAt.toISOString()}, ` +
          "midnight in the account's time zone.",
        'hubspot',
        resetAt,
      );
    } catch {
      return fallback;
    }
  };

  const send = async (
    req: HubSpotRequest<unknown>,
  ): Promise<{ status: number; text: string; headers: Headers }> => {
    const response = await client.apiRequest({
      method: req.endpoint.method,
      path: req.endpoint.path,
      ...(req.body === undefined ? {} : { body: req.body }),
      // Without defaultJson the SDK hands the FormData to fetch untouched, which sets the multipart boundary.
      ...(req.form ? { body: req.form, defaultJson: false } : {}),
      ...(req.qs ? { qs: req.qs } : {}),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };

  const attempt = async <T>(req: HubSpotRequest<T>): Promise<HubSpotReply<T>> => {
    const admission = deps.limiter.admit ? await deps.limiter.admit() : undefined;
    const usedByUs = admission ? admission.used : await deps.limiter.acquire();
    const noteAnswered = () =>
      bestEffort(() => admission?.answered(), 'note the answer in the shared HubSpot rate window');
    const started = performance.now();
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await withTimeout(send(req), deps.timeoutMs, req.endpoint.label);
    } catch (err) {
      await noteAnswered();
      deps.observe?.({
        api: 'hubspot',
        endpoint: req.endpoint.label,
        status: 'network',
        durationMs: elapsed(started),
      });
      throw err instanceof TransientError ? err : networkError(err, req.endpoint.label);
    }
    deps.observe?.({
      api: 'hubspot',
      endpoint: req.endpoint.label,
      status: answer.status,
      durationMs: elapsed(started),
    });
    await noteAnswered();
    slowDownIfSpentElsewhere(answer.headers, usedByUs);
    await learnBudget(answer.headers);
    if (answer.status === 429) {
      const policy = rejectionFrom(429, answer.text).body?.policyName?.toUpperCase();
      if (policy === 'TEN_SECONDLY_ROLLING') {
        await bestEffort(() => deps.limiter.lower?.(), 'lower the HubSpot rate budget');
      }
    }

    if (req.passThrough?.includes(answer.status)) {
      return { ok: false, rejection: rejectionFrom(answer.status, answer.text) };
    }
    const verdict = classifyHubSpotResponse(
      answer.status,
      answer.text,
      answer.headers,
      new Date(),
      req.endpoint.label,
    );
    if (verdict.outcome === 'ok') {
      const parsed = req.schema.safeParse(verdict.body);
      if (!parsed.success) {
        const { field, problem } = firstIssue(parsed.error.issues);
        throw new MalformedResponseError('hubspot', req.endpoint.label, field, problem);
      }
      return { ok: true, status: answer.status, body: parsed.data };
    }
    if (verdict.outcome === 'rejected') return { ok: false, rejection: verdict.rejection };
    if (answer.status === 429 && verdict.error instanceof QuotaExhaustedError) {
      throw await dailyLimitError(verdict.error);
    }
    throw verdict.error;
  };

  return {
    request: (req) => (req.once ? attempt(req) : callWithRetry(() => attempt(req), deps.retry)),
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/**
 * apiRequest takes no AbortSignal, so a hung request is abandoned rather than aborted: the caller gets a
 * TransientError after timeoutMs and the socket closes whenever HubSpot (or the OS) gives up.
 */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientError(`HubSpot did not answer ${label} within ${timeoutMs} ms`, 'timeout')),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
