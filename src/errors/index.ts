import type { ApiName } from '../core/contact.ts';

/**
 * The error taxonomy. Each class is named after what the caller must do:
 * retry (TransientError), wait (RateLimitedError, QuotaExhaustedError) or stop (AuthError, ConfigError,
 * RecordValidationError). Connectors translate every HTTP or network failure into one of these.
 */
export abstract class SyncError extends Error {
  abstract readonly kind:
    | 'transient'
    | 'rate_limited'
    | 'quota'
    | 'auth'
    | 'config'
    | 'invalid_record'
    | 'runtime'
    | 'malformed_response';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 5xx, 423, timeouts, resets: try again after a backoff. */
export class TransientError extends SyncError {
  readonly kind = 'transient';
  readonly reason: string;
  readonly waitMs: number | undefined;
  constructor(message: string, reason: string, waitMs?: number, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.waitMs = waitMs;
  }
}

/**
 * A 2xx answer that cannot be read: not JSON, truncated, or not the shape the API documents. Not transient: it is
 * retried once (a cut connection), then the work stops with where it went wrong. The message names the vendor,
 * the endpoint and the first offending field, never the body (it may hold personal data).
 */
export class MalformedResponseError extends SyncError {
  readonly kind = 'malformed_response';
  readonly api: ApiName;
  readonly endpoint: string;
  /** Dot path of the first field that did not match (e.g. "results.0.id"), or "body" when it is not JSON. */
  readonly field: string;
  constructor(api: ApiName, endpoint: string, field: string, problem: string) {
    super(
      `${VENDOR_NAMES[api]} sent an answer to ${endpoint} that cannot be read (${field}: ${problem}). ` +
        'Sent again once, then stopped: if it persists, report it with the run id.',
    );
    this.api = api;
    this.endpoint = endpoint;
    this.field = field;
  }
}

const VENDOR_NAMES: Record<ApiName, string> = {
  hubspot: 'HubSpot',
  mailchimp: 'Mailchimp',
  'constant-contact': 'Constant Contact',
};

/** The first zod issue as a field path and a message; neither holds the value that was sent. */
export function firstIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): {
  field: string;
  problem: string;
} {
  const issue = issues[0];
  if (!issue) return { field: 'body', problem: 'unexpected shape' };
  return { field: issue.path.map(String).join('.') || 'body', problem: issue.message };
}

/** A short rate-limit window (HubSpot ten-secondly, Constant Contact throttled, Mailchimp 429): wait, not a failure. */
export class RateLimitedError extends SyncError {
  readonly kind = 'rate_limited';
  readonly api: ApiName;
  readonly waitMs: number;
  constructor(message: string, api: ApiName, waitMs: number) {
    super(message);
    this.api = api;
    this.waitMs = waitMs;
  }
}

/** A daily quota is used up: park the source's jobs until resetAt instead of burning retries. */
export class QuotaExhaustedError extends SyncError {
  readonly kind = 'quota';
  readonly api: ApiName;
  readonly resetAt: Date;
  constructor(message: string, api: ApiName, resetAt: Date) {
    super(message);
    this.api = api;
    this.resetAt = resetAt;
  }
}

/** Bad or revoked credentials, or a missing scope: stop the run; a person must act. */
export class AuthError extends SyncError {
  readonly kind = 'auth';
  readonly api: ApiName;
  constructor(message: string, api: ApiName) {
    super(message);
    this.api = api;
  }
}

/** Missing or invalid configuration, or a bad command-line argument. */
export class ConfigError extends SyncError {
  readonly kind = 'config';
}

/** One record the API (or our own validation) refuses; only that record fails, never retried. */
export class RecordValidationError extends SyncError {
  readonly kind = 'invalid_record';
  readonly recordKey: string;
  constructor(message: string, recordKey: string) {
    super(message);
    this.recordKey = recordKey;
  }
}

/** The environment failed at run time (Redis unreachable, a run that does not exist): exit code 3. */
export class RuntimeError extends SyncError {
  readonly kind = 'runtime';
}

export type { ApiName };

export function isSyncError(err: unknown): err is SyncError {
  return err instanceof SyncError;
}

/** A message safe to show a user for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
