/**
 * The authorization server (Okta at authz.constantcontact.com): refresh-token grant with client_secret_basic,
 * rotating refresh tokens, JWT-shaped access tokens with a short life, and the device flow.
 */
import { randomBytes } from 'node:crypto';
import type { Router } from '../kit.ts';
import { json, type SandboxRequest, type SandboxResponse } from '../kit.ts';
import { oauthError } from './errors.ts';

export const TOKEN_PATH = '/oauth2/default/v1/token';
export const DEVICE_PATH = '/oauth2/default/v1/device/authorize';
export const ACTIVATE_PATH = '/oauth2/activate';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  accessTokenTtlSeconds: number;
  /** 'rotating' (the default, single use) or 'long-lived' (the same token every time). */
  refreshTokenMode: 'rotating' | 'long-lived';
  /** Approve device codes without anyone visiting the verification URL. */
  autoApproveDevice: boolean;
  devicePollIntervalSeconds: number;
}

interface RefreshRecord {
  clientId: string;
  scope: string;
  /** Issued through the device flow to a public client: refreshes with client_id and no secret. */
  publicClient: boolean;
}

interface DeviceRecord {
  clientId: string;
  userCode: string;
  scope: string;
  expiresAt: number;
  state: 'pending' | 'approved' | 'denied' | 'used';
  lastPollAt: number;
}

export interface AccessGrant {
  clientId: string;
  expiresAt: number;
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const opaque = (bytes = 24): string => randomBytes(bytes).toString('base64url');

/** Form body (application/x-www-form-urlencoded) merged over query parameters: CC's docs put them in the query. */
function params(req: SandboxRequest): URLSearchParams {
  const merged = new URLSearchParams(req.query);
  const type = req.headers['content-type'] ?? '';
  if (req.rawBody.length > 0 && type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) merged.set(k, v);
  }
  return merged;
}

function basicCredentials(req: SandboxRequest): { id: string; secret: string } | null {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export class OAuthServer {
  readonly settings: OAuthSettings;
  private refreshTokens = new Map<string, RefreshRecord>();
  private accessTokens = new Map<string, AccessGrant>();
  private devices = new Map<string, DeviceRecord>();
  private initialRefreshToken: string;

  constructor(settings: OAuthSettings, initialRefreshToken: string) {
    this.settings = settings;
    this.initialRefreshToken = initialRefreshToken;
    this.reset();
  }

  reset(): void {
    this.refreshTokens = new Map([
      [
        this.initialRefreshToken,
        { clientId: this.settings.clientId, scope: 'contact_data offline_access', publicClient: false },
      ],
    ]);
    this.accessTokens.clear();
    this.devices.clear();
  }

  /** The application behind a bearer token, or why it is refused. */
  verify(authorization: string | undefined, now = Date.now()): AccessGrant | 'unauthorized' {
    if (!authorization?.startsWith('Bearer ')) return 'unauthorized';
    const grant = this.accessTokens.get(authorization.slice(7).trim());
    if (!grant || grant.expiresAt <= now) return 'unauthorized';
    return grant;
  }

  /** Makes every issued access token expire now (as if their 24 hours had passed). */
  expireAccessTokens(): void {
    for (const grant of this.accessTokens.values()) grant.expiresAt = 0;
  }

  /** Refresh tokens that still work (for tests; never log them). */
  liveRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  /** Approves pending device codes (all of them without a user code), as the user would in a browser. */
  approveDevice(userCode?: string, decision: 'approved' | 'denied' = 'approved'): number {
    let n = 0;
    for (const d of this.devices.values()) {
      if (d.state !== 'pending') continue;
      if (userCode && d.userCode !== userCode.toUpperCase()) continue;
      d.state = decision;
      n++;
    }
    return n;
  }

  mount(router: Router): void {
    router.add('POST', TOKEN_PATH, (req) => this.token(req));
    router.add('POST', DEVICE_PATH, (req) => this.deviceAuthorize(req));
    router.add('GET', ACTIVATE_PATH, (req) => {
      const code = req.query.get('user_code');
      const n = code ? this.approveDevice(code) : 0;
      return {
        status: n > 0 ? 200 : 400,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body:
          n > 0 ? '<p>Device activated. You can close this window.</p>' : '<p>Unknown or expired code.</p>',
      };
    });
  }

  private issue(clientId: string, scope: string, publicClient: boolean, previous?: string): SandboxResponse {
    const now = Math.floor(Date.now() / 1000);
    const ttl = this.settings.accessTokenTtlSeconds;
    const payload = {
      ver: 1,
      jti: `AT.${opaque(16)}`,
      iss: 'https://identity.constantcontact.com/oauth2/aus1lm3ry9mF7x2Ja0h8',
      aud: 'https://api.cc.email/v3',
      iat: now,
      exp: now + ttl,
      cid: clientId,
      uid: '00u1sandbox',
      scp: scope.split(' '),
      sub: 'sandbox@example.com',
    };
    const accessToken = `${b64url({ kid: 'sandbox', alg: 'RS256' })}.${b64url(payload)}.${opaque(32)}`;
    this.accessTokens.set(accessToken, { clientId, expiresAt: (now + ttl) * 1000 });
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      expires_in: ttl,
      access_token: accessToken,
      scope,
    };
    if (scope.split(' ').includes('offline_access')) {
      let refresh = previous;
      if (!refresh || this.settings.refreshTokenMode === 'rotating') {
        // Rotation: a new set makes every previous refresh token of this grant expire.
        if (previous) this.refreshTokens.delete(previous);
        refresh = opaque(32);
        this.refreshTokens.set(refresh, { clientId, scope, publicClient });
      }
      body.refresh_token = refresh;
    }
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  private token(req: SandboxRequest): SandboxResponse {
    const p = params(req);
    const grant = p.get('grant_type');
    if (grant === 'refresh_token') return this.refresh(req, p);
    if (grant === DEVICE_GRANT) return this.deviceToken(p);
    if (!grant) return oauthError(400, 'invalid_request', "The 'grant_type' parameter is required.");
    return oauthError(
      400,
      'unsupported_grant_type',
      `The authorization grant type is not supported: ${grant}`,
    );
  }

  private refresh(req: SandboxRequest, p: URLSearchParams): SandboxResponse {
    const token = p.get('refresh_token');
    if (!token) return oauthError(400, 'invalid_request', "The 'refresh_token' parameter is required.");
    const record = this.refreshTokens.get(token);
    const creds = basicCredentials(req);
    if (record?.publicClient && !creds) {
      if (p.get('client_id') !== this.settings.clientId) {
        return oauthError(401, 'invalid_client', 'Client authentication failed.');
      }
    } else if (!creds || creds.id !== this.settings.clientId || creds.secret !== this.settings.clientSecret) {
      return oauthError(
        401,
        'invalid_client',
        'Client authentication failed. Either the client or the client credentials are invalid.',
      );
    }
    if (!record || record.clientId !== this.settings.clientId) {
      return oauthError(400, 'invalid_grant', 'The refresh token is invalid or expired.');
    }
    return this.issue(record.clientId, record.scope, record.publicClient, token);
  }

  private deviceAuthorize(req: SandboxRequest): SandboxResponse {
    const p = params(req);
    if (p.get('client_id') !== this.settings.clientId) {
      return oauthError(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
    }
    const deviceCode = opaque(24);
    const userCode = randomBytes(4).toString('hex').toUpperCase();
    const scope = p.get('scope') ?? 'contact_data offline_access';
    this.devices.set(deviceCode, {
      clientId: this.settings.clientId,
      userCode,
      scope,
      expiresAt: Date.now() + 600_000,
      state: this.settings.autoApproveDevice ? 'approved' : 'pending',
      lastPollAt: 0,
    });
    const verificationUri = `http://${req.headers.host ?? '127.0.0.1'}${ACTIVATE_PATH}`;
    return json(200, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
      expires_in: 600,
      interval: this.settings.devicePollIntervalSeconds,
    });
  }

  private deviceToken(p: URLSearchParams): SandboxResponse {
    if (p.get('client_id') !== this.settings.clientId) {
      return oauthError(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
    }
    const device = this.devices.get(p.get('device_code') ?? '');
    if (!device || device.state === 'used') {
      return oauthError(400, 'invalid_grant', 'The device code is invalid or expired.');
    }
    const now = Date.now();
    if (device.expiresAt <= now) return oauthError(400, 'expired_token', 'The device code has expired.');
    const tooSoon = now - device.lastPollAt < this.settings.devicePollIntervalSeconds * 1000;
    device.lastPollAt = now;
    if (device.state === 'denied') {
      return oauthError(400, 'access_denied', 'The resource owner denied the request.');
    }
    if (device.state === 'pending') {
      return tooSoon
        ? oauthError(400, 'slow_down', 'The client is polling too quickly and should back off.')
        : oauthError(
            400,
            'authorization_pending',
            'The device authorization is pending. Please try again later.',
          );
    }
    device.state = 'used';
    return this.issue(device.clientId, device.scope, true);
  }
}
