/**
 * A scheduled verify (`esp-sync schedule add --verify`) runs on the worker as a run of kind verify and raises an
 * alert — to the alerts webhook and the log — when HubSpot lacks an opt-out the sources call for, naming the
 * counts and the run id but no address; when HubSpot agrees it raises none. Firings are added to the runs
 * queue the way BullMQ's job scheduler adds them, so the test does not wait for a clock. The webhook is a local
 * HTTP server that keeps what it receives.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import { pino } from 'pino';
import type { LocalStack } from '../../src/demo/local-stack.ts';
import { SCHEDULED_VERIFY_JOB, type ScheduledSyncData } from '../../src/run/schedules.ts';
import { generateDataset } from '../../src/sandbox/index.ts';
import { VerifyRunStore } from '../../src/verify/run-store.ts';
import { runCli } from './helpers/cli.ts';
import { resubscribeInHubSpot } from './helpers/hubspot-state.ts';
import { StackPool, rowsOf, waitFor } from './helpers/stack.ts';

const pool = new StackPool();
let stack: LocalStack;
let env: Record<string, string>;
let hook: Server;
const alerts: Record<string, unknown>[] = [];
const logLines: string[] = [];
const SCHEDULE = 'verify-mailchimp';

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      alerts.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alert`;
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  const dataset = generateDataset({
    seed: 31,
    mailchimp: { audiences: 1, membersPerAudience: 60 },
    constantContact: { contacts: 0 },
    hubspotPreexisting: { contacts: 0 },
  });
  const noCc = { CONSTANT_CONTACT_CLIENT_ID: '', CONSTANT_CONTACT_CLIENT_SECRET: '' };
  stack = await pool.open({
    sandbox: { seed: 31, limits: false, dataset },
    env: { ...noCc, ALERT_WEBHOOK_URL: webhook },
    logger,
  });
  env = {
    ...stack.sandbox.env,
    ...noCc,
    REDIS_URL: stack.config.redisUrl,
    QUEUE_PREFIX: stack.config.queuePrefix,
    LOG_LEVEL: 'silent',
  };
}, 30_000);

afterAll(async () => {
  await pool.closeAll();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

/** Fires the verify schedule once, as its job scheduler would, and answers the run it started. */
async function fire(extra: Record<string, string> = {}): Promise<string> {
  const data: ScheduledSyncData = { scheduleId: SCHEDULE, sources: ['mailchimp'], audiences: [], ...extra };
  const job = await stack.app.queues.byName.runs.add(SCHEDULED_VERIFY_JOB, data);
  await waitFor('the firing to be processed', async () => (await job.getState()) === 'completed', 60_000);
  const done = (await stack.app.queues.byName.runs.getJob(job.id!)) as Job;
  return (done.returnvalue as { runId: string }).runId;
}

const verifyAlerts = () =>
  alerts.filter((a) => a.event === 'opt_out_missing' || a.event === 'subscribed_without_consent');

describe('a scheduled verify', () => {
  let optedOut: string;

  it('is added with schedule add --verify and listed as a verify', async () => {
    const added = await runCli(
      ['schedule', 'add', '--source', 'mailchimp', '--verify', '--cron', '0 0 1 1 *'],
      env,
    );
    expect([added.code, added.stdout.trim()]).toEqual([0, SCHEDULE]);
    const json = await runCli(['schedule', 'list', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: SCHEDULE, kind: 'verify', sources: ['mailchimp'] }]);
    const text = await runCli(['schedule', 'list'], env);
    expect(text.stdout).toContain(`${SCHEDULE}: verify mailchimp at "0 0 1 1 *"`);
  }, 60_000);

  it('raises no alert when HubSpot agrees with the sources', async () => {
    const migration = await stack.run({ sources: ['mailchimp'] });
    expect(migration.run.status).toMatch(/^completed/);
    const rows = await rowsOf(stack.app.store, migration.run.id);
    optedOut = [...rows.values()].find((r) => r.consent === 'optedOut')!.email!;

    const runId = await fire();
    const run = (await stack.app.store.getRun(runId))!;
    expect(run).toMatchObject({ kind: 'verify', status: 'completed', sources: ['mailchimp'] });
    expect((await new VerifyRunStore(stack.app.store).state(runId)).summary?.ok).toBe(true);
    expect(verifyAlerts()).toEqual([]);
    expect(logLines.filter((l) => l.includes('"alert":"opt_out_missing"'))).toEqual([]);
    const list = await runCli(['schedule', 'list'], env);
    expect(list.stdout).toContain(` run ${runId}: completed`);
  }, 120_000);

  it('alerts with the counts and the run id, and no address, after an opt-out is taken back in HubSpot', async () => {
    await resubscribeInHubSpot(stack.sandbox, optedOut);
    const runId = await fire();
    expect((await stack.app.store.getRun(runId))!.status).toBe('completed_with_errors');
    expect(verifyAlerts()).toEqual([
      {
        event: 'opt_out_missing',
        runId,
        counts: { optOutMissing: 1, consentUnreadable: 0, subscribedWithoutConsent: 0 },
        message: expect.stringContaining(`Verify run ${runId} found 1 opt-out(s) HubSpot does not hold`),
      },
    ]);
    const logged = logLines.filter((l) => l.includes('"alert":"opt_out_missing"'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(runId);
    const local = optedOut.split('@')[0]!;
    for (const text of [JSON.stringify(alerts), ...logged]) {
      expect(text).not.toContain('@');
      expect(text).not.toContain(local);
    }
    // The run's report names the person.
    const report = await runCli(['report', runId], env);
    expect(report.stdout).toContain(`optOutMissing,${optedOut},`);
  }, 120_000);

  it('a firing run again after its worker died ends the run it had started, then verifies anew', async () => {
    const runs = new VerifyRunStore(stack.app.store);
    const abandoned = await runs.create({ sources: ['mailchimp'], audiences: [] });
    await stack.app.store.markStarted(abandoned.id);
    const runId = await fire({ verifyRunId: abandoned.id });
    expect(runId).not.toBe(abandoned.id);
    expect(await stack.app.store.getRun(abandoned.id)).toMatchObject({
      status: 'failed',
      error: 'The worker running this verify stopped; the schedule started a new verify run.',
    });
    expect((await stack.app.store.getRun(runId))!.status).toBe('completed_with_errors');
  }, 120_000);

  it('a firing added by hand cannot end a run that is not its verify, nor verify what no source is', async () => {
    const migration = await stack.app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    await stack.app.store.markStarted(migration.id);
    await fire({ verifyRunId: migration.id });
    expect((await stack.app.store.getRun(migration.id))!.status).toBe('running');
    await stack.app.store.finish(migration.id, 'cancelled');

    const forged = await stack.app.queues.byName.runs.add(SCHEDULED_VERIFY_JOB, {
      scheduleId: SCHEDULE,
      sources: ['somewhere-else'],
      audiences: [],
    });
    await waitFor('the forged firing to fail', async () => (await forged.getState()) === 'failed', 30_000);
    const failed = (await stack.app.queues.byName.runs.getJob(forged.id!))!;
    expect(failed.failedReason).toMatch(/^Refused scheduled-verify job .*sources\.0/);
  }, 120_000);
});
