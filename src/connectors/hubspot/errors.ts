/**
 * Turns a HubSpot HTTP answer into the error taxonomy (src/errors). Pure: status, body text and headers in,
 * a verdict out, so every row of the table is a unit test. Statuses and 429 bodies:
 * https://developers.hubspot.com/docs/api-reference/error-handling and
 * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
 */
import {
  AuthError,
  MalformedResponseError,
  QuotaExhaustedError,
  RateLimitedError,
  TransientError,
  type SyncError,
} from '../../errors/index.ts';
import { hubSpotErrorSchema, type HubSpotErrorBody } from './schemas.ts';

export type HeaderBag = Headers | Record<string, string | undefined>;

/** A 4xx the caller decides about (a batch to split, a record to fail, a 403 to fall back from). */
export interface HubSpotRejection {
  status: number;
  message: string;
  category: string | undefined;
  body: HubSpotErrorBody | undefined;
}

export type HubSpotVerdict =
  | { outcome: 'ok'; status: number; body: unknown }
  | { outcome: 'rejected'; rejection: HubSpotRejection }
  | { outcome: 'error'; error: SyncError };

/**
 * After a ten-secondly 429 the oldest requests of the rolling window leave it within moments; two seconds and
 * another try (not counted as a failure) beats sitting out a whole window.
 */
const TEN_SECONDLY_WAIT = 2_000;
const ONE_SECOND = 1_000;
/** How long a DAILY 429 pauses when HubSpot does not say when the account's day ends. */
const DAILY_PROBE_MS = 60 * 60_000;
/** "Locks will last for 2 seconds" (423); a little more so the lock is surely gone. */
const LOCK_WAIT_MS = 2_500;
/** Longer 477 waits park the queue (QuotaExhaustedError) instead of sleeping in a worker; HubSpot says up to 24 h. */
const MAX_MIGRATION_SLEEP_MS = 5 * 60_000;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: HeaderBag, now: Date = new Date()): number | undefined {
  const raw = headerValue(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * What an answer that is not a HubSpot error body looked like, without its content: a body may hold personal
 * data, and these messages end up in logs and in the per-record reasons of a run.
 */
function describeBody(text: string): string {
  if (text.trim() === '') return 'an empty body';
  return /^\s*</.test(text) ? `an HTML page (${text.length} bytes)` : `a body of ${text.length} bytes`;
}

/** Scope names HubSpot lists in a MISSING_SCOPES body (context arrays or the "{missingScopes=[a, b]}" string). */
export function missingScopesFrom(body: HubSpotErrorBody | undefined): string[] {
  if (!body) return [];
  const found = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      if (/scope/i.test(key)) for (const v of value) if (typeof v === 'string') found.add(v);
      return;
    }
    if (typeof value === 'string') {
      for (const match of value.matchAll(/scopes?=\[([^\]]*)\]/gi)) {
        for (const s of (match[1] ?? '').split(',')) if (s.trim()) found.add(s.trim());
      }
      return;
    }
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(body.context, 'context');
  for (const item of body.errors ?? []) visit(item.context, 'context');
  return [...found];
}

function authError(status: number, body: HubSpotErrorBody | undefined): AuthError {
  if (status === 401) {
    return new AuthError(
      'HubSpot rejected HUBSPOT_ACCESS_TOKEN (401): check the token is a current private-app or service-key ' +
        'token of the right HubSpot account, then set it again in .env.',
      'hubspot',
    );
  }
  const scopes = missingScopesFrom(body);
  const which = scopes.length > 0 ? `the scope(s) ${scopes.join(', ')}` : 'a scope this call needs';
  return new AuthError(
    `HubSpot refused the call (403 MISSING_SCOPES): the app behind HUBSPOT_ACCESS_TOKEN lacks ${which}. ` +
      'Add the scope to the private app or service key and set the new token.',
    'hubspot',
  );
}

function rateLimitError(body: HubSpotErrorBody | undefined, headers: HeaderBag, now: Date): SyncError {
  const policy = body?.policyName?.toUpperCase();
  if (policy === 'DAILY') {
    // HubSpot resets the daily limit at midnight in the ACCOUNT's time zone, which this answer does not tell.
    // The transport asks the usage endpoint for the reset; without it, writes pause for an hour and the next
    // call probes whether the daily remaining count has recovered (one refused call an hour at most).
    const resetAt = new Date(now.getTime() + DAILY_PROBE_MS);
    return new QuotaExhaustedError(
      `HubSpot's daily API limit is used up (429 DAILY); trying again at ${resetAt.toISOString()}.`,
      'hubspot',
      resetAt,
    );
  }
  const secondly = policy === 'SECONDLY' || /secondly limit/i.test(body?.message ?? '');
  const fallback = secondly && policy !== 'TEN_SECONDLY_ROLLING' ? ONE_SECOND : TEN_SECONDLY_WAIT;
  const waitMs = retryAfterMs(headers, now) ?? fallback;
  return new RateLimitedError(
    `HubSpot rate limit reached (429 ${policy ?? 'no policy'}); waiting ${waitMs} ms.`,
    'hubspot',
    waitMs,
  );
}

function transientForStatus(status: number, headers: HeaderBag, text: string, now: Date): SyncError {
  if (status === 423) {
    return new TransientError(
      'HubSpot locked the records for a moment (423); retrying.',
      'hubspot_locked',
      LOCK_WAIT_MS,
    );
  }
  if (status === 477) {
    const waitMs = retryAfterMs(headers, now) ?? 60_000;
    if (waitMs > MAX_MIGRATION_SLEEP_MS) {
      return new QuotaExhaustedError(
        `HubSpot is migrating this account (477); it asked to wait ${Math.round(waitMs / 60_000)} min.`,
        'hubspot',
        new Date(now.getTime() + waitMs),
      );
    }
    return new TransientError(
      'HubSpot is migrating this account (477); retrying.',
      'hubspot_migration',
      waitMs,
    );
  }
  return new TransientError(`HubSpot answered ${status} with ${describeBody(text)}`, `status_code_${status}`);
}

/** Classifies one HubSpot HTTP answer. `body` is the raw response text; `endpoint` the call's label. */
export function classifyHubSpotResponse(
  status: number,
  body: string,
  headers: HeaderBag,
  now: Date = new Date(),
  endpoint = 'a HubSpot endpoint',
): HubSpotVerdict {
  const parsed = parseJson(body);
  if (status >= 200 && status < 300) {
    if (!parsed.ok) {
      return {
        outcome: 'error',
        error: new MalformedResponseError('hubspot', endpoint, 'body', `not JSON, ${describeBody(body)}`),
      };
    }
    return { outcome: 'ok', status, body: parsed.value };
  }
  const errorBody = parsed.ok ? hubSpotErrorSchema.safeParse(parsed.value).data : undefined;
  if (status === 429) return { outcome: 'error', error: rateLimitError(errorBody, headers, now) };
  if (status === 401) return { outcome: 'error', error: authError(401, errorBody) };
  if (status === 403 && errorBody?.category === 'MISSING_SCOPES') {
    return { outcome: 'error', error: authError(403, errorBody) };
  }
  if (status === 408 || status === 423 || status === 477 || (status >= 500 && status !== 501)) {
    return { outcome: 'error', error: transientForStatus(status, headers, body, now) };
  }
  if (status < 400) return { outcome: 'error', error: transientForStatus(status, headers, body, now) };
  return { outcome: 'rejected', rejection: rejectionFrom(status, body) };
}

/** The caller-facing form of an error answer: HubSpot's message when it sent one, else the status and a snippet. */
export function rejectionFrom(status: number, text: string): HubSpotRejection {
  const parsed = parseJson(text);
  const body = parsed.ok ? hubSpotErrorSchema.safeParse(parsed.value).data : undefined;
  return {
    status,
    message: body?.message ?? `HubSpot answered ${status} with ${describeBody(text)}`,
    category: body?.category,
    body,
  };
}

/** A request that got no answer: refused, reset, DNS, or our own timeout. */
export function networkError(err: unknown, label: string): TransientError {
  // Duck-typed: fetch's errors may come from another realm (jest), where `instanceof Error` is false.
  const field = (value: unknown, name: 'code' | 'message' | 'cause'): unknown =>
    value && typeof value === 'object' && name in value
      ? (value as Record<string, unknown>)[name]
      : undefined;
  const cause = field(err, 'cause');
  const code = field(cause, 'code') ?? field(err, 'code') ?? field(cause, 'message');
  const message = field(err, 'message');
  const detail = [
    typeof message === 'string' ? message : String(err),
    typeof code === 'string' ? code : undefined,
  ]
    .filter(Boolean)
    .join(': ');
  return new TransientError(
    `HubSpot could not be reached (${label}): ${detail}`,
    'network_error',
    undefined,
    {
      cause: err,
    },
  );
}

/**
 * A 403 where the caller knows which scope the call needs: HubSpot's own list when the body has one,
 * else the caller's. Used where no fallback is left, so a person must add the scope.
 */
export function scopeError(rejection: HubSpotRejection, action: string, scope: string): AuthError {
  const scopes = missingScopesFrom(rejection.body);
  return new AuthError(
    `HubSpot refused to ${action} (403): the app behind HUBSPOT_ACCESS_TOKEN needs the scope ` +
      `${scopes.length > 0 ? scopes.join(', ') : scope}. Add it to the private app or service key and set the new token.`,
    'hubspot',
  );
}
