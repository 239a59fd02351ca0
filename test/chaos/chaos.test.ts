/**
 * The chaos suite: whole `all` migrations under API faults, worker crashes and a Redis restart. After each one,
 * HubSpot must hold exactly the state computed from the seeded data (see test/helpers/expected-state.ts) and the run's
 * rows and counts must account for every source record.
 *
 * Size: CHAOS_RECORDS per source (default 1000; `CHAOS_RECORDS=100000 npm run test:chaos` on demand).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Prng } from '../../src/sandbox/generator/index.ts';
import { QUEUE_NAMES } from '../../src/queue/queues.ts';
import { startPrivateRedis, sleep } from './helpers/processes.ts';
import {
  RECORDS,
  RUN_LIMIT_MS,
  SEED,
  resultsTable,
  runScenario,
  type ChaosContext,
  type ScenarioSpec,
} from './helpers/scenario.ts';

const TEST_LIMIT_MS = RUN_LIMIT_MS + 60_000;
/** Constant Contact pages hold 500 contacts; the definitions (custom fields, lists, tags) cost 3 requests. */
const CC_PAGES = Math.ceil(RECORDS / 500);

/** Waits until `condition` holds; false (and a problem noted) if the run finished first. */
async function until(ctx: ChaosContext, what: string, condition: () => boolean | Promise<boolean>) {
  while (!ctx.finished()) {
    if (await condition()) return true;
    await sleep(50);
  }
  ctx.problems.push(`precondition not met: the run finished before ${what}`);
  return false;
}

const progress = (ctx: ChaosContext): number => (ctx.latest()?.counts.read ?? 0) / ctx.expected.totals.read;

async function expectPass(spec: ScenarioSpec): Promise<void> {
  const result = await runScenario(spec);
  expect(result.problems).toEqual([]);
}

/** Latency on every API call, so that small runs last long enough for crashes to land mid-run. */
const STRETCH = { latencyMs: Math.max(0, Math.round(200 - RECORDS / 50)) };

describe(`chaos: ${RECORDS} records per source, seed ${SEED}`, () => {
  afterAll(() => {
    process.stdout.write(`\nChaos suite (${RECORDS} records per source)\n${resultsTable()}\n\n`);
  });

  it('no faults (the reference)', () => expectPass({ name: 'no faults' }), TEST_LIMIT_MS);

  it(
    '10% 5xx on all three APIs',
    () =>
      expectPass({
        name: '10% 5xx',
        sandbox: {
          faults: {
            hubspot: { errorRate: 0.1 },
            mailchimp: { errorRate: 0.1 },
            constantContact: { errorRate: 0.1 },
          },
        },
        forced: { calls: [2, 5], decision: { kind: 'error', status: 503 } },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'bursts of 429s from all three APIs, again and again during the run',
    () =>
      expectPass({
        name: '429 bursts',
        sandbox: {
          faults: {
            hubspot: { rateLimitBurst: 3 },
            mailchimp: { rateLimitBurst: 3 },
            constantContact: { rateLimitBurst: 3 },
          },
        },
        async during(ctx) {
          for (const share of [0.3, 0.6]) {
            if (!(await until(ctx, `${share * 100}% was read`, () => progress(ctx) >= share))) return;
            ctx.stack.sandbox.faults.set({
              hubspot: { rateLimitBurst: 3 },
              mailchimp: { rateLimitBurst: 3 },
              constantContact: { rateLimitBurst: 3 },
            });
          }
        },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'connection resets',
    () =>
      expectPass({
        name: 'connection resets',
        sandbox: {
          faults: {
            hubspot: { resetRate: 0.05 },
            mailchimp: { resetRate: 0.05 },
            constantContact: { resetRate: 0.05 },
          },
        },
        forced: { calls: [2, 4], decision: { kind: 'reset' } },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'responses slower than the client timeout (the write still happens on the server)',
    () =>
      expectPass({
        name: 'slow > timeout',
        env: { HTTP_TIMEOUT_MS: '1000' },
        sandbox: {
          faults: {
            hubspot: { slowRate: 0.05, slowMs: 1500 },
            mailchimp: { slowRate: 0.05, slowMs: 1500 },
            constantContact: { slowRate: 0.05, slowMs: 1500 },
          },
        },
        // Call 1 of Constant Contact is the token refresh: a lost rotated refresh token is its own scenario.
        forced: { calls: [3], decision: { kind: 'slow', ms: 1500 } },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'a Constant Contact access token that expires mid-run, with rotating refresh tokens',
    () =>
      expectPass({
        name: 'CC token expiry',
        sandbox: {
          constantContact: { accessTokenTtlSeconds: 1, refreshTokenMode: 'rotating' },
          faults: { constantContact: { latencyMs: 150 } },
        },
        async during(ctx) {
          const cc = ctx.stack.sandbox.constantContact;
          while (!ctx.finished()) {
            await sleep(300);
            cc.expireAccessTokens();
          }
          const counts = ctx.stack.sandbox.callCounts().constantContact;
          const refreshes = counts.routes['POST /oauth2/default/v1/token']?.calls ?? 0;
          const unauthorized = counts.byStatus['401'] ?? 0;
          ctx.notes.push(`${refreshes} token requests, ${unauthorized} answers 401`);
          if (refreshes < 2) ctx.problems.push(`precondition: only ${refreshes} token request(s)`);
        },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'the Constant Contact daily quota runs out mid-run; the operator resets the day and the run resumes',
    () =>
      expectPass({
        name: 'CC daily quota',
        sandbox: { constantContact: { dailyQuota: 3 + Math.ceil(CC_PAGES / 2) } },
        async during(ctx) {
          const { store, queues } = ctx.stack.app;
          const paused = await until(ctx, 'the quota notice', async () => {
            const run = await store.getRun(ctx.runId);
            return run?.notices.some((n) => n.includes('daily quota')) ?? false;
          });
          if (!paused) return;
          await sleep(1000);
          const status = (await store.getRun(ctx.runId))?.status;
          ctx.notes.push(`paused at ${Math.round(progress(ctx) * 100)}% read, run ${status}`);
          if (status !== 'running') ctx.problems.push(`a quota pause left the run ${status}`);
          // What 00:00 UTC does by itself in production.
          ctx.stack.sandbox.constantContact.resetDay();
          await queues.byName[QUEUE_NAMES.constantContact].removeRateLimitKey();
        },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'two worker processes, killed with SIGKILL at random moments and started again',
    () =>
      expectPass({
        name: 'SIGKILL ×2 workers',
        workerProcesses: 2,
        sandbox: { faults: { hubspot: STRETCH, mailchimp: STRETCH, constantContact: STRETCH } },
        async during(ctx) {
          const rng = new Prng(SEED);
          for (let kill = 0; kill < 4 && !ctx.finished(); kill++) {
            await sleep(rng.int(700, 2000));
            if (ctx.finished()) break;
            const alive = ctx.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
            const victim = alive[rng.int(0, alive.length - 1)];
            if (!victim) continue;
            victim.kill('SIGKILL');
            await victim.exited;
            ctx.restarts++;
            ctx.notes.push(`kill ${kill + 1} at ${Math.round(progress(ctx) * 100)}% read`);
            await ctx.addWorker();
          }
          if (ctx.restarts < 3) ctx.problems.push(`precondition: only ${ctx.restarts} kills landed mid-run`);
        },
      }),
    TEST_LIMIT_MS,
  );

  it(
    'Redis restarted mid-run (append-only file), workers and the run carry on',
    async () => {
      const redis = await startPrivateRedis();
      try {
        await expectPass({
          name: 'Redis restart',
          redis,
          workerProcesses: 1,
          sandbox: { faults: { hubspot: STRETCH, mailchimp: STRETCH, constantContact: STRETCH } },
          async during(ctx) {
            if (!(await until(ctx, 'a quarter was read', () => progress(ctx) >= 0.25))) return;
            await redis.shutdown();
            ctx.notes.push(`Redis shut down at ${Math.round(progress(ctx) * 100)}% read`);
            await sleep(1500);
            await redis.start();
            ctx.restarts++;
          },
        });
      } finally {
        await redis.destroy();
      }
    },
    TEST_LIMIT_MS,
  );
});
