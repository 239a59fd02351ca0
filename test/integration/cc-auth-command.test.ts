import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import nock from 'nock';
import { registerAuthCommand } from '../../src/cli/commands/auth.ts';
import { CC_TOKEN_PURPOSE } from '../../src/connectors/constant-contact/token-store.ts';
import { ConfigError } from '../../src/errors/index.ts';
import { decodeEncryptionKey, generateEncryptionKey, open } from '../../src/lib/crypto.ts';

const AUTHZ = 'https://authz.cc.test';
const json = { 'Content-Type': 'application/json' };
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const savedEnv = { ...process.env };
let prefix = '';
const KEY = generateEncryptionKey();

function program(lines: string[]): Command {
  const p = new Command('esp-sync').exitOverride();
  registerAuthCommand(p, { print: (line) => lines.push(line), sleep: () => Promise.resolve() });
  return p;
}

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
  Object.assign(process.env, {
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    CONSTANT_CONTACT_CLIENT_ID: 'cli-client',
    CONSTANT_CONTACT_CLIENT_SECRET: 'cli-secret',
    CONSTANT_CONTACT_REFRESH_TOKEN: '',
    CONSTANT_CONTACT_TOKEN_URL: `${AUTHZ}/oauth2/default/v1/token`,
    ESP_SYNC_ENCRYPTION_KEY: KEY,
  });
});

afterEach(async () => {
  process.env = { ...savedEnv };
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

describe('esp-sync auth constant-contact', () => {
  it('runs the device flow and stores the refresh token in Redis without printing it', async () => {
    const scope = nock(AUTHZ)
      .post('/oauth2/default/v1/device/authorize', {
        client_id: 'cli-client',
        scope: 'contact_data offline_access',
      })
      .reply(
        200,
        {
          device_code: 'dc',
          user_code: 'WXYZ-1234',
          verification_uri: 'https://authz.cc.test/activate',
          expires_in: 600,
          interval: 1,
        },
        json,
      )
      .post('/oauth2/default/v1/token')
      .reply(400, { error: 'authorization_pending' }, json)
      .post('/oauth2/default/v1/token')
      .reply(200, { access_token: 'at-device', refresh_token: 'rt-device', expires_in: 86_400 }, json);
    const lines: string[] = [];
    await program(lines).parseAsync(['node', 'esp-sync', 'auth', 'constant-contact']);

    const stored = (await redis.get(`${prefix}:cc:refresh-token`))!;
    expect(stored).not.toContain('rt-device');
    const encryption = { current: decodeEncryptionKey(KEY)!, previous: undefined };
    expect(open(encryption, stored, CC_TOKEN_PURPOSE.refreshToken, 'token').plaintext).toBe('rt-device');
    expect(lines.join('\n')).toContain('WXYZ-1234');
    expect(lines.at(-1)).toBe('Stored. Workers will use it from now on.');
    expect(lines.join('\n')).not.toMatch(/rt-device|at-device/);
    expect(scope.isDone()).toBe(true);
  });

  it('without Constant Contact credentials → ConfigError (exit code 2)', async () => {
    delete process.env.CONSTANT_CONTACT_CLIENT_ID;
    delete process.env.CONSTANT_CONTACT_CLIENT_SECRET;
    const err = await program([])
      .parseAsync(['node', 'esp-sync', 'auth', 'constant-contact'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('CONSTANT_CONTACT_CLIENT_ID');
  });

  it('without ESP_SYNC_ENCRYPTION_KEY → ConfigError saying how to make one, before the device flow starts', async () => {
    process.env.ESP_SYNC_ENCRYPTION_KEY = '';
    const lines: string[] = [];
    const err = await program(lines)
      .parseAsync(['node', 'esp-sync', 'auth', 'constant-contact'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/ESP_SYNC_ENCRYPTION_KEY is not set.*`esp-sync keygen`/);
    expect(lines).toEqual([]);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });
});
