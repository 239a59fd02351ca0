/**
 * `--wait` with no worker running: `--timeout` ends the wait with exit 3 and Ctrl-C stops following; in both
 * cases the run goes on and the CLI says how to follow it again. The CLI runs as separate processes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { isFinished } from '../../src/run/follow.ts';
import { openCliStack, runCli, spawnCli } from './helpers/cli.ts';
import { StackPool, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;

beforeAll(async () => {
  // No worker: the runs these tests start stay queued until the end, when a worker finishes them.
  ({ stack, env } = await openCliStack(pool, { seed: 12, members: 40, workers: false }));
}, 30_000);

afterAll(() => pool.closeAll());

async function runStatus(runId: string): Promise<string | undefined> {
  return (await stack.app.store.getRun(runId))?.status;
}

describe('esp-sync --wait without a worker', () => {
  let timedOutRunId = '';

  it('migrate --wait --timeout 1: exit 3, the run stays queued, and the CLI says how to follow it', async () => {
    const r = await runCli(['migrate', '--source', 'mailchimp', '--wait', '--timeout', '1', '--json'], env);
    expect(r.code).toBe(3);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runId: string; status: string };
    timedOutRunId = last.runId;
    expect(last.status).toBe('queued');
    expect(r.stderr).toContain(`run ${last.runId} keeps going (queued)`);
    expect(r.stderr).toContain('No worker is connected');
    expect(r.stderr).toContain(`esp-sync status ${last.runId}`);
    expect(await runStatus(last.runId)).toBe('queued');
  }, 60_000);

  it('Ctrl-C during retry-failed --wait stops following, not the run, and says how to follow it', async () => {
    // One record of that run failed in a way retry-failed can write again (a dead letter), so a retry run starts.
    const row = {
      key: 'mailchimp:l:1',
      source: 'mailchimp' as const,
      email: 'retry.me@example.com',
      sourceStatus: 'subscribed',
      outcome: 'failed' as const,
      consent: null,
      reason: 'HubSpot kept failing: 503',
    };
    await stack.app.store.recordRows(timedOutRunId, [row]);
    await stack.app.store.putDeadLetters(timedOutRunId, [{ row, contact: null }]);
    const running = spawnCli(['retry-failed', timedOutRunId, '--wait'], env);
    await waitFor('the retry run to start', () => /Started run (\S+);/.test(running.output().stdout), 30_000);
    const retryRunId = /Started run (\S+);/.exec(running.output().stdout)![1]!;
    running.child.kill('SIGINT');
    const r = await running.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Stopped following (Ctrl-C)');
    expect(r.stderr).toContain(`esp-sync status ${retryRunId}`);
    expect(await runStatus(retryRunId)).toBe('queued');
  }, 60_000);

  it('--timeout without --wait, or not a positive number: a usage error before anything starts', async () => {
    const alone = await runCli(['sync', '--source', 'mailchimp', '--timeout', '5'], env);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--wait');
    const words = await runCli(['migrate', '--source', 'mailchimp', '--wait', '--timeout', 'soon'], env);
    expect(words.code).toBe(2);
    expect(words.stderr).toContain('--timeout');
    expect((await stack.app.store.listRuns()).length).toBe(2);
  }, 60_000);

  it('a worker started later finishes the runs nobody waited for', async () => {
    stack.startWorkers();
    await waitFor(
      'every run to finish',
      async () => (await stack.app.store.listRuns()).every((run) => isFinished(run)),
      60_000,
    );
    expect(['completed', 'completed_with_errors']).toContain(await runStatus(timedOutRunId));
  }, 90_000);
});
