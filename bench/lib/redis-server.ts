/**
 * The benchmark's own Redis: a redis-server child on a free port with an empty data set, so the command counts
 * (INFO commandstats) and memory figures belong to the run measured and nothing else, and the shared Redis is
 * left alone. Without a redis-server binary it falls back to REDIS_URL and says so in the results.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface CommandCount {
  total: number;
  scripts: number;
  byCommand: Record<string, number>;
}

export interface BenchRedis {
  url: string;
  /** True when the server is the benchmark's own (its counters hold nothing but the benchmark). */
  dedicated: boolean;
  /** Commands executed so far (INFO commandstats): in all, EVAL/EVALSHA calls among them, and by command. */
  commandCount(): Promise<CommandCount>;
  memory(): Promise<{ usedBytes: number; peakBytes: number }>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function infoFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

function probe(redis: Redis): Pick<BenchRedis, 'commandCount' | 'memory'> {
  return {
    async commandCount() {
      let total = 0;
      let scripts = 0;
      const byCommand: Record<string, number> = {};
      for (const [name, value] of infoFields(await redis.info('commandstats'))) {
        const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
        total += calls;
        byCommand[name.replace(/^cmdstat_/, '')] = calls;
        if (name === 'cmdstat_eval' || name === 'cmdstat_evalsha') scripts += calls;
      }
      return { total, scripts, byCommand };
    },
    async memory() {
      const fields = infoFields(await redis.info('memory'));
      return {
        usedBytes: Number(fields.get('used_memory') ?? 0),
        peakBytes: Number(fields.get('used_memory_peak') ?? 0),
      };
    },
  };
}

async function waitForPing(redis: Redis, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await redis.ping().catch(() => null)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('redis-server did not answer within 10 s');
}

/** Starts a private redis-server, or falls back to REDIS_URL (BENCH_SHARED_REDIS=1 forces the fallback). */
export async function startBenchRedis(): Promise<BenchRedis> {
  const fallback = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (process.env.BENCH_SHARED_REDIS !== '1') {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'esp-sync-bench-redis-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (spawned) {
      const url = `redis://127.0.0.1:${port}`;
      const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      redis.on('error', () => undefined);
      await waitForPing(redis, child);
      return {
        url,
        dedicated: true,
        ...probe(redis),
        async close() {
          redis.disconnect();
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(
      `redis-server is not on PATH: using ${fallback}; command counts include other clients.\n`,
    );
  }
  const redis = new Redis(fallback, { maxRetriesPerRequest: 1 });
  return {
    url: fallback,
    dedicated: false,
    ...probe(redis),
    close: async () => {
      redis.disconnect();
      await Promise.resolve();
    },
  };
}
