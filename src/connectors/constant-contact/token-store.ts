import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Where Constant Contact tokens live in Redis, shared by every worker process and surviving restarts.
 * Refresh tokens rotate (each use returns a new one and kills the old), so the newest one must be in Redis
 * before anything else happens, and only one process may refresh at a time.
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

export function hashSeed(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export function createCcTokenStore(redis: Redis, keyPrefix: string) {
  const keys = ccTokenKeys(keyPrefix);
  return {
    keys,
    async applySeed(seed: string): Promise<SeedOutcome> {
      const outcome = await redis.eval(
        APPLY_SEED,
        3,
        keys.refreshToken,
        keys.seedHash,
        keys.accessToken,
        seed,
        hashSeed(seed),
      );
      return outcome as SeedOutcome;
    },

    async refreshToken(): Promise<string | null> {
      return redis.get(keys.refreshToken);
    },

    /** A token from `esp-sync auth`: replaces the stored one and drops the cached access token (maybe another account). */
    async replaceRefreshToken(token: string): Promise<void> {
      await redis.multi().set(keys.refreshToken, token).del(keys.accessToken).exec();
    },

    /** Rotation: the new refresh token and the access token land together, the refresh token first. */
    async saveRefreshResult(
      refreshToken: string | undefined,
      accessToken: string,
      ttlMs: number,
    ): Promise<void> {
      const tx = redis.multi();
      if (refreshToken) tx.set(keys.refreshToken, refreshToken);
      tx.set(keys.accessToken, accessToken, 'PX', Math.max(1, Math.floor(ttlMs)));
      const results = await tx.exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) {
        throw new Error('Redis did not store the new Constant Contact tokens.', { cause: failed?.[0] });
      }
    },

    async accessToken(): Promise<{ token: string; ttlMs: number } | null> {
      const results = await redis.multi().get(keys.accessToken).pttl(keys.accessToken).exec();
      const token = results?.[0]?.[1];
      const ttlMs = results?.[1]?.[1];
      if (typeof token !== 'string' || typeof ttlMs !== 'number' || ttlMs <= 0) return null;
      return { token, ttlMs };
    },

    async forgetAccessToken(token: string): Promise<void> {
      await redis.eval(DELETE_IF_EQUAL, 1, keys.accessToken, token);
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
