import type { AxiosResponse } from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConstantContactConfig } from '../../config/env.ts';
import type { ApiCallObserver } from '../../core/ports.ts';
import { AuthError, ConfigError, TransientError } from '../../errors/index.ts';
import { KEYGEN_HINT } from '../../lib/crypto.ts';
import { tokenResponseSchema } from './schemas.ts';
import { createCcTokenStore } from './token-store.ts';
import { createCcAxios, NetworkFailure, oauthErrorOf, observedRequest } from './observed.ts';

export const INVALID_GRANT_MESSAGE =
  'Constant Contact refused the refresh token (invalid_grant): it was revoked, already used, or unused for 180 days. Run `esp-sync auth constant-contact` to get a new one.';
const NO_TOKEN_MESSAGE =
  'No Constant Contact refresh token is stored. Run `esp-sync auth constant-contact` (or set CONSTANT_CONTACT_REFRESH_TOKEN) to get one.';
const TOKEN_ENDPOINT = 'POST /oauth2/token';
export const NO_KEY_MESSAGE = `ESP_SYNC_ENCRYPTION_KEY is not set: Constant Contact tokens are only stored in Redis encrypted with it; ${KEYGEN_HINT}.`;

/** Refresh this long before expiry, so a token never dies in the middle of a page. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
/** Constant Contact access tokens live "a static 24 hours" when the response does not say. */
const DEFAULT_LIFETIME_MS = 24 * 60 * 60_000;
const LOCK_POLL_MS = 50;

export interface CcTokenProviderDeps {
  redis: Redis;
  keyPrefix: string;
  timeoutMs: number;
  logger: Logger;
  observe?: ApiCallObserver;
}

export interface CcTokenProvider {
  /** A valid access token, shared through Redis; refreshes (one process at a time) when none is cached. */
  accessToken(): Promise<string>;
  /** The API answered 401 with this token: drop it everywhere so the next accessToken() refreshes. */
  invalidate(token: string): void;
  /** Stores a refresh token obtained by `esp-sync auth constant-contact`; every worker uses it from then on. */
  storeRefreshToken(token: string): Promise<void>;
}

/** The `exp` claim of a JWT in epoch ms, or null when the token is not a readable JWT. */
export function jwtExpiryMs(token: string): number | null {
  const payload = token.split('.')[1];
  if (token.split('.').length !== 3 || !payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** How long an access token may be shared: its lifetime (expires_in or JWT exp, the shorter) minus a margin. */
export function accessTokenTtlMs(token: string, expiresInSeconds: number | undefined, nowMs: number): number {
  const lifetimes: number[] = [];
  if (expiresInSeconds !== undefined) lifetimes.push(expiresInSeconds * 1000);
  const exp = jwtExpiryMs(token);
  // An exp already in the past means clock skew, not a dead token (we were just handed it): ignore it.
  if (exp !== null && exp > nowMs) lifetimes.push(exp - nowMs);
  const lifetime = lifetimes.length > 0 ? Math.min(...lifetimes) : DEFAULT_LIFETIME_MS;
  return Math.max(1000, lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 2));
}

function refusal(status: number, error: string | null): Error {
  if (error === 'invalid_grant') return new AuthError(INVALID_GRANT_MESSAGE, 'constant-contact');
  if (error === 'invalid_client' || error === 'unauthorized_client') {
    return new AuthError(
      `Constant Contact refused the application credentials (${error}): check CONSTANT_CONTACT_CLIENT_ID and CONSTANT_CONTACT_CLIENT_SECRET.`,
      'constant-contact',
    );
  }
  if (status === 429 || status >= 500) {
    return new TransientError(
      `Constant Contact's token endpoint answered ${status}; will try again.`,
      `token_status_${status}`,
    );
  }
  return new AuthError(
    `Constant Contact's token endpoint refused the refresh (${status}${error ? ` ${error}` : ''}). Run \`esp-sync auth constant-contact\` to get a new refresh token.`,
    'constant-contact',
  );
}

/**
 * OAuth2 refresh-token flow against CONSTANT_CONTACT_TOKEN_URL with rotating (single-use) refresh tokens kept
 * in Redis, encrypted (see token-store.ts). Tokens never reach a log or an error message.
 */
export function createCcTokenProvider(
  config: ConstantContactConfig,
  deps: CcTokenProviderDeps,
): CcTokenProvider {
  // Refused before anything is read or stored: a token must never reach Redis in clear.
  if (!config.encryption) throw new ConfigError(NO_KEY_MESSAGE);
  const store = createCcTokenStore(deps.redis, deps.keyPrefix, config.encryption);
  const http = createCcAxios(deps.timeoutMs);
  // The lock outlives the slowest token request, so it cannot expire while its holder still waits for the answer.
  const lockTtlMs = deps.timeoutMs + 10_000;
  let seeding: Promise<void> | undefined;
  let resealing: Promise<void> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let publicClient = false;
  const rejected: string[] = [];

  function ensureSeeded(): Promise<void> {
    const seed = config.seedRefreshToken;
    if (!seed) return Promise.resolve();
    seeding ??= store.applySeed(seed).then(
      (outcome) => {
        if (outcome !== 'kept') {
          deps.logger.info(
            { outcome },
            'Constant Contact refresh token taken from CONSTANT_CONTACT_REFRESH_TOKEN',
          );
        }
      },
      (err: unknown) => {
        seeding = undefined;
        throw err;
      },
    );
    return seeding;
  }

  async function readShared(): Promise<string | null> {
    const shared = await store.accessToken();
    if (!shared || rejected.includes(shared.token)) return null;
    cached = { token: shared.token, expiresAt: Date.now() + shared.ttlMs };
    return shared.token;
  }

  async function postRefresh(refreshToken: string, asPublicClient: boolean): Promise<AxiosResponse<string>> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (asPublicClient) form.set('client_id', config.clientId);
    try {
      return await observedRequest(deps.observe, TOKEN_ENDPOINT, () =>
        http.post<string>(config.tokenUrl, form.toString(), {
          ...(asPublicClient ? {} : { auth: { username: config.clientId, password: config.clientSecret } }),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        }),
      );
    } catch (err) {
      if (!(err instanceof NetworkFailure)) throw err;
      throw new TransientError(
        `Could not reach Constant Contact's token endpoint (${err.code}); will try again.`,
        'token_network',
      );
    }
  }

  async function refresh(): Promise<string> {
    const refreshToken = await store.refreshToken();
    if (!refreshToken) throw new AuthError(NO_TOKEN_MESSAGE, 'constant-contact');
    let res = await postRefresh(refreshToken, publicClient);
    if (!publicClient && res.status === 401 && oauthErrorOf(res).error === 'invalid_client') {
      // Apps set up for the device flow (what `esp-sync auth` uses) are public clients, which must not send a
      // secret. Client authentication fails before the grant is looked at, so the refresh token is not spent.
      publicClient = true;
      res = await postRefresh(refreshToken, true);
    }
    if (res.status !== 200) throw refusal(res.status, oauthErrorOf(res).error);
    let body: unknown;
    try {
      body = JSON.parse(res.data);
    } catch {
      body = undefined;
    }
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new TransientError(
        "Constant Contact's token endpoint sent a response without an access token; will try again.",
        'token_malformed',
      );
    }
    const { access_token: accessToken, refresh_token: nextRefresh, expires_in: expiresIn } = parsed.data;
    const ttlMs = accessTokenTtlMs(accessToken, expiresIn, Date.now());
    // The old refresh token may be dead from this moment on: store the new one before anything else.
    await store.saveRefreshResult(nextRefresh, accessToken, ttlMs);
    cached = { token: accessToken, expiresAt: Date.now() + ttlMs };
    deps.logger.info(
      { rotated: nextRefresh !== undefined && nextRefresh !== refreshToken, ttlMs },
      'Constant Contact access token refreshed',
    );
    return accessToken;
  }

  async function waitForOtherRefresh(): Promise<void> {
    const deadline = Date.now() + lockTtlMs + 1000;
    while (await store.isLocked()) {
      if ((await readShared()) !== null) return;
      if (Date.now() > deadline) {
        throw new TransientError(
          'Timed out waiting for another worker to refresh the Constant Contact token; will try again.',
          'token_refresh_wait',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }

  async function obtain(): Promise<string> {
    await ensureSeeded();
    // With a previous key configured (a rotation), this worker seals what it finds under the new key once.
    if (config.encryption?.previous) {
      resealing ??= store.reseal().catch((err: unknown) => {
        resealing = undefined;
        throw err;
      });
      await resealing;
    }
    for (;;) {
      const shared = await readShared();
      if (shared) return shared;
      const owner = await store.tryLock(lockTtlMs);
      if (owner) {
        try {
          // Someone may have finished a refresh between our read and our lock: never burn a fresh token.
          return (await readShared()) ?? (await refresh());
        } finally {
          await store.unlock(owner).catch((err: unknown) => {
            deps.logger.warn(
              { err },
              'Could not release the Constant Contact refresh lock (it expires by itself)',
            );
          });
        }
      }
      await waitForOtherRefresh();
    }
  }

  return {
    accessToken(): Promise<string> {
      if (cached && cached.expiresAt > Date.now() && !rejected.includes(cached.token)) {
        return Promise.resolve(cached.token);
      }
      inflight ??= obtain().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },

    invalidate(token: string): void {
      rejected.push(token);
      if (rejected.length > 8) rejected.shift();
      if (cached?.token === token) cached = undefined;
      store.forgetAccessToken(token).catch((err: unknown) => {
        deps.logger.warn({ err }, 'Could not drop the rejected Constant Contact access token from Redis');
      });
    },

    async storeRefreshToken(token: string): Promise<void> {
      await store.replaceRefreshToken(token);
      cached = undefined;
    },
  };
}
