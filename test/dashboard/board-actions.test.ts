import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Worker } from 'bullmq';
import type { App } from '../../src/app.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import { WORKER_SETTINGS } from '../../src/queue/queues.ts';
import { basic, testApp } from './harness.ts';

const AUTH = basic('ops', 'board-actions-password');
const CREDENTIALS = { user: 'ops', password: 'board-actions-password' };

/** A subscribe batch nobody's run created: what a dashboard login could forge through Bull Board's "add job". */
const FORGED_JOB = {
  name: 'subscribe-batch',
  data: {
    runId: 'forged',
    candidates: [
      {
        email: 'never.subscribed@example.com',
        keys: ['mailchimp:x:y'],
        fingerprints: ['f'],
        legalBasis: 'CONSENT_WITH_NOTICE',
        explanation: 'forged',
      },
    ],
  },
  options: {},
};

function call(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A job that really failed: a worker whose processor throws, on a job with a single attempt. */
async function failedJob(app: App, id: string): Promise<void> {
  const queue = app.queues.byName.hubspot;
  const connection = app.redis.duplicate();
  const worker = new Worker(
    queue.name,
    () => {
      throw new Error('boom');
    },
    { connection, prefix: app.config.queuePrefix, settings: WORKER_SETTINGS },
  );
  const failed = new Promise<void>((resolve) => worker.on('failed', () => resolve()));
  await queue.add(
    'write-batch',
    { runId: 'r1', ignoreFingerprints: false, records: [] },
    { jobId: id, attempts: 1 },
  );
  await failed;
  await worker.close();
  connection.disconnect();
}

describe("Bull Board's write actions", () => {
  let none: { app: App; cleanup(): Promise<void> };
  let retry: { app: App; cleanup(): Promise<void> };
  let dashNone: RunningDashboard;
  let dashRetry: RunningDashboard;

  beforeAll(async () => {
    none = testApp('board-none');
    retry = testApp('board-retry', { DASHBOARD_ACTIONS: 'retry' });
    dashNone = await startDashboard({
      app: none.app,
      port: 0,
      host: '127.0.0.1',
      auth: CREDENTIALS,
      readOnly: false,
    });
    dashRetry = await startDashboard({
      app: retry.app,
      port: 0,
      host: '127.0.0.1',
      auth: CREDENTIALS,
      readOnly: false,
    });
  });

  afterAll(async () => {
    await dashNone.close();
    await dashRetry.close();
    await none.cleanup();
    await retry.cleanup();
  });

  it('refuses to add a crafted job by default (403) and adds nothing', async () => {
    const res = await call(dashNone.url, 'POST', '/queues/api/queues/hubspot/add', FORGED_JOB);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/DASHBOARD_ACTIONS/);
    const counts = await none.app.queues.byName.hubspot.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it.each([
    ['PATCH', '/queues/api/queues/hubspot/j1/update-data', { data: { runId: 'x' } }],
    ['PUT', '/queues/api/queues/hubspot/empty', {}],
    ['PUT', '/queues/api/queues/hubspot/clean/completed', {}],
    ['PUT', '/queues/api/queues/hubspot/obliterate', {}],
    ['PUT', '/queues/api/queues/hubspot/j1/clean', {}],
    ['PUT', '/queues/api/queues/hubspot/pause', {}],
    ['PUT', '/queues/api/queues/hubspot/retry/failed', {}],
    ['PUT', '/queues/api/queues/hubspot/j1/retry', {}],
    ['PUT', '/queues/api/queues/hubspot/promote', {}],
  ])('refuses %s %s by default', async (method, path, body) => {
    await none.app.queues.byName.hubspot.add('write-batch', { runId: 'r1' }, { jobId: 'j1' });
    const res = await call(dashNone.url, method, path, body);
    expect(res.status).toBe(403);
    expect((await none.app.queues.byName.hubspot.getJob('j1'))?.data).toEqual({ runId: 'r1' });
    expect(await none.app.queues.byName.hubspot.isPaused()).toBe(false);
  });

  it.each([
    ['POST', '/queues/api/queues/hubspot/add', FORGED_JOB],
    ['PATCH', '/queues/api/queues/hubspot/j2/update-data', { data: { runId: 'x' } }],
    ['PUT', '/queues/api/queues/hubspot/empty', {}],
    ['PUT', '/queues/api/queues/hubspot/clean/failed', {}],
    ['PUT', '/queues/api/queues/hubspot/obliterate', {}],
    ['PUT', '/queues/api/queues/hubspot/j2/clean', {}],
    ['PUT', '/queues/api/queues/hubspot/retry/completed', {}],
    ['PUT', '/queues/api/queues/hubspot/j2/retry', {}],
  ])('with DASHBOARD_ACTIONS=retry still refuses %s %s', async (method, path, body) => {
    await retry.app.queues.byName.hubspot.add('write-batch', { runId: 'r2' }, { jobId: 'j2' });
    const res = await call(dashRetry.url, method, path, body);
    expect(res.status).toBe(403);
    expect((await retry.app.queues.byName.hubspot.getJob('j2'))?.data).toEqual({ runId: 'r2' });
    expect(await retry.app.queues.byName.hubspot.count()).toBe(1);
  });

  it('with DASHBOARD_ACTIONS=retry retries failed jobs and promotes delayed ones', async () => {
    const queue = retry.app.queues.byName.hubspot;
    await failedJob(retry.app, 'failed-1');
    expect(await queue.getJobState('failed-1')).toBe('failed');
    const one = await call(dashRetry.url, 'PUT', '/queues/api/queues/hubspot/failed-1/retry', {});
    expect(one.status).toBe(204);
    expect(await queue.getJobState('failed-1')).not.toBe('failed');

    await queue.add('write-batch', { runId: 'r3' }, { jobId: 'delayed-1', delay: 3_600_000 });
    const promote = await call(dashRetry.url, 'PUT', '/queues/api/queues/hubspot/delayed-1/promote', {});
    expect(promote.status).toBe(204);
    expect(await queue.getJobState('delayed-1')).toBe('waiting');

    await queue.add('write-batch', { runId: 'r4' }, { jobId: 'delayed-2', delay: 3_600_000 });
    const all = await call(dashRetry.url, 'PUT', '/queues/api/queues/hubspot/promote', {});
    expect(all.status).toBe(200);
    expect(await queue.getJobState('delayed-2')).toBe('waiting');
  });

  it('shows the queues as read-only in the UI when no action is allowed', async () => {
    const res = await call(dashNone.url, 'GET', '/queues/api/queues');
    const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.readOnlyMode)).toEqual(body.queues.map(() => true));
    const retryBody = (await (await call(dashRetry.url, 'GET', '/queues/api/queues')).json()) as {
      queues: { readOnlyMode: boolean; allowCompletedRetries: boolean }[];
    };
    expect(retryBody.queues.every((q) => !q.readOnlyMode && !q.allowCompletedRetries)).toBe(true);
  });
});
