import axios, { type AxiosResponse } from 'axios';
import type { ApiCallObserver } from '../../core/ports.ts';

/**
 * Sends one request and reports it to the observer: its status, or "network" when no response came. On a
 * network failure it rethrows only the axios error code, never the error itself: an axios error carries the
 * request config, which holds the Authorization header or the client secret.
 */
export async function observedRequest(
  observe: ApiCallObserver | undefined,
  endpoint: string,
  send: () => Promise<AxiosResponse<string>>,
): Promise<AxiosResponse<string>> {
  const started = Date.now();
  try {
    const res = await send();
    observe?.({ api: 'constant-contact', endpoint, status: res.status, durationMs: Date.now() - started });
    return res;
  } catch (err) {
    observe?.({ api: 'constant-contact', endpoint, status: 'network', durationMs: Date.now() - started });
    throw new NetworkFailure(axios.isAxiosError(err) ? (err.code ?? 'network error') : 'network error');
  }
}

/** No response arrived; `code` is the axios/Node error code (ECONNRESET, ECONNABORTED, …). */
export class NetworkFailure extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}
