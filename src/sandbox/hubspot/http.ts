/**
 * HubSpot-shaped responses: the error envelope every HubSpot API shares, batch envelopes, and JSON body parsing
 * that fails the way HubSpot does on malformed input.
 */
import { randomUUID } from 'node:crypto';
import { json } from '../kit.ts';
import type { SandboxRequest, SandboxResponse } from '../kit.ts';

export interface ErrorExtras {
  subCategory?: string;
  context?: Record<string, unknown>;
  errors?: unknown[];
  links?: Record<string, string>;
}

/** `{status:'error', message, correlationId, category, …}`: the top-level 4xx/5xx body of every HubSpot API. */
export function hsError(
  status: number,
  category: string,
  message: string,
  extras: ErrorExtras = {},
): SandboxResponse {
  return json(status, { status: 'error', message, correlationId: randomUUID(), category, ...extras });
}

export const validationError = (message: string, extras: ErrorExtras = {}): SandboxResponse =>
  hsError(400, 'VALIDATION_ERROR', message, extras);

export const notFound = (message = 'resource not found'): SandboxResponse =>
  hsError(404, 'OBJECT_NOT_FOUND', message);

export type BodyResult = { ok: true; value: unknown } | { ok: false; response: SandboxResponse };

/**
 * The JSON body. The composing server may or may not have parsed it already, so fall back to rawBody and
 * answer a malformed body with HubSpot's "Invalid input JSON" 400.
 */
export function readJsonBody(req: SandboxRequest): BodyResult {
  if (req.body !== undefined) return { ok: true, value: req.body };
  if (req.rawBody.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(req.rawBody.toString('utf8')) as unknown };
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'unparseable body';
    return { ok: false, response: validationError(`Invalid input JSON on line 1: ${detail}`) };
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const requiredFieldsMissing = (fields: string[]): SandboxResponse =>
  validationError(`Some required fields were not set: [${fields.join(', ')}]`);

export interface BatchEnvelope<T> {
  status: 'COMPLETE';
  results: T[];
  startedAt: string;
  completedAt: string;
  numErrors?: number;
  errors?: unknown[];
}

/** 200/201 when every input succeeded, 207 with `numErrors` and `errors` otherwise. */
export function batchResponse<T>(
  okStatus: number,
  startedAt: number,
  results: T[],
  errors: unknown[],
  now: number,
): SandboxResponse {
  const body: BatchEnvelope<T> = {
    status: 'COMPLETE',
    results,
    startedAt: new Date(startedAt).toISOString(),
    completedAt: new Date(now).toISOString(),
  };
  if (errors.length === 0) return json(okStatus, body);
  return json(207, { ...body, numErrors: errors.length, errors });
}

/** One entry of a batch `errors[]` (HubSpot's StandardError). */
export function standardError(
  category: string,
  message: string,
  context: Record<string, string[]>,
  subCategory?: string,
): Record<string, unknown> {
  return {
    status: 'error',
    category,
    ...(subCategory ? { subCategory } : {}),
    message,
    context,
    errors: [],
    links: {},
  };
}

/**
 * A strict but practical email check: one @, a dotted domain, no whitespace. HubSpot refuses padded or
 * spaced addresses, so this does not trim.
 */
const LOCAL = /^[^\s@"(),:;<>[\\\]]+$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;
export function isValidEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.length > 254) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return false;
  }
  return DOMAIN.test(domain);
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Optional fields of error bodies and batch envelopes that HubSpot may send as null instead of leaving out. */
const OPTIONAL_ERROR_FIELDS = ['subCategory', 'context', 'errors', 'links'];
const OPTIONAL_BATCH_FIELDS = ['numErrors', 'errors', 'links', 'requestedAt'];
const OPTIONAL_RECORD_FIELDS = ['archivedAt', 'propertiesWithHistory'];

/**
 * Sends a response's optional fields the chosen way: `null` fills every absent optional field with null,
 * `omit` leaves them out (and drops requested properties that have no value).
 */
export function shapeOptionalFields(response: SandboxResponse, mode: 'null' | 'omit'): SandboxResponse {
  const body = response.body;
  if (!isRecord(body)) return response;
  const out: Record<string, unknown> = { ...body };
  const fill = (target: Record<string, unknown>, fields: string[]) => {
    for (const field of fields) if (!(field in target)) target[field] = null;
  };
  if (body.status === 'error') {
    if (mode === 'null') fill(out, OPTIONAL_ERROR_FIELDS);
  } else if (Array.isArray(body.results)) {
    if (mode === 'null') fill(out, OPTIONAL_BATCH_FIELDS);
    out.results = body.results.map((result: unknown) => {
      if (!isRecord(result) || !isRecord(result.properties)) return result;
      const record: Record<string, unknown> = { ...result };
      if (mode === 'null') fill(record, OPTIONAL_RECORD_FIELDS);
      else {
        record.properties = Object.fromEntries(
          Object.entries(result.properties).filter(([, value]) => value !== null),
        );
      }
      return record;
    });
  }
  return { ...response, body: out };
}
