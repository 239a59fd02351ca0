import type { AxiosResponse } from 'axios';
import type { z } from 'zod';
import type { ApiCallObserver } from '../../core/ports.ts';
import {
  AuthError,
  ConfigError,
  MalformedResponseError,
  QuotaExhaustedError,
  firstIssue,
  RateLimitedError,
  TransientError,
} from '../../errors/index.ts';
import { callWithRetry, type RetryOptions } from '../../http/retry.ts';
import { nextUtcMidnight } from '../../lib/time.ts';
import type { CcTokenProvider } from './auth.ts';
import { CC_THROTTLED_WAIT_MS } from './limits.ts';
import { apiErrorSchema } from './schemas.ts';
import { createCcAxios, NetworkFailure, observedRequest } from './observed.ts';

export interface CcHttpDeps {
  baseUrl: string;
  timeoutMs: number;
  tokens: CcTokenProvider;
  /** The per-application limit shared by every worker (SharedRateLimiter). */
  limiter: { acquire(): Promise<unknown> };
  observe?: ApiCallObserver;
  retry?: RetryOptions;
  now?: () => Date;
}

/** Either a path under the base URL with query parameters, or a `_links.next.href` as Constant Contact sent it. */
export type CcTarget = { path: string; params?: Record<string, string> } | { href: string };

/**
 * `_links.next.href` is host-relative ("/v3/contacts?cursor=…"): resolve it against the ORIGIN of the base URL.
 * A link to another host is refused: the bearer token must never leave Constant Contact.
 */
export function resolveNextHref(href: string, baseUrl: string): string {
  const origin = new URL(baseUrl).origin;
  const url = new URL(href, origin);
  if (url.origin !== origin) {
    throw new ConfigError(
      `Constant Contact sent a next-page link to another host (${url.host}); refusing to follow it.`,
    );
  }
  return url.toString();
}

export function targetUrl(target: CcTarget, baseUrl: string): string {
  if ('href' in target) return resolveNextHref(target.href, baseUrl);
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${target.path}`);
  for (const [name, value] of Object.entries(target.params ?? {})) url.searchParams.set(name, value);
  return url.toString();
}

/** The first error_key / error_message of a Constant Contact error body, array or object shaped. */
export function parseApiError(body: string): { key: string | null; message: string | null } {
  try {
    const parsed = apiErrorSchema.safeParse(JSON.parse(body));
    if (!parsed.success) return { key: null, message: null };
    const first = Array.isArray(parsed.data) ? parsed.data[0] : parsed.data;
    return { key: first?.error_key ?? null, message: first?.error_message?.slice(0, 200) ?? null };
  } catch {
    return { key: null, message: null };
  }
}

/** The taxonomy error for a non-2xx, non-401 answer. */
export function ccHttpError(status: number, body: string, endpoint: string, now: Date): Error {
  const { key, message } = parseApiError(body);
  const detail = [key, message].filter(Boolean).join(': ');
  if (status === 429 && key === 'quota_exceeded') {
    const resetAt = nextUtcMidnight(now);
    return new QuotaExhaustedError(
      `Constant Contact's daily request quota for this application is used up; it resets at ${resetAt.toISOString()}.`,
      'constant-contact',
      resetAt,
    );
  }
  if (status === 429) {
    return new RateLimitedError(
      `Constant Contact throttled ${endpoint} (${detail || 'too many requests'}).`,
      'constant-contact',
      CC_THROTTLED_WAIT_MS,
    );
  }
  if (status === 403) {
    return new AuthError(
      `Constant Contact refused ${endpoint} (403${detail ? ` ${detail}` : ''}): the app needs the contact_data scope and the user the contacts:read privilege, or the app is deactivated. Run \`esp-sync auth constant-contact\` to authorise it with contact_data.`,
      'constant-contact',
    );
  }
  if (status >= 500 || status === 408 || status === 423) {
    return new TransientError(
      `Constant Contact answered ${status} for ${endpoint}${detail ? ` (${detail})` : ''}; will try again.`,
      `status_code_${status}`,
    );
  }
  return new ConfigError(
    `Constant Contact rejected ${endpoint} (${status}${detail ? ` ${detail}` : ''}). Check CONSTANT_CONTACT_BASE_URL; if it is right, this is a bug in the request the tool built.`,
  );
}

/**
 * JSON of a 2xx answer, validated. HTML, truncated JSON or a wrong shape are a MalformedResponseError: sent once
 * more (a cut connection), then the call fails naming the first offending field, never the body.
 */
export function parseCcBody<S extends z.ZodType>(
  res: { headers: Record<string, unknown>; data: string },
  endpoint: string,
  schema: S,
): z.infer<S> {
  const header = res.headers['content-type'];
  const contentType = typeof header === 'string' ? header : '';
  if (!/json/i.test(contentType)) {
    const what = contentType ? contentType.split(';')[0]!.trim() : 'no content type';
    throw new MalformedResponseError('constant-contact', endpoint, 'body', `${what}, not JSON`);
  }
  let json: unknown;
  try {
    json = JSON.parse(res.data);
  } catch {
    throw new MalformedResponseError('constant-contact', endpoint, 'body', 'truncated or invalid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const { field, problem } = firstIssue(parsed.error.issues);
    throw new MalformedResponseError('constant-contact', endpoint, field, problem);
  }
  return parsed.data;
}

/**
 * A 401 means "refresh and try again". Another worker refreshing at the same moment can make the token we just
 * fetched stale before our request lands, so a few refreshes are allowed before the token counts as refused; a
 * revoked app fails sooner, at the refresh itself (invalid_grant).
 */
const MAX_REFRESHES_ON_401 = 5;

/** The Constant Contact v3 HTTP layer: limiter, bearer token, a few 401 refreshes, taxonomy errors, one retry layer. */
export function createCcHttp(deps: CcHttpDeps) {
  const http = createCcAxios(deps.timeoutMs);
  const now = deps.now ?? (() => new Date());

  async function send(url: string, token: string, endpoint: string): Promise<AxiosResponse<string>> {
    try {
      return await observedRequest(deps.observe, endpoint, () =>
        http.get<string>(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }),
      );
    } catch (err) {
      if (!(err instanceof NetworkFailure)) throw err;
      const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
      throw new TransientError(
        `Constant Contact did not answer ${endpoint} (${timedOut ? `timeout after ${deps.timeoutMs} ms` : err.code}); will try again.`,
        timedOut ? 'timeout' : 'network_error',
      );
    }
  }

  async function attempt<S extends z.ZodType>(url: string, endpoint: string, schema: S): Promise<z.infer<S>> {
    for (let refreshes = 0; ; refreshes++) {
      // The token first: a refresh (the first request of a run) takes a round trip, and a request admitted
      // before it would reach Constant Contact that much later, in the same second as requests admitted a
      // second after it. CC counts requests when they arrive:
      // https://developer.constantcontact.com/api_guide/rate_limits.html
      await deps.tokens.accessToken();
      await deps.limiter.acquire();
      // While this request waited for its turn, a sibling's 401 may have replaced the token: take the current one
      // (from memory; a refresh here is rare), so a queue of waiting requests does not spend its refreshes on
      // one stale token.
      const token = await deps.tokens.accessToken();
      const res = await send(url, token, endpoint);
      if (res.status === 401) {
        deps.tokens.invalidate(token);
        if (refreshes < MAX_REFRESHES_ON_401) continue;
        throw new AuthError(
          `Constant Contact refused a freshly refreshed access token for ${endpoint} (401). Run \`esp-sync auth constant-contact\` to authorise the app again.`,
          'constant-contact',
        );
      }
      if (res.status >= 200 && res.status < 300) {
        return parseCcBody({ headers: res.headers, data: res.data }, endpoint, schema);
      }
      throw ccHttpError(res.status, res.data, endpoint, now());
    }
  }

  return {
    /** GET and validate; `endpoint` is the stable label reported to the observer, e.g. "GET /contacts". */
    async get<S extends z.ZodType>(target: CcTarget, endpoint: string, schema: S): Promise<z.infer<S>> {
      const url = targetUrl(target, deps.baseUrl);
      return callWithRetry(() => attempt(url, endpoint, schema), deps.retry);
    },
  };
}
export type CcHttp = ReturnType<typeof createCcHttp>;
