import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import type { Queues } from '../queue/queues.ts';
import { boardActionGuard, type BoardActions } from './board-guard.ts';
import { jobDataView, maskBoardBody } from './job-view.ts';

interface JobLike {
  data?: unknown;
}

/** Bull Board's link from a job to the run page it belongs to (every job of ours carries data.runId). */
export function runLinkOf(job: JobLike): { href: string; displayText: string } {
  const runId = (job.data as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string' || runId === '') return { href: '/runs', displayText: 'All runs' };
  return { href: `/runs/${encodeURIComponent(runId)}`, displayText: `Run ${runId}` };
}

export function boardAdapter(queue: ConstructorParameters<typeof BullMQAdapter>[0], actions: BoardActions) {
  // The UI hides what the guard refuses anyway; a completed job is never retried (it would write again).
  // allowCompletedRetries is read by Bull Board's base adapter but missing from the BullMQ adapter's type.
  const options = {
    readOnlyMode: actions === 'none',
    allowCompletedRetries: false,
    externalJobUrl: runLinkOf,
  };
  const adapter = new BullMQAdapter(queue, options);
  adapter.setFormatter('data', jobDataView);
  adapter.setFormatter('returnValue', jobDataView);
  adapter.setFormatter('progress', jobDataView);
  return adapter;
}

/** A <link> to another origin: Bull Board's page loads its web fonts from a public CDN (fonts.googleapis.com). */
const REMOTE_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>\s*/gi;

/**
 * Bull Board renders its page from a template we cannot configure; this takes the remote links out of it, so
 * the page loads nothing from another origin (it falls back to the system fonts).
 */
export function withoutRemoteLinks(): RequestHandler {
  return (_req, res, next) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      // Only the page: API answers are JSON (set before send), and job data in them is shown as it is.
      const page = typeof body === 'string' && !/json/i.test(String(res.get('Content-Type') ?? ''));
      return send(page ? body.replace(REMOTE_LINK, '') : body);
    };
    next();
  };
}

/**
 * Bull Board over every queue at basePath, its write actions limited by `actions` (see board-guard.ts). BullMQ
 * job schedulers and flows need no extra setup: the BullMQ adapter lists schedulers per queue and shows each
 * job's flow tree (our runs are flows).
 */
export function createBoardRouter(
  queues: Queues,
  options: { basePath: string; actions: BoardActions },
): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(options.basePath);
  createBullBoard({
    queues: Object.values(queues.byName).map((q) => boardAdapter(q, options.actions)),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'esp-sync queues',
        miscLinks: [{ text: 'Runs', url: '/runs' }],
        hideDocsLink: true,
      },
      // failedReason and stack traces have no formatter: they are masked in every answer instead.
      handlerHooks: { after: (_context, result) => ({ ...result, body: maskBoardBody(result.body) }) },
    },
  });
  const router = Router();
  router.use(boardActionGuard(queues.byName, options.actions));
  router.use(withoutRemoteLinks());
  router.use(serverAdapter.getRouter() as Router);
  return router;
}
