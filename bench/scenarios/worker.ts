/**
 * Scenario 1 (worker cost) and scenario 4 (memory): a migration from both sources with every limit and latency
 * off, worked by one `esp-sync worker` process of its own. Per run: the worker's CPU µs per record and peak RSS,
 * Redis commands per record on the benchmark's own Redis, Redis's peak memory, and records per second end to end.
 */
import { startLocalStack } from '../../src/demo/local-stack.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import type { BenchRedis } from '../lib/redis-server.ts';
import { startWorkerProcess } from '../lib/worker-process.ts';

export interface WorkerRun {
  /** Records asked of the sandbox's generator; `records` is what the run read. */
  requested: number;
  records: number;
  status: string;
  seconds: number;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number | null;
  redisCommandsPerRecord: number;
  redisScriptCallsPerRecord: number;
  /** The commands most called during the run, per record (commands inside Lua scripts included). */
  topRedisCommandsPerRecord: Record<string, number>;
  workerIdleRssMb: number | null;
  workerPeakRssMb: number | null;
  redisPeakMemoryMb: number;
}

const LIMITS_OFF = {
  HUBSPOT_RATE_LIMIT: '1000000',
  CONSTANT_CONTACT_RATE_LIMIT: '1000000',
  LOG_LEVEL: 'silent',
};
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export async function runWorkerScenario(
  redis: BenchRedis,
  records: number,
  prefix: string,
  concurrency: number,
): Promise<WorkerRun> {
  const perSource = Math.round(records / 2);
  const sandbox = await startSandbox({
    seed: 7,
    limits: false,
    dataset: {
      seed: 7,
      mailchimp: { audiences: 2, membersPerAudience: Math.round(perSource / 2) },
      constantContact: { contacts: perSource },
      hubspotPreexisting: { contacts: 0 },
    },
  });
  // The benchmark's side (starting and following the run) without workers; the worker runs in its own process.
  const stack = await startLocalStack({
    queuePrefix: prefix,
    redisUrl: redis.url,
    existingSandbox: sandbox,
    workers: false,
    env: LIMITS_OFF,
  });
  const worker = await startWorkerProcess(
    { ...sandbox.env, ...LIMITS_OFF, REDIS_URL: redis.url, QUEUE_PREFIX: prefix },
    concurrency,
  );
  try {
    const idle = worker.memory();
    const cpuBefore = worker.cpuMicros();
    const commandsBefore = await redis.commandCount();
    const memoryBefore = await redis.memory();
    const started = performance.now();
    const done = await stack.run({
      sources: ['mailchimp', 'constant-contact'],
      kind: 'migrate',
      mode: 'batch',
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = worker.cpuMicros();
    const commandsAfter = await redis.commandCount();
    const memoryAfter = await redis.memory();
    const peak = worker.memory();
    const read = Math.max(1, done.counts.read);
    return {
      requested: records,
      records: done.counts.read,
      status: done.run.status,
      seconds,
      recordsPerSecond: done.counts.read / seconds,
      cpuMicrosPerRecord: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / read,
      redisCommandsPerRecord: (commandsAfter.total - commandsBefore.total) / read,
      redisScriptCallsPerRecord: (commandsAfter.scripts - commandsBefore.scripts) / read,
      topRedisCommandsPerRecord: Object.fromEntries(
        Object.entries(commandsAfter.byCommand)
          .map(([name, n]): [string, number] => [name, (n - (commandsBefore.byCommand[name] ?? 0)) / read])
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([name, n]) => [name, Number(n.toFixed(2))]),
      ),
      workerIdleRssMb: idle ? mb(idle.rssBytes) : null,
      workerPeakRssMb: peak ? mb(peak.peakRssBytes) : null,
      redisPeakMemoryMb: mb(Math.max(memoryAfter.peakBytes, memoryBefore.peakBytes)),
    };
  } finally {
    await worker.stop();
    await stack.close();
    await sandbox.close();
  }
}
