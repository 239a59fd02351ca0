import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queues } from '../queue/queues.ts';
import { maskEmailsDeep } from './mask.ts';

interface JobLike {
  data?: unknown;
}

/** Bull Board's link from a job to the run page it belongs to (every job of ours carries data.runId). */
export function runLinkOf(job: JobLike): { href: string; displayText: string } {
  const runId = (job.data as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string' || runId === '') return { href: '/runs', displayText: 'All runs' };
  return { href: `/runs/${encodeURIComponent(runId)}`, displayText: `Run ${runId}` };
}

export function boardAdapter(queue: ConstructorParameters<typeof BullMQAdapter>[0], readOnly: boolean) {
  const adapter = new BullMQAdapter(queue, { readOnlyMode: readOnly, externalJobUrl: runLinkOf });
  adapter.setFormatter('data', maskEmailsDeep);
  adapter.setFormatter('returnValue', maskEmailsDeep);
  return adapter;
}

/**
 * Bull Board over every queue at basePath. BullMQ job schedulers and flows need no extra setup: the BullMQ
 * adapter lists schedulers per queue and shows each job's flow tree (our runs are flows).
 */
export function createBoardRouter(queues: Queues, options: { basePath: string; readOnly: boolean }): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(options.basePath);
  createBullBoard({
    queues: Object.values(queues.byName).map((q) => boardAdapter(q, options.readOnly)),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'esp-sync queues',
        miscLinks: [{ text: 'Runs', url: '/runs' }],
        hideDocsLink: true,
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
