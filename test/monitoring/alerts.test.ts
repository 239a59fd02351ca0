import { afterAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createAlerter, type Alerter } from '../../src/monitoring/alerts.ts';
import { createNoWorkerCheck, type WatchedQueue } from '../../src/monitoring/no-worker-watch.ts';
import { emptyCounts, type RunInfo } from '../../src/run/types.ts';

const HOOK = 'https://hooks.example.test';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function run(status: RunInfo['status'], extra: Partial<RunInfo> = {}): RunInfo {
  return {
    id: 'r1',
    kind: 'migrate',
    sources: ['mailchimp'],
    audiences: [],
    ignoreFingerprints: false,
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:05:00.000Z',
    total: 10,
    error: null,
    notices: [],
    retryOf: null,
    phase: 'done',
    subscribe: { total: 0, done: 0, startedAt: null },
    dryRun: false,
    cancelRequested: false,
    ...extra,
  };
}

afterAll(() => nock.restore());

describe('createAlerter', () => {
  it('posts a short JSON message when a run finishes with failures, and logs an error', async () => {
    const { logger, lines } = capturingLogger();
    let body: unknown;
    const scope = nock(HOOK)
      .post('/alert', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(204);
    const counts = { ...emptyCounts(), read: 10, created: 8, failed: 2 };
    await createAlerter({ webhookUrl: `${HOOK}/alert`, logger }).runFinished(
      run('completed_with_errors'),
      counts,
    );
    expect(scope.isDone()).toBe(true);
    expect(body).toMatchObject({
      event: 'run_completed_with_errors',
      runId: 'r1',
      status: 'completed_with_errors',
    });
    expect((body as { counts: { failed: number } }).counts.failed).toBe(2);
    expect((body as { message: string }).message).toMatch(/2 failed record/);
    expect(lines.some((l) => l.level === 50 && l.alert === 'run_completed_with_errors')).toBe(true);
  });

  it('names the reason of a failed run', async () => {
    const { logger } = capturingLogger();
    let body: { event?: string; message?: string } = {};
    const scope = nock(HOOK)
      .post('/alert', (b: typeof body) => {
        body = b;
        return true;
      })
      .reply(200);
    await createAlerter({ webhookUrl: `${HOOK}/alert`, logger }).runFinished(
      run('failed', { error: 'HubSpot token revoked' }),
      emptyCounts(),
    );
    expect(scope.isDone()).toBe(true);
    expect(body.event).toBe('run_failed');
    expect(body.message).toContain('HubSpot token revoked');
  });

  it('stays quiet for a clean run', async () => {
    const { logger, lines } = capturingLogger();
    const scope = nock(HOOK).post('/alert').reply(200);
    await createAlerter({ webhookUrl: `${HOOK}/alert`, logger }).runFinished(run('completed'), emptyCounts());
    expect(scope.isDone()).toBe(false);
    expect(lines).toHaveLength(0);
  });

  it('never throws when the webhook fails, times out or is refused, and never logs its URL', async () => {
    const { logger, lines } = capturingLogger();
    nock(HOOK).post('/secret-token').replyWithError('connection reset');
    nock(HOOK).post('/secret-token').delay(500).reply(200);
    nock(HOOK).post('/secret-token').reply(500);
    const alerter = createAlerter({ webhookUrl: `${HOOK}/secret-token`, logger, timeoutMs: 100 });
    const counts = { ...emptyCounts(), failed: 1 };
    await expect(alerter.runFinished(run('completed_with_errors'), counts)).resolves.toBeUndefined();
    await expect(alerter.runFinished(run('completed_with_errors'), counts)).resolves.toBeUndefined();
    await expect(alerter.runFinished(run('completed_with_errors'), counts)).resolves.toBeUndefined();
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(3);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('only logs when no webhook is configured', async () => {
    const { logger, lines } = capturingLogger();
    await createAlerter({ webhookUrl: undefined, logger }).runFinished(run('failed'), emptyCounts());
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
  });
});

describe('no-worker watch', () => {
  function fakeQueue(name: string) {
    const q = { name, waiting: 0, workers: 0 };
    const queue: WatchedQueue = {
      name,
      getJobCounts: () => Promise.resolve({ waiting: q.waiting, prioritized: 0 }),
      getWorkersCount: () => Promise.resolve(q.workers),
    };
    return { q, queue };
  }

  function recordingAlerter() {
    const calls: { queue: string; waiting: number; seconds: number }[] = [];
    const alerter: Alerter = {
      consent: () => Promise.resolve(),
      verifyFound: () => Promise.resolve(),
      runFinished: () => Promise.resolve(),
      noWorker: (queue, waiting, seconds) => {
        calls.push({ queue, waiting, seconds });
        return Promise.resolve();
      },
    };
    return { alerter, calls };
  }

  it('alerts once after the threshold, and again only after the queue recovered', async () => {
    const { q, queue } = fakeQueue('hubspot');
    const { alerter, calls } = recordingAlerter();
    let now = 0;
    const check = createNoWorkerCheck({ queues: [queue], alerter, thresholdSeconds: 60, now: () => now });

    q.waiting = 5;
    await check();
    now = 59_000;
    await check();
    expect(calls).toHaveLength(0);
    now = 61_000;
    await check();
    now = 120_000;
    await check();
    expect(calls).toEqual([{ queue: 'hubspot', waiting: 5, seconds: 61 }]);

    q.workers = 1;
    now = 130_000;
    await check();
    q.workers = 0;
    now = 140_000;
    await check();
    now = 199_000;
    await check();
    expect(calls).toHaveLength(1);
    now = 200_000;
    await check();
    expect(calls).toHaveLength(2);
  });

  it('does not alert for an idle queue without workers', async () => {
    const { queue } = fakeQueue('runs');
    const { alerter, calls } = recordingAlerter();
    let now = 0;
    const check = createNoWorkerCheck({ queues: [queue], alerter, thresholdSeconds: 1, now: () => now });
    await check();
    now = 10_000;
    await check();
    expect(calls).toHaveLength(0);
  });
});
