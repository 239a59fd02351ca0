/**
 * `esp-sync verify` against the sandbox: after a real migration of both sources it finds no difference and
 * exits 0; an opt-out taken back directly in HubSpot is reported under "opt-out not applied" (exit 1) and
 * `verify --fix` writes it again (with a full migration for a property changed in HubSpot), after which
 * verify agrees.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { forgetBatchRefusals } from '../../src/connectors/hubspot/index.ts';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { generateDataset } from '../../src/sandbox/index.ts';
import { verify, type VerifyReport } from '../../src/verify/verify.ts';
import { verifyDeps } from '../../src/verify/wiring.ts';
import type { RunListEntry } from '../../src/cli/commands/runs.ts';
import { maskAddress } from '../../src/dashboard/mask.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { runLocks } from '../../src/run/start.ts';
import type { Difference } from '../../src/verify/compare.ts';
import { runCli, spawnCli, type CliResult } from './helpers/cli.ts';
import { consentOf, hubspotCalls, resubscribeInHubSpot, WRITE_ROUTES } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;
const SOURCES = ['mailchimp', 'constant-contact'] as const;

const verifyHere = () => verify(verifyDeps(stack.app).verify, { sources: [...SOURCES], audiences: [] });
const cli = (args: string[]) => runCli(['verify', ...args], env);

/** Changes a property of a contact directly in HubSpot. */
async function editInHubSpot(email: string, properties: Record<string, string>): Promise<void> {
  const response = await fetch(`${stack.sandbox.url}/crm/v3/objects/contacts/batch/upsert`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.sandbox.env.HUBSPOT_ACCESS_TOKEN}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ inputs: [{ id: email, idProperty: 'email', properties }] }),
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  const dataset = generateDataset({
    seed: 23,
    mailchimp: { audiences: 2, membersPerAudience: 80 },
    constantContact: { contacts: 80 },
    hubspotPreexisting: { contacts: 0 },
  });
  // The sandbox's limits are off; so is our own shared limiter's (the per-address fallback below is call-heavy).
  stack = await pool.open({
    sandbox: { seed: 23, limits: false, dataset },
    env: { HUBSPOT_RATE_LIMIT: '100000' },
  });
  env = {
    ...stack.sandbox.env,
    HUBSPOT_RATE_LIMIT: '100000',
    REDIS_URL: stack.config.redisUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    LOG_LEVEL: 'silent',
  };
}, 30_000);

afterAll(() => pool.closeAll());

describe('esp-sync verify against the sandbox', () => {
  let optedOut: string;
  let migrationId: string;

  it('finds no difference after a real migration of both sources, and writes nothing', async () => {
    const run = await stack.run({ sources: [...SOURCES] });
    expect(run.run.status).toMatch(/^completed/);
    migrationId = run.run.id;
    const rows = await rowsOf(stack.app.store, run.run.id);
    optedOut = [...rows.values()].find((r) => r.consent === 'optedOut' && r.source === 'mailchimp')!.email!;

    stack.sandbox.resetCallCounts();
    const report = await verifyHere();
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.people).toBeGreaterThan(100);
    expect(report.records.read).toBe(rows.size);
    const calls = stack.sandbox.callCounts();
    expect(hubspotCalls(calls, WRITE_ROUTES.upsert) + hubspotCalls(calls, /^POST .*unsubscribe-all$/)).toBe(
      0,
    );
    expect(hubspotCalls(calls, WRITE_ROUTES.statusWrite)).toBe(0);
    expect(hubspotCalls(calls, /contacts\/batch\/read$/)).toBe(Math.ceil(report.people / 100));

    const result = await cli([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HubSpot agrees with the sources\.$/m);
    // Progress goes to stderr, so stdout stays the report.
    expect(result.stderr).toMatch(
      /^verify: read \d+ source records \(\d+ people\); comparing with HubSpot$/m,
    );
    expect(result.stdout).not.toMatch(/^verify:/m);
  }, 120_000);

  it('reads one audience with --audience, and agrees on a portal that refuses the batch status endpoints', async () => {
    const audience = stack.sandbox.dataset.mailchimp.lists[1]!;
    const one = await verify(verifyDeps(stack.app).verify, {
      sources: ['mailchimp'],
      audiences: [audience.id],
    });
    expect(one.records.read).toBe(audience.members.length);
    expect(one.differences).toEqual([]);

    stack.sandbox.hubspot.setOptions({ batchEndpointsForbidden: true });
    try {
      stack.sandbox.resetCallCounts();
      const report = await verifyHere();
      expect(report.differences).toEqual([]);
      // Consent read one address at a time: two calls per person.
      expect(
        hubspotCalls(stack.sandbox.callCounts(), /^GET .*\/statuses\/[^/]+\/unsubscribe-all$/),
      ).toBeGreaterThan(0);
    } finally {
      stack.sandbox.hubspot.setOptions({ batchEndpointsForbidden: false });
      // The sink remembers a refusal for the life of the process; the next tests use the batch endpoints again.
      forgetBatchRefusals();
    }
  }, 120_000);

  it('reports an opt-out taken back in HubSpot under "opt-out not applied" and exits 1', async () => {
    await resubscribeInHubSpot(stack.sandbox, optedOut);
    expect(consentOf(stack.sandbox.hubspot.snapshot(), optedOut).optedOutOfAll).toBe(false);

    const report = await verifyHere();
    expect(report.ok).toBe(false);
    expect(report.differences.map((d) => [d.kind, d.email])).toEqual([['optOutMissing', optedOut]]);

    const json = await cli(['--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as VerifyReport;
    expect(parsed.counts.optOutMissing).toBe(1);
    const csv = await cli(['--csv']);
    expect(csv.code).toBe(1);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    expect(header).toBe('kind,email,detail,keys');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.startsWith(`optOutMissing,${optedOut},`)).toBe(true);
    const text = await cli([]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`opt-out not applied         ${optedOut}  a source record says opted out`);
  }, 120_000);

  it('is a run of kind verify: listed by `runs`, its report lists the differences, retry-failed refuses it, the run page shows it masked; it takes no source lock and moves no watermark', async () => {
    const { redis } = stack.app;
    const prefix = stack.config.queuePrefix;
    const watermarks = await redis.hgetall(`${prefix}:watermarks`);
    expect(Object.keys(watermarks).length).toBeGreaterThan(0);
    // A run of Mailchimp still holds its source: a verify neither waits for it nor takes it over.
    const locks = runLocks(stack.app.store);
    expect((await locks.acquireAll(['mailchimp'], 'run-still-going')).ok).toBe(true);
    let result: CliResult;
    try {
      result = await cli(['--json']);
      expect(await redis.get(`${prefix}:run-lock:mailchimp`)).toBe('run-still-going');
    } finally {
      await locks.releaseAll(['mailchimp'], 'run-still-going');
    }
    expect(result.code).toBe(1);
    const { runId } = JSON.parse(result.stdout) as { runId: string };
    expect(result.stderr).toContain(`verify: run ${runId} (\`esp-sync report ${runId}\``);
    expect(await redis.exists(`${prefix}:run-lock:constant-contact`)).toBe(0);
    expect(await redis.hgetall(`${prefix}:watermarks`)).toEqual(watermarks);

    const listed = JSON.parse((await runCli(['runs', '--json'], env)).stdout) as RunListEntry[];
    const entry = listed.find((e) => e.run.id === runId)!;
    expect(entry.run).toMatchObject({
      kind: 'verify',
      status: 'completed_with_errors',
      sources: [...SOURCES],
    });
    expect(entry.differences).toEqual({
      optOutMissing: 1,
      consentUnreadable: 0,
      subscribedWithoutConsent: 0,
      missingContact: 0,
      propertiesDiffer: 0,
    });
    expect((await runCli(['runs'], env)).stdout).toMatch(
      new RegExp(
        `^${runId}  completed_with_errors +verify mailchimp\\+constant-contact .*differences 1 \\(opt-outs missing 1\\)$`,
        'm',
      ),
    );

    const status = await runCli(['status', runId], env);
    expect(status.stdout).toMatch(
      new RegExp(
        `^Verify run ${runId}: completed_with_errors, \\d+ records read\\n  opt-out not applied +1  ← must be fixed\\n`,
      ),
    );

    const csv = await runCli(['report', runId], env);
    expect(csv.code).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    expect(header).toBe('kind,email,detail,keys');
    expect(lines.map((l) => l.split(',').slice(0, 2))).toEqual([['optOutMissing', optedOut]]);
    const json = await runCli(['report', runId, '--format', 'json'], env);
    expect((JSON.parse(json.stdout) as Difference[]).map((d) => [d.kind, d.email])).toEqual([
      ['optOutMissing', optedOut],
    ]);
    const only = await runCli(['report', runId, '--only', 'failed'], env);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('is a verify');

    const retry = await runCli(['retry-failed', runId], env);
    expect(retry.code).toBe(2);
    expect(retry.stderr).toContain(
      `Run ${runId} is a verify: it compared HubSpot with the sources and wrote nothing`,
    );
    expect(await stack.app.store.latestRunId()).toBe(runId);

    const dashboard = await startDashboard({
      app: stack.app,
      port: 0,
      host: '127.0.0.1',
      auth: null,
      readOnly: false,
    });
    try {
      const page = await (await fetch(`${dashboard.url}/runs/${runId}`)).text();
      expect(page).toContain('id="run-kind">verify<');
      expect(page).toMatch(
        /<tr data-kind="optOutMissing">\s*<th>opt-out not applied<\/th>\s*<td class="n">1<\/td>/,
      );
      expect(page).toContain(maskAddress(optedOut));
      expect(page).not.toContain(optedOut);
      expect(page).not.toContain('retry-failed');
      const list = await (await fetch(`${dashboard.url}/runs`)).text();
      expect(list).toMatch(
        new RegExp(`data-run-id="${runId}"[\\s\\S]*?1 differences[\\s\\S]*?1 opt-outs missing`),
      );
      const download = await (await fetch(`${dashboard.url}/runs/${runId}/report.csv`)).text();
      expect(download).toBe(csv.stdout);
      const refused = await fetch(`${dashboard.url}/api/runs/${runId}/retry-failed`, { method: 'POST' });
      expect(refused.status).toBe(409);
    } finally {
      await dashboard.close();
    }
  }, 120_000);

  it('verify --fix writes the opt-out first, runs a full migration for a property changed in HubSpot, then agrees', async () => {
    const row = [...(await rowsOf(stack.app.store, migrationId)).values()].find(
      (r) => r.outcome !== 'failed' && r.outcome !== 'skipped' && r.email !== optedOut,
    )!;
    await editInHubSpot(row.email!, { firstname: 'Changed in HubSpot' });
    const before = await verifyHere();
    expect(before.differences.map((d) => d.kind).sort()).toEqual(['optOutMissing', 'propertiesDiffer']);
    // Beyond the listing cap a kind that does not fail is only counted; opt-outs are always listed.
    const capped = await verify(
      { ...verifyDeps(stack.app).verify, maxListed: 0 },
      { sources: [...SOURCES], audiences: [] },
    );
    expect(capped.differences.map((d) => d.kind)).toEqual(['optOutMissing']);
    expect([capped.counts.propertiesDiffer, capped.unlisted]).toEqual([1, { propertiesDiffer: 1 }]);

    const result = await cli(['--fix']);
    expect(result.code).toBe(0);
    // The opt-out is written by verify itself, before the migration that rewrites the properties.
    expect(result.stdout).toMatch(
      /^Opt-outs written: 1\nFull migration \S+ for contacts and properties: completed\S*\nVerifying again\.$/m,
    );
    expect(result.stdout.trim().split('\n').at(-1)).toBe('HubSpot agrees with the sources.');
    const after = JSON.parse((await cli(['--json'])).stdout) as VerifyReport;
    expect(after.differences).toEqual([]);
    expect(consentOf(stack.sandbox.hubspot.snapshot(), optedOut)).toEqual({
      optedOutOfAll: true,
      marketing: 'NOT_SUBSCRIBED',
    });
    expect((await verifyHere()).ok).toBe(true);
  }, 180_000);

  it('Ctrl-C cancels the verify run it is on (no run is left running) and exits 130', async () => {
    // Slow Mailchimp answers, so that the verify is still reading when Ctrl-C comes.
    stack.sandbox.faults.set({ mailchimp: { latencyMs: 1000 } });
    try {
      const running = spawnCli(['verify'], env);
      await waitFor('the verify run to start', () => /verify: run \S+/.test(running.output().stderr), 30_000);
      running.child.kill('SIGINT');
      const result = await running.done;
      const runId = /verify: run (\S+)/.exec(result.stderr)![1]!;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain(`verify: run ${runId} cancelled; it proves nothing.`);
      expect((await stack.app.store.getRun(runId))!.status).toBe('cancelled');
    } finally {
      stack.sandbox.faults.clear('mailchimp');
    }
  }, 60_000);
});
