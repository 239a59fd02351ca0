import type { ApiName } from '../core/contact.ts';

/**
 * The error taxonomy. Each class is named after what the caller must do:
 * retry (TransientError), wait (RateLimitedError, QuotaExhaustedError) or stop (AuthError, ConfigError,
 * RecordValidationError). Connectors translate every HTTP or network failure into one of these.
 */
export abstract class SyncError extends Error {
  abstract readonly kind:
    'transient' | 'rate_limited' | 'quota' | 'auth' | 'config' | 'invalid_record' | 'runtime';
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
