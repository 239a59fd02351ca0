/**
 * `esp-sync schedule list` shows each schedule's next firing and its last one: the run it started and that run's
 * result, or that it was skipped because the previous run still held the source. Firings are added to the runs
 * queue the way BullMQ's job scheduler adds them, so the test does not wait for a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { isFinished } from '../../src/run/follow.ts';
import { SCHEDULED_SYNC_JOB, type ScheduledSyncData } from '../../src/run/schedules.ts';
import { runLocks } from '../../src/run/start.ts';
import { openCliStack, runCli } from './helpers/cli.ts';
import { StackPool, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;

beforeAll(async () => {
  ({ stack, env } = await openCliStack(pool, { seed: 13, members: 30 }));
}, 30_000);

afterAll(() => pool.closeAll());

const SCHEDULE = 'sync-mailchimp';

/** Fires the schedule once, as its job scheduler would, and answers the finished job. */
async function fire(): Promise<Job> {
  const data: ScheduledSyncData = { scheduleId: SCHEDULE, sources: ['mailchimp'], audiences: [] };
  const job = await stack.app.queues.byName.runs.add(SCHEDULED_SYNC_JOB, data);
  await waitFor('the firing to be processed', async () => (await job.getState()) === 'completed', 30_000);
  return (await stack.app.queues.byName.runs.getJob(job.id!))!;
}

interface Listed {
  id: string;
  next: string | null;
  lastFiring: { runId: string | null; result: string; detail: string | null } | null;
}

async function list(): Promise<{ json: Listed[]; text: string }> {
  const json = await runCli(['schedule', 'list', '--json'], env);
  const text = await runCli(['schedule', 'list'], env);
  expect([json.code, text.code]).toEqual([0, 0]);
  return { json: JSON.parse(json.stdout) as Listed[], text: text.stdout };
}

describe('esp-sync schedule list', () => {
  it('a new schedule: its next firing, not fired yet', async () => {
    const added = await runCli(['schedule', 'add', '--source', 'mailchimp', '--cron', '0 0 1 1 *'], env);
    expect(added.stdout.trim()).toBe(SCHEDULE);
    const { json, text } = await list();
    expect(json).toMatchObject([{ id: SCHEDULE, lastFiring: null }]);
    expect(json[0]!.next).toMatch(/-01-01T00:00:00/);
    expect(text).toContain(
      `${SCHEDULE}: mailchimp at "0 0 1 1 *", next ${json[0]!.next}, last not fired yet`,
    );
  }, 60_000);

  it('after a firing: the run it started and that run’s result', async () => {
    const job = await fire();
    const { runId } = job.returnvalue as { runId: string };
    await waitFor(
      'the run to finish',
      async () => isFinished((await stack.app.store.getRun(runId))!),
      60_000,
    );
    const run = (await stack.app.store.getRun(runId))!;
    const { json, text } = await list();
    expect(json[0]!.lastFiring).toMatchObject({ runId, result: run.status });
    expect(text).toContain(` run ${runId}: ${run.status}`);
  }, 90_000);

  it('a firing skipped because a run still held the source says so', async () => {
    const locks = runLocks(stack.app.store);
    expect((await locks.acquireAll(['mailchimp'], 'run-still-going')).ok).toBe(true);
    try {
      await fire();
    } finally {
      await locks.releaseAll(['mailchimp'], 'run-still-going');
    }
    const { json, text } = await list();
    expect(json[0]!.lastFiring).toMatchObject({
      runId: null,
      result: 'skipped',
      detail: 'run run-still-going was still running',
    });
    expect(text).toContain(': skipped (run run-still-going was still running), skipped 1');
  }, 60_000);
});
