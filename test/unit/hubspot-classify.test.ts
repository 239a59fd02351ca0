import { describe, expect, it } from '@jest/globals';
import {
  classifyHubSpotResponse,
  missingScopesFrom,
  retryAfterMs,
} from '../../src/connectors/hubspot/errors.ts';
import {
  AuthError,
  MalformedResponseError,
  QuotaExhaustedError,
  RateLimitedError,
  TransientError,
} from '../../src/errors/index.ts';

const NOW = new Date('2026-11-28T15:30:00Z');
const json = (value: unknown) => JSON.stringify(value);

const DAILY = json({
  status: 'error',
  message: 'You have reached your daily limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c0ffee',
  policyName: 'DAILY',
  requestId: 'r1',
});
const TEN_SECONDLY = json({
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c1',
  policyName: 'TEN_SECONDLY_ROLLING',
});
const SECONDLY = json({
  status: 'error',
  message: 'You have reached your secondly limit.',
  errorType: 'RATE_LIMIT',
  policyName: 'SECONDLY',
});
const MISSING_SCOPES = json({
  status: 'error',
  message: "This app hasn't been granted all required scopes to make this call.",
  correlationId: 'c2',
  errors: [
    {
      message: 'One or more of the following scopes are required.',
      context: { requiredGranularScopes: ['crm.schemas.contacts.write'] },
    },
  ],
  category: 'MISSING_SCOPES',
});
const VALIDATION = json({
  status: 'error',
  message:
    'Property values were not valid: [{"isValid":false,"message":"Property \\"foo\\" does not exist"}]',
  correlationId: 'c3',
  category: 'VALIDATION_ERROR',
});

type Expected =
  | { ok: true }
  | { rejected: number; message?: RegExp }
  | { error: new (...args: never[]) => Error; waitMs?: number; message?: RegExp; resetAt?: string };

const rows: [string, number, string, Record<string, string>, Expected][] = [
  ['200 JSON', 200, json({ results: [] }), {}, { ok: true }],
  ['204 empty', 204, '', {}, { ok: true }],
  [
    '200 HTML',
    200,
    '<html><body>Gateway</body></html>',
    {},
    { error: MalformedResponseError, message: /^HubSpot .*body: not JSON/ },
  ],
  [
    '200 truncated JSON',
    200,
    '{"results":[{"id":"1"',
    {},
    { error: MalformedResponseError, message: /^(?!.*results).*body: not JSON/ },
  ],
  ['429 ten-secondly, no Retry-After', 429, TEN_SECONDLY, {}, { error: RateLimitedError, waitMs: 2_000 }],
  [
    '429 ten-secondly with Retry-After',
    429,
    TEN_SECONDLY,
    { 'Retry-After': '3' },
    { error: RateLimitedError, waitMs: 3_000 },
  ],
  ['429 secondly', 429, SECONDLY, {}, { error: RateLimitedError, waitMs: 1_000 }],
  [
    '429 without policy',
    429,
    json({ status: 'error', message: 'Too many' }),
    {},
    { error: RateLimitedError, waitMs: 2_000 },
  ],
  [
    '429 empty body with Retry-After',
    429,
    '',
    { 'retry-after': '7' },
    { error: RateLimitedError, waitMs: 7_000 },
  ],
  // Without the usage endpoint's answer: probe again in an hour (the account's midnight is unknown).
  ['429 DAILY', 429, DAILY, {}, { error: QuotaExhaustedError, resetAt: '2026-11-28T16:30:00.000Z' }],
  ['500', 500, json({ status: 'error', message: 'internal' }), {}, { error: TransientError }],
  ['502 HTML', 502, '<html>Bad gateway</html>', {}, { error: TransientError, message: /502/ }],
  ['503', 503, '', {}, { error: TransientError }],
  ['524', 524, '', {}, { error: TransientError }],
  ['501 is not retried', 501, json({ message: 'Not implemented' }), {}, { rejected: 501 }],
  ['408', 408, '', {}, { error: TransientError }],
  ['423 waits at least 2 s', 423, '', {}, { error: TransientError, waitMs: 2_500 }],
  [
    '477 honours Retry-After seconds',
    477,
    '',
    { 'Retry-After': '30' },
    { error: TransientError, waitMs: 30_000 },
  ],
  [
    '477 for hours parks the queue',
    477,
    '',
    { 'Retry-After': '7200' },
    { error: QuotaExhaustedError, resetAt: '2026-11-28T17:30:00.000Z' },
  ],
  [
    '401',
    401,
    json({
      status: 'error',
      message: 'Authentication credentials not found.',
      category: 'INVALID_AUTHENTICATION',
    }),
    {},
    { error: AuthError, message: /HUBSPOT_ACCESS_TOKEN \(401\)/ },
  ],
  [
    '403 MISSING_SCOPES names the scope',
    403,
    MISSING_SCOPES,
    {},
    { error: AuthError, message: /crm\.schemas\.contacts\.write/ },
  ],
  [
    '403 other',
    403,
    json({ status: 'error', message: 'Forbidden', category: 'FORBIDDEN' }),
    {},
    { rejected: 403, message: /Forbidden/ },
  ],
  ['400 validation', 400, VALIDATION, {}, { rejected: 400, message: /Property values were not valid/ }],
  [
    '400 HTML',
    400,
    '<html>bad</html>',
    {},
    { rejected: 400, message: /^HubSpot answered 400 with an HTML page \(16 bytes\)$/ },
  ],
  [
    '404',
    404,
    json({ status: 'error', message: 'Not found', category: 'OBJECT_NOT_FOUND' }),
    {},
    { rejected: 404 },
  ],
  [
    '409',
    409,
    json({ status: 'error', message: 'Property already exists', category: 'CONFLICT' }),
    {},
    { rejected: 409 },
  ],
];

describe('classifyHubSpotResponse', () => {
  it.each(rows)('%s', (_name, status, body, headers, expected) => {
    const verdict = classifyHubSpotResponse(status, body, headers, NOW);
    if ('ok' in expected) {
      expect(verdict.outcome).toBe('ok');
      return;
    }
    if ('rejected' in expected) {
      expect(verdict).toMatchObject({ outcome: 'rejected', rejection: { status: expected.rejected } });
      if (verdict.outcome === 'rejected' && expected.message) {
        expect(verdict.rejection.message).toMatch(expected.message);
      }
      return;
    }
    expect(verdict.outcome).toBe('error');
    if (verdict.outcome !== 'error') return;
    expect(verdict.error).toBeInstanceOf(expected.error);
    if (expected.waitMs !== undefined) expect(verdict.error).toHaveProperty('waitMs', expected.waitMs);
    if (expected.message) expect(verdict.error.message).toMatch(expected.message);
    if (expected.resetAt) {
      expect((verdict.error as QuotaExhaustedError).resetAt.toISOString()).toBe(expected.resetAt);
    }
  });

  it('keeps the parsed JSON of a 2xx', () => {
    expect(classifyHubSpotResponse(200, '{"a":1}', {}, NOW)).toEqual({
      outcome: 'ok',
      status: 200,
      body: { a: 1 },
    });
  });

  it('never puts the token in a 401 message', () => {
    const verdict = classifyHubSpotResponse(401, '', { authorization: 'Bearer pat-secret' }, NOW);
    expect(verdict.outcome === 'error' && verdict.error.message).not.toMatch(/pat-secret/);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates, and nothing', () => {
    expect(retryAfterMs({ 'Retry-After': '2' }, NOW)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sat, 28 Nov 2026 15:30:05 GMT' }), NOW)).toBe(5000);
    expect(retryAfterMs({}, NOW)).toBeUndefined();
    expect(retryAfterMs({ 'Retry-After': 'soon' }, NOW)).toBeUndefined();
  });
});

describe('missingScopesFrom', () => {
  it('reads context arrays and the "{missingScopes=[…]}" string form', () => {
    expect(
      missingScopesFrom({ errors: [{ context: { requiredGranularScopes: ['a.read', 'b.write'] } }] }),
    ).toEqual(['a.read', 'b.write']);
    expect(missingScopesFrom({ errors: [{ context: '{missingScopes=[scope1, scope2]}' }] })).toEqual([
      'scope1',
      'scope2',
    ]);
    expect(missingScopesFrom({ message: 'no scopes here' })).toEqual([]);
  });
});
