/**
 * npm run bench — the performance suite against the local sandbox. Writes bench/results.json and
 * bench/RESULTS.md and prints the table: every figure with its target, a missed target shown as missed.
 *
 *   2. at the ceiling: HubSpot at 190 (and Starter's 100) per 10 s, 50 ms latency: wall time over the bound the
 *      limit allows for the calls made, 429s; Constant Contact at 4 requests/s: 429s;
 *   6. horizontal: 1, 2 and 4 worker processes at the ceiling (429s, ratio) and with limits off (records/s);
 *   3. calls against the floor: HubSpot calls by kind for a full migration vs the fewest the consent rules allow;
 *   5. incremental: HubSpot calls of a sync after 1% of the records changed, as a share of the full migration's;
 *   1. worker cost: worker CPU µs and Redis commands per record, records/s (limits and latency off);
 *   4. memory: the worker's peak RSS at each size (limits off), Redis's peak memory.
 *
 * Every scenario runs its migrations in batch mode, as `esp-sync migrate --mode batch` does (the command's
 * default, auto, would choose import mode from 50,000 records, whose calls and time are not the rate limit's;
 * the calls-import scenario compares the two modes). A run started without a mode is a batch run already: the
 * mode is written out so that a change of that default cannot change what the benchmark measures.
 *
 * Scenarios 3 and 5 count calls, so their figures do not depend on the machine's load; 1 and 4 measure time
 * and memory on whatever else the machine is doing (the load average is recorded with the results).
 *
 * Environment (defaults keep a run from a fresh clone well under 15 minutes):
 *   BENCH_SCENARIOS       calls,worker,ceiling  which to run ("calls" = 3 and 5, "worker" = 1 and 4, "ceiling" = 2,
 *                                        "horizontal" = 6, "calls-import" = 3's calls per 1,000 records in
 *                                        batch and import mode)
 *   BENCH_CALLS_RECORDS   20000          records in scenarios 3 and 5 (half Mailchimp, half Constant Contact)
 *   BENCH_WORKER_RECORDS  20000,100000,200000  sizes for scenarios 1 and 4; the first runs BENCH_REPEAT times
 *   BENCH_REPEAT          3              runs of the first size (median and spread)
 *   BENCH_CONCURRENCY     8              the worker's --concurrency
 *   BENCH_CEILING_RECORDS 20000          records in scenario 2 (each tier; about 1 s of rate limit per 60 records)
 *   BENCH_HORIZONTAL_RECORDS 20000       records in scenario 6 (each of its six runs)
 *   BENCH_SHARED_REDIS    unset          1 = use REDIS_URL instead of a private redis-server
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { startBenchRedis, type BenchRedis } from './lib/redis-server.ts';
import { describeMachine, printTable, writeResults, type Row } from './lib/report.ts';
import { callRows, ceilingRows, horizontalRows, workerRows } from './lib/rows.ts';
import { deletePrefix } from './lib/cleanup.ts';
import { runCallsScenario, type CallsResult } from './scenarios/calls.ts';
import { importCallRows, runImportCallsScenario, type ModeCalls } from './scenarios/calls-import.ts';
import { runCeilingScenario, type CeilingRun } from './scenarios/ceiling.ts';
import { runHorizontalScenario, type HorizontalRun } from './scenarios/horizontal.ts';
import { runWorkerScenario, type WorkerRun } from './scenarios/worker.ts';

const numbers = (value: string | undefined, fallback: number[]) =>
  value ? value.split(',').map((v) => Number(v.trim())) : fallback;
const scenarios = new Set(
  (process.env.BENCH_SCENARIOS ?? 'calls,worker,ceiling,horizontal').split(',').map((s) => s.trim()),
);
const callsRecords = Number(process.env.BENCH_CALLS_RECORDS ?? 20_000);
const workerSizes = numbers(process.env.BENCH_WORKER_RECORDS, [20_000, 100_000, 200_000]);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ceilingRecords = Number(process.env.BENCH_CEILING_RECORDS ?? 20_000);
const horizontalRecords = Number(process.env.BENCH_HORIZONTAL_RECORDS ?? 20_000);

const settings = {
  BENCH_SCENARIOS: [...scenarios].join(','),
  BENCH_CALLS_RECORDS: callsRecords,
  BENCH_WORKER_RECORDS: workerSizes.join(','),
  BENCH_REPEAT: repeat,
  BENCH_CONCURRENCY: concurrency,
  BENCH_CEILING_RECORDS: ceilingRecords,
  BENCH_HORIZONTAL_RECORDS: horizontalRecords,
};
const machine = describeMachine();
const rows: Row[] = [];
const raw: {
  calls?: CallsResult;
  callsByMode?: ModeCalls[];
  worker?: WorkerRun[];
  ceiling?: CeilingRun[];
  horizontal?: HorizontalRun[];
  redis?: { dedicated: boolean };
} = {};
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const prefix = (name: string) => `bench-${name}-${randomUUID().slice(0, 8)}`;

async function withRedis<T>(name: string, fn: (redis: BenchRedis, prefix: string) => Promise<T>): Promise<T> {
  const redis = await startBenchRedis();
  raw.redis = { dedicated: redis.dedicated };
  const p = prefix(name);
  try {
    return await fn(redis, p);
  } finally {
    if (!redis.dedicated) await deletePrefix(redis.url, p);
    await redis.close();
  }
}

if (scenarios.has('calls')) {
  log(`scenarios 3 and 5: ${callsRecords} records, then 1% changed`);
  raw.calls = await withRedis('calls', (redis, p) => runCallsScenario(redis, callsRecords, p));
  rows.push(...callRows(raw.calls));
}
if (scenarios.has('calls-import')) {
  log(`scenario 3 by mode: ${callsRecords} records, batch then import mode`);
  raw.callsByMode = await withRedis('calls-import', (redis, p) =>
    runImportCallsScenario(redis, callsRecords, p),
  );
  rows.push(...importCallRows(raw.callsByMode));
}
if (scenarios.has('worker')) {
  const plan = [...Array.from({ length: repeat }, () => workerSizes[0] ?? 0), ...workerSizes.slice(1)];
  raw.worker = [];
  for (const [i, size] of plan.entries()) {
    log(`scenarios 1 and 4: run ${i + 1} of ${plan.length}, ${size} records`);
    // A fresh Redis per run: its peak memory and command counters belong to this run alone.
    raw.worker.push(await withRedis('worker', (redis, p) => runWorkerScenario(redis, size, p, concurrency)));
  }
  rows.push(...workerRows(raw.worker, workerSizes, raw.redis?.dedicated ?? false));
}

if (scenarios.has('ceiling')) {
  raw.ceiling = [];
  for (const tier of ['enterprise', 'starter'] as const) {
    log(`scenario 2: ${ceilingRecords} records at HubSpot's ${tier} limit, 50 ms latency`);
    raw.ceiling.push(
      await withRedis('ceiling', (redis, p) => runCeilingScenario(redis, ceilingRecords, p, tier)),
    );
  }
  rows.push(...ceilingRows(raw.ceiling));
}

if (scenarios.has('horizontal')) {
  raw.horizontal = [];
  for (const mode of ['ceiling', 'limits off'] as const) {
    for (const processes of [1, 2, 4]) {
      log(`scenario 6: ${processes} worker process(es), ${mode}, ${horizontalRecords} records`);
      const options = { mode, processes, records: horizontalRecords, concurrency };
      raw.horizontal.push(
        await withRedis('horizontal', (redis, p) => runHorizontalScenario(redis, { ...options, prefix: p })),
      );
    }
  }
  rows.push(...horizontalRows(raw.horizontal));
}

// Scenarios in their numbered order (the sort is stable: rows of one scenario keep theirs).
rows.sort((a, b) => Number.parseInt(a.scenario, 10) - Number.parseInt(b.scenario, 10));
machine.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
const dir = resolve(import.meta.dirname);
await writeResults(dir, rows, machine, settings, raw);
printTable(rows);
log(`written: ${dir}/results.json and ${dir}/RESULTS.md`);
