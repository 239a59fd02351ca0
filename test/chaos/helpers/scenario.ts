/**
 * One chaos scenario: a fresh sandbox (same seed, same data), a fresh queue prefix, one `all` migration of
 * Mailchimp and Constant Contact, the scenario's faults and crashes while it runs, then a full comparison of
 * the result with the state expected from the seeded data.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startLocalStack, type LocalStack } from '../../../src/demo/local-stack.ts';
import { isFinished, snapshot, type RunSnapshot } from '../../../src/run/follow.ts';
import { startRun } from '../../../src/run/start.ts';
import type { FaultDecision, FaultInjector, Vendor } from '../../../src/sandbox/faults.ts';
import type { DatasetOptions, SandboxOptions } from '../../../src/sandbox/index.ts';
import { deletePrefix, REDIS_URL } from '../../helpers/redis.ts';
import { expectedState, type ExpectedState } from '../../helpers/expected-state.ts';
import {
  FAST_STALL_ARGS,
  sleep,
  spawnWorker,
  workerReady,
  type PrivateRedis,
  type WorkerProcess,
} from './processes.ts';
import { readRows, verifyHubSpot, verifyRun } from './verify.ts';

export const SEED = 20261128;
export const RECORDS = Number(process.env.CHAOS_RECORDS ?? 1000);
/** How long one run may take before the scenario counts as hung (grows with the data). */
export const RUN_LIMIT_MS = Number(process.env.CHAOS_RUN_LIMIT_MS ?? 90_000 + RECORDS * 20);

/** N records per source: two Mailchimp audiences of N/2 members and N Constant Contact contacts. */
function chaosDataset(recordsPerSource: number, seed: number): DatasetOptions {
  const half = Math.max(1, Math.floor(recordsPerSource / 2));
  return {
    seed,
    mailchimp: { audiences: 2, membersPerAudience: half },
    constantContact: { contacts: recordsPerSource },
    // Many pre-existing opt-outs that a source says are subscribed: the people a lenient sync would resubscribe.
    hubspotPreexisting: { contacts: Math.max(10, Math.round(recordsPerSource / 5)), optedOutShare: 0.5 },
  };
}

const VENDOR_LIST: Vendor[] = ['hubspot', 'mailchimp', 'constantContact'];
const results: ScenarioResult[] = [];

export interface ChaosContext {
  stack: LocalStack;
  runId: string;
  expected: ExpectedState;
  /** True once the run reached a final status. */
  finished(): boolean;
  /** The latest snapshot the follower saw. */
  latest(): RunSnapshot | null;
  /** The environment a worker process needs to work on this scenario's sandbox, Redis and prefix. */
  workerEnv: Record<string, string>;
  workers: WorkerProcess[];
  /** Starts a worker process (FAST_STALL_ARGS plus `extraArgs`) and waits until it takes jobs. */
  addWorker(extraArgs?: string[]): Promise<WorkerProcess>;
  restarts: number;
  /** Facts the scenario proved along the way (shown in the table); a missing precondition is a problem. */
  notes: string[];
  problems: string[];
}

export interface ScenarioSpec {
  name: string;
  sandbox?: Pick<SandboxOptions, 'faults' | 'constantContact' | 'hubspot'>;
  /** Extra worker environment, e.g. HTTP_TIMEOUT_MS. */
  env?: Record<string, string>;
  /**
   * Run the workers as `node src/cli/main.ts worker` processes (this many at the start; 0 lets `during` start
   * them) instead of in-process.
   */
  workerProcesses?: number;
  redis?: PrivateRedis;
  /** Faults on chosen requests (1-based per API), on top of the random ones: small runs make few requests. */
  forced?: { calls: number[]; decision: FaultDecision; vendors?: Vendor[] };
  /** What happens while the run is in progress. */
  during?: (ctx: ChaosContext) => Promise<void>;
}

export interface ScenarioResult {
  name: string;
  records: number;
  faults: string;
  restarts: number;
  seconds: number;
  result: 'pass' | 'FAIL';
  problems: string[];
  notes: string[];
}

/** Makes the chosen requests of each API fail as `decision`, whatever the random draw says. */
function forceFaults(
  faults: FaultInjector,
  forced: NonNullable<ScenarioSpec['forced']>,
): () => Record<Vendor, number> {
  const seen: Record<Vendor, number> = { hubspot: 0, mailchimp: 0, constantContact: 0 };
  const hits: Record<Vendor, number> = { hubspot: 0, mailchimp: 0, constantContact: 0 };
  const vendors = forced.vendors ?? VENDOR_LIST;
  const original = faults.decide.bind(faults);
  faults.decide = (vendor) => {
    const random = original(vendor);
    seen[vendor]++;
    if (!vendors.includes(vendor) || !forced.calls.includes(seen[vendor])) return random;
    hits[vendor]++;
    return forced.decision;
  };
  return () => hits;
}

function describeFaults(stack: LocalStack, forcedHits: Record<Vendor, number> | null): string {
  const counters = stack.sandbox.faults.counters();
  const short: Record<Vendor, string> = { hubspot: 'HS', mailchimp: 'MC', constantContact: 'CC' };
  const parts = VENDOR_LIST.map((v) => {
    const c = counters[v];
    const kinds = [
      ['latency', c.delayed],
      ['5xx', c.errors],
      ['429', c.rateLimited],
      ['reset', c.resets],
      ['slow', c.slow],
      ['forced', forcedHits?.[v] ?? 0],
    ].filter(([, n]) => Number(n) > 0);
    return kinds.length > 0 ? `${short[v]} ${kinds.map(([k, n]) => `${k}:${n}`).join(' ')}` : '';
  });
  return parts.filter(Boolean).join('; ') || 'none';
}

/** Job counts and rate-limit waits per queue, to see where a hung run stands. */
async function describeQueues(stack: LocalStack): Promise<string> {
  const parts = await Promise.all(
    Object.entries(stack.app.queues.byName).map(async ([name, queue]) => {
      const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'waiting-children', 'failed');
      const active = await queue.getJobs(['active'], 0, 5);
      const ttl = await queue.getRateLimitTtl();
      return `${name} ${JSON.stringify(counts)} limitTtl=${ttl} active=[${active.map((j) => j?.name).join(',')}]`;
    }),
  );
  return parts.join(' | ');
}

async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const started = Date.now();
  const prefix = `chaos-${spec.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const redisUrl = spec.redis?.url ?? REDIS_URL;
  const inProcess = spec.workerProcesses === undefined;
  const stack = await startLocalStack({
    queuePrefix: prefix,
    redisUrl,
    sandbox: { seed: SEED, dataset: chaosDataset(RECORDS, SEED), ...spec.sandbox },
    ...(spec.env ? { env: spec.env } : {}),
    workers: inProcess ? {} : false,
  });
  // A Redis restart makes every connection report errors; count them instead of printing each one.
  let redisErrors = 0;
  for (const queue of Object.values(stack.app.queues.byName)) queue.on('error', () => redisErrors++);
  stack.app.queues.flow.on('error', () => redisErrors++);
  const forcedHits = spec.forced ? forceFaults(stack.sandbox.faults, spec.forced) : null;
  const expected = expectedState(stack.sandbox.dataset);
  const workerEnv = { ...stack.sandbox.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, ...spec.env };
  const seen: { latest: RunSnapshot | null } = { latest: null };
  let done = false;
  const workers: WorkerProcess[] = [];
  const ctx: ChaosContext = {
    stack,
    runId: '',
    expected,
    finished: () => done,
    latest: () => seen.latest,
    workerEnv,
    workers,
    restarts: 0,
    notes: [],
    problems: [],
    async addWorker(extraArgs = []) {
      const w = spawnWorker(workerEnv, [...FAST_STALL_ARGS, ...extraArgs]);
      workers.push(w);
      await workerReady(w);
      return w;
    },
  };
  const problems: string[] = [];
  try {
    for (let i = 0; i < (spec.workerProcesses ?? 0); i++) await ctx.addWorker();
    const run = await startRun(stack.app, {
      sources: ['mailchimp', 'constant-contact'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    ctx.runId = run.id;
    const deadline = Date.now() + RUN_LIMIT_MS;
    const follow = (async () => {
      for (;;) {
        const latest = await snapshot(stack.app.store, run.id);
        seen.latest = latest;
        if (latest && isFinished(latest.run)) return latest;
        if (Date.now() > deadline) return null;
        await sleep(200);
      }
    })().finally(() => (done = true));
    const chaos = (spec.during?.(ctx) ?? Promise.resolve()).catch((err: unknown) => {
      ctx.problems.push(`scenario step failed: ${String(err)}`);
    });
    const outcome = await follow;
    await chaos;
    if (outcome === null) {
      problems.push(
        `run did not finish within ${RUN_LIMIT_MS} ms: ${seen.latest?.run.status} ${JSON.stringify(seen.latest?.counts)}`,
        `queues: ${await describeQueues(stack)}`,
        ...workers.map((w) => `worker ${w.child.pid} output tail:\n${w.output().slice(-1500)}`),
      );
    } else {
      const rows = await readRows(stack.app.store, run.id);
      problems.push(
        ...verifyHubSpot(stack.sandbox.hubspot.snapshot(), expected),
        ...verifyRun(outcome, rows, expected),
      );
    }
    problems.push(...ctx.problems);
    if (redisErrors > 0) {
      ctx.notes.push(`${redisErrors} Redis connection errors seen by the test's own queues`);
    }
  } finally {
    await stopWorkers(workers);
    const faults = describeFaults(stack, forcedHits?.() ?? null);
    await stack.close();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    await deletePrefix(redis, prefix).finally(() => redis.disconnect());
    results.push({
      name: spec.name,
      records: expected.totals.read,
      faults,
      restarts: ctx.restarts,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      result: problems.length === 0 ? 'pass' : 'FAIL',
      problems,
      notes: ctx.notes,
    });
  }
  return results[results.length - 1]!;
}

export function resultsTable(): string {
  const header = ['scenario', 'records', 'faults injected', 'restarts', 'seconds', 'result'];
  const rows = results.map((r) => [
    r.name,
    String(r.records),
    r.faults,
    String(r.restarts),
    String(r.seconds),
    r.result,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.name}: ${n}`));
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
