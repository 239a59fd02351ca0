import type { Job } from 'bullmq';

/** Whether this is the job's last attempt: a transient failure now fails its records instead of retrying. */
export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
