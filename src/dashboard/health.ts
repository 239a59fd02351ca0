import type { RequestHandler } from 'express';
import type { App } from '../app.ts';
import { errorMessage } from '../errors/index.ts';
import { collectMetrics } from '../monitoring/collect.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../monitoring/prometheus.ts';
import { withTimeout } from './respond.ts';

const REDIS_TIMEOUT_MS = 2000;

interface Health {
  status: 200 | 503;
  details: Record<string, unknown>;
}

/**
 * 200 when Redis answers and every queue has a worker; otherwise 503 naming what failed. `workers` is the
 * smallest worker count of any queue (a worker process serves every queue, so that is the number of them).
 */
async function checkHealth(app: App): Promise<Health> {
  try {
    await withTimeout(app.redis.ping(), REDIS_TIMEOUT_MS, 'Redis');
  } catch (err) {
    return { status: 503, details: { redis: 'unreachable', error: errorMessage(err), failed: ['redis'] } };
  }
  const entries = Object.entries(app.queues.byName);
  const counts = await withTimeout(
    Promise.all(entries.map(([, q]) => q.getWorkersCount())),
    REDIS_TIMEOUT_MS,
    'Redis',
  );
  const perQueue = Object.fromEntries(entries.map(([name], i) => [name, counts[i] ?? 0]));
  const workers = Math.min(...counts);
  if (workers > 0) return { status: 200, details: { redis: 'ok', workers, queues: perQueue } };
  const missing = entries.filter((_, i) => counts[i] === 0).map(([name]) => name);
  return {
    status: 503,
    details: {
      redis: 'ok',
      workers,
      queues: perQueue,
      failed: ['workers'],
      error: `No worker on queue(s) ${missing.join(', ')}: start one with \`esp-sync worker\`.`,
    },
  };
}

/**
 * `detailed` answers with what failed (queues, worker counts, Redis errors), for someone logged in; otherwise
 * only `{"ok":true}` or `{"ok":false}` with 200 / 503, which is all a load balancer's probe needs.
 */
export function healthz(app: App, detailed: boolean): RequestHandler {
  return async (_req, res) => {
    const health = await checkHealth(app).catch((err: unknown): Health => ({
      status: 503,
      details: { error: errorMessage(err), failed: ['redis'] },
    }));
    res.status(health.status).json(detailed ? health.details : { ok: health.status === 200 });
  };
}

/** Prometheus text format; see src/monitoring/collect.ts for the metric names. */
export function metrics(app: App): RequestHandler {
  return async (_req, res) => {
    try {
      const families = await withTimeout(
        collectMetrics({
          redis: app.redis,
          prefix: app.config.queuePrefix,
          queues: app.queues,
          store: app.store,
        }),
        5000,
        'Redis',
      );
      res.status(200).set('Content-Type', PROMETHEUS_CONTENT_TYPE).send(renderPrometheus(families));
    } catch (err) {
      res
        .status(503)
        .type('text/plain')
        .send(`metrics unavailable: ${errorMessage(err)}\n`);
    }
  };
}
