/**
 * The one way the sink talks to HubSpot: `@hubspot/api-client`'s `apiRequest` (raw Response, never throws on a
 * status) behind the shared rate limiter, a timeout, classification and exactly one `callWithRetry`.
 */
import { Client } from '@hubspot/api-client';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { HubSpotConfig } from '../../config/env.ts';
import type { ApiCallObserver } from '../../core/ports.ts';
import { MalformedResponseError, TransientError, firstIssue } from '../../errors/index.ts';
import { callWithRetry, type RetryOptions } from '../../http/retry.ts';
import {
  classifyHubSpotResponse,
  headerValue,
  networkError,
  rejectionFrom,
  type HubSpotRejection,
} from './errors.ts';
import type { Endpoint } from './versions.ts';

export interface HubSpotLimiter {
  /** May resolve with the requests in the current window (this one included) as our limiter counts them. */
  acquire(): Promise<number | void>;
  slowDown(factor: number, forMs: number): void;
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
}

export type HubSpotReply<T> =
  { ok: true; status: number; body: T } | { ok: false; rejection: HubSpotRejection };

export interface HubSpotTransportDeps {
  limiter: HubSpotLimiter;
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

  const send = async (
    req: HubSpotRequest<unknown>,
  ): Promise<{ status: number; text: string; headers: Headers }> => {
    const response = await client.apiRequest({
      method: req.endpoint.method,
      path: req.endpoint.path,
      ...(req.body === undefined ? {} : { body: req.body }),
      ...(req.qs ? { qs: req.qs } : {}),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };

  const attempt = async <T>(req: HubSpotRequest<T>): Promise<HubSpotReply<T>> => {
    const usedByUs = await deps.limiter.acquire();
    const started = performance.now();
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await withTimeout(send(req), deps.timeoutMs, req.endpoint.label);
    } catch (err) {
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
    slowDownIfSpentElsewhere(answer.headers, usedByUs);

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
    throw verdict.error;
  };

  return { request: (req) => callWithRetry(() => attempt(req), deps.retry) };
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
