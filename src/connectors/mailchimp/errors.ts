/**
 * Translates what the SDK (superagent 3.8.1) rejects with into the error taxonomy. Shapes, verified against the
 * SDK source: HTTP errors carry `status` and `response.{body,text}`; a body that is not valid JSON rejects with
 * a SyntaxError carrying `statusCode` and `rawResponse`; network errors and timeouts carry only `code`.
 */
import {
  AuthError,
  ConfigError,
  MalformedResponseError,
  RateLimitedError,
  SyncError,
  TransientError,
  errorMessage,
} from '../../errors/index.ts';
import { problemSchema } from './schemas.ts';

/** Where a failed call was going, for messages a user can act on. */
export interface CallContext {
  /** e.g. "GET /lists/{list_id}/members" */
  endpoint: string;
  audienceId?: string | undefined;
}

interface SdkErrorShape {
  status?: unknown;
  statusCode?: unknown;
  code?: unknown;
  timeout?: unknown;
  response?: { body?: unknown; text?: unknown } | undefined;
}

/** The HTTP status a rejection carries, or undefined when no response arrived. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, statusCode } = err as SdkErrorShape;
  if (typeof status === 'number') return status;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

function problemOf(err: SdkErrorShape): { title?: string; detail?: string } | undefined {
  const parsed = problemSchema.safeParse(err.response?.body);
  if (!parsed.success) return undefined;
  const { title, detail } = parsed.data;
  return title === undefined && detail === undefined ? undefined : { title, detail };
}

function describeProblem(status: number, problem: { title?: string; detail?: string } | undefined): string {
  const parts = [problem?.title, problem?.detail].filter(Boolean).join(': ');
  return parts ? `${status} ${parts}` : String(status);
}

/**
 * A 403 without a problem document: Mailchimp's own throttling at high volume sends one, and so does a proxy or
 * firewall in between. https://mailchimp.com/developer/marketing/docs/fundamentals/#api-limits
 */
export function isBareForbidden(err: unknown): boolean {
  if (statusOf(err) !== 403) return false;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  return problemOf(shape) === undefined;
}

/** Mailchimp documents no Retry-After; a short jittered pause lets the 10 connections free up. */
export function rateLimitWaitMs(): number {
  return 1000 + Math.floor(Math.random() * 1000);
}

function fromStatus(status: number, err: SdkErrorShape, call: CallContext): SyncError {
  const problem = problemOf(err);
  const what = `Mailchimp answered ${describeProblem(status, problem)} to ${call.endpoint}`;
  if (status === 401 || (status === 403 && problem)) {
    return new AuthError(
      `${what}. Check MAILCHIMP_API_KEY (a valid key ending in its datacenter, e.g. …-us6) and that ` +
        'MAILCHIMP_BASE_URL, if set, points at that datacenter.',
      'mailchimp',
    );
  }
  // A 403 without a problem body is Mailchimp's throttling signal at high volume, like a 429
  // (https://mailchimp.com/developer/marketing/docs/fundamentals/).
  if (status === 429 || status === 403) {
    return new RateLimitedError(`${what}: too many connections, waiting.`, 'mailchimp', rateLimitWaitMs());
  }
  if (status === 404) {
    return call.audienceId !== undefined
      ? new ConfigError(
          `Mailchimp audience ${call.audienceId} not found: check --audience (the audience ID is under ` +
            'Audience → Settings → Audience name and defaults).',
        )
      : new ConfigError(`${what}: check MAILCHIMP_BASE_URL.`);
  }
  if (status >= 500 || status === 408 || status === 423) {
    return new TransientError(`${what}; retrying.`, `status_code_${status}`);
  }
  return new ConfigError(`${what}. This request cannot succeed as sent; please report it.`);
}

/** Any rejection of an SDK call as a SyncError. */
export function toSyncError(err: unknown, call: CallContext): SyncError {
  if (err instanceof SyncError) return err;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  if (err instanceof SyntaxError) {
    const status = statusOf(err);
    if (status !== undefined && (status < 200 || status >= 300)) return fromStatus(status, shape, call);
    return new MalformedResponseError('mailchimp', call.endpoint, 'body', 'not JSON (truncated or not JSON)');
  }
  if (typeof shape.status === 'number') return fromStatus(shape.status, shape, call);
  if (shape.timeout !== undefined || shape.code === 'ECONNABORTED') {
    return new TransientError(`Mailchimp did not answer ${call.endpoint} in time; retrying.`, 'timeout');
  }
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  return new TransientError(
    `Could not reach Mailchimp for ${call.endpoint} (${code ?? errorMessage(err)}); retrying.`,
    code ? `network_${code}` : 'network_error',
  );
}
