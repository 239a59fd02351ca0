/**
 * The CLI as a user runs it: `esp-sync migrate --wait --json`, `status`, `report` and `retry-failed` as separate
 * processes against the sandbox, with a worker running (here in the test process).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { generateDataset } from '../../src/sandbox/index.ts';
import { StackPool } from './helpers/stack.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // A temp cwd, so a developer's .env does not leak into the test.
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: mkdtempSync(join(tmpdir(), 'esp-cli-')),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const dataset = generateDataset({
    seed: 11,
    mailchimp: { audiences: 1, membersPerAudience: 150 },
    constantContact: { contacts: 0 },
    hubspotPreexisting: { contacts: 0 },
  });
  stack = await pool.open({
    sandbox: { seed: 11, limits: false, dataset },
    env: { CONSTANT_CONTACT_CLIENT_ID: '', CONSTANT_CONTACT_CLIENT_SECRET: '' },
  });
  const {
    CONSTANT_CONTACT_CLIENT_ID: _id,
    CONSTANT_CONTACT_CLIENT_SECRET: _secret,
    ...sandboxEnv
  } = stack.sandbox.env;
  env = {
    ...sandboxEnv,
    REDIS_URL: stack.config.redisUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    LOG_LEVEL: 'silent',
  };
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
    // records HubSpot refused or could not take are dead letters, so this retry run has nothing to write.
    const retry = await cli(['retry-failed', summary.runId, '--wait', '--json']);
    const retried = JSON.parse(retry.stdout.trim().split('\n').pop()!) as {
      status: string;
      counts: { read: number };
    };
    expect(retried).toMatchObject({ status: 'completed', counts: { read: 0 } });
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
});
