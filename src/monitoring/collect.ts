import type { Redis } from 'ioredis';
import { ConsentLedger } from '../ledger/ledger.ts';
import type { Queues } from '../queue/queues.ts';
import type { RunStore } from '../run/store.ts';
import { COUNT_NAMES, type RunStatus } from '../run/types.ts';
import { APIS, LATENCY_BOUNDS_MS, rateLimitedInMinute, readApiMetrics } from './metrics.ts';
import { histogramSamples, type MetricFamily } from './prometheus.ts';
import { readRunTotals } from './run-totals.ts';

export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;
const RUN_STATUSES: RunStatus[] = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
];

/** Runs looked at for the "runs by status" gauge (the run index keeps runs for the retention time). */
const RECENT_RUNS = 200;

export interface MetricsSources {
  redis: Redis;
  prefix: string;
  queues: Queues;
  store: RunStore;
}

async function queueFamilies(queues: Queues): Promise<MetricFamily[]> {
  const entries = Object.entries(queues.byName);
  const counts = await Promise.all(entries.map(([, q]) => q.getJobCounts(...JOB_STATES)));
  const workers = await Promise.all(entries.map(([, q]) => q.getWorkersCount()));
  return [
    {
      name: 'esp_sync_queue_jobs',
      help: 'Jobs per queue and state.',
      type: 'gauge',
      samples: entries.flatMap(([queue], i) =>
        JOB_STATES.map((state) => ({ labels: { queue, state }, value: counts[i]?.[state] ?? 0 })),
      ),
    },
    {
      name: 'esp_sync_queue_workers',
      help: 'Workers connected per queue.',
      type: 'gauge',
      samples: entries.map(([queue], i) => ({ labels: { queue }, value: workers[i] ?? 0 })),
    },
  ];
}

async function apiFamilies(redis: Redis, prefix: string): Promise<MetricFamily[]> {
  const m = await readApiMetrics(redis, prefix);
  return [
    {
      name: 'esp_sync_api_requests_total',
      help: 'HTTP requests to each API by status class (network = no response).',
      type: 'counter',
      samples: m.requests.map((r) => ({ labels: { api: r.api, status: r.statusClass }, value: r.count })),
    },
    {
      name: 'esp_sync_api_rate_limited_total',
      help: 'HTTP 429 answers per API.',
      type: 'counter',
      samples: APIS.map((api) => ({ labels: { api }, value: m.rateLimited[api] })),
    },
    {
      name: 'esp_sync_api_request_duration_seconds',
      help: 'HTTP request latency per API.',
      type: 'histogram',
      samples: APIS.flatMap((api) => {
        const l = m.latency[api];
        const bounds = LATENCY_BOUNDS_MS.map((ms) => ms / 1000);
        return histogramSamples({ api }, bounds, l.perBucket, l.sumMs / 1000, l.count);
      }),
    },
    {
      name: 'esp_sync_api_rate_limited_current_minute',
      help: 'HTTP 429 answers across all APIs in the current minute.',
      type: 'gauge',
      samples: [{ value: await rateLimitedInMinute(redis, prefix) }],
    },
  ];
}

async function runFamilies(redis: Redis, prefix: string, store: RunStore): Promise<MetricFamily[]> {
  const totals = await readRunTotals(redis, prefix);
  const recent = await store.listRuns(RECENT_RUNS);
  return [
    {
      name: 'esp_sync_contacts_total',
      help: 'Source records of finished runs by outcome (read, created, updated, optedOut, failed, ...).',
      type: 'counter',
      samples: COUNT_NAMES.map((outcome) => ({ labels: { outcome }, value: totals.contacts[outcome] })),
    },
    {
      name: 'esp_sync_contacts_written_total',
      help: 'Contacts created or updated in HubSpot by finished runs.',
      type: 'counter',
      samples: [{ value: totals.contacts.created + totals.contacts.updated }],
    },
    {
      name: 'esp_sync_runs_finished_total',
      help: 'Finished runs by final status.',
      type: 'counter',
      samples: Object.entries(totals.runsByStatus).map(([status, value]) => ({ labels: { status }, value })),
    },
    {
      name: 'esp_sync_runs',
      help: `Runs still kept in Redis (at most the last ${RECENT_RUNS}) by status.`,
      type: 'gauge',
      samples: RUN_STATUSES.map((status) => ({
        labels: { status },
        value: recent.filter((r) => r.status === status).length,
      })),
    },
  ];
}

/** Opt-outs HubSpot has not confirmed yet: an alert rule can fire on their age (days matter, not weeks). */
async function consentFamilies(redis: Redis, prefix: string): Promise<MetricFamily[]> {
  const { count, oldestSince } = await new ConsentLedger(redis, prefix).pendingOptOutSummary();
  const age = oldestSince ? Math.max(0, (Date.now() - Date.parse(oldestSince)) / 1000) : 0;
  return [
    {
      name: 'esp_sync_opt_outs_pending',
      help: 'Opt-outs not confirmed by HubSpot yet; every run sends them again.',
      type: 'gauge',
      samples: [{ value: count }],
    },
    {
      name: 'esp_sync_opt_outs_pending_oldest_seconds',
      help: 'Age of the oldest opt-out not confirmed by HubSpot (0 when none is pending).',
      type: 'gauge',
      samples: [{ value: Math.round(age) }],
    },
  ];
}

/** Everything /metrics shows: queues and workers, API calls, run outcomes and pending opt-outs. */
export async function collectMetrics(sources: MetricsSources): Promise<MetricFamily[]> {
  const [queue, api, runs, consent] = await Promise.all([
    queueFamilies(sources.queues),
    apiFamilies(sources.redis, sources.prefix),
    runFamilies(sources.redis, sources.prefix, sources.store),
    consentFamilies(sources.redis, sources.prefix),
  ]);
  return [...queue, ...api, ...runs, ...consent];
}
