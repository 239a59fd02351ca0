/**
 * Constant Contact tokens at rest: sealed with AES-256-GCM under ESP_SYNC_ENCRYPTION_KEY, refused without a
 * key, a clear error with the wrong key, and readable during a key rotation (real Redis, token endpoint mocked).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import nock from 'nock';
import { pino } from 'pino';
import { registerKeygenCommand } from '../../src/cli/commands/keygen.ts';
import { parseConfig, type ConstantContactConfig } from '../../src/config/env.ts';
import { createCcTokenProvider } from '../../src/connectors/constant-contact/auth.ts';
import { ccTokenKeys } from '../../src/connectors/constant-contact/token-store.ts';
import { ConfigError } from '../../src/errors/index.ts';
import { decodeEncryptionKey, generateEncryptionKey, type EncryptionKeys } from '../../src/lib/crypto.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';
import { dumpPrefix } from './redis-dump.ts';

const AUTHZ = 'https://authz.cc.test';
const TOKEN_PATH = '/oauth2/default/v1/token';
const redis = newRedis();
const logger = pino({ level: 'silent' });
let prefix = '';

const keyA = decodeEncryptionKey(generateEncryptionKey())!;
const keyB = decodeEncryptionKey(generateEncryptionKey())!;

function config(encryption: EncryptionKeys | undefined, seed?: string): ConstantContactConfig {
  return {
    clientId: 'client-id',
    clientSecret: 'client-secret',
    seedRefreshToken: seed,
    baseUrl: 'https://api.cc.test/v3',
    tokenUrl: `${AUTHZ}${TOKEN_PATH}`,
    requestsPerSecond: 50,
    ...(encryption ? { encryption } : {}),
  };
}

const provider = (encryption: EncryptionKeys | undefined, seed?: string) =>
  createCcTokenProvider(config(encryption, seed), { redis, keyPrefix: prefix, timeoutMs: 2000, logger });

function tokenEndpoint(expectedRefresh: string, access: string, refresh: string) {
  return nock(AUTHZ)
    .post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: expectedRefresh })
    .reply(200, { access_token: access, refresh_token: refresh, expires_in: 86_400 });
}

/** Each token as it is, and as base64/base64url/hex, so an encoding is no hiding place. */
function encodings(token: string): string[] {
  const bytes = Buffer.from(token, 'utf8');
  return [token, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
}

async function clearTokensIn(tokens: string[]): Promise<string[]> {
  const dump = await dumpPrefix(redis, prefix);
  return tokens.flatMap((t) =>
    encodings(t).flatMap((e) => dump.filter((k) => k.text.includes(e)).map((k) => `${t} in ${k.key}`)),
  );
}

beforeEach(() => {
  prefix = testPrefix('tokens');
});

afterEach(async () => {
  nock.cleanAll();
  await deletePrefix(redis, prefix);
});

afterAll(() => redis.disconnect());

describe('Constant Contact tokens in Redis', () => {
  it('are stored encrypted: no token (or its base64/hex) anywhere under the prefix', async () => {
    const seed = `rt-seed-${randomBytes(16).toString('hex')}`;
    const scope = tokenEndpoint(seed, 'at-first-access-token-0001', 'rt-rotated-refresh-token-0002');
    const tokens = provider({ current: keyA, previous: undefined }, seed);
    expect(await tokens.accessToken()).toBe('at-first-access-token-0001');
    // Another worker with the same key reads the shared access token.
    expect(await provider({ current: keyA, previous: undefined }).accessToken()).toBe(
      'at-first-access-token-0001',
    );
    await tokens.storeRefreshToken('rt-from-device-flow-0003');
    scope.done();
    const keys = ccTokenKeys(prefix);
    expect(await redis.get(keys.refreshToken)).toMatch(/^esp1:/);
    expect(
      await clearTokensIn([
        seed,
        'at-first-access-token-0001',
        'rt-rotated-refresh-token-0002',
        'rt-from-device-flow-0003',
      ]),
    ).toEqual([]);
  });

  it('are refused without ESP_SYNC_ENCRYPTION_KEY, with how to make one, and nothing is stored', async () => {
    const make = () => provider(undefined, 'rt-never-stored-0004');
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/ESP_SYNC_ENCRYPTION_KEY is not set.*esp-sync keygen/);
    expect(await dumpPrefix(redis, prefix)).toEqual([]);
  });

  it('with the wrong key: a clear ConfigError naming the variable, and the stored token is left intact', async () => {
    const seed = 'rt-seed-wrong-key-0005';
    await provider({ current: keyA, previous: undefined }, seed).storeRefreshToken('rt-stored-under-a-0006');
    const stored = await redis.get(ccTokenKeys(prefix).refreshToken);
    const attempt = provider({ current: keyB, previous: undefined }).accessToken();
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(provider({ current: keyB, previous: undefined }).accessToken()).rejects.toThrow(
      /encrypted with key [0-9a-f]{8}, which ESP_SYNC_ENCRYPTION_KEY \(key [0-9a-f]{8}\) cannot open/,
    );
    expect(await redis.get(ccTokenKeys(prefix).refreshToken)).toBe(stored);
  });

  it('during a rotation reads tokens under the previous key and seals them again under the new one', async () => {
    const scope = tokenEndpoint(
      'rt-before-rotation-0007',
      'at-before-rotation-0008',
      'rt-before-rotation-0009',
    );
    expect(
      await provider({ current: keyA, previous: undefined }, 'rt-before-rotation-0007').accessToken(),
    ).toBe('at-before-rotation-0008');
    scope.done();
    // A worker restarted with the new key and the old one as previous: no token request, both tokens resealed.
    expect(await provider({ current: keyB, previous: keyA }).accessToken()).toBe('at-before-rotation-0008');
    // The old key can go now: both tokens open under the new key alone.
    expect(await provider({ current: keyB, previous: undefined }).accessToken()).toBe(
      'at-before-rotation-0008',
    );
    await redis.del(ccTokenKeys(prefix).accessToken);
    const scope2 = tokenEndpoint('rt-before-rotation-0009', 'at-new-key-only-0010', 'rt-new-key-only-0011');
    expect(await provider({ current: keyB, previous: undefined }).accessToken()).toBe('at-new-key-only-0010');
    scope2.done();
  });

  it('a token stored in clear before encryption was configured is read once and sealed', async () => {
    const keys = ccTokenKeys(prefix);
    await redis.set(keys.refreshToken, 'rt-legacy-clear-0012');
    const scope = tokenEndpoint('rt-legacy-clear-0012', 'at-legacy-0013', 'rt-legacy-next-0014');
    expect(await provider({ current: keyA, previous: undefined }).accessToken()).toBe('at-legacy-0013');
    scope.done();
    expect(await clearTokensIn(['rt-legacy-clear-0012', 'at-legacy-0013', 'rt-legacy-next-0014'])).toEqual(
      [],
    );
  });
});

describe('esp-sync keygen and the key variable', () => {
  it('prints a key that the configuration accepts, alone on stdout', async () => {
    const out: string[] = [];
    const hints: string[] = [];
    const program = new Command('esp-sync').exitOverride();
    registerKeygenCommand(program, { print: (l) => out.push(l), hint: (l) => hints.push(l) });
    await program.parseAsync(['node', 'esp-sync', 'keygen']);
    expect(out).toHaveLength(1);
    expect(Buffer.from(out[0]!, 'base64')).toHaveLength(32);
    expect(hints.join(' ')).toContain('ESP_SYNC_ENCRYPTION_KEY');
    const cc = { CONSTANT_CONTACT_CLIENT_ID: 'id', CONSTANT_CONTACT_CLIENT_SECRET: 'secret' };
    const parsed = parseConfig({ ...cc, ESP_SYNC_ENCRYPTION_KEY: out[0] });
    expect(parsed.constantContact?.encryption?.current).toEqual(Buffer.from(out[0]!, 'base64'));
  });

  it('refuses a key that is not 32 bytes of base64, without printing it', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const attempt = () => parseConfig({ ESP_SYNC_ENCRYPTION_KEY: short });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /ESP_SYNC_ENCRYPTION_KEY is invalid: must be 32 bytes in base64; make one with `esp-sync keygen`/,
    );
    expect(attempt).not.toThrow(short);
  });
});
