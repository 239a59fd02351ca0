import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { App } from '../../src/app.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import { DryPlanStore } from '../../src/run/dry-plan.ts';
import type { RecordRow } from '../../src/run/types.ts';
import { parsePrometheus } from '../monitoring/prom-parse.ts';
import { basic, testApp } from './harness.ts';

const AUTH = basic('ops', 's3cret');

function row(i: number, extra: Partial<RecordRow> = {}): RecordRow {
  return {
    key: `mailchimp:aud1:m${i}`,
    source: 'mailchimp',
    email: `person${i}@example.com`,
    sourceStatus: 'subscribed',
    outcome: 'created',
    consent: null,
    reason: null,
    ...extra,
  };
}

describe('dashboard server (real Redis, no workers)', () => {
  let app: App;
  let cleanup: () => Promise<void>;
  let dash: RunningDashboard;
  let readOnlyDash: RunningDashboard;
  let runId: string;

  const get = (path: string, headers: Record<string, string> = { authorization: AUTH }) =>
    fetch(`${dash.url}${path}`, { headers, redirect: 'manual' });
  const postJson = (base: string, path: string, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', ...extra },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    ({ app, cleanup } = testApp('dash', {
      HUBSPOT_ACCESS_TOKEN: 'test-token',
      MAILCHIMP_API_KEY: 'abc-us1',
    }));
    const auth = { user: 'ops', password: 's3cret' };
    dash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth, readOnly: false });
    readOnlyDash = await startDashboard({ app, port: 0, host: '127.0.0.1', auth, readOnly: true });
    const run = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    runId = run.id;
    await app.store.markStarted(runId);
    await app.store.setTotalPart(runId, 'aud1:subscribed', 10);
    await app.store.recordRows(runId, [
      row(1),
      row(2, { outcome: 'updated' }),
      row(3, {
        outcome: 'failed',
        email: 'jane.doe@example.com',
        reason: '<img src=x onerror=alert(1)> bad value',
      }),
    ]);
    // The failed record can be written again by retry-failed (HubSpot refused it, so its contact is kept).
    await app.store.putDeadLetters(runId, [{ row: row(3, { outcome: 'failed' }), contact: null }]);
    await app.store.tick(runId, 'written', 2);
    await app.store.tick(runId, 'rateLimited', 1);
  });

  afterAll(async () => {
    await dash.close();
    await readOnlyDash.close();
    await cleanup();
  });

  it.each(['/runs', `/runs/x`, '/queues', '/queues/api/queues', '/api/runs', '/metrics', '/'])(
    'answers 401 with a Basic challenge on %s without or with wrong credentials',
    async (path) => {
      // One wrong login per path: ten failures from one address would be throttled (hardening.test.ts).
      const wrong = path.length % 2 === 0 ? basic('ops', 'wrong') : 'Bearer x';
      const attempts: Record<string, string>[] = [{}, { authorization: wrong }];
      for (const headers of attempts) {
        const res = await get(path, headers);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
    },
  );

  it('answers /healthz without credentials with only ok / not ok, and the details to a login', async () => {
    const brief = await get('/healthz', {});
    expect(brief.status).toBe(503);
    expect(await brief.json()).toEqual({ ok: false });
    expect((await get('/healthz', { authorization: basic('ops', 'wrong') })).status).toBe(401);
    const res = await get('/healthz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { redis: string; workers: number; failed: string[]; error: string };
    expect(body).toMatchObject({ redis: 'ok', workers: 0, failed: ['workers'] });
    expect(body.error).toMatch(/esp-sync worker/);
  });

  it('lists runs and renders a run page with progress, counts, charts and masked, escaped failures', async () => {
    const list = await (await get('/runs')).text();
    expect(list).toContain(`href="/runs/${runId}"`);
    const res = await get(`/runs/${runId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toMatch(/id="run-progress"[^>]*aria-valuenow="3"[^>]*aria-valuemax="10"/);
    expect(page).toContain('<meta http-equiv="refresh" content="2"');
    expect(page).toContain('j***@e***.com');
    expect(page).not.toContain('jane.doe@example.com');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toMatch(/<svg[^>]*aria-label="Contacts written per minute"/);
    expect(page).toMatch(/<title>[^<]*: 2<\/title>/);
    expect(page).toContain(`/runs/${runId}/report.csv`);
    expect(page).not.toContain('id="retry-failed"'); // still running
    expect(page).toMatch(/<th>\s*failed\s*<\/th>\s*<td class="n">\s*1\s*<\/td>/);
  });

  it('marks a dry run in the list and on its page, with the plan of a real run and list names escaped', async () => {
    const dry = await app.store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
      dryRun: true,
    });
    const plan = new DryPlanStore(app.redis, app.config.queuePrefix, dry.id);
    await plan.record({ kind: 'list', name: 'Mailchimp · <b>News</b>' }, { list: 2, upsert: 3 });
    await plan.record(
      { kind: 'consent', state: 'subscribed', emails: ['a@example.com'] },
      { subscribeWrite: 1 },
    );
    const list = await (await get('/runs')).text();
    expect(list).toMatch(new RegExp(`href="/runs/${dry.id}"[\\s\\S]*?migrate \\(dry run\\)`));
    const page = await (await get(`/runs/${dry.id}`)).text();
    expect(page).toContain('id="dry-run"');
    expect(page).toMatch(/id="dry-run-plan"[\s\S]*6 HubSpot calls; 1 subscription\(s\)/);
    expect(page).toContain('Lists to create: Mailchimp · &lt;b&gt;News&lt;/b&gt;');
    await app.store.finish(dry.id, 'completed_with_errors');
    await app.store.putDeadLetters(dry.id, [{ row: row(9, { outcome: 'failed' }), contact: null }]);
    expect(await (await get(`/runs/${dry.id}`)).text()).not.toContain('id="retry-failed"');
    const normal = await (await get(`/runs/${runId}`)).text();
    expect(normal).not.toContain('id="dry-run');
  });

  it('answers 404 for an unknown run', async () => {
    expect((await get('/runs/nope')).status).toBe(404);
    expect((await get('/api/runs/nope')).status).toBe(404);
  });

  it('streams the report with full emails to the authenticated user', async () => {
    const res = await get(`/runs/${runId}/report.csv?only=failed`);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('email,source,sourceStatus,outcome,consent,reason,key');
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toContain('jane.doe@example.com');
    const json = (await (await get(`/runs/${runId}/report.json`)).json()) as RecordRow[];
    expect(json.map((r) => r.email).sort()).toEqual([
      'jane.doe@example.com',
      'person1@example.com',
      'person2@example.com',
    ]);
  });

  it('serves a run as JSON with counts, breakdown and progress', async () => {
    const body = (await (await get(`/api/runs/${runId}`)).json()) as {
      run: { id: string };
      counts: { read: number; failed: number };
      breakdown: Record<string, number>;
      progress: { done: number; total: number };
    };
    expect(body.run.id).toBe(runId);
    expect(body.counts).toMatchObject({ read: 3, failed: 1 });
    expect(body.breakdown['src:mailchimp:failed']).toBe(1);
    expect(body.progress).toMatchObject({ done: 3, total: 10 });
    const list = (await (await get('/api/runs')).json()) as { runs: { run: { id: string } }[] };
    expect(list.runs.map((r) => r.run.id)).toContain(runId);
  });

  it('validates POST /api/runs and names missing configuration', async () => {
    const bad = await postJson(dash.url, '/api/runs', { source: 'hubspot' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/source/);
    const unconfigured = await postJson(dash.url, '/api/runs', { source: 'constant-contact' });
    expect(unconfigured.status).toBe(400);
    expect(((await unconfigured.json()) as { error: string }).error).toContain('CONSTANT_CONTACT_CLIENT_ID');
    const notJson = await fetch(`${dash.url}/api/runs`, { method: 'POST', headers: { authorization: AUTH } });
    expect(notJson.status).toBe(415);
  });

  it('starts a run as a flow that Bull Board shows, linked to its run page', async () => {
    const res = await postJson(dash.url, '/api/runs', { source: 'mailchimp', full: true });
    expect(res.status).toBe(202);
    const { runId: started } = (await res.json()) as { runId: string };
    const run = await app.store.getRun(started);
    expect(run).toMatchObject({
      sources: ['mailchimp'],
      ignoreFingerprints: true,
      kind: 'migrate',
      status: 'queued',
    });
    const job = (await (await get(`/queues/api/queues/runs/${started}.read`)).json()) as {
      job: { externalUrl: { href: string } };
    };
    expect(job.job.externalUrl.href).toBe(`/runs/${started}`);
    const flow = await get(`/queues/api/queues/runs/${started}.read/flow`);
    expect(flow.status).toBe(200);
    expect(JSON.stringify(await flow.json())).toContain(`${started}.finalize`);
  });

  it('masks emails in job data on Bull Board (properties hidden) and lists job schedulers', async () => {
    await app.queues.byName.hubspot.add(
      'write-batch',
      {
        runId,
        records: [{ email: 'jane.doe@example.com', properties: { note: 'mail bob@corp.example.org' } }],
      },
      { jobId: 'masked-1' },
    );
    await app.queues.byName.runs.upsertJobScheduler(
      'nightly-sync',
      { pattern: '0 0 3 * * *' },
      { name: 'sync' },
    );
    const body = JSON.stringify(await (await get('/queues/api/queues/hubspot/masked-1')).json());
    expect(body).toContain('j***@e***.com');
    expect(body).not.toContain('bob@corp.example.org');
    expect(body).not.toContain('jane.doe@example.com');
    const schedulers = JSON.stringify(await (await get('/queues/api/job-schedulers')).json());
    expect(schedulers).toContain('nightly-sync');
  });

  it('refuses to retry a run that is still running, and retries a finished one', async () => {
    const early = await postJson(dash.url, `/api/runs/${runId}/retry-failed`, {});
    expect(early.status).toBe(409);
    await app.store.finish(runId, 'completed_with_errors');
    const page = await (await get(`/runs/${runId}`)).text();
    expect(page).toContain('id="retry-failed"');
    expect(page).not.toContain('http-equiv="refresh"');
    const res = await postJson(dash.url, `/api/runs/${runId}/retry-failed`, {});
    expect(res.status).toBe(202);
    const { runId: retry } = (await res.json()) as { runId: string };
    expect(await app.store.getRun(retry)).toMatchObject({
      kind: 'retry',
      retryOf: runId,
      ignoreFingerprints: true,
    });
  });

  it('refuses a second run of a source while one holds its lock, on the form and the API', async () => {
    const res = await fetch(`${dash.url}/runs`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded', origin: dash.url },
      body: 'source=mailchimp&kind=sync',
      redirect: 'manual',
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/is still running for mailchimp/);
    const api = await postJson(dash.url, '/api/runs', { source: 'mailchimp' });
    expect(api.status).toBe(409);
  });

  it('refuses cross-site posts and every post in read-only mode', async () => {
    const cross = await postJson(
      dash.url,
      '/api/runs',
      { source: 'mailchimp' },
      { origin: 'https://evil.example' },
    );
    expect(cross.status).toBe(403);
    const ro = await postJson(readOnlyDash.url, '/api/runs', { source: 'mailchimp' });
    expect(ro.status).toBe(403);
    expect(((await ro.json()) as { error: string }).error).toMatch(/read-only/);
    const retry = await postJson(readOnlyDash.url, `/api/runs/${runId}/retry-failed`, {});
    expect(retry.status).toBe(403);
    const page = await (
      await fetch(`${readOnlyDash.url}/runs/${runId}`, { headers: { authorization: AUTH } })
    ).text();
    expect(page).not.toContain('id="retry-failed"');
    const list = await (await fetch(`${readOnlyDash.url}/runs`, { headers: { authorization: AUTH } })).text();
    expect(list).not.toContain('id="start-run"');
  });

  it('starts a dry run beside a run that holds the source lock, from the API and the form', async () => {
    // An earlier test's run still holds the lock (no worker runs here); a second real run is refused.
    await postJson(dash.url, '/api/runs', { source: 'mailchimp' });
    const busy = await postJson(dash.url, '/api/runs', { source: 'mailchimp' });
    const dry = await postJson(dash.url, '/api/runs', { source: 'mailchimp', dryRun: true });
    expect([busy.status, dry.status]).toEqual([409, 202]);
    const { runId } = (await dry.json()) as { runId: string };
    expect(await app.store.getRun(runId)).toMatchObject({ dryRun: true, kind: 'migrate' });
    expect(await (await get('/runs')).text()).toContain('name="dryRun"');
    const form = await fetch(`${dash.url}/runs`, {
      method: 'POST',
      headers: {
        authorization: AUTH,
        'content-type': 'application/x-www-form-urlencoded',
        origin: dash.url,
      },
      body: 'source=mailchimp&kind=sync&dryRun=1',
      redirect: 'manual',
    });
    expect(form.status).toBe(303);
    const formRun = decodeURIComponent(form.headers.get('location')!.replace('/runs/', ''));
    expect(await app.store.getRun(formRun)).toMatchObject({ dryRun: true, kind: 'sync' });
  });

  it('serves /metrics as parseable Prometheus text behind auth', async () => {
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const parsed = parsePrometheus(await res.text());
    expect(parsed.types.get('esp_sync_queue_jobs')).toBe('gauge');
    expect(parsed.samples.some((s) => s.name === 'esp_sync_api_request_duration_seconds_bucket')).toBe(true);
  });
});
