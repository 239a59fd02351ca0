/**
 * The run page shows where a run is (its phase, the subscribe phase's progress, pending opt-outs), offers to
 * cancel a run that is still going, and counts only the failures retry-failed can act on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { App } from '../../src/app.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import { ConsentLedger } from '../../src/ledger/ledger.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { basic, testApp } from './harness.ts';

const PASSWORD = 'a-long-enough-password';
const AUTH = basic('ops', PASSWORD);

const failed = (i: number, reason: string): RecordRow => ({
  key: `mailchimp:aud1:m${i}`,
  source: 'mailchimp',
  email: `person${i}@example.com`,
  sourceStatus: 'subscribed',
  outcome: 'failed',
  consent: null,
  reason,
});

describe('run page actions', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let dash: RunningDashboard;
  let readOnly: RunningDashboard;
  const page = async (base: string, runId: string) =>
    (await fetch(`${base}/runs/${runId}`, { headers: { authorization: AUTH } })).text();
  const post = (base: string, path: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: '{}',
    });

  beforeAll(async () => {
    ({ app, cleanup } = testApp('run-actions', {
      HUBSPOT_ACCESS_TOKEN: 'test-token',
      MAILCHIMP_API_KEY: 'abc-us1',
    }));
    const auth = { user: 'ops', password: PASSWORD };
    dash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth, readOnly: false });
    readOnly = await startDashboard({ app, port: 0, host: '127.0.0.1', auth, readOnly: true });
  });
  afterAll(async () => {
    await dash.close();
    await readOnly.close();
    await cleanup();
  });

  it('shows the phase and the subscribe progress, and cancels a running run (not in read-only mode)', async () => {
    const run = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    await app.store.markStarted(run.id);
    expect(await page(dash.url, run.id)).toContain('<span id="run-phase">reading and writing</span>');
    await app.store.startSubscribing(run.id, 300);
    await app.store.addSubscribeSettled(run.id, 120);
    const subscribing = await page(dash.url, run.id);
    expect(subscribing).toContain(
      '<span id="run-phase">subscribing</span> · 120 of 300 subscriptions settled',
    );
    expect(subscribing).toContain('id="cancel-run"');
    expect(await page(readOnly.url, run.id)).not.toContain('id="cancel-run"');
    expect((await post(readOnly.url, `/api/runs/${run.id}/cancel`)).status).toBe(403);

    const res = await post(dash.url, `/api/runs/${run.id}/cancel`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ runId: run.id, cancelRequested: true });
    expect((await app.store.getRun(run.id))?.cancelRequested).toBe(true);
    expect(await page(dash.url, run.id)).not.toContain('id="cancel-run"');
    const api = (await (
      await fetch(`${dash.url}/api/runs/${run.id}`, { headers: { authorization: AUTH } })
    ).json()) as {
      progress: { phase: string; subscribe: { done: number; total: number } };
    };
    expect(api.progress).toMatchObject({ phase: 'subscribing', subscribe: { done: 120, total: 300 } });

    await app.store.finish(run.id, 'cancelled');
    expect((await post(dash.url, `/api/runs/${run.id}/cancel`)).status).toBe(409);
  });

  it('counts only retryable failures on the retry button and says why the others cannot be retried', async () => {
    const run = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    const refused = failed(1, 'HubSpot kept failing: 503');
    await app.store.recordRows(run.id, [
      refused,
      failed(2, 'invalid email address "x@"'),
      failed(3, 'invalid email address "y"'),
    ]);
    await app.store.putDeadLetters(run.id, [{ row: refused, contact: null }]);
    await app.store.finish(run.id, 'completed_with_errors');
    const html = await page(dash.url, run.id);
    expect(html).toContain('Retry 1 failed record(s)');
    expect(html).toContain('2 failed record(s) cannot be retried');

    const onlyInvalid = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    await app.store.recordRows(onlyInvalid.id, [failed(4, 'invalid email address "z"')]);
    await app.store.finish(onlyInvalid.id, 'completed_with_errors');
    expect(await page(dash.url, onlyInvalid.id)).not.toContain('id="retry-failed"');
    expect((await post(dash.url, `/api/runs/${onlyInvalid.id}/retry-failed`)).status).toBe(409);
  });

  it('shows opt-outs still waiting for HubSpot on every run page', async () => {
    const run = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    expect(await page(dash.url, run.id)).not.toContain('id="pending-opt-outs"');
    await new ConsentLedger(app.redis, app.config.queuePrefix).addPendingOptOuts([
      { email: 'gone@example.com', keys: ['mailchimp:aud1:m9'], runId: 'earlier' },
    ]);
    expect(await page(dash.url, run.id)).toContain('id="pending-opt-outs"');
  });
});
