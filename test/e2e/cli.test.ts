/**
 * The CLI as a user runs it: `esp-sync migrate --wait --json`, `status`, `runs`, `report` and `retry-failed` as
 * separate processes against the sandbox, with a worker running (here in the test process); "not found" answers
 * and a dashboard whose port is taken.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo } from 'node:net';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { openCliStack, runCli } from './helpers/cli.ts';
import { StackPool } from './helpers/stack.ts';

const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;

const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { ...env, ...extraEnv });

beforeAll(async () => {
  ({ stack, env } = await openCliStack(pool, { seed: 11, members: 150 }));
}, 30_000);

afterAll(() => pool.closeAll());

describe('esp-sync CLI against the sandbox', () => {
  it('migrate --wait --json ends with the summary object and the exit code of the outcome', async () => {
    const result = await cli(['migrate', '--source', 'mailchimp', '--wait', '--json']);
    const lines = result.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as {
      runId: string;
      status: string;
      counts: Record<string, number>;
    };
    expect(Object.keys(summary)).toEqual(['runId', 'status', 'counts']);
    expect(Object.keys(summary.counts)).toEqual([
      'read',
      'created',
      'updated',
      'unchanged',
      'subscribed',
      'optedOut',
      'keptOptedOut',
      'skipped',
      'failed',
    ]);
    const members = stack.sandbox.dataset.mailchimp.lists[0]!.members.length;
    expect(summary.counts.read).toBe(members);
    // The generated audience holds invalid addresses: the run finishes with failures, exit code 1.
    expect(summary.counts.failed).toBeGreaterThan(0);
    expect(summary.status).toBe('completed_with_errors');
    expect(result.code).toBe(1);

    const status = await cli(['status', summary.runId, '--json']);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { counts: unknown }).counts).toEqual(summary.counts);

    const report = await cli(['report', summary.runId, '--format', 'csv', '--only', 'failed']);
    expect(report.code).toBe(0);
    const rows = report.stdout.trim().split('\n');
    expect(rows[0]).toBe('email,source,sourceStatus,outcome,consent,reason,key');
    expect(rows).toHaveLength(summary.counts.failed! + 1);
    expect(rows.slice(1).every((r) => r.includes(',failed,') && /invalid email address/.test(r))).toBe(true);

    const all = await cli(['report', summary.runId, '--format', 'json']);
    expect((JSON.parse(all.stdout) as unknown[]).length).toBe(members);

    // An invalid address is fixed in the source (the next sync reads it again), not by retry-failed: only
    // records HubSpot refused or could not take are dead letters, so there is nothing to retry, and it says why.
    const retry = await cli(['retry-failed', summary.runId, '--wait', '--json']);
    expect(JSON.parse(retry.stdout)).toEqual({
      runId: null,
      retryOf: summary.runId,
      retryable: 0,
      notRetryable: summary.counts.failed,
      notRetryableReasons: [{ reason: 'invalid email address', count: summary.counts.failed }],
    });
    expect(retry.stderr).toContain(`${summary.counts.failed!} cannot be retried`);
    expect(retry.code).toBe(0);
  }, 120_000);

  it('says which run holds a source that is still running', async () => {
    await stack.workers?.close();
    const first = await cli(['migrate', '--source', 'mailchimp']);
    expect(first.code).toBe(0);
    const second = await cli(['migrate', '--source', 'mailchimp']);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/still running for mailchimp/);
    stack.startWorkers();
  }, 60_000);

  it('runs lists recent runs newest first, as text or JSON, --limit caps them', async () => {
    const json = await cli(['runs', '--json']);
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as {
      run: { id: string; status: string; createdAt: string };
      counts: { read: number; failed: number };
    }[];
    // The tests above started two migrations (the retry had nothing to retry and started no run).
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const created = entries.map((e) => e.run.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const latest = JSON.parse((await cli(['status', '--json'])).stdout) as { runId: string };
    expect(entries[0]!.run.id).toBe(latest.runId);
    expect(entries.some((e) => e.counts.read > 0 && e.counts.failed > 0)).toBe(true);

    const text = await cli(['runs', '--limit', '2']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    entries.slice(0, 2).forEach((e, i) => {
      expect(lines[i]).toContain(e.run.id);
      expect(lines[i]).toContain(e.run.status);
    });

    const empty = await cli(['runs'], { QUEUE_PREFIX: pool.prefix('cli-no-runs') });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^No runs yet/);
  }, 60_000);

  it('"not found" is a usage error: exit 2 with one line saying where to look', async () => {
    for (const args of [
      ['status', '20990101-000000-abcdef'],
      ['report', '20990101-000000-abcdef'],
      ['retry-failed', '20990101-000000-abcdef'],
      ['schedule', 'remove', 'sync-nothing'],
    ]) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const empty = await cli(['status'], { QUEUE_PREFIX: pool.prefix('cli-empty') });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^No run yet under QUEUE_PREFIX=test-cli-empty-/);
  }, 120_000);

  it('dashboard on a port in use: says so and exits 3 instead of hanging', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      const r = await cli(['dashboard', '--no-auth', '--port', String(port)]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      expect(r.stderr).toContain('EADDRINUSE');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);
});
