import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import nock from 'nock';
import { registerAuthCommand } from '../../src/cli/commands/auth.ts';
import { ConfigError } from '../../src/errors/index.ts';

const AUTHZ = 'https://authz.cc.test';
const json = { 'Content-Type': 'application/json' };
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const savedEnv = { ...process.env };
let prefix = '';

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

    expect(await redis.get(`${prefix}:cc:refresh-token`)).toBe('rt-device');
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
});
