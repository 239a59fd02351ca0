import type { AxiosResponse } from 'axios';
import type { ConstantContactConfig } from '../../config/env.ts';
import type { ApiCallObserver } from '../../core/ports.ts';
import { AuthError, ConfigError, TransientError } from '../../errors/index.ts';
import type { CcTokenProvider } from './auth.ts';
import { createCcAxios, NetworkFailure, oauthErrorOf, observedRequest } from './observed.ts';
import { deviceAuthorizationSchema, tokenResponseSchema } from './schemas.ts';

/** contact_data reads contacts, lists, custom fields and tags; offline_access is what yields a refresh token. */
export const DEVICE_FLOW_SCOPE = 'contact_data offline_access';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_STEP_S = 5;

export interface DeviceFlowDeps {
  config: Pick<ConstantContactConfig, 'clientId' | 'tokenUrl'>;
  tokens: Pick<CcTokenProvider, 'storeRefreshToken'>;
  timeoutMs: number;
  /** One line for the person at the terminal. */
  print: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  observe?: ApiCallObserver;
}

/** ".../v1/token" → ".../v1/device/authorize" (Constant Contact's Okta authorization server). */
export function deviceAuthorizeUrl(tokenUrl: string): string {
  const url = new URL(tokenUrl);
  if (!/\/token\/?$/.test(url.pathname)) {
    throw new ConfigError(
      'CONSTANT_CONTACT_TOKEN_URL must end in /token (e.g. https://authz.constantcontact.com/oauth2/default/v1/token) so the device endpoint can be derived from it.',
    );
  }
  url.pathname = url.pathname.replace(/\/token\/?$/, '/device/authorize');
  return url.toString();
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * The OAuth2 device flow (https://developer.constantcontact.com/api_guide/device_flow.html): asks for a code,
 * shows the person where to enter it, polls until they approve, and stores the refresh token in Redis.
 * The token is never printed.
 */
export async function runCcDeviceFlow(deps: DeviceFlowDeps): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  const http = createCcAxios(deps.timeoutMs);
  const form = {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  };

  async function post(
    url: string,
    body: Record<string, string>,
    endpoint: string,
  ): Promise<AxiosResponse<string>> {
    try {
      return await observedRequest(
        deps.observe,
        endpoint,
        () => http.post<string>(url, new URLSearchParams(body).toString(), form),
        now,
      );
    } catch (err) {
      if (!(err instanceof NetworkFailure)) throw err;
      throw new TransientError(
        `Could not reach Constant Contact's authorization server (${err.code}).`,
        'network_error',
      );
    }
  }

  const authorizeRes = await post(
    deviceAuthorizeUrl(deps.config.tokenUrl),
    { client_id: deps.config.clientId, scope: DEVICE_FLOW_SCOPE },
    'POST /oauth2/device/authorize',
  );
  const authorization = deviceAuthorizationSchema.safeParse(parseJson(authorizeRes.data));
  if (authorizeRes.status !== 200 || !authorization.success) {
    const { error, description } = oauthErrorOf(authorizeRes);
    throw new AuthError(
      `Constant Contact refused to start the device flow (${authorizeRes.status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}). Check CONSTANT_CONTACT_CLIENT_ID and that the app allows the Device Flow and refresh tokens in the developer portal.`,
      'constant-contact',
    );
  }
  const {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: verificationUri,
  } = authorization.data;
  const minutes = Math.max(1, Math.round(authorization.data.expires_in / 60));
  deps.print(`Open ${verificationUri} and enter the code ${userCode} (valid for ${minutes} minutes).`);
  if (authorization.data.verification_uri_complete) {
    deps.print(`Or open ${authorization.data.verification_uri_complete} directly.`);
  }
  deps.print('Waiting for you to approve the app in Constant Contact…');

  const deadline = now() + authorization.data.expires_in * 1000;
  let intervalS = authorization.data.interval ?? DEFAULT_INTERVAL_S;
  for (;;) {
    await sleep(intervalS * 1000);
    if (now() > deadline) {
      throw new AuthError(
        'The code expired before it was approved. Run `esp-sync auth constant-contact` again.',
        'constant-contact',
      );
    }
    let res: AxiosResponse<string>;
    try {
      res = await post(
        deps.config.tokenUrl,
        { client_id: deps.config.clientId, device_code: deviceCode, grant_type: DEVICE_GRANT },
        'POST /oauth2/token',
      );
    } catch (err) {
      if (err instanceof TransientError) continue; // a network blip: poll again at the next interval
      throw err;
    }
    if (res.status === 200) {
      const tokens = tokenResponseSchema.safeParse(parseJson(res.data));
      if (!tokens.success) {
        throw new AuthError(
          'Constant Contact approved the app but sent no usable token. Run the command again.',
          'constant-contact',
        );
      }
      if (!tokens.data.refresh_token) {
        throw new AuthError(
          'Constant Contact sent no refresh token: enable refresh tokens for the app in the developer portal (the offline_access scope), then run `esp-sync auth constant-contact` again.',
          'constant-contact',
        );
      }
      await deps.tokens.storeRefreshToken(tokens.data.refresh_token);
      deps.print('Stored. Workers will use it from now on.');
      return;
    }
    if (res.status === 429 || res.status >= 500) continue;
    const { error, description } = oauthErrorOf(res);
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      intervalS += SLOW_DOWN_STEP_S;
      continue;
    }
    if (error === 'expired_token') {
      throw new AuthError(
        'The code expired before it was approved. Run `esp-sync auth constant-contact` again.',
        'constant-contact',
      );
    }
    if (error === 'access_denied') {
      throw new AuthError(
        'The authorisation was denied in Constant Contact. Run `esp-sync auth constant-contact` again and approve the app.',
        'constant-contact',
      );
    }
    throw new AuthError(
      `Constant Contact refused the device authorisation (${res.status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}). Run \`esp-sync auth constant-contact\` again.`,
      'constant-contact',
    );
  }
}
