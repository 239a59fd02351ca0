import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { collectMetrics } from '../../src/monitoring/collect.ts';
import { createMetricsRecorder, rateLimitedInMinute, readApiMetrics } from '../../src/monitoring/metrics.ts';
import { renderPrometheus } from '../../src/monitoring/prometheus.ts';
import { reportRunFinished } from '../../src/monitoring/run-finished.ts';
import { readRunTotals, recordRunTotals } from '../../src/monitoring/run-totals.ts';
import type { Alerter } from '../../src/monitoring/alerts.ts';
import { pino } from 'pino';
import { createQueues, type Queues } from '../../src/queue/queues.ts';
import { RunStore } from '../../src/run/store.ts';
import { emptyCounts } from '../../src/run/types.ts';
import { deletePrefix, newRedis, testPrefix } from '../helpers/redis.ts';
import { parsePrometheus, sampleValue } from './prom-parse.ts';

describe('metrics in Redis (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let queues: Queues;

  beforeAll(() => {
    redis = newRedis();
    prefix = testPrefix('metrics');
    queues = createQueues(redis, prefix, 1);
  });

  afterAll(async () => {
    await queues.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  async function settle(): Promise<void> {
    await redis.ping(); // the recorder's pipelines were sent before this on the same connection
  }

  it('counts requests per API and status class, 429s, and latency buckets', async () => {
    const observe = createMetricsRecorder(redis, prefix);
    observe({ api: 'hubspot', endpoint: 'POST /x', status: 200, durationMs: 40 });
    observe({ api: 'hubspot', endpoint: 'POST /x', status: 200, durationMs: 300 });
    observe({ api: 'hubspot', endpoint: 'POST /x', status: 429, durationMs: 20 });
    observe({ api: 'mailchimp', endpoint: 'GET /m', status: 'network', durationMs: 30_000 });
    await settle();
    const m = await readApiMetrics(redis, prefix);
    const count = (api: string, c: string) =>
      m.requests.find((r) => r.api === api && r.statusClass === c)?.count;
    expect(count('hubspot', '2xx')).toBe(2);
    expect(count('hubspot', '4xx')).toBe(1);
    expect(count('mailchimp', 'network')).toBe(1);
    expect(m.rateLimited.hubspot).toBe(1);
    expect(m.rateLimited.mailchimp).toBe(0);
    expect(m.latency.hubspot.perBucket).toEqual([2, 0, 0, 1, 0, 0, 0, 0]);
    expect(m.latency.hubspot).toMatchObject({ sumMs: 360, count: 3 });
    expect(m.latency.mailchimp.perBucket.reduce((a, b) => a + b, 0)).toBe(0); // over 10 s: only +Inf
    expect(m.latency.mailchimp.count).toBe(1);
    expect(await rateLimitedInMinute(redis, prefix)).toBe(1);
  });

  it('adds a finished run to the totals once, however often it is reported', async () => {
    const counts = { ...emptyCounts(), read: 10, created: 6, updated: 2, failed: 2, optedOut: 3 };
    expect(await recordRunTotals(redis, prefix, 'run-a', 'completed_with_errors', counts)).toBe(true);
    expect(await recordRunTotals(redis, prefix, 'run-a', 'completed_with_errors', counts)).toBe(false);
    const totals = await readRunTotals(redis, prefix);
    expect(totals.contacts).toMatchObject({ read: 10, created: 6, updated: 2, failed: 2, optedOut: 3 });
    expect(totals.runsByStatus).toEqual({ completed_with_errors: 1 });
  });

  it('collects queue, API and run metrics into parseable Prometheus text', async () => {
    await queues.byName.hubspot.add('write-batch', { runId: 'x' });
    const store = new RunStore(redis, prefix);
    await store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    const parsed = parsePrometheus(renderPrometheus(await collectMetrics({ redis, prefix, queues, store })));
    expect(sampleValue(parsed, 'esp_sync_queue_jobs', { queue: 'hubspot', state: 'waiting' })).toBe(1);
    expect(sampleValue(parsed, 'esp_sync_queue_workers', { queue: 'hubspot' })).toBe(0);
    expect(sampleValue(parsed, 'esp_sync_api_requests_total', { api: 'hubspot', status: '2xx' })).toBe(2);
    expect(sampleValue(parsed, 'esp_sync_api_rate_limited_total', { api: 'hubspot' })).toBe(1);
    expect(
      sampleValue(parsed, 'esp_sync_api_request_duration_seconds_bucket', { api: 'hubspot', le: '0.05' }),
    ).toBe(2);
    expect(sampleValue(parsed, 'esp_sync_api_request_duration_seconds_sum', { api: 'hubspot' })).toBe(0.36);
    expect(sampleValue(parsed, 'esp_sync_contacts_written_total')).toBe(8);
    expect(sampleValue(parsed, 'esp_sync_contacts_total', { outcome: 'optedOut' })).toBe(3);
    expect(sampleValue(parsed, 'esp_sync_runs', { status: 'queued' })).toBe(1);
    expect(parsed.types.get('esp_sync_api_request_duration_seconds')).toBe('histogram');
  });

  it('reports a finished run once: totals and one alert, nothing for a run still going', async () => {
    const store = new RunStore(redis, prefix);
    const alerted: string[] = [];
    const alerter: Alerter = {
      consent: () => Promise.resolve(),
      verifyFound: () => Promise.resolve(),
      runFinished: (run) => {
        alerted.push(run.status);
        return Promise.resolve();
      },
      noWorker: () => Promise.resolve(),
    };
    const deps = { redis, prefix, store, alerter, logger: pino({ level: 'silent' }) };
    const run = await store.createRun({
      sources: ['mailchimp'],
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
    });
    await reportRunFinished(deps, run.id);
    expect(alerted).toEqual([]);
    await store.finish(run.id, 'failed', 'token revoked');
    await reportRunFinished(deps, run.id);
    await reportRunFinished(deps, run.id);
    expect(alerted).toEqual(['failed']);
    expect((await readRunTotals(redis, prefix)).runsByStatus.failed).toBe(1);
  });
});
