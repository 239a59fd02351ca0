/**
 * A migration under a Redis ACL user that may only touch keys under its prefix and run the commands BullMQ and
 * this tool need (the line README shows), on a redis-server of the test's own whose default user is off.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startLocalStack, type LocalStack } from '../../src/demo/local-stack.ts';
import { freePort, sleep } from '../chaos/helpers/processes.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

const PREFIX = 'esp-acl';
const USER = 'esp-sync';
const PASSWORD = randomBytes(16).toString('hex');
/**
 * The ACL rules README documents, with the prefix and password filled in: keys under the prefix only, no pub/sub
 * channels, the data, scripting and blocking commands BullMQ uses, nothing @dangerous except INFO (BullMQ reads
 * the server version) and CLIENT LIST (worker counts), plus TIME (shared rate limits run on Redis's clock).
 */
const ACL_RULES = [
  'on',
  `>${PASSWORD}`,
  `~${PREFIX}:*`,
  'resetchannels',
  '-@all',
  '+@read',
  '+@write',
  '+@keyspace',
  '+@scripting',
  '+@transaction',
  '+@connection',
  '+@blocking',
  '-@dangerous',
  '+info',
  '+time',
  '+client|list',
];

const SANDBOX = {
  seed: 7,
  limits: false,
  dataset: {
    seed: 7,
    mailchimp: { audiences: 1, membersPerAudience: 40 },
    constantContact: { contacts: 40 },
  },
} as const;

async function waitForServer(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({
      port,
      username: USER,
      password: PASSWORD,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    } finally {
      probe.disconnect();
    }
  }
}

describe('a Redis user limited to the prefix (ACL)', () => {
  let server: ChildProcess;
  let port: number;
  let stack: LocalStack | undefined;

  beforeAll(async () => {
    port = await freePort();
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--user',
        'default',
        'off',
        '--user',
        USER,
        ...ACL_RULES,
      ],
      { stdio: 'ignore' },
    );
    await waitForServer(port);
  });

  afterAll(async () => {
    await stack?.close();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });

  it('is enough to run a migration of both sources, with the same result as without ACL', async () => {
    const reference = await startLocalStack({ queuePrefix: testPrefix('acl-reference'), sandbox: SANDBOX });
    let want;
    try {
      want = await reference.run({ sources: ['mailchimp', 'constant-contact'] });
    } finally {
      await reference.close();
      const redis = newRedis();
      await deletePrefix(redis, reference.config.queuePrefix);
      redis.disconnect();
    }

    stack = await startLocalStack({
      queuePrefix: PREFIX,
      redisUrl: `redis://${USER}:${PASSWORD}@127.0.0.1:${port}`,
      sandbox: SANDBOX,
    });
    const result = await stack.run({ sources: ['mailchimp', 'constant-contact'] });
    expect([result.run.status, result.run.error]).toEqual([want.run.status, null]);
    expect(result.counts).toEqual(want.counts);
    expect(result.counts.read).toBe(80);
    expect(await stack.app.queues.byName.hubspot.getWorkersCount()).toBeGreaterThan(0);

    // ...and it really is limited: another prefix's keys and admin commands are out of its reach.
    await expect(stack.app.redis.set('other-prefix:x', '1')).rejects.toThrow(/NOPERM/);
    await expect(stack.app.redis.flushall()).rejects.toThrow(/NOPERM/);
  }, 60_000);
});
