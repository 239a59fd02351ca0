/**
 * Scenario 6 (horizontal): 1, 2 and 4 `esp-sync worker` processes on one Redis. At HubSpot's ceiling (190 per
 * 10 s, 50 ms latency) they share one budget: 429s no more than with one process, and the ratio of scenario 2
 * held. With limits off: records per second for each number of processes (on a 2-core machine more processes
 * cannot add cores, so this shows the overhead of sharing rather than the gain).
 */
import { startLocalStack } from '../../src/demo/local-stack.ts';
import { startSandbox, type SandboxOptions } from '../../src/sandbox/index.ts';
import type { BenchRedis } from '../lib/redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../lib/worker-process.ts';

export interface HorizontalRun {
  mode: 'ceiling' | 'limits off';
  processes: number;
  records: number;
  status: string;
  seconds: number;
  recordsPerSecond: number;
  hubspotCalls: number;
  /** ceiling: seconds over floor((calls − 1) / 190) × 10 s; null with limits off. */
  ratio: number | null;
  hubspot429s: number;
}

const PER_TEN_SECONDS = 190;
const LIMITS_OFF_ENV = { HUBSPOT_RATE_LIMIT: '1000000', CONSTANT_CONTACT_RATE_LIMIT: '1000000' };

export async function runHorizontalScenario(
  redis: BenchRedis,
  options: {
    mode: HorizontalRun['mode'];
    processes: number;
    records: number;
    prefix: string;
    concurrency: number;
  },
): Promise<HorizontalRun> {
  const perSource = Math.round(options.records / 2);
  const ceiling = options.mode === 'ceiling';
  const latency = { latencyMs: 50 };
  const sandboxOptions: SandboxOptions = {
    seed: 13,
    dataset: {
      seed: 13,
      mailchimp: { audiences: 2, membersPerAudience: Math.round(perSource / 2) },
      constantContact: { contacts: perSource },
      hubspotPreexisting: { contacts: 0 },
    },
    ...(ceiling
      ? {
          hubspot: { tier: 'enterprise' },
          faults: { hubspot: latency, mailchimp: latency, constantContact: latency },
        }
      : { limits: false }),
  };
  const sandbox = await startSandbox(sandboxOptions);
  const env = ceiling ? {} : LIMITS_OFF_ENV;
  const stack = await startLocalStack({
    queuePrefix: options.prefix,
    redisUrl: redis.url,
    existingSandbox: sandbox,
    workers: false,
    env,
  });
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < options.processes; i++) {
      workers.push(
        await startWorkerProcess(
          { ...sandbox.env, ...env, REDIS_URL: redis.url, QUEUE_PREFIX: options.prefix },
          options.concurrency,
        ),
      );
    }
    const started = performance.now();
    const done = await stack.run({
      sources: ['mailchimp', 'constant-contact'],
      kind: 'migrate',
      mode: 'batch',
    });
    const seconds = (performance.now() - started) / 1000;
    const hubspot = sandbox.callCounts().hubspot;
    const bound = (Math.floor(Math.max(0, hubspot.calls - 1) / PER_TEN_SECONDS) * 10_000) / 1000;
    return {
      mode: options.mode,
      processes: options.processes,
      records: done.counts.read,
      status: done.run.status,
      seconds,
      recordsPerSecond: done.counts.read / seconds,
      hubspotCalls: hubspot.calls,
      ratio: ceiling && bound > 0 ? seconds / bound : null,
      hubspot429s: hubspot.byStatus['429'] ?? 0,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await stack.close();
    await sandbox.close();
  }
}
