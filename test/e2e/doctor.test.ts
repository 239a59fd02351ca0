/**
 * `esp-sync doctor` as a user runs it (a separate process) against the sandbox: a healthy set-up passes, and each
 * broken prerequisite fails with a line that names it and says what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import type { DoctorReport } from '../../src/doctor/types.ts';
import { runCli } from './helpers/cli.ts';
import { StackPool } from './helpers/stack.ts';

const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;

const doctor = (args: string[], extra: Record<string, string> = {}) =>
  runCli(['doctor', ...args], { ...env, ...extra });

const parse = (stdout: string) => JSON.parse(stdout) as DoctorReport;
const byId = (report: DoctorReport, id: string) => report.checks.find((c) => c.id === id);

beforeAll(async () => {
  stack = await pool.open({
    sandbox: { seed: 5, dataset: { mailchimp: { audiences: 1, membersPerAudience: 10 } } },
    workers: false,
  });
  env = {
    ...stack.sandbox.env,
    REDIS_URL: stack.config.redisUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    LOG_LEVEL: 'silent',
  };
}, 30_000);

afterAll(() => pool.closeAll());

describe('esp-sync doctor against the sandbox', () => {
  it('passes a healthy set-up (exit 0) with every check named, and the limits from HubSpot’s headers', async () => {
    const result = await doctor(['--json']);
    const report = parse(result.stdout);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(result.code).toBe(0);
    expect(report.canMigrate).toBe(true);
    for (const id of [
      'redis.reachable',
      'redis.eviction',
      'hubspot.token',
      'hubspot.scope.contactsRead',
      'hubspot.scope.statusRead',
      'hubspot.batchStatuses',
      'mailchimp.key',
      'constantContact.api',
      'ledger.pendingOptOuts',
    ]) {
      expect([id, byId(report, id)?.status]).toEqual([id, 'ok']);
    }
    // The sandbox runs as an Enterprise portal: 190 per 10 s and 1,000,000 a day, told in its headers.
    expect(byId(report, 'hubspot.rateLimit')?.detail).toMatch(/^190 calls per 10 s/);
    expect(byId(report, 'hubspot.daily')?.detail).toMatch(/of 1,000,000 calls left today$/);
    expect(byId(report, 'hubspot.subscriptionType')?.detail).toBe(
      '1001 "Marketing Information" (named "Marketing Information")',
    );

    const text = await doctor([]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ok {4}HubSpot token +accepted$/m);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('A migration can run.');
  }, 60_000);

  it('fails on a token HubSpot refuses (exit 2), with one line that says which variable to fix', async () => {
    const result = await doctor([], { HUBSPOT_ACCESS_TOKEN: 'not-a-valid-token' });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^FAIL {2}HubSpot token +HubSpot rejected HUBSPOT_ACCESS_TOKEN \(401\)$/m);
    expect(result.stdout).toMatch(/fix: Set HUBSPOT_ACCESS_TOKEN to a current private-app/);
    expect(result.stdout).toMatch(/A migration cannot run: fix the 1 FAIL line\(s\) above/);
  }, 60_000);

  it('fails on a missing scope, naming it', async () => {
    stack.sandbox.hubspot.setOptions({ missingScopes: ['crm.objects.contacts.read'] });
    try {
      const result = await doctor(['--json']);
      const report = parse(result.stdout);
      expect(result.code).toBe(2);
      expect(report.canMigrate).toBe(false);
      const line = byId(report, 'hubspot.scope.contactsRead');
      expect(line?.status).toBe('fail');
      expect(line?.detail).toMatch(/403 MISSING_SCOPES\): the token lacks crm\.objects\.contacts\.read$/);
      expect(line?.fix).toMatch(/^Add the scope crm\.objects\.contacts\.read to the private app/);
      // Only that line fails.
      expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
        'hubspot.scope.contactsRead',
      ]);
    } finally {
      stack.sandbox.hubspot.setOptions({ missingScopes: [] });
    }
  }, 60_000);

  it('checks the lists scopes only when HUBSPOT_LISTS carries lists over, and fails a missing one', async () => {
    const without = parse((await doctor(['--json'])).stdout);
    expect(byId(without, 'hubspot.scope.listsRead')).toBeUndefined();
    const withLists = parse((await doctor(['--json'], { HUBSPOT_LISTS: 'all' })).stdout);
    expect([
      byId(withLists, 'hubspot.scope.listsRead')?.status,
      byId(withLists, 'hubspot.scope.listsWrite')?.status,
    ]).toEqual(['ok', 'ok']);

    stack.sandbox.hubspot.setOptions({ missingScopes: ['crm.lists.write'] });
    try {
      const result = await doctor(['--json'], { HUBSPOT_LISTS: 'all' });
      expect(result.code).toBe(2);
      expect(
        parse(result.stdout)
          .checks.filter((c) => c.status === 'fail')
          .map((c) => c.id),
      ).toEqual(['hubspot.scope.listsWrite']);
      // The probe created no list.
      expect(stack.sandbox.hubspot.snapshot().lists).toEqual([]);
    } finally {
      stack.sandbox.hubspot.setOptions({ missingScopes: [] });
    }
  }, 60_000);

  it('warns (and still passes) when the portal refuses the batch status endpoints, with the fallback’s cost', async () => {
    stack.sandbox.hubspot.setOptions({ batchEndpointsForbidden: true });
    try {
      const result = await doctor(['--json']);
      const report = parse(result.stdout);
      expect(result.code).toBe(0);
      const line = byId(report, 'hubspot.batchStatuses');
      expect(line?.status).toBe('warn');
      expect(line?.detail).toMatch(/per-address fallback .* about 380 addresses a minute$/);
    } finally {
      stack.sandbox.hubspot.setOptions({ batchEndpointsForbidden: false });
    }
  }, 60_000);
});
