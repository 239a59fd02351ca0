import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { ApiCallObserver } from '../../core/ports.ts';
import { oauthErrorSchema } from './schemas.ts';

/**
 * The one axios setup of every Constant Contact call (token endpoint, device flow, API): no redirects, the body
 * as text and every status returned instead of thrown, so each caller checks the status and validates the body
 * itself, and no axios error (which carries the credentials) leaves this folder.
 */
export function createCcAxios(timeoutMs: number): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
}

/**
 * Sends one request and reports it to the observer: its status, or "network" when no response came. On a
 * network failure it rethrows only the axios error code, never the error itself: an axios error carries the
 * request config, which holds the Authorization header or the client secret.
 */
export async function observedRequest(
  observe: ApiCallObserver | undefined,
  endpoint: string,
  send: () => Promise<AxiosResponse<string>>,
  now: () => number = Date.now,
): Promise<AxiosResponse<string>> {
  const started = now();
  try {
    const res = await send();
    observe?.({ api: 'constant-contact', endpoint, status: res.status, durationMs: now() - started });
    return res;
  } catch (err) {
    observe?.({ api: 'constant-contact', endpoint, status: 'network', durationMs: now() - started });
    throw new NetworkFailure(axios.isAxiosError(err) ? (err.code ?? 'network error') : 'network error');
  }
}

export interface OAuthError {
  error: string | null;
  description: string | null;
}

/**
 * The `error` and `error_description` of an OAuth error answer
 * (https://www.rfc-editor.org/rfc/rfc6749#section-5.2), or nulls when the body is not one.
 */
export function oauthErrorOf(res: AxiosResponse<string>): OAuthError {
  try {
    const parsed = oauthErrorSchema.safeParse(JSON.parse(res.data));
    if (parsed.success) {
      return { error: parsed.data.error, description: parsed.data.error_description ?? null };
    }
  } catch {
    // not JSON: fall through
  }
  return { error: null, description: null };
}

/** No response arrived; `code` is the axios/Node error code (ECONNRESET, ECONNABORTED, …). */
export class NetworkFailure extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}
