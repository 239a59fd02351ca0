/**
 * On Redis Cluster: a local 3-master cluster (child processes on ports from 7101 on, a temporary directory) runs a
 * migration from both sources with QUEUE_PREFIX in hash-tag form, and it ends with the same counts as the same
 * migration on the single Redis. Every key the run leaves behind (queues, ledger, run data, limits, metrics)
 * lies in the prefix's one slot. The shared Redis on 6379 only sees the single-Redis half, under its own prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/env.ts';
import { startLocalStack, type LocalStack } from '../../src/demo/local-stack.ts';
import { createRedis, maskRedisUrl, parseClusterUrl, scanTargets } from '../../src/lib/redis.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';

// Filled in beforeAll: 7101–7103 unless another run holds them (each node also needs its port + 10000 for the bus).
let PORTS: number[] = [];
let CLUSTER_URL = '';
const dir = mkdtempSync(join(tmpdir(), 'esp-sync-cluster-'));
const servers: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, tries = 150): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`The local Redis Cluster did not come up: ${what} (logs in ${dir})`);
}

async function onNode<T>(port: number, fn: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  node.on('error', () => undefined);
  try {
    await node.connect();
    return await fn(node);
  } finally {
    node.disconnect();
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePorts(count: number, from: number): Promise<number[]> {
  const ports: number[] = [];
  for (let port = from; ports.length < count && port < from + 500; port++) {
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`No ${count} free ports (and bus ports) from ${from} on`);
  return ports;
}

beforeAll(async () => {
  PORTS = await freePorts(3, 7101);
  CLUSTER_URL = `redis-cluster://${PORTS.map((p) => `127.0.0.1:${p}`).join(',')}`;
  for (const port of PORTS) {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        join(dir, `redis-${port}.log`),
      ],
      { stdio: 'ignore' },
    );
    servers.push(server);
  }
  for (const port of PORTS) {
    await until(`port ${port}`, () => onNode(port, async (n) => (await n.ping()) === 'PONG'));
  }
  const created = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...PORTS.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (created.status !== 0) {
    throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  }
  for (const port of PORTS) {
    await until(`cluster state on ${port}`, () =>
      onNode(port, async (n) => String(await n.cluster('INFO')).includes('cluster_state:ok')),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL');
  const running = servers.filter((s) => s.exitCode === null && s.signalCode === null);
  await Promise.all(running.map((s) => new Promise((resolve) => s.once('exit', resolve))));
  rmSync(dir, { recursive: true, force: true });
});

describe('REDIS_URL for a cluster', () => {
  it('names the seed nodes, credentials and TLS', () => {
    expect(parseClusterUrl('rediss-cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
      ],
      redisOptions: { username: 'app', password: 'p@ss', tls: {} },
    });
    expect(parseClusterUrl('redis://127.0.0.1:6379')).toBeNull();
    expect(maskRedisUrl('rediss-cluster://app:secret@10.0.0.1:7000,10.0.0.2')).toBe(
      'rediss-cluster://app:***@10.0.0.1:7000,10.0.0.2',
    );
  });

  it('requires QUEUE_PREFIX in hash-tag form, and says so', () => {
    expect(CLUSTER_URL).toMatch(/^redis-cluster:\/\//);
    expect(() => parseConfig({ REDIS_URL: CLUSTER_URL, QUEUE_PREFIX: 'esp-sync' })).toThrow(
      'QUEUE_PREFIX is invalid: REDIS_URL points at a Redis Cluster, so the prefix must be in braces (a hash tag), e.g. QUEUE_PREFIX={esp-sync}.',
    );
    expect(parseConfig({ REDIS_URL: CLUSTER_URL, QUEUE_PREFIX: '{esp-sync}' }).queuePrefix).toBe(
      '{esp-sync}',
    );
  });
});

describe('a migration on Redis Cluster', () => {
  const sandbox = {
    seed: 17,
    limits: false,
    dataset: {
      mailchimp: { audiences: 2, membersPerAudience: 60 },
      constantContact: { contacts: 60 },
      hubspotPreexisting: { contacts: 20 },
    },
  } as const;
  const migrate = async (stack: LocalStack) => {
    const done = await stack.run({ sources: ['mailchimp', 'constant-contact'] });
    const snapshot = stack.sandbox.hubspot.snapshot();
    // Whether a person in both sources counts as updated or unchanged depends on which record's write lands
    // first, so those two are compared as a sum; HubSpot's end state must be the same address by address.
    const { updated, unchanged, ...counts } = done.counts;
    return {
      status: done.run.status,
      counts: { ...counts, updatedOrUnchanged: updated + unchanged },
      contacts: snapshot.contacts.map((c) => c.email).sort(),
      consent: Object.entries(snapshot.statuses)
        .map(([email, st]) => `${email} ${st.optedOutOfAll} ${JSON.stringify(st.subscriptions, ['status'])}`)
        .sort(),
    };
  };

  it('ends like the same migration on one Redis, with every key in the prefix’s slot', async () => {
    const singlePrefix = testPrefix('cluster-twin');
    const single = await startLocalStack({ queuePrefix: singlePrefix, sandbox });
    let onSingle: Awaited<ReturnType<typeof migrate>>;
    try {
      onSingle = await migrate(single);
    } finally {
      await single.close();
      const redis = newRedis();
      await deletePrefix(redis, singlePrefix).finally(() => redis.disconnect());
    }

    const tag = `esp-test-${randomUUID().slice(0, 8)}`;
    const clustered = await startLocalStack({ queuePrefix: `{${tag}}`, redisUrl: CLUSTER_URL, sandbox });
    let onCluster: Awaited<ReturnType<typeof migrate>>;
    try {
      expect(clustered.app.redis.isCluster).toBe(true);
      onCluster = await migrate(clustered);
    } finally {
      await clustered.close();
    }

    // The generated data holds invalid addresses on purpose, so a finished run may report those as errors.
    expect(['completed', 'completed_with_errors']).toContain(onSingle.status);
    expect(onSingle.counts.read).toBeGreaterThan(100);
    expect(onCluster).toEqual(onSingle);

    // Every key on every master is under the prefix and in its slot: nothing of ours crossed slots.
    const cluster = createRedis(CLUSTER_URL);
    try {
      const slot = Number(await cluster.cluster('KEYSLOT', `{${tag}}`));
      let total = 0;
      let inSlot = 0;
      for (const node of scanTargets(cluster)) {
        total += await node.dbsize();
        inSlot += Number(await node.cluster('COUNTKEYSINSLOT', slot));
      }
      expect(total).toBeGreaterThan(20);
      expect(inSlot).toBe(total);
    } finally {
      cluster.disconnect();
    }
  }, 120_000);
});
