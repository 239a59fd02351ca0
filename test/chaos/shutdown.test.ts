/**
 * SIGTERM to a worker process mid-run: it stops taking jobs, finishes (or, past the grace time, hands back) its
 * active jobs, and exits 0 in time; a worker started afterwards finishes the run, and the result is exactly
 * the expected state.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { sleep } from './helpers/processes.ts';
import { RECORDS, RUN_LIMIT_MS, resultsTable, runScenario, type ChaosContext } from './helpers/scenario.ts';

const TEST_LIMIT_MS = RUN_LIMIT_MS + 60_000;
const STRETCH = { latencyMs: Math.max(20, Math.round(150 - RECORDS / 100)) };

async function activeJobs(stack: LocalStack): Promise<number> {
  const counts = await Promise.all(
    Object.values(stack.app.queues.byName).map((q) => q.getJobCounts('active')),
  );
  return counts.reduce((sum, c) => sum + (c.active ?? 0), 0);
}

async function waitFor(ctx: ChaosContext, what: string, condition: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (ctx.finished() || Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

const readNow = (ctx: ChaosContext) => ctx.latest()?.counts.read ?? 0;
/** Read straight from Redis (the follower's snapshot may be up to one poll old). */
const readStored = async (ctx: ChaosContext) => (await ctx.stack.app.store.counts(ctx.runId)).counts.read;

describe('worker shutdown', () => {
  afterAll(() => {
    process.stdout.write(`\nShutdown scenarios (${RECORDS} records per source)\n${resultsTable()}\n\n`);
  });

  it(
    'SIGTERM: no new jobs, active jobs finished, exit 0 within the grace time; the next worker finishes the run',
    async () => {
      const graceMs = 15_000;
      const result = await runScenario({
        name: 'SIGTERM, jobs finish',
        workerProcesses: 0,
        sandbox: { faults: { hubspot: STRETCH, mailchimp: STRETCH, constantContact: STRETCH } },
        async during(ctx) {
          const first = await ctx.addWorker(['--shutdown-grace', String(graceMs)]);
          await waitFor(ctx, 'a fifth of the records', () => readNow(ctx) >= ctx.expected.totals.read / 5);
          const sentAt = Date.now();
          first.kill('SIGTERM');
          const exit = await first.exited;
          ctx.notes.push(`exit ${exit.code} after ${exit.at - sentAt} ms`);
          expect(exit).toMatchObject({ code: 0, signal: null });
          expect(exit.at - sentAt).toBeLessThan(graceMs);
          expect(first.output()).toContain('workers stopped');
          // It finished what it had: nothing is left active, and the run is not done.
          expect(await activeJobs(ctx.stack)).toBe(0);
          expect(ctx.finished()).toBe(false);
          // And it took nothing more: with no worker, nothing moves.
          const before = await readStored(ctx);
          await sleep(1500);
          expect(await readStored(ctx)).toBe(before);
          expect(before).toBeLessThan(ctx.expected.totals.read);
          await ctx.addWorker();
          ctx.restarts++;
        },
      });
      expect(result.problems).toEqual([]);
    },
    TEST_LIMIT_MS,
  );

  it(
    'SIGTERM with jobs stuck past the grace time: exit 0 at the grace time, another worker takes the jobs over',
    async () => {
      const graceMs = 1500;
      const result = await runScenario({
        name: 'SIGTERM, jobs handed back',
        workerProcesses: 0,
        env: { HTTP_TIMEOUT_MS: '20000' },
        sandbox: { faults: { hubspot: STRETCH, mailchimp: STRETCH, constantContact: STRETCH } },
        async during(ctx) {
          const first = await ctx.addWorker(['--shutdown-grace', String(graceMs)]);
          await waitFor(ctx, 'a fifth of the records', () => readNow(ctx) >= ctx.expected.totals.read / 5);
          // HubSpot now answers only after 8 s (the writes happen at once): the active HubSpot jobs hang.
          ctx.stack.sandbox.faults.set({ hubspot: { slowRate: 1, slowMs: 8000 } });
          await waitFor(ctx, 'a hanging HubSpot job', async () => (await activeJobs(ctx.stack)) > 0);
          await sleep(300);
          const sentAt = Date.now();
          first.kill('SIGTERM');
          const exit = await first.exited;
          ctx.notes.push(`exit ${exit.code} after ${exit.at - sentAt} ms with jobs still active`);
          expect(exit).toMatchObject({ code: 0, signal: null });
          expect(exit.at - sentAt).toBeGreaterThanOrEqual(graceMs - 100);
          expect(exit.at - sentAt).toBeLessThan(graceMs + 3000);
          expect(first.output()).toContain('grace time over');
          expect(await activeJobs(ctx.stack)).toBeGreaterThan(0);
          ctx.stack.sandbox.faults.set({ hubspot: { slowRate: 0 } });
          await ctx.addWorker();
          ctx.restarts++;
        },
      });
      expect(result.problems).toEqual([]);
    },
    TEST_LIMIT_MS,
  );
});
