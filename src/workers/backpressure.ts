import { DelayedError, type Job } from 'bullmq';
import { QUEUE_NAMES } from '../queue/queues.ts';
import type { WorkerContext } from './context.ts';

/** Write batches waiting before source pages stop reading ahead (keeps Redis memory bounded on big audiences). */
export const MAX_PENDING_WRITE_BATCHES = 200;

/**
 * Reading pages is much faster than HubSpot's rate limit lets us write them. When too many write batches wait,
 * the page job steps back for a few seconds instead of piling more contacts into Redis.
 */
export async function holdIfWritesPileUp(ctx: WorkerContext, job: Job, token: string): Promise<void> {
  const waiting = await ctx.queues.byName[QUEUE_NAMES.hubspot].getWaitingCount();
  if (waiting < MAX_PENDING_WRITE_BATCHES) return;
  await job.moveToDelayed(Date.now() + 3000, token);
  throw new DelayedError();
}
