import type { SandboxResponse } from '../kit.ts';
import { json } from '../kit.ts';

/** Constant Contact's usual error body: an array of {error_key, error_message}. */
export const ccErrors = (status: number, errorKey: string, message: string): SandboxResponse =>
  json(status, [{ error_key: errorKey, error_message: message }]);

/** Auth errors and 429s come back as a single object rather than an array. */
export const ccError = (status: number, errorKey: string, message: string): SandboxResponse =>
  json(status, { error_key: errorKey, error_message: message });

export const unauthorized = (): SandboxResponse => ccError(401, 'unauthorized', 'Unauthorized');
export const throttled = (): SandboxResponse => ccError(429, 'throttled', 'Too Many Requests');
export const quotaExceeded = (): SandboxResponse => ccError(429, 'quota_exceeded', 'Limit Exceeded');

export const invalidParam = (name: string, message: string): SandboxResponse =>
  ccErrors(400, 'query.param.invalid', `The value of query parameter '${name}' is invalid: ${message}`);

export const serverError = (status: number): SandboxResponse =>
  status === 500
    ? ccErrors(500, 'server_error', 'There was a problem with our internal service.')
    : ccErrors(status, 'service_unavailable', 'Our internal service is temporarily unavailable.');

/** Okta (authz.constantcontact.com) token-endpoint errors: {error, error_description}. */
export const oauthError = (status: number, error: string, description: string): SandboxResponse =>
  json(
    status,
    { error, error_description: description },
    { 'cache-control': 'no-store', pragma: 'no-cache' },
  );
