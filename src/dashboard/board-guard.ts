import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';

/** Bull Board write actions a dashboard allows: none, or retrying failed and promoting delayed jobs. */
export type BoardActions = 'none' | 'retry';

const READS = new Set(['GET', 'HEAD']);

/**
 * The only writes DASHBOARD_ACTIONS=retry opens, as Bull Board's API routes (relative to the board's base path).
 * Everything else that changes state (adding or editing jobs, emptying, cleaning, obliterating, removing, pausing,
 * schedulers, delay and priority) stays refused: a job added or edited by hand runs with the worker's
 * credentials on data no run created.
 */
const BULK_RETRY_FAILED = /^\/api\/queues\/([^/]+)\/retry\/failed$/;
const JOB_RETRY = /^\/api\/queues\/([^/]+)\/([^/]+)\/retry$/;
const BULK_PROMOTE = /^\/api\/queues\/([^/]+)\/promote$/;
const JOB_PROMOTE = /^\/api\/queues\/([^/]+)\/([^/]+)\/promote$/;

function decoded(part: string | undefined): string {
  try {
    return decodeURIComponent(part ?? '');
  } catch {
    return '';
  }
}

function refuse(actions: BoardActions): string {
  const why =
    actions === 'none'
      ? "Bull Board's write actions are off (DASHBOARD_ACTIONS=none, or DASHBOARD_READ_ONLY=true)."
      : 'DASHBOARD_ACTIONS=retry only allows retrying failed jobs and promoting delayed ones.';
  return `${why} Adding, editing, cleaning, emptying and removing jobs are never allowed here; start and retry runs from /runs or the CLI.`;
}

/**
 * Refuses (403) every Bull Board request that would change a queue, except what `actions` allows. Retrying a
 * single job is allowed only when it failed: Bull Board would also re-run a completed job.
 */
export function boardActionGuard(queues: Record<string, Queue>, actions: BoardActions): RequestHandler {
  const queueNamed = (name: string): Queue | undefined => Object.values(queues).find((q) => q.name === name);

  async function allowed(method: string, path: string): Promise<boolean> {
    if (actions !== 'retry' || method !== 'PUT') return false;
    if (BULK_RETRY_FAILED.test(path) || BULK_PROMOTE.test(path) || JOB_PROMOTE.test(path)) return true;
    const retry = JOB_RETRY.exec(path);
    if (!retry) return false;
    const queue = queueNamed(decoded(retry[1]));
    return queue !== undefined && (await queue.getJobState(decoded(retry[2]))) === 'failed';
  }

  return (req, res, next) => {
    if (READS.has(req.method)) {
      next();
      return;
    }
    allowed(req.method, req.path).then(
      (ok) => {
        if (ok) next();
        else res.status(403).json({ error: refuse(actions) });
      },
      (err: unknown) => next(err),
    );
  };
}
