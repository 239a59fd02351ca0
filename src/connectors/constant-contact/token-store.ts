import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { open, seal, type EncryptionKeys } from '../../lib/crypto.ts';

/**
 * Where Constant Contact tokens live in Redis, shared by every worker process and surviving restarts.
 * Refresh tokens rotate (each use returns a new one and kills the old), so the newest one must be in Redis
 * before anything else happens, and only one process may refresh at a time. Both tokens are stored sealed
 * with AES-256-GCM under ESP_SYNC_ENCRYPTION_KEY (src/lib/crypto.ts); only the seed's sha256 is kept in clear.
 */
export function ccTokenKeys(keyPrefix: string) {
  return {
    refreshToken: `${keyPrefix}:cc:refresh-token`,
    /** sha256 of the CONSTANT_CONTACT_REFRESH_TOKEN seed last applied, so a new seed in the env wins. */
    seedHash: `${keyPrefix}:cc:refresh-token-seed`,
    accessToken: `${keyPrefix}:cc:access-token`,
    refreshLock: `${keyPrefix}:cc:refresh-lock`,
  };
}
export type CcTokenKeys = ReturnType<typeof ccTokenKeys>;

export type SeedOutcome = 'seeded' | 'replaced' | 'kept';

// Applies the env seed once per seed value:
// - the same seed as last time: keep the stored (possibly rotated) token;
// - no token stored yet: store the seed (SET NX semantics);
// - a token stored by `esp-sync auth` with no seed on record: keep it (it is newer), remember the seed;
// - a different seed than last time: the user re-authorised, so it replaces the stored (likely dead) token.
const APPLY_SEED = `
local refreshKey, seedKey, accessKey = KEYS[1], KEYS[2], KEYS[3]
local seed, hash = ARGV[1], ARGV[2]
local known = redis.call('GET', seedKey)
if known == hash then return 'kept' end
local current = redis.call('GET', refreshKey)
redis.call('SET', seedKey, hash)
if current and not known then return 'kept' end
redis.call('SET', refreshKey, seed)
redis.call('DEL', accessKey)
if current then return 'replaced' end
return 'seeded'
`;

const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Rewrites a value sealed under an older key (or stored in clear) unless someone changed it meanwhile. */
const REPLACE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end
return 0
`;

/** Bound into each sealed token (AES-GCM associated data), so a refresh token cannot pass for an access token. */
export const CC_TOKEN_PURPOSE = { refreshToken: 'cc:refresh-token', accessToken: 'cc:access-token' } as const;
const PURPOSE = CC_TOKEN_PURPOSE;

export function hashSeed(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export function createCcTokenStore(redis: Redis, keyPrefix: string, encryption: EncryptionKeys) {
  const keys = ccTokenKeys(keyPrefix);
  const sealRefresh = (token: string) => seal(encryption, token, PURPOSE.refreshToken);
  const sealAccess = (token: string) => seal(encryption, token, PURPOSE.accessToken);

  /** Opens a stored token; one sealed under the previous key (or in clear, from before) is sealed again. */
  async function read(key: string, purpose: string, what: string, stored: string): Promise<string> {
    const opened = open(encryption, stored, purpose, what);
    if (opened.stale) {
      await redis.eval(REPLACE_IF_EQUAL, 1, key, stored, seal(encryption, opened.plaintext, purpose));
    }
    return opened.plaintext;
  }

  return {
    keys,
    async applySeed(seed: string): Promise<SeedOutcome> {
      const outcome = await redis.eval(
        APPLY_SEED,
        3,
        keys.refreshToken,
        keys.seedHash,
        keys.accessToken,
        sealRefresh(seed),
        hashSeed(seed),
      );
      return outcome as SeedOutcome;
    },

    async refreshToken(): Promise<string | null> {
      const stored = await redis.get(keys.refreshToken);
      if (stored === null) return null;
      return read(keys.refreshToken, PURPOSE.refreshToken, 'The Constant Contact refresh token', stored);
    },

    /** A token from `esp-sync auth`: replaces the stored one and drops the cached access token (maybe another account). */
    async replaceRefreshToken(token: string): Promise<void> {
      await redis.multi().set(keys.refreshToken, sealRefresh(token)).del(keys.accessToken).exec();
    },

    /** Rotation: the new refresh token and the access token land together, the refresh token first. */
    async saveRefreshResult(
      refreshToken: string | undefined,
      accessToken: string,
      ttlMs: number,
    ): Promise<void> {
      const tx = redis.multi();
      if (refreshToken) tx.set(keys.refreshToken, sealRefresh(refreshToken));
      tx.set(keys.accessToken, sealAccess(accessToken), 'PX', Math.max(1, Math.floor(ttlMs)));
      const results = await tx.exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) {
        throw new Error('Redis did not store the new Constant Contact tokens.', { cause: failed?.[0] });
      }
    },

    async accessToken(): Promise<{ token: string; ttlMs: number } | null> {
      const results = await redis.multi().get(keys.accessToken).pttl(keys.accessToken).exec();
      const stored = results?.[0]?.[1];
      const ttlMs = results?.[1]?.[1];
      if (typeof stored !== 'string' || typeof ttlMs !== 'number' || ttlMs <= 0) return null;
      const token = await read(
        keys.accessToken,
        PURPOSE.accessToken,
        'The Constant Contact access token',
        stored,
      );
      return { token, ttlMs };
    },

    /** After a key rotation: seals both tokens under the current key now, not only at their next use. */
    async reseal(): Promise<void> {
      for (const [key, purpose, what] of [
        [keys.refreshToken, PURPOSE.refreshToken, 'The Constant Contact refresh token'],
        [keys.accessToken, PURPOSE.accessToken, 'The Constant Contact access token'],
      ] as const) {
        const stored = await redis.get(key);
        if (stored !== null) await read(key, purpose, what, stored);
      }
    },

    /** Drops the shared access token only while it is still this one (another worker may have refreshed). */
    async forgetAccessToken(token: string): Promise<void> {
      const stored = await redis.get(keys.accessToken);
      if (stored === null) return;
      const opened = open(encryption, stored, PURPOSE.accessToken, 'The Constant Contact access token');
      if (opened.plaintext === token) await redis.eval(DELETE_IF_EQUAL, 1, keys.accessToken, stored);
    },
    /** One refresh at a time across processes: returns the lock's owner value, or null when someone else holds it. */
    async tryLock(ttlMs: number): Promise<string | null> {
      const owner = randomUUID();
      const ok = await redis.set(keys.refreshLock, owner, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
      return ok === 'OK' ? owner : null;
    },

    async unlock(owner: string): Promise<void> {
      await redis.eval(DELETE_IF_EQUAL, 1, keys.refreshLock, owner);
    },

    async isLocked(): Promise<boolean> {
      return (await redis.exists(keys.refreshLock)) === 1;
    },
  };
}
export type CcTokenStore = ReturnType<typeof createCcTokenStore>;
